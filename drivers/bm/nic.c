/*
 * drivers/bm/nic.c — the bare-metal NIC skeleton (drivers/bm/nic.h): the
 * port operations every bare-metal NIC shares, over its ring operations.
 */
#include "drivers/bm/nic.h"
#include "protocols/ether/ether_wire.h"

#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/stats.h"

#define BM_WATCHDOG_NS KNS_PER_S
/** Largest packet a chain may form (kernel/pktbuf.h pkt_chain): uint16 lengths. */
#define BM_PKT_MAX 65535u

static const char *const bm_nic_ctr_names[BM_NCTR] = { "rx_no_buf",      "tx_bad_len",
                                                       "tx_bad_offload", "tx_ring_full",
                                                       "tx_linearized",  "intr_enables" };

static struct bm_nic *nic_of(struct kport *port)
{
    return port->priv;
}

/* ---- receive ---- */

/* Give @p to the device; true when it took it. */
static bool rx_post(struct bm_nic *n, struct pktbuf *p)
{
    if (n->ops->rx_post(n, p) != 0)
        return false;
    n->rx_dirty = true;
    return true;
}

unsigned bm_nic_rx_repost(struct bm_nic *n, struct pktbuf *p)
{
    p->len = 0;
    p->data_off = PKT_HEADROOM;
    p->flags = 0;
    if (rx_post(n, p))
        return 1;
    pkt_free(p);
    return 0;
}

unsigned bm_nic_rx_fill(struct bm_nic *n)
{
    unsigned room = n->ops->rx_space(n), posted = 0;
    if (room > n->rx_cap)
        n->rx_cap = room;
    while (posted < room) {
        struct pktbuf *p = pkt_alloc(n->port.pool);
        if (p == NULL)
            break;
        if (!rx_post(n, p)) {
            pkt_free(p);
            break;
        }
        posted++;
    }
    return posted;
}

static uint16_t bm_rx_burst(struct kport *port, struct pktbuf **pkts, uint16_t max)
{
    struct bm_nic *n = nic_of(port);
    if (!n->running)
        return 0;
    if (n->armed) {
        /* The loop polls again: the device need not interrupt while it does. */
        n->armed = false;
        n->ops->intr_disable(n);
    }
    if (n->ops->take_noted)
        n->ops->take_noted(n);
    (void)bm_nic_tx_reclaim(n);

    uint16_t got = 0;
    uint64_t now = 0;
    while (got < max) {
        struct pktbuf *p = NULL;
        enum bm_rx_kind k = n->ops->rx_reap(n, &p);
        if (k == BM_RX_NONE)
            break;
        if (k == BM_RX_BAD) {
            port->rx_errors++;
            if (p != NULL)
                (void)bm_nic_rx_repost(n, p);
            continue;
        }
        if (k == BM_RX_FRAME) {
            struct pktbuf *fresh = pkt_alloc(port->pool);
            if (fresh == NULL || !rx_post(n, fresh)) {
                /* No replacement: drop this frame and give its buffer back. */
                pkt_free(fresh);
                n->ctr[BM_C_RX_NO_BUF]++;
                port->rx_dropped++;
                (void)bm_nic_rx_repost(n, p);
                continue;
            }
        }
        if (!now)
            now = kclock_now_ns();
        p->rx_ns = now;
        port->rx_packets++;
        port->rx_bytes += p->len;
        pkts[got++] = p;
    }
    if (n->ops->rx_space(n) > 0)
        (void)bm_nic_rx_fill(n);
    if (n->rx_dirty) {
        n->rx_dirty = false;
        n->ops->rx_kick(n);
    }
    return got;
}

/* ---- transmit ---- */

unsigned bm_nic_segs(const struct pktbuf *p)
{
    unsigned k = 0;
    for (; p != NULL; p = p->frag)
        k += p->len > 0;
    return k;
}

unsigned bm_nic_tx_reclaim(struct bm_nic *n)
{
    unsigned k = 0;
    struct pktbuf *p;
    while ((p = n->ops->tx_reap(n)) != NULL) {
        pkt_free(p); /* the head: frees the whole chain */
        k++;
    }
    return k;
}

