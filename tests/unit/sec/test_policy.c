/*
 * Regression tests of the receive policy: UDP services do not answer
 * broadcast or multicast datagrams unless bcast=yes (an echo on a subnet
 * was an amplifier); a datagram with one of our addresses as source is a
 * martian (it made us ARP for ourselves); a malformed IP option is dropped
 * with ICMP parameter problem pointing at it (RFC 1122 3.2.1.8, RFC 1812
 * 5.2.5; a record route whose length ran past the header was answered);
 * the ARP cache under a flood from thousands of sources keeps the peer we
 * talk to (it lost 14-22% of its pings).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../console/conskit.h"
#include "seckit.h"
#include "testkit.h"
#include "kernel/kerr.h"
#include "kernel/stats.h"
#include "protocols/arp/arp.h"

static const uint8_t BCAST_MAC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST_MAC[6] = { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 };

static uint64_t ctr(const char *node, const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find(node, name, &v), 0, "no counter %s.%s", node, name);
    return v;
}

/* echo_conf - eth0 10.0.0.1/24 with udp-echo on port 7 (and @extra parameters). */
static struct netif *echo_appliance(const char *extra)
{
    static char text[512];
    snprintf(text, sizeof text,
             "interface eth0 driver=loop mac=02:00:00:00:00:01\n"
             "address eth0 10.0.0.1/24\n"
             "extension udp-echo port=7%s\n",
             extra);
    struct netif *ifp = ck_appliance(text);
    /* the peer is known, so a reply leaves at once instead of waiting for ARP */
    uint8_t f[60];
    ck_inject(ifp, f, ck_arp_request(f, CK_OUR_IP));
    ck_poll();
    ck_sent_drain(ifp);
    return ifp;
}

/* send_udp - inject one datagram to port 7 at @dst via @mac; the frames sent in answer. */
static unsigned send_udp(struct netif *ifp, const uint8_t *mac, uint32_t src, uint32_t dst)
{
    struct sk_dgram d = { .eth_dst = mac, .eth_src = CK_PEER_MAC, .src = src, .dst = dst };
    uint8_t f[256];
    ck_inject(ifp, f, sk_udp(f, &d, 40000, 7, "amplify me", 10));
    ck_poll();
    return ck_sent_drain(ifp);
}

Test(bcast, udp_echo_ignores_subnet_and_limited_broadcast_and_multicast)
{
    struct netif *ifp = echo_appliance("");
    cr_expect_eq(send_udp(ifp, BCAST_MAC, CK_PEER_IP, 0x0a0000ffu), 0, "subnet broadcast");
    cr_expect_eq(send_udp(ifp, BCAST_MAC, CK_PEER_IP, 0xffffffffu), 0, "limited broadcast");
    cr_expect_eq(send_udp(ifp, MCAST_MAC, CK_PEER_IP, 0xe0010203u), 0, "multicast");
    /* a unicast IP datagram in a link-layer broadcast frame is not for one host either */
    cr_expect_eq(send_udp(ifp, BCAST_MAC, CK_PEER_IP, CK_OUR_IP), 0, "link broadcast");
    cr_expect_eq(ctr("udp-echo#1", "rx"), 0, "the service never saw them");
    cr_expect_eq(ctr("udp", "unreach_sent"), 0, "and no port unreachable either");
    cr_expect_eq(send_udp(ifp, CK_OUR_MAC, CK_PEER_IP, CK_OUR_IP), 1, "unicast is answered");
    cr_expect_eq(ctr("udp-echo#1", "tx"), 1);
    ck_finish();
}

Test(bcast, bcast_yes_answers_broadcast)
{
    struct netif *ifp = echo_appliance(" bcast=yes");
    cr_expect_eq(send_udp(ifp, BCAST_MAC, CK_PEER_IP, 0x0a0000ffu), 1, "configured to");
    cr_expect_eq(ctr("udp-echo#1", "tx"), 1);
    ck_finish();
}

Test(martian, our_own_address_as_source_is_dropped_and_counted)
{
    struct netif *ifp = echo_appliance("");
    cr_expect_eq(send_udp(ifp, CK_OUR_MAC, CK_OUR_IP, CK_OUR_IP), 0, "no answer, no ARP for us");
    cr_expect_eq(ctr("ipv4", "martian_src_ours"), 1);
    cr_expect_eq(ctr("udp-echo#1", "rx"), 0);
    cr_expect_eq(ctr("arp", "tx_request"), 0, "spindle did not ARP for itself");
    ck_finish();
}

/* send_with_options - a unicast datagram to port 7 with IP options @o (@n bytes). */
static unsigned send_with_options(struct netif *ifp, const uint8_t *o, size_t n,
                                  struct ck_sent *answer)
{
    struct sk_dgram d = { .eth_dst = CK_OUR_MAC,
                          .eth_src = CK_PEER_MAC,
                          .src = CK_PEER_IP,
                          .dst = CK_OUR_IP,
                          .opts = o,
                          .optlen = n };
    uint8_t f[256];
    ck_inject(ifp, f, sk_udp(f, &d, 40000, 7, "opts", 4));
    ck_poll();
    unsigned k = 0;
    struct ck_sent s;
    while (ck_take(ifp, &s)) {
        if (k++ == 0 && answer)
            *answer = s;
    }
    return k;
}

