/*
 * tests/unit/drivers/rings/test_virtio_net_rxtx.c — virtio-net's ring
 * operations (drivers/virtio/virtio_net_rxtx.c) under the NIC skeleton,
 * hosted: the bus is stubbed (addresses are host pointers), the device is a
 * model of virtio 1.1 sections 2.6 and 5.1.6 on the real split virtqueues.
 * It fills receive buffers (one, or with MRG_RXBUF as many as a frame
 * needs, num_buffers in the first header), gathers transmit chains and
 * reads their headers. Checked: zero-copy receive, merged super-frames as
 * one contiguous buffer, drops that lose no buffer, chained transmit with
 * the header in the headroom or in a slot, offload fields on the wire,
 * interrupts only when the loop idles, every buffer back at the end.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "bus_host.h"
#include "drivers/virtio/virtio_net_priv.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"

/* ---- the port, put together as virtio_net.c does, without the transport ---- */

#define QN 16u
static struct pci_bind_slot pci;
static struct vnet_slot slot;
static struct bus_dma rxq_mem, txq_mem;
static struct vring_layout lay;
static void *rx_cookie[QN], *tx_cookie[QN];

static int t_hw_start(struct bm_nic *n)
{
    struct vnet_port *v = vnet_of(n);
    cr_assert_eq(vq_init(&v->rxq, 0, QN, rxq_mem.virt, &lay, rx_cookie, true), 0);
    cr_assert_eq(vq_init(&v->txq, 1, QN, txq_mem.virt, &lay, tx_cookie, true), 0);
    v->rx_skip = 0;
    if (bm_nic_rx_fill(n) == 0)
        return -KE_NOMEM;
    vq_disable_intr(&v->rxq);
    vq_disable_intr(&v->txq);
    vq_publish(&v->rxq);
    return 0;
}
static void t_hw_stop(struct bm_nic *n)
{
    (void)n;
}
static void t_release(struct bm_nic *n)
{
    struct vnet_port *v = vnet_of(n);
    if (v->big)
        cr_assert_eq(pktpool_destroy(v->big), 0);
    free(v);
}
static const struct bm_ring_ops t_ops = {
    .hw_start = t_hw_start,
    .hw_stop = t_hw_stop,
    VNET_RING_OPS,
    .release = t_release,
};
/* A started port: MRG_RXBUF (12-byte header), receive offloads @rx_csum, @rx_tso4 (with a big pool). */
static struct vnet_port *port_open(bool rx_csum, bool rx_tso4, uint32_t pool_n)
{
    memset(&slot, 0, sizeof slot);
    slot.pci = &pci;
    slot.rxq_size = slot.txq_size = QN;
    cr_assert_eq(vring_layout(QN, 4, &lay), 0);
    cr_assert_eq(bus_dma_alloc(lay.bytes, 4096, &rxq_mem), 0);
    cr_assert_eq(bus_dma_alloc(lay.bytes, 4096, &txq_mem), 0);
    cr_assert_eq(bus_dma_alloc(QN * VNET_HDR_SLOT, 16, &slot.hdr_mem), 0);
    struct vnet_port *v = calloc(1, sizeof *v);
    cr_assert_not_null(v);
    v->slot = &slot;
    v->vp = &slot.vp;
    v->hdr_len = VNET_HDR_V1;
    v->mrg = true;
    v->rx_off = (struct vnet_rx_offloads){ rx_csum || rx_tso4, rx_tso4 };
    const struct bm_nic_cfg cfg = {
        .driver = "virtio",
        .ifname = "eth0",
        .tag = "virtio",
        .ctr_names = vnet_ctr_names,
        .nctr = VNET_NCTR,
        .tx_max_segs = VNET_TX_MAX_SEGS,
        .tx_lin_need = 2,
    };
    cr_assert_eq(bm_nic_init(&v->nic, &t_ops, &cfg), 0);
    cr_assert_eq(bm_nic_open_pool(&v->nic, &slot.rx_pool, pool_n, PKT_BLOCK_SIZE), 0);
    if (rx_tso4) {
        v->big = pktpool_create("eth0-rxbig", 2, VNET_BIG_BLOCK, NULL, NULL);
        cr_assert_not_null(v->big);
    }
    bm_nic_register(&v->nic);
    v->nic.port.tx_gather = true;
    v->nic.port.tx_csum = v->nic.port.tx_tso4 = true;
    cr_assert_eq(v->nic.port.ops->start(&v->nic.port), 0);
    return v;
}