/*
 * Whether the port may send @p as it is: the length (an Ethernet frame, or
 * a TCP/IPv4 super-frame up to the packet limit when the port cuts them)
 * and the offloads its flags ask for. 0 or the counter to bump.
 */
static int tx_check(const struct bm_nic *n, const struct pktbuf *p, uint32_t len)
{
    const struct kport *port = &n->port;
    bool gso = p->flags & PKT_F_GSO_TCPV4;
    if (len < ETHER_HDR_LEN || len > (gso ? BM_PKT_MAX : ETHER_MAX_TAGGED_FRAME))
        return BM_C_TX_BAD_LEN;
    /* A super-frame's segments each need their checksum: TSO implies it
     * (virtio 1.1 5.1.6.2: gso_type needs VIRTIO_NET_HDR_F_NEEDS_CSUM). */
    if (gso && (!port->tx_tso4 || !(p->flags & PKT_F_CSUM_PARTIAL) || p->gso_size == 0))
        return BM_C_TX_BAD_OFFLOAD;
    if ((p->flags & PKT_F_CSUM_PARTIAL) &&
        (!port->tx_csum || (uint32_t)p->csum_start + p->csum_offset + 2u > len))
        return BM_C_TX_BAD_OFFLOAD;
    return 0;
}

static uint16_t bm_tx_burst(struct kport *port, struct pktbuf **pkts, uint16_t cnt)
{
    struct bm_nic *n = nic_of(port);
    uint16_t queued = 0;
    bool full = false;
    if (n->running)
        (void)bm_nic_tx_reclaim(n);
    for (uint16_t i = 0; i < cnt; i++) {
        struct pktbuf *p = pkts[i];
        if (!n->running) {
            port->tx_dropped++;
            pkt_free(p);
            continue;
        }
        uint32_t len = pkt_total_len(p);
        int bad = tx_check(n, p, len);
        if (bad) {
            n->ctr[bad]++;
            port->tx_errors++;
            pkt_free(p);
            continue;
        }
        if (bm_nic_segs(p) > n->tx_max_segs) {
            /* Too many segments for the ring: one copy, taken only when a
             * linear frame fits now (a frame left to the caller must stay
             * the very buffer it offered). */
            if (n->ops->tx_free(n) < n->tx_lin_need) {
                full = true;
                cnt = i;
                break;
            }
            n->ctr[BM_C_TX_LINEARIZED]++;
            uint16_t cs = p->csum_start, co = p->csum_offset, gs = p->gso_size;
            p = pkt_linearize(p, NULL);
            if (p == NULL) {
                port->tx_dropped++;
                continue;
            }
            p->csum_start = cs; /* pkt_linearize keeps the flags, not these */
            p->csum_offset = co;
            p->gso_size = gs;
        }
        int rc = n->ops->tx_post(n, p);
        if (rc == -KE_AGAIN && p == pkts[i]) {
            full = true;
            cnt = i; /* ring full: the caller keeps pkts[i..cnt) and offers them again */
            break;
        }
        if (rc != 0) {
            if (rc != -KE_AGAIN)
                n->ctr[BM_C_TX_BAD_OFFLOAD]++;
            port->tx_errors++;
            pkt_free(p);
            continue;
        }
        port->tx_packets++;
        port->tx_bytes += len;
        queued++;
    }
    if (queued)
        n->ops->tx_kick(n);
    if (full)
        n->ctr[BM_C_TX_RING_FULL]++;
    n->tx_blocked = full; /* until a burst goes in whole */
    return cnt;           /* frames taken: queued, or dropped for an error and counted */
}

/* ---- interrupts ---- */

static bool bm_intr_enable(struct kport *port)
{
    struct bm_nic *n = nic_of(port);
    if (!n->running)
        return false;
    /* Transmit completions matter to an idle loop when frames wait for
     * ring space, or when the receive ring is short of buffers that
     * transmits may still hold (the pool is shared with forwarding). */
    bool tx_wake = n->tx_blocked || n->ops->rx_space(n) > n->rx_cap / 2u;
    n->armed = true;
    n->ctr[BM_C_INTR_ENABLES]++;
    return n->ops->intr_enable(n, tx_wake);
}

/* ---- life cycle ---- */

