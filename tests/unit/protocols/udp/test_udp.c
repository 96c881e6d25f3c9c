/*
 * tests/unit/protocols/udp/test_udp.c — the UDP node (RFC 768, RFC 1122
 * 4.1): length and checksum checks and their counters, demultiplexing by
 * destination port, ICMP port unreachable (and none for broadcast),
 * udp_send and udp_reply.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "testkit.h"
#include "udpkit.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "protocols/icmp/icmp.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/udp/udp.h"

/* What a test handler saw. */
struct seen {
    int result; /* what the handler returns */
    unsigned calls;
    struct udp_info info;
    uint8_t payload[256];
    bool data_at_l4;  /* the L4 view starts at the UDP header (L5 right after it) */
    uint16_t len;     /* pkt->len */
    bool l5_after_l4; /* L5 == L4 + 8 */
    int reply_rc;     /* udp_reply result when reply is set */
    bool reply;
};

static int on_udp(void *ctx, struct pktbuf *pkt)
{
    struct seen *s = ctx;
    s->calls++;
    udp_parse(pkt, &s->info);
    if (s->info.payload_len <= sizeof s->payload)
        memcpy(s->payload, s->info.payload, s->info.payload_len);
    s->data_at_l4 = pkt_layer_ptr(pkt, PKT_L4) != NULL &&
                    pkt_layer_ptr(pkt, PKT_L4) + UDP_HDR_LEN == pkt_layer_ptr(pkt, PKT_L5) &&
                    pkt_layer_ptr(pkt, PKT_L4) == pkt_layer_ptr(pkt, PKT_L3) + 20;
    s->len = pkt_layer_len(pkt, PKT_L4);
    s->l5_after_l4 = pkt->layer[PKT_L5] == pkt->layer[PKT_L4] + UDP_HDR_LEN;
    if (s->reply)
        s->reply_rc = udp_reply(pkt, s->info.payload, s->info.payload_len);
    return s->result;
}

static struct khandler *listen_on(uint16_t port, struct seen *s)
{
    struct kguard g = udp_guard_dport(port);
    struct khandler *h = NULL;
    cr_assert_eq(udp_PacketArrived_install(on_udp, s, &g, NULL, &h), 0);
    return h;
}

static const uint8_t hello[] = "hello, udp";

Test(udp, valid_datagram_reaches_its_port_handler)
{
    struct netif *ifp = udpkit_setup();
    struct seen s = { .result = KH_TAKEN };
    listen_on(5000, &s);
    struct uk_dgram d = {
        .sport = 40000, .dport = 5000, .payload = hello, .payload_len = sizeof hello
    };
    udpkit_inject(ifp, &d);
    cr_assert_eq(s.calls, 1);
    cr_assert(s.data_at_l4, "the L4 view must start at the UDP header");
    cr_assert_eq(s.len, 8 + sizeof hello);
    cr_assert(s.l5_after_l4);
    cr_assert_eq(s.info.src, UK_PEER_IP);
    cr_assert_eq(s.info.dst, UK_OUR_IP);
    cr_assert_eq(s.info.sport, 40000);
    cr_assert_eq(s.info.dport, 5000);
    cr_assert_eq(s.info.payload_len, sizeof hello);
    cr_assert_arr_eq(s.payload, hello, sizeof hello);
    cr_assert_eq(udpkit_counter("udp", "rx"), 1);
    cr_assert_eq(udpkit_counter("udp", "rx_bytes"), sizeof hello);
    cr_assert_eq(testkit_sent_count(ifp), 0, "nothing is answered");
    cr_assert(pktpool_all_full());
}

