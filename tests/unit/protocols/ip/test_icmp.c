/*
 * Unit tests of the ICMP node (RFC 792, RFC 1122 3.2.2): echo replies field
 * by field as Linux sends them (tests/traces/README.md), ignored broadcast
 * echoes, validation, counted types, large pings answered in fragments,
 * icmp_send_error's quoting, refusals and rate limit.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "ipkit.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "protocols/icmp/icmp.h"
#include "protocols/ipv4/ipv4.h"
#include "testkit.h"

static uint8_t msg[65536];
static uint8_t data[65536];
static struct ik_train train;

TestSuite(icmp);

Test(icmp, echo_reply_fields_match_linux)
{
    struct netif *ifp = ipkit_setup();
    ik_pattern(data, 56, 1);
    size_t n = ik_echo(msg, ICMP_ECHO, 0x4242, 7, data, 56);
    struct ik_dgram d = { .dst = IK_OUR_IP2,
                          .proto = 1,
                          .tos = 0x28,
                          .ttl = 17,
                          .frag = 0x4000,
                          .id = 0x1111,
                          .payload = msg,
                          .len = n };
    ik_inject(ifp, &d);
    struct ik_sent s;
    cr_assert(ik_take(ifp, &s), "no echo reply");
    cr_assert_arr_eq(s.eth, IK_PEER_MAC, 6);
    cr_assert_arr_eq(s.eth + 6, IK_OUR_MAC, 6);
    cr_assert_eq(s.proto, 1);
    cr_assert_eq(s.src, IK_OUR_IP2, "reply from the address the request was sent to");
    cr_assert_eq(s.dst, IK_PEER_IP);
    cr_assert_eq(s.ttl, 64, "TTL 64 whatever the request's");
    cr_assert_eq(s.tos, 0x28, "TOS copied");
    cr_assert_eq(s.frag, 0, "DF clear even though the request had it");
    cr_assert_neq(s.id, 0x1111, "own IP ID, not the request's");
    cr_assert_eq(s.total, 20 + 8 + 56);
    cr_assert_eq(ik_csum(s.ip, 20), 0);
    cr_assert_eq(s.l4[0], ICMP_ECHOREPLY);
    cr_assert_eq(s.l4[1], 0);
    cr_assert_eq(load_be16(s.l4 + 4), 0x4242);
    cr_assert_eq(load_be16(s.l4 + 6), 7);
    cr_assert_arr_eq(s.l4 + 8, data, 56);
    cr_assert_eq(ik_csum(s.l4, s.l4_len), 0, "ICMP checksum over the whole message");
    ik_sent_free(&s);
    cr_assert_eq(ik_counter("icmp", "rx_echo"), 1);
    cr_assert_eq(ik_counter("icmp", "tx_echo_reply"), 1);
    ipkit_end(ifp);
}

Test(icmp, echo_with_no_data_in_a_padded_frame)
{
    struct netif *ifp = ipkit_setup();
    size_t n = ik_echo(msg, ICMP_ECHO, 1, 3, NULL, 0);
    struct ik_dgram d = { .proto = 1, .payload = msg, .len = n, .link_pad = 18 };
    ik_inject(ifp, &d);
    struct ik_sent s;
    cr_assert(ik_take(ifp, &s));
    cr_assert_eq(s.total, 28);
    cr_assert_eq(s.l4[0], ICMP_ECHOREPLY);
    cr_assert_eq(ik_csum(s.l4, s.l4_len), 0);
    ik_sent_free(&s);
    ipkit_end(ifp);
}

Test(icmp, echo_to_broadcast_is_ignored)
{
    struct netif *ifp = ipkit_setup();
    size_t n = ik_echo(msg, ICMP_ECHO, 1, 1, "abcd", 4);
    struct ik_dgram d = {
        .dst = IK_BCAST_IP, .dst_mac = IK_BCAST_MAC, .proto = 1, .payload = msg, .len = n
    };
    ik_inject(ifp, &d);
    d.dst = 0xffffffffu;
    ik_inject(ifp, &d);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(ik_counter("icmp", "echo_bcast_ignored"), 2);
    ipkit_end(ifp);
}

Test(icmp, bad_checksum_is_dropped_without_protocol_unreachable)
{
    struct netif *ifp = ipkit_setup();
    size_t n = ik_echo(msg, ICMP_ECHO, 1, 1, "abcd", 4);
    msg[2] ^= 0x01;
    struct ik_dgram d = { .proto = 1, .payload = msg, .len = n };
    ik_inject(ifp, &d);
    cr_assert_eq(ik_counter("icmp", "bad_csum"), 1);
    cr_assert_eq(ik_counter("ipv4", "no_proto"), 0);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    ipkit_end(ifp);
}

Test(icmp, message_shorter_than_8_bytes_is_dropped)
{
    struct netif *ifp = ipkit_setup();
    static const uint8_t m[4] = { 8, 0, 0xf7, 0xff };
    struct ik_dgram d = { .proto = 1, .payload = m, .len = 4 };
    ik_inject(ifp, &d);
    cr_assert_eq(ik_counter("icmp", "too_short"), 1);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    ipkit_end(ifp);
}

Test(icmp, other_types_are_counted_not_answered)
{
    struct netif *ifp = ipkit_setup();
    static const uint8_t types[] = { ICMP_ECHOREPLY, ICMP_UNREACH, ICMP_TIMXCEED, 13 };
    for (size_t i = 0; i < sizeof types; i++) {
        size_t n = ik_echo(msg, types[i], 1, 1, "abcdefgh", 8);
        struct ik_dgram d = { .proto = 1, .payload = msg, .len = n };
        ik_inject(ifp, &d);
    }
    cr_assert_eq(ik_counter("icmp", "rx_echo_reply"), 1);
    cr_assert_eq(ik_counter("icmp", "rx_unreach"), 1);
    cr_assert_eq(ik_counter("icmp", "rx_timxceed"), 1);
    cr_assert_eq(ik_counter("icmp", "rx_other"), 1);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    ipkit_end(ifp);
}

/* ping - inject an echo request with @size data bytes in 1500-MTU fragments. */
static void ping(struct netif *ifp, size_t size, uint16_t seq)
{
    ik_pattern(data, size, seq);
    size_t n = ik_echo(msg, ICMP_ECHO, 0x77, seq, data, size);
    struct ik_dgram d = { .proto = 1, .id = (uint16_t)(0x9000 + seq), .payload = msg, .len = n };
    for (size_t off = 0; off < n; off += 1480)
        ik_inject_frag(ifp, &d, off, off + 1480 < n ? 1480 : n - off, off + 1480 < n);
}

