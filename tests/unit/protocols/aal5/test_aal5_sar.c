/*
 * tests/unit/protocols/aal5/test_aal5_sar.c — AAL5 segmentation and
 * reassembly round trips (I.363.5 10.1, 10.2): payload lengths from 1 to
 * 65535 on a sample (every length up to 2000, every length around a cell
 * boundary, a stride through the rest, the top 64), the shape of the
 * cells and frames the segmenter writes, the refusal of length 0 and the
 * abort, interleaved VCs and links.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "sarkit.h"
#include "testkit.h"

static struct sk k;

static void setup(void)
{
    testkit_init();
    sk_setup(&k, sk_params(), 64, 4);
}

static void teardown(void)
{
    sk_teardown(&k);
}

TestSuite(aal5_sar, .init = setup, .fini = teardown);

/* One round trip of a @len-byte payload in frames of @per_frame cells; checks everything. */
static void roundtrip(uint32_t len, unsigned per_frame)
{
    static uint8_t p[AAL5_MAX_PAYLOAD];
    sk_pattern(p, len, len);
    uint8_t uu = (uint8_t)(len * 7);
    uint16_t vci = (uint16_t)(32 + len % 1000);
    struct sk_cells c = sk_segment(p, len, (uint8_t)(len >> 8), vci, uu);
    cr_assert_eq(c.n, AAL5_PDU_CELLS(len));
    cr_assert_eq(sk_feed(&k, &c, 0, c.n, per_frame, 0, 0), 1, "length %u not delivered", len);
    free(c.b);
    struct aal5_pdu_info info;
    struct pktbuf *pdu = sk_take(&k, &info);
    cr_assert_eq(pdu->len, len, "length %u delivered as %u", len, pdu->len);
    cr_assert(memcmp(pkt_data(pdu), p, len) == 0, "payload of length %u differs", len);
    cr_assert_eq(info.uu, uu);
    cr_assert_eq(info.last.vci, vci);
    cr_assert_eq(info.last.vpi, (uint8_t)(len >> 8));
    cr_assert_eq(info.last.pti & ATM_PTI_AUU, ATM_PTI_AUU);
    cr_assert_eq(info.cells, AAL5_PDU_CELLS(len));
    pkt_free(pdu);
    cr_assert_eq(aal5_reasm_pending(k.r), 0);
    cr_assert_eq(aal5_reasm_held(k.r), 0);
}

Test(aal5_sar, every_length_on_a_sample)
{
    unsigned n = 0;
    for (uint32_t len = 1; len <= AAL5_MAX_PAYLOAD; len++) {
        /* the boundaries: payload + trailer exactly fills its cells, or one byte over */
        uint32_t r = (len + AAL5_TRAILER_LEN) % ATM_PAYLOAD_LEN;
        bool boundary = r == 0 || r == 1 || r == ATM_PAYLOAD_LEN - 1;
        if (len <= 2000 || (boundary && len % 7 == 0) || len % 997 == 0 ||
            len > AAL5_MAX_PAYLOAD - 64) {
            roundtrip(len, AAL5_CELLS_PER_FRAME);
            n++;
        }
    }
    cr_assert_eq(k.ctr[AAL5_RX_PDUS], n);
    cr_assert_eq(k.ctr[AAL5_BAD_CRC] + k.ctr[AAL5_BAD_LENGTH] + k.ctr[AAL5_OVERSIZE], 0);
}

Test(aal5_sar, frame_sizes_do_not_matter)
{
    static const unsigned per[] = { 1, 2, 3, 27, 28 };
    for (unsigned i = 0; i < sizeof per / sizeof per[0]; i++)
        for (uint32_t len = 1; len < 5000; len += 331)
            roundtrip(len, per[i]);
}

