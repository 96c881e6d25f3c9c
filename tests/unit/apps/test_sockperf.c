/*
 * tests/unit/apps/test_sockperf.c — the sockperf extension against messages
 * of the real sockperf 3.7 (Debian package sockperf 3.7-no.git).
 *
 * The payloads below were captured on loopback in a private network
 * namespace with
 *     tcpdump -i lo -w sockperf.pcap udp port 11111
 *     sockperf server -i 127.0.0.1 -p 11111
 *     sockperf ping-pong  -i 127.0.0.1 -p 11111 -t 1 -m 16   (ping-pong)
 *     sockperf throughput -i 127.0.0.1 -p 11111 -t 1 -m 20   (no pong requested)
 * and read with `tcpdump -r sockperf.pcap -x`: the UDP payloads of the first
 * request and of the real server's reply to it, and of the first throughput
 * message. Layout (sockperf src/message.h): sequence number (8 bytes),
 * flags (2), length (4), data; network byte order.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "testkit.h"
#include "../protocols/udp/udpkit.h"

#include "netgraph/extension.h"
#include "apps/sockperf/sockperf.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/stats.h"

/* ping-pong request #1: seq 1, flags 0x0003 (client | pong request), length 16 */
static const uint8_t pp_request[16] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
                                        0x00, 0x03, 0x00, 0x00, 0x00, 0x10, 0x9a, 0x66 };
/* the real sockperf server's answer: the same bytes, flags 0x0002 (client bit cleared) */
static const uint8_t pp_reply[16] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
                                      0x00, 0x02, 0x00, 0x00, 0x00, 0x10, 0x9a, 0x66 };
/* throughput message #1: seq 1, flags 0x0001 (client, no pong request), length 20 */
static const uint8_t tp_message[20] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x14, 0xb7, 0x31, 0x58, 0xa3, 0x5a, 0x25
};

static void *install_sp(const char *port)
{
    const struct kextension *e = kext_class_find("sockperf");
    cr_assert_not_null(e);
    struct kparams p = { 0 };
    if (port) {
        p.n = 1;
        p.key[0] = "port";
        p.value[0] = port;
    }
    void *state = NULL;
    char err[128] = "";
    cr_assert_eq(kext_create(e, &p, (struct kext **)&state, err, sizeof err), 0, "install: %s",
                 err);
    return state;
}

static void send_msg(struct netif *ifp, const void *msg, size_t len)
{
    struct uk_dgram d = {
        .sport = 53717, .dport = SOCKPERF_PORT, .payload = msg, .payload_len = len
    };
    udpkit_inject(ifp, &d);
}

static uint64_t ctr(const char *name)
{
    return udpkit_counter("sockperf", name);
}

Test(sockperf, header_layout_matches_sockperf)
{
    cr_assert_eq(SOCKPERF_HDR_LEN, 14);
    cr_assert_eq(load_be64(pp_request + SOCKPERF_OFF_SEQ), 1);
    cr_assert_eq(load_be16(pp_request + SOCKPERF_OFF_FLAGS), SOCKPERF_F_CLIENT | SOCKPERF_F_PONG);
    cr_assert_eq(load_be32(pp_request + SOCKPERF_OFF_LENGTH), sizeof pp_request);
    cr_assert_eq(load_be32(tp_message + SOCKPERF_OFF_LENGTH), sizeof tp_message);
    cr_assert(pktpool_all_full());
}

