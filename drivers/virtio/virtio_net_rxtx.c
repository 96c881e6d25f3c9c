/*
 * drivers/virtio/virtio_net_rxtx.c — virtio-net's ring operations for the
 * bare-metal NIC skeleton (drivers/bm/nic.h): receive queue 0, transmit
 * queue 1 (OASIS virtio 1.1 sections 5.1.2, 5.1.6), split virtqueues
 * (virtqueue.h) and the virtio-net header (virtio_net_hdr.h).
 *
 * Receive is zero copy: each posted buffer IS a pktbuf block, the header
 * placed in the headroom just before PKT_HEADROOM so the frame lands at the
 * normal data offset. With MRG_RXBUF a frame larger than one buffer (only a
 * GUEST_TSO4 super-frame: a 1518-byte frame always fits one) arrives in
 * num_buffers buffers, the header in the first only (5.1.6.4); it is copied
 * into one block of the port's big pool (65535-byte blocks, the pktbuf
 * limit: frames up to 65535 - PKT_HEADROOM = 65407 bytes) and its buffers go
 * straight back to the device. The graph never sees a chain.
 * Transmit: the header goes in the frame's headroom when the caller holds
 * its only reference (one descriptor with the head's bytes), else in the
 * header slot of the chain's head descriptor; then one descriptor per
 * further segment of a chained frame.
 * Interrupts: off while the main loop polls, asked for when it idles (the
 * event index of 2.6.7 / 2.6.10, or VRING_AVAIL_F_NO_INTERRUPT without it).
 */
#include "drivers/virtio/virtio_net_priv.h"
#include "protocols/ether/ether_wire.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"

const char *const vnet_ctr_names[VNET_NCTR] = {
    "rx_bad_len", "rx_bad_id", "rx_bad_hdr",  "rx_too_big", "rx_merged",
    "tx_bad_id",  "kicks",     "kicks_saved", "irqs",       "config_changes",
};

#define CTR(v, c) ((v)->nic.ctr[BM_DRV_CTR(c)])

void vnet_irq(void *ctx)
{
    struct vnet_slot *s = ctx;
    uint8_t isr = virtio_pci_isr(&s->vp); /* reading deasserts INTx */
    if (isr) {
        s->isr_noted = (uint8_t)(s->isr_noted | isr);
        s->irqs = s->irqs + 1;
    }
}

bool vnet_nic_intr_enable(struct bm_nic *n, bool tx_wake)
{
    struct vnet_port *v = vnet_of(n);
    vq_enable_intr(&v->rxq);
    if (tx_wake)
        vq_enable_intr(&v->txq);
    /* Look once more for what arrived before the device saw the request. */
    bus_mb();
    return vq_used_pending(&v->rxq) || (tx_wake && vq_used_pending(&v->txq));
}

void vnet_nic_intr_disable(struct bm_nic *n)
{
    struct vnet_port *v = vnet_of(n);
    vq_disable_intr(&v->rxq);
    vq_disable_intr(&v->txq);
}

static void kick(struct vnet_port *v, struct virtqueue *vq)
{
    bus_wmb();
    vq_publish(vq);
    bus_mb();
    if (vq_kick_prepare(vq)) {
        virtio_pci_notify(v->vp, vq->index);
        CTR(v, VNET_KICKS)++;
    } else {
        CTR(v, VNET_KICKS_SAVED)++;
    }
}

/* ---- receive ---- */

int vnet_nic_rx_post(struct bm_nic *n, struct pktbuf *p)
{
    struct vnet_port *v = vnet_of(n);
    if (p->data_off < v->hdr_len || pkt_tailroom(p) < ETHER_MAX_TAGGED_FRAME)
        return -KE_INVAL;
    uint8_t *buf = pkt_data(p) - v->hdr_len;
    struct vq_seg seg = {
        .addr = bus_dma_addr(&v->slot->pci->dev, buf, true),
        .len = (uint32_t)v->hdr_len + pkt_tailroom(p),
        .device_writes = true,
    };
    return vq_add(&v->rxq, &seg, 1, p);
}

unsigned vnet_nic_rx_space(struct bm_nic *n)
{
    return vnet_of(n)->rxq.num_free;
}