Test(udp, demultiplexes_by_destination_port)
{
    struct netif *ifp = udpkit_setup();
    struct seen a = { .result = KH_TAKEN }, b = { .result = KH_TAKEN };
    listen_on(1000, &a);
    listen_on(2000, &b);
    struct uk_dgram d = { .sport = 9, .dport = 1000, .payload = hello, .payload_len = 3 };
    udpkit_inject(ifp, &d);
    udpkit_inject(ifp, &d);
    d.dport = 2000;
    udpkit_inject(ifp, &d);
    cr_assert_eq(a.calls, 2);
    cr_assert_eq(b.calls, 1);
    cr_assert_eq(b.info.dport, 2000);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert(pktpool_all_full());
}

Test(udp, zero_checksum_means_none_and_is_accepted)
{
    struct netif *ifp = udpkit_setup();
    struct seen s = { .result = KH_TAKEN };
    listen_on(5000, &s);
    struct uk_dgram d = {
        .sport = 1, .dport = 5000, .payload = hello, .payload_len = 5, .zero_csum = true
    };
    udpkit_inject(ifp, &d);
    cr_assert_eq(s.calls, 1);
    cr_assert_eq(udpkit_counter("udp", "csum_none"), 1);
    cr_assert(pktpool_all_full());
}

Test(udp, bad_checksum_is_counted_and_dropped_silently)
{
    struct netif *ifp = udpkit_setup();
    struct seen s = { .result = KH_TAKEN };
    listen_on(5000, &s);
    struct uk_dgram d = {
        .sport = 1, .dport = 5000, .payload = hello, .payload_len = 5, .bad_csum = true
    };
    udpkit_inject(ifp, &d);
    cr_assert_eq(s.calls, 0);
    cr_assert_eq(udpkit_counter("udp", "csum_bad"), 1);
    cr_assert_eq(udpkit_counter("udp", "rx"), 0);
    /* RFC 1122 4.1.3.4: discarded silently, and UDP recognised it: no ICMP at all */
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert(pktpool_all_full());
}

Test(udp, length_field_below_header_size_is_dropped)
{
    struct netif *ifp = udpkit_setup();
    struct seen s = { .result = KH_TAKEN };
    listen_on(5000, &s);
    struct uk_dgram d = { .sport = 1,
                          .dport = 5000,
                          .payload = hello,
                          .payload_len = 4,
                          .set_ulen = true,
                          .ulen = 7,
                          .zero_csum = true };
    udpkit_inject(ifp, &d);
    cr_assert_eq(s.calls, 0);
    cr_assert_eq(udpkit_counter("udp", "len_short"), 1);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert(pktpool_all_full());
}

Test(udp, length_field_beyond_ip_payload_is_dropped)
{
    struct netif *ifp = udpkit_setup();
    struct seen s = { .result = KH_TAKEN };
    listen_on(5000, &s);
    struct uk_dgram d = { .sport = 1,
                          .dport = 5000,
                          .payload = hello,
                          .payload_len = 4,
                          .set_ulen = true,
                          .ulen = 8 + 5,
                          .zero_csum = true };
    udpkit_inject(ifp, &d);
    cr_assert_eq(s.calls, 0);
    cr_assert_eq(udpkit_counter("udp", "len_over"), 1);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert(pktpool_all_full());
}

Test(udp, ip_payload_shorter_than_header_is_dropped)
{
    struct netif *ifp = udpkit_setup();
    struct seen s = { .result = KH_TAKEN };
    listen_on(5000, &s);
    struct uk_dgram d = { .sport = 1, .dport = 5000, .zero_csum = true };
    uint8_t f[64];
    size_t n = udpkit_frame(f, sizeof f, &d);
    /* cut the IP datagram to 20 + 6 bytes: the UDP header does not fit */
    f[14 + 2] = 0;
    f[14 + 3] = 26;
    f[14 + 10] = f[14 + 11] = 0;
    uint32_t sum = inet_csum_add(0, f + 14, 20);
    store_be16(f + 14 + 10, inet_csum_fold(sum));
    cr_assert_eq(n, 14 + 28);
    testkit_inject(ifp, f, 14 + 26);
    cr_assert_eq(s.calls, 0);
    cr_assert_eq(udpkit_counter("udp", "hdr_short"), 1);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert(pktpool_all_full());
}

