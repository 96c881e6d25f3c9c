/*
 * tests/unit/video-client/test_asm.c — the RFC 2435 frame assembler's
 * refusals: every way a frame can be incomplete, corrupt or too big drops
 * the whole frame, counts it once, and leaves the next frame intact.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "apps/video-client/jpeg_rebuild.h"
#include "apps/video-client/rtpjpeg.h"
#include "apps/video-client/rtpjpeg_asm.h"
#include "kernel/kerr.h"
#include "kernel/mem.h"
#include "vckit.h"

static struct rtpjpeg_asm a;
static uint8_t *jpeg;
static size_t jpeg_len;
static uint64_t live_before;

static void setup(void)
{
    live_before = kmem_live();
    cr_assert_eq(rtpjpeg_asm_init(&a, 64 * 1024, 640, 480), 0);
    struct vckit_enc e = { .width = 96, .height = 64, .quality = 75, .seed = 3 };
    jpeg = vckit_encode(&e, &jpeg_len);
}

static void teardown(void)
{
    rtpjpeg_asm_fini(&a);
    free(jpeg);
    cr_assert_eq(kmem_live(), live_before, "assembler memory returned");
}

/* The frame as packets: type 1, Q 75 (derived tables), 200-byte fragments. */
static void packets(uint32_t ts, struct vckit_packets *pk)
{
    struct vckit_pkt o = { .type = 1, .q = 75, .mtu = 200, .ts = ts, .ssrc = 1 };
    vckit_packetize(jpeg, jpeg_len, 96, 64, &o, pk);
    cr_assert_geq(pk->n, 4);
}

static int push(const struct vckit_packets *pk, size_t i, uint64_t lost, struct rtpjpeg_frame *f)
{
    const uint8_t *p = pk->data[i];
    uint32_t ts = ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) | ((uint32_t)p[6] << 8) | p[7];
    return rtpjpeg_asm_push(&a, ts, (p[1] & 0x80) != 0, lost, p + 12, pk->len[i] - 12, 0, f);
}

/* Push a whole good frame with timestamp @ts: it must come out whole. */
static void good_frame(uint32_t ts)
{
    struct vckit_packets pk;
    struct rtpjpeg_frame f;
    packets(ts, &pk);
    uint64_t frames = a.st.frames;
    for (size_t i = 0; i < pk.n; i++)
        cr_assert_eq(push(&pk, i, 0, &f), i + 1 == pk.n ? 1 : 0);
    cr_assert_eq(a.st.frames, frames + 1);
    cr_assert_eq(f.timestamp, ts);
    struct vckit_pic want, got;
    cr_assert(vckit_turbo_decode(jpeg, jpeg_len, VIMAGE_RGB24, &want));
    cr_assert(vckit_turbo_decode(f.jpeg, f.len, VIMAGE_RGB24, &got));
    cr_assert(vckit_equal(&want.img, &got.img));
    vckit_pic_free(&want);
    vckit_pic_free(&got);
    vckit_free_packets(&pk);
}

TestSuite(asm, .init = setup, .fini = teardown);

Test(asm, a_gap_in_offsets_drops_the_frame)
{
    struct vckit_packets pk;
    struct rtpjpeg_frame f;
    packets(10, &pk);
    for (size_t i = 0; i < pk.n; i++)
        if (i != 2)
            cr_assert_eq(push(&pk, i, 0, &f), 0);
    cr_assert_eq(a.st.incomplete, 1);
    cr_assert_eq(a.st.frames, 0);
    vckit_free_packets(&pk);
    good_frame(20);
}

Test(asm, a_missing_first_fragment_drops_the_frame)
{
    struct vckit_packets pk;
    struct rtpjpeg_frame f;
    packets(10, &pk);
    for (size_t i = 1; i < pk.n; i++)
        cr_assert_eq(push(&pk, i, 0, &f), 0);
    cr_assert_eq(a.st.incomplete, 1);
    vckit_free_packets(&pk);
    good_frame(20);
}

Test(asm, a_missing_marker_drops_the_frame_when_the_next_begins)
{
    struct vckit_packets pk;
    struct rtpjpeg_frame f;
    packets(10, &pk);
    for (size_t i = 0; i + 1 < pk.n; i++)
        push(&pk, i, 0, &f);
    uint64_t since = 0;
    cr_assert(rtpjpeg_asm_busy(&a, &since));
    cr_assert_eq(a.st.incomplete, 0);
    good_frame(20);
    cr_assert_eq(a.st.incomplete, 1);
    vckit_free_packets(&pk);
}

