/*
 * drivers/virtio/virtio_net.c — the virtio network device (virtio 1.x,
 * OASIS virtio-v1.1 section 5.1) on the PCI transport of virtio_pci.c:
 * driver class "virtio", `interface eth0 driver=virtio [rx_ring=N]
 * [tx_ring=N] [pool=N]`, binding the Nth virtio-net PCI function
 * (1af4:1041 modern, 1af4:1000 transitional) in bus order.
 *
 * Features: VIRTIO_F_VERSION_1 (modern transport), VIRTIO_NET_F_MAC,
 * VIRTIO_NET_F_STATUS and VIRTIO_F_EVENT_IDX; never
 * VIRTIO_F_ACCESS_PLATFORM, so every address given to the device is
 * physical: bus_dma_addr(dev, virt, true), which works on any kernel
 * pointer (all kernel memory is physically contiguous and identity/KSEG
 * mapped on the bare-metal targets, a property of kernel/bus.h).
 *
 * Queues (section 5.1.2): 0 receive, 1 transmit. Every buffer starts with a
 * struct virtio_net_hdr (section 5.1.6): 12 bytes with VERSION_1 or
 * MRG_RXBUF, else 10; no offloads, so it is all zero on transmit.
 * Receive is zero copy: each posted buffer IS a pktbuf block, the header
 * placed in the headroom just before PKT_HEADROOM so the frame lands at the
 * normal data offset; a completed buffer is handed up and a fresh one
 * posted in its place. Transmit gives the frame's own bytes to the device:
 * the header is pushed into the frame's headroom when the caller holds its
 * only reference, else a shared zeroed header is chained in front.
 * Notifications both ways are suppressed with the event index (2.6.7,
 * 2.6.10): the device is kicked only when it asked to be; interrupts are
 * requested for every receive and once per transmit burst (when the
 * device has sent all of it, so an idle CPU wakes to free the buffers).
 * The interrupt handler just reads the ISR
 * (acknowledging it) and notes what happened; the main loop polls rx_burst.
 */
#include "drivers/virtio/virtio_net.h"
#include "protocols/ether/ether_wire.h"

#include "drivers/bm/dma_pool.h"
#include "drivers/bm/nic_params.h"
#include "drivers/bm/nic_port.h"
#include "drivers/bm/pci_bind.h"
#include "drivers/virtio/virtio_pci.h"
#include "drivers/virtio/virtqueue.h"
#include "kernel/bus.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/pktbuf.h"
#include "kernel/port.h"
#include "kernel/stats.h"
#include "kernel/timer.h"

#define VNET_TAG "virtio"

/* virtio device type and PCI ids (sections 4.1.2, 5.1.1). */
#define VIRTIO_ID_NET          1u
#define VIRTIO_PCI_DEV_NET_TRANSITIONAL 0x1000u
#define VIRTIO_PCI_DEV_NET_MODERN (VIRTIO_PCI_DEV_MODERN_BASE + VIRTIO_ID_NET)
#define PCI_SUBSYSTEM_ID       0x2Eu /* transitional devices name their type here */

/* Feature bits (section 5.1.3). */
#define VIRTIO_NET_F_MAC       5u
#define VIRTIO_NET_F_MRG_RXBUF 15u
#define VIRTIO_NET_F_STATUS    16u
#define VIRTIO_NET_S_LINK_UP   1u

/* struct virtio_net_config (section 5.1.4). */
#define VNET_CFG_MAC    0u /* u8 mac[6] */
#define VNET_CFG_STATUS 6u /* le16 */

#define VNET_HDR_LEGACY 10u /* struct virtio_net_hdr without num_buffers */
#define VNET_HDR_V1     12u /* with le16 num_buffers */
#define VNET_RXQ 0u
#define VNET_TXQ 1u

#define VNET_SLOTS 8u
#define VNET_WATCHDOG_NS KNS_PER_S

