/*
 * tests/unit/drivers/rings/test_bm_nic.c — the bare-metal NIC skeleton
 * (drivers/bm/nic.c) over a model device: receive rings refilled from the
 * pool, frames dropped (never lost buffers) when the pool is empty, chained
 * frames sent as one descriptor per segment and freed whole on completion,
 * back-pressure that leaves untaken frames with the caller untouched,
 * offload and length checks, interrupts armed only when the loop idles,
 * and every buffer back in its pool after stop and close.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "bus_host.h"
#include "drivers/bm/nic.h"
#include "kernel/bus.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/pktbuf.h"
#include "kernel/stats.h"

#define RXN 8u /* receive ring entries */
#define TXN 8u /* transmit descriptors */
#define BLOCK 2048u

/* The model device: FIFO rings, a completion pointer each, call counts. */
struct model {
    struct bm_nic nic;
    struct pktbuf *rx[RXN]; /* posted buffers, oldest first */
    unsigned rx_n;          /* posted */
    unsigned rx_done;       /* of them completed (the first rx_done), lengths below */
    uint16_t rx_len[RXN];
    bool rx_bad[RXN];
    struct pktbuf *tx[TXN]; /* queued frame heads, oldest first */
    unsigned tx_desc[TXN];  /* descriptors each took */
    unsigned tx_n, tx_used, tx_done;
    unsigned rx_kicks, tx_kicks, intr_on, intr_off, released;
    bool last_tx_wake;
};
static struct dma_pool dp;
static bool released_flag;

static struct model *M(struct bm_nic *n)
{
    return (struct model *)n;
}

static int m_hw_start(struct bm_nic *n)
{
    return bm_nic_rx_fill(n) ? 0 : -KE_NOMEM;
}
static void m_hw_stop(struct bm_nic *n)
{
    (void)n;
}
static int m_rx_post(struct bm_nic *n, struct pktbuf *p)
{
    struct model *m = M(n);
    if (m->rx_n == RXN)
        return -KE_AGAIN;
    if (pkt_tailroom(p) < 1514)
        return -KE_INVAL;
    m->rx[m->rx_n++] = p;
    return 0;
}
static unsigned m_rx_space(struct bm_nic *n)
{
    return RXN - M(n)->rx_n;
}
static enum bm_rx_kind m_rx_reap(struct bm_nic *n, struct pktbuf **buf)
{
    struct model *m = M(n);
    if (m->rx_done == 0)
        return BM_RX_NONE;
    struct pktbuf *p = m->rx[0];
    uint16_t len = m->rx_len[0];
    bool bad = m->rx_bad[0];
    memmove(m->rx, m->rx + 1, sizeof m->rx[0] * (m->rx_n - 1));
    memmove(m->rx_len, m->rx_len + 1, sizeof m->rx_len[0] * (RXN - 1));
    memmove(m->rx_bad, m->rx_bad + 1, sizeof m->rx_bad[0] * (RXN - 1));
    m->rx_n--;
    m->rx_done--;
    *buf = p;
    if (bad)
        return BM_RX_BAD;
    p->len = len;
    return BM_RX_FRAME;
}
static void m_rx_kick(struct bm_nic *n)
{
    M(n)->rx_kicks++;
}
static struct pktbuf *m_rx_detach(struct bm_nic *n)
{
    struct model *m = M(n);
    if (m->rx_n == 0)
        return NULL;
    m->rx_done = 0;
    return m->rx[--m->rx_n];
}
static int m_tx_post(struct bm_nic *n, struct pktbuf *p)
{
    struct model *m = M(n);
    unsigned need = bm_nic_segs(p);
    if (m->tx_used + need > TXN)
        return -KE_AGAIN;
    m->tx[m->tx_n] = p;
    m->tx_desc[m->tx_n++] = need;
    m->tx_used += need;
    return 0;
}
static unsigned m_tx_free(struct bm_nic *n)
{
    return TXN - M(n)->tx_used;
}
static struct pktbuf *m_tx_reap(struct bm_nic *n)
{
    struct model *m = M(n);
    if (m->tx_done == 0)
        return NULL;
    struct pktbuf *p = m->tx[0];
    m->tx_used -= m->tx_desc[0];
    memmove(m->tx, m->tx + 1, sizeof m->tx[0] * (TXN - 1));
    memmove(m->tx_desc, m->tx_desc + 1, sizeof m->tx_desc[0] * (TXN - 1));
    m->tx_n--;
    m->tx_done--;
    return p;
}
static void m_tx_kick(struct bm_nic *n)
{
    M(n)->tx_kicks++;
}
static struct pktbuf *m_tx_detach(struct bm_nic *n)
{
    struct model *m = M(n);
    if (m->tx_n == 0)
        return NULL;
    m->tx_done = m->tx_n;
    return m_tx_reap(n);
}
static bool m_intr_enable(struct bm_nic *n, bool tx_wake)
{
    struct model *m = M(n);
    m->intr_on++;
    m->last_tx_wake = tx_wake;
    return m->rx_done > 0;
}
static void m_intr_disable(struct bm_nic *n)
{
    M(n)->intr_off++;
}
static void m_release(struct bm_nic *n)
{
    released_flag = true;
    free(M(n));
}

