/*
 * drivers/e1000/e1000_rxtx.c — the 8254x's ring operations for the
 * bare-metal NIC skeleton (drivers/bm/nic.h): what only the e1000 does to
 * receive, transmit and interrupt. Source: 8254x SDM chapter 3 (receive and
 * transmit descriptors, 3.3.6 context descriptors), 13.4.17-13.4.21
 * (interrupt registers).
 *
 * Receive: legacy descriptors, one 2048-byte buffer each (RCTL.BSIZE); a
 * frame that spans buffers is dropped (SDM 3.2.3: EOP ends it).
 * Transmit: one descriptor per segment of a chained frame, EOP on the last
 * (SDM 3.3.3); a frame whose flags ask for a checksum (PKT_F_CSUM_PARTIAL)
 * goes as extended data descriptors with POPTS.TXSM after a context
 * descriptor naming TUCSS/TUCSO (SDM 3.3.6-3.3.7), resent only when it
 * changes (the device keeps the last one). QEMU's e1000 models exactly
 * that (hw/net/e1000.c process_tx_desc, putsum); it ignores the legacy
 * descriptor's CSO/CSS, and on receive it always reports IXSM (no receive
 * checksum), so the port advertises transmit checksums only.
 * Interrupts: masked while the main loop polls; armed (ICR cleared of
 * stale causes, then IMS) when it idles; the handler masks them again, so
 * every arming gives at most one interrupt.
 */
#include "drivers/e1000/e1000_priv.h"
#include "protocols/ether/ether_wire.h"

#include "kernel/kerr.h"
#include "kernel/pktbuf.h"

/* ---- interrupt: note, acknowledge, mask ---- */

void e1000_irq(void *ctx)
{
    struct e1000_slot *s = ctx;
    if (!s->mapped)
        return;
    uint32_t icr = e1000_rd(s, E1000_ICR); /* read clears, deasserting INTx */
    if (!icr)
        return; /* another device on a shared line */
    s->icr_noted |= icr;
    s->irqs = s->irqs + 1;
    if (s->armed) {
        /* One interrupt per arming: the main loop is awake now and polls. */
        e1000_wr(s, E1000_IMC, 0xffffffffu);
        s->armed = false;
    }
}

bool e1000_nic_intr_enable(struct bm_nic *n, bool tx_wake)
{
    struct e1000_port *e = e1000_of(n);
    struct e1000_slot *s = e->slot;
    uint32_t ims = E1000_ICR_RXT0 | E1000_ICR_RXDMT0 | E1000_ICR_RXO | E1000_ICR_LSC |
                   (tx_wake ? E1000_ICR_TXDW : 0u);
    if (!s->armed || s->ims != ims) {
        /* Causes that piled up while masked would interrupt at once and,
         * with QEMU's mitigation, hold off the next real one: clear them,
         * then look at the rings again below for what they stood for. */
        e1000_wr(s, E1000_ICR, E1000_ICR_STALE);
        s->ims = ims;
        s->armed = true;
        e1000_wr(s, E1000_IMC, ~ims);
        e1000_wr(s, E1000_IMS, ims);
    }
    bus_mb();
    return e1000_rx_ready(&e->rx) || (tx_wake && e1000_tx_done(&e->tx));
}

void e1000_nic_intr_disable(struct bm_nic *n)
{
    (void)n; /* the handler masks at the interrupt itself: no register write while polling */
}

/* ---- receive ---- */

int e1000_nic_rx_post(struct bm_nic *n, struct pktbuf *p)
{
    struct e1000_port *e = e1000_of(n);
    if (pkt_tailroom(p) < E1000_RX_BUF)
        return -KE_INVAL;
    return e1000_rx_post(&e->rx, bus_dma_addr(&e->slot->pci->dev, pkt_data(p), false), p);
}

unsigned e1000_nic_rx_space(struct bm_nic *n)
{
    return e1000_ring_space(&e1000_of(n)->rx);
}