Test(udp, bytes_beyond_the_length_field_are_trimmed)
{
    struct netif *ifp = udpkit_setup();
    struct seen s = { .result = KH_TAKEN };
    listen_on(5000, &s);
    /* 6 junk bytes inside the IP total length after an 8 + 5 byte datagram;
     * the checksum covers only the 13 bytes of the Length field */
    struct uk_dgram d = {
        .sport = 1, .dport = 5000, .payload = hello, .payload_len = 5, .ip_pad = 6
    };
    udpkit_inject(ifp, &d);
    cr_assert_eq(s.calls, 1);
    cr_assert_eq(s.len, 13);
    cr_assert_eq(s.info.payload_len, 5);
    cr_assert_arr_eq(s.payload, hello, 5);
    cr_assert_eq(udpkit_counter("udp", "trimmed"), 1);
    cr_assert_eq(udpkit_counter("udp", "csum_bad"), 0);
    cr_assert(pktpool_all_full());
}

/* Check @s is ICMP port unreachable quoting the datagram of @f (a frame). */
static void assert_port_unreachable(struct uk_sent *s, const uint8_t *f)
{
    cr_assert_eq(s->ethertype, 0x0800);
    cr_assert_eq(s->proto, 1);
    cr_assert_eq(s->dst, UK_PEER_IP);
    cr_assert_eq(s->src, UK_OUR_IP);
    cr_assert(memcmp(s->eth, UK_PEER_MAC, 6) == 0);
    cr_assert_eq(s->l4[0], ICMP_UNREACH);
    cr_assert_eq(s->l4[1], ICMP_UNREACH_PORT);
    /* RFC 792: the original IP header and its first 8 data bytes are quoted */
    cr_assert_geq(s->l4_len, 8 + 20 + 8);
    cr_assert_arr_eq(s->l4 + 8, f + 14, 28);
}

Test(udp, no_listener_gets_icmp_port_unreachable)
{
    struct netif *ifp = udpkit_setup();
    struct uk_dgram d = { .sport = 33434, .dport = 33435, .payload = hello, .payload_len = 8 };
    uint8_t f[128];
    udpkit_frame(f, sizeof f, &d);
    udpkit_inject(ifp, &d);
    struct uk_sent s;
    cr_assert(udpkit_take(ifp, &s), "ICMP port unreachable expected");
    assert_port_unreachable(&s, f);
    udpkit_sent_free(&s);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(udpkit_counter("udp", "no_port"), 1);
    cr_assert_eq(udpkit_counter("udp", "unreach_sent"), 1);
    cr_assert(pktpool_all_full());
}

Test(udp, an_observer_alone_does_not_prevent_port_unreachable)
{
    struct netif *ifp = udpkit_setup();
    struct seen obs = { .result = KH_PASS };
    cr_assert_eq(udp_PacketArrived_install(on_udp, &obs, NULL, NULL, NULL), 0);
    struct uk_dgram d = { .sport = 7777, .dport = 9999, .payload = hello, .payload_len = 8 };
    uint8_t f[128];
    udpkit_frame(f, sizeof f, &d);
    udpkit_inject(ifp, &d);
    cr_assert_eq(obs.calls, 1);
    struct uk_sent s;
    cr_assert(udpkit_take(ifp, &s));
    assert_port_unreachable(&s, f);
    udpkit_sent_free(&s);
    cr_assert(pktpool_all_full());
}

Test(udp, a_listener_that_drops_still_owns_the_port)
{
    struct netif *ifp = udpkit_setup();
    struct seen s = { .result = -KE_INVAL };
    listen_on(9999, &s);
    struct uk_dgram d = { .sport = 7777, .dport = 9999, .payload = hello, .payload_len = 8 };
    udpkit_inject(ifp, &d);
    cr_assert_eq(s.calls, 1);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(udpkit_counter("udp", "no_port"), 0);
    cr_assert(pktpool_all_full());
}