/* The next used receive buffer: 1 and *@p, *@len; 0 when none; -1 for a bad id (counted). */
static int take(struct vnet_port *v, struct pktbuf **p, uint32_t *len)
{
    if (!vq_used_pending(&v->rxq))
        return 0;
    void *c;
    bus_rmb();
    if (vq_get(&v->rxq, &c, len) != 0) {
        CTR(v, VNET_RX_BAD_ID)++;
        return -1;
    }
    *p = c;
    return 1;
}

/* Bytes a used buffer may hold: the header room and its tailroom. */
static uint32_t buf_cap(const struct vnet_port *v, const struct pktbuf *p)
{
    return (uint32_t)v->hdr_len + pkt_tailroom(p);
}

/*
 * The rest of a frame in @nbuf buffers, the first (@first, @len bytes with
 * the header @hdr) already taken: copied into one big-pool block, every
 * buffer reposted. BM_RX_OWN with *@out, or BM_RX_BAD (counted: no big
 * pool or longer than a block, rx_too_big; no block free, rx_no_buf; a
 * buffer that is not one, rx_bad_len; a header asking for what was not
 * negotiated, rx_bad_hdr). Buffers the device has not returned yet are
 * dropped as they come (rx_skip).
 */
static enum bm_rx_kind merge(struct vnet_port *v, struct pktbuf *first, uint32_t len,
                             const uint8_t *hdr, uint16_t nbuf, struct pktbuf **out)
{
    struct bm_nic *n = &v->nic;
    struct pktbuf *big = v->big ? pkt_alloc(v->big) : NULL;
    uint32_t room = big ? pkt_tailroom(big) : 0, total = len - v->hdr_len;
    int why = v->big == NULL ? BM_DRV_CTR(VNET_RX_TOO_BIG) : big == NULL ? BM_C_RX_NO_BUF : -1;
    if (why < 0 && total > room)
        why = BM_DRV_CTR(VNET_RX_TOO_BIG);
    if (why < 0)
        memcpy(pkt_append(big, (uint16_t)total), pkt_data(first), total);
    (void)bm_nic_rx_repost(n, first);
    uint16_t left = (uint16_t)(nbuf - 1u);
    while (left > 0) {
        struct pktbuf *q;
        uint32_t qlen;
        int got = take(v, &q, &qlen);
        if (got == 0)
            break; /* the device has not returned them yet: rx_skip drops them later */
        left--;
        if (got < 0) {
            why = BM_DRV_CTR(VNET_RX_BAD_LEN);
            continue;
        }
        /* Buffers after the first hold frame bytes from their start (no header). */
        if (qlen > buf_cap(v, q)) {
            why = BM_DRV_CTR(VNET_RX_BAD_LEN);
        } else if (why < 0 && total + qlen > room) {
            why = BM_DRV_CTR(VNET_RX_TOO_BIG);
        } else if (why < 0) {
            memcpy(pkt_append(big, (uint16_t)qlen), pkt_data(q) - v->hdr_len, qlen);
            total += qlen;
        }
        (void)bm_nic_rx_repost(n, q);
    }
    v->rx_skip = left;
    if (why < 0 && left > 0)
        why = BM_DRV_CTR(VNET_RX_BAD_LEN);
    if (why < 0 && vnet_hdr_get(hdr, big, total, &v->rx_off) != 0)
        why = BM_DRV_CTR(VNET_RX_BAD_HDR);
    *out = NULL;
    if (why >= 0) {
        n->ctr[why]++;
        pkt_free(big);
        return BM_RX_BAD;
    }
    CTR(v, VNET_RX_MERGED)++;
    *out = big;
    return BM_RX_OWN;
}

