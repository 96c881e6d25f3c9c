/*
 * Unit tests of the IPv4 node: receive validation (every drop has its
 * counter), local delivery, protocol unreachable, not-for-us, ipv4_send and
 * ipv4_output, accessors. RFC 791 3.1, RFC 1122 3.2.1.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "ipkit.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "protocols/ether/ether.h"
#include "protocols/icmp/icmp.h"
#include "protocols/ipv4/ipv4.h"
#include "testkit.h"

/* A recording handler on ipv4_LocalArrived. */
static struct {
    unsigned calls;
    int result; /* what the handler returns */
    uint16_t len, total;
    uint32_t flags;
    bool data_at_l3; /* the L3 view starts at the IPv4 header */
    uint16_t l4_off; /* L4 - L3, bytes */
    uint8_t payload[2048];
    uint16_t payload_len;
} rec;

static int recorder(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    rec.calls++;
    rec.len = pkt_layer_len(p, PKT_L3);
    rec.total = load_be16(pkt_layer_ptr(p, PKT_L3) + 2);
    rec.flags = p->flags;
    rec.data_at_l3 =
        (pkt_layer_ptr(p, PKT_L3)[0] >> 4) == 4 && p->layer[PKT_L3] == p->layer[PKT_L2] + 14;
    rec.l4_off = (uint16_t)(p->layer[PKT_L4] - p->layer[PKT_L3]);
    rec.payload_len = pkt_layer_len(p, PKT_L4);
    if (rec.payload_len <= sizeof rec.payload)
        memcpy(rec.payload, pkt_layer_ptr(p, PKT_L4), rec.payload_len);
    return rec.result;
}

static struct netif *setup_with_recorder(uint8_t proto)
{
    memset(&rec, 0, sizeof rec);
    rec.result = KH_TAKEN;
    struct netif *ifp = ipkit_setup();
    struct kguard g = ipv4_guard_proto(proto);
    cr_assert_eq(ipv4_LocalArrived_install(recorder, NULL, &g, NULL, NULL), 0);
    return ifp;
}

static const uint8_t data16[16] = "0123456789abcdef";

TestSuite(ipv4);

Test(ipv4, valid_datagram_is_delivered_as_an_l3_view_of_its_total_length)
{
    struct netif *ifp = setup_with_recorder(253);
    struct ik_dgram d = { .payload = data16, .len = sizeof data16, .link_pad = 20 };
    ik_inject(ifp, &d);
    cr_assert_eq(rec.calls, 1);
    cr_assert(rec.data_at_l3);
    cr_assert_eq(rec.len, 36, "Ethernet padding not trimmed from the view: len %u", rec.len);
    cr_assert_eq(rec.total, 36);
    cr_assert_eq(rec.l4_off, 20);
    cr_assert_eq(rec.payload_len, 16);
    cr_assert_arr_eq(rec.payload, data16, 16);
    cr_assert(rec.flags & PKT_F_L3_LOCAL);
    cr_assert_not(rec.flags & PKT_F_L3_BCAST);
    cr_assert_eq(ik_counter("ipv4", "rx"), 1);
    cr_assert_eq(ik_counter("ipv4", "delivered"), 1);
    cr_assert_eq(ik_counter("ipv4", "no_proto"), 0);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    ipkit_end(ifp);
}

Test(ipv4, options_are_skipped_l4_follows_them)
{
    struct netif *ifp = setup_with_recorder(253);
    static const uint8_t opts[8] = { 0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00 };
    struct ik_dgram d = { .payload = data16, .len = 16, .opts = opts, .optlen = 8 };
    ik_inject(ifp, &d);
    cr_assert_eq(rec.calls, 1);
    cr_assert_eq(rec.l4_off, 28);
    cr_assert_eq(rec.payload_len, 16);
    cr_assert_arr_eq(rec.payload, data16, 16);
    ipkit_end(ifp);
}

Test(ipv4, datagram_to_second_address_is_local)
{
    struct netif *ifp = setup_with_recorder(253);
    struct ik_dgram d = { .dst = IK_OUR_IP2, .payload = data16, .len = 16 };
    ik_inject(ifp, &d);
    cr_assert_eq(rec.calls, 1);
    cr_assert(rec.flags & PKT_F_L3_LOCAL);
    ipkit_end(ifp);
}

