/*
 * Unit tests of the router extension (apps/router/router.h): RFC 1812
 * forwarding between two loop interfaces through the real receive path —
 * TTL and the incremental checksum (RFC 1624), each ICMP error (time
 * exceeded, net and host unreachable, fragmentation needed with the MTU,
 * redirect), martians and link-layer broadcasts, source routes,
 * fragmentation and DF, gateways, zero copy and its copy fallback,
 * counters per route and interface, the printed table, and installation.
 *
 *   eth0 10.0.0.1/24 (+10.0.0.9) IK_OUR_MAC — peer 10.0.0.2 IK_PEER_MAC
 *   eth1 10.1.0.1/24 MAC1                   — peer 10.1.0.2 PEER1_MAC
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "apps/router/router.h"
#include "netgraph/extension.h"
#include "apps/router/router_impl.h"
#include "../protocols/ip/ipkit.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "protocols/arp/arp.h"
#include "protocols/icmp/icmp.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/lpm_fib.h"
#include "testkit.h"

static const uint8_t MAC1[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x01 };
static const uint8_t PEER1_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x02 };
static const uint8_t GW0_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 };
#define PEER1_IP 0x0a010002u /* 10.1.0.2 */
#define ETH1_IP 0x0a010001u  /* 10.1.0.1 */
#define GW0_IP 0x0a000003u   /* 10.0.0.3, a second router on eth0's subnet */

static struct netif *eth0, *eth1;
static void *rstate;

/* teach - @peer_mac/@peer_ip asks @ifp for @our_ip: ARP learns the peer (RFC 826 merge). */
static void teach(struct netif *ifp, const uint8_t *peer_mac, uint32_t peer_ip, uint32_t our_ip)
{
    testkit_teach_peer(ifp, peer_mac, peer_ip, our_ip);
}

static int install(const char *key, const char *value, char *err, size_t errlen, void **state)
{
    struct kparams p = { .n = 0 };
    if (key != NULL) {
        p.n = 1;
        p.key[0] = key;
        p.value[0] = value;
    }
    return kext_create(kext_class_find("router"), &p, (struct kext **)state, err, errlen);
}

static void setup_with(const char *key, const char *value)
{
    eth0 = ipkit_setup();
    eth1 = testkit_netif("eth1", MAC1, "10.1.0.1/24");
    teach(eth1, PEER1_MAC, PEER1_IP, ETH1_IP);
    char err[160] = "";
    cr_assert_eq(install(key, value, err, sizeof err, &rstate), 0, "%s", err);
}

static void setup(void)
{
    setup_with(NULL, NULL);
}

static void end(void)
{
    testkit_advance(0);
    kext_destroy(rstate);
    testkit_drain(eth1);
    ipkit_end(eth0);
}

/* send - datagram @d received on @ifp, then the transmit pass (due timers). */
static void send(struct netif *ifp, const struct ik_dgram *d)
{
    ik_inject(ifp, d);
    testkit_advance(0);
}

static uint8_t payload[3000];

/* An ICMP error taken from eth0, checked for type/code and its quote of a TTL-@ttl datagram. */
static void expect_icmp(uint8_t type, uint8_t code, uint8_t quoted_ttl, uint32_t *info)
{
    struct ik_sent s;
    cr_assert(ik_take(eth0, &s), "no ICMP error sent back on eth0");
    cr_assert_eq(s.proto, IPPROTO_ICMP);
    cr_assert_eq(s.dst, IK_PEER_IP);
    cr_assert_eq(s.src, IK_OUR_IP, "from our address on the way back to the source");
    cr_assert_eq(s.l4[0], type);
    cr_assert_eq(s.l4[1], code);
    cr_assert_eq(ik_csum(s.l4, s.l4_len), 0, "ICMP checksum");
    cr_assert_eq(s.l4[8] >> 4, 4, "the quote starts with the original IPv4 header");
    cr_assert_eq(s.l4[8 + 8], quoted_ttl, "quoted TTL");
    if (info != NULL)
        *info = load_be32(s.l4 + 4);
    ik_sent_free(&s);
}