static uint64_t ctr(struct vnet_port *v, unsigned c)
{
    return v->nic.ctr[BM_DRV_CTR(c)];
}

/* ---- the device model ---- */

struct dev {
    uint16_t avail; /* next available entry it consumes, per queue */
    uint16_t used;  /* its used.idx */
};
static struct dev rxd, txd;

static uint8_t *d_desc(const struct virtqueue *q, uint16_t i)
{
    return q->desc + 16u * i;
}

/* The next available chain's head, or -1. */
static int d_next(const struct virtqueue *q, struct dev *d)
{
    if (d->avail == load_le16(q->avail + 2))
        return -1;
    return load_le16(q->avail + 4 + 2u * (d->avail++ % q->size));
}

static void d_use(const struct virtqueue *q, struct dev *d, uint16_t head, uint32_t len,
                  bool publish)
{
    uint8_t *e = q->used + 4 + 8u * (d->used % q->size);
    store_le32(e, head);
    store_le32(e + 4, len);
    d->used++;
    if (publish)
        store_le16(q->used + 2, d->used);
}

static void d_publish(const struct virtqueue *q, struct dev *d)
{
    store_le16(q->used + 2, d->used);
}

/*
 * The device receives @len bytes of frame @f with header @hdr (num_buffers
 * filled in here): one buffer, or with MRG_RXBUF as many as it takes, the
 * used entries published together (@publish_after: how many to publish
 * now, the rest later; 0 = all). Returns the buffers used.
 */
static unsigned d_receive(struct vnet_port *v, const uint8_t *hdr, const uint8_t *f, size_t len,
                          unsigned publish_now)
{
    struct virtqueue *q = &v->rxq;
    uint8_t h[VNET_HDR_V1];
    memcpy(h, hdr, VNET_HDR_V1);
    size_t total = VNET_HDR_V1 + len, done = 0;
    unsigned nbuf = 0;
    int heads[QN];
    uint32_t lens[QN];
    while (done < total) {
        int head = d_next(q, &rxd);
        cr_assert_geq(head, 0, "the model needs a posted buffer");
        uint8_t *buf =
            (uint8_t *)(uintptr_t)(load_le32(d_desc(q, (uint16_t)head)) |
                                   (uint64_t)load_le32(d_desc(q, (uint16_t)head) + 4) << 32);
        uint32_t cap = load_le32(d_desc(q, (uint16_t)head) + 8);
        uint32_t n = (uint32_t)(total - done < cap ? total - done : cap);
        for (uint32_t i = 0; i < n; i++) {
            size_t at = done + i;
            buf[i] = at < VNET_HDR_V1 ? 0 : f[at - VNET_HDR_V1];
        }
        if (nbuf == 0)
            memcpy(buf, h, VNET_HDR_V1); /* num_buffers patched below */
        heads[nbuf] = head;
        lens[nbuf++] = n;
        done += n;
    }
    /* num_buffers goes in the first buffer's header (5.1.6.4). */
    uint8_t *first =
        (uint8_t *)(uintptr_t)(load_le32(d_desc(q, (uint16_t)heads[0])) |
                               (uint64_t)load_le32(d_desc(q, (uint16_t)heads[0]) + 4) << 32);
    store_le16(first + VNET_HDR_NUM_BUFFERS, (uint16_t)nbuf);
    for (unsigned i = 0; i < nbuf; i++)
        d_use(q, &rxd, (uint16_t)heads[i], lens[i], false);
    if (publish_now == 0 || publish_now >= nbuf) {
        d_publish(q, &rxd);
    } else {
        store_le16(q->used + 2, (uint16_t)(rxd.used - (nbuf - publish_now)));
    }
    return nbuf;
}

