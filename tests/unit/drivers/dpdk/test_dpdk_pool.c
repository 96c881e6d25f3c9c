/*
 * tests/unit/drivers/dpdk/test_dpdk_pool.c — one pool for pktbufs and
 * rte_mbufs (drivers/dpdk/dpdk_pool.h): an mbuf DPDK takes from the
 * mempool is a pktbuf taken from the pktpool and the other way round,
 * over the same bytes; freeing either way returns the buffer to its own
 * pool; a bulk get is all or nothing; a buffer of another pool is sent
 * attached, its reference dropped when DPDK frees the mbuf; a pool closed
 * with a buffer out waits for it. Needs EAL (skipped where it cannot start).
 */
#include <criterion/criterion.h>
#include <string.h>

#include <rte_mbuf.h>

#include "drivers/dpdk/dpdk_pool.h"
#include "dpdkkit.h"

#define N 64u

static struct dpdk_pool *dp;

static void setup(void)
{
    char err[160];

    dpdkkit_eal();
    dp = dpdk_pool_create("t-pool", N, 2048, SOCKET_ID_ANY, err, sizeof(err));
    cr_assert_not_null(dp, "%s", err);
}

TestSuite(dpdk_pool, .init = setup, .timeout = 60);

Test(dpdk_pool, sizes_and_both_views_full)
{
    struct pktpool_stats st;

    cr_assert_eq(dp->block_size, RTE_PKTMBUF_HEADROOM + 2048);
    cr_assert_eq(rte_pktmbuf_data_room_size(dp->mp), dp->block_size);
    cr_assert_eq(rte_mempool_avail_count(dp->mp), N);
    pktpool_get_stats(dp->pool, &st);
    cr_assert_eq(st.count, N);
    cr_assert_eq(st.out, 0);
    cr_assert_eq(dpdk_pool_find(dp->pool), dp);
}

Test(dpdk_pool, mbuf_from_mempool_is_a_pktbuf_of_the_pool)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(dp->mp);
    struct pktbuf *p;

    cr_assert_not_null(m);
    cr_assert_eq(pktpool_out(dp->pool), 1);
    cr_assert_eq(rte_mempool_avail_count(dp->mp), N - 1);
    p = dpdk_mbuf_pkt(m);
    cr_assert_eq(p->pool, dp->pool);
    cr_assert_eq((void *)p->block, m->buf_addr, "the pktbuf and the mbuf share the block");
    cr_assert_eq(p->refcnt, 1);
    cr_assert_eq(m->data_off, RTE_PKTMBUF_HEADROOM);
    cr_assert_eq(dpdk_pool_of_mbuf(m), dp);
    /* bytes written through one view are the other's */
    memcpy(rte_pktmbuf_append(m, 4), "abcd", 4);
    cr_assert_eq(memcmp(p->block + m->data_off, "abcd", 4), 0);
    rte_pktmbuf_free(m);
    cr_assert_eq(pktpool_out(dp->pool), 0, "freeing the mbuf frees the pktbuf");
    cr_assert_eq(rte_mempool_avail_count(dp->mp), N);
}

Test(dpdk_pool, pktbuf_sent_as_mbuf_returns_when_dpdk_frees_it)
{
    struct pktbuf *p = pkt_alloc(dp->pool);
    struct rte_mbuf *m;

    cr_assert_not_null(p);
    memcpy(pkt_append(p, 60), "0123456789", 10);
    cr_assert_not_null(pkt_push(p, 2));
    m = dpdk_pool_tx_mbuf(dp, p);
    cr_assert_eq(m->buf_addr, (void *)p->block);
    cr_assert_eq(m->data_off, p->data_off);
    cr_assert_eq(m->data_len, 62);
    cr_assert_eq(m->pkt_len, 62);
    cr_assert_eq(m->nb_segs, 1);
    cr_assert_eq(dpdk_mbuf_pkt(m), p);
    cr_assert_eq(rte_pktmbuf_mtod(m, uint8_t *), pkt_data(p));
    cr_assert_eq(rte_mbuf_iova_get(m) - dp->iova, (rte_iova_t)(p->block - dp->base));
    rte_pktmbuf_free(m);
    cr_assert_eq(pktpool_out(dp->pool), 0);
}

