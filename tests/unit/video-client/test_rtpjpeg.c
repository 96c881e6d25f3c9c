/*
 * tests/unit/video-client/test_rtpjpeg.c — RFC 2435 headers, quantization
 * and Huffman tables against libjpeg's and ffmpeg's, and the JPEG header
 * rebuild: frames libjpeg encodes, packetized here as RFC 2435 says,
 * reassembled by the client, decode to exactly what the originals decode to.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "apps/video-client/jpeg_rebuild.h"
#include "kernel/lib/t81_huffman.h"
#include "apps/video-client/rtpjpeg.h"
#include "apps/video-client/rtpjpeg_asm.h"
#include "kernel/kerr.h"
#include "kernel/mem.h"
#include "vckit.h"

Test(rtpjpeg, main_restart_and_table_headers)
{
    uint8_t p[8 + 4 + 4 + 192 + 3];
    memset(p, 0, sizeof p);
    const uint8_t hdr[] = { 1,    0,    0,           0,    65, 200,  40, 30,
                            0x01, 0x02, 0xc0 | 0x12, 0x34, 0,  0x01, 0,  128 + 64 };
    memcpy(p, hdr, sizeof hdr);
    struct rtpjpeg_header h;
    cr_assert_eq(rtpjpeg_parse(p, sizeof p, &h), 0);
    cr_assert(h.type_specific == 1 && h.fragment_offset == 0 && h.type == 65 && h.q == 200);
    cr_assert(h.width == 320 && h.height == 240);
    cr_assert(h.has_restart && h.restart_interval == 0x0102 && h.restart_first && h.restart_last &&
              h.restart_count == 0x1234);
    cr_assert(h.has_qt && h.qt_precision == 1 && h.qt_length == 192);
    cr_assert_eq(h.qt_data, p + 16);
    cr_assert_eq(h.data, p + 16 + 192);
    cr_assert_eq(h.data_len, 3);
}

Test(rtpjpeg, later_fragments_carry_no_table_header)
{
    const uint8_t p[] = { 0, 0, 0x05, 0xdc, 1, 255, 40, 30, 0xaa, 0xbb };
    struct rtpjpeg_header h;
    cr_assert_eq(rtpjpeg_parse(p, sizeof p, &h), 0);
    cr_assert(!h.has_qt && !h.has_restart);
    cr_assert_eq(h.fragment_offset, 1500);
    cr_assert(h.data_len == 2 && h.data[0] == 0xaa);
}

Test(rtpjpeg, malformed_headers)
{
    struct rtpjpeg_header h;
    const uint8_t shrt[7] = { 0 };
    cr_assert_eq(rtpjpeg_parse(shrt, sizeof shrt, &h), -KE_INVAL, "main header cut");
    const uint8_t q0[] = { 0, 0, 0, 0, 1, 0, 40, 30 };
    cr_assert_eq(rtpjpeg_parse(q0, sizeof q0, &h), -KE_INVAL, "Q 0 reserved");
    const uint8_t q100[] = { 0, 0, 0, 0, 1, 100, 40, 30 };
    cr_assert_eq(rtpjpeg_parse(q100, sizeof q100, &h), -KE_INVAL, "Q 100 reserved");
    const uint8_t w0[] = { 0, 0, 0, 0, 1, 50, 0, 30 };
    cr_assert_eq(rtpjpeg_parse(w0, sizeof w0, &h), -KE_INVAL, "width 0");
    const uint8_t t2[] = { 0, 0, 0, 0, 2, 50, 40, 30 };
    cr_assert_eq(rtpjpeg_parse(t2, sizeof t2, &h), -KE_NOTSUP, "type 2 reserved");
    const uint8_t t128[] = { 0, 0, 0, 0, 128, 50, 40, 30 };
    cr_assert_eq(rtpjpeg_parse(t128, sizeof t128, &h), -KE_NOTSUP, "dynamic type");
    const uint8_t rst[] = { 0, 0, 0, 0, 64, 50, 40, 30, 0, 4 };
    cr_assert_eq(rtpjpeg_parse(rst, sizeof rst, &h), -KE_INVAL, "restart header cut");
    const uint8_t q255[] = { 0, 0, 0, 0, 1, 255, 40, 30, 0, 0, 0, 0 };
    cr_assert_eq(rtpjpeg_parse(q255, sizeof q255, &h), -KE_INVAL, "Q 255 without tables");
    const uint8_t qlong[] = { 0, 0, 0, 0, 1, 255, 40, 30, 0, 0, 0, 128, 1, 2 };
    cr_assert_eq(rtpjpeg_parse(qlong, sizeof qlong, &h), -KE_INVAL, "tables overrun");
    const uint8_t far[] = { 0, 0xff, 0xff, 0xff, 1, 50, 40, 30, 1, 2 };
    cr_assert_eq(rtpjpeg_parse(far, sizeof far, &h), -KE_INVAL, "offset + data past 2^24");
    const uint8_t q128[] = { 0, 0, 0, 0, 1, 128, 40, 30, 0, 0, 0, 0, 9 };
    cr_assert_eq(rtpjpeg_parse(q128, sizeof q128, &h), 0, "Q 128..254 may omit tables");
}

Test(rtpjpeg, zigzag_walks_the_antidiagonals)
{
    unsigned k = 0;
    for (int s = 0; s <= 14; s++) {
        int lo = s > 7 ? s - 7 : 0, hi = s < 7 ? s : 7;
        for (int i = 0; i <= hi - lo; i++) {
            int row = (s & 1) ? lo + i : hi - i; /* even diagonals go up and right */
            cr_assert_eq(rtpjpeg_zigzag[k], row * 8 + (s - row), "position %u", k);
            k++;
        }
    }
    cr_assert_eq(k, 64);
}

