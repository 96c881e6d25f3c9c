/*
 * Unit tests of IPv4 reassembly (RFC 791 3.2, RFC 815): in order, out of
 * order, overlap rejection, duplicates, the 65535-byte limit, the timeout
 * with ICMP time exceeded, the memory bound, large datagrams.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "ipkit.h"
#include "kernel/klib.h"
#include "protocols/icmp/icmp.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/ipv4_impl.h" /* ipv4_reasm_held() */
#include "protocols/ipv4/ipv4_pool.h"
#include "testkit.h"

/* A recording handler on ipv4_LocalArrived for protocol 253. */
static struct {
    unsigned calls;
    uint16_t len, cap;
    uint8_t hdr[60];
    uint16_t payload_len;
    uint8_t payload[65536];
} rec;

static int recorder(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    rec.calls++;
    rec.len = p->len;
    rec.cap = p->cap;
    cr_assert_eq(p->layer[PKT_L3], p->data_off);
    memcpy(rec.hdr, pkt_data(p), 20);
    rec.payload_len = pkt_layer_len(p, PKT_L4);
    memcpy(rec.payload, pkt_layer_ptr(p, PKT_L4), rec.payload_len);
    return KH_TAKEN;
}

static uint8_t data[65536 + 64];

static struct netif *setup(void)
{
    memset(&rec, 0, sizeof rec);
    struct netif *ifp = ipkit_setup();
    struct kguard g = ipv4_guard_proto(253);
    cr_assert_eq(ipv4_LocalArrived_install(recorder, NULL, &g, NULL, NULL), 0);
    ik_pattern(data, sizeof data, 3);
    return ifp;
}

static void check_whole(size_t len, uint16_t id)
{
    cr_assert_eq(rec.calls, 1, "datagram not delivered once (%u)", rec.calls);
    cr_assert_eq(rec.len, 20 + len);
    cr_assert_eq(load_be16(rec.hdr + 2), 20 + len, "total length of the whole datagram");
    cr_assert_eq(load_be16(rec.hdr + 4), id);
    cr_assert_eq(load_be16(rec.hdr + 6) & 0x3fff, 0, "MF and offset cleared");
    cr_assert_eq(ik_csum(rec.hdr, 20), 0, "header checksum recomputed");
    cr_assert_eq(rec.payload_len, len);
    cr_assert_arr_eq(rec.payload, data, len);
}

TestSuite(reasm);

Test(reasm, in_order)
{
    struct netif *ifp = setup();
    struct ik_dgram d = { .id = 0x100, .payload = data, .len = 3000 };
    ik_inject_frag(ifp, &d, 0, 1480, true);
    ik_inject_frag(ifp, &d, 1480, 1480, true);
    cr_assert_eq(rec.calls, 0);
    ik_inject_frag(ifp, &d, 2960, 40, false);
    check_whole(3000, 0x100);
    cr_assert_eq(ik_counter("ipv4", "frag_rx"), 3);
    cr_assert_eq(ik_counter("ipv4", "reasm_ok"), 1);
    cr_assert_eq(ipv4_reasm_held(), 0);
    ipkit_end(ifp);
}

Test(reasm, out_of_order)
{
    struct netif *ifp = setup();
    struct ik_dgram d = { .id = 0x101, .payload = data, .len = 3000 };
    ik_inject_frag(ifp, &d, 2960, 40, false);
    ik_inject_frag(ifp, &d, 0, 1480, true);
    cr_assert_eq(rec.calls, 0);
    ik_inject_frag(ifp, &d, 1480, 1480, true);
    check_whole(3000, 0x101);
    ipkit_end(ifp);
}

Test(reasm, small_pieces_any_order)
{
    struct netif *ifp = setup();
    struct ik_dgram d = { .id = 0x102, .payload = data, .len = 100 };
    static const size_t order[] = { 3, 0, 12, 7, 1, 9, 2, 11, 4, 8, 6, 10, 5 };
    for (size_t i = 0; i < 13; i++) {
        size_t off = order[i] * 8;
        ik_inject_frag(ifp, &d, off, off + 8 < 100 ? 8 : 100 - off, off + 8 < 100);
    }
    check_whole(100, 0x102);
    ipkit_end(ifp);
}

