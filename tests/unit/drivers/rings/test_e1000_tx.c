/*
 * tests/unit/drivers/rings/test_e1000_tx.c — 8254x transmit of chained
 * frames and checksum offload (drivers/e1000/e1000_ring.c
 * e1000_tx_post_frame, e1000_tx_csum_ctx) against a model of the device's
 * transmit side as the 8254x SDM (3.3.3 legacy, 3.3.6 context, 3.3.7 data
 * descriptors) describes it and QEMU's e1000 implements it: descriptors are
 * gathered until EOP, a context descriptor is remembered for the following
 * packets, POPTS.TXSM has the one's-complement sum from TUCSS to the end
 * stored at TUCSO.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/e1000/e1000_ring.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

/* A ring, its memory and the device model's state. */
struct tx_model {
    struct e1000_ring r;
    uint8_t *mem;
    void **cookie;
    uint16_t head;           /* the device's TDH */
    struct e1000_tx_ctx ctx; /* the context it holds */
    uint8_t frame[4096];     /* the packet being gathered */
    size_t len;
    uint8_t popts;         /* from the packet's first data descriptor */
    uint8_t sent[8][4096]; /* frames put on the wire */
    size_t sent_len[8];
    unsigned nsent;
};

static uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)load_le32(p) | (uint64_t)load_le32(p + 4) << 32;
}

static void model_make(struct tx_model *m, uint16_t count)
{
    memset(m, 0, sizeof *m);
    m->mem = aligned_alloc(128, (size_t)count * E1000_DESC_BYTES);
    m->cookie = calloc(count, sizeof(void *));
    cr_assert(m->mem && m->cookie);
    cr_assert_eq(e1000_ring_init(&m->r, m->mem, m->cookie, count), 0);
}

static void model_free(struct tx_model *m)
{
    free(m->mem);
    free(m->cookie);
}

static uint8_t *mdesc(struct tx_model *m, uint16_t i)
{
    return m->mem + (size_t)i * E1000_DESC_BYTES;
}

/* The device processes every descriptor up to the software tail (TDT). */
static void model_run(struct tx_model *m)
{
    while (m->head != m->r.tail) {
        uint8_t *d = mdesc(m, m->head);
        uint32_t lower = load_le32(d + 8);
        uint8_t cmd = (uint8_t)(lower >> 24);
        bool dext = cmd & E1000_TXD_CMD_DEXT;
        unsigned dtyp = (lower >> 20) & 0xfu;
        if (dext && dtyp == E1000_TXD_DTYP_CONTEXT) {
            m->ctx.ipcss = d[E1000_TCD_IPCSS];
            m->ctx.tucss = d[E1000_TCD_TUCSS];
            m->ctx.tucso = d[E1000_TCD_TUCSO];
            m->ctx.tucse = load_le16(d + E1000_TCD_TUCSE);
        } else {
            uint16_t len = dext ? (uint16_t)(lower & 0xffffu) : load_le16(d + E1000_TXD_LENGTH);
            const uint8_t *src = (const uint8_t *)(uintptr_t)load_le64(d);
            if (m->len == 0)
                m->popts = dext ? d[E1000_TDD_POPTS] : 0;
            cr_assert_leq(m->len + len, sizeof m->frame);
            memcpy(m->frame + m->len, src, len);
            m->len += len;
            if (cmd & E1000_TXD_CMD_EOP) {
                if (m->popts & E1000_POPTS_TXSM) {
                    size_t end = m->ctx.tucse ? m->ctx.tucse + 1u : m->len;
                    uint16_t sum = inet_csum_fold(
                        inet_csum_add(0, m->frame + m->ctx.tucss, end - m->ctx.tucss));
                    store_be16(m->frame + m->ctx.tucso, sum);
                }
                cr_assert_lt(m->nsent, 8);
                memcpy(m->sent[m->nsent], m->frame, m->len);
                m->sent_len[m->nsent++] = m->len;
                m->len = 0;
            }
        }
        if (cmd & E1000_TXD_CMD_RS)
            d[E1000_TXD_STATUS] |= E1000_TXD_STAT_DD;
        m->head = (uint16_t)((m->head + 1u) % m->r.count);
    }
}