Test(ipv4, broadcasts_are_local_and_flagged)
{
    struct netif *ifp = setup_with_recorder(253);
    struct ik_dgram d = {
        .dst = IK_BCAST_IP, .dst_mac = IK_BCAST_MAC, .payload = data16, .len = 16
    };
    ik_inject(ifp, &d);
    cr_assert_eq(rec.calls, 1);
    cr_assert_eq(rec.flags & (PKT_F_L3_LOCAL | PKT_F_L3_BCAST), PKT_F_L3_LOCAL | PKT_F_L3_BCAST);
    d.dst = 0xffffffffu;
    ik_inject(ifp, &d);
    cr_assert_eq(rec.calls, 2);
    cr_assert_eq(rec.flags & (PKT_F_L3_LOCAL | PKT_F_L3_BCAST), PKT_F_L3_LOCAL | PKT_F_L3_BCAST);
    cr_assert_eq(ik_counter("ipv4", "rx_bcast"), 2);
    ipkit_end(ifp);
}

Test(ipv4, zero_source_is_accepted_only_towards_limited_broadcast)
{
    struct netif *ifp = setup_with_recorder(253);
    struct ik_dgram d = {
        .src = 0, .dst = 0xffffffffu, .dst_mac = IK_BCAST_MAC, .payload = data16, .len = 16
    };
    /* .src 0 means the peer in ik_dgram: build the DHCP-style frame by hand. */
    uint8_t f[128];
    size_t n = ik_frame(f, sizeof f, &d);
    store_be32(f + 14 + 12, 0);
    store_be16(f + 14 + 10, 0);
    store_be16(f + 14 + 10, ik_csum(f + 14, 20));
    testkit_inject(ifp, f, n);
    cr_assert_eq(rec.calls, 1);
    /* 0.0.0.0 to a unicast address of ours is a martian. */
    store_be32(f + 14 + 16, IK_OUR_IP);
    store_be16(f + 14 + 10, 0);
    store_be16(f + 14 + 10, ik_csum(f + 14, 20));
    testkit_inject(ifp, f, n);
    cr_assert_eq(rec.calls, 1);
    cr_assert_eq(ik_counter("ipv4", "martian_src_zero"), 1);
    ipkit_end(ifp);
}

/* expect_drop - inject @d: nothing is delivered or sent and counter @ctr goes up by one. */
static void expect_drop(const struct ik_dgram *d, const char *ctr)
{
    struct netif *ifp = setup_with_recorder(253);
    uint64_t before = ik_counter("ipv4", ctr);
    ik_inject(ifp, d);
    cr_assert_eq(ik_counter("ipv4", ctr), before + 1, "counter %s did not count the drop", ctr);
    cr_assert_eq(rec.calls, 0, "a dropped datagram was delivered");
    cr_assert_eq(ik_counter("ipv4", "rx"), 0);
    cr_assert_eq(testkit_sent_count(ifp), 0, "a dropped datagram was answered");
    ipkit_end(ifp);
}

Test(ipv4, drop_too_short_for_a_header)
{
    struct ik_dgram d = { .payload = data16, .len = 16, .cut = 14 + 12 };
    expect_drop(&d, "too_short");
}

Test(ipv4, drop_version_6)
{
    struct ik_dgram d = { .payload = data16, .len = 16, .version = 6 };
    expect_drop(&d, "bad_version");
}

Test(ipv4, drop_ihl_below_5)
{
    struct ik_dgram d = { .payload = data16, .len = 16, .ihl = 4 };
    expect_drop(&d, "bad_ihl");
}

Test(ipv4, drop_header_longer_than_the_frame)
{
    struct ik_dgram d = { .payload = data16, .len = 16, .ihl = 15 };
    expect_drop(&d, "bad_hdr_len");
}

Test(ipv4, drop_total_length_below_header_length)
{
    struct ik_dgram d = { .payload = data16, .len = 16, .total = 19 };
    expect_drop(&d, "bad_total_len");
}