static uint64_t rctr(const char *name)
{
    return ik_counter("router", name);
}

TestSuite(router);

/* ---- the forwarding path ------------------------------------------------- */

Test(router, forwards_with_ttl_decremented_checksum_updated_and_new_macs)
{
    setup();
    ik_pattern(payload, 100, 1);
    struct ik_dgram d = {
        .dst = PEER1_IP, .ttl = 64, .id = 0x1234, .tos = 0x10, .payload = payload, .len = 100
    };
    send(eth0, &d);
    struct ik_sent s;
    cr_assert(ik_take(eth1, &s), "nothing forwarded on eth1");
    cr_assert_arr_eq(s.eth, PEER1_MAC, 6, "Ethernet destination: the next hop");
    cr_assert_arr_eq(s.eth + 6, MAC1, 6, "Ethernet source: the outgoing interface");
    cr_assert_eq(s.ttl, 63);
    cr_assert_eq(ik_csum(s.ip, s.hlen), 0, "header checksum after the TTL update");
    cr_assert_eq(s.id, 0x1234, "identification kept");
    cr_assert_eq(s.tos, 0x10);
    cr_assert_eq(s.src, IK_PEER_IP);
    cr_assert_eq(s.dst, PEER1_IP);
    cr_assert_eq(s.total, 120);
    cr_assert_arr_eq(s.l4, payload, 100);
    ik_sent_free(&s);
    cr_assert_eq(testkit_sent_count(eth0), 0, "nothing back to the source");
    cr_assert_eq(rctr("forwarded"), 1);
    cr_assert_eq(rctr("forwarded_bytes"), 120);
    cr_assert_eq(rctr("in_place"), 1);
    cr_assert_eq(rctr("copied"), 0);
    cr_assert_eq(ik_counter("router.eth0", "rx"), 1);
    cr_assert_eq(ik_counter("router.eth0", "rx_bytes"), 120);
    cr_assert_eq(ik_counter("router.eth1", "tx"), 1);
    cr_assert_eq(ik_counter("router.eth1", "tx_bytes"), 120);
    cr_assert_eq(ik_counter("ipv4", "not_for_us"), 0, "the router took it");
    end();
}

Test(router, both_directions)
{
    setup();
    struct ik_dgram d = { .dst = PEER1_IP, .payload = payload, .len = 10 };
    send(eth0, &d);
    testkit_drain(eth1);
    uint8_t f[128];
    struct ik_dgram back = {
        .src = PEER1_IP, .dst = IK_PEER_IP, .dst_mac = MAC1, .payload = payload, .len = 10, .ttl = 5
    };
    size_t n = ik_frame(f, sizeof f, &back);
    memcpy(f + 6, PEER1_MAC, 6); /* from eth1's peer */
    testkit_inject(eth1, f, n);
    testkit_advance(0);
    struct ik_sent s;
    cr_assert(ik_take(eth0, &s));
    cr_assert_arr_eq(s.eth, IK_PEER_MAC, 6);
    cr_assert_arr_eq(s.eth + 6, IK_OUR_MAC, 6);
    cr_assert_eq(s.ttl, 4);
    cr_assert_eq(s.dst, IK_PEER_IP);
    ik_sent_free(&s);
    end();
}

/* An observer after the router: the buffer pointer the graph received. */
static struct pktbuf *seen;
static struct pktbuf *kept;
static bool keep_it;
static int observer(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    seen = p;
    if (keep_it)
        kept = pkt_ref(p);
    return KH_PASS;
}

