/*
 * tests/unit/video-client/test_rtp.c — RTP header parsing (RFC 3550 5.1),
 * sequence tracking (A.1, A.3), interarrival jitter (A.8) and the jitter
 * buffer.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "apps/video-client/jitter_buffer.h"
#include "apps/video-client/rtp.h"
#include "apps/video-client/rtp_source.h"
#include "kernel/kerr.h"
#include "kernel/mem.h"
#include "vckit.h"

Test(rtp, fixed_header_fields)
{
    uint8_t p[16];
    vckit_rtp_header(p, true, 26, 0xfffe, 0x12345678, 0xcafef00d);
    memcpy(p + 12, "abcd", 4);
    struct rtp_header h;
    cr_assert_eq(rtp_parse(p, sizeof p, &h), 0);
    cr_assert(h.marker && !h.padding && !h.extension);
    cr_assert_eq(h.payload_type, 26);
    cr_assert_eq(h.seq, 0xfffe);
    cr_assert_eq(h.timestamp, 0x12345678u);
    cr_assert_eq(h.ssrc, 0xcafef00du);
    cr_assert_eq(h.payload_off, 12);
    cr_assert_eq(h.payload_len, 4);
}

Test(rtp, csrcs_extension_and_padding_are_skipped)
{
    uint8_t p[12 + 8 + 8 + 5 + 3];
    memset(p, 0xee, sizeof p);
    vckit_rtp_header(p, false, 26, 1, 2, 3);
    p[0] = 0x80 | 0x20 | 0x10 | 2; /* P, X, CC = 2 */
    uint8_t *ext = p + 12 + 8;
    ext[2] = 0;
    ext[3] = 1;          /* one 32-bit word of extension */
    p[sizeof p - 1] = 3; /* three bytes of padding */
    struct rtp_header h;
    cr_assert_eq(rtp_parse(p, sizeof p, &h), 0);
    cr_assert_eq(h.csrc_count, 2);
    cr_assert_eq(h.payload_off, 12 + 8 + 8);
    cr_assert_eq(h.payload_len, 5);
}

Test(rtp, malformed_headers_are_rejected)
{
    uint8_t p[20];
    struct rtp_header h;
    vckit_rtp_header(p, false, 26, 1, 2, 3);
    cr_assert_eq(rtp_parse(p, 11, &h), -KE_INVAL, "shorter than the fixed header");
    p[0] = 0x40;
    cr_assert_eq(rtp_parse(p, sizeof p, &h), -KE_INVAL, "version 1");
    p[0] = 0x80 | 3;
    cr_assert_eq(rtp_parse(p, sizeof p, &h), -KE_INVAL, "3 CSRCs do not fit 20 bytes");
    p[0] = 0x80 | 0x10;
    p[14] = 0;
    p[15] = 2;
    cr_assert_eq(rtp_parse(p, sizeof p, &h), -KE_INVAL, "extension longer than the packet");
    p[0] = 0x80 | 0x20;
    p[19] = 0;
    cr_assert_eq(rtp_parse(p, sizeof p, &h), -KE_INVAL, "padding count 0");
    p[19] = 9;
    cr_assert_eq(rtp_parse(p, sizeof p, &h), -KE_INVAL, "padding beyond the payload");
    p[19] = 8;
    cr_assert_eq(rtp_parse(p, sizeof p, &h), 0, "padding of the whole payload");
    cr_assert_eq(h.payload_len, 0);
}

Test(rtp_source, extends_across_the_wrap_and_counts_loss)
{
    struct rtp_source s;
    rtp_source_init(&s);
    uint64_t e0, e;
    cr_assert_eq(rtp_source_update(&s, 65534, &e0), RTP_SEQ_FIRST);
    cr_assert_eq(rtp_source_update(&s, 65535, &e), RTP_SEQ_NEW);
    cr_assert_eq(e, e0 + 1);
    cr_assert_eq(rtp_source_update(&s, 1, &e), RTP_SEQ_NEW, "0 lost, wrap");
    cr_assert_eq(e, e0 + 3);
    cr_assert_eq(rtp_source_update(&s, 0, &e), RTP_SEQ_OLD, "0 arrives late");
    cr_assert_eq(e, e0 + 2);
    cr_assert_eq(rtp_source_update(&s, 0, &e), RTP_SEQ_OLD, "and again");
    cr_assert_eq(e, e0 + 2);
    cr_assert_eq(rtp_source_update(&s, 5, &e), RTP_SEQ_NEW);
    cr_assert_eq(rtp_source_expected(&s), 8); /* 65534 .. 5 */
    cr_assert_eq(rtp_source_lost(&s), 8 - 6, "2, 3, 4 lost; one duplicate");
}

