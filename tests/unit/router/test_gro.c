/*
 * tests/unit/router/test_gro.c — the router's receive coalescing
 * (apps/router/gro.h) through the real receive path: a burst of TCP/IPv4
 * segments received on eth0 (netif_input_burst) and forwarded to eth1,
 * whose loop port is made to take TSO4, partial checksums and chains as
 * virtio-net's does, leaves as super-frames exactly when Linux's GRO rules
 * allow; the super-frame's headers and checksums are right, software
 * segmentation of it (netgraph/offload.c) gives back the very datagrams
 * that arrived, and every buffer returns to its pool. eth2 (no TSO, as
 * e1000 here) gets the segments unchanged.
 *
 *   eth0 10.0.0.1/24 — 10.0.0.2 sends
 *   eth1 10.1.0.1/24 — 10.1.0.2 receives (TSO4)
 *   eth2 10.2.0.1/24 — 10.2.0.2 receives (no TSO)
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "../protocols/ip/ipkit.h"
#include "drivers/loop/loop.h"
#include "grokit.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"
#include "netgraph/extension.h"
#include "netgraph/netif.h"
#include "testkit.h"

static const uint8_t MAC1[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x01 };
static const uint8_t PEER1_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x02 };
static const uint8_t MAC2[6] = { 0x02, 0x00, 0x00, 0x00, 0x02, 0x01 };
static const uint8_t PEER2_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x02, 0x02 };
#define ETH2_PEER 0x0a020002u

static struct netif *eth0, *eth1, *eth2;
static struct kext *router;

static void up(const char *gro)
{
    eth0 = ipkit_setup();
    eth1 = testkit_netif("eth1", MAC1, "10.1.0.1/24");
    eth2 = testkit_netif("eth2", MAC2, "10.2.0.1/24");
    testkit_teach_peer(eth1, PEER1_MAC, GK_DST, 0x0a010001u);
    testkit_teach_peer(eth2, PEER2_MAC, ETH2_PEER, 0x0a020001u);
    eth1->port->tx_tso4 = eth1->port->tx_csum = eth1->port->tx_gather = true;
    struct kparams p = { .n = 0 };
    if (gro != NULL) {
        p.key[0] = "gro";
        p.value[0] = gro;
        p.n = 1;
    }
    char err[160] = "";
    cr_assert_eq(kext_create(kext_class_find("router"), &p, &router, err, sizeof err), 0, "%s",
                 err);
}

static void setup(void)
{
    up(NULL);
}

static void down(void)
{
    kext_destroy(router);
    testkit_drain(eth1);
    testkit_drain(eth2);
    ipkit_end(eth0); /* asserts every buffer is back */
}

/* burst - receive segments @s[0..n) on eth0 as one receive burst. */
static void burst(const struct gk_seg *s, unsigned n)
{
    uint8_t f[GK_MAX_FRAME];
    for (unsigned i = 0; i < n; i++)
        cr_assert_eq(loop_inject(eth0->port, f, gk_frame(f, &s[i])), 0);
    struct pktbuf *pkts[64];
    uint16_t got = eth0->port->ops->rx_burst(eth0->port, pkts, 64);
    cr_assert_eq(got, n);
    netif_input_burst(eth0, pkts, got);
}

/* forwarded - the datagram of @s as the router must send it: TTL - 1, header checksum anew. */
static size_t forwarded(const struct gk_seg *s, uint8_t *ip)
{
    uint8_t f[GK_MAX_FRAME];
    size_t len = gk_frame(f, s) - 14u;
    memcpy(ip, f + 14, len);
    ip[8]--;
    store_be16(ip + 10, 0);
    store_be16(ip + 10, gk_fold(gk_sum(0, ip, 20)));
    return len;
}

/* take_plain - the next frame on @ifp: a single forwarded segment equal to @s's datagram. */
static void take_plain(struct netif *ifp, const uint8_t peer_mac[6], const struct gk_seg *s)
{
    struct pktbuf *p = testkit_sent(ifp);
    cr_assert_not_null(p, "a frame for seq %u", s->seq);
    cr_assert_null(p->frag, "not chained");
    cr_assert_eq(p->flags & PKT_F_GSO_TCPV4, 0, "not a super-frame");
    cr_assert(memcmp(pkt_data(p), peer_mac, 6) == 0);
    uint8_t want[GK_MAX_FRAME];
    size_t n = forwarded(s, want);
    cr_assert_eq(p->len, 14u + n);
    cr_assert(memcmp(pkt_data(p) + 14, want, n) == 0, "the datagram as it came (seq %u)", s->seq);
    pkt_free(p);
}

