/*
 * tests/unit/drivers/rings/test_e1000_ring.c — the 8254x legacy descriptor
 * ring logic (drivers/e1000/e1000_ring.c) against a small model of the
 * device's side: it owns descriptors from its head to the software tail and
 * writes length/status back as the 8254x SDM (3.2.3, 3.3.3) describes.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/e1000/e1000_ring.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"

/* A ring with its memory. */
struct tring {
    struct e1000_ring r;
    uint8_t *mem;
    void **cookie;
    uint16_t hw_head; /* the device's head (RDH/TDH) in the model */
};

static void tring_make(struct tring *t, uint16_t count)
{
    t->mem = aligned_alloc(128, (size_t)count * E1000_DESC_BYTES);
    t->cookie = calloc(count, sizeof(void *));
    cr_assert(t->mem && t->cookie);
    memset(t->mem, 0xAA, (size_t)count * E1000_DESC_BYTES);
    cr_assert_eq(e1000_ring_init(&t->r, t->mem, t->cookie, count), 0);
    t->hw_head = 0;
}

static void tring_free(struct tring *t)
{
    free(t->mem);
    free(t->cookie);
}

static uint8_t *desc(struct tring *t, uint16_t i)
{
    return t->mem + (size_t)i * E1000_DESC_BYTES;
}

/* Device model: complete the receive descriptor at its head if it owns one. */
static bool dev_rx_complete(struct tring *t, uint16_t len, uint8_t status, uint8_t errors)
{
    if (t->hw_head == t->r.tail)
        return false; /* head == tail: the device owns nothing */
    uint8_t *d = desc(t, t->hw_head);
    store_le16(d + E1000_RXD_LENGTH, len);
    d[E1000_RXD_ERRORS] = errors;
    d[E1000_RXD_STATUS] = status | E1000_RXD_STAT_DD;
    t->hw_head = (uint16_t)((t->hw_head + 1u) % t->r.count);
    return true;
}

/* Device model: transmit the descriptor at its head, writing DD back when RS asks. */
static bool dev_tx_complete(struct tring *t, uint8_t extra_status)
{
    if (t->hw_head == t->r.tail)
        return false;
    uint8_t *d = desc(t, t->hw_head);
    if (d[E1000_TXD_CMD] & E1000_TXD_CMD_RS)
        d[E1000_TXD_STATUS] = E1000_TXD_STAT_DD | extra_status;
    t->hw_head = (uint16_t)((t->hw_head + 1u) % t->r.count);
    return true;
}

Test(e1000_ring, init_checks_count_and_clears_memory)
{
    uint8_t mem[4096 * 16 / 64];
    void *ck[256];
    struct e1000_ring r;
    cr_assert_eq(e1000_ring_init(&r, mem, ck, 0), -KE_INVAL);
    cr_assert_eq(e1000_ring_init(&r, mem, ck, 7), -KE_INVAL);
    cr_assert_eq(e1000_ring_init(&r, mem, ck, 12), -KE_INVAL, "RDLEN must be a multiple of 128");
    cr_assert_eq(e1000_ring_init(&r, mem, ck, 4104), -KE_INVAL);
    cr_assert_eq(e1000_ring_init(&r, NULL, ck, 8), -KE_INVAL);
    memset(mem, 0x5A, sizeof mem);
    cr_assert_eq(e1000_ring_init(&r, mem, ck, 64), 0);
    for (size_t i = 0; i < 64 * E1000_DESC_BYTES; i++)
        cr_assert_eq(mem[i], 0, "byte %zu not cleared", i);
    cr_assert_eq(e1000_ring_space(&r), 63,
                 "one descriptor always stays unused (head == tail is empty)");
}

Test(e1000_ring, rx_post_writes_little_endian_descriptor)
{
    struct tring t;
    tring_make(&t, 8);
    int token;
    cr_assert_eq(e1000_rx_post(&t.r, 0x1122334455667788ull, &token), 0);
    const uint8_t want[16] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
                               0,    0,    0,    0,    0,    0,    0,    0 };
    cr_assert_arr_eq(desc(&t, 0), want, 16);
    cr_assert_eq(t.r.tail, 1);
    cr_assert_eq(t.r.used, 1);
    cr_assert_eq(e1000_ring_space(&t.r), 6);
    tring_free(&t);
}

