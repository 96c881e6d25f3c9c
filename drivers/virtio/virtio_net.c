/*
 * drivers/virtio/virtio_net.c — the virtio network device (virtio 1.x,
 * OASIS virtio-v1.1 section 5.1) on the PCI transport of virtio_pci.c:
 * driver class "virtio", `interface eth0 driver=virtio [rx_ring=N]
 * [tx_ring=N] [pool=N] [offload=on|off] [rx_csum=on|off] [rx_tso4=on|off]
 * [rx_big=N]`, binding the Nth virtio-net PCI function (1af4:1041 modern,
 * 1af4:1000 transitional) in bus order.
 *
 * This file is the device control: binding, feature negotiation, the MAC
 * and link status, bring-up and open. The port itself is the bare-metal NIC
 * skeleton (drivers/bm/nic.h) over the ring operations of
 * virtio_net_rxtx.c.
 *
 * Features: VIRTIO_F_VERSION_1 (modern transport), VIRTIO_NET_F_MAC,
 * VIRTIO_NET_F_STATUS, VIRTIO_F_EVENT_IDX and, when offered and
 * offload=on (the default), VIRTIO_NET_F_CSUM and HOST_TSO4 (the port
 * advertises tx_csum and tx_tso4) and MRG_RXBUF, and GUEST_CSUM (rx_csum,
 * default on) and GUEST_TSO4 (rx_tso4, default on, which brings GUEST_CSUM
 * along as section 5.1.3.1 requires, and only with MRG_RXBUF: without it
 * every receive buffer would have to hold 65562 bytes, 5.1.6.3.1): they
 * hand the graph frames with partial checksums and super-frames, which it
 * forwards whole and completes or cuts for ports that cannot
 * (netgraph/offload.c).
 * A GUEST_TSO4 super-frame arrives in several 2 KiB buffers and is copied
 * into one block of a pool of rx_big (default 64) blocks of 65535 bytes
 * (4 MiB per port: a router's output ring holds received super-frames
 * until the other device has sent them, and 16 were measured too few for
 * one TCP flow under TCG): frames above 65407 bytes (65535 - PKT_HEADROOM) are
 * dropped and counted (rx_too_big). A Linux sender's TSO frames stay below
 * that (it sizes them to fit 64 KiB with MAX_TCP_HEADER to spare); a host
 * GRO'ing up to 64 KiB of IP datagram (65549-byte frames) can exceed it.
 * The cost is one copy of each super-frame (about 45 segments' bytes for
 * one pass through the graph instead of 45).
 * Never VIRTIO_F_ACCESS_PLATFORM, so every address given to the device is
 * physical: bus_dma_addr(dev, virt, true), which works on any kernel
 * pointer (all kernel memory is physically contiguous and identity/KSEG
 * mapped on the bare-metal targets, a property of kernel/bus.h).
 *
 * The interrupt handler just reads the ISR (acknowledging it) and notes
 * what happened; the main loop polls, and asks for interrupts only when it
 * idles (virtio_net_rxtx.c).
 */
#include "drivers/virtio/virtio_net.h"

#include "drivers/bm/nic_params.h"
#include "drivers/virtio/virtio_net_priv.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/pktbuf.h"
#include "kernel/port.h"

/* virtio device type and PCI ids (sections 4.1.2, 5.1.1). */
#define VIRTIO_ID_NET 1u
#define VIRTIO_PCI_DEV_NET_TRANSITIONAL 0x1000u
#define VIRTIO_PCI_DEV_NET_MODERN (VIRTIO_PCI_DEV_MODERN_BASE + VIRTIO_ID_NET)
#define PCI_SUBSYSTEM_ID 0x2Eu /* transitional devices name their type here */
#define VIRTIO_NET_S_LINK_UP 1u

/* struct virtio_net_config (section 5.1.4). */
#define VNET_CFG_MAC 0u    /* u8 mac[6] */
#define VNET_CFG_STATUS 6u /* le16 */

#define VNET_SLOTS 8u
#define VNET_BIG_DEFAULT 64u

/* vnet_slots[i] belongs to vnet_pci[i] (drivers/bm/pci_bind.h). */
static struct pci_bind_slot vnet_pci[VNET_SLOTS];
static struct vnet_slot vnet_slots[VNET_SLOTS];