static const struct bm_ring_ops model_ops = {
    .hw_start = m_hw_start,
    .hw_stop = m_hw_stop,
    .rx_post = m_rx_post,
    .rx_space = m_rx_space,
    .rx_reap = m_rx_reap,
    .rx_kick = m_rx_kick,
    .rx_detach = m_rx_detach,
    .tx_post = m_tx_post,
    .tx_free = m_tx_free,
    .tx_reap = m_tx_reap,
    .tx_kick = m_tx_kick,
    .tx_detach = m_tx_detach,
    .intr_enable = m_intr_enable,
    .intr_disable = m_intr_disable,
    .release = m_release,
};
static const char *const model_ctr_names[1] = { "model_events" };

/* A started model port with a receive pool of @pool_n buffers. */
static struct model *model_open(uint32_t pool_n)
{
    struct model *m = calloc(1, sizeof *m);
    cr_assert_not_null(m);
    const struct bm_nic_cfg cfg = {
        .driver = "model",
        .ifname = "eth9",
        .tag = "model",
        .ctr_names = model_ctr_names,
        .nctr = 1,
        .tx_max_segs = 3,
        .tx_lin_need = 1,
    };
    cr_assert_eq(bm_nic_init(&m->nic, &model_ops, &cfg), 0);
    cr_assert_eq(bm_nic_open_pool(&m->nic, &dp, pool_n, BLOCK), 0);
    bm_nic_register(&m->nic);
    struct kport *port = &m->nic.port;
    port->tx_gather = true;
    cr_assert_eq(port->ops->start(port), 0);
    return m;
}

/* The device receives a frame of @len bytes (filled with @fill) into its oldest free buffer. */
static void dev_receive(struct model *m, uint16_t len, uint8_t fill, bool bad)
{
    cr_assert_lt(m->rx_done, m->rx_n, "the model has a posted buffer");
    memset(pkt_data(m->rx[m->rx_done]), fill, len);
    m->rx_len[m->rx_done] = len;
    m->rx_bad[m->rx_done] = bad;
    m->rx_done++;
}

static struct pktpool *tx_pool;

static struct pktbuf *frame(uint16_t len, uint8_t fill)
{
    struct pktbuf *p = pkt_alloc(tx_pool);
    cr_assert_not_null(p);
    memset(pkt_append(p, len), fill, len);
    return p;
}

static void setup(void)
{
    memset(&dp, 0, sizeof dp);
    released_flag = false;
    tx_pool = pktpool_create("tx-test", 64, BLOCK, NULL, NULL);
    cr_assert_not_null(tx_pool);
}

TestSuite(bm_nic, .init = setup);