Test(ipv4, drop_total_length_beyond_the_frame)
{
    struct ik_dgram d = { .payload = data16, .len = 16, .total = 100 };
    expect_drop(&d, "truncated");
}

Test(ipv4, drop_bad_header_checksum)
{
    struct ik_dgram d = { .payload = data16, .len = 16, .bad_csum = true };
    expect_drop(&d, "bad_csum");
}

Test(ipv4, drop_source_limited_broadcast)
{
    struct ik_dgram d = { .src = 0xffffffffu, .payload = data16, .len = 16 };
    expect_drop(&d, "martian_src_bcast");
}

Test(ipv4, drop_source_our_directed_broadcast)
{
    struct ik_dgram d = { .src = IK_BCAST_IP, .payload = data16, .len = 16 };
    expect_drop(&d, "martian_src_bcast");
}

Test(ipv4, drop_source_multicast)
{
    struct ik_dgram d = { .src = 0xe0000001u, .payload = data16, .len = 16 };
    expect_drop(&d, "martian_src_mcast");
}

Test(ipv4, drop_source_class_e)
{
    struct ik_dgram d = { .src = 0xf0000001u, .payload = data16, .len = 16 };
    expect_drop(&d, "martian_src_class_e");
}

Test(ipv4, drop_source_loopback)
{
    struct ik_dgram d = { .src = 0x7f000001u, .payload = data16, .len = 16 };
    expect_drop(&d, "martian_src_loopback");
}

Test(ipv4, drop_destination_loopback)
{
    struct ik_dgram d = { .dst = 0x7f000001u, .payload = data16, .len = 16 };
    expect_drop(&d, "martian_dst");
}

Test(ipv4, drop_destination_zero_network)
{
    struct ik_dgram d = { .dst = 0x00000005u, .payload = data16, .len = 16 };
    expect_drop(&d, "martian_dst");
}

Test(ipv4, not_for_us_is_counted_not_answered_not_forwarded)
{
    struct ik_dgram d = { .dst = 0x0a000003u, .payload = data16, .len = 16 };
    struct netif *ifp = setup_with_recorder(253);
    ik_inject(ifp, &d);
    cr_assert_eq(ik_counter("ipv4", "rx"), 1);
    cr_assert_eq(ik_counter("ipv4", "not_for_us"), 1);
    cr_assert_eq(rec.calls, 0);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    ipkit_end(ifp);
}

static unsigned router_calls;
static int router(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    (void)p;
    router_calls++;
    return KH_TAKEN;
}
static bool not_local(void *ctx, void *arg)
{
    (void)ctx;
    return !(((struct pktbuf *)arg)->flags & PKT_F_L3_LOCAL);
}

Test(ipv4, a_router_handler_sees_non_local_datagrams)
{
    struct netif *ifp = setup_with_recorder(253);
    router_calls = 0;
    struct kguard g = { .pred = not_local };
    cr_assert_eq(ipv4_PacketArrived_install(router, NULL, &g, NULL, NULL), 0);
    struct ik_dgram d = { .dst = 0x0a000003u, .payload = data16, .len = 16 };
    ik_inject(ifp, &d);
    d.dst = IK_OUR_IP;
    ik_inject(ifp, &d);
    cr_assert_eq(router_calls, 1);
    cr_assert_eq(rec.calls, 1);
    cr_assert_eq(ik_counter("ipv4", "not_for_us"), 0);
    ipkit_end(ifp);
}

Test(ipv4, unknown_protocol_gets_protocol_unreachable)
{
    struct netif *ifp = setup_with_recorder(17); /* nobody speaks 253 */
    struct ik_dgram d = { .payload = data16, .len = 9, .tos = 0x28, .id = 0x1234 };
    ik_inject(ifp, &d);
    cr_assert_eq(ik_counter("ipv4", "no_proto"), 1);
    struct ik_sent s;
    cr_assert(ik_take(ifp, &s));
    cr_assert_eq(s.proto, 1);
    cr_assert_eq(s.src, IK_OUR_IP);
    cr_assert_eq(s.dst, IK_PEER_IP);
    cr_assert_eq(s.tos, 0xc8);
    cr_assert_eq(s.total, 20 + 8 + 29, "a 29-byte datagram is quoted whole");
    cr_assert_eq(s.l4[0], ICMP_UNREACH);
    cr_assert_eq(s.l4[1], ICMP_UNREACH_PROTOCOL);
    cr_assert_eq(ik_csum(s.l4, s.l4_len), 0);
    cr_assert_eq(load_be32(s.l4 + 4), 0);
    cr_assert_eq(s.l4[8 + 9], 253, "quoted header's protocol");
    cr_assert_eq(load_be16(s.l4 + 8 + 4), 0x1234, "quoted header's id");
    cr_assert_arr_eq(s.l4 + 8 + 20, data16, 9);
    ik_sent_free(&s);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    ipkit_end(ifp);
}