Test(aal5_sar, segmenter_frames_and_cells)
{
    static uint8_t p[AAL5_MAX_PAYLOAD];
    static uint8_t f[4096];
    const uint32_t lens[] = { 1, 40, 41, 1336, 1337, 1500, 9000, AAL5_MAX_PAYLOAD };
    for (unsigned i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint32_t len = lens[i];
        sk_pattern(p, len, i);
        struct aal5_seg s;
        const struct atm_cell_hdr h = {
            .gfc = 0xf, .vpi = 3, .vci = 0x1234, .pti = ATM_PTI_AUU, .clp = 1
        };
        cr_assert_eq(aal5_seg_start(&s, &h, 0x77, p, len), 0);
        uint32_t cells = AAL5_PDU_CELLS(len), seen = 0;
        uint32_t frames = aal5_seg_frames(&s);
        cr_assert_eq(frames, (cells + 27) / 28);
        for (uint32_t fr = 0; fr < frames; fr++) {
            size_t n = aal5_seg_frame(&s, f, sizeof f);
            uint32_t nc = (uint32_t)(n / ATM_CELL_LEN);
            cr_assert_eq(n % ATM_CELL_LEN, 0);
            cr_assert_eq(nc, fr + 1 < frames ? 28 : cells - 28 * (frames - 1), "frame %u", fr);
            for (uint32_t c = 0; c < nc; c++, seen++) {
                struct atm_cell_hdr d;
                const uint8_t *cell = f + (size_t)c * ATM_CELL_LEN;
                cr_assert(atm_hdr_decode(cell, &d));
                cr_assert_eq(d.gfc, 0, "GFC is sent as 0");
                cr_assert_eq(d.vpi, 3);
                cr_assert_eq(d.vci, 0x1234);
                cr_assert_eq(d.clp, 1);
                cr_assert_eq(d.pti, seen + 1 == cells ? ATM_PTI_AUU : 0, "cell %u PTI", seen);
                uint32_t off = seen * ATM_PAYLOAD_LEN;
                for (uint32_t b = 0; b < ATM_PAYLOAD_LEN && off + b < len; b++)
                    cr_assert_eq(cell[ATM_HDR_LEN + b], p[off + b]);
                if (seen + 1 == cells) {
                    const uint8_t *t = cell + ATM_HDR_LEN + AAL5_LAST_TRL_OFF;
                    cr_assert_eq(t[0], 0x77);
                    cr_assert_eq(t[1], 0);
                    cr_assert_eq(load_be16(t + 2), (uint16_t)len);
                    /* PAD is zeros */
                    for (uint32_t b = len - off < 48 ? len - off : 48; b < AAL5_LAST_TRL_OFF; b++)
                        cr_assert_eq(cell[ATM_HDR_LEN + b], 0);
                }
            }
        }
        cr_assert(aal5_seg_done(&s));
        cr_assert_eq(aal5_seg_frame(&s, f, sizeof f), 0);
        cr_assert_eq(seen, cells);
    }
}

Test(aal5_sar, segmenter_respects_capacity)
{
    uint8_t p[3000], f[200];
    sk_pattern(p, sizeof p, 1);
    struct aal5_seg s;
    const struct atm_cell_hdr h = { .vci = 40 };
    cr_assert_eq(aal5_seg_start(&s, &h, 0, p, sizeof p), 0);
    cr_assert_eq(aal5_seg_frame(&s, f, 52), 0);
    cr_assert_eq(aal5_seg_frame(&s, f, sizeof f), 3 * ATM_CELL_LEN);
}

Test(aal5_sar, segmenter_refuses_length_0_too_long_vci_0_and_oam)
{
    uint8_t p[1] = { 0 };
    struct aal5_seg s;
    struct atm_cell_hdr h = { .vci = 40 };
    cr_assert_eq(aal5_seg_start(&s, &h, 0, p, 0), -KE_INVAL);
    cr_assert_eq(aal5_seg_start(&s, &h, 0, p, AAL5_MAX_PAYLOAD + 1), -KE_INVAL);
    h.vci = 0;
    cr_assert_eq(aal5_seg_start(&s, &h, 0, p, 1), -KE_INVAL);
    h.vci = 40;
    h.pti = ATM_PTI_NON_USER;
    cr_assert_eq(aal5_seg_start(&s, &h, 0, p, 1), -KE_INVAL);
}