#define CTR(v, c) ((v)->nic.ctr[BM_DRV_CTR(c)])

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
    .driver = "virtio",
    .device = "virtio-net",
    .match = is_virtio_net,
    .slots = vnet_pci,
    .nslots = VNET_SLOTS,
};

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
    struct kport *port = &v->nic.port;
    if (!vnet_has(v->features, VIRTIO_NET_F_STATUS)) {
        port->link_up = v->nic.running;
        return;
    }
    uint16_t st = virtio_pci_config_read16(v->vp, VNET_CFG_STATUS);
    bool up = v->nic.running && (st & VIRTIO_NET_S_LINK_UP);
    if (up != port->link_up)
        KINFO(VNET_TAG, "%s (%s): link %s", port->name, v->vp->name, up ? "up" : "down");
    port->link_up = up;
}

static void vnet_watchdog(struct bm_nic *n)
{
    struct vnet_port *v = vnet_of(n);
    CTR(v, VNET_IRQS) = v->slot->irqs;
    update_link(v);
}

/* Look at what the interrupt handler noted (cheap: no register access). */
static void vnet_take_noted(struct bm_nic *n)
{
    struct vnet_port *v = vnet_of(n);
    uint8_t noted = v->slot->isr_noted;
    if (!noted)
        return;
    v->slot->isr_noted = 0;
    if (noted & VIRTIO_ISR_CONFIG) {
        CTR(v, VNET_CONFIG_CHANGES)++;
        update_link(v);
    }
}

/* ---- bring-up ---- */

static uint64_t wanted_features(const struct virtio_pci *vp, const struct vnet_want *w)
{
    uint64_t f =
        (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) | (1ull << VIRTIO_F_EVENT_IDX);
    if (vp->modern)
        f |= 1ull << VIRTIO_F_VERSION_1;
    if (w->offload)
        f |= (1ull << VIRTIO_NET_F_CSUM) | (1ull << VIRTIO_NET_F_HOST_TSO4) |
             (1ull << VIRTIO_NET_F_MRG_RXBUF);
    if (w->rx_csum || w->rx_tso4)
        f |= 1ull << VIRTIO_NET_F_GUEST_CSUM;
    if (w->rx_tso4)
        f |= 1ull << VIRTIO_NET_F_GUEST_TSO4;
    return f;
}

/* Section 5.1.3.1's dependencies, and ours: GUEST_TSO4 only with MRG_RXBUF. */
static uint64_t consistent(uint64_t f)
{
    if (!vnet_has(f, VIRTIO_NET_F_CSUM))
        f &= ~(1ull << VIRTIO_NET_F_HOST_TSO4);
    if (!vnet_has(f, VIRTIO_NET_F_GUEST_CSUM) || !vnet_has(f, VIRTIO_NET_F_MRG_RXBUF))
        f &= ~(1ull << VIRTIO_NET_F_GUEST_TSO4);
    return f;
}

/*
 * Reset, ACKNOWLEDGE, DRIVER and feature negotiation up to FEATURES_OK
 * (section 3.1.1 steps 1-6). Fills the negotiated state of @v.
 */