Test(ipv4, unknown_protocol_to_broadcast_is_not_answered)
{
    struct netif *ifp = setup_with_recorder(17);
    struct ik_dgram d = {
        .dst = IK_BCAST_IP, .dst_mac = IK_BCAST_MAC, .payload = data16, .len = 16
    };
    ik_inject(ifp, &d);
    cr_assert_eq(ik_counter("ipv4", "no_proto"), 1);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    ipkit_end(ifp);
}

Test(ipv4, protocol_that_drops_a_datagram_still_counts_as_known)
{
    struct netif *ifp = setup_with_recorder(253);
    rec.result = -KE_INVAL; /* e.g. a bad transport checksum */
    struct ik_dgram d = { .payload = data16, .len = 16 };
    ik_inject(ifp, &d);
    cr_assert_eq(rec.calls, 1);
    cr_assert_eq(ik_counter("ipv4", "no_proto"), 0);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    ipkit_end(ifp);
}

Test(ipv4, send_builds_the_header_and_reaches_the_peer)
{
    struct netif *ifp = ipkit_setup();
    for (int i = 0; i < 2; i++) {
        struct pktbuf *p = pkt_alloc(pktpool_default());
        memcpy(pkt_append(p, 16), data16, 16);
        cr_assert_eq(ipv4_send(p, 0, IK_PEER_IP, 253, NULL), 0);
    }
    struct ik_sent a, b;
    cr_assert(ik_take(ifp, &a));
    cr_assert(ik_take(ifp, &b));
    cr_assert_arr_eq(a.eth, IK_PEER_MAC, 6);
    cr_assert_arr_eq(a.eth + 6, IK_OUR_MAC, 6);
    cr_assert_eq(a.ethertype, 0x0800);
    cr_assert_eq(a.ip[0], 0x45);
    cr_assert_eq(a.tos, 0);
    cr_assert_eq(a.total, 36);
    cr_assert_eq(a.frag, 0, "DF clear by default");
    cr_assert_eq(a.ttl, 64);
    cr_assert_eq(a.proto, 253);
    cr_assert_eq(a.src, IK_OUR_IP);
    cr_assert_eq(a.dst, IK_PEER_IP);
    cr_assert_eq(ik_csum(a.ip, 20), 0);
    cr_assert_arr_eq(a.l4, data16, 16);
    cr_assert_eq((uint16_t)(a.id + 1), b.id, "IP ID from a counter");
    ik_sent_free(&a);
    ik_sent_free(&b);
    ipkit_end(ifp);
}

Test(ipv4, send_of_a_shared_buffer_leaves_the_other_holders_data_alone)
{
    struct netif *ifp = ipkit_setup();
    struct pktbuf *p = pkt_alloc(pktpool_default());
    memcpy(pkt_append(p, 16), data16, 16);
    memset(pkt_data(p) - 20, 0x5a, 20); /* headroom the other holder might own */
    pkt_ref(p);
    cr_assert_eq(ipv4_send(p, 0, IK_PEER_IP, 253, NULL), 0);
    cr_assert_eq(p->refcnt, 1, "the caller's reference was consumed");
    cr_assert_eq(p->len, 16);
    cr_assert_arr_eq(pkt_data(p), data16, 16);
    for (int i = 1; i <= 20; i++)
        cr_assert_eq(pkt_data(p)[-i], 0x5a, "shared buffer written");
    pkt_free(p);
    struct ik_sent s;
    cr_assert(ik_take(ifp, &s));
    cr_assert_eq(s.total, 36);
    cr_assert_arr_eq(s.l4, data16, 16);
    ik_sent_free(&s);
    ipkit_end(ifp);
}