Test(e1000_ring, rx_fills_count_minus_one_then_refuses)
{
    struct tring t;
    tring_make(&t, 8);
    int tok[8];
    for (int i = 0; i < 7; i++)
        cr_assert_eq(e1000_rx_post(&t.r, 0x1000u * (unsigned)i, &tok[i]), 0);
    cr_assert_eq(e1000_rx_post(&t.r, 0x9000, &tok[7]), -KE_AGAIN);
    cr_assert_eq(t.r.tail, 7, "RDT stops one short of RDH");
    cr_assert_eq(e1000_ring_space(&t.r), 0);
    tring_free(&t);
}

Test(e1000_ring, rx_take_waits_for_dd_and_returns_in_order)
{
    struct tring t;
    tring_make(&t, 8);
    int tok[3];
    for (int i = 0; i < 3; i++)
        cr_assert_eq(e1000_rx_post(&t.r, 0x2000u + (unsigned)i, &tok[i]), 0);
    cr_assert_not(e1000_rx_ready(&t.r), "no DD yet");
    cr_assert(dev_rx_complete(&t, 60, E1000_RXD_STAT_EOP, 0));
    cr_assert(dev_rx_complete(&t, 1514, E1000_RXD_STAT_EOP, E1000_RXD_ERR_CE));
    struct e1000_rx_info info;
    cr_assert(e1000_rx_ready(&t.r));
    cr_assert_eq(e1000_rx_take(&t.r, &info), &tok[0]);
    cr_assert_eq(info.length, 60);
    cr_assert_eq(info.status, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP);
    cr_assert_eq(info.errors, 0);
    cr_assert_eq(desc(&t, 0)[E1000_RXD_STATUS], 0, "status cleared for the next round");
    cr_assert(e1000_rx_ready(&t.r));
    cr_assert_eq(e1000_rx_take(&t.r, &info), &tok[1]);
    cr_assert_eq(info.length, 1514);
    cr_assert_eq(info.errors, E1000_RXD_ERR_CE);
    cr_assert_not(e1000_rx_ready(&t.r), "third descriptor still owned by the device");
    cr_assert_eq(t.r.used, 1);
    tring_free(&t);
}

Test(e1000_ring, rx_ready_ignores_stale_dd_on_descriptor_not_given_out)
{
    struct tring t;
    tring_make(&t, 8);
    /* A DD left in memory on a descriptor software never posted must not count. */
    desc(&t, 0)[E1000_RXD_STATUS] = E1000_RXD_STAT_DD;
    cr_assert_not(e1000_rx_ready(&t.r));
    tring_free(&t);
}

Test(e1000_ring, rx_wraps_around_many_times_in_order)
{
    struct tring t;
    tring_make(&t, 8);
    uintptr_t next_cookie = 1, expect = 1;
    unsigned taken = 0;
    for (unsigned round = 0; round < 200; round++) {
        while (e1000_ring_space(&t.r) > 0) {
            cr_assert_eq(e1000_rx_post(&t.r, 0x4000u + next_cookie, (void *)next_cookie), 0);
            next_cookie++;
        }
        cr_assert_eq(t.r.used, 7);
        unsigned k = 1 + round % 7; /* complete a varying number each round */
        for (unsigned i = 0; i < k; i++)
            cr_assert(dev_rx_complete(&t, (uint16_t)(60 + i), E1000_RXD_STAT_EOP, 0));
        struct e1000_rx_info info;
        for (unsigned i = 0; i < k; i++) {
            cr_assert(e1000_rx_ready(&t.r));
            cr_assert_eq(load_le32(desc(&t, t.r.next) + E1000_RXD_ADDR), 0x4000u + expect);
            cr_assert_eq((uintptr_t)e1000_rx_take(&t.r, &info), expect++);
            cr_assert_eq(info.length, 60 + i);
            taken++;
        }
        cr_assert_not(e1000_rx_ready(&t.r));
        cr_assert_lt(t.r.tail, 8);
        cr_assert_lt(t.r.next, 8);
        cr_assert_eq((t.r.next + t.r.used) % 8, t.r.tail, "next + used == tail (mod count)");
    }
    cr_assert_eq(taken, 200 / 7 * 28 + (1 + 2 + 3 + 4)); /* sum of 1 + round % 7 */
    tring_free(&t);
}