/* The cookies the ring gives back, in order, with NULL for descriptors that carry none. */
static unsigned reap(struct tx_model *m, void **out, unsigned max)
{
    unsigned k = 0;
    while (e1000_tx_done(&m->r)) {
        void *c = e1000_tx_take(&m->r, NULL);
        if (c != NULL && k < max)
            out[k++] = c;
    }
    return k;
}

static struct e1000_tx_seg seg_of(const void *p, uint16_t len)
{
    return (struct e1000_tx_seg){ (uint64_t)(uintptr_t)p, len };
}

Test(e1000_tx, chained_frame_goes_out_whole_and_comes_back_once)
{
    struct tx_model m;
    model_make(&m, 16);
    uint8_t hdr[42], pay1[300], pay2[7];
    for (size_t i = 0; i < sizeof hdr; i++)
        hdr[i] = (uint8_t)i;
    memset(pay1, 0xA1, sizeof pay1);
    memset(pay2, 0xB2, sizeof pay2);
    struct e1000_tx_seg seg[3] = { seg_of(hdr, 42), seg_of(pay1, 300), seg_of(pay2, 7) };
    int tok;
    cr_assert_eq(e1000_tx_post_frame(&m.r, seg, 3, NULL, 0, 0, &tok), 0);
    cr_assert_eq(m.r.used, 3, "one legacy descriptor per segment");
    for (uint16_t i = 0; i < 3; i++) {
        uint8_t cmd = mdesc(&m, i)[E1000_TXD_CMD];
        cr_assert(cmd & E1000_TXD_CMD_RS, "every descriptor is written back");
        cr_assert_not(cmd & E1000_TXD_CMD_DEXT, "legacy without offload");
        cr_assert_eq(!!(cmd & E1000_TXD_CMD_EOP), i == 2, "EOP on the last only (SDM 3.3.3)");
        cr_assert_eq(!!(cmd & E1000_TXD_CMD_IFCS), i == 2);
    }
    model_run(&m);
    cr_assert_eq(m.nsent, 1);
    cr_assert_eq(m.sent_len[0], 349);
    cr_assert_arr_eq(m.sent[0], hdr, 42);
    cr_assert_arr_eq(m.sent[0] + 42, pay1, 300);
    cr_assert_arr_eq(m.sent[0] + 342, pay2, 7);
    void *back[4];
    cr_assert_eq(reap(&m, back, 4), 1, "the frame's cookie once, on its last descriptor");
    cr_assert_eq(back[0], &tok);
    cr_assert_eq(m.r.used, 0);
    model_free(&m);
}

Test(e1000_tx, a_frame_that_does_not_fit_leaves_the_ring_untouched)
{
    struct tx_model m;
    model_make(&m, 8);
    uint8_t b[64] = { 0 };
    struct e1000_tx_seg seg[4] = { seg_of(b, 16), seg_of(b, 16), seg_of(b, 16), seg_of(b, 16) };
    int tok[3];
    cr_assert_eq(e1000_tx_post_frame(&m.r, seg, 4, NULL, 0, 0, &tok[0]), 0);
    cr_assert_eq(e1000_ring_space(&m.r), 3);
    cr_assert_eq(e1000_tx_post_frame(&m.r, seg, 4, NULL, 0, 0, &tok[1]), -KE_AGAIN);
    struct e1000_tx_ctx ctx;
    cr_assert_eq(e1000_tx_csum_ctx(34, 6, &ctx), 0);
    cr_assert_eq(e1000_tx_post_frame(&m.r, seg, 3, &ctx, E1000_POPTS_TXSM, 0, &tok[1]), -KE_AGAIN,
                 "a context needs its own descriptor");
    cr_assert_eq(m.r.used, 4);
    cr_assert_eq(m.r.tail, 4, "nothing half-queued");
    cr_assert_eq(e1000_tx_post_frame(&m.r, seg, 3, NULL, 0, 0, &tok[2]), 0);
    model_free(&m);
}