Test(bm_nic, start_fills_the_ring_and_each_frame_is_replaced)
{
    struct model *m = model_open(20);
    struct kport *port = &m->nic.port;
    cr_assert_eq(m->rx_n, RXN, "the ring is full after start");
    cr_assert_eq(pktpool_out(port->pool), RXN);
    cr_assert_str_eq(port->driver, "model");
    dev_receive(m, 60, 0x11, false);
    dev_receive(m, 1514, 0x22, false);
    struct pktbuf *got[4];
    cr_assert_eq(port->ops->rx_burst(port, got, 4), 2);
    cr_assert_eq(got[0]->len, 60);
    cr_assert_eq(got[1]->len, 1514);
    cr_assert_eq(pkt_data(got[1])[1513], 0x22);
    cr_assert_neq(got[0]->rx_ns, 0, "receive time stamped");
    cr_assert_eq(m->rx_n, RXN, "both replaced by fresh buffers");
    cr_assert_eq(m->rx_kicks, 1, "one hand-over for the burst");
    cr_assert_eq(port->rx_packets, 2);
    cr_assert_eq(port->rx_bytes, 1574);
    pkt_free(got[0]);
    pkt_free(got[1]);
    cr_assert_eq(port->ops->rx_burst(port, got, 4), 0);
    cr_assert_eq(m->rx_kicks, 1, "nothing posted: no kick");
    port->ops->close(port);
    cr_assert(released_flag);
    cr_assert(pktpool_all_full());
}

Test(bm_nic, burst_stops_at_max_and_the_rest_waits)
{
    struct model *m = model_open(20);
    struct kport *port = &m->nic.port;
    for (int i = 0; i < 5; i++)
        dev_receive(m, 100, (uint8_t)i, false);
    struct pktbuf *got[5];
    cr_assert_eq(port->ops->rx_burst(port, got, 3), 3);
    cr_assert_eq(port->ops->rx_burst(port, got + 3, 3), 2);
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(pkt_data(got[i])[0], i, "in order");
        pkt_free(got[i]);
    }
    port->ops->close(port);
    cr_assert(pktpool_all_full());
}

Test(bm_nic, empty_pool_drops_the_frame_but_keeps_the_ring_full)
{
    struct model *m = model_open(RXN); /* no spare buffer to replace one with */
    struct kport *port = &m->nic.port;
    dev_receive(m, 80, 0x33, false);
    struct pktbuf *got[2];
    cr_assert_eq(port->ops->rx_burst(port, got, 2), 0);
    cr_assert_eq(port->rx_dropped, 1);
    cr_assert_eq(m->nic.ctr[BM_C_RX_NO_BUF], 1);
    cr_assert_eq(m->rx_n, RXN, "the buffer went back to the device");
    cr_assert_eq(m->rx[RXN - 1]->len, 0, "reposted empty");
    dev_receive(m, 70, 0x44, true);
    cr_assert_eq(port->ops->rx_burst(port, got, 2), 0);
    cr_assert_eq(port->rx_errors, 1, "a bad completion is an error, its buffer reposted");
    cr_assert_eq(m->rx_n, RXN);
    port->ops->close(port);
    cr_assert(pktpool_all_full());
}

Test(bm_nic, chained_frame_is_freed_whole_on_completion)
{
    struct model *m = model_open(20);
    struct kport *port = &m->nic.port;
    struct pktbuf *payload = frame(1000, 0x55);
    /* Two headers share one payload, as a shared video frame would be sent. */
    struct pktbuf *h1 = frame(42, 0x01), *h2 = frame(42, 0x02);
    cr_assert_eq(pkt_chain(h1, pkt_ref(payload)), 0);
    cr_assert_eq(pkt_chain(h2, payload), 0);
    cr_assert_eq(payload->refcnt, 2);
    struct pktbuf *burst[2] = { h1, h2 };
    cr_assert_eq(port->ops->tx_burst(port, burst, 2), 2);
    cr_assert_eq(m->tx_used, 4, "one descriptor per segment");
    cr_assert_eq(m->tx_kicks, 1);
    cr_assert_eq(port->tx_packets, 2);
    cr_assert_eq(port->tx_bytes, 2 * 1042);
    m->tx_done = 1;
    struct pktbuf *none[1];
    (void)port->ops->rx_burst(port, none, 1); /* reclaims completed transmits */
    cr_assert_eq(payload->refcnt, 1, "the first chain gave up its payload reference");
    cr_assert_eq(pktpool_out(tx_pool), 2, "h2 and the payload remain");
    m->tx_done = 1;
    (void)port->ops->rx_burst(port, none, 1);
    cr_assert_eq(pktpool_out(tx_pool), 0, "head and payload back");
    port->ops->close(port);
    cr_assert(pktpool_all_full());
}

