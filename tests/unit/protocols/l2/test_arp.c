/*
 * tests/unit/protocols/l2/test_arp.c — the ARP node (RFC 826): replies to
 * requests for our addresses, learning and merging, validation of
 * malformed packets, and resolution for arp_output (queue, retransmitted
 * requests on the test clock, flush in order, failure, bounds, expiry).
 */
#include <criterion/criterion.h>

#include "l2kit.h"
#include "kernel/kerr.h"
#include "kernel/timer.h"
#include "protocols/arp/arp.h"
#include "protocols/ether/ether.h"

static struct netif *ifp;
static uint32_t our_ip, peer_ip;

static void setup(void)
{
    l2_arp_up(&ifp, &our_ip, &peer_ip);
}

TestSuite(arp, .init = setup, .fini = l2_arp_down);

/* Inject ARP packet @a, in a frame to Ethernet @dst, on @on. */
static void inject_arp_on(struct netif *on, const uint8_t dst[6], struct l2_arp a)
{
    uint8_t f[60];
    size_t n = l2_arp_frame(f, dst, &a);
    testkit_inject(on, f, n);
}
static void inject_arp(const uint8_t dst[6], struct l2_arp a)
{
    inject_arp_on(ifp, dst, a);
}

/* The one frame sent, parsed as ARP, checking the Ethernet header; frees it. */
static struct l2_arp take_arp(const uint8_t eth_dst[6])
{
    struct pktbuf *f = testkit_sent(ifp);
    cr_assert_not_null(f, "no frame sent");
    cr_assert_arr_eq(pkt_data(f), eth_dst, 6, "Ethernet destination");
    cr_assert_arr_eq(pkt_data(f) + 6, L2_OUR_MAC, 6, "Ethernet source");
    cr_assert_eq(f->len, ETHER_MIN_FRAME);
    struct l2_arp a = l2_parse_arp(f);
    cr_assert_eq(a.htype, 1);
    cr_assert_eq(a.ptype, 0x0800);
    cr_assert_eq(a.hlen, 6);
    cr_assert_eq(a.plen, 4);
    pkt_free(f);
    return a;
}

/* Check that the next sent frame is a broadcast request from us for @ip; frees it. */
static void expect_request(uint32_t spa, uint32_t ip)
{
    struct l2_arp a = take_arp(L2_BCAST);
    cr_assert_eq(a.op, 1);
    cr_assert_arr_eq(a.sha, L2_OUR_MAC, 6);
    cr_assert_eq(a.spa, spa, "sender IP %#x, expected %#x", a.spa, spa);
    cr_assert_arr_eq(a.tha, L2_ZERO_MAC, 6);
    cr_assert_eq(a.tpa, ip);
}

/* Take the next sent frame, which must be IPv4 to @dst carrying @marker; frees it. */
static void expect_ip(const uint8_t dst[6], uint8_t marker)
{
    struct pktbuf *f = testkit_sent(ifp);
    cr_assert_not_null(f, "no IPv4 frame sent");
    const uint8_t *d = pkt_data(f);
    cr_assert_arr_eq(d, dst, 6);
    cr_assert_arr_eq(d + 6, L2_OUR_MAC, 6);
    cr_assert_eq(load_be16(d + 12), ETHERTYPE_IPV4);
    cr_assert_eq(d[14], marker, "packet %u sent where %u was expected", d[14], marker);
    pkt_free(f);
}

static unsigned count_entries_cb_n;
static struct arp_entry_info last_entry;
static void count_entries_cb(const struct arp_entry_info *e, void *ctx)
{
    (void)ctx;
    count_entries_cb_n++;
    last_entry = *e;
}
static unsigned count_entries(void)
{
    count_entries_cb_n = 0;
    arp_foreach(count_entries_cb, NULL);
    return count_entries_cb_n;
}