enum bm_rx_kind e1000_nic_rx_reap(struct bm_nic *n, struct pktbuf **buf)
{
    struct e1000_port *e = e1000_of(n);
    while (e1000_rx_ready(&e->rx)) {
        struct e1000_rx_info info;
        bus_rmb();
        struct pktbuf *p = e1000_rx_take(&e->rx, &info);
        bool eop = info.status & E1000_RXD_STAT_EOP;
        if (e->rx_discard) {
            /* The tail of a frame that spanned buffers (SDM 3.2.3: EOP ends it). */
            e->rx_discard = !eop;
            (void)bm_nic_rx_repost(n, p);
            continue;
        }
        *buf = p;
        switch (e1000_rx_classify(&info, ETHER_HDR_LEN, pkt_tailroom(p))) {
        case E1000_RX_OK: p->len = info.length; return BM_RX_FRAME;
        case E1000_RX_ERRORS:
            n->ctr[BM_DRV_CTR(E1000_C_RX_DESC_ERRORS)]++;
            e->rx_discard = !eop;
            return BM_RX_BAD;
        case E1000_RX_FRAGMENT:
            n->ctr[BM_DRV_CTR(E1000_C_RX_FRAGMENTS)]++;
            e->rx_discard = true;
            return BM_RX_BAD;
        case E1000_RX_BAD_LENGTH:
        default: n->ctr[BM_DRV_CTR(E1000_C_RX_BAD_LEN)]++; return BM_RX_BAD;
        }
    }
    return BM_RX_NONE;
}

void e1000_nic_rx_kick(struct bm_nic *n)
{
    struct e1000_port *e = e1000_of(n);
    bus_wmb(); /* descriptors before the tail that hands them over */
    e1000_wr(e->slot, E1000_RDT, e->rx.tail);
}

struct pktbuf *e1000_nic_rx_detach(struct bm_nic *n)
{
    return e1000_ring_reclaim(&e1000_of(n)->rx);
}

/* ---- transmit ---- */

int e1000_nic_tx_post(struct bm_nic *n, struct pktbuf *p)
{
    struct e1000_port *e = e1000_of(n);
    struct e1000_tx_seg seg[E1000_TX_MAX_SEGS];
    unsigned nseg = 0;
    const struct bus_device *d = &e->slot->pci->dev;
    for (const struct pktbuf *s = p; s != NULL; s = s->frag) {
        if (s->len == 0)
            continue;
        if (nseg == E1000_TX_MAX_SEGS)
            return -KE_TOOBIG; /* the skeleton linearizes such chains first */
        seg[nseg++] = (struct e1000_tx_seg){ bus_dma_addr(d, pkt_data(s), false), s->len };
    }
    struct e1000_tx_ctx ctx;
    const struct e1000_tx_ctx *send_ctx = NULL;
    uint8_t popts = 0;
    if (p->flags & PKT_F_CSUM_PARTIAL) {
        if (e1000_tx_csum_ctx(p->csum_start, p->csum_offset, &ctx) != 0)
            return -KE_RANGE; /* beyond the 8-bit TUCSS/TUCSO: counted and dropped */
        if (!e->ctx_valid || !e1000_tx_ctx_equal(&ctx, &e->ctx))
            send_ctx = &ctx;
        popts = E1000_POPTS_TXSM;
    }
    uint8_t ide = e->mod.tidv ? E1000_TXD_CMD_IDE : 0u;
    int rc = e1000_tx_post_frame(&e->tx, seg, nseg, send_ctx, popts, ide, p);
    if (rc == 0 && send_ctx != NULL) {
        e->ctx = ctx;
        e->ctx_valid = true;
        n->ctr[BM_DRV_CTR(E1000_C_TX_CONTEXTS)]++;
    }
    return rc;
}

unsigned e1000_nic_tx_free(struct bm_nic *n)
{
    return e1000_ring_space(&e1000_of(n)->tx);
}

struct pktbuf *e1000_nic_tx_reap(struct bm_nic *n)
{
    struct e1000_port *e = e1000_of(n);
    while (e1000_tx_done(&e->tx)) {
        uint8_t st;
        bus_rmb();
        struct pktbuf *p = e1000_tx_take(&e->tx, &st);
        if (st & (E1000_TXD_STAT_EC | E1000_TXD_STAT_LC)) {
            n->ctr[BM_DRV_CTR(E1000_C_TX_COLLISIONS)]++;
            n->port.tx_errors++;
        }
        if (p != NULL) /* the frame's last descriptor (context and leading segments carry none) */
            return p;
    }
    return NULL;
}

void e1000_nic_tx_kick(struct bm_nic *n)
{
    struct e1000_port *e = e1000_of(n);
    bus_wmb(); /* descriptors before the tail that hands them over */
    e1000_wr(e->slot, E1000_TDT, e->tx.tail);
}

struct pktbuf *e1000_nic_tx_detach(struct bm_nic *n)
{
    struct e1000_port *e = e1000_of(n);
    while (e->tx.used > 0) {
        struct pktbuf *p = e1000_ring_reclaim(&e->tx);
        if (p != NULL)
            return p;
    }
    return NULL;
}