/*
 * take_super - the next frame on eth1: a super-frame of @s[0..n), checked
 * field by field; software segmentation of it must give back each
 * segment's datagram byte for byte. Frees it.
 */
static void take_super(const struct gk_seg *s, unsigned n)
{
    struct pktbuf *p = testkit_sent(eth1);
    cr_assert_not_null(p);
    cr_assert(p->flags & PKT_F_GSO_TCPV4, "a super-frame");
    cr_assert(p->flags & PKT_F_CSUM_PARTIAL);
    cr_assert_eq(p->gso_size, s[0].payload, "gso_size is the first segment's payload");
    unsigned bufs = 0;
    for (const struct pktbuf *b = p; b != NULL; b = b->frag)
        bufs++;
    cr_assert_eq(bufs, n, "zero copy: one buffer per segment");

    static uint8_t flat[70000];
    size_t len = gk_flat(p, flat, sizeof flat);
    size_t thlen = s[0].no_opts ? 20u : 32u, payload = 0;
    for (unsigned i = 0; i < n; i++)
        payload += s[i].payload;
    cr_assert_eq(len, 14u + 20u + thlen + payload);
    const uint8_t *ip = flat + 14, *tcp = ip + 20;
    cr_assert(memcmp(flat, PEER1_MAC, 6) == 0);
    cr_assert(memcmp(flat + 6, MAC1, 6) == 0);
    cr_assert_eq(load_be16(ip + 2), 20u + thlen + payload, "IPv4 total length");
    cr_assert_eq(gk_fold(gk_sum(0, ip, 20)), 0, "IPv4 header checksum");
    cr_assert_eq(ip[8], 63, "TTL decremented once");
    cr_assert_eq(load_be16(ip + 4), s[0].id, "the first segment's identification");
    cr_assert_eq(load_be32(tcp + 4), s[0].seq);
    cr_assert_eq(p->csum_start, 14u + 20u);
    cr_assert_eq(p->csum_offset, 16u);
    bool psh = (s[n - 1].flags & 0x08) != 0;
    cr_assert_eq((tcp[13] & 0x08) != 0, psh, "PSH as the last segment had it");
    for (size_t k = 0; k < payload; k++)
        cr_assert_eq(tcp[thlen + k], gk_stream_byte(load_be16(tcp), s[0].seq + (uint32_t)k),
                     "payload byte %zu", k);
    /* the device finishes the checksum over the whole super-frame */
    gk_complete(flat, len, p->csum_start, p->csum_offset);
    cr_assert(gk_tcp_ok(ip), "TCP checksum field holds the pseudo-header sum");

    /* merge then segment: the original datagrams (TTL - 1) */
    eth1->port->tx_tso4 = false;
    struct pktbuf *list = netif_offload(eth1, p);
    eth1->port->tx_tso4 = true;
    for (unsigned i = 0; i < n; i++) {
        cr_assert_not_null(list, "segment %u", i);
        struct pktbuf *next = list->next;
        uint8_t want[GK_MAX_FRAME];
        size_t wl = forwarded(&s[i], want);
        cr_assert_eq(list->len, 14u + wl, "segment %u length", i);
        cr_assert(memcmp(pkt_data(list) + 14, want, wl) == 0, "segment %u byte for byte", i);
        pkt_free(list);
        list = next;
    }
    cr_assert_null(list, "no more segments");
}

static uint64_t ctr(const char *name)
{
    return ik_counter("router", name);
}

static const struct gk_seg FLOW = { .tsval = 1000 };

TestSuite(gro, .init = setup);

Test(gro, in_order_segments_leave_as_one_super_frame)
{
    struct gk_seg s[4];
    gk_train(s, 4, &FLOW, GK_SEQ0, 7, GK_MSS);
    burst(s, 4);
    cr_assert_eq(testkit_sent_count(eth1), 1);
    take_super(s, 4);
    cr_assert_eq(ctr("gro_merged"), 3);
    cr_assert_eq(ctr("gro_flushes"), 1);
    cr_assert_eq(ctr("forwarded"), 4, "each segment counted as forwarded");
    down();
}

