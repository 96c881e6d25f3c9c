/*
 * protocols/udp/udp.c — the UDP node (RFC 768; host requirements RFC 1122
 * section 4.1).
 *
 * Receive: a handler on ipv4_LocalArrived (guard protocol == 17) checks that
 * the 8-byte header fits, that the Length field is at least 8 and at most
 * the IP payload (IP padding beyond it is trimmed; RFC 768 "Length"), and the
 * checksum over the pseudo-header, header and data when one was sent
 * (RFC 768 "Checksum"; RFC 1122 4.1.3.4: a bad one is silently discarded).
 * It trims the L4 view to Length, sets the L5 view to the payload, records
 * the ports in pkt->meta and raises udp_PacketArrived. A datagram that no
 * handler recognised (combined result 0) raises udp.PortUnreachable (RFC
 * 1122 4.1.3.1), unless it was link- or IP-broadcast or multicast (RFC 1122
 * 3.2.2). The buffer is the raiser's and may be shared: its bytes are never
 * written.
 *
 * Send: udp_send() prepends the header and computes the checksum over the
 * pseudo-header (a computed 0 is sent as 0xffff, RFC 768), then ipv4_send().
 */
#include "protocols/udp/udp.h"

#include "netgraph/extension.h"
#include "netgraph/node.h"
#include "kernel/capability.h"
#include "kernel/domain.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/nameservice.h"
#include "kernel/stats.h"
#include "netgraph/netif.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/ipv4_pool.h"

/*
 * udp_combine - udp_PacketArrived's combiner: counts the handlers that
 * recognised the datagram, whether they took it (KH_TAKEN) or dropped it
 * for a reason (negative: a listener refusing a malformed message still owns
 * the port). Observers returning KH_PASS do not count, so a datagram seen
 * only by observers still gets port unreachable.
 */
static int udp_combine(int acc, int r)
{
    return acc + (r != KH_PASS);
}

KEVENT_DEFINE(udp_PacketArrived, struct pktbuf *, "udp.PacketArrived", true, udp_combine);
KEVENT_DEFINE(udp_PortUnreachable, struct pktbuf *, "udp.PortUnreachable", true,
              kevent_combine_first_error);

/* Counters of the "udp" node. */
enum {
    UDP_RX,             /* datagrams validated and raised on udp_PacketArrived */
    UDP_RX_BYTES,       /* their payload bytes */
    UDP_HDR_SHORT,      /* IP payload shorter than the 8-byte header: dropped */
    UDP_LEN_SHORT,      /* Length field < 8: dropped */
    UDP_LEN_OVER,       /* Length field > IP payload (truncated datagram): dropped */
    UDP_TRIMMED,        /* Length field < IP payload: the excess was ignored */
    UDP_CSUM_BAD,       /* checksum mismatch: dropped */
    UDP_CSUM_NONE,      /* received without a checksum (field 0); accepted */
    UDP_CSUM_OFFLOADED, /* checksum verified by the device (PKT_F_CSUM_VALID) or left partial */
    UDP_NO_PORT,        /* no handler recognised the datagram */
    UDP_NO_PORT_BCAST,  /* ... and it was broadcast/multicast: no ICMP error */
    UDP_UNREACH_SENT,   /* ICMP port unreachable sent */
    UDP_UNREACH_FAIL,   /* udp.PortUnreachable answered by nobody, or refused (rate limit) */
    UDP_TX,             /* datagrams handed to ipv4_send */
    UDP_TX_BYTES,       /* their payload bytes */
    UDP_TX_NOMEM,       /* no headroom or no buffer for a reply */
    UDP_TX_TOOBIG,      /* payload larger than 65527 bytes */
    UDP_TX_NOROUTE,     /* no route (or no source address) for the destination */
    UDP_TX_ERRORS,      /* ipv4_send returned an error */
    UDP_NCTR
};
static const char *const udp_ctr_names[UDP_NCTR] = {
    "rx",           "rx_bytes",  "hdr_short",      "len_short", "len_over",      "trimmed",
    "csum_bad",     "csum_none", "csum_offloaded", "no_port",   "no_port_bcast", "unreach_sent",
    "unreach_fail", "tx",        "tx_bytes",       "tx_nomem",  "tx_toobig",     "tx_noroute",
    "tx_errors",
};
static uint64_t udp_ctr[UDP_NCTR];
static struct kstat_group udp_stats = KSTAT_GROUP("udp", udp_ctr_names, udp_ctr);

