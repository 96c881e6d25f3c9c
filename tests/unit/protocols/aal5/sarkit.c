/* tests/unit/protocols/aal5/sarkit.c — see sarkit.h. */
#include "sarkit.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/klib.h"
#include "testkit.h"

static void sk_deliver(void *ctx, struct pktbuf *pdu, const struct aal5_pdu_info *info)
{
    struct sk *k = ctx;
    cr_assert_lt(k->n, SK_MAX_PDUS, "too many PDUs delivered");
    k->pdu[k->n] = pdu;
    k->info[k->n] = *info;
    k->n++;
}

struct aal5_reasm_params sk_params(void)
{
    return (struct aal5_reasm_params){
        .max_vcs = 8,
        .max_payload = AAL5_MAX_PAYLOAD,
        .max_bytes = 4 * 65535u,
        .timeout_ns = 1000000000ull,
        .headroom = 0,
    };
}

void sk_setup(struct sk *k, struct aal5_reasm_params p, unsigned nsmall, unsigned nbig)
{
    memset(k, 0, sizeof *k);
    k->small = nsmall ? pktpool_create("sk-small", nsmall, 2048, NULL, NULL) : NULL;
    k->big = pktpool_create("sk-big", nbig, 65535, NULL, NULL);
    cr_assert_not_null(k->big);
    p.small = k->small;
    p.big = k->big;
    p.ctr = k->ctr;
    k->r = aal5_reasm_create(&p);
    cr_assert_not_null(k->r);
}

void sk_teardown(struct sk *k)
{
    while (k->n > 0)
        pkt_free(sk_take(k, NULL));
    aal5_reasm_destroy(k->r);
    cr_assert(testkit_pool_full(), "a buffer leaked");
    if (k->small)
        cr_assert_eq(pktpool_destroy(k->small), 0);
    cr_assert_eq(pktpool_destroy(k->big), 0);
}

void sk_pattern(uint8_t *out, size_t len, unsigned seed)
{
    uint32_t x = 2463534242u ^ seed * 2654435761u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out[i] = (uint8_t)x;
    }
}

struct sk_cells sk_segment(const uint8_t *p, uint32_t len, uint8_t vpi, uint16_t vci, uint8_t uu)
{
    struct aal5_seg s;
    const struct atm_cell_hdr h = { .vpi = vpi, .vci = vci };
    cr_assert_eq(aal5_seg_start(&s, &h, uu, p, len), 0, "segment %u bytes", len);
    struct sk_cells c = { malloc((size_t)s.cells * ATM_CELL_LEN), s.cells };
    size_t off = 0, want = (size_t)s.cells * ATM_CELL_LEN;
    while (!aal5_seg_done(&s)) {
        size_t n = aal5_seg_frame(&s, c.b + off, want - off);
        cr_assert_gt(n, 0);
        off += n;
    }
    cr_assert_eq(off, want);
    return c;
}

struct sk_cells sk_craft(const uint8_t *p, uint32_t len, uint8_t vpi, uint16_t vci, uint8_t uu,
                         uint8_t cpi, uint16_t length_field, uint32_t ncells, uint32_t crc_xor)
{
    if (ncells == 0)
        ncells = AAL5_PDU_CELLS(len);
    size_t pdu_len = (size_t)ncells * ATM_PAYLOAD_LEN;
    cr_assert_geq(pdu_len, len + AAL5_TRAILER_LEN);
    uint8_t *pdu = calloc(1, pdu_len);
    memcpy(pdu, p, len);
    uint8_t *t = pdu + pdu_len - AAL5_TRAILER_LEN;
    t[0] = uu;
    t[1] = cpi;
    store_be16(t + 2, length_field);
    store_be32(t + 4, aal5_crc32(pdu, pdu_len - 4) ^ crc_xor);
    struct sk_cells c = { malloc((size_t)ncells * ATM_CELL_LEN), ncells };
    for (uint32_t i = 0; i < ncells; i++) {
        const struct atm_cell_hdr h = { .vpi = vpi,
                                        .vci = vci,
                                        .pti = i + 1 == ncells ? ATM_PTI_AUU : 0 };
        atm_hdr_encode(&h, c.b + (size_t)i * ATM_CELL_LEN);
        memcpy(c.b + (size_t)i * ATM_CELL_LEN + ATM_HDR_LEN, pdu + (size_t)i * ATM_PAYLOAD_LEN,
               ATM_PAYLOAD_LEN);
    }
    free(pdu);
    return c;
}

int sk_feed(struct sk *k, const struct sk_cells *c, size_t from, size_t to, unsigned per_frame,
            uint64_t link, uint64_t now)
{
    int total = 0;
    for (size_t i = from; i < to; i += per_frame) {
        size_t n = to - i < per_frame ? to - i : per_frame;
        int rc = aal5_reasm_input(k->r, link, c->b + i * ATM_CELL_LEN, n * ATM_CELL_LEN, now,
                                  sk_deliver, k);
        cr_assert_geq(rc, 0, "frame of %zu cells refused", n);
        total += rc;
    }
    return total;
}

int sk_input_frame(struct sk *k, const struct pktbuf *f, const uint8_t dst[6], const uint8_t src[6])
{
    const uint8_t *e = pkt_data(f);
    cr_assert_geq(f->len, 14 + ATM_CELL_LEN, "frame of %u bytes", f->len);
    cr_assert_arr_eq(e, dst, 6, "Ethernet destination");
    cr_assert_arr_eq(e + 6, src, 6, "Ethernet source");
    cr_assert_eq(load_be16(e + 12), AAL5_ETHERTYPE);
    cr_assert_leq(f->len - 14u, AAL5_FRAME_MAX, "more than 28 cells in a frame");
    int rc = aal5_reasm_input(k->r, 0, e + 14, f->len - 14u, 0, sk_deliver, k);
    cr_assert_geq(rc, 0, "frame of %u bytes is not whole cells", f->len);
    return rc;
}

size_t sk_frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], const struct sk_cells *c,
                size_t from, size_t n)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    store_be16(f + 12, AAL5_ETHERTYPE);
    memcpy(f + 14, c->b + from * ATM_CELL_LEN, n * ATM_CELL_LEN);
    return 14 + n * ATM_CELL_LEN;
}

int sk_feed_all(struct sk *k, const struct sk_cells *c)
{
    return sk_feed(k, c, 0, c->n, AAL5_CELLS_PER_FRAME, 0, 0);
}

struct pktbuf *sk_take(struct sk *k, struct aal5_pdu_info *info)
{
    cr_assert_gt(k->n, 0, "no PDU delivered");
    struct pktbuf *p = k->pdu[0];
    if (info)
        *info = k->info[0];
    k->n--;
    memmove(k->pdu, k->pdu + 1, k->n * sizeof k->pdu[0]);
    memmove(k->info, k->info + 1, k->n * sizeof k->info[0]);
    return p;
}

void sk_cell_hdr(struct sk_cells *c, size_t i, const struct atm_cell_hdr *h)
{
    atm_hdr_encode(h, c->b + i * ATM_CELL_LEN);
}

struct pktbuf *sk_big_buf(struct sk *k, const uint8_t *p, uint32_t len)
{
    struct pktbuf *b = pkt_alloc(k->big);
    cr_assert_not_null(b, "no big buffer");
    b->data_off = 0;
    memcpy(pkt_append(b, (uint16_t)len), p, len);
    return b;
}