Test(options, record_route_running_past_the_header_gets_parameter_problem)
{
    struct netif *ifp = echo_appliance("");
    /* RR, length 39: the option claims 39 bytes where the header has 4 left (IHL 6). */
    static const uint8_t rr_long[4] = { 7, 39, 4, 0 };
    struct ck_sent s;
    cr_assert_eq(send_with_options(ifp, rr_long, 4, &s), 1, "one answer: the ICMP error");
    cr_expect_eq(s.proto, 1);
    cr_expect_eq(s.l4[0], 12, "ICMP type 12, parameter problem");
    cr_expect_eq(s.l4[1], 0, "code 0, pointer indicates the error");
    cr_expect_eq(s.l4[4], 21, "pointer: the option's length octet (20 + 1)");
    cr_expect_eq(ctr("ipv4", "bad_options"), 1);
    cr_expect_eq(ctr("udp-echo#1", "rx"), 0, "the datagram was not delivered");

    /* RR with pointer 3 (< 4, RFC 791): the pointer octet is at fault. */
    static const uint8_t rr_ptr[8] = { 7, 7, 3, 0, 0, 0, 0, 1 };
    cr_assert_eq(send_with_options(ifp, rr_ptr, 8, &s), 1);
    cr_expect_eq(s.l4[0], 12);
    cr_expect_eq(s.l4[4], 22, "pointer: the option's pointer octet");
    /* Timestamp with flag 2 (undefined). */
    static const uint8_t ts_flag[8] = { 68, 8, 5, 2, 0, 0, 0, 0 };
    cr_assert_eq(send_with_options(ifp, ts_flag, 8, &s), 1);
    cr_expect_eq(s.l4[4], 23, "pointer: the overflow/flag octet");
    /* An option of length 1 (less than its own two octets). */
    static const uint8_t len1[4] = { 130, 1, 0, 0 };
    cr_assert_eq(send_with_options(ifp, len1, 4, &s), 1);
    cr_expect_eq(s.l4[4], 21);
    cr_expect_eq(ctr("ipv4", "bad_options"), 4);

    /* Well-formed options are accepted: NOP, RR with room, EOL. */
    static const uint8_t good[12] = { 1, 7, 7, 4, 0, 0, 0, 0, 0, 0, 0, 0 };
    cr_assert_eq(send_with_options(ifp, good, 12, &s), 1, "answered: the echo");
    cr_expect_eq(s.proto, 17);
    cr_expect_eq(ctr("udp-echo#1", "tx"), 1);
    cr_expect_eq(ctr("ipv4", "bad_options"), 4);
    ck_finish();
}

Test(options, parameter_problem_is_not_sent_for_broadcast)
{
    struct netif *ifp = echo_appliance("");
    static const uint8_t rr_long[4] = { 7, 39, 4, 0 };
    struct sk_dgram d = { .eth_dst = BCAST_MAC,
                          .eth_src = CK_PEER_MAC,
                          .src = CK_PEER_IP,
                          .dst = 0x0a0000ffu,
                          .opts = rr_long,
                          .optlen = 4 };
    uint8_t f[256];
    ck_inject(ifp, f, sk_udp(f, &d, 40000, 7, "opts", 4));
    ck_poll();
    cr_expect_eq(ck_sent_drain(ifp), 0, "RFC 1122 3.2.2: no error for a broadcast");
    cr_expect_eq(ctr("ipv4", "bad_options"), 1, "but it was dropped and counted");
    ck_finish();
}

/* arp_from - an ARP request from @ip (MAC derived from it) for our address. */
static void arp_from(struct netif *ifp, uint32_t ip)
{
    uint8_t mac[6] = {
        0x02, 0xaa, (uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip
    };
    uint8_t f[60];
    testkit_arp_frame(f, BCAST_MAC, 1, mac, ip, NULL, CK_OUR_IP);
    ck_inject(ifp, f, 60);
}

Test(arp, a_flood_from_thousands_of_sources_keeps_the_peer_in_use)
{
    struct netif *ifp = ck_appliance("interface eth0 driver=loop mac=02:00:00:00:00:01\n"
                                     "address eth0 10.0.0.1/16\n"
                                     "extension udp-echo port=7\n");
    uint8_t f[256];
    ck_inject(ifp, f, ck_arp_request(f, CK_OUR_IP));
    ck_poll();
    ck_sent_drain(ifp);
    unsigned answered = 0, queued_before = 0;
    for (unsigned round = 0; round < 40; round++) {
        /* the peer talks to us ... */
        ck_inject(ifp, f, ck_udp(f, sizeof f, 40000, 7, "ping", 4));
        /* ... while 100 new sources each ask for our address (4000 in all, ARP_CACHE_SIZE 256) */
        for (unsigned k = 0; k < 100; k++)
            arp_from(ifp, 0x0a010000u + round * 100 + k);
        queued_before = (unsigned)ctr("arp", "queued");
        ck_poll();
        struct ck_sent s;
        while (ck_take(ifp, &s))
            answered += s.ethertype == 0x0800 && s.proto == 17;
        cr_expect_eq(ctr("arp", "queued"), queued_before, "round %u: the reply waited for ARP",
                     round);
    }
    cr_expect_eq(answered, 40, "every datagram of the peer answered at once");
    uint8_t mac[6];
    cr_expect_eq(arp_lookup(ifp->index, CK_PEER_IP, mac), 0, "the peer is still in the cache");
    cr_expect_gt(ctr("arp", "evicted"), 3000, "the flood evicted its own entries");
    cr_expect_eq(ctr("arp", "evicted_in_use"), 0);
    ck_finish();
}
