/* Unit tests of kernel/pktbuf.c. */
#include <criterion/criterion.h>
#include "testkit.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

TestSuite(pktbuf, .init = testkit_init);

Test(pktbuf, alloc_free_counts_and_low_water)
{
    struct pktpool *pool = pktpool_create("t", 4, 256, NULL, NULL);
    struct pktbuf *a = pkt_alloc(pool), *b = pkt_alloc(pool), *c = pkt_alloc(pool),
                  *d = pkt_alloc(pool);
    cr_assert(a && b && c && d);
    cr_assert_null(pkt_alloc(pool));
    struct pktpool_stats st;
    pktpool_get_stats(pool, &st);
    cr_assert_eq(st.out, 4);
    cr_assert_eq(st.low_water, 0);
    cr_assert_eq(st.alloc_fails, 1);
    cr_assert_not(pktpool_all_full());
    cr_assert_eq(pktpool_destroy(pool), -KE_AGAIN, "a pool with buffers out is not destroyed");
    pkt_free(a);
    pkt_free(b);
    pkt_free(c);
    cr_assert(pkt_writable(d), "the only reference may write");
    pkt_ref(d);
    cr_assert_not(pkt_writable(d), "a shared buffer must not be written");
    pkt_free(d);
    cr_assert_eq(pktpool_out(pool), 1, "one reference still held");
    cr_assert(pkt_writable(d), "back to one holder");
    pkt_free(d);
    cr_assert(pktpool_all_full());
    cr_assert_eq(pktpool_destroy(pool), 0);
}

Test(pktbuf, push_pull_append_trim_respect_bounds)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    cr_assert_eq(p->data_off, PKT_HEADROOM);
    cr_assert_eq(pkt_headroom(p), PKT_HEADROOM);
    cr_assert_not_null(pkt_append(p, 100));
    cr_assert_eq(p->len, 100);
    cr_assert_not_null(pkt_push(p, 14));
    cr_assert_eq(p->len, 114);
    cr_assert_null(pkt_push(p, PKT_HEADROOM), "headroom exhausted");
    cr_assert_eq(p->len, 114, "failed push changes nothing");
    cr_assert_not_null(pkt_pull(p, 14));
    cr_assert_null(pkt_pull(p, 101));
    cr_assert_eq(pkt_trim(p, 60), 0);
    cr_assert_eq(pkt_trim(p, 61), -KE_RANGE);
    cr_assert_null(pkt_append(p, (uint16_t)(pkt_tailroom(p) + 1)));
    pkt_free(p);
    cr_assert(testkit_pool_full());
}

Test(pktbuf, layers_survive_push_and_copy_shifts_them)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    uint8_t *d = pkt_append(p, 40);
    for (int i = 0; i < 40; i++)
        d[i] = (uint8_t)i;
    pkt_set_layer(p, PKT_L3);
    pkt_pull(p, 20);
    pkt_set_layer(p, PKT_L4);
    pkt_push(p, 20);
    cr_assert_eq(pkt_layer_ptr(p, PKT_L4)[0], 20);
    cr_assert_eq(pkt_layer_len(p, PKT_L4), 20);
    cr_assert_null(pkt_layer_ptr(p, PKT_L5));
    struct pktbuf *c = pkt_copy(pktpool_default(), p);
    cr_assert_not_null(c);
    cr_assert_eq(c->len, 40);
    cr_assert_eq(pkt_layer_ptr(c, PKT_L4)[0], 20);
    cr_assert_eq(memcmp(pkt_data(c), pkt_data(p), 40), 0);
    pkt_free(c);
    pkt_free(p);
    cr_assert(testkit_pool_full());
}

Test(pktbuf, unshare_keeps_a_writable_buffer)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    pkt_append(p, 10);
    cr_assert_eq(pkt_unshare(p), p, "the only reference: the same buffer");
    cr_assert_eq(p->refcnt, 1);
    cr_assert_eq(pktpool_out(pktpool_default()), 1, "nothing copied");
    pkt_free(p);
    cr_assert(testkit_pool_full());
}

/* A shared buffer of @pool holding bytes 0..len-1 with L3 at its data start. */
static struct pktbuf *shared_buffer(struct pktpool *pool, uint16_t len)
{
    struct pktbuf *p = pkt_alloc(pool);
    cr_assert_not_null(p);
    uint8_t *d = pkt_append(p, len);
    for (uint16_t i = 0; i < len; i++)
        d[i] = (uint8_t)i;
    pkt_set_layer(p, PKT_L3);
    p->ifindex = 3;
    return pkt_ref(p);
}

Test(pktbuf, unshare_copies_a_shared_buffer_into_its_own_pool)
{
    struct pktpool *pool = pktpool_create("own", 2, 256, NULL, NULL);
    struct pktbuf *p = shared_buffer(pool, 40);
    struct pktbuf *c = pkt_unshare(p);
    cr_assert_not_null(c);
    cr_assert_neq(c, p);
    cr_assert_eq(c->pool, pool, "copied into the buffer's own pool");
    cr_assert(pkt_writable(c));
    cr_assert_eq(p->refcnt, 1, "the caller's reference to the original was dropped");
    cr_assert_eq(c->len, 40);
    cr_assert_eq(memcmp(pkt_data(c), pkt_data(p), 40), 0);
    cr_assert_eq(pkt_layer_ptr(c, PKT_L3), pkt_data(c));
    cr_assert_eq(c->ifindex, 3);
    pkt_data(c)[0] = 0xee;
    cr_assert_eq(pkt_data(p)[0], 0, "the other holder's bytes are untouched");
    pkt_free(c);
    pkt_free(p);
    cr_assert(testkit_pool_full());
    cr_assert_eq(pktpool_destroy(pool), 0);
}

Test(pktbuf, unshare_falls_back_to_the_default_pool_then_fails_cleanly)
{
    struct pktpool *pool = pktpool_create("own", 1, 256, NULL, NULL);
    struct pktbuf *p = shared_buffer(pool, 40);
    struct pktbuf *c = pkt_unshare(p);
    cr_assert_not_null(c);
    cr_assert_eq(c->pool, pktpool_default(), "own pool empty: the default pool");
    cr_assert_eq(memcmp(pkt_data(c), pkt_data(p), 40), 0);
    cr_assert_eq(p->refcnt, 1);
    pkt_free(c);

    /* Neither pool has a buffer: NULL, and the caller's reference is gone. */
    struct pktpool *saved = pktpool_default();
    struct pktpool *empty = pktpool_create("empty", 1, 256, NULL, NULL);
    struct pktbuf *hold = pkt_alloc(empty);
    pktpool_set_default(empty);
    pkt_ref(p);
    cr_assert_null(pkt_unshare(p));
    cr_assert_eq(p->refcnt, 1, "the reference was dropped on failure too");
    pktpool_set_default(saved);
    pkt_free(hold);
    pkt_free(p);
    cr_assert(testkit_pool_full());
    cr_assert_eq(pktpool_destroy(empty), 0);
    cr_assert_eq(pktpool_destroy(pool), 0);
}