Test(arp, request_for_us_gets_one_reply)
{
    inject_arp(L2_BCAST, l2_arp_default(1, L2_PEER_MAC, peer_ip, L2_ZERO_MAC, our_ip));
    cr_assert_eq(testkit_sent_count(ifp), 1, "exactly one reply");
    struct l2_arp r = take_arp(L2_PEER_MAC);
    cr_assert_eq(r.op, 2);
    cr_assert_arr_eq(r.sha, L2_OUR_MAC, 6);
    cr_assert_eq(r.spa, our_ip);
    cr_assert_arr_eq(r.tha, L2_PEER_MAC, 6);
    cr_assert_eq(r.tpa, peer_ip);
    cr_assert_eq(l2_ctr("arp", "rx_request"), 1);
    cr_assert_eq(l2_ctr("arp", "tx_reply"), 1);
    /* RFC 826: the requester is learned */
    uint8_t mac[6];
    cr_assert_eq(arp_lookup(ifp->index, peer_ip, mac), 0);
    cr_assert_arr_eq(mac, L2_PEER_MAC, 6);
    cr_assert_eq(l2_ctr("arp", "created"), 1);
    cr_assert(testkit_pool_full());
}

Test(arp, request_for_another_ip_is_ignored)
{
    inject_arp(L2_BCAST,
               l2_arp_default(1, L2_PEER_MAC, peer_ip, L2_ZERO_MAC, testkit_ip("10.0.0.99")));
    cr_assert_eq(testkit_sent_count(ifp), 0);
    uint8_t mac[6];
    cr_assert_eq(arp_lookup(ifp->index, peer_ip, mac), -KE_NOENT);
    cr_assert_eq(count_entries(), 0);
    cr_assert_eq(l2_ctr("arp", "not_for_us"), 1);
    cr_assert(testkit_pool_full());
}

Test(arp, address_of_another_interface_is_not_answered)
{
    static const uint8_t mac1[6] = { 0x02, 0, 0, 0, 1, 1 };
    testkit_netif("eth1", mac1, "10.0.1.1/24");
    inject_arp(L2_BCAST,
               l2_arp_default(1, L2_PEER_MAC, peer_ip, L2_ZERO_MAC, testkit_ip("10.0.1.1")));
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(count_entries(), 0);
    cr_assert(testkit_pool_full());
}

Test(arp, known_sender_is_updated_by_any_valid_packet)
{
    inject_arp(L2_BCAST, l2_arp_default(1, L2_PEER_MAC, peer_ip, L2_ZERO_MAC, our_ip));
    testkit_drain(ifp);
    /* gratuitous ARP: the peer moved to another MAC */
    inject_arp(L2_BCAST, l2_arp_default(1, L2_OTHER_MAC, peer_ip, L2_ZERO_MAC, peer_ip));
    cr_assert_eq(testkit_sent_count(ifp), 0, "gratuitous ARP is not answered");
    uint8_t mac[6];
    cr_assert_eq(arp_lookup(ifp->index, peer_ip, mac), 0);
    cr_assert_arr_eq(mac, L2_OTHER_MAC, 6);
    cr_assert_eq(l2_ctr("arp", "updated"), 1);
    cr_assert_eq(count_entries(), 1);
    cr_assert(testkit_pool_full());
}

Test(arp, gratuitous_arp_does_not_create_entries)
{
    inject_arp(L2_BCAST, l2_arp_default(1, L2_PEER_MAC, peer_ip, L2_ZERO_MAC, peer_ip));
    inject_arp(L2_BCAST, l2_arp_default(2, L2_PEER_MAC, peer_ip, L2_BCAST, peer_ip));
    cr_assert_eq(count_entries(), 0);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert(testkit_pool_full());
}

Test(arp, probe_is_answered_but_not_learned)
{
    /* RFC 5227 probe: sender IP 0.0.0.0, target = the address being checked */
    inject_arp(L2_BCAST, l2_arp_default(1, L2_PEER_MAC, 0, L2_ZERO_MAC, our_ip));
    cr_assert_eq(count_entries(), 0);
    cr_assert_eq(testkit_sent_count(ifp), 1);
    struct l2_arp r = take_arp(L2_PEER_MAC);
    cr_assert_eq(r.op, 2);
    cr_assert_eq(r.spa, our_ip);
    cr_assert_eq(r.tpa, 0);
    cr_assert(testkit_pool_full());
}

Test(arp, unsolicited_reply_for_us_is_learned)
{
    inject_arp(L2_OUR_MAC, l2_arp_default(2, L2_PEER_MAC, peer_ip, L2_OUR_MAC, our_ip));
    cr_assert_eq(testkit_sent_count(ifp), 0, "a reply is never answered");
    uint8_t mac[6];
    cr_assert_eq(arp_lookup(ifp->index, peer_ip, mac), 0);
    cr_assert_arr_eq(mac, L2_PEER_MAC, 6);
    cr_assert_eq(l2_ctr("arp", "rx_reply"), 1);
    cr_assert(testkit_pool_full());
}