Test(bm_nic, full_ring_leaves_the_rest_with_the_caller_untouched)
{
    struct model *m = model_open(20);
    struct kport *port = &m->nic.port;
    struct pktbuf *f[10];
    for (int i = 0; i < 10; i++)
        f[i] = frame(64, (uint8_t)i);
    struct pktbuf *burst[10];
    memcpy(burst, f, sizeof burst);
    cr_assert_eq(port->ops->tx_burst(port, burst, 10), TXN, "as many as there are descriptors");
    for (int i = TXN; i < 10; i++) {
        cr_assert_eq(burst[i], f[i], "the caller keeps its very buffer");
        cr_assert_eq(f[i]->refcnt, 1);
    }
    cr_assert_eq(m->nic.ctr[BM_C_TX_RING_FULL], 1);
    cr_assert(port->ops->intr_enable(port) == false);
    cr_assert(m->last_tx_wake, "frames wait for room: the idle loop wants the transmit interrupt");
    m->tx_done = 3;
    cr_assert_eq(port->ops->tx_burst(port, burst + TXN, 2), 2, "room again after reclaim");
    cr_assert_not(m->nic.tx_blocked);
    m->tx_done = m->tx_n;
    port->ops->close(port);
    cr_assert(pktpool_all_full());
}

Test(bm_nic, bad_length_and_unadvertised_offloads_are_dropped_and_counted)
{
    struct model *m = model_open(20);
    struct kport *port = &m->nic.port;
    struct pktbuf *runt = frame(13, 0), *giant = frame(1519, 0), *csum = frame(60, 0),
                  *gso = frame(1514, 0), *ok = frame(60, 0);
    csum->flags |= PKT_F_CSUM_PARTIAL;
    csum->csum_start = 34;
    csum->csum_offset = 6;
    gso->flags |= PKT_F_GSO_TCPV4 | PKT_F_CSUM_PARTIAL;
    gso->gso_size = 1448;
    struct pktbuf *burst[5] = { runt, giant, csum, gso, ok };
    cr_assert_eq(port->ops->tx_burst(port, burst, 5), 5, "all taken: four dropped, one queued");
    cr_assert_eq(m->tx_n, 1);
    cr_assert_eq(m->tx[0], ok);
    cr_assert_eq(m->nic.ctr[BM_C_TX_BAD_LEN], 2);
    cr_assert_eq(m->nic.ctr[BM_C_TX_BAD_OFFLOAD], 2, "tx_csum and tx_tso4 are not advertised");
    cr_assert_eq(port->tx_errors, 4);
    cr_assert_eq(pktpool_out(tx_pool), 1);
    /* Advertised, the same requests go to the device. */
    port->tx_csum = true;
    port->tx_tso4 = true;
    struct pktbuf *c2 = frame(60, 0), *g2 = frame(1514, 0), *bad_off = frame(60, 0);
    c2->flags |= PKT_F_CSUM_PARTIAL;
    c2->csum_start = 34;
    c2->csum_offset = 6;
    g2->flags |= PKT_F_GSO_TCPV4 | PKT_F_CSUM_PARTIAL;
    g2->gso_size = 1448;
    g2->csum_start = 34;
    g2->csum_offset = 16;
    bad_off->flags |= PKT_F_CSUM_PARTIAL;
    bad_off->csum_start = 50;
    bad_off->csum_offset = 16; /* the field would lie past the frame's end */
    struct pktbuf *b2[3] = { c2, g2, bad_off };
    cr_assert_eq(port->ops->tx_burst(port, b2, 3), 3);
    cr_assert_eq(m->tx_n, 3);
    cr_assert_eq(m->nic.ctr[BM_C_TX_BAD_OFFLOAD], 3);
    m->tx_done = m->tx_n;
    port->ops->close(port);
    cr_assert(pktpool_all_full());
}

Test(bm_nic, long_chain_is_linearized_keeping_its_offload_fields)
{
    struct model *m = model_open(20);
    struct kport *port = &m->nic.port;
    port->tx_csum = true;
    struct pktbuf *h = frame(42, 0x01);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pkt_chain(h, frame(10, (uint8_t)(0x10 + i))), 0);
    h->flags |= PKT_F_CSUM_PARTIAL;
    h->csum_start = 34;
    h->csum_offset = 6;
    struct pktbuf *burst[1] = { h };
    cr_assert_eq(port->ops->tx_burst(port, burst, 1), 1);
    cr_assert_eq(m->nic.ctr[BM_C_TX_LINEARIZED], 1);
    struct pktbuf *q = m->tx[0];
    cr_assert_null(q->frag, "one segment now");
    cr_assert_eq(q->len, 82);
    cr_assert_eq(pkt_data(q)[42 + 35], 0x13);
    cr_assert(q->flags & PKT_F_CSUM_PARTIAL);
    cr_assert_eq(q->csum_start, 34);
    cr_assert_eq(q->csum_offset, 6);
    cr_assert_eq(pktpool_out(tx_pool), 1, "the chain was freed, its copy queued");
    m->tx_done = 1;
    port->ops->close(port);
    cr_assert(pktpool_all_full());
}