static void check_reply_train(unsigned frags, uint16_t last_total, size_t size, uint16_t seq)
{
    cr_assert_eq(train.n, frags, "%u fragments", train.n);
    for (unsigned i = 0; i < frags; i++) {
        cr_assert_eq(train.total[i], i + 1 < frags ? 1500 : last_total);
        cr_assert_eq(train.frag[i] & 0x1fff, i * 185);
        cr_assert_eq(train.frag[i] & 0x4000, 0, "DF clear");
        cr_assert(train.csum_ok[i]);
    }
    cr_assert_eq(train.len, 8 + size);
    cr_assert_eq(train.payload[0], ICMP_ECHOREPLY);
    cr_assert_eq(load_be16(train.payload + 4), 0x77);
    cr_assert_eq(load_be16(train.payload + 6), seq);
    cr_assert_eq(ik_csum(train.payload, train.len), 0);
    cr_assert_arr_eq(train.payload + 8, data, size);
}

Test(icmp, ping_3000_is_answered_in_three_fragments)
{
    struct netif *ifp = ipkit_setup();
    ping(ifp, 3000, 1);
    ik_take_train(ifp, &train);
    check_reply_train(3, 68, 3000, 1);
    ipkit_end(ifp);
}

Test(icmp, ping_8000_is_answered_in_six_fragments)
{
    struct netif *ifp = ipkit_setup();
    ping(ifp, 8000, 2);
    ik_take_train(ifp, &train);
    check_reply_train(6, 628, 8000, 2);
    ipkit_end(ifp);
}

