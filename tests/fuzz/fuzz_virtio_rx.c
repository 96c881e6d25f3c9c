/*
 * tests/fuzz/fuzz_virtio_rx.c — libFuzzer target over virtio-net receive
 * (drivers/virtio/virtio_net_rxtx.c under the NIC skeleton, drivers/bm/
 * nic.c): what the device (and through QEMU, the host's TAP) writes into
 * the used ring and the buffers is outside input. A model device on the
 * real split virtqueues (virtio 1.1 2.6) fills receive buffers from the
 * input: any virtio-net header (flags, gso_type, csum fields, num_buffers,
 * whether or not it matches the buffers used), used lengths that may exceed
 * the buffer, used ids that may be out of range, entries published late.
 * Every frame handed up must be one contiguous buffer of at most 65535
 * bytes with only the offload flags negotiated; after every input the port
 * is closed and every buffer must be back in its pool: a leak aborts.
 *
 * Input: byte 0 the negotiated receive offloads (bit 0 GUEST_CSUM, bit 1
 * GUEST_TSO4, which brings a pool of 2 big blocks), then records of
 *   [control (1)][virtio_net_hdr (12)][frame length (2, little-endian)]
 * control bits: 0-1 used length (0 exact, 1 one byte more than the buffer,
 * 2 short by the header, 3 zero), 2 a bad used id on the first entry, 3
 * publish only the first entry now, 4 run a receive burst after the
 * record, 5 keep num_buffers as given (else the true count). A record cut
 * short ends the input.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true -Dsanitize=true
 * Run:   build-fuzz/tests/fuzz/fuzz-virtio-rx CORPUS_DIR -max_len=4096
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bus_host.h"
#include "drivers/virtio/virtio_net_priv.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"

#define QN 16u
#define POOL_N 48u
static struct pci_bind_slot pci;
static struct vnet_slot slot;
static struct bus_dma rxq_mem, txq_mem;
static struct vring_layout lay;
static void *rx_cookie[QN], *tx_cookie[QN];
static uint16_t dev_avail, dev_used;

static int f_hw_start(struct bm_nic *n)
{
    struct vnet_port *v = vnet_of(n);
    if (vq_init(&v->rxq, 0, QN, rxq_mem.virt, &lay, rx_cookie, true) != 0 ||
        vq_init(&v->txq, 1, QN, txq_mem.virt, &lay, tx_cookie, true) != 0)
        abort();
    dev_avail = dev_used = 0;
    v->rx_skip = 0;
    if (bm_nic_rx_fill(n) == 0)
        return -KE_NOMEM;
    vq_publish(&v->rxq);
    return 0;
}
static void f_hw_stop(struct bm_nic *n)
{
    (void)n;
}
static void f_release(struct bm_nic *n)
{
    struct vnet_port *v = vnet_of(n);
    if (v->big != NULL && pktpool_destroy(v->big) != 0)
        abort(); /* a merged frame's block never came back */
    free(v);
}
static const struct bm_ring_ops f_ops = {
    .hw_start = f_hw_start,
    .hw_stop = f_hw_stop,
    VNET_RING_OPS,
    .release = f_release,
};
static struct vnet_port *port_open(uint8_t neg)
{
    if (rxq_mem.virt == NULL) {
        slot.pci = &pci;
        slot.rxq_size = slot.txq_size = QN;
        if (vring_layout(QN, 4, &lay) != 0 || bus_dma_alloc(lay.bytes, 4096, &rxq_mem) != 0 ||
            bus_dma_alloc(lay.bytes, 4096, &txq_mem) != 0 ||
            bus_dma_alloc(QN * VNET_HDR_SLOT, 16, &slot.hdr_mem) != 0)
            abort();
    }
    struct vnet_port *v = calloc(1, sizeof *v);
    if (v == NULL)
        abort();
    v->slot = &slot;
    v->vp = &slot.vp;
    v->hdr_len = VNET_HDR_V1;
    v->mrg = true;
    v->rx_off = (struct vnet_rx_offloads){ (neg & 3u) != 0, (neg & 2u) != 0 };
    const struct bm_nic_cfg cfg = {
        .driver = "virtio",
        .ifname = "fz0",
        .tag = "virtio",
        .ctr_names = vnet_ctr_names,
        .nctr = VNET_NCTR,
        .tx_max_segs = VNET_TX_MAX_SEGS,
        .tx_lin_need = 2,
    };
    if (bm_nic_init(&v->nic, &f_ops, &cfg) != 0 ||
        bm_nic_open_pool(&v->nic, &slot.rx_pool, POOL_N, PKT_BLOCK_SIZE) != 0)
        abort();
    if (v->rx_off.tso4 &&
        (v->big = pktpool_create("fz0-rxbig", 2, VNET_BIG_BLOCK, NULL, NULL)) == NULL)
        abort();
    if (v->nic.port.ops->start(&v->nic.port) != 0)
        abort();
    return v;
}

