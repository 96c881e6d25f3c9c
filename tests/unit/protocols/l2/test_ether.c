/*
 * tests/unit/protocols/l2/test_ether.c — the Ethernet II node: which frames
 * are accepted and how they are marked, what is counted and dropped, and
 * how ether_send builds, pads and hands over frames.
 */
#include <criterion/criterion.h>

#include "l2kit.h"
#include "kernel/kerr.h"
#include "protocols/ether/ether.h"

static struct netif *ifp;

/* What the recording handler on ether_PacketArrived saw. */
static struct {
    unsigned calls;
    uint32_t flags;
    long l2_minus_data; /* PKT_L2 - data_off */
    long l3_minus_l2;   /* PKT_L3 - PKT_L2 */
    uint16_t ifindex;
    int result; /* what the handler answers */
} seen;

static int record(void *ctx, struct pktbuf *pkt)
{
    (void)ctx;
    seen.calls++;
    seen.flags = pkt->flags;
    seen.l2_minus_data = (long)pkt->layer[PKT_L2] - (long)pkt->data_off;
    seen.l3_minus_l2 = (long)pkt->layer[PKT_L3] - (long)pkt->layer[PKT_L2];
    seen.ifindex = pkt->ifindex;
    return seen.result;
}

static struct khandler *rec_h;

static void setup(void)
{
    testkit_init();
    cr_assert_eq(ether_init(), 0);
    ifp = testkit_netif("eth0", L2_OUR_MAC, "10.0.0.1/24");
    memset(&seen, 0, sizeof(seen));
    seen.result = KH_TAKEN;
    struct kguard g = ether_guard_type(ETHERTYPE_AAL5);
    cr_assert_eq(ether_PacketArrived_install(record, NULL, &g, NULL, &rec_h), 0);
}

static void teardown(void)
{
    ether_fini();
    netif_destroy_all();
}

TestSuite(ether, .init = setup, .fini = teardown);

/* Inject a frame to @dst from @src with @type and a 46-byte zero payload. */
static void inject(const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    uint8_t f[60] = { 0 };
    l2_eth(f, dst, src, type);
    testkit_inject(ifp, f, sizeof(f));
}

Test(ether, unicast_to_us_is_raised_with_layers)
{
    inject(L2_OUR_MAC, L2_PEER_MAC, ETHERTYPE_AAL5);
    cr_assert_eq(seen.calls, 1);
    cr_assert_eq(seen.flags & (PKT_F_L2_BCAST | PKT_F_L2_MCAST), 0);
    cr_assert_eq(seen.l2_minus_data, 0, "data must stay at the Ethernet header");
    cr_assert_eq(seen.l3_minus_l2, ETHER_HDR_LEN);
    cr_assert_eq(seen.ifindex, ifp->index);
    cr_assert_eq(l2_ctr("ether", "rx"), 1);
    cr_assert_eq(l2_ctr("ether", "unknown_type"), 0);
    cr_assert(testkit_pool_full());
}

Test(ether, broadcast_is_flagged)
{
    inject(L2_BCAST, L2_PEER_MAC, ETHERTYPE_AAL5);
    cr_assert_eq(seen.calls, 1);
    cr_assert_eq(seen.flags & (PKT_F_L2_BCAST | PKT_F_L2_MCAST), PKT_F_L2_BCAST);
    cr_assert_eq(l2_ctr("ether", "rx_bcast"), 1);
    cr_assert(testkit_pool_full());
}