Test(ipv4, send_options_ttl_tos_df_id_and_source)
{
    struct netif *ifp = ipkit_setup();
    struct pktbuf *p = pkt_alloc(pktpool_default());
    memcpy(pkt_append(p, 16), data16, 16);
    struct ipv4_send_opts o = { .ttl = 5, .tos = 0x10, .df = true, .id = 0xbeef };
    cr_assert_eq(ipv4_send(p, IK_OUR_IP2, IK_PEER_IP, 17, &o), 0);
    struct ik_sent s;
    cr_assert(ik_take(ifp, &s));
    cr_assert_eq(s.ttl, 5);
    cr_assert_eq(s.tos, 0x10);
    cr_assert_eq(s.frag, 0x4000);
    cr_assert_eq(s.id, 0xbeef);
    cr_assert_eq(s.src, IK_OUR_IP2);
    cr_assert_eq(s.proto, 17);
    cr_assert_eq(ik_csum(s.ip, 20), 0);
    ik_sent_free(&s);
    ipkit_end(ifp);
}

Test(ipv4, send_via_a_gateway_goes_to_the_gateways_mac)
{
    struct netif *ifp = ipkit_setup();
    struct ipv4_route r = {
        .prefix = 0xc0a80500u, .plen = 24, .gateway = IK_PEER_IP, .ifindex = ifp->index
    };
    cr_assert_eq(ipv4_route_add(&r), 0);
    struct pktbuf *p = pkt_alloc(pktpool_default());
    memcpy(pkt_append(p, 16), data16, 16);
    cr_assert_eq(ipv4_send(p, 0, 0xc0a80507u, 253, NULL), 0);
    struct ik_sent s;
    cr_assert(ik_take(ifp, &s));
    cr_assert_arr_eq(s.eth, IK_PEER_MAC, 6);
    cr_assert_eq(s.dst, 0xc0a80507u);
    cr_assert_eq(s.src, IK_OUR_IP);
    ik_sent_free(&s);
    ipkit_end(ifp);
}

Test(ipv4, send_without_route_is_unreachable_and_frees)
{
    struct netif *ifp = ipkit_setup();
    struct pktbuf *p = pkt_alloc(pktpool_default());
    pkt_append(p, 16);
    cr_assert_eq(ipv4_send(p, 0, 0xc0a80507u, 253, NULL), -KE_UNREACH);
    cr_assert_eq(ik_counter("ipv4", "tx_no_route"), 1);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    ipkit_end(ifp);
}

Test(ipv4, send_df_larger_than_mtu_is_toobig)
{
    struct netif *ifp = ipkit_setup();
    struct pktbuf *p = pkt_alloc(pktpool_default());
    pkt_append(p, 1481);
    struct ipv4_send_opts o = { .df = true };
    cr_assert_eq(ipv4_send(p, 0, IK_PEER_IP, 253, &o), -KE_TOOBIG);
    cr_assert_eq(ik_counter("ipv4", "tx_toobig"), 1);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    ipkit_end(ifp);
}

Test(ipv4, send_limited_broadcast_goes_to_the_broadcast_mac)
{
    struct netif *ifp = ipkit_setup();
    struct pktbuf *p = pkt_alloc(pktpool_default());
    pkt_append(p, 16);
    cr_assert_eq(ipv4_send(p, IK_OUR_IP, 0xffffffffu, 253, NULL), 0);
    struct ik_sent s;
    cr_assert(ik_take(ifp, &s));
    cr_assert_arr_eq(s.eth, IK_BCAST_MAC, 6);
    cr_assert_eq(s.dst, 0xffffffffu);
    ik_sent_free(&s);
    ipkit_end(ifp);
}