/** Driver counters beyond the port's (kstat group "virtio-IFNAME"). */
enum vnet_ctr {
    VNET_RX_BAD_LEN, VNET_RX_BAD_ID, VNET_RX_NO_BUF, VNET_TX_BAD_LEN, VNET_TX_RING_FULL,
    VNET_TX_BAD_ID, VNET_KICKS, VNET_KICKS_SAVED, VNET_IRQS, VNET_CONFIG_CHANGES, VNET_NCTR
};
static const char *const vnet_ctr_names[VNET_NCTR] = {
    "rx_bad_len", "rx_bad_id", "rx_no_buf", "tx_bad_len", "tx_ring_full",
    "tx_bad_id", "kicks", "kicks_saved", "irqs", "config_changes"
};

/*
 * A device's permanent state. bus.h has neither DMA free nor interrupt
 * detach, so what those hold lives here, is never freed and is reused when
 * the same function is opened again (drivers/bm/pci_bind.h). vnet_slots[i]
 * belongs to vnet_pci[i].
 */
struct vnet_slot {
    struct pci_bind_slot *pci;    /* the function, its name "virtio 00:04.0" and in_use */
    struct virtio_pci vp;
    volatile uint8_t isr_noted;   /* ISR bits the handler saw since the main loop looked */
    volatile uint64_t irqs;
    uint16_t rxq_size, txq_size;
    struct bus_dma rxq_mem, txq_mem, hdr_mem;
    struct dma_pool rx_pool;      /* receive buffers' DMA memory, "IFNAME-rx" */
    void **rx_cookie, **tx_cookie;
};
static struct pci_bind_slot vnet_pci[VNET_SLOTS];
static struct vnet_slot vnet_slots[VNET_SLOTS];

/** The port's private state. */
struct vnet_port {
    struct kport port;
    struct vnet_slot *slot;
    struct virtio_pci *vp;
    uint64_t features;            /* negotiated */
    uint16_t hdr_len;             /* bytes of virtio_net_hdr in every buffer */
    struct virtqueue rxq, txq;
    bool running;
    struct ktimer watchdog;
    uint64_t ctr[VNET_NCTR];
    struct nic_stats stats;       /* "virtio-IFNAME" over ctr */
};

static bool has_feature(uint64_t f, unsigned bit)
{
    return (f >> bit) & 1u;
}

/* ---- binding ---- */

static bool is_virtio_net(const struct bus_device *d)
{
    if (d->vendor_id != VIRTIO_PCI_VENDOR)
        return false;
    if (d->device_id == VIRTIO_PCI_DEV_NET_MODERN)
        return true;
    return d->device_id == VIRTIO_PCI_DEV_NET_TRANSITIONAL &&
           bus_cfg_read16(d, PCI_SUBSYSTEM_ID) == VIRTIO_ID_NET;
}

static const struct pci_bind_class vnet_class = {
    .driver = "virtio", .device = "virtio-net", .match = is_virtio_net,
    .slots = vnet_pci, .nslots = VNET_SLOTS,
};

/* ---- interrupt: note and acknowledge only ---- */

static void vnet_irq(void *ctx)
{
    struct vnet_slot *s = ctx;
    uint8_t isr = virtio_pci_isr(&s->vp); /* reading deasserts INTx */
    if (isr) {
        s->isr_noted = (uint8_t)(s->isr_noted | isr);
        s->irqs = s->irqs + 1;
    }
}

/* ---- link and configuration ---- */

static void read_mac(struct vnet_port *v, uint8_t mac[6])
{
    struct virtio_pci *vp = v->vp;
    for (unsigned tries = 0; tries < 8; tries++) {
        uint8_t gen = virtio_pci_config_gen(vp);
        for (unsigned i = 0; i < 6; i++)
            mac[i] = virtio_pci_config_read8(vp, VNET_CFG_MAC + i);
        if (virtio_pci_config_gen(vp) == gen)
            return;
    }
}