static void bm_watchdog(struct ktimer *t, void *ctx)
{
    struct bm_nic *n = ctx;
    if (n->ops->watchdog)
        n->ops->watchdog(n);
    ktimer_arm_in(t, BM_WATCHDOG_NS);
}

static void release_buffers(struct bm_nic *n)
{
    struct pktbuf *p;
    while ((p = n->ops->rx_detach(n)) != NULL)
        pkt_free(p);
    while ((p = n->ops->tx_detach(n)) != NULL)
        pkt_free(p);
}

static int bm_start(struct kport *port)
{
    struct bm_nic *n = nic_of(port);
    if (n->running)
        return 0;
    port->error[0] = '\0';
    n->armed = false;
    n->tx_blocked = false;
    int rc = n->ops->hw_start(n);
    if (rc) {
        release_buffers(n);
        return rc;
    }
    n->running = true;
    n->rx_dirty = false; /* hw_start handed its buffers over its own way */
    if (n->ops->watchdog)
        n->ops->watchdog(n); /* link state now */
    ktimer_arm_in(&n->watchdog, BM_WATCHDOG_NS);
    return 0;
}

static void bm_stop(struct kport *port)
{
    struct bm_nic *n = nic_of(port);
    if (!n->running)
        return;
    ktimer_cancel(&n->watchdog);
    if (n->ops->watchdog)
        n->ops->watchdog(n); /* the last statistics */
    n->ops->hw_stop(n);      /* stops all DMA before the buffers go back */
    n->running = false;
    n->armed = false;
    release_buffers(n);
    port->link_up = false;
}

static void bm_close(struct kport *port)
{
    struct bm_nic *n = nic_of(port);
    bm_stop(port);
    kstats_unregister(&n->stats.group);
    bm_nic_free(n);
    n->ops->release(n);
}

const struct kport_ops bm_nic_kport_ops = {
    .start = bm_start,
    .stop = bm_stop,
    .rx_burst = bm_rx_burst,
    .tx_burst = bm_tx_burst,
    .close = bm_close,
    .intr_enable = bm_intr_enable,
};

int bm_nic_init(struct bm_nic *n, const struct bm_ring_ops *ops, const struct bm_nic_cfg *cfg)
{
    n->ops = ops;
    n->tag = cfg->tag;
    n->tx_max_segs = cfg->tx_max_segs;
    n->tx_lin_need = cfg->tx_lin_need;
    unsigned total = BM_NCTR + cfg->nctr;
    n->ctr = kmalloc(sizeof(uint64_t) * total);
    n->ctr_names = kmalloc(sizeof(const char *) * total);
    if (n->ctr == NULL || n->ctr_names == NULL) {
        kfree(n->ctr);
        kfree((void *)n->ctr_names);
        n->ctr = NULL;
        n->ctr_names = NULL;
        return -KE_NOMEM;
    }
    for (unsigned i = 0; i < total; i++) {
        n->ctr[i] = 0;
        n->ctr_names[i] = i < BM_NCTR ? bm_nic_ctr_names[i] : cfg->ctr_names[i - BM_NCTR];
    }
    n->nctr = total;
    nic_port_init(&n->port, &bm_nic_kport_ops, n, cfg->driver, cfg->ifname);
    ktimer_init(&n->watchdog, bm_watchdog, n);
    return 0;
}

int bm_nic_open_pool(struct bm_nic *n, struct dma_pool *dp, uint32_t count, uint16_t block_size)
{
    n->port.pool = dma_pool_create(dp, n->port.name, count, block_size);
    if (n->port.pool == NULL)
        return -KE_NOMEM;
    n->dma = dp;
    return 0;
}

void bm_nic_register(struct bm_nic *n)
{
    nic_stats_register(&n->stats, n->port.driver, n->port.name, n->ctr_names, n->ctr, n->nctr);
}

void bm_nic_free(struct bm_nic *n)
{
    if (n->dma != NULL && dma_pool_destroy(n->dma, n->port.pool) != 0)
        KWARN(n->tag, "%s: pool %s still has buffers out; kept", n->port.name, n->dma->name);
    n->dma = NULL;
    n->port.pool = NULL;
    kfree(n->ctr);
    kfree((void *)n->ctr_names);
    n->ctr = NULL;
    n->ctr_names = NULL;
}
