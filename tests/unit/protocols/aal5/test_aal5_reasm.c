/*
 * tests/unit/protocols/aal5/test_aal5_reasm.c — AAL5 reassembly of damaged
 * input (I.363.5 10.2.4): lost, duplicated and reordered cells, bad HEC,
 * CRC, CPI and Length, aborts, oversize PDUs, frames that are not whole
 * cells, cells that are not AAL5 data; and its bounds: timeout, slots,
 * bytes and an empty pool. Every damaged PDU is counted once and dropped,
 * the PDU after it still arrives, and no buffer is left out.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "sarkit.h"
#include "testkit.h"

static struct sk k;
static uint8_t pay[70000];

static void setup(void)
{
    testkit_init();
    sk_setup(&k, sk_params(), 64, 4);
    sk_pattern(pay, sizeof pay, 9);
}

static void teardown(void)
{
    sk_teardown(&k);
}

TestSuite(aal5_reasm, .init = setup, .fini = teardown);

/* After damage: nothing was delivered, nothing is held, and a good PDU on the VC arrives whole. */
static void assert_recovers(uint16_t vci)
{
    cr_assert_eq(k.n, 0, "a damaged PDU was delivered");
    cr_assert_eq(aal5_reasm_held(k.r), 0);
    struct sk_cells c = sk_segment(pay, 1000, 0, vci, 0);
    cr_assert_eq(sk_feed_all(&k, &c), 1, "the next PDU was not delivered");
    free(c.b);
    struct pktbuf *p = sk_take(&k, NULL);
    cr_assert_eq(p->len, 1000);
    cr_assert(memcmp(pkt_data(p), pay, 1000) == 0);
    pkt_free(p);
}

/* The number of PDU drop reasons counted, over all of them. */
static uint64_t pdu_drops(void)
{
    return k.ctr[AAL5_BAD_CRC] + k.ctr[AAL5_BAD_LENGTH] + k.ctr[AAL5_BAD_CPI] + k.ctr[AAL5_ABORTS] +
           k.ctr[AAL5_OVERSIZE] + k.ctr[AAL5_TIMEOUTS] + k.ctr[AAL5_NO_MEMORY] +
           k.ctr[AAL5_EVICTED];
}

Test(aal5_reasm, lost_last_cell_merges_two_pdus_and_fails_the_crc)
{
    struct sk_cells a = sk_segment(pay, 500, 0, 40, 0);
    struct sk_cells b = sk_segment(pay + 7, 600, 0, 40, 0);
    sk_feed(&k, &a, 0, a.n - 1, 28, 0, 0);
    cr_assert_eq(sk_feed_all(&k, &b), 0);
    cr_assert_eq(k.ctr[AAL5_BAD_CRC], 1);
    cr_assert_eq(pdu_drops(), 1);
    assert_recovers(40);
    free(a.b);
    free(b.b);
}

Test(aal5_reasm, lost_middle_cell)
{
    struct sk_cells a = sk_segment(pay, 500, 0, 40, 0);
    sk_feed(&k, &a, 0, 3, 28, 0, 0);
    sk_feed(&k, &a, 4, a.n, 28, 0, 0);
    cr_assert_eq(k.ctr[AAL5_BAD_CRC], 1);
    cr_assert_eq(pdu_drops(), 1);
    assert_recovers(40);
    free(a.b);
}

Test(aal5_reasm, duplicated_cell)
{
    struct sk_cells a = sk_segment(pay, 500, 0, 40, 0);
    sk_feed(&k, &a, 0, 5, 28, 0, 0);
    sk_feed(&k, &a, 4, a.n, 28, 0, 0);
    cr_assert_eq(k.ctr[AAL5_BAD_CRC], 1);
    cr_assert_eq(pdu_drops(), 1);
    assert_recovers(40);
    free(a.b);
}