Test(udp, no_port_unreachable_for_broadcasts)
{
    struct netif *ifp = udpkit_setup();
    /* directed broadcast to 10.0.0.255 in an Ethernet broadcast frame */
    struct uk_dgram d = { .dst_mac = UK_BCAST_MAC,
                          .dst = UK_BCAST_IP,
                          .sport = 68,
                          .dport = 67,
                          .payload = hello,
                          .payload_len = 4 };
    udpkit_inject(ifp, &d);
    /* limited broadcast */
    d.dst = 0xffffffffu;
    udpkit_inject(ifp, &d);
    /* unicast IP inside a link-layer broadcast frame */
    d.dst = UK_OUR_IP;
    udpkit_inject(ifp, &d);
    cr_assert_eq(udpkit_counter("udp", "rx"), 3, "all three are valid datagrams for us");
    cr_assert_eq(udpkit_counter("udp", "no_port"), 3);
    cr_assert_eq(udpkit_counter("udp", "no_port_bcast"), 3);
    cr_assert_eq(udpkit_counter("udp", "unreach_sent"), 0);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert(pktpool_all_full());
}

/* An ipv4_LocalArrived observer installed after UDP: what it saw. */
struct ip_view {
    unsigned calls;
    bool at_l3;
    uint16_t len;
};

static int observe_ip(void *ctx, struct pktbuf *pkt)
{
    struct ip_view *v = ctx;
    v->calls++;
    v->at_l3 = pkt_layer_ptr(pkt, PKT_L3) != NULL && pkt_layer_ptr(pkt, PKT_L3)[0] == 0x45;
    v->len = pkt_layer_len(pkt, PKT_L3);
    return KH_PASS;
}

Test(udp, the_received_buffer_is_left_as_the_raiser_gave_it)
{
    struct netif *ifp = udpkit_setup();
    struct seen s = { .result = KH_TAKEN };
    listen_on(5000, &s);
    struct ip_view v = { 0 };
    struct kguard g = ipv4_guard_proto(17);
    cr_assert_eq(ipv4_LocalArrived_install(observe_ip, &v, &g, NULL, NULL), 0);
    struct uk_dgram d = {
        .sport = 1, .dport = 5000, .payload = hello, .payload_len = 5, .ip_pad = 3
    };
    udpkit_inject(ifp, &d);
    cr_assert_eq(s.calls, 1);
    cr_assert(s.data_at_l4);
    cr_assert_eq(v.calls, 1);
    cr_assert(v.at_l3, "the L3 view is still the IPv4 datagram after UDP");
    cr_assert_eq(v.len, 20 + 8 + 5 + 3);
    cr_assert(pktpool_all_full());
}

Test(udp, udp_send_builds_header_and_checksum)
{
    struct netif *ifp = udpkit_setup();
    struct pktbuf *p = pkt_alloc(pktpool_default());
    memcpy(pkt_append(p, 5), "abcde", 5);
    cr_assert_eq(udp_send(p, 0, UK_PEER_IP, 1234, 4321), 0);
    struct uk_sent s;
    cr_assert(udpkit_take(ifp, &s));
    cr_assert_eq(s.proto, 17);
    cr_assert_eq(s.src, UK_OUR_IP, "source 0 chooses the interface's address");
    cr_assert_eq(s.dst, UK_PEER_IP);
    cr_assert(memcmp(s.eth, UK_PEER_MAC, 6) == 0);
    cr_assert(udpkit_ip_csum_ok(s.ip));
    cr_assert_eq(s.l4_len, 13);
    cr_assert_eq(load_be16(s.l4), 1234);
    cr_assert_eq(load_be16(s.l4 + 2), 4321);
    cr_assert_eq(load_be16(s.l4 + 4), 13);
    cr_assert(udpkit_udp_csum_ok(s.src, s.dst, s.l4, 13));
    cr_assert_arr_eq(s.l4 + 8, "abcde", 5);
    udpkit_sent_free(&s);
    cr_assert_eq(udpkit_counter("udp", "tx"), 1);
    cr_assert(pktpool_all_full());
}

