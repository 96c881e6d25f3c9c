/*
 * Unit tests of IPv4 fragmentation on send (RFC 791 3.2): sizes, offsets,
 * MF, IDs and checksums of 3000- and 8000-byte datagrams (the layout Linux
 * uses, tests/traces/README.md), options copied into later fragments, the
 * DF refusal, small MTUs, and the round trip through our own reassembly.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "ipkit.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/ipv4_pool.h"
#include "testkit.h"

static uint8_t data[65536];
static struct ik_train train;

TestSuite(frag);

/* send_payload - ipv4_send @len pattern bytes with protocol 253 to the peer. */
static void send_payload(size_t len, const struct ipv4_send_opts *o, int expect)
{
    ik_pattern(data, len, 5);
    struct pktbuf *p = ipv4_pkt_alloc((uint32_t)(20 + len));
    cr_assert_not_null(p);
    p->data_off = (uint16_t)(p->data_off + 20);
    memcpy(pkt_append(p, (uint16_t)len), data, len);
    cr_assert_eq(ipv4_send(p, 0, IK_PEER_IP, 253, o), expect);
}

/* check_train - @n fragments: the first n-1 of 1500 bytes, the last of @last_total. */
static void check_train(unsigned n, uint16_t last_total, size_t len)
{
    cr_assert_eq(train.n, n, "%u fragments, expected %u", train.n, n);
    for (unsigned i = 0; i < n; i++) {
        cr_assert_eq(train.total[i], i + 1 < n ? 1500 : last_total, "fragment %u size %u", i,
                     train.total[i]);
        cr_assert_eq(train.frag[i] & 0x1fff, i * 1480 / 8, "fragment %u offset", i);
        cr_assert_eq((train.frag[i] & 0x2000) != 0, i + 1 < n, "fragment %u MF", i);
        cr_assert_eq(train.frag[i] & 0x4000, 0, "DF set on a fragment");
        cr_assert(train.csum_ok[i], "fragment %u header checksum", i);
        cr_assert_eq(train.id[i], train.id[0], "fragments of one datagram share its ID");
    }
    cr_assert_eq(train.len, len);
    cr_assert_arr_eq(train.payload, data, len);
}

Test(frag, datagram_of_3028_bytes_goes_as_1500_1500_68)
{
    struct netif *ifp = ipkit_setup();
    send_payload(3008, NULL, 0); /* ping -s 3000: 8 + 3000 ICMP bytes */
    ik_take_train(ifp, &train);
    check_train(3, 68, 3008);
    cr_assert_eq(ik_counter("ipv4", "frag_ok"), 1);
    cr_assert_eq(ik_counter("ipv4", "frag_created"), 3);
    ipkit_end(ifp);
}

Test(frag, datagram_of_8028_bytes_goes_as_five_1500_and_628)
{
    struct netif *ifp = ipkit_setup();
    send_payload(8008, NULL, 0); /* ping -s 8000 */
    ik_take_train(ifp, &train);
    check_train(6, 628, 8008);
    ipkit_end(ifp);
}

Test(frag, datagram_that_fits_is_not_fragmented)
{
    struct netif *ifp = ipkit_setup();
    send_payload(1480, NULL, 0);
    ik_take_train(ifp, &train);
    cr_assert_eq(train.n, 1);
    cr_assert_eq(train.total[0], 1500);
    cr_assert_eq(train.frag[0], 0);
    cr_assert_eq(ik_counter("ipv4", "frag_ok"), 0);
    ipkit_end(ifp);
}

Test(frag, df_and_too_big_is_refused)
{
    struct netif *ifp = ipkit_setup();
    struct ipv4_send_opts o = { .df = true };
    send_payload(3008, &o, -KE_TOOBIG);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    ipkit_end(ifp);
}

Test(frag, small_mtu_gives_multiples_of_8)
{
    struct netif *ifp = ipkit_setup();
    ifp->mtu = 576;
    send_payload(1200, NULL, 0);
    ik_take_train(ifp, &train);
    cr_assert_eq(train.n, 3);
    cr_assert_eq(train.total[0], 20 + 552);
    cr_assert_eq(train.total[1], 20 + 552);
    cr_assert_eq(train.total[2], 20 + 96);
    cr_assert_eq(train.frag[1] & 0x1fff, 69);
    cr_assert_eq(train.len, 1200);
    cr_assert_arr_eq(train.payload, data, 1200);
    ipkit_end(ifp);
}