Test(aal5_reasm, reordered_cells)
{
    struct sk_cells a = sk_segment(pay, 500, 0, 40, 0);
    sk_feed(&k, &a, 0, 2, 28, 0, 0);
    sk_feed(&k, &a, 3, 4, 28, 0, 0);
    sk_feed(&k, &a, 2, 3, 28, 0, 0);
    sk_feed(&k, &a, 4, a.n, 28, 0, 0);
    cr_assert_eq(k.ctr[AAL5_BAD_CRC], 1);
    cr_assert_eq(pdu_drops(), 1);
    assert_recovers(40);
    free(a.b);
}

Test(aal5_reasm, bad_hec_drops_the_cell_and_so_the_pdu)
{
    struct sk_cells a = sk_segment(pay, 500, 0, 40, 0);
    a.b[3 * ATM_CELL_LEN + ATM_HDR_HEC_OFF] ^= 0x01;
    sk_feed_all(&k, &a);
    cr_assert_eq(k.ctr[AAL5_BAD_HEC], 1);
    cr_assert_eq(k.ctr[AAL5_BAD_CRC], 1);
    cr_assert_eq(pdu_drops(), 1);
    assert_recovers(40);
    free(a.b);
}

Test(aal5_reasm, bad_hec_on_the_last_cell_leaves_the_pdu_to_its_timeout)
{
    struct sk_cells a = sk_segment(pay, 500, 0, 40, 0);
    a.b[(a.n - 1) * ATM_CELL_LEN + 2] ^= 0x10; /* a VCI bit: the HEC no longer matches */
    sk_feed_all(&k, &a);
    cr_assert_eq(k.ctr[AAL5_BAD_HEC], 1);
    cr_assert_eq(aal5_reasm_pending(k.r), 1);
    cr_assert_eq(aal5_reasm_expire(k.r, 999999999ull), 0);
    cr_assert_eq(aal5_reasm_expire(k.r, 1000000000ull), 1);
    cr_assert_eq(k.ctr[AAL5_TIMEOUTS], 1);
    assert_recovers(40);
    free(a.b);
}

Test(aal5_reasm, bad_crc_in_payload_and_in_trailer)
{
    struct sk_cells a = sk_segment(pay, 500, 0, 40, 0);
    a.b[2 * ATM_CELL_LEN + 20] ^= 0x80;
    sk_feed_all(&k, &a);
    struct sk_cells b = sk_craft(pay, 300, 0, 40, 0, 0, 300, 0, 0x00010000u);
    sk_feed_all(&k, &b);
    cr_assert_eq(k.ctr[AAL5_BAD_CRC], 2);
    cr_assert_eq(pdu_drops(), 2);
    assert_recovers(40);
    free(a.b);
    free(b.b);
}

Test(aal5_reasm, cpi_other_than_0)
{
    struct sk_cells a = sk_craft(pay, 300, 0, 40, 0, 1, 300, 0, 0);
    sk_feed_all(&k, &a);
    cr_assert_eq(k.ctr[AAL5_BAD_CPI], 1);
    cr_assert_eq(pdu_drops(), 1);
    assert_recovers(40);
    free(a.b);
}

Test(aal5_reasm, length_disagrees_with_cells)
{
    /* 300 bytes need 7 cells: Length 250 (6 cells), 400 (9 cells), and 300 in 8 cells. */
    struct sk_cells a = sk_craft(pay, 300, 0, 40, 0, 0, 250, 7, 0);
    struct sk_cells b = sk_craft(pay, 300, 0, 40, 0, 0, 400, 7, 0);
    struct sk_cells c = sk_craft(pay, 300, 0, 40, 0, 0, 300, 8, 0);
    sk_feed_all(&k, &a);
    sk_feed_all(&k, &b);
    sk_feed_all(&k, &c);
    cr_assert_eq(k.ctr[AAL5_BAD_LENGTH], 3);
    cr_assert_eq(pdu_drops(), 3);
    assert_recovers(40);
    free(a.b);
    free(b.b);
    free(c.b);
}