Test(e1000_tx, argument_checks)
{
    struct tx_model m;
    model_make(&m, 8);
    uint8_t b[64] = { 0 };
    int tok;
    struct e1000_tx_seg zero = seg_of(b, 0);
    struct e1000_tx_seg big = { (uint64_t)(uintptr_t)b, E1000_TX_MAX_LEN + 1 };
    struct e1000_tx_seg ok = seg_of(b, 60);
    cr_assert_eq(e1000_tx_post_frame(&m.r, &ok, 0, NULL, 0, 0, &tok), -KE_INVAL);
    cr_assert_eq(e1000_tx_post_frame(&m.r, &zero, 1, NULL, 0, 0, &tok), -KE_INVAL);
    cr_assert_eq(e1000_tx_post_frame(&m.r, &big, 1, NULL, 0, 0, &tok), -KE_INVAL,
                 "legacy descriptors carry at most 16288 bytes");
    cr_assert_eq(e1000_tx_post_frame(&m.r, &ok, 1, NULL, 0, 0, NULL), -KE_INVAL);
    cr_assert_eq(e1000_tx_post_frame(&m.r, &ok, 1, NULL, 0, E1000_TXD_CMD_DEXT, &tok), -KE_INVAL);
    cr_assert_eq(m.r.used, 0);
    struct e1000_tx_ctx ctx;
    cr_assert_eq(e1000_tx_csum_ctx(256, 6, &ctx), -KE_RANGE);
    cr_assert_eq(e1000_tx_csum_ctx(250, 6, &ctx), -KE_RANGE, "TUCSO is 8 bits too");
    cr_assert_eq(e1000_tx_csum_ctx(249, 6, &ctx), 0);
    cr_assert_eq(ctx.tucss, 249);
    cr_assert_eq(ctx.tucso, 255);
    model_free(&m);
}

Test(e1000_tx, context_and_data_descriptor_layout)
{
    struct tx_model m;
    model_make(&m, 8);
    uint8_t b[64] = { 0 };
    struct e1000_tx_ctx ctx;
    cr_assert_eq(e1000_tx_csum_ctx(34, 16, &ctx), 0);
    struct e1000_tx_seg seg = { 0x1122334455667788ull, 0x0123 };
    (void)b;
    int tok;
    cr_assert_eq(
        e1000_tx_post_frame(&m.r, &seg, 1, &ctx, E1000_POPTS_TXSM, E1000_TXD_CMD_IDE, &tok), 0);
    const uint8_t want_ctx[16] = { 0, 0, 0, 0, 34, 50, 0, 0, 0, 0, 0x00, 0x20 | 0x08 | 0x80,
                                   0, 0, 0, 0 };
    cr_assert_arr_eq(mdesc(&m, 0), want_ctx, 16,
                     "TUCSS 34, TUCSO 50, TUCSE 0; DTYP 0, DEXT|RS|IDE");
    const uint8_t want_data[16] = { 0x88, 0x77,
                                    0x66, 0x55,
                                    0x44, 0x33,
                                    0x22, 0x11,
                                    0x23, 0x01,
                                    0x10, 0x20 | 0x08 | 0x80 | 0x01 | 0x02,
                                    0,    E1000_POPTS_TXSM,
                                    0,    0 };
    cr_assert_arr_eq(mdesc(&m, 1), want_data, 16,
                     "DTALEN, DTYP 1, DCMD DEXT|RS|IDE|EOP|IFCS, TXSM");
    model_free(&m);
}

/* A UDP/IPv4 frame in @f (header 42 bytes, then @pay bytes): the checksum
 * field holds the pseudo-header sum, as PKT_F_CSUM_PARTIAL leaves it. */