Test(reasm, datagrams_are_keyed_by_source_destination_id_and_protocol)
{
    struct netif *ifp = setup();
    struct ik_dgram d = { .id = 0x200, .payload = data, .len = 2000 };
    struct ik_dgram other_proto = d;
    other_proto.proto = 254;
    struct ik_dgram other_dst = d;
    other_dst.dst = IK_OUR_IP2;
    ik_inject_frag(ifp, &d, 0, 1480, true);
    ik_inject_frag(ifp, &other_proto, 1480, 520, false);
    ik_inject_frag(ifp, &other_dst, 1480, 520, false);
    cr_assert_eq(rec.calls, 0, "fragments of different datagrams were joined");
    ik_inject_frag(ifp, &d, 1480, 520, false);
    check_whole(2000, 0x200);
    ipkit_end(ifp);
}

Test(reasm, partial_overlap_drops_the_whole_datagram)
{
    struct netif *ifp = setup();
    struct ik_dgram d = { .id = 0x300, .payload = data, .len = 40 };
    ik_inject_frag(ifp, &d, 0, 24, true);
    ik_inject_frag(ifp, &d, 16, 24, false); /* bytes 16..23 twice */
    cr_assert_eq(ik_counter("ipv4", "reasm_overlap"), 1);
    cr_assert_eq(ipv4_reasm_held(), 0, "fragments kept after an overlap");
    /* What remains cannot complete the datagram. */
    ik_inject_frag(ifp, &d, 24, 16, false);
    cr_assert_eq(rec.calls, 0);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    ipkit_end(ifp);
}

Test(reasm, teardrop_last_fragment_inside_the_first_is_rejected)
{
    struct netif *ifp = setup();
    struct ik_dgram d = { .id = 0x301, .payload = data, .len = 48 };
    ik_inject_frag(ifp, &d, 0, 48, true);
    ik_inject_frag(ifp, &d, 8, 8, false);
    cr_assert_eq(ik_counter("ipv4", "reasm_overlap"), 1);
    cr_assert_eq(rec.calls, 0);
    cr_assert_eq(ipv4_reasm_held(), 0);
    ipkit_end(ifp);
}

Test(reasm, last_fragment_ending_before_received_data_is_rejected)
{
    struct netif *ifp = setup();
    struct ik_dgram d = { .id = 0x302, .payload = data, .len = 64 };
    ik_inject_frag(ifp, &d, 48, 16, true);
    ik_inject_frag(ifp, &d, 8, 16, false); /* claims the datagram ends at 24 */
    cr_assert_eq(ik_counter("ipv4", "reasm_overlap"), 1);
    cr_assert_eq(ipv4_reasm_held(), 0);
    ipkit_end(ifp);
}

Test(reasm, two_different_last_fragments_are_rejected)
{
    struct netif *ifp = setup();
    struct ik_dgram d = { .id = 0x304, .payload = data, .len = 64 };
    ik_inject_frag(ifp, &d, 48, 16, false); /* ends at 64 */
    ik_inject_frag(ifp, &d, 24, 8, false);  /* ends at 32: disagrees */
    cr_assert_eq(ik_counter("ipv4", "reasm_overlap"), 1);
    cr_assert_eq(ipv4_reasm_held(), 0);
    ipkit_end(ifp);
}

Test(reasm, fragment_beyond_the_known_end_is_rejected)
{
    struct netif *ifp = setup();
    struct ik_dgram d = { .id = 0x305, .payload = data, .len = 128 };
    ik_inject_frag(ifp, &d, 16, 16, false); /* the datagram ends at 32 */
    ik_inject_frag(ifp, &d, 64, 16, true);  /* data at 64..79 */
    cr_assert_eq(ik_counter("ipv4", "reasm_overlap"), 1);
    cr_assert_eq(ipv4_reasm_held(), 0);
    cr_assert_eq(rec.calls, 0);
    ipkit_end(ifp);
}