/* The device sends the next transmit chain: its header and frame bytes into @out; length or -1. */
static long d_send(struct vnet_port *v, uint8_t *hdr, uint8_t *out, size_t cap, unsigned *ndesc)
{
    struct virtqueue *q = &v->txq;
    int head = d_next(q, &txd);
    if (head < 0)
        return -1;
    uint8_t all[70000];
    size_t n = 0;
    uint16_t d = (uint16_t)head;
    unsigned k = 0;
    for (;;) {
        const uint8_t *p = d_desc(q, d);
        const uint8_t *src =
            (const uint8_t *)(uintptr_t)(load_le32(p) | (uint64_t)load_le32(p + 4) << 32);
        uint32_t len = load_le32(p + 8);
        cr_assert_leq(n + len, sizeof all);
        memcpy(all + n, src, len);
        n += len;
        k++;
        if (!(load_le16(p + 12) & VRING_DESC_F_NEXT))
            break;
        d = load_le16(p + 14);
    }
    d_use(q, &txd, (uint16_t)head, 0, true);
    cr_assert_geq(n, VNET_HDR_V1);
    memcpy(hdr, all, VNET_HDR_V1);
    cr_assert_leq(n - VNET_HDR_V1, cap);
    memcpy(out, all + VNET_HDR_V1, n - VNET_HDR_V1);
    if (ndesc)
        *ndesc = k;
    return (long)(n - VNET_HDR_V1);
}

static void setup(void)
{
    memset(&rxd, 0, sizeof rxd);
    memset(&txd, 0, sizeof txd);
    bus_host_notifies[0] = bus_host_notifies[1] = 0;
}

TestSuite(vnet_rxtx, .init = setup);

static void close_port(struct vnet_port *v)
{
    v->nic.port.ops->close(&v->nic.port);
    cr_assert(pktpool_all_full(), "every buffer back");
}

static const uint8_t no_hdr[VNET_HDR_V1] = { 0 };

Test(vnet_rxtx, a_frame_lands_in_place_in_its_buffer)
{
    struct vnet_port *v = port_open(false, false, 64);
    struct kport *port = &v->nic.port;
    cr_assert_eq(v->rxq.num_free, 0, "start filled the queue");
    uint8_t f[1514];
    for (size_t i = 0; i < sizeof f; i++)
        f[i] = (uint8_t)(i * 13);
    cr_assert_eq(d_receive(v, no_hdr, f, sizeof f, 0), 1);
    struct pktbuf *got[4];
    cr_assert_eq(port->ops->rx_burst(port, got, 4), 1);
    cr_assert_eq(got[0]->len, 1514);
    cr_assert_eq(got[0]->data_off, PKT_HEADROOM, "the header sat in the headroom");
    cr_assert_arr_eq(pkt_data(got[0]), f, sizeof f);
    cr_assert_eq(got[0]->flags, 0);
    cr_assert_null(got[0]->frag, "never a chain on receive");
    cr_assert_eq(v->rxq.num_free, 0, "replaced");
    pkt_free(got[0]);
    close_port(v);
}

Test(vnet_rxtx, receive_offload_flags_only_when_negotiated)
{
    struct vnet_port *v = port_open(true, false, 64);
    struct kport *port = &v->nic.port;
    uint8_t f[100] = { 0 };
    const uint8_t partial[VNET_HDR_V1] = {
        VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 0, 0, 34, 0, 6, 0
    };
    const uint8_t valid[VNET_HDR_V1] = { VIRTIO_NET_HDR_F_DATA_VALID };
    const uint8_t gso[VNET_HDR_V1] = { 1, VIRTIO_NET_HDR_GSO_TCPV4, 54, 0, 0xA8, 5, 34, 0, 16, 0 };
    d_receive(v, partial, f, sizeof f, 0);
    d_receive(v, valid, f, sizeof f, 0);
    d_receive(v, gso, f, sizeof f, 0);
    struct pktbuf *got[4];
    cr_assert_eq(port->ops->rx_burst(port, got, 4), 2);
    cr_assert_eq(got[0]->flags, PKT_F_CSUM_PARTIAL);
    cr_assert_eq(got[0]->csum_start, 34);
    cr_assert_eq(got[0]->csum_offset, 6);
    cr_assert_eq(got[1]->flags, PKT_F_CSUM_VALID);
    cr_assert_eq(ctr(v, VNET_RX_BAD_HDR), 1, "a super-frame without GUEST_TSO4 is refused");
    cr_assert_eq(port->rx_errors, 1);
    cr_assert_eq(v->rxq.num_free, 0, "its buffer went back");
    pkt_free(got[0]);
    pkt_free(got[1]);
    close_port(v);
}