Test(aal5_reasm, length_0_is_an_abort)
{
    struct sk_cells a = sk_craft(pay, 0, 0, 40, 0, 0, 0, 3, 0);
    sk_feed_all(&k, &a);
    cr_assert_eq(k.ctr[AAL5_ABORTS], 1);
    cr_assert_eq(pdu_drops(), 1);
    assert_recovers(40);
    free(a.b);
}

Test(aal5_reasm, overlong_pdu_without_a_last_cell)
{
    /* 1367 cells without AUU: one more than the longest PDU. */
    struct sk_cells a = sk_craft(pay, 0, 0, 40, 0, 0, 0, 1400, 0);
    for (size_t i = 0; i < a.n; i++)
        a.b[i * ATM_CELL_LEN + 3] &= (uint8_t) ~(ATM_PTI_AUU << 1);
    for (size_t i = 0; i < a.n; i++)
        a.b[i * ATM_CELL_LEN + ATM_HDR_HEC_OFF] = atm_hec(a.b + i * ATM_CELL_LEN);
    sk_feed_all(&k, &a);
    cr_assert_eq(k.ctr[AAL5_OVERSIZE], 1);
    cr_assert_eq(k.ctr[AAL5_DISCARDED_CELLS], 1400 - 1367);
    cr_assert_eq(aal5_reasm_held(k.r), 0, "a discarded PDU holds no buffer");
    /* its last cell ends the discarding; the PDU after it arrives */
    struct sk_cells end = sk_craft(pay, 10, 0, 40, 0, 0, 10, 0, 0);
    sk_feed_all(&k, &end);
    cr_assert_eq(k.ctr[AAL5_DISCARDED_CELLS], 1400 - 1367 + 1);
    cr_assert_eq(pdu_drops(), 1);
    assert_recovers(40);
    free(a.b);
    free(end.b);
}

Test(aal5_reasm, longer_than_max_payload)
{
    sk_teardown(&k);
    struct aal5_reasm_params p = sk_params();
    p.max_payload = 1000;
    sk_setup(&k, p, 64, 4);
    struct sk_cells a = sk_segment(pay, 1001, 0, 40, 0); /* 21 cells, like 1000 bytes */
    struct sk_cells b = sk_segment(pay, 3000, 0, 40, 0); /* 63 cells */
    sk_feed_all(&k, &a);
    sk_feed_all(&k, &b);
    cr_assert_eq(k.ctr[AAL5_OVERSIZE], 2);
    cr_assert_eq(pdu_drops(), 2);
    assert_recovers(40);
    free(a.b);
    free(b.b);
}

Test(aal5_reasm, frames_that_are_not_whole_cells)
{
    static uint8_t f[30 * ATM_CELL_LEN];
    struct sk_cells a = sk_segment(pay, 100, 0, 40, 0);
    memcpy(f, a.b, a.n * ATM_CELL_LEN);
    const size_t bad[] = { 0, 1, 52, 54, 105, 29 * ATM_CELL_LEN, 30 * ATM_CELL_LEN };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(aal5_reasm_input(k.r, 0, f, bad[i], 0, NULL, NULL), -KE_INVAL);
    cr_assert_eq(k.ctr[AAL5_BAD_FRAME_LEN], 7);
    cr_assert_eq(k.ctr[AAL5_RX_CELLS], 0, "nothing of a bad frame is read");
    assert_recovers(40);
    free(a.b);
}

Test(aal5_reasm, oam_and_unassigned_cells_are_ignored)
{
    struct sk_cells a = sk_segment(pay, 200, 0, 40, 0); /* 5 cells */
    struct sk_cells x = sk_segment(pay, 40, 0, 40, 0);  /* 1 cell, rewritten below */
    sk_feed(&k, &a, 0, 2, 28, 0, 0);
    const struct atm_cell_hdr oam = { .vci = 40, .pti = 5 }, unassigned = { .vci = 0 };
    sk_cell_hdr(&x, 0, &oam);
    sk_feed_all(&k, &x);
    sk_cell_hdr(&x, 0, &unassigned);
    sk_feed_all(&k, &x);
    cr_assert_eq(sk_feed(&k, &a, 2, a.n, 28, 0, 0), 1);
    cr_assert_eq(k.ctr[AAL5_NON_USER_CELLS], 1);
    cr_assert_eq(k.ctr[AAL5_UNASSIGNED_CELLS], 1);
    struct pktbuf *p = sk_take(&k, NULL);
    cr_assert(memcmp(pkt_data(p), pay, 200) == 0);
    pkt_free(p);
    free(a.b);
    free(x.b);
}