Test(asm, reported_loss_drops_the_frame_even_with_matching_offsets)
{
    struct vckit_packets pk;
    struct rtpjpeg_frame f;
    packets(10, &pk);
    for (size_t i = 0; i < pk.n; i++)
        push(&pk, i, i == 3 ? 1 : 0, &f);
    cr_assert_eq(a.st.incomplete, 1);
    cr_assert_eq(a.st.frames, 0);
    vckit_free_packets(&pk);
}

Test(asm, loss_before_a_new_frame_does_not_hurt_it)
{
    good_frame(10);
    struct vckit_packets pk;
    struct rtpjpeg_frame f;
    packets(20, &pk);
    for (size_t i = 0; i < pk.n; i++)
        push(&pk, i, i == 0 ? 3 : 0, &f);
    cr_assert_eq(a.st.frames, 2);
    cr_assert_eq(a.st.incomplete, 0);
    vckit_free_packets(&pk);
}

Test(asm, fields_changing_within_a_frame_make_it_corrupt)
{
    struct vckit_packets pk;
    struct rtpjpeg_frame f;
    packets(10, &pk);
    pk.data[2][12 + 5] = 50; /* Q of the third fragment */
    for (size_t i = 0; i < pk.n; i++)
        push(&pk, i, 0, &f);
    cr_assert_eq(a.st.corrupt, 1);
    cr_assert_eq(a.st.incomplete, 0, "counted once, under one reason");
    vckit_free_packets(&pk);
    good_frame(20);
}

Test(asm, a_malformed_payload_makes_its_frame_corrupt)
{
    struct vckit_packets pk;
    struct rtpjpeg_frame f;
    packets(10, &pk);
    pk.data[1][12 + 4] = 7; /* reserved type */
    for (size_t i = 0; i < pk.n; i++)
        cr_assert_eq(push(&pk, i, 0, &f), i == 1 ? -KE_NOTSUP : 0);
    cr_assert_eq(a.st.bad_payloads, 1);
    cr_assert_eq(a.st.corrupt, 1);
    vckit_free_packets(&pk);
    good_frame(20);
}

Test(asm, frames_beyond_the_limits_are_too_big)
{
    const uint8_t *scan;
    size_t scan_len;
    cr_assert(vckit_scan_data(jpeg, jpeg_len, &scan, &scan_len));
    rtpjpeg_asm_fini(&a);
    cr_assert_eq(rtpjpeg_asm_init(&a, JPEG_REBUILD_HEADER_MAX + scan_len / 2, 640, 480), 0);
    struct vckit_packets pk;
    struct rtpjpeg_frame f;
    packets(10, &pk);
    for (size_t i = 0; i < pk.n; i++)
        push(&pk, i, 0, &f);
    cr_assert_eq(a.st.too_big, 1, "more bytes than the buffer");
    vckit_free_packets(&pk);

    rtpjpeg_asm_fini(&a);
    cr_assert_eq(rtpjpeg_asm_init(&a, 64 * 1024, 88, 480), 0);
    packets(20, &pk);
    for (size_t i = 0; i < pk.n; i++)
        push(&pk, i, 0, &f);
    cr_assert_eq(a.st.too_big, 1, "wider than allowed");
    vckit_free_packets(&pk);
}

Test(asm, abort_counts_the_frame_in_progress_once)
{
    struct vckit_packets pk;
    struct rtpjpeg_frame f;
    packets(10, &pk);
    push(&pk, 0, 0, &f);
    cr_assert(rtpjpeg_asm_abort(&a));
    cr_assert(!rtpjpeg_asm_abort(&a));
    cr_assert_eq(a.st.incomplete, 1);
    vckit_free_packets(&pk);
    good_frame(20);
}

Test(asm, an_eoi_kept_by_the_sender_is_not_doubled)
{
    /* a frame whose scan data ends with EOI, in one fragment */
    const uint8_t *scan;
    size_t scan_len;
    cr_assert(vckit_scan_data(jpeg, jpeg_len, &scan, &scan_len));
    size_t n = 8 + scan_len + 2;
    uint8_t *p = malloc(n);
    const uint8_t hdr[8] = { 0, 0, 0, 0, 1, 75, 96 / 8, 64 / 8 };
    memcpy(p, hdr, 8);
    memcpy(p + 8, scan, scan_len);
    p[n - 2] = 0xff;
    p[n - 1] = 0xd9;
    struct rtpjpeg_frame f;
    cr_assert_eq(rtpjpeg_asm_push(&a, 5, true, 0, p, n, 0, &f), 1);
    cr_assert(f.jpeg[f.len - 2] == 0xff && f.jpeg[f.len - 1] == 0xd9);
    cr_assert(!(f.jpeg[f.len - 4] == 0xff && f.jpeg[f.len - 3] == 0xd9));
    free(p);
}