Test(rtpjpeg, derived_tables_equal_libjpeg_at_every_quality)
{
    for (int q = 1; q <= 99; q++) {
        struct vckit_enc e = { .width = 16, .height = 16, .quality = q, .seed = 1 };
        size_t len;
        uint8_t *jpeg = vckit_encode(&e, &len);
        uint8_t lum[64], chr[64];
        cr_assert(vckit_dqt(jpeg, len, 0, lum) && vckit_dqt(jpeg, len, 1, chr));
        struct rtpjpeg_qtables t;
        rtpjpeg_qtables_from_q((unsigned)q, &t);
        cr_assert(t.n == 2 && !t.precision16[0] && !t.precision16[1]);
        for (int k = 0; k < 64; k++) {
            cr_assert_eq(t.q[0][k], lum[k], "Q %d luminance entry %d", q, k);
            cr_assert_eq(t.q[1][k], chr[k], "Q %d chrominance entry %d", q, k);
        }
        free(jpeg);
    }
}

Test(rtpjpeg, huffman_tables_equal_those_ffmpeg_sent)
{
    struct vckit_clip clip;
    vckit_read_clip(TESTKIT_TRACES "/rtp-jpeg-client.mjpeg", &clip);
    const uint8_t *j = clip.frame[0];
    size_t i = 2, found = 0;
    while (j[i] == 0xff && j[i + 1] != 0xda) {
        size_t seg = (size_t)((j[i + 2] << 8) | j[i + 3]);
        if (j[i + 1] == 0xc4) {
            size_t o = i + 4;
            while (o < i + 2 + seg) {
                const struct t81_huffman_table *t = NULL;
                for (int k = 0; k < 4; k++)
                    if (t81_std_huffman[k].tc_th == j[o])
                        t = &t81_std_huffman[k];
                cr_assert_not_null(t, "table class/id 0x%02x", j[o]);
                unsigned n = 0;
                for (int b = 0; b < 16; b++) {
                    cr_assert_eq(t->bits[b], j[o + 1 + b], "table 0x%02x BITS[%d]", j[o], b + 1);
                    n += j[o + 1 + b];
                }
                cr_assert_eq(n, t->nvals);
                cr_assert_eq(memcmp(t->vals, j + o + 17, n), 0, "table 0x%02x HUFFVAL", j[o]);
                o += 17 + n;
                found++;
            }
        }
        i += 2 + seg;
    }
    cr_assert_eq(found, 4);
    vckit_free_clip(&clip);
}

Test(rtpjpeg, header_size_bound_holds)
{
    struct rtpjpeg_qtables t = { .n = 2, .precision16 = { true, true } };
    for (int k = 0; k < 64; k++)
        t.q[0][k] = t.q[1][k] = 300;
    struct jpeg_rebuild_params p = {
        .type = 65, .width = 2040, .height = 2040, .restart_interval = 5, .qt = &t
    };
    uint8_t buf[JPEG_REBUILD_HEADER_MAX];
    int n = jpeg_rebuild_header(&p, buf, sizeof buf);
    cr_assert_eq(n, 727);
    cr_assert_eq(buf[n - 14 + 1], JPEG_SOS);
    cr_assert_eq(jpeg_rebuild_header(&p, buf, 726), -KE_TOOBIG);
    p.type = 2;
    cr_assert_eq(jpeg_rebuild_header(&p, buf, sizeof buf), -KE_INVAL);
}

/* ---- whole frames through the assembler ---- */