Test(e1000_ring, rx_classify_verdicts)
{
    struct e1000_rx_info ok = { 60, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0 };
    cr_assert_eq(e1000_rx_classify(&ok, 14, 2048), E1000_RX_OK);
    struct e1000_rx_info csum_only = ok;
    csum_only.errors = E1000_RXD_ERR_TCPE | E1000_RXD_ERR_IPE;
    cr_assert_eq(e1000_rx_classify(&csum_only, 14, 2048), E1000_RX_OK,
                 "checksum-offload bits do not condemn a frame (offload is off)");
    static const uint8_t frame_errs[] = { E1000_RXD_ERR_CE, E1000_RXD_ERR_SE, E1000_RXD_ERR_SEQ,
                                          E1000_RXD_ERR_CXE, E1000_RXD_ERR_RXE };
    for (size_t i = 0; i < sizeof frame_errs; i++) {
        struct e1000_rx_info bad = ok;
        bad.errors = frame_errs[i];
        cr_assert_eq(e1000_rx_classify(&bad, 14, 2048), E1000_RX_ERRORS, "error bit 0x%x",
                     frame_errs[i]);
    }
    struct e1000_rx_info frag = { 2048, E1000_RXD_STAT_DD, 0 };
    cr_assert_eq(e1000_rx_classify(&frag, 14, 2048), E1000_RX_FRAGMENT);
    frag.errors = E1000_RXD_ERR_RXE;
    cr_assert_eq(e1000_rx_classify(&frag, 14, 2048), E1000_RX_ERRORS, "errors win over no EOP");
    struct e1000_rx_info runt = { 13, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0 };
    cr_assert_eq(e1000_rx_classify(&runt, 14, 2048), E1000_RX_BAD_LENGTH);
    struct e1000_rx_info big = { 2049, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0 };
    cr_assert_eq(e1000_rx_classify(&big, 14, 2048), E1000_RX_BAD_LENGTH);
    big.length = 2048;
    cr_assert_eq(e1000_rx_classify(&big, 14, 2048), E1000_RX_OK);
}

Test(e1000_ring, tx_post_layout_and_argument_checks)
{
    struct tring t;
    tring_make(&t, 8);
    int tok;
    uint8_t cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
    cr_assert_eq(e1000_tx_post(&t.r, 0xAABBCCDD00112233ull, 0, cmd, &tok), -KE_INVAL);
    cr_assert_eq(e1000_tx_post(&t.r, 0xAABBCCDD00112233ull, E1000_TX_MAX_LEN + 1, cmd, &tok),
                 -KE_INVAL);
    cr_assert_eq(e1000_tx_post(&t.r, 0xAABBCCDD00112233ull, 60, cmd | E1000_TXD_CMD_DEXT, &tok),
                 -KE_INVAL, "only legacy descriptors");
    cr_assert_eq(t.r.used, 0, "rejected posts change nothing");
    cr_assert_eq(e1000_tx_post(&t.r, 0xAABBCCDD00112233ull, 0x05EA, cmd, &tok), 0);
    const uint8_t want[16] = { 0x33, 0x22, 0x11, 0x00, 0xDD, 0xCC, 0xBB, 0xAA,
                               0xEA, 0x05, 0x00, 0x0B, 0x00, 0x00, 0x00, 0x00 };
    cr_assert_arr_eq(desc(&t, 0), want, 16);
    for (int i = 1; i < 7; i++)
        cr_assert_eq(e1000_tx_post(&t.r, 0x1000, 60, cmd, &tok), 0);
    cr_assert_eq(e1000_tx_post(&t.r, 0x1000, 60, cmd, &tok), -KE_AGAIN);
    tring_free(&t);
}