Test(reasm, exact_duplicate_is_ignored_and_the_datagram_completes)
{
    struct netif *ifp = setup();
    struct ik_dgram d = { .id = 0x303, .payload = data, .len = 2000 };
    ik_inject_frag(ifp, &d, 0, 1480, true);
    ik_inject_frag(ifp, &d, 0, 1480, true);
    cr_assert_eq(ik_counter("ipv4", "reasm_dup"), 1);
    ik_inject_frag(ifp, &d, 1480, 520, false);
    check_whole(2000, 0x303);
    ipkit_end(ifp);
}

Test(reasm, beyond_65535_bytes_is_rejected)
{
    struct netif *ifp = setup();
    struct ik_dgram p = { .id = 0x400, .payload = data, .len = 65544 };
    ik_inject_frag(ifp, &p, 65528, 16, false);
    cr_assert_eq(ik_counter("ipv4", "reasm_oversize"), 1);
    cr_assert_eq(ipv4_reasm_held(), 0);
    cr_assert_eq(rec.calls, 0);
    ipkit_end(ifp);
}

Test(reasm, fragment_with_mf_and_length_not_multiple_of_8_is_dropped)
{
    struct netif *ifp = setup();
    struct ik_dgram d = { .id = 0x401, .payload = data, .len = 100 };
    ik_inject_frag(ifp, &d, 0, 12, true);
    cr_assert_eq(ik_counter("ipv4", "reasm_bad_frag"), 1);
    cr_assert_eq(ipv4_reasm_held(), 0);
    ipkit_end(ifp);
}

Test(reasm, timeout_with_fragment_zero_sends_time_exceeded)
{
    struct netif *ifp = setup();
    struct ik_dgram d = { .id = 0x500, .payload = data, .len = 3000 };
    ik_inject_frag(ifp, &d, 0, 1480, true);
    ik_inject_frag(ifp, &d, 2960, 40, false);
    cr_assert_gt(ipv4_reasm_held(), 0);
    testkit_advance(IPV4_REASM_TIMEOUT_NS - 1);
    cr_assert_eq(testkit_sent_count(ifp), 0, "timed out early");
    cr_assert_eq(ik_counter("ipv4", "reasm_timeout"), 0);
    testkit_advance(1);
    cr_assert_eq(ik_counter("ipv4", "reasm_timeout"), 1);
    cr_assert_eq(ipv4_reasm_held(), 0);
    struct ik_sent s;
    cr_assert(ik_take(ifp, &s));
    cr_assert_eq(s.proto, 1);
    cr_assert_eq(s.dst, IK_PEER_IP);
    cr_assert_eq(s.src, IK_OUR_IP);
    cr_assert_eq(s.l4[0], ICMP_TIMXCEED);
    cr_assert_eq(s.l4[1], ICMP_TIMXCEED_REASS);
    cr_assert_eq(ik_csum(s.l4, s.l4_len), 0);
    /* It quotes fragment 0: its header (MF set, offset 0) and data. */
    cr_assert_eq(load_be16(s.l4 + 8 + 4), 0x500);
    cr_assert_eq(load_be16(s.l4 + 8 + 6), 0x2000);
    cr_assert_eq(s.total, 576);
    cr_assert_arr_eq(s.l4 + 8 + 20, data, 576 - 20 - 8 - 20);
    ik_sent_free(&s);
    /* The late fragment starts a new datagram, which cannot complete. */
    ik_inject_frag(ifp, &d, 1480, 1480, true);
    cr_assert_eq(rec.calls, 0);
    ipkit_end(ifp);
}

Test(reasm, timeout_without_fragment_zero_is_silent)
{
    struct netif *ifp = setup();
    struct ik_dgram d = { .id = 0x501, .payload = data, .len = 3000 };
    ik_inject_frag(ifp, &d, 1480, 1480, true);
    testkit_advance(IPV4_REASM_TIMEOUT_NS);
    cr_assert_eq(ik_counter("ipv4", "reasm_timeout"), 1);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(ipv4_reasm_held(), 0);
    ipkit_end(ifp);
}