static size_t udp_partial(uint8_t *f, const uint8_t *pay, uint16_t paylen)
{
    memset(f, 0, 42);
    store_be16(f + 12, 0x0800);
    f[14] = 0x45;
    store_be16(f + 16, (uint16_t)(28 + paylen));
    f[23] = 17;
    const uint8_t src[4] = { 10, 1, 0, 2 }, dst[4] = { 10, 2, 0, 2 };
    memcpy(f + 26, src, 4);
    memcpy(f + 30, dst, 4);
    store_be16(f + 34, 40000);
    store_be16(f + 36, 7);
    store_be16(f + 38, (uint16_t)(8 + paylen));
    uint32_t ph = inet_csum_add(0, f + 26, 8) + 17u + (uint32_t)(8 + paylen);
    store_be16(f + 40, (uint16_t)~inet_csum_fold(ph)); /* the folded sum, not complemented */
    memcpy(f + 42, pay, paylen);
    return 42u + paylen;
}

/* True when the UDP checksum of frame @f (@len bytes) verifies (RFC 768, RFC 1071). */
static bool udp_ok(const uint8_t *f, size_t len)
{
    uint32_t sum = inet_csum_add(0, f + 26, 8) + 17u + (uint32_t)(len - 34);
    sum = inet_csum_add(sum, f + 34, len - 34);
    return inet_csum_fold(sum) == 0;
}

Test(e1000_tx, checksum_offload_completes_the_udp_checksum_across_segments)
{
    struct tx_model m;
    model_make(&m, 16);
    uint8_t pay[301];
    for (size_t i = 0; i < sizeof pay; i++)
        pay[i] = (uint8_t)(i * 7 + 3);
    uint8_t whole[400];
    size_t len = udp_partial(whole, pay, sizeof pay);
    cr_assert_not(udp_ok(whole, len), "a partial checksum does not verify yet");
    /* The header in one buffer, the payload (odd length) in two more. */
    struct e1000_tx_seg seg[3] = { seg_of(whole, 42), seg_of(whole + 42, 100),
                                   seg_of(whole + 142, 201) };
    struct e1000_tx_ctx ctx;
    cr_assert_eq(e1000_tx_csum_ctx(34, 6, &ctx), 0);
    int tok[2];
    cr_assert_eq(e1000_tx_post_frame(&m.r, seg, 3, &ctx, E1000_POPTS_TXSM, 0, &tok[0]), 0);
    /* A second frame reuses the context the device holds: no context descriptor. */
    cr_assert_eq(e1000_tx_post_frame(&m.r, seg, 3, NULL, E1000_POPTS_TXSM, 0, &tok[1]), 0);
    cr_assert_eq(m.r.used, 7);
    model_run(&m);
    cr_assert_eq(m.nsent, 2);
    for (unsigned i = 0; i < 2; i++) {
        cr_assert_eq(m.sent_len[i], len);
        cr_assert(udp_ok(m.sent[i], m.sent_len[i]), "frame %u: UDP checksum completed", i);
        cr_assert_arr_eq(m.sent[i] + 42, pay, sizeof pay);
    }
    void *back[4];
    cr_assert_eq(reap(&m, back, 4), 2);
    cr_assert_eq(back[0], &tok[0]);
    cr_assert_eq(back[1], &tok[1]);
    model_free(&m);
}

Test(e1000_tx, ctx_equal_compares_every_field)
{
    struct e1000_tx_ctx a, b;
    cr_assert_eq(e1000_tx_csum_ctx(34, 6, &a), 0);
    cr_assert_eq(e1000_tx_csum_ctx(34, 6, &b), 0);
    cr_assert(e1000_tx_ctx_equal(&a, &b));
    b.tucso = 50;
    cr_assert_not(e1000_tx_ctx_equal(&a, &b));
    b = a;
    b.mss = 1448;
    cr_assert_not(e1000_tx_ctx_equal(&a, &b));
}