Test(router, zero_copy_sends_the_very_buffer_received)
{
    setup();
    cr_assert_eq(ipv4_PacketArrived_install(observer, NULL, NULL, NULL, NULL), 0);
    struct ik_dgram d = { .dst = PEER1_IP, .payload = payload, .len = 64 };
    send(eth0, &d);
    struct pktbuf *sent = testkit_sent(eth1);
    cr_assert_not_null(sent);
    cr_assert_eq(sent, seen, "the forwarded frame is the received buffer");
    pkt_free(sent);
    cr_assert_eq(rctr("in_place"), 1);
    end();
}

Test(router, zerocopy_no_copies_in_the_handler)
{
    setup_with("zerocopy", "no");
    cr_assert_eq(ipv4_PacketArrived_install(observer, NULL, NULL, NULL, NULL), 0);
    struct ik_dgram d = { .dst = PEER1_IP, .payload = payload, .len = 64 };
    ik_inject(eth0, &d); /* no transmit pass needed: sent at once */
    struct ik_sent s;
    cr_assert(ik_take(eth1, &s));
    cr_assert_neq(s.frame, seen);
    cr_assert_eq(s.ttl, 63);
    cr_assert_eq(ik_csum(s.ip, s.hlen), 0);
    ik_sent_free(&s);
    cr_assert_eq(rctr("copied"), 1);
    cr_assert_eq(rctr("in_place"), 0);
    end();
}

Test(router, a_buffer_still_shared_at_transmit_is_copied_not_written)
{
    setup();
    keep_it = true;
    cr_assert_eq(ipv4_PacketArrived_install(observer, NULL, NULL, NULL, NULL), 0);
    struct ik_dgram d = { .dst = PEER1_IP, .ttl = 64, .payload = payload, .len = 64 };
    send(eth0, &d);
    struct ik_sent s;
    cr_assert(ik_take(eth1, &s));
    cr_assert_neq(s.frame, kept);
    cr_assert_eq(s.ttl, 63);
    ik_sent_free(&s);
    cr_assert_not_null(kept);
    const uint8_t *h = pkt_layer_ptr(kept, PKT_L3);
    cr_assert_eq(h[8], 64, "the other holder's buffer was written");
    cr_assert_eq(ik_csum(h, 20), 0);
    pkt_free(kept);
    cr_assert_eq(rctr("copied"), 1);
    cr_assert_eq(rctr("in_place"), 0);
    end();
}

Test(router, many_datagrams_in_one_pass_beyond_the_queue)
{
    setup();
    struct ik_dgram d = { .dst = PEER1_IP, .payload = payload, .len = 20 };
    for (unsigned i = 0; i < ROUTER_TXQ_MAX + 10; i++) {
        d.id = (uint16_t)i;
        ik_inject(eth0, &d);
    }
    testkit_advance(0);
    cr_assert_eq(testkit_sent_count(eth1), ROUTER_TXQ_MAX + 10);
    for (unsigned i = 0; i < ROUTER_TXQ_MAX + 10; i++) {
        struct ik_sent s;
        cr_assert(ik_take(eth1, &s));
        cr_assert_eq(s.id, i, "order kept");
        ik_sent_free(&s);
    }
    cr_assert_eq(rctr("in_place"), ROUTER_TXQ_MAX + 10, "the queue flushed early, no copies");
    end();
}

Test(router, queued_datagrams_leave_when_the_router_is_removed)
{
    setup();
    struct ik_dgram d = { .dst = PEER1_IP, .payload = payload, .len = 20 };
    ik_inject(eth0, &d);
    kext_destroy(rstate);
    cr_assert_eq(testkit_sent_count(eth1), 1);
    testkit_drain(eth1);
    ipkit_end(eth0);
}

/* ---- RFC 1624 ---------------------------------------------------------------- */

static uint32_t rng = 0x12345u;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