Test(e1000_ring, tx_reclaim_stops_at_first_descriptor_without_dd)
{
    struct tring t;
    tring_make(&t, 16);
    int tok[5];
    uint8_t cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
    for (int i = 0; i < 5; i++)
        cr_assert_eq(e1000_tx_post(&t.r, 0x8000u + (unsigned)i, 100, cmd, &tok[i]), 0);
    cr_assert_not(e1000_tx_done(&t.r));
    cr_assert(dev_tx_complete(&t, 0));
    cr_assert(dev_tx_complete(&t, E1000_TXD_STAT_LC));
    uint8_t st = 0xFF;
    cr_assert(e1000_tx_done(&t.r));
    cr_assert_eq(e1000_tx_take(&t.r, &st), &tok[0]);
    cr_assert_eq(st, E1000_TXD_STAT_DD);
    cr_assert(e1000_tx_done(&t.r));
    cr_assert_eq(e1000_tx_take(&t.r, &st), &tok[1]);
    cr_assert_eq(st, E1000_TXD_STAT_DD | E1000_TXD_STAT_LC);
    cr_assert_not(e1000_tx_done(&t.r), "third frame is still being sent");
    cr_assert_eq(t.r.used, 3);
    cr_assert_eq(e1000_ring_space(&t.r), 12);
    tring_free(&t);
}

Test(e1000_ring, tx_wraps_around_keeping_fifo_order)
{
    struct tring t;
    tring_make(&t, 8);
    uint8_t cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
    uintptr_t sent = 1, done = 1;
    for (unsigned round = 0; round < 100; round++) {
        unsigned burst = 1 + round % 5;
        for (unsigned i = 0; i < burst && e1000_ring_space(&t.r) > 0; i++)
            cr_assert_eq(e1000_tx_post(&t.r, 0x100, 64, cmd, (void *)sent++), 0);
        for (unsigned i = 0; i < 3; i++)
            (void)dev_tx_complete(&t, 0);
        while (e1000_tx_done(&t.r))
            cr_assert_eq((uintptr_t)e1000_tx_take(&t.r, NULL), done++);
    }
    while (dev_tx_complete(&t, 0))
        ;
    while (e1000_tx_done(&t.r))
        cr_assert_eq((uintptr_t)e1000_tx_take(&t.r, NULL), done++);
    cr_assert_eq(done, sent, "every frame came back once");
    cr_assert_eq(t.r.used, 0);
    tring_free(&t);
}

Test(e1000_ring, reclaim_after_reset_returns_every_pktbuf_to_its_pool)
{
    struct pktpool *pool = pktpool_create("e1000-ring-test", 16, 2176, NULL, NULL);
    cr_assert_not_null(pool);
    struct tring t;
    tring_make(&t, 8);
    while (e1000_ring_space(&t.r) > 0) {
        struct pktbuf *p = pkt_alloc(pool);
        cr_assert_not_null(p);
        cr_assert_eq(e1000_rx_post(&t.r, (uint64_t)(uintptr_t)pkt_data(p), p), 0);
    }
    cr_assert_eq(pktpool_out(pool), 7);
    /* Two frames arrive and are handed up (then freed by their user). */
    for (int i = 0; i < 2; i++)
        cr_assert(dev_rx_complete(&t, 64, E1000_RXD_STAT_EOP, 0));
    struct e1000_rx_info info;
    while (e1000_rx_ready(&t.r)) {
        struct pktbuf *p = e1000_rx_take(&t.r, &info);
        p->len = info.length;
        pkt_free(p);
    }
    /* Stop: the device is reset and every posted buffer is taken back. */
    void *c;
    unsigned back = 0;
    while ((c = e1000_ring_reclaim(&t.r)) != NULL) {
        pkt_free(c);
        back++;
    }
    cr_assert_eq(back, 5);
    cr_assert_eq(t.r.used, 0);
    cr_assert_eq(e1000_ring_space(&t.r), 7);
    cr_assert(pktpool_all_full());
    cr_assert_eq(pktpool_destroy(pool), 0);
    tring_free(&t);
}