static struct khandler *udp_rx_handler;

/* ------------------------------------------------ the "udp" domain */

/*
 * UDP's interface as a table of entry points (kernel/domain.h): what a
 * client that linked against the "udp" domain may call. "install" is the
 * imposed-guard install procedure, the only way the domain offers to see
 * datagrams.
 */
static const struct kentry udp_entries[] = {
    { "install", (kentry_fn)udp_install_granted },
    { "send", (kentry_fn)udp_send },
    { "reply", (kentry_fn)udp_reply },
    { "parse", (kentry_fn)udp_parse },
};
static const struct kiface udp_iface = { "udp", udp_entries, KARRAY_SIZE(udp_entries) };
static struct kdomain udp_domain;
static struct kns_publication udp_publication;

/* udp_publish - create the "udp" domain and publish it: import right, ports 0..65535. */
static int udp_publish(void)
{
    const struct kiface *exports[] = { &udp_iface };
    int rc = kdomain_init(&udp_domain, "udp", exports, 1, NULL, 0);
    if (rc < 0)
        return rc;
    return kns_publish(&udp_publication, "udp", &udp_domain, KCAP_IMPORT, 0, 0xffffu);
}

/*
 * udp_pseudo_sum - the one's-complement sum of the pseudo-header (RFC 768:
 * @src, @dst as 4 bytes each in network byte order, zero, protocol 17,
 * @ulen), to be added to the sum of the datagram itself.
 */
static uint32_t udp_pseudo_sum(const uint8_t src[4], const uint8_t dst[4], uint16_t ulen)
{
    uint8_t pseudo[12];
    memcpy(pseudo, src, 4);
    memcpy(pseudo + 4, dst, 4);
    pseudo[8] = 0;
    pseudo[9] = IPPROTO_UDP;
    store_be16(pseudo + 10, ulen);
    return inet_csum_add(0, pseudo, sizeof pseudo);
}

/*
 * udp_csum - the checksum over the pseudo-header and the @ulen bytes at
 * @udp (RFC 768): the folded, complemented sum, 0 when verifying a correct
 * datagram.
 */
static uint16_t udp_csum(const uint8_t src[4], const uint8_t dst[4], const uint8_t *udp,
                         uint16_t ulen)
{
    return inet_csum_fold(inet_csum_add(udp_pseudo_sum(src, dst, ulen), udp, ulen));
}

/* udp_no_reply - true when the datagram must not be answered with an ICMP error. */
static bool udp_no_reply(const struct pktbuf *pkt, const uint8_t *ip)
{
    if (pkt->flags & (PKT_F_L2_BCAST | PKT_F_L2_MCAST | PKT_F_L3_BCAST))
        return true;
    uint32_t dst = load_be32(ip + IPV4_OFF_DST);
    return dst == IPV4_BCAST || ipv4_is_mcast(dst);
}

/*
 * udp_input - the handler on ipv4_LocalArrived (L3 and L4 views set by the
 * IPv4 node). Returns KH_TAKEN when the datagram
 * was valid (whoever took it), -KE_INVAL when it was counted and dropped.
 */