Test(router, incremental_checksum_equals_recomputation)
{
    uint8_t h[20], full[20];
    for (unsigned n = 0; n < 200000; n++) {
        for (unsigned i = 0; i < 20; i++)
            h[i] = (uint8_t)rnd();
        h[0] = 0x45;
        if (h[8] == 0)
            h[8] = 1;
        if (n < 512) /* force the edge words: all ones and all zeros */
            memset(h + 12, (n & 1) ? 0xff : 0x00, 8);
        store_be16(h + 10, 0);
        store_be16(h + 10, ik_csum(h, 20));
        memcpy(full, h, 20);
        full[8]--;
        store_be16(full + 10, 0);
        store_be16(full + 10, ik_csum(full, 20));
        router_ttl_decrement(h);
        cr_assert_eq(h[8], full[8]);
        cr_assert_eq(ik_csum(h, 20), 0, "header %u does not verify", n);
        cr_assert_eq(load_be16(h + 10), load_be16(full + 10),
                     "header %u: incremental 0x%04x, recomputed 0x%04x", n, load_be16(h + 10),
                     load_be16(full + 10));
    }
}

/* ---- ICMP errors ----------------------------------------------------------- */

Test(router, ttl_1_and_0_get_time_exceeded_and_are_not_forwarded)
{
    setup();
    struct ik_dgram d = { .dst = PEER1_IP, .ttl = 1, .payload = payload, .len = 30 };
    send(eth0, &d);
    expect_icmp(ICMP_TIMXCEED, ICMP_TIMXCEED_INTRANS, 1, NULL);
    d.ttl = 0;
    uint8_t f[128];
    size_t n = ik_frame(f, sizeof f, &d);
    f[14 + 8] = 0; /* ik_frame maps TTL 0 to 64: write it and fix the checksum */
    store_be16(f + 14 + 10, 0);
    store_be16(f + 14 + 10, ik_csum(f + 14, 20));
    testkit_inject(eth0, f, n);
    testkit_advance(0);
    expect_icmp(ICMP_TIMXCEED, ICMP_TIMXCEED_INTRANS, 0, NULL);
    cr_assert_eq(testkit_sent_count(eth1), 0);
    cr_assert_eq(rctr("ttl_exceeded"), 2);
    cr_assert_eq(rctr("icmp_sent"), 2);
    cr_assert_eq(rctr("forwarded"), 0);
    cr_assert_eq(ik_counter("router.eth0", "dropped"), 2);
    end();
}

Test(router, ttl_2_is_forwarded_with_ttl_1)
{
    setup();
    struct ik_dgram d = { .dst = PEER1_IP, .ttl = 2, .payload = payload, .len = 30 };
    send(eth0, &d);
    struct ik_sent s;
    cr_assert(ik_take(eth1, &s));
    cr_assert_eq(s.ttl, 1);
    ik_sent_free(&s);
    end();
}

Test(router, no_route_gets_net_unreachable)
{
    setup();
    struct ik_dgram d = {
        .dst = 0xc0000201u /* 192.0.2.1 */, .ttl = 1, .proto = 17, .payload = payload, .len = 30
    };
    send(eth0, &d);
    expect_icmp(ICMP_UNREACH, ICMP_UNREACH_NET, 1, NULL); /* before the TTL check, as Linux */
    cr_assert_eq(rctr("no_route"), 1);
    cr_assert_eq(rctr("ttl_exceeded"), 0);
    cr_assert_eq(testkit_sent_count(eth1), 0);
    end();
}

Test(router, df_and_larger_than_the_next_mtu_gets_fragmentation_needed_with_the_mtu)
{
    setup();
    eth1->mtu = 1000;
    struct ik_dgram d = { .dst = PEER1_IP, .frag = 0x4000, .payload = payload, .len = 1200 };
    send(eth0, &d);
    uint32_t info = 0;
    expect_icmp(ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, 64, &info);
    cr_assert_eq(info & 0xffff, 1000, "next-hop MTU (RFC 1191 section 4)");
    cr_assert_eq(info >> 16, 0, "unused half is zero");
    cr_assert_eq(testkit_sent_count(eth1), 0);
    cr_assert_eq(rctr("frag_needed"), 1);
    /* Exactly the MTU passes. */
    d.len = 980;
    send(eth0, &d);
    cr_assert_eq(testkit_sent_count(eth1), 1);
    end();
}