Test(ether, multicast_is_flagged)
{
    static const uint8_t group[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
    inject(group, L2_PEER_MAC, ETHERTYPE_AAL5);
    cr_assert_eq(seen.calls, 1);
    cr_assert_eq(seen.flags & (PKT_F_L2_BCAST | PKT_F_L2_MCAST), PKT_F_L2_MCAST);
    cr_assert_eq(l2_ctr("ether", "rx_mcast"), 1);
    cr_assert(testkit_pool_full());
}

Test(ether, other_unicast_is_dropped)
{
    inject(L2_OTHER_MAC, L2_PEER_MAC, ETHERTYPE_AAL5);
    cr_assert_eq(seen.calls, 0);
    cr_assert_eq(l2_ctr("ether", "not_for_us"), 1);
    cr_assert_eq(l2_ctr("ether", "rx"), 0);
    cr_assert(testkit_pool_full());
}

Test(ether, runt_is_dropped)
{
    uint8_t f[14] = { 0 };
    l2_eth(f, L2_OUR_MAC, L2_PEER_MAC, ETHERTYPE_AAL5);
    testkit_inject(ifp, f, 13);
    cr_assert_eq(seen.calls, 0);
    cr_assert_eq(l2_ctr("ether", "runt"), 1);
    /* exactly the header and nothing else is a valid (if empty) frame */
    testkit_inject(ifp, f, 14);
    cr_assert_eq(seen.calls, 1);
    cr_assert_eq(l2_ctr("ether", "runt"), 1);
    cr_assert(testkit_pool_full());
}

Test(ether, length_field_is_not_ethernet_ii)
{
    inject(L2_OUR_MAC, L2_PEER_MAC, 0x05dc); /* 1500: an 802.3 length */
    inject(L2_OUR_MAC, L2_PEER_MAC, 0x05ff);
    cr_assert_eq(l2_ctr("ether", "not_ethernet_ii"), 2);
    cr_assert_eq(l2_ctr("ether", "unknown_type"), 0);
    cr_assert_eq(seen.calls, 0);
    inject(L2_OUR_MAC, L2_PEER_MAC, 0x0600); /* first EtherType: accepted, nobody takes it */
    cr_assert_eq(l2_ctr("ether", "not_ethernet_ii"), 2);
    cr_assert_eq(l2_ctr("ether", "unknown_type"), 1);
    cr_assert(testkit_pool_full());
}

Test(ether, group_source_is_dropped)
{
    static const uint8_t msrc[6] = { 0x03, 0x00, 0x00, 0x00, 0x00, 0x09 };
    inject(L2_OUR_MAC, msrc, ETHERTYPE_AAL5);
    inject(L2_OUR_MAC, L2_BCAST, ETHERTYPE_AAL5);
    cr_assert_eq(seen.calls, 0);
    cr_assert_eq(l2_ctr("ether", "bad_src"), 2);
    cr_assert(testkit_pool_full());
}

Test(ether, unknown_type_counted_when_nobody_takes_it)
{
    inject(L2_OUR_MAC, L2_PEER_MAC, 0x86dd); /* IPv6: no node here */
    cr_assert_eq(seen.calls, 0);
    cr_assert_eq(l2_ctr("ether", "rx"), 1);
    cr_assert_eq(l2_ctr("ether", "unknown_type"), 1);
    cr_assert(testkit_pool_full());
}

Test(ether, protocol_that_drops_is_not_unknown_type)
{
    seen.result = -KE_INVAL; /* the protocol recognised the frame and dropped it */
    inject(L2_OUR_MAC, L2_PEER_MAC, ETHERTYPE_AAL5);
    cr_assert_eq(seen.calls, 1);
    cr_assert_eq(l2_ctr("ether", "unknown_type"), 0);
    seen.result = KH_PASS; /* an observer only */
    inject(L2_OUR_MAC, L2_PEER_MAC, ETHERTYPE_AAL5);
    cr_assert_eq(seen.calls, 2);
    cr_assert_eq(l2_ctr("ether", "unknown_type"), 1);
    cr_assert(testkit_pool_full());
}

/*
 * A payload of @n bytes 0xa5 with PKT_L3 at its start; the 64 bytes after
 * it are dirty (0xee), so padding that is not written shows.
 */
static struct pktbuf *payload(uint16_t n)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    cr_assert_not_null(p);
    memset(pkt_append(p, (uint16_t)(n + 64)), 0xee, n + 64u);
    cr_assert_eq(pkt_trim(p, n), 0);
    memset(pkt_data(p), 0xa5, n);
    pkt_set_layer(p, PKT_L3);
    return p;
}

Test(ether, send_builds_header_and_pads_to_60)
{
    cr_assert_eq(ether_send(ifp, L2_PEER_MAC, ETHERTYPE_IPV4, payload(20)), 0);
    cr_assert_eq(testkit_sent_count(ifp), 1);
    struct pktbuf *f = testkit_sent(ifp);
    const uint8_t *d = pkt_data(f);
    cr_assert_eq(f->len, ETHER_MIN_FRAME);
    cr_assert_arr_eq(d, L2_PEER_MAC, 6);
    cr_assert_arr_eq(d + 6, L2_OUR_MAC, 6);
    cr_assert_eq(load_be16(d + 12), ETHERTYPE_IPV4);
    for (unsigned i = 14; i < 34; i++)
        cr_assert_eq(d[i], 0xa5, "payload byte %u changed", i);
    for (unsigned i = 34; i < 60; i++)
        cr_assert_eq(d[i], 0, "padding byte %u is %#x", i, d[i]);
    cr_assert_eq(f->ifindex, ifp->index);
    pkt_free(f);
    cr_assert_eq(l2_ctr("ether", "tx"), 1);
    cr_assert(testkit_pool_full());
}

Test(ether, send_does_not_pad_full_frames)
{
    cr_assert_eq(ether_send(ifp, L2_PEER_MAC, ETHERTYPE_IPV4, payload(46)), 0);
    cr_assert_eq(ether_send(ifp, L2_PEER_MAC, ETHERTYPE_IPV4, payload(100)), 0);
    struct pktbuf *a = testkit_sent(ifp), *b = testkit_sent(ifp);
    cr_assert_eq(a->len, 60);
    cr_assert_eq(b->len, 114);
    pkt_free(a);
    pkt_free(b);
    cr_assert(testkit_pool_full());
}