Test(gro, psh_and_a_short_segment_end_a_super_frame)
{
    struct gk_seg s[7];
    gk_train(s, 7, &FLOW, GK_SEQ0, 0xfffe, GK_MSS); /* IDs wrap too */
    s[2].flags = 0x18;                              /* PSH: last of the first */
    s[4].payload = 500;                             /* short: last of the second */
    for (unsigned i = 5; i < 7; i++)
        s[i].seq = s[4].seq + 500 + (i - 5) * GK_MSS;
    burst(s, 7);
    cr_assert_eq(testkit_sent_count(eth1), 3);
    take_super(s, 3);
    take_super(s + 3, 2);
    take_super(s + 5, 2);
    down();
}

Test(gro, sixteen_segments_at_most_per_super_frame)
{
    struct gk_seg s[20];
    gk_train(s, 20, &FLOW, GK_SEQ0, 100, 1000);
    burst(s, 20);
    cr_assert_eq(testkit_sent_count(eth1), 2);
    take_super(s, 16);
    take_super(s + 16, 4);
    down();
}

Test(gro, two_connections_merge_each_on_its_own)
{
    struct gk_seg a[3], b[3], mix[6];
    struct gk_seg tb = FLOW;
    tb.sport = 40001;
    gk_train(a, 3, &FLOW, GK_SEQ0, 10, GK_MSS);
    gk_train(b, 3, &tb, 5000, 500, GK_MSS);
    for (unsigned i = 0; i < 3; i++) {
        mix[2 * i] = a[i];
        mix[2 * i + 1] = b[i];
    }
    burst(mix, 6);
    cr_assert_eq(testkit_sent_count(eth1), 2);
    take_super(a, 3); /* take_super checks the payload is its own connection's stream */
    take_super(b, 3);
    down();
}

Test(gro, out_of_order_segments_are_not_merged_and_keep_their_order)
{
    struct gk_seg s[3];
    gk_train(s, 3, &FLOW, GK_SEQ0, 1, GK_MSS);
    struct gk_seg o[3] = { s[0], s[2], s[1] };
    burst(o, 3);
    cr_assert_eq(testkit_sent_count(eth1), 3);
    for (unsigned i = 0; i < 3; i++)
        take_plain(eth1, PEER1_MAC, &o[i]);
    cr_assert_eq(ctr("gro_merged"), 0);
    down();
}

/* What is changed in the second of two otherwise consecutive segments. */
enum change {
    CH_FIN,
    CH_SYN,
    CH_RST,
    CH_URG,
    CH_CWR,
    CH_ECE,
    CH_ACK,
    CH_WINDOW,
    CH_TSVAL,
    CH_NO_OPTS,
    CH_ID,
    CH_TOS,
    CH_TTL,
    CH_DF,
    CH_LONGER,
    CH_PORT,
    CH_SEQ,
    CH_N
};
static const char *const change_name[CH_N] = {
    "FIN",           "SYN",          "RST",    "URG",      "CWR",
    "ECE only here", "ack",          "window", "TSval",    "no options",
    "IPv4 ID gap",   "TOS (ECN CE)", "TTL",    "DF clear", "longer than the first",
    "port",          "sequence gap",
};

static void apply(enum change c, struct gk_seg *s)
{
    switch (c) {
    case CH_FIN: s->flags = 0x11; break;
    case CH_SYN: s->flags = 0x12; break;
    case CH_RST: s->flags = 0x14; break;
    case CH_URG: s->flags = 0x30; break;
    case CH_CWR: s->flags = 0x90; break;
    case CH_ECE: s->flags = 0x50; break;
    case CH_ACK: s->ack = 0x0badcafeu + 1448; break;
    case CH_WINDOW: s->window = 503; break;
    case CH_TSVAL: s->tsval++; break;
    case CH_NO_OPTS: s->no_opts = true; break;
    case CH_ID: s->id++; break;
    case CH_TOS: s->tos = 0x03; break;
    case CH_TTL: s->ttl = 63; break;
    case CH_DF: s->no_df = true; break;
    case CH_LONGER: s->payload = 1000 + 12; break;
    case CH_PORT: s->sport = 40002; break;
    case CH_SEQ: s->seq += 1; break;
    case CH_N: break;
    }
}

ParameterizedTestParameters(gro, a_difference_keeps_two_segments_apart)
{
    static int c[CH_N];
    for (int i = 0; i < CH_N; i++)
        c[i] = i;
    return cr_make_param_array(int, c, CH_N);
}