Test(icmp, largest_ping_is_answered)
{
    struct netif *ifp = ipkit_setup();
    ping(ifp, 65507, 3); /* 20 + 8 + 65507 = 65535 */
    ik_take_train(ifp, &train);
    check_reply_train(45, (uint16_t)(20 + (65515 - 44 * 1480)), 65507, 3);
    ipkit_end(ifp);
}

/* orig_pkt - a received-looking datagram for icmp_send_error (data at its IP header, L3 set). */
static struct pktbuf *orig_pkt(const struct ik_dgram *d)
{
    static uint8_t f[2048];
    size_t n = ik_frame(f, sizeof f, d);
    struct pktbuf *p = pkt_alloc(pktpool_default());
    memcpy(pkt_append(p, (uint16_t)(n - 14)), f + 14, n - 14);
    pkt_set_layer(p, PKT_L3);
    p->layer[PKT_L4] = (uint16_t)(p->data_off + 20 + d->optlen);
    p->flags = PKT_F_L3_LOCAL;
    return p;
}

Test(icmp, error_quotes_at_most_548_bytes_for_576_in_all)
{
    struct netif *ifp = ipkit_setup();
    ik_pattern(data, 1408, 4);
    struct ik_dgram d = { .proto = 17, .tos = 0x10, .id = 0x3333, .payload = data, .len = 1408 };
    struct pktbuf *o = orig_pkt(&d);
    cr_assert_eq(icmp_send_error(o, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, 1400), 0);
    struct ik_sent s;
    cr_assert(ik_take(ifp, &s));
    cr_assert_eq(s.total, 576);
    cr_assert_eq(s.src, IK_OUR_IP, "from the address the datagram was sent to");
    cr_assert_eq(s.dst, IK_PEER_IP);
    cr_assert_eq(s.tos, 0xd0, "internetwork control precedence | the original's TOS bits");
    cr_assert_eq(s.ttl, 64);
    cr_assert_eq(s.frag, 0);
    cr_assert_eq(s.l4[0], ICMP_UNREACH);
    cr_assert_eq(s.l4[1], ICMP_UNREACH_NEEDFRAG);
    cr_assert_eq(load_be32(s.l4 + 4), 1400, "next-hop MTU in the low 16 bits");
    cr_assert_eq(ik_csum(s.l4, s.l4_len), 0);
    cr_assert_arr_eq(s.l4 + 8, pkt_data(o), 548, "quote = the original from its IP header");
    ik_sent_free(&s);
    pkt_free(o);
    cr_assert_eq(ik_counter("icmp", "tx_error"), 1);
    ipkit_end(ifp);
}

Test(icmp, protocol_unreachable_quotes_the_reassembled_datagram)
{
    struct netif *ifp = ipkit_setup();
    ik_pattern(data, 3008, 6);
    struct ik_dgram d = { .proto = 253, .id = 0x4444, .payload = data, .len = 3008 };
    ik_inject_frag(ifp, &d, 1480, 1480, true);
    ik_inject_frag(ifp, &d, 0, 1480, true);
    ik_inject_frag(ifp, &d, 2960, 48, false);
    struct ik_sent s;
    cr_assert(ik_take(ifp, &s));
    cr_assert_eq(s.l4[0], ICMP_UNREACH);
    cr_assert_eq(s.l4[1], ICMP_UNREACH_PROTOCOL);
    const uint8_t *q = s.l4 + 8;
    cr_assert_eq(load_be16(q + 2), 3028, "quoted total length of the whole datagram");
    cr_assert_eq(load_be16(q + 6), 0, "quoted MF and offset cleared");
    cr_assert_eq(ik_csum(q, 20), 0, "quoted header checksum recomputed");
    cr_assert_arr_eq(q + 20, data, 548 - 20);
    ik_sent_free(&s);
    ipkit_end(ifp);
}