/* One malformed case: how to spoil a good request, and the counter it must bump. */
struct bad_case {
    const char *ctr;
    void (*spoil)(struct l2_arp *a);
};
static void sp_htype(struct l2_arp *a)
{
    a->htype = 6;
}
static void sp_ptype(struct l2_arp *a)
{
    a->ptype = 0x86dd;
}
static void sp_hlen(struct l2_arp *a)
{
    a->hlen = 8;
}
static void sp_plen(struct l2_arp *a)
{
    a->plen = 16;
}
static void sp_op0(struct l2_arp *a)
{
    a->op = 0;
}
static void sp_op3(struct l2_arp *a)
{
    a->op = 3;
} /* RARP request */
static void sp_sha_bcast(struct l2_arp *a)
{
    memcpy(a->sha, L2_BCAST, 6);
}
static void sp_sha_mcast(struct l2_arp *a)
{
    a->sha[0] |= 1;
}
static void sp_sha_zero(struct l2_arp *a)
{
    memset(a->sha, 0, 6);
}
static void sp_spa_bcast(struct l2_arp *a)
{
    a->spa = 0xffffffffu;
}
static void sp_spa_dbcast(struct l2_arp *a)
{
    a->spa = testkit_ip("10.0.0.255");
}
static void sp_spa_mcast(struct l2_arp *a)
{
    a->spa = testkit_ip("224.0.0.1");
}
static void sp_spa_ours(struct l2_arp *a)
{
    a->spa = testkit_ip("10.0.0.1");
}

Test(arp, malformed_packets_are_counted_and_dropped)
{
    static const struct bad_case cases[] = {
        { "bad_htype", sp_htype },
        { "bad_ptype", sp_ptype },
        { "bad_hlen", sp_hlen },
        { "bad_plen", sp_plen },
        { "bad_op", sp_op0 },
        { "bad_op", sp_op3 },
        { "bad_sender_mac", sp_sha_bcast },
        { "bad_sender_mac", sp_sha_mcast },
        { "bad_sender_mac", sp_sha_zero },
        { "bad_sender_ip", sp_spa_bcast },
        { "bad_sender_ip", sp_spa_dbcast },
        { "bad_sender_ip", sp_spa_mcast },
        { "addr_conflict", sp_spa_ours },
    };
    for (unsigned i = 0; i < KARRAY_SIZE(cases); i++) {
        uint64_t before = l2_ctr("arp", cases[i].ctr);
        struct l2_arp a = l2_arp_default(1, L2_PEER_MAC, peer_ip, L2_ZERO_MAC, our_ip);
        cases[i].spoil(&a);
        /* the Ethernet source stays valid: only the ARP field is wrong */
        uint8_t f[60];
        l2_arp_frame(f, L2_BCAST, &a);
        memcpy(f + 6, L2_PEER_MAC, 6);
        testkit_inject(ifp, f, sizeof(f));
        cr_assert_eq(l2_ctr("arp", cases[i].ctr), before + 1, "case %u: %s not counted", i,
                     cases[i].ctr);
        cr_assert_eq(testkit_sent_count(ifp), 0, "case %u (%s) answered", i, cases[i].ctr);
        cr_assert_eq(count_entries(), 0, "case %u (%s) learned", i, cases[i].ctr);
    }
    cr_assert_eq(l2_ctr("arp", "rx_request"), 0);
    cr_assert_eq(l2_ctr("ether", "unknown_type"), 0, "ARP recognised its malformed packets");
    cr_assert(testkit_pool_full());
}

Test(arp, truncated_packet_is_counted)
{
    uint8_t f[60];
    struct l2_arp a = l2_arp_default(1, L2_PEER_MAC, peer_ip, L2_ZERO_MAC, our_ip);
    l2_arp_frame(f, L2_BCAST, &a);
    testkit_inject(ifp, f, 14 + 27);
    testkit_inject(ifp, f, 14);
    cr_assert_eq(l2_ctr("arp", "truncated"), 2);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    testkit_inject(ifp, f, 14 + 28); /* exactly 28 bytes, unpadded: valid */
    cr_assert_eq(testkit_sent_count(ifp), 1);
    testkit_drain(ifp);
    cr_assert(testkit_pool_full());
}