Test(udp, a_chained_payload_leaves_as_one_correct_datagram)
{
    struct netif *ifp = udpkit_setup();
    struct pktbuf *payload = pkt_alloc(pktpool_default());
    memcpy(pkt_append(payload, 7), "payload", 7);
    for (unsigned i = 0; i < 2; i++) {
        struct pktbuf *head = pkt_alloc(pktpool_default());
        memcpy(pkt_append(head, 3), "rtp", 3); /* an odd-length head */
        cr_assert_eq(pkt_chain(head, pkt_ref(payload)), 0);
        cr_assert_eq(udp_send(head, 0, UK_PEER_IP, 5004, (uint16_t)(6000 + i)), 0);
        struct uk_sent s;
        cr_assert(udpkit_take(ifp, &s));
        cr_assert_eq(s.l4_len, 8 + 10);
        cr_assert(udpkit_udp_csum_ok(s.src, s.dst, s.l4, 18), "checksum over both segments");
        cr_assert_arr_eq(s.l4 + 8, "rtppayload", 10);
        cr_assert_eq(load_be16(s.l4 + 2), 6000 + i);
        udpkit_sent_free(&s);
    }
    cr_assert_eq(payload->refcnt, 1, "every header dropped its reference");
    pkt_free(payload);
    cr_assert(pktpool_all_full());
}

Test(udp, a_computed_zero_checksum_is_sent_as_all_ones)
{
    struct netif *ifp = udpkit_setup();
    /* With a 2-byte payload P the sum is S + P; choosing P = ~S makes the
     * one's-complement sum 0xffff and the checksum 0 (RFC 768: send 0xffff). */
    uint8_t hdr_and_zero[10] = { 0x04, 0xd2, 0x10, 0xe1, 0x00, 0x0a, 0, 0, 0, 0 };
    uint8_t ph[12];
    store_be32(ph, UK_OUR_IP);
    store_be32(ph + 4, UK_PEER_IP);
    ph[8] = 0;
    ph[9] = 17;
    store_be16(ph + 10, 10);
    uint16_t c = inet_csum_fold(inet_csum_add(inet_csum_add(0, ph, 12), hdr_and_zero, 10));
    uint8_t payload[2];
    store_be16(payload, c);
    struct pktbuf *p = pkt_alloc(pktpool_default());
    memcpy(pkt_append(p, 2), payload, 2);
    cr_assert_eq(udp_send(p, UK_OUR_IP, UK_PEER_IP, 1234, 4321), 0);
    struct uk_sent s;
    cr_assert(udpkit_take(ifp, &s));
    cr_assert_eq(load_be16(s.l4 + 6), 0xffff);
    cr_assert(udpkit_udp_csum_ok(s.src, s.dst, s.l4, 10));
    udpkit_sent_free(&s);
    cr_assert(pktpool_all_full());
}

Test(udp, udp_send_without_route_fails_and_frees)
{
    udpkit_setup();
    struct pktbuf *p = pkt_alloc(pktpool_default());
    memcpy(pkt_append(p, 3), "xyz", 3);
    cr_assert_eq(udp_send(p, 0, 0xc0a80101u, 1, 2), -KE_UNREACH);
    cr_assert_eq(udpkit_counter("udp", "tx_noroute"), 1);
    cr_assert(pktpool_all_full());
}