Test(icmp, no_error_about_an_icmp_error_but_about_an_echo)
{
    struct netif *ifp = ipkit_setup();
    size_t n = ik_echo(msg, ICMP_UNREACH, 0, 0, "12345678", 8);
    struct ik_dgram d = { .proto = 1, .payload = msg, .len = n };
    struct pktbuf *o = orig_pkt(&d);
    cr_assert_eq(icmp_send_error(o, ICMP_UNREACH, ICMP_UNREACH_PORT, 0), -KE_INVAL);
    pkt_free(o);
    n = ik_echo(msg, ICMP_ECHO, 0, 0, "12345678", 8);
    o = orig_pkt(&d);
    cr_assert_eq(icmp_send_error(o, ICMP_UNREACH, ICMP_UNREACH_PORT, 0), 0);
    pkt_free(o);
    cr_assert_eq(ik_counter("icmp", "err_refused"), 1);
    cr_assert_eq(testkit_drain(ifp), 1);
    ipkit_end(ifp);
}

Test(icmp, no_error_about_a_non_first_fragment)
{
    struct netif *ifp = ipkit_setup();
    struct ik_dgram d = { .proto = 17, .frag = 0x2000 | 185, .payload = data, .len = 64 };
    struct pktbuf *o = orig_pkt(&d);
    cr_assert_eq(icmp_send_error(o, ICMP_UNREACH, ICMP_UNREACH_PORT, 0), -KE_INVAL);
    pkt_free(o);
    d.frag = 0x2000; /* the first fragment may be answered */
    o = orig_pkt(&d);
    cr_assert_eq(icmp_send_error(o, ICMP_TIMXCEED, ICMP_TIMXCEED_REASS, 0), 0);
    pkt_free(o);
    cr_assert_eq(testkit_drain(ifp), 1);
    ipkit_end(ifp);
}

Test(icmp, no_error_about_broadcast_or_multicast_or_bad_sources)
{
    struct netif *ifp = ipkit_setup();
    static const uint32_t bad_dst[] = { IK_BCAST_IP, 0xffffffffu, 0xe0000001u };
    for (size_t i = 0; i < 3; i++) {
        struct ik_dgram d = { .proto = 17, .dst = bad_dst[i], .payload = data, .len = 16 };
        struct pktbuf *o = orig_pkt(&d);
        o->flags = 0;
        cr_assert_eq(icmp_send_error(o, ICMP_UNREACH, ICMP_UNREACH_PORT, 0), -KE_INVAL,
                     "answered a datagram to %08x", bad_dst[i]);
        pkt_free(o);
    }
    static const uint32_t bad_src[] = { 0x00000000u, 0x7f000001u, 0xe0000001u,
                                        0xf0000001u, 0xffffffffu, IK_BCAST_IP };
    for (size_t i = 0; i < 6; i++) {
        struct ik_dgram d = { .proto = 17, .payload = data, .len = 16 };
        struct pktbuf *o = orig_pkt(&d);
        store_be32(pkt_data(o) + 12, bad_src[i]);
        cr_assert_eq(icmp_send_error(o, ICMP_UNREACH, ICMP_UNREACH_PORT, 0), -KE_INVAL,
                     "answered a datagram from %08x", bad_src[i]);
        pkt_free(o);
    }
    /* A link-layer broadcast carrying a unicast IP destination. */
    struct ik_dgram d = { .proto = 17, .payload = data, .len = 16 };
    struct pktbuf *o = orig_pkt(&d);
    o->flags |= PKT_F_L2_BCAST;
    cr_assert_eq(icmp_send_error(o, ICMP_UNREACH, ICMP_UNREACH_PORT, 0), -KE_INVAL);
    pkt_free(o);
    cr_assert_eq(ik_counter("icmp", "err_refused"), 10);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    ipkit_end(ifp);
}