Test(aal5_reasm, timeout_from_the_first_cell)
{
    struct sk_cells a = sk_segment(pay, 5000, 0, 40, 0);
    sk_feed(&k, &a, 0, 28, 28, 0, 100);
    cr_assert_eq(aal5_reasm_next_deadline(k.r), 100 + 1000000000ull);
    cr_assert_gt(aal5_reasm_held(k.r), 0);
    /* a later cell of the same VC after the deadline: the old PDU goes, the cell starts anew */
    sk_feed(&k, &a, 28, a.n, 28, 0, 100 + 1000000000ull);
    cr_assert_eq(k.ctr[AAL5_TIMEOUTS], 1);
    cr_assert_eq(k.ctr[AAL5_BAD_CRC] + k.ctr[AAL5_BAD_LENGTH], 1, "the tail alone is no PDU");
    cr_assert_eq(pdu_drops(), 2);
    /* and expiry from outside */
    sk_feed(&k, &a, 0, 28, 28, 0, 5000000000ull);
    cr_assert_eq(aal5_reasm_expire(k.r, 5999999999ull), 0);
    cr_assert_eq(aal5_reasm_expire(k.r, 6000000000ull), 1);
    cr_assert_eq(aal5_reasm_next_deadline(k.r), UINT64_MAX);
    cr_assert_eq(k.ctr[AAL5_TIMEOUTS], 2);
    assert_recovers(40);
    free(a.b);
}

Test(aal5_reasm, slots_full_evicts_the_oldest)
{
    struct sk_cells c[9];
    for (unsigned i = 0; i < 9; i++) {
        c[i] = sk_segment(pay, 300, 0, (uint16_t)(100 + i), 0);
        sk_feed(&k, &c[i], 0, 1, 1, 0, i);
    }
    cr_assert_eq(k.ctr[AAL5_EVICTED], 1);
    cr_assert_eq(aal5_reasm_pending(k.r), 8);
    for (unsigned i = 1; i < 9; i++)
        sk_feed(&k, &c[i], 1, c[i].n, 28, 0, 10);
    cr_assert_eq(k.n, 8);
    /* VC 100 lost its first cell: its tail alone fails */
    sk_feed(&k, &c[0], 1, c[0].n, 28, 0, 10);
    cr_assert_eq(k.n, 8);
    cr_assert_eq(k.ctr[AAL5_BAD_CRC] + k.ctr[AAL5_BAD_LENGTH], 1);
    for (unsigned i = 0; i < 9; i++)
        free(c[i].b);
    while (k.n)
        pkt_free(sk_take(&k, NULL));
}

Test(aal5_reasm, byte_limit_evicts_then_refuses)
{
    /* max_bytes of two big blocks and a small one: a third large PDU evicts the oldest. */
    sk_teardown(&k);
    struct aal5_reasm_params p = sk_params();
    p.max_bytes = 2 * 65535u + 2048u;
    sk_setup(&k, p, 64, 4);
    struct sk_cells c[3];
    for (unsigned i = 0; i < 3; i++) {
        c[i] = sk_segment(pay, 10000, 0, (uint16_t)(200 + i), 0);
        sk_feed(&k, &c[i], 0, 60, 28, 0, i);
    }
    cr_assert_eq(k.ctr[AAL5_EVICTED], 1);
    cr_assert_leq(aal5_reasm_held(k.r), p.max_bytes);
    for (unsigned i = 0; i < 3; i++) {
        sk_feed(&k, &c[i], 60, c[i].n, 28, 0, 10);
        free(c[i].b);
    }
    cr_assert_eq(k.n, 2);
    while (k.n)
        pkt_free(sk_take(&k, NULL));
    /* a limit below one big block: a large PDU finds no room at all */
    sk_teardown(&k);
    p.max_bytes = 4096;
    sk_setup(&k, p, 64, 4);
    struct sk_cells big = sk_segment(pay, 5000, 0, 40, 0);
    sk_feed_all(&k, &big);
    cr_assert_eq(k.ctr[AAL5_NO_MEMORY], 1);
    cr_assert_eq(pdu_drops(), 1);
    assert_recovers(40);
    free(big.b);
}