Test(ipv4, output_sends_a_complete_datagram_unchanged)
{
    struct netif *ifp = ipkit_setup();
    uint8_t f[128];
    struct ik_dgram d = {
        .src = 0x0a000005u, .dst = IK_PEER_IP, .ttl = 9, .id = 77, .payload = data16, .len = 16
    };
    size_t n = ik_frame(f, sizeof f, &d);
    struct pktbuf *p = pkt_alloc(pktpool_default());
    memcpy(pkt_append(p, (uint16_t)(n - 14)), f + 14, n - 14);
    cr_assert_eq(ipv4_output(ifp, IK_PEER_IP, p), 0);
    struct ik_sent s;
    cr_assert(ik_take(ifp, &s));
    cr_assert_arr_eq(s.ip, f + 14, n - 14);
    ik_sent_free(&s);
    /* A datagram whose total length disagrees with the buffer is refused. */
    p = pkt_alloc(pktpool_default());
    memcpy(pkt_append(p, (uint16_t)(n - 14 - 1)), f + 14, n - 14 - 1);
    cr_assert_eq(ipv4_output(ifp, IK_PEER_IP, p), -KE_INVAL);
    cr_assert_eq(ik_counter("ipv4", "tx_bad"), 1);
    ipkit_end(ifp);
}

Test(ipv4, accessors_and_format)
{
    struct netif *ifp = ipkit_setup();
    uint8_t f[128];
    struct ik_dgram d = { .proto = 17,
                          .payload = data16,
                          .len = 16,
                          .opts = (const uint8_t[4]){ 1, 1, 1, 0 },
                          .optlen = 4 };
    size_t n = ik_frame(f, sizeof f, &d);
    struct pktbuf *p = pkt_alloc(pktpool_default());
    memcpy(pkt_append(p, (uint16_t)(n - 14)), f + 14, n - 14);
    pkt_set_layer(p, PKT_L3);
    cr_assert_eq(ipv4_src(p), IK_PEER_IP);
    cr_assert_eq(ipv4_dst(p), IK_OUR_IP);
    cr_assert_eq(ipv4_proto(p), 17);
    cr_assert_eq(ipv4_hdr_len(p), 24);
    pkt_free(p);
    char buf[16];
    cr_assert_str_eq(inet_fmt_ipv4(0xc0a80101u, buf), "192.168.1.1");
    cr_assert_str_eq(inet_fmt_ipv4(0xffffffffu, buf), "255.255.255.255");
    struct kguard g = ipv4_guard_proto(17);
    cr_assert_eq(g.ntests, 1);
    cr_assert_eq(g.test[0].layer, PKT_L3);
    cr_assert_eq(g.test[0].offset, 9);
    cr_assert_eq(g.test[0].width, 1);
    cr_assert_eq(g.test[0].value, 17);
    ipkit_end(ifp);
}

Test(ipv4, init_and_fini_repeat_cleanly)
{
    struct netif *ifp = setup_with_recorder(253);
    ipv4_fini();
    struct ik_dgram d = { .payload = data16, .len = 16 };
    ik_inject(ifp, &d);
    cr_assert_eq(rec.calls, 0, "delivered after ipv4_fini");
    cr_assert_eq(ipv4_init(), 0);
    ik_inject(ifp, &d);
    cr_assert_eq(rec.calls, 1);
    cr_assert_eq(ik_counter("ipv4", "rx"), 1, "counters restart at init");
    ipkit_end(ifp);
}

/* ipv4.SendPacket interposer: records the datagram, sends one copy to @ctx's
 * address with ipv4_output (which must not raise the event again), answers
 * the recorded result. */
static struct {
    unsigned calls;
    uint32_t dst;
    uint16_t total;
    int result;
    uint32_t copy_to;
} sp;
static int send_interposer(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    const uint8_t *h = pkt_layer_ptr(p, PKT_L3);
    cr_assert_eq(h, pkt_data(p), "SendPacket data at the IPv4 header");
    cr_assert_eq(ik_csum(h, 20), 0, "header complete before the raise");
    sp.calls++;
    sp.dst = load_be32(h + 16);
    sp.total = p->len;
    if (sp.copy_to != 0) {
        struct pktbuf *c = pkt_copy(pktpool_default(), p);
        cr_assert_not_null(c);
        uint8_t *ch = pkt_data(c);
        store_be32(ch + 16, sp.copy_to);
        store_be16(ch + 10, 0);
        store_be16(ch + 10, ik_csum(ch, 20));
        cr_assert_eq(ipv4_output(netif_get(p->ifindex), sp.copy_to, c), 0);
    }
    return sp.result;
}