Test(sockperf, answers_a_real_ping_pong_request_like_the_real_server)
{
    struct netif *ifp = udpkit_setup();
    void *st = install_sp(NULL);
    send_msg(ifp, pp_request, sizeof pp_request);
    struct uk_sent r;
    cr_assert(udpkit_take(ifp, &r), "a pong");
    cr_assert_eq(r.proto, 17);
    cr_assert_eq(r.src, UK_OUR_IP);
    cr_assert_eq(r.dst, UK_PEER_IP);
    cr_assert_eq(load_be16(r.l4), SOCKPERF_PORT);
    cr_assert_eq(load_be16(r.l4 + 2), 53717);
    cr_assert_eq(r.l4_len, 8 + sizeof pp_reply);
    cr_assert_arr_eq(r.l4 + 8, pp_reply, sizeof pp_reply, "byte for byte the real server's pong");
    cr_assert(udpkit_udp_csum_ok(r.src, r.dst, r.l4, r.l4_len));
    udpkit_sent_free(&r);
    cr_assert_eq(ctr("rx"), 1);
    cr_assert_eq(ctr("pongs"), 1);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

Test(sockperf, a_message_without_pong_request_is_counted_not_answered)
{
    struct netif *ifp = udpkit_setup();
    void *st = install_sp(NULL);
    send_msg(ifp, tp_message, sizeof tp_message);
    cr_assert_eq(testkit_sent_count(ifp), 0, "no pong and no ICMP");
    cr_assert_eq(ctr("rx"), 1);
    cr_assert_eq(ctr("rx_bytes"), sizeof tp_message);
    cr_assert_eq(ctr("no_pong_request"), 1);
    cr_assert_eq(ctr("pongs"), 0);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

Test(sockperf, warmup_and_server_messages_are_not_answered)
{
    struct netif *ifp = udpkit_setup();
    void *st = install_sp(NULL);
    uint8_t m[16];
    memcpy(m, pp_request, sizeof m);
    store_be16(m + SOCKPERF_OFF_FLAGS, SOCKPERF_F_CLIENT | SOCKPERF_F_PONG | SOCKPERF_F_WARMUP);
    send_msg(ifp, m, sizeof m);
    memcpy(m, pp_reply, sizeof m); /* a server's pong sent to us */
    send_msg(ifp, m, sizeof m);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(ctr("warmup"), 1);
    cr_assert_eq(ctr("not_client"), 1);
    cr_assert_eq(ctr("rx"), 0);
    cr_assert_eq(ctr("pongs"), 0);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

Test(sockperf, malformed_messages_are_counted_and_dropped)
{
    struct netif *ifp = udpkit_setup();
    void *st = install_sp(NULL);
    send_msg(ifp, pp_request, 13); /* header does not fit */
    send_msg(ifp, pp_request, 0);  /* empty */
    uint8_t m[16];
    memcpy(m, pp_request, sizeof m);
    store_be32(m + SOCKPERF_OFF_LENGTH, 17); /* claims more than was sent */
    send_msg(ifp, m, sizeof m);
    store_be32(m + SOCKPERF_OFF_LENGTH, 15); /* claims less than was sent */
    send_msg(ifp, m, sizeof m);
    store_be32(m + SOCKPERF_OFF_LENGTH, 13); /* shorter than its own header */
    send_msg(ifp, m, sizeof m);
    store_be32(m + SOCKPERF_OFF_LENGTH, 0xffffffffu);
    send_msg(ifp, m, sizeof m);
    cr_assert_eq(testkit_sent_count(ifp), 0, "no pong, and no ICMP: the port is ours");
    cr_assert_eq(ctr("malformed_short"), 2);
    cr_assert_eq(ctr("malformed_length"), 4);
    cr_assert_eq(ctr("rx"), 0);
    /* a good one afterwards is still answered */
    send_msg(ifp, pp_request, sizeof pp_request);
    cr_assert_eq(testkit_drain(ifp), 1);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

Test(sockperf, large_messages_are_answered_whole)
{
    struct netif *ifp = udpkit_setup();
    void *st = install_sp("12345");
    static uint8_t m[4000];
    for (size_t i = 0; i < sizeof m; i++)
        m[i] = (uint8_t)(i ^ (i >> 5));
    memcpy(m, pp_request, SOCKPERF_HDR_LEN);
    store_be32(m + SOCKPERF_OFF_LENGTH, sizeof m);
    struct uk_dgram d = { .sport = 40001, .dport = 12345, .payload = m, .payload_len = sizeof m };
    udpkit_inject_frags(ifp, &d, 1500);
    static uint8_t got[8192];
    size_t total = 0;
    unsigned frags = 0;
    struct uk_sent s;
    while (udpkit_take(ifp, &s)) {
        cr_assert_eq(s.proto, 17);
        size_t off = (size_t)(s.frag & 0x1fff) * 8;
        cr_assert_leq(off + s.l4_len, sizeof got);
        memcpy(got + off, s.l4, s.l4_len);
        if (!(s.frag & 0x2000))
            total = off + s.l4_len;
        frags++;
        udpkit_sent_free(&s);
    }
    cr_assert_eq(frags, 3);
    cr_assert_eq(total, 8 + sizeof m);
    cr_assert_eq(load_be16(got + 8 + SOCKPERF_OFF_FLAGS), SOCKPERF_F_PONG);
    cr_assert_arr_eq(got + 8 + SOCKPERF_OFF_LENGTH, m + SOCKPERF_OFF_LENGTH,
                     sizeof m - SOCKPERF_OFF_LENGTH);
    cr_assert_eq(udpkit_counter("sockperf", "pongs"), 1);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

Test(sockperf, remove_uninstalls_and_frees)
{
    struct netif *ifp = udpkit_setup();
    uint64_t live = kmem_live();
    void *st = install_sp(NULL);
    send_msg(ifp, pp_request, sizeof pp_request);
    cr_assert_eq(testkit_drain(ifp), 1);
    kext_destroy(st);
    cr_assert_eq(kmem_live(), live);
    uint64_t v;
    cr_assert_eq(kstats_find("sockperf", "rx", &v), -KE_NOENT);
    send_msg(ifp, pp_request, sizeof pp_request);
    struct uk_sent r;
    cr_assert(udpkit_take(ifp, &r));
    cr_assert_eq(r.proto, 1, "port unreachable once removed");
    udpkit_sent_free(&r);
    cr_assert(pktpool_all_full());
}