Test(reasm, each_datagram_times_out_on_its_own_clock)
{
    struct netif *ifp = setup();
    struct ik_dgram a = { .id = 0x600, .payload = data, .len = 3000 };
    struct ik_dgram b = { .id = 0x601, .payload = data, .len = 3000 };
    ik_inject_frag(ifp, &a, 1480, 1480, true);
    testkit_advance(10 * 1000000000ull);
    ik_inject_frag(ifp, &b, 1480, 1480, true);
    testkit_advance(IPV4_REASM_TIMEOUT_NS - 10 * 1000000000ull);
    cr_assert_eq(ik_counter("ipv4", "reasm_timeout"), 1);
    /* b completes within its own 30 s. */
    ik_inject_frag(ifp, &b, 0, 1480, true);
    ik_inject_frag(ifp, &b, 2960, 40, false);
    check_whole(3000, 0x601);
    ipkit_end(ifp);
}

Test(reasm, memory_bound_evicts_the_oldest_datagrams)
{
    struct netif *ifp = setup();
    /* Each held fragment costs its 2048-byte block: the bound holds 128. */
    unsigned fit = IPV4_REASM_MAX_BYTES / PKT_BLOCK_SIZE;
    for (unsigned i = 0; i < fit; i++) {
        struct ik_dgram d = { .id = (uint16_t)(0x1000 + i), .payload = data, .len = 3000 };
        ik_inject_frag(ifp, &d, 0, 1480, true);
    }
    cr_assert_eq(ik_counter("ipv4", "reasm_evicted"), 0);
    cr_assert_eq(ipv4_reasm_held(), fit * PKT_BLOCK_SIZE);
    for (unsigned i = 0; i < 3; i++) {
        struct ik_dgram d = { .id = (uint16_t)(0x2000 + i), .payload = data, .len = 3000 };
        ik_inject_frag(ifp, &d, 0, 1480, true);
    }
    cr_assert_eq(ik_counter("ipv4", "reasm_evicted"), 3);
    cr_assert_leq(ipv4_reasm_held(), IPV4_REASM_MAX_BYTES);
    /* The oldest (0x1000) was evicted: its remaining fragments cannot complete it. */
    struct ik_dgram oldest = { .id = 0x1000, .payload = data, .len = 3000 };
    ik_inject_frag(ifp, &oldest, 1480, 1480, true);
    ik_inject_frag(ifp, &oldest, 2960, 40, false);
    cr_assert_eq(rec.calls, 0);
    /* A young one still completes. */
    struct ik_dgram young = { .id = 0x2002, .payload = data, .len = 3000 };
    ik_inject_frag(ifp, &young, 1480, 1480, true);
    ik_inject_frag(ifp, &young, 2960, 40, false);
    check_whole(3000, 0x2002);
    ipkit_end(ifp);
}

Test(reasm, large_datagram_is_built_in_the_large_pool)
{
    struct netif *ifp = setup();
    struct ik_dgram d = { .id = 0x700, .payload = data, .len = 8008 };
    for (size_t off = 0; off < 8008; off += 1480)
        ik_inject_frag(ifp, &d, off, off + 1480 < 8008 ? 1480 : 8008 - off, off + 1480 < 8008);
    check_whole(8008, 0x700);
    cr_assert_eq(rec.cap, IPV4_BIG_BLOCK);
    ipkit_end(ifp);
}

Test(reasm, largest_datagram_65535_bytes)
{
    struct netif *ifp = setup();
    size_t len = 65535 - 20;
    struct ik_dgram d = { .id = 0x701, .payload = data, .len = len };
    /* Last fragment first, then the rest in order. */
    size_t last_off = (len / 1480) * 1480;
    ik_inject_frag(ifp, &d, last_off, len - last_off, false);
    for (size_t off = 0; off < last_off; off += 1480)
        ik_inject_frag(ifp, &d, off, 1480, true);
    check_whole(len, 0x701);
    cr_assert_eq(ik_counter("ipv4", "reasm_evicted"), 0);
    ipkit_end(ifp);
}

Test(reasm, fini_frees_every_held_fragment)
{
    struct netif *ifp = setup();
    for (unsigned i = 0; i < 5; i++) {
        struct ik_dgram d = { .id = (uint16_t)(0x800 + i), .payload = data, .len = 3000 };
        ik_inject_frag(ifp, &d, 1480, 1480, true);
    }
    cr_assert_eq(ipv4_reasm_held(), 5 * PKT_BLOCK_SIZE);
    ipkit_end(ifp); /* asserts every buffer is back */
}
