/* tests/unit/protocols/ip/ipkit.c — see ipkit.h. Hosted test code. */
#include "ipkit.h"

#include <criterion/criterion.h>
#include <string.h>

#include "kernel/klib.h"
#include "kernel/stats.h"
#include "protocols/arp/arp.h"
#include "protocols/ether/ether.h"
#include "protocols/icmp/icmp.h"
#include "protocols/ipv4/ipv4.h"
#include "testkit.h"

const uint8_t IK_OUR_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
const uint8_t IK_PEER_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
const uint8_t IK_BCAST_MAC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

uint16_t ik_csum(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    if (n & 1)
        sum += (uint32_t)b[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

void ik_pattern(uint8_t *buf, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(seed * 13u + i * 7u + 0x20u);
}

struct netif *ipkit_setup(void)
{
    testkit_init();
    cr_assert_eq(ether_init(), 0);
    cr_assert_eq(arp_init(), 0);
    cr_assert_eq(ipv4_init(), 0);
    cr_assert_eq(icmp_init(), 0);
    struct netif *ifp = testkit_netif("eth0", IK_OUR_MAC, "10.0.0.1/24");
    cr_assert_eq(netif_add_addr(ifp, IK_OUR_IP2, 24), 0);

    /* The peer asks for us: ARP learns it (RFC 826 merge) and answers. */
    testkit_teach_peer(ifp, IK_PEER_MAC, IK_PEER_IP, IK_OUR_IP);
    return ifp;
}

void ipkit_end(struct netif *ifp)
{
    testkit_drain(ifp);
    icmp_fini();
    ipv4_fini();
    arp_fini();
    ether_fini();
    netif_destroy_all();
    (void)testkit_pool_full(); /* names the pools that are not */
    cr_assert(pktpool_all_full(), "buffers leaked");
}

/* ik_build - the frame of @d carrying payload bytes [@off, @off+@len) with field @frag. */
static size_t ik_build(uint8_t *buf, size_t cap, const struct ik_dgram *d, size_t off, size_t len,
                       uint16_t frag)
{
    size_t hlen = 20 + d->optlen;
    size_t n = 14 + hlen + len + d->link_pad;
    cr_assert_leq(n, cap, "frame of %zu bytes does not fit", n);
    memset(buf, 0, n);
    memcpy(buf, d->dst_mac ? d->dst_mac : IK_OUR_MAC, 6);
    memcpy(buf + 6, IK_PEER_MAC, 6);
    store_be16(buf + 12, 0x0800);
    uint8_t *h = buf + 14;
    int ihl = d->ihl ? d->ihl : (int)(hlen / 4);
    h[0] = (uint8_t)(((d->version ? d->version : 4) << 4) | (ihl & 0x0f));
    h[1] = d->tos;
    store_be16(h + 2, (uint16_t)(d->total ? (size_t)d->total : hlen + len));
    store_be16(h + 4, d->id);
    store_be16(h + 6, frag);
    h[8] = d->ttl ? d->ttl : 64;
    h[9] = d->proto ? d->proto : 253;
    store_be32(h + 12, d->src ? d->src : IK_PEER_IP);
    store_be32(h + 16, d->dst ? d->dst : IK_OUR_IP);
    if (d->optlen)
        memcpy(h + 20, d->opts, d->optlen);
    size_t csum_len = (size_t)ihl * 4 <= hlen + len ? (size_t)ihl * 4 : hlen;
    uint16_t c = ik_csum(h, csum_len);
    store_be16(h + 10, (uint16_t)(d->bad_csum ? c + 1 : c));
    if (len)
        memcpy(h + hlen, (const uint8_t *)d->payload + off, len);
    if (d->cut && d->cut < n)
        n = d->cut;
    return n;
}

size_t ik_frame(uint8_t *buf, size_t cap, const struct ik_dgram *d)
{
    return ik_build(buf, cap, d, 0, d->len, d->frag);
}

void ik_inject(struct netif *ifp, const struct ik_dgram *d)
{
    static uint8_t buf[2048];
    size_t n = ik_frame(buf, sizeof buf, d);
    testkit_inject(ifp, buf, n);
}

void ik_inject_frag(struct netif *ifp, const struct ik_dgram *d, size_t off, size_t len, bool mf)
{
    static uint8_t buf[2048];
    uint16_t frag = (uint16_t)((d->frag & 0x4000) | (mf ? 0x2000 : 0) | (off / 8));
    cr_assert_eq(off % 8, 0);
    size_t n = ik_build(buf, sizeof buf, d, off, len, frag);
    testkit_inject(ifp, buf, n);
}

size_t ik_echo(uint8_t *buf, uint8_t type, uint16_t id, uint16_t seq, const void *data, size_t n)
{
    buf[0] = type;
    buf[1] = 0;
    store_be16(buf + 2, 0);
    store_be16(buf + 4, id);
    store_be16(buf + 6, seq);
    if (n)
        memcpy(buf + 8, data, n);
    store_be16(buf + 2, ik_csum(buf, 8 + n));
    return 8 + n;
}

bool ik_take(struct netif *ifp, struct ik_sent *s)
{
    memset(s, 0, sizeof(*s));
    s->frame = testkit_sent(ifp);
    if (s->frame == NULL)
        return false;
    s->eth = pkt_data(s->frame);
    cr_assert_geq(s->frame->len, 14);
    s->ethertype = load_be16(s->eth + 12);
    if (s->ethertype != 0x0800)
        return true;
    cr_assert_geq(s->frame->len, 34);
    s->ip = s->eth + 14;
    s->hlen = (uint16_t)((s->ip[0] & 0x0f) * 4);
    s->tos = s->ip[1];
    s->total = load_be16(s->ip + 2);
    s->id = load_be16(s->ip + 4);
    s->frag = load_be16(s->ip + 6);
    s->ttl = s->ip[8];
    s->proto = s->ip[9];
    s->src = load_be32(s->ip + 12);
    s->dst = load_be32(s->ip + 16);
    cr_assert_leq(14u + s->total, s->frame->len, "IP total length beyond the frame");
    s->l4 = s->ip + s->hlen;
    s->l4_len = (uint16_t)(s->total - s->hlen);
    return true;
}

void ik_sent_free(struct ik_sent *s)
{
    pkt_free(s->frame);
    s->frame = NULL;
}

uint64_t ik_counter(const char *node, const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find(node, name, &v), 0, "no counter %s.%s", node, name);
    return v;
}

void ik_take_train(struct netif *ifp, struct ik_train *t)
{
    static uint8_t have[65536];
    memset(t, 0, sizeof(*t));
    memset(have, 0, sizeof have);
    size_t end = 0;
    bool last_seen = false;
    struct ik_sent s;
    while (ik_take(ifp, &s)) {
        cr_assert_eq(s.ethertype, 0x0800, "non-IPv4 frame sent");
        cr_assert_lt(t->n, 64u);
        unsigned i = t->n++;
        t->total[i] = s.total;
        t->frag[i] = s.frag;
        t->id[i] = s.id;
        t->csum_ok[i] = ik_csum(s.ip, s.hlen) == 0;
        size_t off = (size_t)(s.frag & 0x1fff) * 8;
        if (off == 0)
            memcpy(t->hdr, s.ip, s.hlen);
        cr_assert_leq(off + s.l4_len, sizeof t->payload);
        for (size_t b = off; b < off + s.l4_len; b++) {
            cr_assert_not(have[b], "fragments overlap at byte %zu", b);
            have[b] = 1;
        }
        memcpy(t->payload + off, s.l4, s.l4_len);
        if (!(s.frag & 0x2000)) {
            last_seen = true;
            end = off + s.l4_len;
        }
        ik_sent_free(&s);
    }
    cr_assert(last_seen, "no last fragment");
    for (size_t b = 0; b < end; b++)
        cr_assert(have[b], "hole at byte %zu", b);
    t->len = end;
}