Test(rtp_source, reorder_before_the_first_packet_stays_positive)
{
    struct rtp_source s;
    rtp_source_init(&s);
    uint64_t e0, e;
    rtp_source_update(&s, 0, &e0);
    cr_assert_eq(rtp_source_update(&s, 65535, &e), RTP_SEQ_OLD);
    cr_assert_eq(e, e0 - 1);
}

Test(rtp_source, a_jump_needs_two_sequential_packets_to_restart)
{
    struct rtp_source s;
    rtp_source_init(&s);
    uint64_t e0, e, e1;
    rtp_source_update(&s, 100, &e0);
    cr_assert_eq(rtp_source_update(&s, 100 + RTP_MAX_DROPOUT, &e), RTP_SEQ_JUMP);
    cr_assert_eq(rtp_source_update(&s, 101, &e), RTP_SEQ_NEW, "the old sequence goes on");
    cr_assert_eq(rtp_source_update(&s, 30000, &e), RTP_SEQ_JUMP);
    cr_assert_eq(rtp_source_update(&s, 30001, &e1), RTP_SEQ_RESTART);
    cr_assert_gt(e1, e0 + 65536, "extended numbers never go back");
    cr_assert_eq(rtp_source_update(&s, 30002, &e), RTP_SEQ_NEW);
    cr_assert_eq(e, e1 + 1);
    cr_assert_eq(rtp_source_update(&s, 30002 - RTP_MAX_MISORDER, &e), RTP_SEQ_JUMP,
                 "just outside the misorder window");
}

Test(rtp_source, jitter_follows_transit_variation)
{
    struct rtp_source s;
    rtp_source_init(&s);
    /* 30 frames/s: 3000 ticks apart; arrivals 33.3 ms apart => J stays ~0 */
    for (int i = 0; i < 50; i++)
        rtp_source_jitter_update(&s, 1000u + 3000u * (unsigned)i,
                                 5000000000ull + (uint64_t)i * 100000000ull / 3, 90000);
    cr_assert_leq(rtp_source_jitter(&s), 1);
    /* now every other packet 10 ms late: |D| = 900 ticks each time */
    for (int i = 50; i < 400; i++)
        rtp_source_jitter_update(
            &s, 1000u + 3000u * (unsigned)i,
            5000000000ull + (uint64_t)i * 100000000ull / 3 + (i & 1) * 10000000ull, 90000);
    cr_assert(rtp_source_jitter(&s) > 850 && rtp_source_jitter(&s) < 950, "J = %u",
              rtp_source_jitter(&s));
}

/* ---- jitter buffer ---- */

struct got {
    uint64_t seq[64];
    uint64_t lost[64];
    size_t n;
    uint8_t first_byte[64];
};

static void collect(void *ctx, const struct rtp_jitter_packet *p)
{
    struct got *g = ctx;
    cr_assert_lt(g->n, 64);
    g->seq[g->n] = p->ext_seq;
    g->lost[g->n] = p->lost_before;
    g->first_byte[g->n] = p->len ? p->data[0] : 0;
    g->n++;
}

#define MS 1000000ull

static int put(struct rtp_jitter *jb, uint64_t seq, uint64_t now)
{
    uint8_t b = (uint8_t)seq;
    return rtp_jitter_put(jb, seq, 0, false, &b, 1, now);
}

Test(jitter_buffer, in_order_packets_leave_at_once)
{
    struct rtp_jitter jb;
    struct got g = { 0 };
    cr_assert_eq(rtp_jitter_init(&jb, 8, 64, 20 * MS, collect, &g), 0);
    for (uint64_t s = 1000; s < 1010; s++)
        cr_assert_eq(put(&jb, s, s), 0);
    cr_assert_eq(g.n, 10);
    for (size_t i = 0; i < 10; i++)
        cr_assert(g.seq[i] == 1000 + i && g.lost[i] == 0 && g.first_byte[i] == (uint8_t)(1000 + i));
    cr_assert_eq(rtp_jitter_deadline(&jb), UINT64_MAX);
    rtp_jitter_fini(&jb);
}

Test(jitter_buffer, reordering_within_the_window_is_undone)
{
    struct rtp_jitter jb;
    struct got g = { 0 };
    rtp_jitter_init(&jb, 8, 64, 20 * MS, collect, &g);
    uint64_t order[] = { 10, 12, 13, 11, 15, 14, 16 };
    for (size_t i = 0; i < 7; i++)
        cr_assert_eq(put(&jb, order[i], i * MS), 0);
    cr_assert_eq(g.n, 7);
    for (size_t i = 0; i < 7; i++) {
        cr_assert_eq(g.seq[i], 10 + i);
        cr_assert_eq(g.lost[i], 0);
        cr_assert_eq(g.first_byte[i], 10 + i, "payload copied with its packet");
    }
    cr_assert_eq(jb.lost, 0);
    rtp_jitter_fini(&jb);
}