/* Push @pk into @a; return the frame of the last packet (NULL if none came out). */
static const struct rtpjpeg_frame *push_all(struct rtpjpeg_asm *a, const struct vckit_packets *pk,
                                            struct rtpjpeg_frame *f)
{
    const struct rtpjpeg_frame *out = NULL;
    for (size_t i = 0; i < pk->n; i++) {
        const uint8_t *p = pk->data[i];
        bool marker = p[1] & 0x80;
        uint32_t ts =
            ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) | ((uint32_t)p[6] << 8) | p[7];
        int rc = rtpjpeg_asm_push(a, ts, marker, 0, p + 12, pk->len[i] - 12, 0, f);
        cr_assert_geq(rc, 0);
        if (rc == 1)
            out = f;
    }
    return out;
}

/* Encode, packetize, reassemble, decode both: they must be equal. */
static void roundtrip(const struct vckit_enc *e, struct vckit_pkt o, struct rtpjpeg_asm *a)
{
    size_t len;
    uint8_t *jpeg = vckit_encode(e, &len);
    uint8_t tables[128];
    cr_assert(vckit_dqt(jpeg, len, 0, tables) && vckit_dqt(jpeg, len, 1, tables + 64));
    o.tables = tables;
    struct vckit_packets pk;
    vckit_packetize(jpeg, len, (uint16_t)e->width, (uint16_t)e->height, &o, &pk);
    cr_assert_gt(pk.n, 1, "several fragments");
    struct rtpjpeg_frame f;
    cr_assert_not_null(push_all(a, &pk, &f), "type %u Q %u: no frame", o.type, o.q);
    cr_assert(f.width == e->width && f.height == e->height && f.type == o.type && f.q == o.q);
    struct vckit_pic want, got;
    cr_assert(vckit_turbo_decode(jpeg, len, VIMAGE_RGB24, &want));
    cr_assert(vckit_turbo_decode(f.jpeg, f.len, VIMAGE_RGB24, &got), "rebuilt JPEG undecodable");
    cr_assert(vckit_equal(&want.img, &got.img), "type %u Q %u: pictures differ", o.type, o.q);
    vckit_pic_free(&want);
    vckit_pic_free(&got);
    vckit_free_packets(&pk);
    free(jpeg);
}

Test(rebuild, every_type_and_table_source_decodes_like_the_original)
{
    struct rtpjpeg_asm a;
    cr_assert_eq(rtpjpeg_asm_init(&a, 1 << 20, 2040, 2040), 0);
    struct vckit_pkt o = { .mtu = 400, .ts = 1000, .ssrc = 1 };
    for (int yuv422 = 0; yuv422 <= 1; yuv422++) {
        for (unsigned ri = 0; ri <= 3; ri += 3) {
            struct vckit_enc e = { .width = 176,
                                   .height = 144,
                                   .yuv422 = yuv422,
                                   .restart_interval = ri,
                                   .seed = ri + 2 };
            uint8_t type = (uint8_t)((yuv422 ? 0 : 1) | (ri ? 64 : 0));
            o.type = type;
            o.restart_interval = (uint16_t)ri;
            /* tables derived from Q (appendix A) */
            for (int q = 10; q <= 90; q += 40) {
                e.quality = q;
                o.q = (uint8_t)q;
                o.ts += 3000;
                roundtrip(&e, o, &a);
            }
            /* tables in band (Q 255) */
            e.quality = 83;
            o.q = 255;
            o.send_tables = true;
            o.ts += 3000;
            roundtrip(&e, o, &a);
        }
    }
    cr_assert_eq(a.st.frames, 2 * 2 * 4);
    cr_assert_eq(a.st.incomplete + a.st.corrupt + a.st.too_big, 0);
    rtpjpeg_asm_fini(&a);
}

Test(rebuild, tables_for_q_128_to_254_are_cached)
{
    struct rtpjpeg_asm a;
    rtpjpeg_asm_init(&a, 1 << 20, 2040, 2040);
    struct vckit_enc e = { .width = 64, .height = 48, .quality = 60, .seed = 9 };
    struct vckit_pkt o = { .type = 1, .q = 140, .mtu = 300, .ts = 1, .send_tables = false };
    size_t len;
    uint8_t *jpeg = vckit_encode(&e, &len);
    uint8_t tables[128];
    vckit_dqt(jpeg, len, 0, tables);
    vckit_dqt(jpeg, len, 1, tables + 64);
    o.tables = tables;
    struct vckit_packets pk;
    struct rtpjpeg_frame f;

    vckit_packetize(jpeg, len, 64, 48, &o, &pk);
    cr_assert_null(push_all(&a, &pk, &f), "Q 140 never seen: nothing to decode with");
    cr_assert(a.st.corrupt == 1 && a.st.unknown_q == 1);
    vckit_free_packets(&pk);

    o.send_tables = true;
    o.ts = 2;
    roundtrip(&e, o, &a); /* tables sent once ... */
    o.send_tables = false;
    o.ts = 3;
    roundtrip(&e, o, &a); /* ... and used after */
    cr_assert_eq(a.st.frames, 2);
    free(jpeg);
    rtpjpeg_asm_fini(&a);
}