Test(aal5_sar, abort_ends_a_partial_pdu_and_the_next_one_arrives)
{
    static uint8_t p[5000], f[AAL5_FRAME_MAX];
    sk_pattern(p, sizeof p, 2);
    struct aal5_seg s;
    const struct atm_cell_hdr h = { .vci = 50 };
    cr_assert_eq(aal5_seg_start(&s, &h, 0, p, sizeof p), 0);
    size_t n = aal5_seg_frame(&s, f, sizeof f);
    cr_assert_eq(aal5_reasm_input(k.r, 0, f, n, 0, NULL, NULL), 0);
    cr_assert_eq(aal5_seg_abort(&s, f), ATM_CELL_LEN);
    cr_assert(aal5_seg_done(&s));
    cr_assert_eq(aal5_reasm_input(k.r, 0, f, ATM_CELL_LEN, 0, NULL, NULL), 0);
    cr_assert_eq(k.ctr[AAL5_ABORTS], 1);
    cr_assert_eq(aal5_reasm_pending(k.r), 0);
    cr_assert_eq(aal5_reasm_held(k.r), 0);
    struct sk_cells c = sk_segment(p, 100, 0, 50, 0);
    cr_assert_eq(sk_feed_all(&k, &c), 1);
    free(c.b);
}

Test(aal5_sar, interleaved_vcs_and_links)
{
    static uint8_t a[3000], b[2000];
    sk_pattern(a, sizeof a, 3);
    sk_pattern(b, sizeof b, 4);
    struct sk_cells ca = sk_segment(a, sizeof a, 1, 100, 1);
    struct sk_cells cb = sk_segment(b, sizeof b, 1, 101, 2);
    struct sk_cells cc = sk_segment(b, sizeof b, 1, 100, 3); /* same VC as ca, other link */
    size_t most = ca.n;
    for (size_t i = 0; i < most; i++) {
        sk_feed(&k, &ca, i, i + 1, 1, 0, 0);
        if (i < cb.n)
            sk_feed(&k, &cb, i, i + 1, 1, 0, 0);
        if (i < cc.n)
            sk_feed(&k, &cc, i, i + 1, 1, 7, 0);
    }
    cr_assert_eq(k.n, 3);
    struct aal5_pdu_info info;
    for (int j = 0; j < 3; j++) {
        struct pktbuf *pdu = sk_take(&k, &info);
        const uint8_t *want = info.uu == 1 ? a : b;
        size_t wlen = info.uu == 1 ? sizeof a : sizeof b;
        cr_assert_eq(pdu->len, wlen);
        cr_assert(memcmp(pkt_data(pdu), want, wlen) == 0);
        cr_assert_eq(info.link, info.uu == 3 ? 7u : 0u);
        pkt_free(pdu);
    }
    free(ca.b);
    free(cb.b);
    free(cc.b);
}

Test(aal5_sar, headroom_is_kept_and_limits_the_largest_payload)
{
    /* A reassembler with 4 bytes of headroom: 65531 bytes fit a 65535-byte block, 65532 do not. */
    sk_teardown(&k);
    struct aal5_reasm_params p = sk_params();
    p.headroom = 4;
    p.max_payload = 65531;
    sk_setup(&k, p, 64, 4);
    static uint8_t b[AAL5_MAX_PAYLOAD];
    sk_pattern(b, sizeof b, 5);
    const uint32_t lens[] = { 1, 1900, 65531, 65532, 65535 };
    for (unsigned i = 0; i < 5; i++) {
        struct sk_cells c = sk_segment(b, lens[i], 0, 32, 0);
        int got = sk_feed_all(&k, &c);
        free(c.b);
        cr_assert_eq(got, lens[i] <= 65531 ? 1 : 0, "length %u", lens[i]);
        if (got) {
            struct pktbuf *pdu = sk_take(&k, NULL);
            cr_assert_geq(pkt_headroom(pdu), 4);
            cr_assert_eq(pdu->len, lens[i]);
            cr_assert(memcmp(pkt_data(pdu), b, lens[i]) == 0);
            pkt_free(pdu);
        }
    }
    cr_assert_eq(k.ctr[AAL5_OVERSIZE], 2);
}