Test(arp, output_unresolved_queues_and_requests)
{
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(1)), 0);
    cr_assert_eq(testkit_sent_count(ifp), 1);
    expect_request(our_ip, peer_ip);
    cr_assert_eq(count_entries(), 1);
    cr_assert_not(last_entry.resolved);
    cr_assert_eq(last_entry.queued, 1);
    cr_assert_eq(last_entry.ip, peer_ip);
    /* a second packet joins the queue without a second request */
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(2)), 0);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    count_entries();
    cr_assert_eq(last_entry.queued, 2);
    arp_fini(); /* frees the queue */
    cr_assert(testkit_pool_full());
}

Test(arp, request_is_retransmitted_then_queue_dropped)
{
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(1)), 0);
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(2)), 0);
    expect_request(our_ip, peer_ip);
    testkit_advance(ARP_RETRY_NS - 1);
    cr_assert_eq(testkit_sent_count(ifp), 0, "retransmitted too early");
    for (unsigned i = 1; i < ARP_MAX_TRIES; i++) {
        testkit_advance(1);
        cr_assert_eq(testkit_sent_count(ifp), 1, "try %u not sent", i + 1);
        expect_request(our_ip, peer_ip);
        testkit_advance(ARP_RETRY_NS - 1);
    }
    cr_assert_eq(l2_ctr("arp", "tx_request"), ARP_MAX_TRIES);
    cr_assert_eq(l2_ctr("arp", "resolve_failed"), 0);
    testkit_advance(1);
    cr_assert_eq(testkit_sent_count(ifp), 0, "more than ARP_MAX_TRIES requests");
    cr_assert_eq(l2_ctr("arp", "resolve_failed"), 1);
    cr_assert_eq(l2_ctr("arp", "unresolved_drops"), 2);
    cr_assert_eq(count_entries(), 0);
    cr_assert_eq(ktimer_pending(), 0);
    cr_assert(testkit_pool_full(), "failed resolution must free its queue");
    /* nothing more happens later */
    testkit_advance(10 * ARP_RETRY_NS);
    cr_assert_eq(testkit_sent_count(ifp), 0);
}

struct failed_seen {
    unsigned n;
    uint16_t ifindex[4];
    uint8_t marker[4];
    unsigned entries_during;
};
static struct failed_seen failed_seen;

static int on_resolve_failed(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    if (failed_seen.n < 4) {
        failed_seen.ifindex[failed_seen.n] = p->ifindex;
        failed_seen.marker[failed_seen.n] = pkt_data(p)[0];
    }
    failed_seen.n++;
    failed_seen.entries_during = count_entries();
    cr_assert_eq(pkt_layer_ptr(p, PKT_L3), pkt_data(p), "data and L3 at the IPv4 header");
    return KH_TAKEN;
}

Test(arp, failed_resolution_raises_resolve_failed_per_packet_in_order)
{
    cr_assert_eq(arp_ResolveFailed_install(on_resolve_failed, NULL, NULL, NULL, NULL), 0);
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(0xa1)), 0);
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(0xb2)), 0);
    testkit_drain(ifp);
    testkit_advance(ARP_MAX_TRIES * ARP_RETRY_NS - 1);
    cr_assert_eq(failed_seen.n, 0, "raised before ARP gave up");
    testkit_advance(1);
    cr_assert_eq(failed_seen.n, 2);
    cr_assert_eq(failed_seen.ifindex[0], ifp->index);
    cr_assert_eq(failed_seen.marker[0], 0xa1, "oldest first");
    cr_assert_eq(failed_seen.marker[1], 0xb2);
    cr_assert_eq(failed_seen.entries_during, 0, "the entry is gone before handlers run");
    testkit_drain(ifp);
    cr_assert(testkit_pool_full(), "packets are freed after the raise");
}

Test(arp, reply_flushes_queue_in_order)
{
    for (uint8_t m = 1; m <= 3; m++)
        cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(m)), 0);
    expect_request(our_ip, peer_ip);
    inject_arp(L2_OUR_MAC, l2_arp_default(2, L2_PEER_MAC, peer_ip, L2_OUR_MAC, our_ip));
    cr_assert_eq(testkit_sent_count(ifp), 3);
    for (uint8_t m = 1; m <= 3; m++)
        expect_ip(L2_PEER_MAC, m);
    cr_assert_eq(l2_ctr("arp", "queue_sent"), 3);
    cr_assert_eq(ktimer_pending(), 0, "retransmission timer still armed");
    testkit_advance(5 * ARP_RETRY_NS);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    /* now resolved: the next packet goes out at once */
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(4)), 0);
    expect_ip(L2_PEER_MAC, 4);
    cr_assert(testkit_pool_full());
}