enum bm_rx_kind vnet_nic_rx_reap(struct bm_nic *n, struct pktbuf **buf)
{
    struct vnet_port *v = vnet_of(n);
    for (;;) {
        struct pktbuf *p;
        uint32_t len;
        int got = take(v, &p, &len);
        if (got == 0)
            return BM_RX_NONE;
        *buf = NULL;
        if (got < 0)
            return BM_RX_BAD;
        if (v->rx_skip > 0) {
            v->rx_skip--; /* the tail of a merged frame that was dropped */
            (void)bm_nic_rx_repost(n, p);
            continue;
        }
        *buf = p;
        if (len < v->hdr_len || len > buf_cap(v, p)) {
            CTR(v, VNET_RX_BAD_LEN)++;
            return BM_RX_BAD;
        }
        const uint8_t *h = pkt_data(p) - v->hdr_len;
        uint16_t nbuf = v->mrg ? vnet_hdr_num_buffers(h, v->hdr_len) : 1u;
        if (nbuf > 1u) {
            uint8_t hdr[VNET_HDR_V1];
            memcpy(hdr, h, v->hdr_len);
            return merge(v, p, len, hdr, nbuf, buf);
        }
        if (nbuf == 0 || len < v->hdr_len + ETHER_HDR_LEN) {
            CTR(v, VNET_RX_BAD_LEN)++;
            return BM_RX_BAD;
        }
        p->len = (uint16_t)(len - v->hdr_len);
        if (vnet_hdr_get(h, p, p->len, &v->rx_off) != 0) {
            CTR(v, VNET_RX_BAD_HDR)++;
            return BM_RX_BAD;
        }
        return BM_RX_FRAME;
    }
}

void vnet_nic_rx_kick(struct bm_nic *n)
{
    struct vnet_port *v = vnet_of(n);
    kick(v, &v->rxq);
}

struct pktbuf *vnet_nic_rx_detach(struct bm_nic *n)
{
    return vq_detach(&vnet_of(n)->rxq);
}

/* ---- transmit ---- */

int vnet_nic_tx_post(struct bm_nic *n, struct pktbuf *p)
{
    struct vnet_port *v = vnet_of(n);
    const struct bus_device *d = &v->slot->pci->dev;
    uint32_t total = pkt_total_len(p);
    unsigned nseg = bm_nic_segs(p);
    if (nseg > VNET_TX_MAX_SEGS)
        return -KE_TOOBIG; /* the skeleton linearizes such chains first */
    uint8_t hdr[VNET_HDR_V1];
    int rc = vnet_hdr_put(hdr, v->hdr_len, p, total);
    if (rc)
        return rc;
    /* The header goes in the frame's headroom when we may write it (one
     * descriptor with the head's bytes), else in the chain's header slot.
     * Check for room first, so a frame the ring cannot take is untouched. */
    bool inplace = pkt_writable(p) && pkt_headroom(p) >= v->hdr_len && p->len > 0;
    if (v->txq.num_free < nseg + (inplace ? 0u : 1u))
        return -KE_AGAIN;
    struct vq_seg seg[VNET_TX_MAX_SEGS + 1];
    unsigned k = 0;
    if (inplace) {
        memcpy(pkt_push(p, v->hdr_len), hdr, v->hdr_len);
    } else {
        uint8_t *slot =
            (uint8_t *)v->slot->hdr_mem.virt + (size_t)vq_next_head(&v->txq) * VNET_HDR_SLOT;
        memcpy(slot, hdr, v->hdr_len);
        seg[k++] = (struct vq_seg){ bus_dma_addr(d, slot, true), v->hdr_len, false };
    }
    for (const struct pktbuf *s = p; s != NULL; s = s->frag)
        if (s->len > 0)
            seg[k++] = (struct vq_seg){ bus_dma_addr(d, pkt_data(s), true), s->len, false };
    return vq_add(&v->txq, seg, k, p); /* room was checked: cannot fail */
}

unsigned vnet_nic_tx_free(struct bm_nic *n)
{
    return vnet_of(n)->txq.num_free;
}

struct pktbuf *vnet_nic_tx_reap(struct bm_nic *n)
{
    struct vnet_port *v = vnet_of(n);
    while (vq_used_pending(&v->txq)) {
        void *c;
        uint32_t len;
        bus_rmb();
        if (vq_get(&v->txq, &c, &len) != 0) {
            CTR(v, VNET_TX_BAD_ID)++;
            continue;
        }
        return c;
    }
    return NULL;
}

void vnet_nic_tx_kick(struct bm_nic *n)
{
    struct vnet_port *v = vnet_of(n);
    kick(v, &v->txq);
}

struct pktbuf *vnet_nic_tx_detach(struct bm_nic *n)
{
    return vq_detach(&vnet_of(n)->txq);
}