Test(aal5_reasm, empty_pools)
{
    /* One big block: a second large PDU evicts the first; with the block held by the
     * receiver, a large PDU finds none (no_memory); an empty small pool likewise. */
    sk_teardown(&k);
    sk_setup(&k, sk_params(), 2, 1);
    struct sk_cells a = sk_segment(pay, 6000, 0, 40, 0);
    struct sk_cells b = sk_segment(pay, 6000, 0, 41, 0);
    sk_feed(&k, &a, 0, 50, 28, 0, 0);
    sk_feed(&k, &b, 0, 50, 28, 0, 0);
    cr_assert_eq(k.ctr[AAL5_EVICTED], 1);
    sk_feed(&k, &b, 50, b.n, 28, 0, 0);
    cr_assert_eq(k.n, 1);
    sk_feed(&k, &a, 50, a.n, 28, 0, 0); /* the evicted PDU's tail is discarded */
    cr_assert_eq(k.ctr[AAL5_DISCARDED_CELLS], a.n - 50);
    cr_assert_eq(aal5_reasm_pending(k.r), 0);
    struct pktbuf *held = sk_take(&k, NULL); /* the receiver keeps the only big block */
    sk_feed_all(&k, &a);
    cr_assert_eq(k.ctr[AAL5_NO_MEMORY], 1);
    pkt_free(held);
    struct pktbuf *s1 = pkt_alloc(k.small), *s2 = pkt_alloc(k.small);
    struct sk_cells small = sk_segment(pay, 100, 0, 42, 0);
    sk_feed_all(&k, &small);
    cr_assert_eq(k.ctr[AAL5_NO_MEMORY], 2);
    pkt_free(s1);
    pkt_free(s2);
    cr_assert_eq(sk_feed_all(&k, &small), 1);
    pkt_free(sk_take(&k, NULL));
    free(a.b);
    free(b.b);
    free(small.b);
}

Test(aal5_reasm, flush_and_destroy_return_every_buffer)
{
    struct sk_cells a = sk_segment(pay, 20000, 0, 40, 0);
    struct sk_cells b = sk_segment(pay, 500, 0, 41, 0);
    sk_feed(&k, &a, 0, 100, 28, 0, 0);
    sk_feed(&k, &b, 0, 3, 28, 0, 0);
    cr_assert_eq(aal5_reasm_pending(k.r), 2);
    cr_assert_eq(aal5_reasm_flush(k.r), 2);
    cr_assert_eq(k.ctr[AAL5_FLUSHED], 2);
    cr_assert_eq(aal5_reasm_held(k.r), 0);
    sk_feed(&k, &a, 0, 100, 28, 0, 0); /* left for destroy in the teardown */
    free(a.b);
    free(b.b);
}

Test(aal5_reasm, create_refuses_bad_limits)
{
    struct aal5_reasm_params p = sk_params();
    p.big = k.big;
    p.ctr = k.ctr;
    struct aal5_reasm_params q = p;
    q.max_vcs = 0;
    cr_assert_null(aal5_reasm_create(&q));
    q = p;
    q.max_payload = 0;
    cr_assert_null(aal5_reasm_create(&q));
    q = p;
    q.max_payload = AAL5_MAX_PAYLOAD + 1;
    cr_assert_null(aal5_reasm_create(&q));
    q = p;
    q.big = NULL;
    cr_assert_null(aal5_reasm_create(&q));
    q = p;
    q.ctr = NULL;
    cr_assert_null(aal5_reasm_create(&q));
}
