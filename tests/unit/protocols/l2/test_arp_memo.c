/*
 * tests/unit/protocols/l2/test_arp_memo.c — what arp_output remembers of
 * the last next hop (protocols/arp/arp.c, arp_cache.c): that it is unicast,
 * and its cache entry. Each test sends to a next hop once so that it is
 * remembered, changes what the answer depends on -- an address added, the
 * entry flushed, re-learnt with another MAC, evicted and its slot reused --
 * and checks that the next packet goes where RFC 826 and RFC 1122 3.3.6
 * say it should now.
 */
#include <criterion/criterion.h>

#include "l2kit.h"
#include "kernel/kerr.h"
#include "protocols/arp/arp.h"
#include "protocols/ether/ether.h"

static struct netif *ifp;
static uint32_t our_ip, peer_ip;

static void setup(void)
{
    l2_arp_up(&ifp, &our_ip, &peer_ip);
}

TestSuite(arp_memo, .init = setup, .fini = l2_arp_down);

/* learn - the peer @ip announces itself at @mac (a request for us; our reply is dropped). */
static void learn(uint32_t ip, const uint8_t mac[6])
{
    uint8_t f[60];
    struct l2_arp a = l2_arp_default(1, mac, ip, L2_ZERO_MAC, our_ip);
    size_t n = l2_arp_frame(f, L2_BCAST, &a);
    testkit_inject(ifp, f, n);
    cr_assert_eq(testkit_drain(ifp), 1, "our reply");
}

/* The next frame sent: to Ethernet @dst; an ARP request when @arp, else the IPv4 @marker. */
static void expect_frame(const uint8_t dst[6], bool arp, uint8_t marker)
{
    struct pktbuf *f = testkit_sent(ifp);
    cr_assert_not_null(f, "a frame sent");
    const uint8_t *d = pkt_data(f);
    cr_assert_arr_eq(d, dst, 6, "Ethernet destination");
    cr_assert_eq(load_be16(d + 12), arp ? ETHERTYPE_ARP : ETHERTYPE_IPV4);
    if (!arp)
        cr_assert_eq(d[14], marker);
    pkt_free(f);
}

Test(arp_memo, a_next_hop_that_becomes_a_directed_broadcast_is_broadcast)
{
    uint32_t hop = testkit_ip("10.0.1.255"); /* unicast while 10.0.1.0/24 is not ours */
    cr_assert_eq(arp_output(ifp, hop, l2_ip_packet(1)), 0);
    expect_frame(L2_BCAST, true, 0); /* the request for it; the packet waits */
    cr_assert_eq(netif_add_addr(ifp, testkit_ip("10.0.1.1"), 24), 0);
    cr_assert_eq(arp_output(ifp, hop, l2_ip_packet(2)), 0);
    expect_frame(L2_BCAST, false, 2); /* RFC 1122 3.3.6: sent to the link broadcast */
    cr_assert_eq(l2_ctr("arp", "tx_bcast"), 1);
}

Test(arp_memo, a_flushed_entry_is_resolved_again)
{
    learn(peer_ip, L2_PEER_MAC);
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(1)), 0);
    expect_frame(L2_PEER_MAC, false, 1);
    arp_flush();
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(2)), 0);
    expect_frame(L2_BCAST, true, 0);
    cr_assert_eq(testkit_sent_count(ifp), 0, "the packet waits for the answer");
}

Test(arp_memo, a_new_mac_of_the_next_hop_is_used_at_once)
{
    learn(peer_ip, L2_PEER_MAC);
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(1)), 0);
    expect_frame(L2_PEER_MAC, false, 1);
    learn(peer_ip, L2_OTHER_MAC); /* RFC 826 merge: the entry is updated */
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(2)), 0);
    expect_frame(L2_OTHER_MAC, false, 2);
}

Test(arp_memo, a_slot_reused_by_another_neighbour_is_not_taken_for_the_next_hop)
{
    learn(peer_ip, L2_PEER_MAC);
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(1)), 0);
    expect_frame(L2_PEER_MAC, false, 1);
    arp_flush();
    /* the first free slot, where the peer's entry was, now holds another neighbour */
    learn(testkit_ip("10.0.0.3"), L2_OTHER_MAC);
    uint8_t mac[6];
    cr_assert_eq(arp_lookup(ifp->index, peer_ip, mac), -KE_NOENT);
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(2)), 0);
    expect_frame(L2_BCAST, true, 0); /* asked for, not sent to the other neighbour */
    cr_assert_eq(testkit_sent_count(ifp), 0);
}