static struct ik_train train;

Test(router, larger_than_the_next_mtu_without_df_is_fragmented)
{
    setup();
    eth1->mtu = 1000;
    ik_pattern(payload, 2500, 3);
    struct ik_dgram d = {
        .dst = PEER1_IP, .id = 0x4242, .ttl = 9, .payload = payload, .len = 1400
    };
    send(eth0, &d);
    ik_take_train(eth1, &train);
    cr_assert_eq(train.n, 2);
    for (unsigned i = 0; i < train.n; i++) {
        cr_assert_leq(train.total[i], 1000);
        cr_assert_eq(train.id[i], 0x4242);
        cr_assert(train.csum_ok[i]);
    }
    cr_assert_eq(train.total[0], 996, "20 + 976 (a multiple of 8)");
    cr_assert_eq(train.hdr[8], 8, "TTL decremented once, before fragmenting");
    cr_assert_eq(train.len, 1400);
    cr_assert_arr_eq(train.payload, payload, 1400);
    cr_assert_eq(rctr("fragmented"), 1);
    end();
}

Test(router, a_fragment_larger_than_the_next_mtu_is_cut_keeping_its_offset_and_mf)
{
    setup();
    eth1->mtu = 600;
    ik_pattern(payload, 3000, 4);
    struct ik_dgram d = { .dst = PEER1_IP, .id = 7, .payload = payload, .len = 3000 };
    ik_inject_frag(eth0, &d, 1480, 1000, true); /* a middle fragment */
    testkit_advance(0);
    unsigned n = 0, expect_off = 1480;
    struct ik_sent s;
    while (ik_take(eth1, &s)) {
        cr_assert_eq((s.frag & 0x1fff) * 8u, expect_off);
        cr_assert(s.frag & 0x2000, "every piece of a middle fragment has MF");
        cr_assert_eq(s.ttl, 63);
        cr_assert_arr_eq(s.l4, payload + expect_off, s.l4_len);
        expect_off += s.l4_len;
        n++;
        ik_sent_free(&s);
    }
    cr_assert_eq(n, 2);
    cr_assert_eq(expect_off, 2480);
    end();
}

Test(router, unresolved_next_hop_gets_host_unreachable_when_arp_gives_up)
{
    setup();
    struct ik_dgram d = {
        .dst = 0x0a01004du /* 10.1.0.77: nobody */, .ttl = 30, .payload = payload, .len = 40
    };
    send(eth0, &d);
    struct ik_sent s;
    cr_assert(ik_take(eth1, &s));
    cr_assert_eq(s.ethertype, 0x0806, "an ARP request for the next hop");
    ik_sent_free(&s);
    testkit_advance(2900000000ull);
    cr_assert_eq(testkit_sent_count(eth0), 0, "too early");
    testkit_advance(200000000ull);
    expect_icmp(ICMP_UNREACH, ICMP_UNREACH_HOST, 29, NULL); /* quoted as forwarded, as Linux */
    cr_assert_eq(rctr("host_unreach"), 1);
    cr_assert_eq(testkit_drain(eth1), 2, "two more ARP requests");
    end();
}