/* The next available receive buffer: its head and address, or -1. */
static int dev_next(struct vnet_port *v, uint8_t **buf, uint32_t *cap)
{
    struct virtqueue *q = &v->rxq;
    if (dev_avail == load_le16(q->avail + 2))
        return -1;
    uint16_t head = load_le16(q->avail + 4 + 2u * (dev_avail++ % QN));
    const uint8_t *d = q->desc + 16u * head;
    *buf = (uint8_t *)(uintptr_t)(load_le32(d) | (uint64_t)load_le32(d + 4) << 32);
    *cap = load_le32(d + 8);
    return head;
}

static void dev_use(struct vnet_port *v, uint32_t id, uint32_t len)
{
    uint8_t *e = v->rxq.used + 4 + 8u * (dev_used % QN);
    store_le32(e, id);
    store_le32(e + 4, len);
    dev_used++;
}

/* One record: the device receives a frame of @len bytes with header @hdr. */
static void dev_receive(struct vnet_port *v, uint8_t ctl, const uint8_t *hdr, uint32_t len)
{
    uint8_t h[VNET_HDR_V1];
    memcpy(h, hdr, sizeof h);
    uint32_t total = VNET_HDR_V1 + len, done = 0, n = 0;
    uint32_t ids[QN], lens[QN];
    uint8_t *first = NULL;
    while (done < total && n < QN) {
        uint8_t *buf;
        uint32_t cap;
        int head = dev_next(v, &buf, &cap);
        if (head < 0)
            break;
        uint32_t k = total - done < cap ? total - done : cap;
        for (uint32_t i = 0; i < k; i++)
            buf[i] = (uint8_t)(done + i);
        if (n == 0) {
            first = buf;
            memcpy(buf, h, k < VNET_HDR_V1 ? k : VNET_HDR_V1);
        }
        switch (ctl & 3u) {
        case 1: lens[n] = cap + 1; break;
        case 2: lens[n] = k > VNET_HDR_V1 ? k - VNET_HDR_V1 : 0; break;
        case 3: lens[n] = 0; break;
        default: lens[n] = k; break;
        }
        ids[n++] = (uint32_t)head;
        done += k;
    }
    if (n == 0)
        return;
    if (!(ctl & 0x20u) && first != NULL && total >= VNET_HDR_V1)
        store_le16(first + VNET_HDR_NUM_BUFFERS, (uint16_t)n);
    if (ctl & 4u)
        ids[0] = 0xffffu - ids[0];
    for (uint32_t i = 0; i < n; i++)
        dev_use(v, ids[i], lens[i]);
    store_le16(v->rxq.used + 2, (ctl & 8u) ? (uint16_t)(dev_used - n + 1) : dev_used);
}

static volatile uint8_t sink;

static void burst(struct vnet_port *v)
{
    struct pktbuf *got[8];
    struct kport *port = &v->nic.port;
    uint32_t allowed = (v->rx_off.csum ? PKT_F_CSUM_PARTIAL | PKT_F_CSUM_VALID : 0u) |
                       (v->rx_off.tso4 ? PKT_F_GSO_TCPV4 : 0u);
    uint16_t k = port->ops->rx_burst(port, got, 8);
    for (uint16_t i = 0; i < k; i++) {
        struct pktbuf *p = got[i];
        if (p->frag != NULL || p->len == 0 || (p->flags & ~allowed) ||
            (uint32_t)p->data_off + p->len > p->cap)
            abort();
        if ((p->flags & PKT_F_CSUM_PARTIAL) &&
            (uint32_t)p->csum_start + p->csum_offset + 2u > p->len)
            abort();
        uint8_t x = 0;
        for (uint16_t j = 0; j < p->len; j++)
            x ^= pkt_data(p)[j]; /* every byte readable (ASan) */
        sink ^= x;
        pkt_free(p);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct vnet_port *v = port_open(data[0]);
    size_t at = 1;
    while (size - at >= 15) {
        uint8_t ctl = data[at];
        const uint8_t *hdr = data + at + 1;
        uint32_t len = load_le16(data + at + 13);
        at += 15;
        dev_receive(v, ctl, hdr, len);
        if (ctl & 0x10u)
            burst(v);
    }
    store_le16(v->rxq.used + 2, dev_used); /* whatever was held back */
    burst(v);
    burst(v);
    v->nic.port.ops->close(&v->nic.port);
    if (!pktpool_all_full())
        abort();
    return 0;
}