static int udp_input(void *ctx, struct pktbuf *pkt)
{
    (void)ctx;
    uint16_t avail = pkt_layer_len(pkt, PKT_L4);
    const uint8_t *ip = pkt_layer_ptr(pkt, PKT_L3);
    const uint8_t *uh = pkt_layer_ptr(pkt, PKT_L4);
    if (ip == NULL || uh == NULL || avail < UDP_HDR_LEN) {
        udp_ctr[UDP_HDR_SHORT]++;
        return -KE_INVAL;
    }
    uint16_t ulen = load_be16(uh + UDP_OFF_LEN);
    if (ulen < UDP_HDR_LEN) {
        udp_ctr[UDP_LEN_SHORT]++;
        return -KE_INVAL;
    }
    if (ulen > avail) {
        udp_ctr[UDP_LEN_OVER]++;
        return -KE_INVAL;
    }
    if (ulen < avail)
        udp_ctr[UDP_TRIMMED]++;
    if (load_be16(uh + UDP_OFF_CSUM) == 0)
        udp_ctr[UDP_CSUM_NONE]++;
    else if (pkt->flags & (PKT_F_CSUM_VALID | PKT_F_CSUM_PARTIAL))
        udp_ctr[UDP_CSUM_OFFLOADED]++; /* the device verified it, or a local sender left it to do */
    else if (udp_csum(ip + IPV4_OFF_SRC, ip + IPV4_OFF_DST, uh, ulen) != 0) {
        udp_ctr[UDP_CSUM_BAD]++;
        return -KE_INVAL;
    }

    /* The views above: the datagram (Length bytes) and its payload. */
    uint16_t l4 = pkt->layer[PKT_L4];
    pkt_set_view(pkt, PKT_L4, l4, ulen);
    pkt_set_view(pkt, PKT_L5, (uint16_t)(l4 + UDP_HDR_LEN), (uint16_t)(ulen - UDP_HDR_LEN));
    pkt->meta[PKT_META_UDP_PORTS] = load_be32(uh + UDP_OFF_SPORT);
    udp_ctr[UDP_RX]++;
    udp_ctr[UDP_RX_BYTES] += (uint16_t)(ulen - UDP_HDR_LEN);

    if (udp_PacketArrived_raise(pkt) == 0) {
        udp_ctr[UDP_NO_PORT]++;
        if (udp_no_reply(pkt, ip)) {
            udp_ctr[UDP_NO_PORT_BCAST]++;
        } else {
            int sent = udp_PortUnreachable_raise(pkt);
            udp_ctr[sent > 0 ? UDP_UNREACH_SENT : UDP_UNREACH_FAIL]++;
        }
    }
    return KH_TAKEN;
}

int udp_init(void)
{
    if (udp_rx_handler != NULL)
        return 0;
    static const struct khandler_props props = { .name = "udp" };
    struct kguard g = ipv4_guard_proto(IPPROTO_UDP);
    int rc = ipv4_LocalArrived_install(udp_input, NULL, &g, &props, &udp_rx_handler);
    if (rc < 0) {
        udp_rx_handler = NULL;
        return rc;
    }
    rc = udp_publish();
    if (rc < 0) {
        kevent_uninstall(udp_rx_handler);
        udp_rx_handler = NULL;
        return rc;
    }
    memset(udp_ctr, 0, sizeof udp_ctr);
    kstats_register(&udp_stats);
    return 0;
}

void udp_fini(void)
{
    if (udp_rx_handler != NULL) {
        kevent_uninstall(udp_rx_handler);
        udp_rx_handler = NULL;
    }
    kns_unpublish(&udp_publication);
    kstats_unregister(&udp_stats);
}

struct kguard udp_guard_dport(uint16_t port)
{
    struct kguard g = { 0 };
    g.ntests = 1;
    g.test[0] = KGUARD_FIELD(PKT_L4, UDP_OFF_DPORT, 2, 0xffffu, KG_EQ, port);
    return g;
}

void udp_parse(const struct pktbuf *pkt, struct udp_info *out)
{
    /* The UDP node recorded the fields and set the views before the raise. */
    out->src = pkt->meta[PKT_META_IPV4_SRC];
    out->dst = pkt->meta[PKT_META_IPV4_DST];
    out->sport = (uint16_t)(pkt->meta[PKT_META_UDP_PORTS] >> 16);
    out->dport = (uint16_t)pkt->meta[PKT_META_UDP_PORTS];
    out->payload = pkt_layer_ptr(pkt, PKT_L5);
    out->payload_len = pkt_layer_len(pkt, PKT_L5);
}

