/* Unit tests of drivers/loop and netgraph/netif. */
#include <criterion/criterion.h>
#include "testkit.h"
#include "drivers/loop/loop.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

TestSuite(loop, .init = testkit_init);

static int seen;
static int count(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    seen += p->len;
    return KH_PASS;
}

Test(loop, joined_ports_carry_frames_and_netif_counts_them)
{
    const uint8_t ma[6] = { 2, 0, 0, 0, 0, 1 }, mb[6] = { 2, 0, 0, 0, 0, 2 };
    struct netif *a = testkit_netif("a", ma, "10.0.0.1/24");
    struct netif *b = testkit_netif("b", mb, NULL);
    loop_join(a->port, b->port);
    cr_assert_eq(dev_PacketArrived_install(count, NULL, NULL, NULL, NULL), 0);
    struct pktbuf *p = pkt_alloc(pktpool_default());
    memset(pkt_append(p, 60), 0xab, 60);
    cr_assert_eq(netif_transmit(a, p), 0);
    cr_assert_eq(a->ctr[NETIF_TX_FRAMES], 1);
    struct pktbuf *rx[4];
    cr_assert_eq(b->port->ops->rx_burst(b->port, rx, 4), 1);
    netif_input(b, rx[0]);
    cr_assert_eq(seen, 60);
    cr_assert_eq(b->ctr[NETIF_RX_BYTES], 60);
    cr_assert(netif_local_addr(testkit_ip("10.0.0.1"), NULL));
    cr_assert(netif_bcast_addr(testkit_ip("10.0.0.255")));
    cr_assert_not(netif_bcast_addr(testkit_ip("10.0.1.255")));
    cr_assert_eq(netif_add_addr(a, testkit_ip("10.0.0.1"), 24), -KE_EXIST);
    netif_destroy_all();
    cr_assert(testkit_pool_full());
}

Test(loop, unjoined_port_queues_transmissions_for_the_test)
{
    const uint8_t m[6] = { 2, 0, 0, 0, 0, 1 };
    struct netif *a = testkit_netif("a", m, NULL);
    for (int i = 0; i < 3; i++) {
        struct pktbuf *p = pkt_alloc(pktpool_default());
        pkt_append(p, (uint16_t)(60 + i));
        netif_transmit(a, p);
    }
    cr_assert_eq(testkit_sent_count(a), 3);
    struct pktbuf *first = testkit_sent(a);
    cr_assert_eq(first->len, 60);
    pkt_free(first);
    cr_assert_eq(testkit_drain(a), 2);
    cr_assert(testkit_pool_full());
}