/* A TCP/IPv4 super-frame of @len bytes with a recognisable pattern. */
static void super_frame(uint8_t *f, size_t len)
{
    for (size_t i = 0; i < len; i++)
        f[i] = (uint8_t)(i ^ (i >> 8));
}

Test(vnet_rxtx, merged_super_frame_arrives_as_one_contiguous_buffer)
{
    struct vnet_port *v = port_open(true, true, 64);
    struct kport *port = &v->nic.port;
    static uint8_t f[9000];
    super_frame(f, sizeof f);
    const uint8_t gso[VNET_HDR_V1] = { 1, VIRTIO_NET_HDR_GSO_TCPV4, 66, 0, 0xA8, 5, 34, 0, 16, 0 };
    unsigned nbuf = d_receive(v, gso, f, sizeof f, 0);
    cr_assert_eq(nbuf, 5, "9012 bytes in buffers of 1932");
    struct pktbuf *got[2];
    cr_assert_eq(port->ops->rx_burst(port, got, 2), 1);
    cr_assert_eq(got[0]->len, sizeof f);
    cr_assert_null(got[0]->frag);
    cr_assert_eq(got[0]->pool, v->big, "copied into a big-pool block");
    cr_assert_arr_eq(pkt_data(got[0]), f, sizeof f);
    cr_assert_eq(got[0]->flags, PKT_F_CSUM_PARTIAL | PKT_F_GSO_TCPV4);
    cr_assert_eq(got[0]->gso_size, 1448);
    cr_assert_eq(ctr(v, VNET_RX_MERGED), 1);
    cr_assert_eq(v->rxq.num_free, 0, "all five ring buffers back on the queue");
    cr_assert_eq(port->rx_bytes, sizeof f);
    pkt_free(got[0]);
    close_port(v);
}

Test(vnet_rxtx, merged_frame_without_a_big_pool_is_dropped_whole)
{
    struct vnet_port *v = port_open(false, false, 64);
    struct kport *port = &v->nic.port;
    static uint8_t f[5000];
    super_frame(f, sizeof f);
    d_receive(v, no_hdr, f, sizeof f, 0);
    uint8_t small[60] = { 1 };
    d_receive(v, no_hdr, small, sizeof small, 0);
    struct pktbuf *got[2];
    cr_assert_eq(port->ops->rx_burst(port, got, 2), 1, "only the frame after it");
    cr_assert_eq(got[0]->len, 60);
    cr_assert_eq(ctr(v, VNET_RX_TOO_BIG), 1);
    cr_assert_eq(port->rx_errors, 1);
    cr_assert_eq(v->rxq.num_free, 0);
    pkt_free(got[0]);
    close_port(v);
}

Test(vnet_rxtx, merged_frame_whose_buffers_come_late_is_skipped)
{
    struct vnet_port *v = port_open(true, true, 64);
    struct kport *port = &v->nic.port;
    static uint8_t f[5000];
    super_frame(f, sizeof f);
    const uint8_t gso[VNET_HDR_V1] = { 1, VIRTIO_NET_HDR_GSO_TCPV4, 66, 0, 0xA8, 5, 34, 0, 16, 0 };
    cr_assert_eq(d_receive(v, gso, f, sizeof f, 1), 3, "only the first of three published");
    struct pktbuf *got[2];
    cr_assert_eq(port->ops->rx_burst(port, got, 2), 0);
    cr_assert_eq(ctr(v, VNET_RX_BAD_LEN), 1);
    cr_assert_eq(v->rx_skip, 2);
    d_publish(&v->rxq, &rxd);
    uint8_t small[60] = { 2 };
    d_receive(v, no_hdr, small, sizeof small, 0);
    cr_assert_eq(port->ops->rx_burst(port, got, 2), 1, "the late two skipped, then a frame");
    cr_assert_eq(pkt_data(got[0])[0], 2);
    cr_assert_eq(v->rx_skip, 0);
    pkt_free(got[0]);
    close_port(v);
}

