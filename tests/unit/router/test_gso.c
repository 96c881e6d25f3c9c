/*
 * tests/unit/router/test_gso.c — a TCP/IPv4 super-frame (a virtio-net
 * GUEST_TSO4 frame, kernel/pktbuf.h PKT_F_GSO_TCPV4) forwarded by the
 * router to a port without TSO leaves as correct segments (netgraph/
 * offload.c): each within the MTU, IPv4 length, identification and
 * checksum right, TCP sequence numbers advanced, FIN/PSH on the last only,
 * the TCP checksum right (computed here independently), and the payloads
 * together the original's. A partial checksum is completed for a port
 * without checksum offload.
 *
 *   eth0 10.0.0.1/24 — peer 10.0.0.2 sends; eth1 10.1.0.1/24 — 10.1.0.2 receives
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../protocols/ip/ipkit.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"
#include "netgraph/extension.h"
#include "netgraph/netif.h"
#include "protocols/ether/ether_wire.h"
#include "protocols/ipv4/ipv4_pool.h"
#include "protocols/ipv4/ipv4_wire.h"
#include "protocols/tcp/tcp_wire.h"
#include "testkit.h"

static const uint8_t MAC1[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x01 };
static const uint8_t PEER1_MAC[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x02 };
#define PEER1_IP 0x0a010002u
#define ETH1_IP 0x0a010001u
#define MSS 1000u

static struct netif *eth0, *eth1;
static struct kext *router;

/* sum16 - the one's-complement sum of @n bytes, written here, not kernel/lib/csum.c's. */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
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

static bool tcp_ok(const uint8_t *ip, unsigned hlen)
{
    uint16_t total = load_be16(ip + IPV4_OFF_LEN);
    uint8_t ph[12];
    memcpy(ph, ip + IPV4_OFF_SRC, 8);
    ph[8] = 0;
    ph[9] = IPPROTO_TCP;
    store_be16(ph + 10, (uint16_t)(total - hlen));
    return fold(sum16(sum16(0, ph, 12), ip + hlen, total - hlen)) == 0;
}

static void setup(void)
{
    eth0 = ipkit_setup();
    eth1 = testkit_netif("eth1", MAC1, "10.1.0.1/24");
    testkit_teach_peer(eth1, PEER1_MAC, PEER1_IP, ETH1_IP);
    char err[160] = "";
    struct kparams none = { 0 };
    cr_assert_eq(kext_create(kext_class_find("router"), &none, &router, err, sizeof err), 0, "%s",
                 err);
}

/* superframe - a TCP super-frame of @payload bytes (pattern i & 0xff), as a TSO guest hands it over. */
static struct pktbuf *superframe(uint32_t payload, uint8_t flags)
{
    /* a received super-frame sits in one large block (the driver's) */
    struct pktbuf *p = ipv4_pkt_alloc(ETHER_HDR_LEN + IPV4_HDR_LEN + TCP_HDR_LEN + payload);
    cr_assert_not_null(p);
    uint16_t total = (uint16_t)(IPV4_HDR_LEN + TCP_HDR_LEN + payload);
    uint8_t *f = pkt_append(p, (uint16_t)(ETHER_HDR_LEN + total));
    cr_assert_not_null(f);
    memcpy(f + ETHER_OFF_DST, IK_OUR_MAC, 6);
    memcpy(f + ETHER_OFF_SRC, IK_PEER_MAC, 6);
    store_be16(f + ETHER_OFF_TYPE, ETHERTYPE_IPV4);
    uint8_t *ip = f + ETHER_HDR_LEN, *tcp = ip + IPV4_HDR_LEN;
    memset(ip, 0, IPV4_HDR_LEN + TCP_HDR_LEN);
    ip[IPV4_OFF_VHL] = IPV4_VHL_DEFAULT;
    store_be16(ip + IPV4_OFF_LEN, total);
    store_be16(ip + IPV4_OFF_ID, 0x1000);
    store_be16(ip + IPV4_OFF_FRAG, IPV4_F_DF);
    ip[IPV4_OFF_TTL] = 64;
    ip[IPV4_OFF_PROTO] = IPPROTO_TCP;
    store_be32(ip + IPV4_OFF_SRC, IK_PEER_IP);
    store_be32(ip + IPV4_OFF_DST, PEER1_IP);
    store_be16(ip + IPV4_OFF_CSUM, fold(sum16(0, ip, IPV4_HDR_LEN)));
    store_be16(tcp + TCP_OFF_SPORT, 40000);
    store_be16(tcp + TCP_OFF_DPORT, 5201);
    store_be32(tcp + TCP_OFF_SEQ, 0xfffff000u); /* wraps within the frame */
    tcp[TCP_OFF_DOFF] = (TCP_HDR_LEN / 4) << 4;
    tcp[TCP_OFF_FLAGS] = flags;
    store_be16(tcp + TCP_OFF_WINDOW, 512);
    for (uint32_t i = 0; i < payload; i++)
        tcp[TCP_HDR_LEN + i] = (uint8_t)i;
    /* as the device hands it over: the TCP checksum field holds the pseudo-header sum */
    uint8_t ph[12];
    memcpy(ph, ip + IPV4_OFF_SRC, 8);
    ph[8] = 0;
    ph[9] = IPPROTO_TCP;
    store_be16(ph + 10, (uint16_t)(TCP_HDR_LEN + payload));
    uint32_t ps = sum16(0, ph, 12);
    while (ps >> 16)
        ps = (ps & 0xffff) + (ps >> 16);
    store_be16(tcp + TCP_OFF_CSUM, (uint16_t)ps);
    p->flags |= PKT_F_GSO_TCPV4 | PKT_F_CSUM_PARTIAL;
    p->gso_size = MSS;
    p->csum_start = ETHER_HDR_LEN + IPV4_HDR_LEN;
    p->csum_offset = TCP_OFF_CSUM;
    return p;
}