Test(router, a_next_hop_that_answers_in_time_gets_the_datagram_and_no_error)
{
    setup();
    struct ik_dgram d = { .dst = 0x0a01004du, .payload = payload, .len = 40 };
    send(eth0, &d);
    testkit_drain(eth1);
    static const uint8_t mac77[6] = { 0x02, 0, 0, 0, 1, 0x77 };
    /* The host answers (a reply to us: ARP's merge resolves the entry). */
    uint8_t f[60];
    testkit_inject(eth1, f, testkit_arp_frame(f, MAC1, 2, mac77, 0x0a01004du, MAC1, ETH1_IP));
    struct ik_sent s;
    cr_assert(ik_take(eth1, &s));
    cr_assert_eq(s.ethertype, 0x0800);
    cr_assert_arr_eq(s.eth, mac77, 6);
    cr_assert_eq(s.ttl, 63);
    ik_sent_free(&s);
    testkit_advance(5000000000ull);
    cr_assert_eq(testkit_sent_count(eth0), 0);
    cr_assert_eq(rctr("host_unreach"), 0);
    end();
}

Test(router, icmp_errors_are_rate_limited)
{
    setup();
    struct ik_dgram d = { .dst = PEER1_IP, .ttl = 1, .payload = payload, .len = 8 };
    for (unsigned i = 0; i < ICMP_ERR_BURST + 5; i++)
        ik_inject(eth0, &d);
    cr_assert_eq(testkit_drain(eth0), ICMP_ERR_BURST);
    cr_assert_eq(rctr("icmp_sent"), ICMP_ERR_BURST);
    cr_assert_eq(rctr("icmp_not_sent"), 5);
    cr_assert_eq(rctr("ttl_exceeded"), ICMP_ERR_BURST + 5);
    end();
}

Test(router, redirect_when_leaving_by_the_arrival_interface_to_a_next_hop_on_the_source_subnet)
{
    setup();
    teach(eth0, GW0_MAC, GW0_IP, IK_OUR_IP);
    struct ipv4_route r = {
        .prefix = 0xac100000u, .plen = 16, .gateway = GW0_IP, .ifindex = eth0->index
    };
    cr_assert_eq(ipv4_route_add(&r), 0);
    struct ik_dgram d = { .dst = 0xac100101u, .payload = payload, .len = 20 };
    send(eth0, &d);
    uint32_t gw = 0;
    expect_icmp(5, 1, 63, &gw);
    cr_assert_eq(gw, GW0_IP, "the better first hop");
    struct ik_sent s;
    cr_assert(ik_take(eth0, &s), "and the datagram is still forwarded");
    cr_assert_arr_eq(s.eth, GW0_MAC, 6);
    cr_assert_eq(s.dst, 0xac100101u);
    ik_sent_free(&s);
    cr_assert_eq(rctr("redirects"), 1);
    end();
}

Test(router, redirects_no_turns_them_off)
{
    setup_with("redirects", "no");
    teach(eth0, GW0_MAC, GW0_IP, IK_OUR_IP);
    struct ipv4_route r = {
        .prefix = 0xac100000u, .plen = 16, .gateway = GW0_IP, .ifindex = eth0->index
    };
    cr_assert_eq(ipv4_route_add(&r), 0);
    struct ik_dgram d = { .dst = 0xac100101u, .payload = payload, .len = 20 };
    send(eth0, &d);
    struct ik_sent s;
    cr_assert(ik_take(eth0, &s));
    cr_assert_eq(s.proto, 253, "the datagram, no redirect");
    ik_sent_free(&s);
    cr_assert_eq(testkit_sent_count(eth0), 0);
    end();
}

/* ---- what is never forwarded ----------------------------------------------- */

static void expect_dropped(const struct ik_dgram *d, const char *counter)
{
    uint64_t before = rctr(counter);
    send(eth0, d);
    cr_assert_eq(testkit_sent_count(eth1), 0, "%s: forwarded", counter);
    cr_assert_eq(testkit_sent_count(eth0), 0, "%s: answered", counter);
    cr_assert_eq(rctr(counter), before + 1, "%s not counted", counter);
}