Test(arp, queue_is_bounded_oldest_dropped)
{
    unsigned n = ARP_QUEUE_MAX + 3;
    for (unsigned m = 1; m <= n; m++)
        cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet((uint8_t)m)), 0);
    cr_assert_eq(l2_ctr("arp", "queue_overflow"), 3);
    cr_assert_eq(testkit_sent_count(ifp), 1, "one request for the whole queue");
    expect_request(our_ip, peer_ip);
    count_entries();
    cr_assert_eq(last_entry.queued, ARP_QUEUE_MAX);
    inject_arp(L2_OUR_MAC, l2_arp_default(2, L2_PEER_MAC, peer_ip, L2_OUR_MAC, our_ip));
    cr_assert_eq(testkit_sent_count(ifp), ARP_QUEUE_MAX);
    for (unsigned m = 4; m <= n; m++)
        expect_ip(L2_PEER_MAC, (uint8_t)m);
    cr_assert(testkit_pool_full());
}

Test(arp, broadcast_next_hops_skip_arp)
{
    cr_assert_eq(arp_output(ifp, 0xffffffffu, l2_ip_packet(1)), 0);
    cr_assert_eq(arp_output(ifp, testkit_ip("10.0.0.255"), l2_ip_packet(2)), 0);
    expect_ip(L2_BCAST, 1);
    expect_ip(L2_BCAST, 2);
    cr_assert_eq(count_entries(), 0);
    cr_assert_eq(l2_ctr("arp", "tx_request"), 0);
    cr_assert(testkit_pool_full());
}

Test(arp, multicast_next_hop_maps_to_group_mac)
{
    static const uint8_t group[6] = { 0x01, 0x00, 0x5e, 0x7f, 0x00, 0x05 };
    cr_assert_eq(arp_output(ifp, testkit_ip("239.255.0.5"), l2_ip_packet(1)), 0);
    expect_ip(group, 1);
    cr_assert_eq(count_entries(), 0);
    cr_assert(testkit_pool_full());
}

Test(arp, request_source_is_the_address_in_the_next_hops_subnet)
{
    netif_add_addr(ifp, testkit_ip("192.168.7.1"), 24);
    cr_assert_eq(arp_output(ifp, testkit_ip("192.168.7.9"), l2_ip_packet(1)), 0);
    expect_request(testkit_ip("192.168.7.1"), testkit_ip("192.168.7.9"));
    cr_assert_eq(arp_output(ifp, testkit_ip("172.16.0.1"), l2_ip_packet(2)), 0);
    expect_request(our_ip, testkit_ip("172.16.0.1"));
    arp_flush();
    cr_assert_eq(count_entries(), 0);
    cr_assert_eq(l2_ctr("arp", "flush_drops"), 2);
    cr_assert_eq(ktimer_pending(), 0);
    cr_assert(testkit_pool_full());
}

Test(arp, entries_expire)
{
    inject_arp(L2_BCAST, l2_arp_default(1, L2_PEER_MAC, peer_ip, L2_ZERO_MAC, our_ip));
    testkit_drain(ifp);
    uint8_t mac[6];
    testkit_advance(ARP_REACHABLE_NS - 1);
    cr_assert_eq(arp_lookup(ifp->index, peer_ip, mac), 0);
    testkit_advance(1);
    cr_assert_eq(arp_lookup(ifp->index, peer_ip, mac), -KE_NOENT);
    /* an expired entry is resolved again */
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(1)), 0);
    expect_request(our_ip, peer_ip);
    inject_arp(L2_OUR_MAC, l2_arp_default(2, L2_PEER_MAC, peer_ip, L2_OUR_MAC, our_ip));
    expect_ip(L2_PEER_MAC, 1);
    cr_assert(testkit_pool_full());
}