static int negotiate(struct vnet_port *v)
{
    struct virtio_pci *vp = v->vp;
    char *err = v->nic.port.error;
    size_t errlen = sizeof v->nic.port.error;
    if (virtio_pci_reset(vp) != 0) {
        ksnprintf(err, errlen, "%s: reset did not complete", vp->name);
        return -KE_IO;
    }
    virtio_pci_add_status(vp, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_pci_add_status(vp, VIRTIO_STATUS_DRIVER);
    uint64_t offered = virtio_pci_device_features(vp);
    if (vp->modern && !vnet_has(offered, VIRTIO_F_VERSION_1)) {
        ksnprintf(err, errlen, "%s: modern transport without VIRTIO_F_VERSION_1", vp->name);
        virtio_pci_add_status(vp, VIRTIO_STATUS_FAILED);
        return -KE_NOTSUP;
    }
    uint64_t f = consistent(offered & wanted_features(vp, &v->want));
    if (virtio_pci_set_features(vp, f) != 0) {
        ksnprintf(err, errlen, "%s: device refused FEATURES_OK%s", vp->name,
                  vnet_has(offered, VIRTIO_F_ACCESS_PLATFORM)
                      ? " (it requires VIRTIO_F_ACCESS_PLATFORM: iommu_platform=on is not "
                        "supported)"
                      : "");
        virtio_pci_add_status(vp, VIRTIO_STATUS_FAILED);
        return -KE_NOTSUP;
    }
    v->features = f;
    v->mrg = vnet_has(f, VIRTIO_NET_F_MRG_RXBUF);
    v->hdr_len = (vnet_has(f, VIRTIO_F_VERSION_1) || v->mrg) ? VNET_HDR_V1 : VNET_HDR_LEGACY;
    v->rx_off.csum = vnet_has(f, VIRTIO_NET_F_GUEST_CSUM);
    v->rx_off.tso4 = vnet_has(f, VIRTIO_NET_F_GUEST_TSO4);
    v->nic.port.tx_csum = vnet_has(f, VIRTIO_NET_F_CSUM);
    v->nic.port.tx_tso4 = vnet_has(f, VIRTIO_NET_F_HOST_TSO4);
    return 0;
}

static void vnet_hw_stop(struct bm_nic *n)
{
    struct vnet_port *v = vnet_of(n);
    (void)virtio_pci_reset(v->vp); /* stops all DMA before buffers go back */
    KDEBUG(VNET_TAG, "%s: stopped: kicks %llu (%llu saved by event index), interrupts %llu",
           n->port.name, (unsigned long long)CTR(v, VNET_KICKS),
           (unsigned long long)CTR(v, VNET_KICKS_SAVED), (unsigned long long)CTR(v, VNET_IRQS));
}

static int vnet_hw_start(struct bm_nic *n)
{
    struct vnet_port *v = vnet_of(n);
    struct vnet_slot *s = v->slot;
    struct virtio_pci *vp = v->vp;
    struct kport *port = &n->port;
    int rc = negotiate(v);
    if (rc)
        return rc;
    bool ev = vnet_has(v->features, VIRTIO_F_EVENT_IDX);
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
    v->rx_skip = 0;
    if (bm_nic_rx_fill(n) == 0) {
        ksnprintf(port->error, sizeof port->error, "%s: no receive buffers in pool %s", vp->name,
                  s->rx_pool.name);
        (void)virtio_pci_reset(vp);
        return -KE_NOMEM;
    }
    /* No interrupts until the main loop first idles (intr_enable). */
    vq_disable_intr(&v->rxq);
    vq_disable_intr(&v->txq);
    bus_wmb();
    vq_publish(&v->rxq);
    v->rxq.kicked_idx = v->rxq.avail_idx;
    s->isr_noted = 0;
    virtio_pci_add_status(vp, VIRTIO_STATUS_DRIVER_OK);
    uint8_t st = virtio_pci_get_status(vp);
    if (st & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
        ksnprintf(port->error, sizeof port->error,
                  "%s: device failed after DRIVER_OK (status 0x%02x)", vp->name, st);
        (void)virtio_pci_reset(vp);
        return -KE_IO;
    }
    virtio_pci_notify(vp, VNET_RXQ); /* buffers posted before DRIVER_OK */
    KINFO(VNET_TAG,
          "%s: %s %s transport, rx %u tx %u entries, %s, header %u bytes, offloads:%s%s%s%s%s",
          port->name, vp->name, vp->modern ? "modern" : "legacy", s->rxq_size, s->txq_size,
          ev ? "event index" : "no event index", v->hdr_len, port->tx_csum ? " csum" : "",
          port->tx_tso4 ? " host_tso4" : "", v->mrg ? " mrg_rxbuf" : "",
          v->rx_off.csum ? " guest_csum" : "", v->rx_off.tso4 ? " guest_tso4" : "");
    return 0;
}

static void vnet_release(struct bm_nic *n)
{
    struct vnet_port *v = vnet_of(n);
    if (v->big != NULL && pktpool_destroy(v->big) != 0)
        KWARN(VNET_TAG, "%s: pool %s still has buffers out; kept", n->port.name, v->big_name);
    v->slot->pci->in_use = false;
    kfree(v);
}

static const struct bm_ring_ops vnet_nic_ops = {
    .hw_start = vnet_hw_start,
    .hw_stop = vnet_hw_stop,
    VNET_RING_OPS,
    .take_noted = vnet_take_noted,
    .watchdog = vnet_watchdog,
    .release = vnet_release,
};

/* ---- open ---- */

/* One-time per device: transport, queue sizes, ring memory, header slots, interrupt. */
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
        ksnprintf(err, errlen, "%s", v->nic.port.error);
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
            bus_dma_alloc((size_t)txn * VNET_HDR_SLOT, 16u, &s->hdr_mem) != 0) {
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

/* Undo a failed open after bm_nic_init. */
static int open_fail(struct vnet_port *v, int rc)
{
    bm_nic_free(&v->nic);
    if (v->big != NULL)
        (void)pktpool_destroy(v->big);
    kfree(v);
    return rc;
}

static int vnet_open(const struct kdriver_args *a, struct kport **out, char *err, size_t errlen)
{
    uint64_t rx_want, tx_want, pool_n, offload, rx_csum, rx_tso4, big_n;
    const struct nic_param spec[] = {
        { "rx_ring", 256, 8, VQ_SIZE_MAX, &rx_want },
        { "tx_ring", 256, 8, VQ_SIZE_MAX, &tx_want },
        { "pool", 0, 0, 65536, &pool_n },
        { "offload", 1, 0, 1, &offload },
        { "rx_csum", 1, 0, 1, &rx_csum },
        { "rx_tso4", 1, 0, 1, &rx_tso4 },
        { "rx_big", VNET_BIG_DEFAULT, 1, 1024, &big_n },
    };
    int rc =
        nic_params_get(virtio_net_driver.name, a->params, spec, KARRAY_SIZE(spec), err, errlen);
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
    memset(v, 0, sizeof *v);
    v->slot = s;
    v->want = (struct vnet_want){ offload != 0, rx_csum != 0, rx_tso4 != 0, (uint32_t)big_n };
    const struct bm_nic_cfg cfg = {
        .driver = virtio_net_driver.name,
        .ifname = a->ifname,
        .tag = VNET_TAG,
        .ctr_names = vnet_ctr_names,
        .nctr = VNET_NCTR,
        .tx_max_segs = VNET_TX_MAX_SEGS,
        .tx_lin_need = 2, /* a header slot and one buffer */
    };
    if (bm_nic_init(&v->nic, &vnet_nic_ops, &cfg) != 0) {
        kfree(v);
        ksnprintf(err, errlen, "virtio: out of memory");
        return -KE_NOMEM;
    }
    rc = slot_prepare(s, v, (uint16_t)rx_want, (uint16_t)tx_want, err, errlen);
    if (rc)
        return open_fail(v, rc);

    struct kport *port = &v->nic.port;
    port->tx_gather = true;
    if (vnet_has(v->features, VIRTIO_NET_F_MAC)) {
        read_mac(v, port->mac);
    } else {
        /* No MAC offered: a locally administered one from the PCI address (5.1.5). */
        const struct bus_device *d = &s->pci->dev;
        const uint8_t mac[6] = { 0x02, 0x56, 0x49, d->bus, d->dev, d->fn };
        memcpy(port->mac, mac, 6);
    }
    (void)virtio_pci_reset(&s->vp); /* quiet until start */

    if (!pool_n) /* the receive ring, plus frames forwarded and still waiting to leave */
        pool_n = s->rxq_size + s->txq_size + 512u;
    if (pool_n < s->rxq_size) {
        ksnprintf(err, errlen, "%s: pool=%u is smaller than the receive queue (%u)", s->vp.name,
                  (unsigned)pool_n, s->rxq_size);
        return open_fail(v, -KE_RANGE);
    }
    if (v->rx_off.tso4) {
        ksnprintf(v->big_name, sizeof v->big_name, "%s-rxbig", a->ifname);
        v->big = pktpool_create(v->big_name, v->want.big, (uint16_t)VNET_BIG_BLOCK, NULL, NULL);
        if (v->big == NULL) {
            ksnprintf(err, errlen, "%s: no memory for %u blocks of %u bytes (rx_big)", s->vp.name,
                      (unsigned)v->want.big, VNET_BIG_BLOCK);
            return open_fail(v, -KE_NOMEM);
        }
    }
    if (bm_nic_open_pool(&v->nic, &s->rx_pool, (uint32_t)pool_n, PKT_BLOCK_SIZE) != 0) {
        ksnprintf(err, errlen, "%s: no DMA memory for %u receive buffers", s->vp.name,
                  (unsigned)pool_n);
        return open_fail(v, -KE_NOMEM);
    }
    bm_nic_register(&v->nic);
    s->pci->in_use = true;
    *out = port;
    return 0;
}

const struct kdriver virtio_net_driver = {
    .name = "virtio",
    .open = vnet_open,
};
KDRIVER_REGISTER(virtio_net_driver);
