/*
 * Unit tests of the interface transmit queue (netgraph/netif.c): a device
 * whose ring is full keeps nothing it did not take (DPDK tx_burst
 * semantics) and the interface holds the rest, in order, bounded.
 */
#include <criterion/criterion.h>
#include "testkit.h"
#include "drivers/loop/loop.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

TestSuite(txq, .init = testkit_init);

static struct pktbuf *frame(struct pktpool *pool, uint8_t marker)
{
    struct pktbuf *p = pkt_alloc(pool);
    cr_assert_not_null(p);
    memset(pkt_append(p, 60), marker, 60);
    return p;
}

Test(txq, full_ring_queues_in_order_and_drains_when_space_frees)
{
    const uint8_t m[6] = { 2, 0, 0, 0, 0, 1 };
    struct netif *a = testkit_netif("a", m, NULL);
    loop_set_tx_limit(a->port, 2);
    for (uint8_t i = 1; i <= 5; i++)
        cr_assert_eq(netif_transmit(a, frame(pktpool_default(), i)), 0);
    cr_assert_eq(testkit_sent_count(a), 2, "the ring took two");
    cr_assert_eq(a->ctr[NETIF_TX_QUEUED], 3);
    cr_assert_eq(a->ctr[NETIF_TX_DROPPED], 0);
    cr_assert_eq(netif_tx_flush_all(), 3, "still no room");
    uint8_t expect = 1;
    while (expect <= 5) {
        struct pktbuf *p = testkit_sent(a);
        cr_assert_not_null(p, "frame %u missing", expect);
        cr_assert_eq(pkt_data(p)[0], expect, "frames leave in the order they were sent");
        pkt_free(p);
        expect++;
        netif_tx_flush_all(); /* a slot freed: the oldest waiting frame goes */
    }
    cr_assert_eq(netif_tx_flush_all(), 0);
    cr_assert_eq(a->ctr[NETIF_TX_FRAMES], 5);
    cr_assert(testkit_pool_full());
}

Test(txq, queue_is_bounded_and_frees_what_it_drops)
{
    const uint8_t m[6] = { 2, 0, 0, 0, 0, 1 };
    struct netif *a = testkit_netif("a", m, NULL);
    struct pktpool *big = pktpool_create("txq", NETIF_TXQ_MAX + 16, 256, NULL, NULL);
    loop_set_tx_limit(a->port, 1);
    cr_assert_eq(netif_transmit(a, frame(big, 0)), 0); /* fills the ring */
    for (unsigned i = 0; i < NETIF_TXQ_MAX; i++)
        cr_assert_eq(netif_transmit(a, frame(big, 1)), 0);
    cr_assert_eq(netif_transmit(a, frame(big, 2)), -KE_AGAIN, "queue full: drop-tail");
    cr_assert_eq(a->ctr[NETIF_TX_DROPPED], 1);
    cr_assert_eq(pktpool_out(big), NETIF_TXQ_MAX + 1, "the dropped frame went back to its pool");
    netif_destroy_all(); /* frees every waiting frame */
    cr_assert(testkit_pool_full());
}

Test(txq, a_new_frame_never_overtakes_waiting_ones)
{
    const uint8_t m[6] = { 2, 0, 0, 0, 0, 1 };
    struct netif *a = testkit_netif("a", m, NULL);
    loop_set_tx_limit(a->port, 1);
    netif_transmit(a, frame(pktpool_default(), 1));
    netif_transmit(a, frame(pktpool_default(), 2)); /* waits */
    struct pktbuf *p = testkit_sent(a);             /* a slot frees */
    pkt_free(p);
    netif_transmit(a, frame(pktpool_default(), 3)); /* must queue behind 2, not go first */
    p = testkit_sent(a);
    cr_assert_null(p, "3 went out before 2");
    netif_tx_flush_all();
    p = testkit_sent(a);
    cr_assert_not_null(p);
    cr_assert_eq(pkt_data(p)[0], 2);
    pkt_free(p);
    netif_tx_flush_all();
    p = testkit_sent(a);
    cr_assert_eq(pkt_data(p)[0], 3);
    pkt_free(p);
    cr_assert(testkit_pool_full());
}