int udp_send(struct pktbuf *pkt, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
    uint32_t total = pkt_total_len(pkt); /* chained payload segments included */
    if (total > UDP_MAX_PAYLOAD) {
        udp_ctr[UDP_TX_TOOBIG]++;
        pkt_free(pkt);
        return -KE_TOOBIG;
    }
    if (src == 0 && (src = ipv4_source_for(dst)) == 0) {
        udp_ctr[UDP_TX_NOROUTE]++;
        pkt_free(pkt);
        return -KE_UNREACH;
    }
    pkt = pkt_unshare(pkt); /* a shared buffer must not be written: send a private copy */
    if (pkt == NULL) {
        udp_ctr[UDP_TX_NOMEM]++;
        return -KE_NOMEM;
    }
    uint16_t plen = (uint16_t)total;
    pkt_set_layer(pkt, PKT_L5);
    uint8_t *uh = pkt_push(pkt, UDP_HDR_LEN);
    if (uh == NULL) {
        udp_ctr[UDP_TX_NOMEM]++;
        pkt_free(pkt);
        return -KE_NOMEM;
    }
    pkt_set_layer(pkt, PKT_L4);
    uint16_t ulen = (uint16_t)(plen + UDP_HDR_LEN);
    store_be16(uh + UDP_OFF_SPORT, sport);
    store_be16(uh + UDP_OFF_DPORT, dport);
    store_be16(uh + UDP_OFF_LEN, ulen);
    store_be16(uh + UDP_OFF_CSUM, 0);
    uint8_t s[4], d[4];
    store_be32(s, src);
    store_be32(d, dst);
    /* over the header buffer and any chained payload (kernel/pktbuf.h pkt_sum) */
    uint64_t sum = (uint64_t)udp_pseudo_sum(s, d, ulen) + pkt_sum(pkt, 0, ulen);
    uint16_t c = inet_csum_fold((uint32_t)((sum & 0xffffffffu) + (sum >> 32)));
    store_be16(uh + UDP_OFF_CSUM, c == 0 ? 0xffffu : c);

    int rc = ipv4_send(pkt, src, dst, IPPROTO_UDP, NULL);
    if (rc < 0) {
        udp_ctr[rc == -KE_UNREACH ? UDP_TX_NOROUTE : UDP_TX_ERRORS]++;
        return rc;
    }
    udp_ctr[UDP_TX]++;
    udp_ctr[UDP_TX_BYTES] += plen;
    return 0;
}

/*
 * udp_alloc - an empty buffer whose tailroom takes @len payload bytes with
 * room for the UDP and IPv4 headers in front: from the default pool when it
 * fits a default block, else from the IPv4 node's large pool (ipv4_pool.h;
 * IPv4 fragments such a datagram into default-pool frames). NULL if none.
 */
static struct pktbuf *udp_alloc(uint16_t len)
{
    const uint16_t hdrs = UDP_HDR_LEN + IPV4_HDR_LEN;
    struct pktbuf *p = ipv4_pkt_alloc((uint32_t)len + hdrs);
    if (p == NULL)
        return NULL;
    /* Keep @hdrs bytes of headroom even when the large pool's fit left less. */
    if (pkt_append(p, hdrs) == NULL || pkt_pull(p, hdrs) == NULL) {
        pkt_free(p);
        return NULL;
    }
    return p;
}

int udp_reply(const struct pktbuf *req, const void *data, uint16_t len)
{
    struct udp_info in;
    udp_parse(req, &in);
    if (len > UDP_MAX_PAYLOAD) {
        udp_ctr[UDP_TX_TOOBIG]++;
        return -KE_TOOBIG;
    }
    struct pktbuf *pkt = udp_alloc(len);
    if (pkt == NULL) {
        udp_ctr[UDP_TX_NOMEM]++;
        return -KE_NOMEM;
    }
    memcpy(pkt_append(pkt, len), data, len);
    /* Answer from the address the request was sent to, unless that was a
     * broadcast or multicast address (RFC 1122 4.1.3.5): then the interface's. */
    uint32_t src = udp_no_reply(req, pkt_layer_ptr(req, PKT_L3)) ? 0 : in.dst;
    return udp_send(pkt, src, in.src, in.dport, in.sport);
}

/* pinned_dport - the destination port @g tests for equality, or -1. */
static int32_t pinned_dport(const struct kguard *g)
{
    for (unsigned i = 0; g && i < g->ntests; i++) {
        const struct kguard_test *t = &g->test[i];
        if (t->layer == PKT_L4 && t->offset == UDP_OFF_DPORT && t->width == 2 &&
            t->mask == 0xffffu && t->op == KG_EQ)
            return (int32_t)t->value;
    }
    return -1;
}