Test(udp, udp_reply_swaps_addresses_and_ports)
{
    struct netif *ifp = udpkit_setup();
    struct seen s = { .result = KH_TAKEN, .reply = true };
    listen_on(6000, &s);
    struct uk_dgram d = {
        .sport = 50000, .dport = 6000, .payload = hello, .payload_len = sizeof hello
    };
    udpkit_inject(ifp, &d);
    cr_assert_eq(s.reply_rc, 0);
    struct uk_sent r;
    cr_assert(udpkit_take(ifp, &r));
    cr_assert_eq(r.src, UK_OUR_IP);
    cr_assert_eq(r.dst, UK_PEER_IP);
    cr_assert_eq(load_be16(r.l4), 6000);
    cr_assert_eq(load_be16(r.l4 + 2), 50000);
    cr_assert_eq(r.l4_len, 8 + sizeof hello);
    cr_assert_arr_eq(r.l4 + 8, hello, sizeof hello);
    cr_assert(udpkit_udp_csum_ok(r.src, r.dst, r.l4, r.l4_len));
    udpkit_sent_free(&r);
    cr_assert(pktpool_all_full());
}

Test(udp, udp_reply_to_a_broadcast_comes_from_the_interface_address)
{
    struct netif *ifp = udpkit_setup();
    struct seen s = { .result = KH_TAKEN, .reply = true };
    listen_on(6000, &s);
    struct uk_dgram d = { .dst_mac = UK_BCAST_MAC,
                          .dst = UK_BCAST_IP,
                          .sport = 50000,
                          .dport = 6000,
                          .payload = hello,
                          .payload_len = 4 };
    udpkit_inject(ifp, &d);
    cr_assert_eq(s.reply_rc, 0);
    struct uk_sent r;
    cr_assert(udpkit_take(ifp, &r));
    cr_assert_eq(r.src, UK_OUR_IP);
    cr_assert_eq(r.dst, UK_PEER_IP);
    udpkit_sent_free(&r);
    cr_assert(pktpool_all_full());
}

Test(udp, guard_dport_tests_l4_offset_2)
{
    struct kguard g = udp_guard_dport(53);
    cr_assert_eq(g.ntests, 1);
    cr_assert_eq(g.test[0].layer, PKT_L4);
    cr_assert_eq(g.test[0].offset, 2);
    cr_assert_eq(g.test[0].width, 2);
    cr_assert_eq(g.test[0].op, KG_EQ);
    cr_assert_eq(g.test[0].value, 53);
    cr_assert_eq(g.test[0].mask, 0xffff);
    cr_assert(pktpool_all_full());
}

Test(udp, fini_removes_the_node)
{
    struct netif *ifp = udpkit_setup();
    udp_fini();
    struct uk_dgram d = { .sport = 1, .dport = 5000, .payload = hello, .payload_len = 5 };
    udpkit_inject(ifp, &d);
    /* with no UDP node, IPv4 answers protocol unreachable */
    struct uk_sent s;
    cr_assert(udpkit_take(ifp, &s));
    cr_assert_eq(s.proto, 1);
    cr_assert_eq(s.l4[0], ICMP_UNREACH);
    cr_assert_eq(s.l4[1], ICMP_UNREACH_PROTOCOL);
    udpkit_sent_free(&s);
    cr_assert(pktpool_all_full());
}

Test(udp, udp_send_of_a_shared_buffer_leaves_it_untouched)
{
    struct netif *ifp = udpkit_setup();
    struct pktbuf *p = pkt_alloc(pktpool_default());
    memcpy(pkt_append(p, 4), "wxyz", 4);
    pkt_ref(p); /* another holder: the buffer is shared */
    uint16_t off = p->data_off;
    cr_assert_eq(udp_send(p, 0, UK_PEER_IP, 1, 2), 0);
    cr_assert_eq(p->refcnt, 1, "udp_send consumed exactly one reference");
    cr_assert_eq(p->data_off, off, "the shared buffer was not pushed into");
    cr_assert_eq(p->len, 4);
    struct uk_sent s;
    cr_assert(udpkit_take(ifp, &s));
    cr_assert_arr_eq(s.l4 + 8, "wxyz", 4);
    cr_assert(udpkit_udp_csum_ok(s.src, s.dst, s.l4, s.l4_len));
    udpkit_sent_free(&s);
    pkt_free(p);
    cr_assert(pktpool_all_full());
}