Test(ipv4, send_raises_send_packet_for_interposers_to_copy_take_or_veto)
{
    struct netif *ifp = ipkit_setup();
    struct khandler *h = NULL;
    cr_assert_eq(ipv4_SendPacket_install(send_interposer, NULL, NULL, NULL, &h), 0);
    const uint32_t second = 0x0a000003u;
    uint8_t f[60], mac[6] = { 0x02, 0, 0, 0, 0, 3 };
    testkit_inject(ifp, f, testkit_arp_frame(f, ether_broadcast, 1, mac, second, NULL, IK_OUR_IP));
    testkit_drain(ifp);

    /* Observed: the datagram and the interposer's copy both leave. */
    sp.result = KH_PASS;
    sp.copy_to = second;
    struct pktbuf *p = pkt_alloc(pktpool_default());
    memcpy(pkt_append(p, 16), data16, 16);
    cr_assert_eq(ipv4_send(p, 0, IK_PEER_IP, 253, NULL), 0);
    cr_assert_eq(sp.calls, 1, "raised once: ipv4_output does not raise it");
    cr_assert_eq(sp.dst, IK_PEER_IP);
    cr_assert_eq(sp.total, 36);
    struct ik_sent a, b;
    cr_assert(ik_take(ifp, &a));
    cr_assert(ik_take(ifp, &b));
    cr_assert_eq(a.dst, second, "the copy left first, from inside the raise");
    cr_assert_arr_eq(a.eth, mac, 6);
    cr_assert_eq(b.dst, IK_PEER_IP);
    cr_assert_arr_eq(b.l4, data16, 16);
    ik_sent_free(&a);
    ik_sent_free(&b);

    /* Taken: nothing leaves, ipv4_send succeeds. Vetoed: its error returns. */
    sp.copy_to = 0;
    sp.result = KH_TAKEN;
    p = pkt_alloc(pktpool_default());
    pkt_append(p, 16);
    cr_assert_eq(ipv4_send(p, 0, IK_PEER_IP, 253, NULL), 0);
    sp.result = -KE_PERM;
    p = pkt_alloc(pktpool_default());
    pkt_append(p, 16);
    cr_assert_eq(ipv4_send(p, 0, IK_PEER_IP, 253, NULL), -KE_PERM);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(ik_counter("ipv4", "tx_taken"), 1);
    cr_assert_eq(ik_counter("ipv4", "tx_vetoed"), 1);
    kevent_uninstall(h);
    ipkit_end(ifp);
}

Test(ipv4, output_takes_a_header_buffer_chained_to_a_shared_payload)
{
    struct netif *ifp = ipkit_setup();
    /* the payload: 16 bytes others hold too */
    struct pktbuf *pay = pkt_alloc(pktpool_default());
    memcpy(pkt_append(pay, 16), data16, 16);
    pkt_ref(pay);
    /* the header buffer: a complete IPv4 header for 20 + 16 bytes */
    struct pktbuf *h = pkt_alloc(pktpool_default());
    uint8_t *ih = pkt_append(h, 20);
    memset(ih, 0, 20);
    ih[0] = 0x45;
    store_be16(ih + 2, 36);
    ih[8] = 64;
    ih[9] = 253;
    store_be32(ih + 12, IK_OUR_IP);
    store_be32(ih + 16, IK_PEER_IP);
    store_be16(ih + 10, ik_csum(ih, 20));
    cr_assert_eq(pkt_chain(h, pay), 0);
    cr_assert_eq(ipv4_output(ifp, IK_PEER_IP, h), 0);
    struct ik_sent s;
    cr_assert(ik_take(ifp, &s), "sent, as one frame to the port");
    cr_assert_eq(s.total, 36);
    cr_assert_eq(s.dst, IK_PEER_IP);
    cr_assert_arr_eq(s.l4, data16, 16);
    ik_sent_free(&s);
    cr_assert_eq(pay->refcnt, 1, "the chain's reference went with the frame");
    cr_assert_arr_eq(pkt_data(pay), data16, 16, "the shared payload unwritten");
    pkt_free(pay);
    ipkit_end(ifp);
}