Test(router, martians_broadcasts_and_multicasts_are_not_forwarded)
{
    setup();
    struct ik_dgram d = { .dst = PEER1_IP, .payload = payload, .len = 20 };
    d.dst_mac = IK_BCAST_MAC;
    expect_dropped(&d, "l2_bcast");
    static const uint8_t mcast_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
    d.dst_mac = mcast_mac;
    expect_dropped(&d, "l2_bcast");
    d.dst_mac = NULL;
    d.dst = 0xe0010203u; /* 224.1.2.3 */
    expect_dropped(&d, "dst_mcast");
    d.dst = 0xa9fe0101u; /* 169.254.1.1 */
    expect_dropped(&d, "link_local");
    d.dst = PEER1_IP;
    d.src = 0xa9fe0102u;
    expect_dropped(&d, "link_local");
    cr_assert_eq(rctr("forwarded"), 0);
    cr_assert_eq(ik_counter("router.eth0", "dropped"), 5);
    /* Our own address as a source: the IPv4 node drops it as a martian
     * before the router (RFC 1812 5.3.7). */
    d.src = ETH1_IP;
    send(eth0, &d);
    cr_assert_eq(ik_counter("ipv4", "martian_src_ours"), 1);
    /* The IPv4 node already refuses the other martians (RFC 1812 5.3.7). */
    d.src = 0x7f000001u;
    send(eth0, &d);
    d.src = IK_PEER_IP;
    d.dst = 0x7f000001u;
    send(eth0, &d);
    d.dst = 0xf0000001u;
    send(eth0, &d);
    d.dst = 0x00000005u;
    send(eth0, &d);
    cr_assert_eq(rctr("rx"), 5, "the router never saw them");
    cr_assert_eq(testkit_sent_count(eth1) + testkit_sent_count(eth0), 0);
    end();
}

Test(router, local_datagrams_do_not_reach_the_router)
{
    setup();
    struct ik_dgram d = { .dst = ETH1_IP, .payload = payload, .len = 20 };
    send(eth0, &d);      /* to our other interface's address: local (protocol unreachable) */
    d.dst = 0x0a0100ffu; /* eth1's directed broadcast */
    send(eth0, &d);
    cr_assert_eq(rctr("rx"), 0);
    testkit_drain(eth0);
    end();
}

Test(router, source_routed_and_bad_options_are_dropped_other_options_kept)
{
    setup();
    static const uint8_t lsrr[8] = { 131, 7, 4, 10, 1, 0, 2, 0 };
    static const uint8_t bad[4] = { 7, 9, 4, 0 }; /* record route running past the header */
    static const uint8_t rr[8] = { 1, 7, 7, 4, 0, 0, 0, 0 }; /* NOP, record route, 1 slot */
    struct ik_dgram d = {
        .dst = PEER1_IP, .payload = payload, .len = 20, .opts = lsrr, .optlen = 8
    };
    struct ik_sent s;
    expect_dropped(&d, "source_routed");
    d.opts = bad;
    d.optlen = 4;
    /* A malformed option: the IPv4 node drops it before the router and
     * answers parameter problem, pointer at the length octet (RFC 1812 5.2.5). */
    send(eth0, &d);
    cr_assert_eq(testkit_sent_count(eth1), 0, "not forwarded");
    cr_assert(ik_take(eth0, &s));
    cr_assert_eq(s.proto, 1);
    cr_assert_eq(s.ip[s.hlen], 12, "ICMP parameter problem");
    cr_assert_eq(s.ip[s.hlen + 4], 21, "pointer");
    ik_sent_free(&s);
    cr_assert_eq(ik_counter("ipv4", "bad_options"), 1);
    d.opts = rr;
    d.optlen = 8;
    send(eth0, &d);
    cr_assert(ik_take(eth1, &s));
    cr_assert_eq(s.hlen, 28);
    cr_assert_arr_eq(s.ip + 20, rr, 8, "options forwarded unchanged");
    cr_assert_eq(ik_csum(s.ip, 28), 0);
    ik_sent_free(&s);
    end();
}

