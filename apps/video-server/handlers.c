/*
 * apps/video-server/handlers.c — the video server's handlers on the graph's
 * events (server.h): the fan-out on ipv4.SendPacket, the errors about its
 * clients on icmp.ErrorArrived and arp.ResolveFailed, and RTCP from its
 * receivers on udp.PacketArrived. Each is guarded on the server's port range
 * (base .. base + 2 * VS_MAX_STREAMS - 1) so the dispatcher never calls it
 * for other traffic: the range is the instance's grant (grant=udp:LO-HI,
 * derived from port=), checked at install, and the UDP handler goes through
 * udp_install_granted, whose imposed guard is that grant. An ICMP error is
 * seen only when the datagram it quotes left from one of those ports.
 */
#include "apps/video-server/handlers.h"

#include "apps/video-server/counters.h"
#include "kernel/capability.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "netgraph/extension.h"
#include "protocols/arp/arp.h"
#include "protocols/icmp/icmp.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/udp/udp.h"

/* on_send - ipv4.SendPacket (guard: UDP from the server's ports): the fan-out. */
static int on_send(void *ctx, struct pktbuf *pkt)
{
    struct vs_server *s = ctx;
    if (s->direct)
        return KH_PASS; /* a send meant for one client only */
    const uint8_t *uh = pkt_layer_ptr(pkt, PKT_L4);
    struct vs_stream *st = uh ? vs_stream_of_port(s, load_be16(uh + UDP_OFF_SPORT)) : NULL;
    if (st != NULL)
        vs_fanout_send(&st->fan, pkt);
    return KH_PASS; /* the original goes on to the first client */
}

/*
 * blame - an error about a datagram from @sport to @dst:@dport: count it
 * against that client and drop the client at the bound.
 */
static void blame(struct vs_server *s, uint16_t sport, uint32_t dst, uint16_t dport,
                  const char *why)
{
    struct vs_stream *st = vs_stream_of_port(s, sport);
    if (st == NULL)
        return;
    int i = vs_fanout_error(&st->fan, dst, dport, kclock_now_ns());
    if (i == -2)
        return;
    s->ctr[VS_CLIENT_ERRORS]++;
    if (i >= 0)
        vs_drop_client(s, st, (uint32_t)i, why);
}

/*
 * quoted_udp - the addresses and ports of the UDP datagram whose IPv4
 * header is at @q (@len bytes available); false unless it is UDP with
 * 8 bytes of its header present (RFC 792: 64 bits of the original data).
 */
static bool quoted_udp(const uint8_t *q, size_t len, uint32_t *dst, uint16_t *sport,
                       uint16_t *dport)
{
    if (q == NULL || len < IPV4_HDR_LEN || (q[IPV4_OFF_VHL] >> 4) != IPV4_VERSION)
        return false;
    size_t ihl = ipv4_vhl_hlen(q[IPV4_OFF_VHL]);
    if (ihl < IPV4_HDR_LEN || ihl + UDP_HDR_LEN > len || q[IPV4_OFF_PROTO] != IPPROTO_UDP)
        return false;
    *dst = load_be32(q + IPV4_OFF_DST);
    *sport = load_be16(q + ihl + UDP_OFF_SPORT);
    *dport = load_be16(q + ihl + UDP_OFF_DPORT);
    return true;
}

/* quotes_ours - the guard predicate: ICMP message @arg quotes a UDP datagram
 * sent from one of server @ctx's ports. */
static bool quotes_ours(void *ctx, void *arg)
{
    const struct vs_server *s = ctx;
    const struct pktbuf *pkt = arg;
    const uint8_t *m = pkt_layer_ptr(pkt, PKT_L4);
    uint16_t mlen = pkt_layer_len(pkt, PKT_L4);
    uint32_t dst;
    uint16_t sport, dport;
    return m != NULL && mlen >= ICMP_HDR_LEN &&
           quoted_udp(m + ICMP_HDR_LEN, mlen - ICMP_HDR_LEN, &dst, &sport, &dport) &&
           sport >= s->base_port && (uint32_t)(sport - s->base_port) < 2u * VS_MAX_STREAMS;
}

