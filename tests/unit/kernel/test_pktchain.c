/*
 * tests/unit/kernel/test_pktchain.c — chained buffers (kernel/pktbuf.h
 * pkt_chain): one shared payload behind many header buffers, the chain
 * freed with its head, linearised for ports that cannot gather, summed as
 * if contiguous.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "testkit.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"

static struct pktbuf *filled(const char *text)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    cr_assert_not_null(p);
    size_t n = strlen(text);
    memcpy(pkt_append(p, (uint16_t)n), text, n);
    return p;
}

TestSuite(pktchain, .init = testkit_init);

Test(pktchain, many_heads_share_one_payload_and_free_it_with_the_last)
{
    struct pktbuf *payload = filled("shared payload");
    struct pktbuf *h[3];
    for (unsigned i = 0; i < 3; i++) {
        h[i] = filled("hdr");
        cr_assert_eq(pkt_chain(h[i], pkt_ref(payload)), 0);
        cr_assert_eq(pkt_total_len(h[i]), 3 + 14);
    }
    pkt_free(payload); /* the sender's own reference */
    cr_assert_eq(payload->refcnt, 3, "one reference per head");
    pkt_free(h[0]);
    pkt_free(h[1]);
    cr_assert_eq(payload->refcnt, 1);
    cr_assert_not(pktpool_all_full());
    pkt_free(h[2]);
    cr_assert(pktpool_all_full(), "the last head frees the payload");
}

Test(pktchain, linearize_copies_every_segment_in_order)
{
    struct pktbuf *p = filled("ab");
    cr_assert_eq(pkt_chain(p, filled("cde")), 0);
    cr_assert_eq(pkt_chain(p, filled("f")), 0);
    uint16_t off = p->data_off;
    struct pktbuf *l = pkt_linearize(p, NULL);
    cr_assert_not_null(l);
    cr_assert_null(l->frag);
    cr_assert_eq(l->len, 6);
    cr_assert_eq(l->data_off, off, "the headroom is kept");
    cr_assert_arr_eq(pkt_data(l), "abcdef", 6);
    pkt_free(l);
    cr_assert(pktpool_all_full());
    struct pktbuf *one = filled("x");
    cr_assert_eq(pkt_linearize(one, NULL), one, "a single segment is itself");
    pkt_free(one);
}

Test(pktchain, sum_equals_the_sum_of_the_contiguous_bytes_at_any_split)
{
    const char *text = "0123456789abcdefghijklmnopqrstuvwxyz!";
    size_t n = strlen(text);
    uint32_t want = inet_csum_fold(inet_csum_add(0, text, n));
    for (size_t a = 0; a <= n; a++) {
        for (size_t b = a; b <= n; b += 3) {
            char s1[64] = "", s2[64] = "", s3[64] = "";
            memcpy(s1, text, a);
            memcpy(s2, text + a, b - a);
            memcpy(s3, text + b, n - b);
            struct pktbuf *p = filled(s1);
            cr_assert_eq(pkt_chain(p, filled(s2)), 0);
            cr_assert_eq(pkt_chain(p, filled(s3)), 0);
            cr_assert_eq(inet_csum_fold(pkt_sum(p, 0, (uint32_t)n)), want, "split %zu/%zu", a, b);
            uint32_t tail = inet_csum_fold(inet_csum_add(0, text + 5, n - 5));
            if (n > 5 && (5 % 2) == 0)
                cr_assert_eq(inet_csum_fold(pkt_sum(p, 5, (uint32_t)(n - 5))), tail);
            pkt_free(p);
        }
    }
    cr_assert(pktpool_all_full());
}

Test(pktchain, a_chain_longer_than_65535_bytes_is_refused)
{
    struct pktbuf *p = filled("h");
    p->len = 0xffff - 1; /* as if filled to its limit */
    struct pktbuf *q = filled("xy");
    cr_assert_eq(pkt_chain(p, q), -KE_TOOBIG);
    cr_assert_null(p->frag, "nothing chained");
    p->len = 1;
    pkt_free(q);
    pkt_free(p);
    cr_assert(pktpool_all_full());
}

Test(pktchain, a_copy_shares_the_chain)
{
    struct pktbuf *p = filled("hdr");
    struct pktbuf *payload = filled("payload");
    cr_assert_eq(pkt_chain(p, payload), 0);
    struct pktbuf *c = pkt_copy(pktpool_default(), p);
    cr_assert_not_null(c);
    cr_assert_eq(c->frag, payload);
    cr_assert_eq(payload->refcnt, 2);
    pkt_free(p);
    pkt_free(c);
    cr_assert(pktpool_all_full());
}