Test(icmp, errors_are_rate_limited_by_a_token_bucket)
{
    struct netif *ifp = ipkit_setup();
    struct ik_dgram d = { .proto = 17, .payload = data, .len = 16 };
    struct pktbuf *o = orig_pkt(&d);
    for (unsigned i = 0; i < ICMP_ERR_BURST; i++)
        cr_assert_eq(icmp_send_error(o, ICMP_UNREACH, ICMP_UNREACH_PORT, 0), 0, "error %u", i);
    cr_assert_eq(icmp_send_error(o, ICMP_UNREACH, ICMP_UNREACH_PORT, 0), -KE_AGAIN);
    cr_assert_eq(ik_counter("icmp", "err_rate_limited"), 1);
    testkit_advance(ICMP_ERR_INTERVAL_NS - 1);
    cr_assert_eq(icmp_send_error(o, ICMP_UNREACH, ICMP_UNREACH_PORT, 0), -KE_AGAIN);
    testkit_advance(1);
    cr_assert_eq(icmp_send_error(o, ICMP_UNREACH, ICMP_UNREACH_PORT, 0), 0,
                 "one token per interval");
    cr_assert_eq(icmp_send_error(o, ICMP_UNREACH, ICMP_UNREACH_PORT, 0), -KE_AGAIN);
    testkit_advance(100 * ICMP_ERR_INTERVAL_NS);
    for (unsigned i = 0; i < ICMP_ERR_BURST; i++)
        cr_assert_eq(icmp_send_error(o, ICMP_UNREACH, ICMP_UNREACH_PORT, 0), 0, "refill %u", i);
    cr_assert_eq(icmp_send_error(o, ICMP_UNREACH, ICMP_UNREACH_PORT, 0), -KE_AGAIN,
                 "the bucket holds at most the burst");
    pkt_free(o);
    cr_assert_eq(testkit_drain(ifp), 2 * ICMP_ERR_BURST + 1);
    ipkit_end(ifp);
}

Test(icmp, echo_replies_are_not_rate_limited)
{
    struct netif *ifp = ipkit_setup();
    for (unsigned i = 0; i < 3 * ICMP_ERR_BURST; i++) {
        size_t n = ik_echo(msg, ICMP_ECHO, 5, (uint16_t)i, "x", 1);
        struct ik_dgram d = { .proto = 1, .payload = msg, .len = n };
        ik_inject(ifp, &d);
    }
    cr_assert_eq(testkit_drain(ifp), 3 * ICMP_ERR_BURST);
    ipkit_end(ifp);
}

Test(icmp, fini_removes_the_node)
{
    struct netif *ifp = ipkit_setup();
    icmp_fini();
    size_t n = ik_echo(msg, ICMP_ECHO, 1, 1, "abcd", 4);
    struct ik_dgram d = { .proto = 1, .payload = msg, .len = n };
    ik_inject(ifp, &d);
    /* Nobody speaks ICMP now: the datagram is a protocol nobody takes, and its
     * error (ipv4.ProtocolUnreachable) has no ICMP node left to answer it. */
    struct ik_sent s;
    cr_assert_eq(testkit_sent_count(ifp), 0);
    uint64_t v = 0;
    cr_assert_eq(kstats_find("ipv4", "no_proto", &v), 0);
    cr_assert_eq(v, 1);
    cr_assert_eq(ipv4_ProtocolUnreachable.nhandlers, 0, "fini removed every ICMP handler");
    cr_assert_eq(icmp_init(), 0);
    cr_assert_eq(ipv4_ProtocolUnreachable.nhandlers, 1);
    ik_inject(ifp, &d);
    cr_assert(ik_take(ifp, &s));
    cr_assert_eq(s.l4[0], ICMP_ECHOREPLY);
    ik_sent_free(&s);
    ipkit_end(ifp);
}