static void update_link(struct vnet_port *v)
{
    if (!has_feature(v->features, VIRTIO_NET_F_STATUS)) {
        v->port.link_up = v->running;
        return;
    }
    uint16_t st = virtio_pci_config_read16(v->vp, VNET_CFG_STATUS);
    bool up = v->running && (st & VIRTIO_NET_S_LINK_UP);
    if (up != v->port.link_up)
        KINFO(VNET_TAG, "%s (%s): link %s", v->port.name, v->vp->name, up ? "up" : "down");
    v->port.link_up = up;
}

static void vnet_watchdog(struct ktimer *t, void *ctx)
{
    struct vnet_port *v = ctx;
    v->ctr[VNET_IRQS] = v->slot->irqs;
    update_link(v);
    ktimer_arm_in(t, VNET_WATCHDOG_NS);
}

/* Look at what the interrupt handler noted (cheap: no register access). */
static void take_noted(struct vnet_port *v)
{
    uint8_t noted = v->slot->isr_noted;
    if (!noted)
        return;
    v->slot->isr_noted = 0;
    if (noted & VIRTIO_ISR_CONFIG) {
        v->ctr[VNET_CONFIG_CHANGES]++;
        update_link(v);
    }
}

/* ---- receive ---- */

static int rx_post(struct vnet_port *v, struct pktbuf *p)
{
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

/* Give a buffer whose frame was dropped back to the device; 1 if posted. */
static unsigned rx_repost(struct vnet_port *v, struct pktbuf *p)
{
    p->len = 0;
    if (rx_post(v, p) == 0)
        return 1;
    pkt_free(p);
    return 0;
}

/* Post fresh buffers while descriptors and pool buffers last; returns how many. */
static unsigned rx_fill(struct vnet_port *v)
{
    unsigned n = 0;
    while (v->rxq.num_free > 0) {
        struct pktbuf *p = pkt_alloc(v->port.pool);
        if (!p)
            break;
        if (rx_post(v, p) != 0) {
            pkt_free(p);
            break;
        }
        n++;
    }
    return n;
}

static void kick(struct vnet_port *v, struct virtqueue *vq)
{
    bus_wmb();
    vq_publish(vq);
    bus_mb();
    if (vq_kick_prepare(vq)) {
        virtio_pci_notify(v->vp, vq->index);
        v->ctr[VNET_KICKS]++;
    } else {
        v->ctr[VNET_KICKS_SAVED]++;
    }
}

static void tx_reclaim(struct vnet_port *v)
{
    bool any = false;
    while (vq_used_pending(&v->txq)) {
        void *c;
        uint32_t len;
        bus_rmb();
        if (vq_get(&v->txq, &c, &len) != 0) {
            v->ctr[VNET_TX_BAD_ID]++;
            continue;
        }
        pkt_free(c);
        any = true;
    }
    if (any && vq_in_flight(&v->txq) == 0)
        vq_disable_intr(&v->txq);
}

static uint16_t vnet_rx_burst(struct kport *port, struct pktbuf **pkts, uint16_t max)
{
    struct vnet_port *v = port->priv;
    if (!v->running)
        return 0;
    take_noted(v);
    tx_reclaim(v);

    uint16_t n = 0;
    unsigned posted = 0;
    uint64_t now = 0;
    for (unsigned pass = 0; pass < 2; pass++) {
        while (n < max && vq_used_pending(&v->rxq)) {
            void *c;
            uint32_t len;
            bus_rmb();
            if (vq_get(&v->rxq, &c, &len) != 0) {
                v->ctr[VNET_RX_BAD_ID]++;
                port->rx_errors++;
                continue;
            }
            struct pktbuf *p = c;
            uint32_t cap = (uint32_t)v->hdr_len + pkt_tailroom(p);
            if (len < v->hdr_len + ETHER_HDR_LEN || len > cap) {
                v->ctr[VNET_RX_BAD_LEN]++;
                port->rx_errors++;
                posted += rx_repost(v, p);
                continue;
            }
            struct pktbuf *fresh = pkt_alloc(port->pool);
            if (!fresh || rx_post(v, fresh) != 0) {
                /* No replacement: drop this frame and give its buffer back. */
                pkt_free(fresh);
                v->ctr[VNET_RX_NO_BUF]++;
                port->rx_dropped++;
                posted += rx_repost(v, p);
                continue;
            }
            posted++;
            if (!now)
                now = kclock_now_ns();
            p->len = (uint16_t)(len - v->hdr_len);
            p->rx_ns = now;
            port->rx_packets++;
            port->rx_bytes += p->len;
            pkts[n++] = p;
        }
        if (n == max)
            break;
        /* Drained: ask for an interrupt at the next arrival, then look once
         * more for a frame that arrived before the device saw the request. */
        vq_enable_intr(&v->rxq);
        bus_mb();
    }
    if (v->rxq.num_free > 0)
        posted += rx_fill(v);
    if (posted)
        kick(v, &v->rxq);
    return n;
}

/* ---- transmit ---- */

static uint16_t vnet_tx_burst(struct kport *port, struct pktbuf **pkts, uint16_t n)
{
    struct vnet_port *v = port->priv;
    uint16_t queued = 0;
    if (v->running)
        tx_reclaim(v);
    for (uint16_t i = 0; i < n; i++) {
        struct pktbuf *p = pkts[i];
        if (!v->running) {
            port->tx_dropped++;
            pkt_free(p);
            continue;
        }
        if (p->len < ETHER_HDR_LEN || p->len > ETHER_MAX_TAGGED_FRAME) {
            v->ctr[VNET_TX_BAD_LEN]++;
            port->tx_errors++;
            pkt_free(p);
            continue;
        }
        uint16_t frame_len = p->len;
        struct vq_seg seg[2];
        unsigned nseg;
        const struct bus_device *d = &v->slot->pci->dev;
        /* The virtio-net header goes in the frame's headroom when we may
         * write it (one descriptor), else in a header buffer of our own (two).
         * Check for room first, so a frame the ring cannot take is untouched. */
        bool inplace = pkt_writable(p) && pkt_headroom(p) >= v->hdr_len;
        if (v->txq.num_free < (inplace ? 1u : 2u)) {
            v->ctr[VNET_TX_RING_FULL]++;
            /* Interrupt at the device's next used entry, so a main loop that
             * idles while frames wait for room wakes as soon as there is some. */
            vq_enable_intr(&v->txq);
            n = i; /* ring full: the caller keeps pkts[i..n) and offers them again */
            break;
        }
        if (inplace) {
            uint8_t *h = pkt_push(p, v->hdr_len);
            memset(h, 0, v->hdr_len);
            seg[0] = (struct vq_seg){ bus_dma_addr(d, h, true), p->len, false };
            nseg = 1;
        } else {
            seg[0] = (struct vq_seg){ bus_dma_addr(d, v->slot->hdr_mem.virt, true),
                                      v->hdr_len, false };
            seg[1] = (struct vq_seg){ bus_dma_addr(d, pkt_data(p), true), p->len, false };
            nseg = 2;
        }
        if (vq_add(&v->txq, seg, nseg, p) != 0) { /* cannot happen: room was checked */
            port->tx_errors++;
            pkt_free(p);
            continue;
        }
        port->tx_packets++;
        port->tx_bytes += frame_len;
        queued++;
    }
    if (queued) {
        /* One interrupt when the device has sent the lot, so an idle CPU
         * wakes up and rx_burst reclaims the buffers. */
        vq_enable_intr_delayed(&v->txq);
        kick(v, &v->txq);
    }
    return n; /* frames taken: queued, or dropped for an error and counted */
}

/* ---- bring-up ---- */

static uint64_t wanted_features(const struct virtio_pci *vp)
{
    uint64_t f = (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) |
                 (1ull << VIRTIO_F_EVENT_IDX);
    if (vp->modern)
        f |= 1ull << VIRTIO_F_VERSION_1;
    return f;
}

/*
 * Reset, ACKNOWLEDGE, DRIVER and feature negotiation up to FEATURES_OK
 * (section 3.1.1 steps 1-6). Fills v->features and v->hdr_len.
 */
static int negotiate(struct vnet_port *v)
{
    struct virtio_pci *vp = v->vp;
    if (virtio_pci_reset(vp) != 0) {
        ksnprintf(v->port.error, sizeof v->port.error, "%s: reset did not complete", vp->name);
        return -KE_IO;
    }
    virtio_pci_add_status(vp, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_pci_add_status(vp, VIRTIO_STATUS_DRIVER);
    uint64_t offered = virtio_pci_device_features(vp);
    if (vp->modern && !has_feature(offered, VIRTIO_F_VERSION_1)) {
        ksnprintf(v->port.error, sizeof v->port.error,
                  "%s: modern transport without VIRTIO_F_VERSION_1", vp->name);
        virtio_pci_add_status(vp, VIRTIO_STATUS_FAILED);
        return -KE_NOTSUP;
    }
    uint64_t f = offered & wanted_features(vp);
    if (virtio_pci_set_features(vp, f) != 0) {
        ksnprintf(v->port.error, sizeof v->port.error, "%s: device refused FEATURES_OK%s",
                  vp->name, has_feature(offered, VIRTIO_F_ACCESS_PLATFORM)
                                ? " (it requires VIRTIO_F_ACCESS_PLATFORM: iommu_platform=on is not supported)"
                                : "");
        virtio_pci_add_status(vp, VIRTIO_STATUS_FAILED);
        return -KE_NOTSUP;
    }
    v->features = f;
    v->hdr_len = (has_feature(f, VIRTIO_F_VERSION_1) || has_feature(f, VIRTIO_NET_F_MRG_RXBUF))
                     ? VNET_HDR_V1 : VNET_HDR_LEGACY;
    return 0;
}

static void release_buffers(struct vnet_port *v)
{
    void *c;
    while ((c = vq_detach(&v->rxq)) != NULL)
        pkt_free(c);
    while ((c = vq_detach(&v->txq)) != NULL)
        pkt_free(c);
}

static void vnet_stop(struct kport *port)
{
    struct vnet_port *v = port->priv;
    if (!v->running)
        return;
    ktimer_cancel(&v->watchdog);
    (void)virtio_pci_reset(v->vp); /* stops all DMA before buffers go back */
    v->running = false;
    release_buffers(v);
    port->link_up = false;
    v->ctr[VNET_IRQS] = v->slot->irqs;
    KDEBUG(VNET_TAG, "%s: stopped: kicks %llu (%llu saved by event index), interrupts %llu",
           port->name, (unsigned long long)v->ctr[VNET_KICKS],
           (unsigned long long)v->ctr[VNET_KICKS_SAVED], (unsigned long long)v->ctr[VNET_IRQS]);
}

static int vnet_start(struct kport *port)
{
    struct vnet_port *v = port->priv;
    struct vnet_slot *s = v->slot;
    struct virtio_pci *vp = v->vp;
    if (v->running)
        return 0;
    port->error[0] = '\0';
    int rc = negotiate(v);
    if (rc)
        return rc;
    bool ev = has_feature(v->features, VIRTIO_F_EVENT_IDX);
    rc = virtio_pci_queue_setup(vp, VNET_RXQ, s->rxq_size, &s->rxq_mem, s->rx_cookie, ev, &v->rxq);
    if (!rc)
        rc = virtio_pci_queue_setup(vp, VNET_TXQ, s->txq_size, &s->txq_mem, s->tx_cookie, ev,
                                    &v->txq);
    if (rc) {
        ksnprintf(port->error, sizeof port->error, "%s: queue setup failed: %s", vp->name,
                  kerr_str(rc));
        virtio_pci_add_status(vp, VIRTIO_STATUS_FAILED);
        return rc;
    }
    if (rx_fill(v) == 0) {
        ksnprintf(port->error, sizeof port->error, "%s: no receive buffers in pool %s",
                  vp->name, s->rx_pool.name);
        (void)virtio_pci_reset(vp);
        release_buffers(v);
        return -KE_NOMEM;
    }
    vq_enable_intr(&v->rxq);
    vq_disable_intr(&v->txq);
    bus_wmb();
    vq_publish(&v->rxq);
    v->rxq.kicked_idx = v->rxq.avail_idx;
    s->isr_noted = 0;
    virtio_pci_add_status(vp, VIRTIO_STATUS_DRIVER_OK);
    uint8_t st = virtio_pci_get_status(vp);
    if (st & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
        ksnprintf(port->error, sizeof port->error, "%s: device failed after DRIVER_OK (status 0x%02x)",
                  vp->name, st);
        (void)virtio_pci_reset(vp);
        release_buffers(v);
        return -KE_IO;
    }
    virtio_pci_notify(vp, VNET_RXQ); /* buffers posted before DRIVER_OK */
    v->running = true;
    update_link(v);
    ktimer_arm_in(&v->watchdog, VNET_WATCHDOG_NS);
    KINFO(VNET_TAG, "%s: %s %s transport, rx %u tx %u entries, %s, header %u bytes", port->name,
          vp->name, vp->modern ? "modern" : "legacy", s->rxq_size, s->txq_size,
          ev ? "event index" : "no event index", v->hdr_len);
    return 0;
}

static void vnet_close(struct kport *port)
{
    struct vnet_port *v = port->priv;
    vnet_stop(port);
    kstats_unregister(&v->stats.group);
    if (dma_pool_destroy(&v->slot->rx_pool, port->pool) != 0)
        KWARN(VNET_TAG, "%s: pool %s still has buffers out; kept", port->name,
              v->slot->rx_pool.name);
    v->slot->pci->in_use = false;
    kfree(v);
}

static const struct kport_ops vnet_ops = {
    .start = vnet_start,
    .stop = vnet_stop,
    .rx_burst = vnet_rx_burst,
    .tx_burst = vnet_tx_burst,
    .close = vnet_close,
};

/* ---- open ---- */

/* One-time per device: transport, queue sizes, ring memory, header, interrupt. */
static int slot_prepare(struct vnet_slot *s, struct vnet_port *v, uint16_t rx_want,
                        uint16_t tx_want, char *err, size_t errlen)
{
    if (!s->vp.dev) {
        int rc = virtio_pci_open(&s->vp, &s->pci->dev, err, errlen);
        if (rc) {
            s->vp.dev = NULL;
            return rc;
        }
    }
    v->vp = &s->vp;
    int rc = negotiate(v);
    if (rc) {
        ksnprintf(err, errlen, "%s", v->port.error);
        return rc;
    }
    uint16_t rxn = virtio_pci_queue_size(&s->vp, VNET_RXQ, rx_want);
    uint16_t txn = virtio_pci_queue_size(&s->vp, VNET_TXQ, tx_want);
    if (!rxn || !txn) {
        ksnprintf(err, errlen, "%s: device has no usable receive/transmit queue pair", s->vp.name);
        return -KE_NODEV;
    }
    if (s->rxq_size && (s->rxq_size != rxn || s->txq_size != txn)) {
        ksnprintf(err, errlen, "%s: queue sizes differ from the first open (%u/%u)", s->vp.name,
                  s->rxq_size, s->txq_size);
        return -KE_INVAL;
    }
    if (!s->rxq_size) {
        s->rx_cookie = kmalloc(sizeof(void *) * rxn);
        s->tx_cookie = kmalloc(sizeof(void *) * txn);
        if (!s->rx_cookie || !s->tx_cookie ||
            virtio_pci_queue_alloc(&s->vp, rxn, &s->rxq_mem) != 0 ||
            virtio_pci_queue_alloc(&s->vp, txn, &s->txq_mem) != 0 ||
            bus_dma_alloc(VNET_HDR_V1, 16u, &s->hdr_mem) != 0) {
            kfree(s->rx_cookie);
            kfree(s->tx_cookie);
            s->rx_cookie = s->tx_cookie = NULL;
            ksnprintf(err, errlen, "%s: out of DMA memory for the queues", s->vp.name);
            return -KE_NOMEM;
        }
        s->rxq_size = rxn;
        s->txq_size = txn;
    }
    pci_bind_irq(s->pci, vnet_irq, s, VNET_TAG);
    return 0;
}

static int vnet_open(const struct kdriver_args *a, struct kport **out, char *err, size_t errlen)
{
    uint64_t rx_want, tx_want, pool_n;
    const struct nic_param spec[] = {
        { "rx_ring", 256, 8, VQ_SIZE_MAX, &rx_want },
        { "tx_ring", 256, 8, VQ_SIZE_MAX, &tx_want },
        { "pool", 0, 0, 65536, &pool_n },
    };
    int rc = nic_params_get(virtio_net_driver.name, a->params, spec, KARRAY_SIZE(spec), err,
                            errlen);
    if (rc)
        return rc;

    int i = pci_bind(&vnet_class, a->instance, err, errlen);
    if (i < 0)
        return i;
    struct vnet_slot *s = &vnet_slots[i];
    s->pci = &vnet_pci[i];

    struct vnet_port *v = kmalloc(sizeof *v);
    if (!v) {
        ksnprintf(err, errlen, "virtio: out of memory");
        return -KE_NOMEM;
    }
    v->slot = s;
    rc = slot_prepare(s, v, (uint16_t)rx_want, (uint16_t)tx_want, err, errlen);
    if (rc) {
        kfree(v);
        return rc;
    }

    struct kport *port = &v->port;
    nic_port_init(port, &vnet_ops, v, virtio_net_driver.name, a->ifname);
    if (has_feature(v->features, VIRTIO_NET_F_MAC)) {
        read_mac(v, port->mac);
    } else {
        /* No MAC offered: a locally administered one from the PCI address (5.1.5). */
        const struct bus_device *d = &s->pci->dev;
        const uint8_t mac[6] = { 0x02, 0x56, 0x49, d->bus, d->dev, d->fn };
        memcpy(port->mac, mac, 6);
    }
    (void)virtio_pci_reset(&s->vp); /* quiet until start */

    if (!pool_n)
        pool_n = 2u * s->rxq_size + 64u;
    if (pool_n < s->rxq_size) {
        ksnprintf(err, errlen, "%s: pool=%u is smaller than the receive queue (%u)", s->vp.name,
                  (unsigned)pool_n, s->rxq_size);
        kfree(v);
        return -KE_RANGE;
    }
    port->pool = dma_pool_create(&s->rx_pool, a->ifname, (uint32_t)pool_n, PKT_BLOCK_SIZE);
    if (!port->pool) {
        ksnprintf(err, errlen, "%s: no DMA memory for %u receive buffers", s->vp.name,
                  (unsigned)pool_n);
        kfree(v);
        return -KE_NOMEM;
    }
    ktimer_init(&v->watchdog, vnet_watchdog, v);
    nic_stats_register(&v->stats, virtio_net_driver.name, a->ifname, vnet_ctr_names, v->ctr,
                       VNET_NCTR);
    s->pci->in_use = true;
    *out = port;
    return 0;
}

const struct kdriver virtio_net_driver = {
    .name = "virtio",
    .open = vnet_open,
};
KDRIVER_REGISTER(virtio_net_driver);