Test(jitter_buffer, a_gap_is_given_up_at_the_deadline)
{
    struct rtp_jitter jb;
    struct got g = { 0 };
    rtp_jitter_init(&jb, 8, 64, 20 * MS, collect, &g);
    put(&jb, 1, 0);
    put(&jb, 3, 5 * MS); /* 2 missing */
    put(&jb, 4, 6 * MS);
    cr_assert_eq(g.n, 1);
    cr_assert_eq(rtp_jitter_deadline(&jb), 25 * MS, "earliest held + latency");
    cr_assert_eq(rtp_jitter_poll(&jb, 25 * MS - 1), 0);
    cr_assert_eq(rtp_jitter_poll(&jb, 25 * MS), 2);
    cr_assert_eq(g.n, 3);
    cr_assert(g.seq[1] == 3 && g.lost[1] == 1 && g.seq[2] == 4 && g.lost[2] == 0);
    cr_assert_eq(jb.lost, 1);
    cr_assert_eq(put(&jb, 2, 30 * MS), -KE_RANGE, "given up: late");
    cr_assert_eq(jb.late, 1);
    cr_assert_eq(put(&jb, 4, 30 * MS), -KE_EXIST, "already delivered: duplicate");
    cr_assert_eq(jb.duplicates, 1);
    rtp_jitter_fini(&jb);
}

Test(jitter_buffer, duplicates_of_held_packets_are_dropped)
{
    struct rtp_jitter jb;
    struct got g = { 0 };
    rtp_jitter_init(&jb, 8, 64, 20 * MS, collect, &g);
    put(&jb, 1, 0);
    put(&jb, 3, 0);
    cr_assert_eq(put(&jb, 3, 0), -KE_EXIST);
    put(&jb, 2, 0);
    cr_assert_eq(g.n, 3);
    cr_assert_eq(jb.duplicates, 1);
    rtp_jitter_fini(&jb);
}

Test(jitter_buffer, a_packet_beyond_the_window_forces_the_oldest_out)
{
    struct rtp_jitter jb;
    struct got g = { 0 };
    rtp_jitter_init(&jb, 8, 64, 1000 * MS, collect, &g);
    put(&jb, 1, 0);
    put(&jb, 3, 0);
    put(&jb, 5, 0);
    cr_assert_eq(g.n, 1);
    cr_assert_eq(put(&jb, 11, 0), 0, "11 needs 3's slot: 2 is given up, 3 delivered");
    cr_assert_eq(g.n, 2);
    cr_assert(g.seq[1] == 3 && g.lost[1] == 1);
    cr_assert_eq(put(&jb, 30, 0), 0, "far ahead: everything held goes");
    cr_assert_eq(g.seq[2], 5);
    cr_assert_eq(g.lost[2], 1);
    cr_assert_eq(g.seq[3], 11);
    cr_assert_eq(g.lost[3], 5);
    cr_assert_eq(jb.held, 1);
    rtp_jitter_flush(&jb, false);
    cr_assert_eq(g.seq[4], 30);
    cr_assert_eq(g.lost[4], 18);
    cr_assert_eq(jb.lost, 1 + 1 + 5 + 18);
    rtp_jitter_fini(&jb);
}

Test(jitter_buffer, oversize_payloads_are_refused_only_when_held)
{
    struct rtp_jitter jb;
    struct got g = { 0 };
    uint8_t big[100] = { 7 };
    rtp_jitter_init(&jb, 4, 64, 20 * MS, collect, &g);
    cr_assert_eq(rtp_jitter_put(&jb, 1, 0, false, big, sizeof big, 0), 0, "in order: no copy");
    cr_assert_eq(rtp_jitter_put(&jb, 3, 0, false, big, sizeof big, 0), -KE_TOOBIG);
    cr_assert_eq(jb.oversize, 1);
    cr_assert_eq(jb.held, 0);
    rtp_jitter_fini(&jb);
}

Test(jitter_buffer, bad_settings_are_refused_and_memory_returned)
{
    struct rtp_jitter jb;
    struct got g = { 0 };
    uint64_t live = kmem_live();
    cr_assert_eq(rtp_jitter_init(&jb, 6, 64, 0, collect, &g), -KE_INVAL, "not a power of two");
    cr_assert_eq(rtp_jitter_init(&jb, 2048, 64, 0, collect, &g), -KE_INVAL);
    cr_assert_eq(rtp_jitter_init(&jb, 8, 0, 0, collect, &g), -KE_INVAL);
    cr_assert_eq(rtp_jitter_init(&jb, 8, 64, 0, collect, &g), 0);
    rtp_jitter_fini(&jb);
    rtp_jitter_fini(&jb);
    cr_assert_eq(kmem_live(), live);
}