ParameterizedTest(int *c, gro, a_difference_keeps_two_segments_apart)
{
    struct gk_seg s[2];
    gk_train(s, 2, &FLOW, GK_SEQ0, 1, 1000);
    apply((enum change) * c, &s[1]);
    burst(s, 2);
    cr_assert_eq(testkit_sent_count(eth1), 2, "%s", change_name[*c]);
    cr_assert_eq(ctr("gro_merged"), 0, "%s", change_name[*c]);
    cr_assert_eq(ctr("gro_flushes"), 0, "%s", change_name[*c]);
    down();
}

Test(gro, a_segment_with_a_wrong_checksum_is_never_merged)
{
    struct gk_seg s[4];
    gk_train(s, 4, &FLOW, GK_SEQ0, 1, GK_MSS);
    s[1].bad_tcp_csum = true;
    burst(s, 4);
    cr_assert_eq(testkit_sent_count(eth1), 3);
    take_plain(eth1, PEER1_MAC, &s[0]);
    take_plain(eth1, PEER1_MAC, &s[1]); /* as it came: the receiver drops it */
    take_super(s + 2, 2);
    cr_assert_eq(ctr("gro_bad_csum"), 1);
    down();
}

Test(gro, a_wrong_checksum_in_the_first_segment_keeps_it_alone)
{
    struct gk_seg s[3];
    gk_train(s, 3, &FLOW, GK_SEQ0, 1, GK_MSS);
    s[0].bad_tcp_csum = true;
    burst(s, 3);
    cr_assert_eq(testkit_sent_count(eth1), 2);
    take_plain(eth1, PEER1_MAC, &s[0]);
    take_super(s + 1, 2);
    cr_assert_eq(ctr("gro_bad_csum"), 1);
    down();
}

Test(gro, fragments_and_pure_acks_are_not_merged)
{
    struct gk_seg s[4];
    gk_train(s, 4, &FLOW, GK_SEQ0, 1, 1000);
    s[1].frag = 0x2000; /* MF: the first fragment of a larger datagram */
    s[3].payload = 0;   /* a pure acknowledgment */
    burst(s, 4);
    cr_assert_eq(testkit_sent_count(eth1), 4);
    for (unsigned i = 0; i < 4; i++)
        take_plain(eth1, PEER1_MAC, &s[i]);
    down();
}

Test(gro, a_port_without_tso_gets_the_segments_unchanged)
{
    struct gk_seg t = FLOW, s[4];
    t.dst = ETH2_PEER;
    gk_train(s, 4, &t, GK_SEQ0, 1, GK_MSS);
    burst(s, 4);
    cr_assert_eq(testkit_sent_count(eth2), 4);
    for (unsigned i = 0; i < 4; i++)
        take_plain(eth2, PEER2_MAC, &s[i]);
    cr_assert_eq(ctr("gro_merged"), 0);
    down();
}

Test(gro, segments_fragmented_for_a_smaller_mtu_are_not_merged)
{
    eth1->mtu = 1000; /* DF clear: each segment leaves as two fragments */
    struct gk_seg t = FLOW, s[3];
    t.no_df = true;
    gk_train(s, 3, &t, GK_SEQ0, 1, GK_MSS);
    burst(s, 3);
    cr_assert_eq(testkit_sent_count(eth1), 6);
    for (unsigned i = 0; i < 6; i++) {
        struct pktbuf *p = testkit_sent(eth1);
        cr_assert_eq(p->flags & PKT_F_GSO_TCPV4, 0);
        cr_assert_leq(p->len, 14u + 1000u);
        pkt_free(p);
    }
    cr_assert_eq(ctr("gro_merged"), 0);
    cr_assert_eq(ctr("fragmented"), 3);
    down();
}

Test(gro_conf, gro_no_turns_it_off)
{
    up("no");
    struct gk_seg s[4];
    gk_train(s, 4, &FLOW, GK_SEQ0, 1, GK_MSS);
    burst(s, 4);
    cr_assert_eq(testkit_sent_count(eth1), 4);
    for (unsigned i = 0; i < 4; i++)
        take_plain(eth1, PEER1_MAC, &s[i]);
    down();
}

Test(gro_conf, a_bad_gro_value_is_refused)
{
    eth0 = ipkit_setup();
    struct kparams p = { .n = 1, .key = { "gro" }, .value = { "maybe" } };
    char err[160] = "";
    struct kext *x = NULL;
    cr_assert_lt(kext_create(kext_class_find("router"), &p, &x, err, sizeof err), 0);
    cr_assert(strstr(err, "gro") != NULL, "the error names the parameter: '%s'", err);
    ipkit_end(eth0);
}