/* ether_SendPacket interposer: records the frame and answers @ctx's result. */
static struct pktbuf *taken;
static unsigned tx_seen;
static int interpose(void *ctx, struct pktbuf *pkt)
{
    int result = *(int *)ctx;
    tx_seen++;
    cr_assert_eq(pkt->layer[PKT_L2], pkt->data_off, "SendPacket data at the Ethernet header");
    cr_assert_eq(pkt->ifindex, ifp->index);
    if (result == KH_TAKEN)
        taken = pkt_ref(pkt);
    return result;
}

Test(ether, interposer_that_takes_the_frame_stops_transmission)
{
    static int result = KH_TAKEN;
    struct khandler *h;
    cr_assert_eq(ether_SendPacket_install(interpose, &result, NULL, NULL, &h), 0);
    cr_assert_eq(ether_send(ifp, L2_PEER_MAC, ETHERTYPE_IPV4, payload(20)), 0);
    cr_assert_eq(tx_seen, 1);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_not_null(taken);
    cr_assert_eq(taken->refcnt, 1, "ether_send must drop its own reference");
    cr_assert_eq(l2_ctr("ether", "tx_taken"), 1);
    pkt_free(taken);
    kevent_uninstall(h);
    cr_assert(testkit_pool_full());
}

Test(ether, observer_does_not_stop_transmission)
{
    static int result = KH_PASS;
    struct khandler *h;
    cr_assert_eq(ether_SendPacket_install(interpose, &result, NULL, NULL, &h), 0);
    cr_assert_eq(ether_send(ifp, L2_PEER_MAC, ETHERTYPE_IPV4, payload(20)), 0);
    cr_assert_eq(tx_seen, 1);
    cr_assert_eq(testkit_sent_count(ifp), 1);
    testkit_drain(ifp);
    kevent_uninstall(h);
    cr_assert(testkit_pool_full());
}

Test(ether, interposer_can_refuse_a_frame)
{
    static int result = -KE_PERM;
    struct khandler *h;
    cr_assert_eq(ether_SendPacket_install(interpose, &result, NULL, NULL, &h), 0);
    cr_assert_eq(ether_send(ifp, L2_PEER_MAC, ETHERTYPE_IPV4, payload(20)), -KE_PERM);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(l2_ctr("ether", "tx_vetoed"), 1);
    kevent_uninstall(h);
    cr_assert(testkit_pool_full());
}

Test(ether, shared_buffer_is_copied_not_written)
{
    struct pktbuf *p = payload(20);
    uint16_t off = p->data_off, len = p->len;
    pkt_ref(p); /* someone else still holds it */
    cr_assert_eq(ether_send(ifp, L2_PEER_MAC, ETHERTYPE_IPV4, p), 0);
    cr_assert_eq(p->refcnt, 1);
    cr_assert_eq(p->data_off, off, "a shared buffer was pushed");
    cr_assert_eq(p->len, len);
    struct pktbuf *f = testkit_sent(ifp);
    cr_assert_neq(f, p);
    cr_assert_eq(f->len, 60);
    cr_assert_eq(pkt_data(f)[14], 0xa5);
    pkt_free(f);
    pkt_free(p);
    cr_assert(testkit_pool_full());
}

Test(ether, no_headroom_is_nomem_and_frees)
{
    struct pktbuf *p = payload(20);
    pkt_push(p, pkt_headroom(p)); /* use up all headroom */
    cr_assert_eq(ether_send(ifp, L2_PEER_MAC, ETHERTYPE_IPV4, p), -KE_NOMEM);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(l2_ctr("ether", "tx_nomem"), 1);
    cr_assert(testkit_pool_full());
}

Test(ether, guard_type_tests_the_ethertype)
{
    struct kguard g = ether_guard_type(0x1234);
    cr_assert_eq(g.ntests, 1);
    cr_assert_eq(g.test[0].layer, PKT_L2);
    cr_assert_eq(g.test[0].offset, 12);
    cr_assert_eq(g.test[0].width, 2);
    cr_assert_eq(g.test[0].op, KG_EQ);
    cr_assert_eq(g.test[0].value, 0x1234);
    cr_assert_eq(g.test[0].mask & 0xffff, 0xffff);
}

Test(ether, fini_uninstalls_and_init_again_works)
{
    ether_fini();
    uint64_t v;
    cr_assert_eq(kstats_find("ether", "rx", &v), -KE_NOENT, "counters still registered");
    inject(L2_OUR_MAC, L2_PEER_MAC, ETHERTYPE_AAL5);
    cr_assert_eq(seen.calls, 0, "ether still installed after fini");
    cr_assert_eq(ether_init(), 0);
    inject(L2_OUR_MAC, L2_PEER_MAC, ETHERTYPE_AAL5);
    cr_assert_eq(seen.calls, 1);
    cr_assert_eq(l2_ctr("ether", "rx"), 1);
    cr_assert(testkit_pool_full());
}