Test(dpdk_pool, pktbuf_freed_by_the_graph_comes_back_as_a_fresh_mbuf)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(dp->mp), *again;
    struct pktbuf *p = dpdk_mbuf_pkt(m);

    /* the graph frees what a PMD received: no DPDK call on the way */
    m->nb_segs = 3;
    m->ol_flags |= RTE_MBUF_F_RX_VLAN;
    pkt_free(p);
    cr_assert_eq(pktpool_out(dp->pool), 0);
    again = rte_mbuf_raw_alloc(dp->mp); /* what a vector PMD refills with */
    cr_assert_eq(again, m, "the pool is a stack: the same block comes back");
    cr_assert_eq(again->nb_segs, 1);
    cr_assert_null(again->next);
    cr_assert_eq(rte_mbuf_refcnt_read(again), 1);
    cr_assert_eq(again->ol_flags, RTE_MBUF_F_EXTERNAL);
    rte_pktmbuf_free(again);
    cr_assert_eq(pktpool_out(dp->pool), 0);
}

Test(dpdk_pool, bulk_get_is_all_or_nothing)
{
    struct rte_mbuf *m[N + 1];

    cr_assert_neq(rte_pktmbuf_alloc_bulk(dp->mp, m, N + 1), 0);
    cr_assert_eq(pktpool_out(dp->pool), 0, "a failed bulk get takes nothing");
    cr_assert_eq(rte_pktmbuf_alloc_bulk(dp->mp, m, N), 0);
    cr_assert_eq(pktpool_out(dp->pool), N);
    cr_assert_null(pkt_alloc(dp->pool), "the pktpool is empty too");
    cr_assert_null(rte_pktmbuf_alloc(dp->mp));
    rte_pktmbuf_free_bulk(m, N);
    cr_assert_eq(pktpool_out(dp->pool), 0);
}

Test(dpdk_pool, other_pools_buffer_is_attached_and_its_reference_dropped)
{
    struct pktpool *plain = pktpool_create("t-plain", 4, PKT_BLOCK_SIZE, NULL, NULL);
    struct rte_mempool *wmp = dpdk_wrap_pool_create("t-wrap", 8, SOCKET_ID_ANY);
    struct pktbuf *p;
    struct rte_mbuf *m;

    cr_assert_not_null(plain);
    cr_assert_not_null(wmp);
    p = pkt_alloc(plain);
    memcpy(pkt_append(p, 100), "payload", 7);
    m = dpdk_wrap(wmp, p, (rte_iova_t)(uintptr_t)p->block);
    cr_assert_not_null(m);
    cr_assert_eq(p->refcnt, 2, "the mbuf holds a reference of its own");
    cr_assert(RTE_MBUF_HAS_EXTBUF(m));
    cr_assert_eq(rte_pktmbuf_mtod(m, uint8_t *), pkt_data(p), "no copy");
    cr_assert_eq(m->pkt_len, 100);
    rte_pktmbuf_free(m);
    cr_assert_eq(p->refcnt, 1, "freeing the mbuf dropped its reference only");
    cr_assert_eq(rte_mempool_avail_count(wmp), 8);
    pkt_free(p);
    cr_assert_eq(pktpool_out(plain), 0);
    rte_mempool_free(wmp);
}

Test(dpdk_pool, destroy_waits_for_a_buffer_out)
{
    struct pktbuf *p = pkt_alloc(dp->pool);

    cr_assert_eq(dpdk_pool_destroy(dp), -KE_AGAIN);
    cr_assert_eq(dpdk_pool_find(dp->pool), dp, "kept, still known");
    cr_assert_eq(dpdk_pool_reap(), 1);
    pkt_free(p);
    cr_assert_eq(dpdk_pool_reap(), 0);
    cr_assert(pktpool_all_full());
}

Test(dpdk_pool, destroy_when_full)
{
    struct pktpool *pool = dp->pool;

    cr_assert_eq(dpdk_pool_destroy(dp), 0);
    cr_assert_null(dpdk_pool_find(pool));
}