/* ---- routes ---------------------------------------------------------------- */

Test(router, static_route_via_a_gateway_uses_the_gateways_mac)
{
    setup();
    struct ipv4_route r = {
        .prefix = 0xac100000u, .plen = 12, .gateway = PEER1_IP, .ifindex = eth1->index
    };
    cr_assert_eq(ipv4_route_add(&r), 0);
    struct ik_dgram d = { .dst = 0xac1f0203u /* 172.31.2.3 */, .payload = payload, .len = 20 };
    send(eth0, &d);
    struct ik_sent s;
    cr_assert(ik_take(eth1, &s));
    cr_assert_arr_eq(s.eth, PEER1_MAC, 6);
    cr_assert_eq(s.dst, 0xac1f0203u, "the destination is not rewritten");
    ik_sent_free(&s);
    end();
}

struct route_seen {
    uint64_t conn_eth1, static_pkts, static_bytes;
    unsigned lines;
    bool table_line, connected_line;
};

static void fib_cb(const struct ipv4_fib_entry *e, void *ctx)
{
    struct route_seen *r = ctx;
    if (e->connected && e->route.prefix == 0x0a010000u)
        r->conn_eth1 = e->packets;
    if (!e->connected && e->route.prefix == 0xac100000u) {
        r->static_pkts = e->packets;
        r->static_bytes = e->bytes;
    }
}

static void line_cb(void *ctx, const char *line)
{
    struct route_seen *r = ctx;
    r->lines++;
    if (strstr(line, "172.16.0.0/12") && strstr(line, "via 10.1.0.2") && strstr(line, "eth1") &&
        strstr(line, " 2 ") && strstr(line, " 80"))
        r->table_line = true;
    if (strstr(line, "10.1.0.0/24") && strstr(line, "connected") && strstr(line, " 1 "))
        r->connected_line = true;
}

Test(router, per_route_counters_and_the_printed_table)
{
    setup();
    struct ipv4_route r = {
        .prefix = 0xac100000u, .plen = 12, .gateway = PEER1_IP, .ifindex = eth1->index
    };
    cr_assert_eq(ipv4_route_add(&r), 0);
    struct ik_dgram d = { .dst = 0xac1f0203u, .payload = payload, .len = 20 };
    send(eth0, &d);
    send(eth0, &d);
    d.dst = PEER1_IP;
    send(eth0, &d);
    testkit_drain(eth1);
    struct route_seen seen_routes = { 0 };
    ipv4_fib_foreach(fib_cb, &seen_routes);
    cr_assert_eq(seen_routes.static_pkts, 2);
    cr_assert_eq(seen_routes.static_bytes, 80);
    cr_assert_eq(seen_routes.conn_eth1, 1);
    router_print_routes(line_cb, &seen_routes);
    cr_assert(seen_routes.table_line, "no line for the static route with its counters");
    cr_assert(seen_routes.connected_line, "no line for eth1's subnet");
    cr_assert_eq(seen_routes.lines, 1 + 3 + 1, "header, 3 prefixes, summary");
    end();
}

/* ---- installation ---------------------------------------------------------- */

Test(router, one_instance_and_parameters_are_checked)
{
    setup();
    char err[160] = "";
    void *st = NULL;
    cr_assert_eq(install(NULL, NULL, err, sizeof err, &st), -KE_EXIST);
    cr_assert(strstr(err, "already installed"));
    end();
    eth0 = ipkit_setup(); /* the IPv4 node publishes ipv4-forward, which a router needs */
    cr_assert_eq(install("zerocopy", "maybe", err, sizeof err, &st), -KE_INVAL);
    cr_assert(strstr(err, "zerocopy"), "%s", err);
    cr_assert_eq(install("speed", "9", err, sizeof err, &st), -KE_INVAL);
    cr_assert(strstr(err, "speed"), "%s", err);
    ipkit_end(eth0);
}