Test(bm_nic, long_chain_waits_when_even_a_linear_frame_has_no_room)
{
    struct model *m = model_open(20);
    struct kport *port = &m->nic.port;
    struct pktbuf *fill[TXN];
    for (unsigned i = 0; i < TXN; i++)
        fill[i] = frame(64, 0);
    cr_assert_eq(port->ops->tx_burst(port, fill, TXN), TXN);
    struct pktbuf *h = frame(42, 0x01);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pkt_chain(h, frame(10, 0)), 0);
    struct pktbuf *burst[1] = { h };
    cr_assert_eq(port->ops->tx_burst(port, burst, 1), 0);
    cr_assert_eq(burst[0], h, "not linearized: the caller's buffer is unchanged");
    cr_assert_not_null(h->frag);
    cr_assert_eq(m->nic.ctr[BM_C_TX_LINEARIZED], 0);
    pkt_free(h);
    m->tx_done = m->tx_n;
    port->ops->close(port);
    cr_assert(pktpool_all_full());
}

Test(bm_nic, interrupts_are_armed_only_for_idling_and_dropped_when_polling)
{
    struct model *m = model_open(20);
    struct kport *port = &m->nic.port;
    struct pktbuf *got[2];
    cr_assert_eq(port->ops->rx_burst(port, got, 2), 0);
    cr_assert_eq(m->intr_on, 0, "polling never arms");
    cr_assert_eq(m->intr_off, 0);
    cr_assert_not(port->ops->intr_enable(port), "nothing waiting: the loop may idle");
    cr_assert_eq(m->intr_on, 1);
    cr_assert_not(m->last_tx_wake, "no frames waiting and the receive ring is full");
    dev_receive(m, 60, 0, false);
    cr_assert(port->ops->intr_enable(port), "a frame arrived: the loop must not idle");
    cr_assert_eq(port->ops->rx_burst(port, got, 2), 1);
    cr_assert_eq(m->intr_off, 1, "the first poll after arming turns them off");
    pkt_free(got[0]);
    cr_assert_eq(port->ops->rx_burst(port, got, 2), 0);
    cr_assert_eq(m->intr_off, 1, "once");
    cr_assert_eq(m->nic.ctr[BM_C_INTR_ENABLES], 2);
    port->ops->close(port);
    cr_assert(pktpool_all_full());
}

Test(bm_nic, stop_takes_back_every_buffer_and_restart_refills)
{
    struct model *m = model_open(20);
    struct kport *port = &m->nic.port;
    struct pktbuf *f[3] = { frame(64, 1), frame(64, 2), frame(64, 3) };
    cr_assert_eq(port->ops->tx_burst(port, f, 3), 3);
    port->ops->stop(port);
    cr_assert_eq(m->rx_n, 0);
    cr_assert_eq(m->tx_n, 0);
    cr_assert(pktpool_all_full(), "posted and queued buffers all back");
    struct pktbuf *late[1] = { frame(64, 4) };
    cr_assert_eq(port->ops->tx_burst(port, late, 1), 1, "taken and dropped while stopped");
    cr_assert_eq(port->tx_dropped, 1);
    cr_assert_eq(port->ops->start(port), 0);
    cr_assert_eq(m->rx_n, RXN);
    uint64_t v;
    cr_assert_eq(kstats_find("model-eth9", "tx_ring_full", &v), 0, "one stats group, both halves");
    cr_assert_eq(kstats_find("model-eth9", "model_events", &v), 0);
    port->ops->close(port);
    cr_assert_neq(kstats_find("model-eth9", "model_events", &v), 0, "unregistered at close");
    cr_assert(pktpool_all_full());
}