/* on_icmp_error - icmp.ErrorArrived (guard: destination unreachable quoting our ports). */
static int on_icmp_error(void *ctx, struct pktbuf *pkt)
{
    static const char *const why[] = {
        "ICMP network unreachable",
        "ICMP host unreachable",
        "ICMP protocol unreachable",
        "ICMP port unreachable",
    };
    const uint8_t *m = pkt_layer_ptr(pkt, PKT_L4);
    uint16_t mlen = pkt_layer_len(pkt, PKT_L4);
    uint32_t dst;
    uint16_t sport, dport;
    if (m == NULL || mlen < ICMP_HDR_LEN ||
        !quoted_udp(m + ICMP_HDR_LEN, mlen - ICMP_HDR_LEN, &dst, &sport, &dport))
        return KH_PASS;
    uint8_t code = m[ICMP_OFF_CODE];
    blame(ctx, sport, dst, dport, code < 4 ? why[code] : "ICMP destination unreachable");
    return KH_PASS;
}

/* on_arp_failed - arp.ResolveFailed (guard: UDP from the server's ports). */
static int on_arp_failed(void *ctx, struct pktbuf *pkt)
{
    uint32_t dst;
    uint16_t sport, dport;
    if (quoted_udp(pkt_layer_ptr(pkt, PKT_L3), pkt_layer_len(pkt, PKT_L3), &dst, &sport, &dport))
        blame(ctx, sport, dst, dport, "its address does not resolve (ARP)");
    return KH_PASS;
}

/* on_udp - udp.PacketArrived (guard: to the server's ports): RTCP from receivers. */
static int on_udp(void *ctx, struct pktbuf *pkt)
{
    struct vs_server *s = ctx;
    struct udp_info in;
    udp_parse(pkt, &in);
    if (in.dport & 1u)
        s->ctr[VS_RTCP_RX]++;
    return KH_TAKEN; /* ours: no port unreachable for a receiver's reports */
}

/* port_range - the tests "L4 field at @off within the server's ports". */
static void port_range(struct kguard *g, const struct vs_server *s, uint16_t off)
{
    uint16_t hi = (uint16_t)(s->base_port + 2u * VS_MAX_STREAMS - 1u);
    kguard_add_test(g, KGUARD_FIELD(PKT_L4, off, 2, 0xffffu, KG_GE, s->base_port));
    kguard_add_test(g, KGUARD_FIELD(PKT_L4, off, 2, 0xffffu, KG_LE, hi));
}

int vs_handlers_install(struct vs_server *s, struct kext *x, char *err, size_t errlen)
{
    struct kguard from = { 0 }, to = { 0 }, unreach = { 0 };
    kguard_add_test(&from, KGUARD_FIELD(PKT_L3, IPV4_OFF_PROTO, 1, 0xffu, KG_EQ, IPPROTO_UDP));
    port_range(&from, s, UDP_OFF_SPORT);
    port_range(&to, s, UDP_OFF_DPORT);
    kguard_add_test(&unreach, KGUARD_FIELD(PKT_L4, ICMP_OFF_TYPE, 1, 0xffu, KG_EQ, ICMP_UNREACH));
    unreach.pred = quotes_ours;
    unreach.pred_ctx = s;
    uint32_t hi = s->base_port + 2u * VS_MAX_STREAMS - 1u;
    if (kcapset_find(x->caps, "udp", KCAP_IMPORT, s->base_port, hi, NULL) < 0) {
        ksnprintf(err, errlen, "ports %u-%u are not granted (grant=udp:%u-%u)", s->base_port,
                  (unsigned)hi, s->base_port, (unsigned)hi);
        return -KE_PERM;
    }
    struct khandler *h = NULL;
    int rc = udp_install_granted(x->caps, on_udp, s, &to, &x->props, &h);
    if (rc == 0)
        rc = kext_handler(x, h);
    if (rc < 0) {
        ksnprintf(err, errlen, "cannot install on udp.PacketArrived: %s", kerr_str(rc));
        return rc;
    }
    const struct {
        struct kevent *ev;
        khandler_generic_fn fn;
        const struct kguard *g;
    } hs[] = {
        { &ipv4_SendPacket, (khandler_generic_fn)on_send, &from },
        { &icmp_ErrorArrived, (khandler_generic_fn)on_icmp_error, &unreach },
        { &arp_ResolveFailed, (khandler_generic_fn)on_arp_failed, &from },
    };
    for (unsigned i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        rc = kext_install_on(x, hs[i].ev, hs[i].fn, s, hs[i].g);
        if (rc < 0) {
            ksnprintf(err, errlen, "cannot install on %s: %s", hs[i].ev->name, kerr_str(rc));
            return rc;
        }
    }
    return 0;
}