Test(frag, options_copied_only_when_their_copy_flag_is_set)
{
    struct netif *ifp = ipkit_setup();
    /* Record Route (7, not copied), then Router Alert (0x94, copied), End. */
    static const uint8_t opts[12] = { 0x07, 0x07, 0x04, 0, 0, 0, 0, 0x94, 0x04, 0, 0, 0x00 };
    ik_pattern(data, 3000, 9);
    struct ik_dgram d = { .src = IK_OUR_IP,
                          .dst = IK_PEER_IP,
                          .id = 0x77,
                          .opts = opts,
                          .optlen = 12,
                          .payload = data,
                          .len = 3000 };
    static uint8_t f[4096];
    size_t n = ik_frame(f, sizeof f, &d);
    struct pktbuf *p = ipv4_pkt_alloc((uint32_t)(n - 14));
    memcpy(pkt_append(p, (uint16_t)(n - 14)), f + 14, n - 14);
    cr_assert_eq(ipv4_output(ifp, IK_PEER_IP, p), 0);

    struct ik_sent s;
    cr_assert(ik_take(ifp, &s));
    cr_assert_eq(s.hlen, 32, "first fragment keeps every option");
    cr_assert_arr_eq(s.ip + 20, opts, 12);
    cr_assert_eq(s.total, 32 + 1464);
    cr_assert_eq(s.frag, 0x2000);
    cr_assert_eq(ik_csum(s.ip, s.hlen), 0);
    ik_sent_free(&s);
    size_t off = 1464;
    while (ik_take(ifp, &s)) {
        cr_assert_eq(s.hlen, 24, "later fragments carry only copied options");
        static const uint8_t copied[4] = { 0x94, 0x04, 0, 0 };
        cr_assert_arr_eq(s.ip + 20, copied, 4);
        cr_assert_eq((s.frag & 0x1fff) * 8u, off);
        cr_assert_eq(ik_csum(s.ip, s.hlen), 0);
        cr_assert_arr_eq(s.l4, data + off, s.l4_len);
        off += s.l4_len;
        cr_assert_eq((s.frag & 0x2000) != 0, off < 3000);
        ik_sent_free(&s);
    }
    cr_assert_eq(off, 3000);
    ipkit_end(ifp);
}

/* A recording handler for the round trip. */
static unsigned rt_calls;
static size_t rt_len;
static bool rt_same;
static int rt_recorder(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    rt_calls++;
    rt_len = pkt_layer_len(p, PKT_L4);
    rt_same = rt_len <= sizeof data && memcmp(pkt_layer_ptr(p, PKT_L4), data, rt_len) == 0;
    return KH_TAKEN;
}

Test(frag, fragments_reassemble_back_through_the_receive_path)
{
    struct netif *ifp = ipkit_setup();
    struct kguard g = ipv4_guard_proto(253);
    cr_assert_eq(ipv4_LocalArrived_install(rt_recorder, NULL, &g, NULL, NULL), 0);
    send_payload(8008, NULL, 0);
    /* Turn each fragment around: from the peer to us, then receive it. */
    struct ik_sent s;
    unsigned n = 0;
    static uint8_t f[2048];
    while (ik_take(ifp, &s)) {
        size_t len = 14u + s.total;
        memcpy(f, s.eth, len);
        memcpy(f, IK_OUR_MAC, 6);
        memcpy(f + 6, IK_PEER_MAC, 6);
        store_be32(f + 14 + 12, IK_PEER_IP);
        store_be32(f + 14 + 16, IK_OUR_IP);
        store_be16(f + 14 + 10, 0);
        store_be16(f + 14 + 10, ik_csum(f + 14, s.hlen));
        ik_sent_free(&s);
        testkit_inject(ifp, f, len);
        n++;
    }
    cr_assert_eq(n, 6);
    cr_assert_eq(rt_calls, 1);
    cr_assert_eq(rt_len, 8008);
    cr_assert(rt_same, "reassembled data differs");
    ipkit_end(ifp);
}