Test(vnet_rxtx, writable_head_carries_the_header_in_its_headroom)
{
    struct vnet_port *v = port_open(false, false, 64);
    struct kport *port = &v->nic.port;
    struct pktbuf *p = pkt_alloc(port->pool);
    uint8_t *d = pkt_append(p, 60);
    for (int i = 0; i < 60; i++)
        d[i] = (uint8_t)i;
    struct pktbuf *burst[1] = { p };
    cr_assert_eq(port->ops->tx_burst(port, burst, 1), 1);
    cr_assert_eq(bus_host_notifies[1], 1,
                 "avail_event 0: the device asked to hear of the first chain");
    uint8_t hdr[VNET_HDR_V1], out[100];
    unsigned nd;
    cr_assert_eq(d_send(v, hdr, out, sizeof out, &nd), 60);
    cr_assert_eq(nd, 1, "one descriptor: header and frame together");
    cr_assert_arr_eq(hdr, no_hdr, VNET_HDR_V1);
    for (int i = 0; i < 60; i++)
        cr_assert_eq(out[i], i);
    struct pktbuf *none[1];
    (void)port->ops->rx_burst(port, none, 1);
    close_port(v);
}

Test(vnet_rxtx, shared_chain_goes_out_with_a_header_slot_and_offloads)
{
    struct vnet_port *v = port_open(false, false, 64);
    struct kport *port = &v->nic.port;
    struct pktbuf *pay = pkt_alloc(port->pool);
    memset(pkt_append(pay, 1000), 0x5A, 1000);
    struct pktbuf *h = pkt_alloc(port->pool);
    uint8_t *e = pkt_append(h, 54);
    memset(e, 0, 54);
    e[34 + 12] = 5 << 4;
    cr_assert_eq(pkt_chain(h, pay), 0);
    h->flags = PKT_F_CSUM_PARTIAL | PKT_F_GSO_TCPV4;
    h->csum_start = 34;
    h->csum_offset = 16;
    h->gso_size = 500;
    pkt_ref(h); /* someone else holds the head too: it must not be written */
    struct pktbuf *burst[1] = { h };
    cr_assert_eq(port->ops->tx_burst(port, burst, 1), 1);
    cr_assert_eq(h->data_off, PKT_HEADROOM, "nothing pushed into a shared head");
    uint8_t hdr[VNET_HDR_V1];
    static uint8_t out[2000];
    unsigned nd;
    cr_assert_eq(d_send(v, hdr, out, sizeof out, &nd), 1054);
    cr_assert_eq(nd, 3, "header slot, head, payload");
    const uint8_t want[VNET_HDR_V1] = { 1, VIRTIO_NET_HDR_GSO_TCPV4, 54, 0, 0xF4, 1, 34, 0, 16, 0 };
    cr_assert_arr_eq(hdr, want, VNET_HDR_V1);
    cr_assert_eq(out[1053], 0x5A);
    struct pktbuf *none[1];
    (void)port->ops->rx_burst(port, none,
                              1); /* reclaim: the device's reference to the chain goes */
    cr_assert_eq(h->refcnt, 1);
    pkt_free(h);
    close_port(v);
}

Test(vnet_rxtx, interrupts_only_while_idle)
{
    struct vnet_port *v = port_open(false, false, 64);
    struct kport *port = &v->nic.port;
    uint16_t last = v->rxq.last_used;
    cr_assert_eq(vq_used_event(&v->rxq), (uint16_t)(last - 1u), "started quiet");
    cr_assert_not(port->ops->intr_enable(port));
    cr_assert_eq(vq_used_event(&v->rxq), last, "armed: interrupt at the next used entry");
    uint8_t f[60] = { 0 };
    d_receive(v, no_hdr, f, sizeof f, 0);
    cr_assert(port->ops->intr_enable(port), "a frame is waiting: do not idle");
    struct pktbuf *got[2];
    cr_assert_eq(port->ops->rx_burst(port, got, 2), 1);
    cr_assert_eq(vq_used_event(&v->rxq), (uint16_t)(last - 1u),
                 "quiet again while polling (used_event behind the entries being taken)");
    pkt_free(got[0]);
    close_port(v);
}
