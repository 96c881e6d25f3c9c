/*
 * tests/unit/protocols/l2/l2kit.h — helpers shared by the Ethernet and ARP
 * tests: frame builders and counter lookup. Hosted test code.
 */
#ifndef SPINDLE_TESTS_L2KIT_H
#define SPINDLE_TESTS_L2KIT_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "kernel/klib.h"
#include "kernel/pktbuf.h"
#include "kernel/stats.h"
#include "testkit.h"
#include "protocols/arp/arp.h"
#include "protocols/ether/ether.h"

static const uint8_t L2_OUR_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t L2_PEER_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t L2_OTHER_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 };
static const uint8_t L2_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t L2_ZERO_MAC[6] = { 0 };

/** l2_ctr - counter @name of node @node; fails the test if it is not registered. */
static inline uint64_t l2_ctr(const char *node, const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find(node, name, &v), 0, "counter %s.%s not registered", node, name);
    return v;
}

/** l2_eth - write an Ethernet II header into @f; returns 14. */
static inline size_t l2_eth(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    store_be16(f + 12, type);
    return 14;
}

/** An ARP packet's fields (RFC 826), addresses host order. */
struct l2_arp {
    uint16_t htype, ptype;
    uint8_t hlen, plen;
    uint16_t op;
    uint8_t sha[6];
    uint32_t spa;
    uint8_t tha[6];
    uint32_t tpa;
};

/** l2_arp_default - a well-formed IPv4-over-Ethernet ARP packet with @op. */
static inline struct l2_arp l2_arp_default(uint16_t op, const uint8_t sha[6], uint32_t spa,
                                           const uint8_t tha[6], uint32_t tpa)
{
    struct l2_arp a = {
        .htype = 1, .ptype = 0x0800, .hlen = 6, .plen = 4, .op = op, .spa = spa, .tpa = tpa
    };
    memcpy(a.sha, sha, 6);
    memcpy(a.tha, tha, 6);
    return a;
}

/** l2_arp_frame - Ethernet (dst, src = sha) + ARP @a into @f (>= 60 bytes), padded to 60; returns 60. */
static inline size_t l2_arp_frame(uint8_t *f, const uint8_t dst[6], const struct l2_arp *a)
{
    memset(f, 0, 60);
    size_t o = l2_eth(f, dst, a->sha, 0x0806);
    store_be16(f + o + 0, a->htype);
    store_be16(f + o + 2, a->ptype);
    f[o + 4] = a->hlen;
    f[o + 5] = a->plen;
    store_be16(f + o + 6, a->op);
    memcpy(f + o + 8, a->sha, 6);
    store_be32(f + o + 14, a->spa);
    memcpy(f + o + 18, a->tha, 6);
    store_be32(f + o + 24, a->tpa);
    return 60;
}

/** l2_parse_arp - the ARP fields of sent frame @p (data at the Ethernet header). */
static inline struct l2_arp l2_parse_arp(const struct pktbuf *p)
{
    const uint8_t *f = pkt_data(p);
    cr_assert_geq(p->len, 42, "ARP frame of %u bytes", p->len);
    cr_assert_eq(load_be16(f + 12), 0x0806, "EtherType %#x, not ARP", load_be16(f + 12));
    const uint8_t *a = f + 14;
    struct l2_arp r = { .htype = load_be16(a),
                        .ptype = load_be16(a + 2),
                        .hlen = a[4],
                        .plen = a[5],
                        .op = load_be16(a + 6),
                        .spa = load_be32(a + 14),
                        .tpa = load_be32(a + 24) };
    memcpy(r.sha, a + 8, 6);
    memcpy(r.tha, a + 18, 6);
    return r;
}

/**
 * l2_ip_packet - a 20-byte stand-in for an IPv4 datagram (data and PKT_L3 at
 * its start) whose first byte is @marker, from the default pool.
 */
static inline struct pktbuf *l2_ip_packet(uint8_t marker)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    cr_assert_not_null(p);
    uint8_t *d = pkt_append(p, 20);
    cr_assert_not_null(d);
    memset(d, 0, 20);
    d[0] = marker;
    pkt_set_layer(p, PKT_L3);
    return p;
}

/*
 * l2_arp_up - the ARP suites' fixture: ether and arp up, "eth0" at
 * L2_OUR_MAC with 10.0.0.1/24; *@ifp is it, *@our 10.0.0.1, *@peer 10.0.0.2
 * (host byte order). l2_arp_down takes it all down and asserts that every
 * buffer is back in its pool.
 */
static inline void l2_arp_up(struct netif **ifp, uint32_t *our, uint32_t *peer)
{
    testkit_init();
    cr_assert_eq(ether_init(), 0);
    cr_assert_eq(arp_init(), 0);
    *ifp = testkit_netif("eth0", L2_OUR_MAC, "10.0.0.1/24");
    *our = testkit_ip("10.0.0.1");
    *peer = testkit_ip("10.0.0.2");
}

static inline void l2_arp_down(void)
{
    arp_fini();
    ether_fini();
    netif_destroy_all();
    testkit_fini_pool_full();
}

#endif