Test(asm, in_band_tables_of_either_precision)
{
    uint8_t p[8 + 4 + 128 + 64 + 64];
    memset(p, 0, sizeof p);
    const uint8_t hdr[12] = { 0, 0, 0, 0, 1, 255, 4, 4, 0, 0x01, 0, 0 };
    memcpy(p, hdr, sizeof hdr);
    struct rtpjpeg_header h;
    struct rtpjpeg_qtables t;
    for (int k = 0; k < 64; k++) {
        p[12 + 2 * k] = 1; /* table 0: 16-bit entries 256 + k */
        p[12 + 2 * k + 1] = (uint8_t)k;
        p[12 + 128 + k] = (uint8_t)(k + 1); /* table 1: 8-bit */
    }
    p[11] = 192;
    cr_assert_eq(rtpjpeg_parse(p, 12 + 192, &h), 0);
    cr_assert_eq(rtpjpeg_qtables_from_header(&h, &t), 0);
    cr_assert(t.n == 2 && t.precision16[0] && !t.precision16[1]);
    cr_assert(t.q[0][5] == 261 && t.q[1][5] == 6);
    p[11] = 64;
    p[9] = 0;
    memset(p + 12, 5, 64);
    cr_assert_eq(rtpjpeg_parse(p, 12 + 64, &h), 0);
    cr_assert_eq(rtpjpeg_qtables_from_header(&h, &t), 0, "one table: used for all components");
    cr_assert_eq(t.n, 1);
    p[11] = 100;
    cr_assert_eq(rtpjpeg_parse(p, 12 + 100, &h), 0);
    cr_assert_eq(rtpjpeg_qtables_from_header(&h, &t), -KE_INVAL, "half a table");
    p[11] = 128;
    p[12 + 64] = 0;
    cr_assert_eq(rtpjpeg_parse(p, 12 + 128, &h), 0);
    cr_assert_eq(rtpjpeg_qtables_from_header(&h, &t), -KE_INVAL, "an entry of 0");
}

Test(asm, sixteen_bit_tables_give_sof1)
{
    struct rtpjpeg_qtables t = { .n = 1, .precision16 = { true } };
    for (int k = 0; k < 64; k++)
        t.q[0][k] = 2;
    struct jpeg_rebuild_params p = { .type = 1, .width = 8, .height = 8, .qt = &t };
    uint8_t buf[JPEG_REBUILD_HEADER_MAX];
    int n = jpeg_rebuild_header(&p, buf, sizeof buf);
    cr_assert_gt(n, 0);
    bool sof1 = false;
    for (int i = 0; i + 1 < n; i++)
        if (buf[i] == 0xff && buf[i + 1] == JPEG_SOF1)
            sof1 = true;
    cr_assert(sof1);
}

Test(asm, markers_other_than_stuffing_and_restarts_make_the_frame_corrupt)
{
    struct vckit_packets pk;
    struct rtpjpeg_frame f;
    const uint8_t bad[][2] = { { 0xff, 0xc4 }, { 0xff, 0xda }, { 0xff, 0xd0 }, { 0xff, 0xd9 } };
    for (size_t b = 0; b < 4; b++) {
        packets(10 + (uint32_t)b, &pk);
        memcpy(pk.data[1] + 12 + 8 + 20, bad[b], 2); /* inside the second fragment */
        for (size_t i = 0; i < pk.n; i++)
            push(&pk, i, 0, &f);
        cr_assert_eq(a.st.corrupt, b + 1, "marker 0x%02x", bad[b][1]);
        cr_assert_eq(a.st.bad_scan, b + 1);
        vckit_free_packets(&pk);
    }
    /* a fragment boundary between 0xFF and what follows changes nothing */
    packets(20, &pk);
    uint8_t *last = pk.data[0] + pk.len[0] - 1, *next = pk.data[1] + 12 + 8;
    *last = 0xff;
    *next = 0xc0;
    for (size_t i = 0; i < pk.n; i++)
        push(&pk, i, 0, &f);
    cr_assert_eq(a.st.bad_scan, 5);
    vckit_free_packets(&pk);
    good_frame(30);
}
