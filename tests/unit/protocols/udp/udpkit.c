/* tests/unit/protocols/udp/udpkit.c — see udpkit.h. Hosted test code. */
#include "udpkit.h"
#include "testkit.h"

#include <criterion/criterion.h>
#include <string.h>

#include "kernel/stats.h"
#include "protocols/arp/arp.h"
#include "protocols/ether/ether.h"
#include "protocols/icmp/icmp.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/udp/udp.h"

const uint8_t UK_OUR_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
const uint8_t UK_PEER_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
const uint8_t UK_BCAST_MAC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}
static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* RFC 1071, the straightforward way: 32-bit accumulator, end-around carry. */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += get16(p + i);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}
static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}
static uint16_t udp_sum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len)
{
    uint8_t ph[12];
    put32(ph, src);
    put32(ph + 4, dst);
    ph[8] = 0;
    ph[9] = 17;
    put16(ph + 10, (uint16_t)len);
    return fold(sum16(sum16(0, ph, 12), udp, len));
}

bool udpkit_udp_csum_ok(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len)
{
    return get16(udp + 6) != 0 && udp_sum(src, dst, udp, len) == 0;
}

bool udpkit_ip_csum_ok(const uint8_t *ip)
{
    return fold(sum16(0, ip, (size_t)(ip[0] & 0x0f) * 4)) == 0;
}

uint64_t udpkit_counter(const char *node, const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find(node, name, &v), 0, "no counter %s.%s", node, name);
    return v;
}

/* An ARP request from the peer for our address (RFC 826): ARP learns the peer. */
static void teach_arp(struct netif *ifp)
{
    cr_assert_eq(testkit_teach_peer(ifp, UK_PEER_MAC, UK_PEER_IP, UK_OUR_IP), 1,
                 "ARP reply expected");
}

struct netif *udpkit_setup(void)
{
    testkit_init();
    cr_assert_eq(ether_init(), 0);
    cr_assert_eq(arp_init(), 0);
    cr_assert_eq(ipv4_init(), 0);
    cr_assert_eq(icmp_init(), 0);
    cr_assert_eq(udp_init(), 0);
    struct netif *ifp = testkit_netif("eth0", UK_OUR_MAC, "10.0.0.1/24");
    teach_arp(ifp);
    return ifp;
}

static size_t build_ip_udp(uint8_t *ip, size_t cap, const struct uk_dgram *d)
{
    uint32_t src = d->src ? d->src : UK_PEER_IP;
    uint32_t dst = d->dst ? d->dst : UK_OUR_IP;
    size_t udp_bytes = 8 + d->payload_len;
    size_t total = 20 + udp_bytes + d->ip_pad;
    cr_assert_leq(total, cap);
    cr_assert_leq(total, 65535);
    memset(ip, 0, total);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)total);
    put16(ip + 4, 0x1234);
    ip[8] = 64;
    ip[9] = 17;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    put16(ip + 10, fold(sum16(0, ip, 20)));
    uint8_t *u = ip + 20;
    put16(u, d->sport);
    put16(u + 2, d->dport);
    put16(u + 4, d->set_ulen ? d->ulen : (uint16_t)udp_bytes);
    if (d->payload_len)
        memcpy(u + 8, d->payload, d->payload_len);
    for (size_t i = 0; i < d->ip_pad; i++)
        u[udp_bytes + i] = (uint8_t)(0xa5 ^ i);
    if (!d->zero_csum) {
        uint16_t c = udp_sum(src, dst, u, udp_bytes);
        if (c == 0)
            c = 0xffff;
        if (d->bad_csum)
            c ^= 0x0101;
        put16(u + 6, c);
    }
    return total;
}

size_t udpkit_frame(uint8_t *buf, size_t cap, const struct uk_dgram *d)
{
    cr_assert_geq(cap, 14);
    memcpy(buf, d->dst_mac ? d->dst_mac : UK_OUR_MAC, 6);
    memcpy(buf + 6, UK_PEER_MAC, 6);
    put16(buf + 12, 0x0800);
    return 14 + build_ip_udp(buf + 14, cap - 14, d);
}

void udpkit_inject(struct netif *ifp, const struct uk_dgram *d)
{
    static uint8_t f[1600];
    size_t n = udpkit_frame(f, sizeof f, d);
    testkit_inject(ifp, f, n);
}

void udpkit_inject_frags(struct netif *ifp, const struct uk_dgram *d, uint16_t mtu)
{
    static uint8_t whole[65536];
    static uint8_t f[1600];
    size_t total = build_ip_udp(whole, sizeof whole, d);
    size_t chunk = (size_t)(mtu - 20) & ~(size_t)7;
    cr_assert_leq(14 + 20 + chunk, sizeof f);
    for (size_t off = 0; off < total - 20; off += chunk) {
        size_t n = total - 20 - off < chunk ? total - 20 - off : chunk;
        bool more = off + n < total - 20;
        memcpy(f, d->dst_mac ? d->dst_mac : UK_OUR_MAC, 6);
        memcpy(f + 6, UK_PEER_MAC, 6);
        put16(f + 12, 0x0800);
        uint8_t *ip = f + 14;
        memcpy(ip, whole, 20);
        put16(ip + 2, (uint16_t)(20 + n));
        put16(ip + 6, (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
        put16(ip + 10, 0);
        put16(ip + 10, fold(sum16(0, ip, 20)));
        memcpy(ip + 20, whole + 20 + off, n);
        testkit_inject(ifp, f, 14 + 20 + n);
    }
}

bool udpkit_take(struct netif *ifp, struct uk_sent *s)
{
    memset(s, 0, sizeof *s);
    s->frame = testkit_sent(ifp);
    if (s->frame == NULL)
        return false;
    const uint8_t *f = pkt_data(s->frame);
    cr_assert_geq(s->frame->len, 14);
    s->eth = f;
    s->ethertype = get16(f + 12);
    if (s->ethertype != 0x0800)
        return true;
    cr_assert_geq(s->frame->len, 14 + 20);
    s->ip = f + 14;
    s->proto = s->ip[9];
    s->src = get32(s->ip + 12);
    s->dst = get32(s->ip + 16);
    s->ip_total = get16(s->ip + 2);
    s->frag = get16(s->ip + 6);
    size_t ihl = (size_t)(s->ip[0] & 0x0f) * 4;
    cr_assert_leq(14 + (size_t)s->ip_total, s->frame->len, "IP total length beyond the frame");
    s->l4 = s->ip + ihl;
    s->l4_len = (uint16_t)(s->ip_total - ihl);
    return true;
}

void udpkit_sent_free(struct uk_sent *s)
{
    pkt_free(s->frame);
    s->frame = NULL;
}