TestSuite(gso, .init = setup);

Test(gso, a_super_frame_leaves_a_port_without_tso_as_correct_segments)
{
    const uint32_t payload = 5 * MSS + 321;
    netif_input(eth0, superframe(payload, TCP_F_ACK | TCP_F_PSH | TCP_F_FIN));
    unsigned n = testkit_sent_count(eth1);
    cr_assert_eq(n, 6, "5 full segments and the rest: %u", n);
    uint32_t got = 0;
    for (unsigned i = 0; i < n; i++) {
        struct pktbuf *s = testkit_sent(eth1);
        const uint8_t *f = pkt_data(s), *ip = f + ETHER_HDR_LEN, *tcp = ip + IPV4_HDR_LEN;
        uint16_t total = load_be16(ip + IPV4_OFF_LEN);
        uint32_t seg = total - IPV4_HDR_LEN - TCP_HDR_LEN;
        cr_assert_leq(total, 1500u, "within the MTU");
        cr_assert_eq(s->len, ETHER_HDR_LEN + total);
        cr_assert_eq(seg, i < 5 ? MSS : 321u);
        cr_assert(memcmp(f + ETHER_OFF_DST, PEER1_MAC, 6) == 0);
        cr_assert_eq(ip[IPV4_OFF_TTL], 63, "forwarded: TTL decremented");
        cr_assert_eq(load_be16(ip + IPV4_OFF_ID), 0x1000 + i);
        cr_assert_eq(fold(sum16(0, ip, IPV4_HDR_LEN)), 0, "IPv4 header checksum of segment %u", i);
        cr_assert(tcp_ok(ip, IPV4_HDR_LEN), "TCP checksum of segment %u", i);
        cr_assert_eq(load_be32(tcp + TCP_OFF_SEQ), 0xfffff000u + i * MSS);
        uint8_t fl = tcp[TCP_OFF_FLAGS];
        cr_assert_eq((fl & (TCP_F_FIN | TCP_F_PSH)) != 0, i == n - 1, "FIN/PSH only at the end");
        cr_assert(fl & TCP_F_ACK);
        for (uint32_t k = 0; k < seg; k++)
            cr_assert_eq(tcp[TCP_HDR_LEN + k], (uint8_t)(got + k), "payload byte %u", got + k);
        got += seg;
        pkt_free(s);
    }
    cr_assert_eq(got, payload);
    cr_assert_eq(eth1->ctr[NETIF_TX_SEGMENTED], 1);
    kext_destroy(router);
    testkit_drain(eth1);
    ipkit_end(eth0);
}

Test(gso, a_partial_checksum_is_completed_for_a_port_without_checksum_offload)
{
    struct pktbuf *p = superframe(200, TCP_F_ACK);
    p->flags &= ~(uint32_t)PKT_F_GSO_TCPV4; /* one ordinary frame, checksum left to do */
    netif_input(eth0, p);
    cr_assert_eq(testkit_sent_count(eth1), 1);
    struct pktbuf *s = testkit_sent(eth1);
    const uint8_t *ip = pkt_data(s) + ETHER_HDR_LEN;
    cr_assert(tcp_ok(ip, IPV4_HDR_LEN), "the TCP checksum was completed");
    pkt_free(s);
    kext_destroy(router);
    ipkit_end(eth0);
}