Test(arp, full_cache_evicts_least_recently_used)
{
    uint32_t base = testkit_ip("10.0.0.0");
    ifp->plen[0] = 16; /* room for ARP_CACHE_SIZE + 1 neighbours */
    for (uint32_t i = 0; i <= ARP_CACHE_SIZE; i++) {
        uint8_t mac[6] = { 0x02, 0x10, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };
        inject_arp(L2_BCAST, l2_arp_default(1, mac, base + 0x100 + i, L2_ZERO_MAC, our_ip));
        cr_assert_eq(testkit_drain(ifp), 1);
        testkit_advance(1000);
    }
    uint8_t mac[6];
    cr_assert_eq(count_entries(), ARP_CACHE_SIZE);
    cr_assert_eq(l2_ctr("arp", "evicted"), 1);
    cr_assert_eq(arp_lookup(ifp->index, base + 0x100, mac), -KE_NOENT, "the oldest is evicted");
    cr_assert_eq(arp_lookup(ifp->index, base + 0x101, mac), 0);
    cr_assert_eq(arp_lookup(ifp->index, base + 0x100 + ARP_CACHE_SIZE, mac), 0);
    cr_assert(testkit_pool_full());
}

Test(arp, use_refreshes_lru_order)
{
    uint32_t base = testkit_ip("10.0.0.0");
    ifp->plen[0] = 16;
    for (uint32_t i = 0; i < ARP_CACHE_SIZE; i++) {
        uint8_t mac[6] = { 0x02, 0x10, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };
        inject_arp(L2_BCAST, l2_arp_default(1, mac, base + 0x100 + i, L2_ZERO_MAC, our_ip));
        testkit_drain(ifp);
        testkit_advance(1000);
    }
    /* using the oldest entry makes the second one the least recently used */
    cr_assert_eq(arp_output(ifp, base + 0x100, l2_ip_packet(1)), 0);
    testkit_drain(ifp);
    testkit_advance(1000);
    uint8_t mac[6] = { 0x02, 0x20, 0, 0, 0, 1 };
    inject_arp(L2_BCAST, l2_arp_default(1, mac, base + 0x200, L2_ZERO_MAC, our_ip));
    testkit_drain(ifp);
    cr_assert_eq(arp_lookup(ifp->index, base + 0x100, mac), 0);
    cr_assert_eq(arp_lookup(ifp->index, base + 0x101, mac), -KE_NOENT);
    cr_assert(testkit_pool_full());
}

Test(arp, shared_packet_is_queued_as_a_copy)
{
    struct pktbuf *p = l2_ip_packet(7);
    pkt_ref(p);
    cr_assert_eq(arp_output(ifp, peer_ip, p), 0);
    cr_assert_eq(p->refcnt, 1);
    cr_assert_null(p->next);
    testkit_drain(ifp);
    inject_arp(L2_OUR_MAC, l2_arp_default(2, L2_PEER_MAC, peer_ip, L2_OUR_MAC, our_ip));
    expect_ip(L2_PEER_MAC, 7);
    cr_assert_eq(p->data_off, PKT_HEADROOM, "the caller's buffer was written");
    pkt_free(p);
    cr_assert(testkit_pool_full());
}

Test(arp, zero_next_hop_is_refused)
{
    cr_assert_eq(arp_output(ifp, 0, l2_ip_packet(1)), -KE_INVAL);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(l2_ctr("arp", "bad_next_hop"), 1);
    cr_assert(testkit_pool_full());
}

Test(arp, fini_uninstalls_and_frees_queues)
{
    cr_assert_eq(arp_output(ifp, peer_ip, l2_ip_packet(1)), 0);
    testkit_drain(ifp);
    arp_fini();
    cr_assert(testkit_pool_full(), "arp_fini leaked the queue");
    cr_assert_eq(ktimer_pending(), 0);
    uint64_t v;
    cr_assert_eq(kstats_find("arp", "rx", &v), -KE_NOENT);
    inject_arp(L2_BCAST, l2_arp_default(1, L2_PEER_MAC, peer_ip, L2_ZERO_MAC, our_ip));
    cr_assert_eq(testkit_sent_count(ifp), 0, "ARP still answers after fini");
    cr_assert_eq(arp_init(), 0);
    inject_arp(L2_BCAST, l2_arp_default(1, L2_PEER_MAC, peer_ip, L2_ZERO_MAC, our_ip));
    cr_assert_eq(testkit_sent_count(ifp), 1);
    cr_assert_eq(l2_ctr("arp", "tx_reply"), 1);
    testkit_drain(ifp);
    cr_assert(testkit_pool_full());
}