int udp_install_granted(const struct kcapset *caps, udp_PacketArrived_fn fn, void *ctx,
                        const struct kguard *g, const struct khandler_props *props,
                        struct khandler **out)
{
    const struct kcap *cap = NULL;
    int32_t port = pinned_dport(g);
    if (port >= 0) {
        if (kcapset_find(caps, "udp", KCAP_IMPORT, (uint32_t)port, (uint32_t)port, &cap) < 0)
            return -KE_PERM;
    } else {
        for (unsigned i = 0; caps && i < caps->n && cap == NULL; i++)
            if (strcmp(caps->cap[i]->name, "udp") == 0 && kcap_allows(caps->cap[i], KCAP_IMPORT))
                cap = caps->cap[i];
    }
    if (cap == NULL || cap->domain != &udp_domain)
        return -KE_PERM;
    /* The imposed guard. When the client's own guard pins a port the
     * capability covers, it already implies it: the AND is the client's guard
     * unchanged (and stays one equality test for the guard compiler). */
    struct kguard imposed = { 0 };
    if (port >= 0) {
        /* implied */
    } else if (cap->scope_lo == cap->scope_hi) {
        kguard_add_test(&imposed,
                        KGUARD_FIELD(PKT_L4, UDP_OFF_DPORT, 2, 0xffffu, KG_EQ, cap->scope_lo));
    } else if (cap->scope_lo > 0 || cap->scope_hi < 0xffffu) {
        kguard_add_test(&imposed,
                        KGUARD_FIELD(PKT_L4, UDP_OFF_DPORT, 2, 0xffffu, KG_GE, cap->scope_lo));
        kguard_add_test(&imposed,
                        KGUARD_FIELD(PKT_L4, UDP_OFF_DPORT, 2, 0xffffu, KG_LE, cap->scope_hi));
    }
    struct kguard both;
    int rc = kguard_and(&both, &imposed, g);
    if (rc < 0)
        return rc;
    return udp_PacketArrived_install(fn, ctx, &both, props, out);
}

/*
 * udp_unicast - the predicate a UDP service is installed behind unless it
 * said bcast=yes: the datagram was sent to one of our addresses, not to a
 * broadcast or multicast one (IP or link layer). RFC 1122 3.2.2.6 lets a
 * host ignore echo requests to broadcast addresses and Linux does; a UDP
 * service answering them would be an amplifier (one datagram to a subnet
 * broadcast, one answer from every host).
 */
static bool udp_unicast(void *ctx, void *arg)
{
    (void)ctx;
    const struct pktbuf *pkt = arg;
    return !udp_no_reply(pkt, pkt_layer_ptr(pkt, PKT_L3));
}

struct kguard udp_guard_service(uint16_t port, bool bcast)
{
    struct kguard g = { 0 };
    if (port != 0)
        g = udp_guard_dport(port);
    if (!bcast) {
        g.pred = udp_unicast;
        g.pred_ctx = NULL;
    }
    return g;
}

int udp_ext_install(struct kext *x, udp_PacketArrived_fn fn, void *ctx)
{
    struct kguard port = udp_guard_service(x->has_port ? x->port : 0, x->bcast), g;
    int rc = kguard_and(&g, &port, x->has_guard ? x->guard : NULL);
    if (rc < 0)
        return rc;
    struct khandler *h = NULL;
    bool any = x->has_port || x->has_guard || !x->bcast;
    rc = udp_install_granted(x->caps, fn, ctx, any ? &g : NULL, &x->props, &h);
    if (rc < 0)
        return rc;
    return kext_handler(x, h);
}

static const struct knode udp_node = {
    .name = "udp",
    .summary = "UDP (RFC 768, RFC 1122 4.1)",
    .layer = KNODE_LAYER_TRANSPORT,
    .attaches = "ipv4.LocalArrived",
    .guard = "ip proto == 17",
    .raises = "udp.PacketArrived udp.PortUnreachable",
    .init = udp_init,
    .fini = udp_fini,
    .stats = &udp_stats,
};
KNODE_REGISTER(udp_node);
