/*
 * protocols/ipv4/ipv4.c — the IPv4 node: receive validation, the local
 * delivery decision, ipv4_send() and the header accessors.
 *
 * Receive (RFC 791 section 3.1, RFC 1122 3.2.1): a handler on
 * ether_PacketArrived (EtherType 0x0800) checks the header, trims Ethernet
 * padding from the L3 view, drops martian sources, marks datagrams for our
 * addresses (PKT_F_L3_LOCAL) and broadcasts (PKT_F_L3_BCAST) and raises
 * ipv4_PacketArrived for the handlers of every datagram (the router, with a
 * guard "not local"; observers). A datagram for us it then delivers itself:
 * fragments to reassembly (reasm.c), whole datagrams on ipv4_LocalArrived;
 * one no protocol recognises raises ipv4.ProtocolUnreachable (RFC 1122
 * 3.2.2.1). Those not for us that nobody takes are counted not_for_us.
 *
 * Send: ipv4_send() builds the header (TTL 64, ID from a counter, DF clear
 * unless asked, as Linux sends ICMP replies), routes (route.c) and hands the
 * datagram to frag.c, which fragments it if needed and calls arp_output().
 */
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/ipv4_impl.h"
#include "protocols/ipv4/ipv4_pool.h"

#include "netgraph/node.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "kernel/stats.h"
#include "protocols/tcp/tcp_wire.h"
#include "protocols/ether/ether.h"

/*
 * ipv4_combine_local - ipv4_LocalArrived's combiner: counts the handlers
 * that recognised the protocol, whether they took the datagram (KH_TAKEN) or
 * dropped it for a reason (negative, e.g. a bad ICMP or UDP checksum). A
 * result of 0 means no protocol knew it: protocol unreachable. Observers
 * returning KH_PASS do not count.
 */
static int ipv4_combine_local(int acc, int r)
{
    return acc + (r != KH_PASS);
}

KEVENT_DEFINE(ipv4_PacketArrived, struct pktbuf *, "ipv4.PacketArrived", true, NULL);
KEVENT_DEFINE(ipv4_LocalArrived, struct pktbuf *, "ipv4.LocalArrived", true, ipv4_combine_local);
KEVENT_DEFINE(ipv4_ProtocolUnreachable, struct pktbuf *, "ipv4.ProtocolUnreachable", true,
              kevent_combine_first_error);
KEVENT_DEFINE(ipv4_SendPacket, struct pktbuf *, "ipv4.SendPacket", true,
              kevent_combine_first_error);
KEVENT_DEFINE(ipv4_ReassemblyTimeout, struct pktbuf *, "ipv4.ReassemblyTimeout", true,
              kevent_combine_first_error);
KEVENT_DEFINE(ipv4_ParameterProblem, struct ipv4_param_problem *, "ipv4.ParameterProblem", false,
              kevent_combine_first_error);

static const char *const ipv4_ctr_names[IPV4_NCTR] = {
    "rx",
    "too_short",
    "bad_version",
    "bad_ihl",
    "bad_hdr_len",
    "bad_total_len",
    "truncated",
    "bad_csum",
    "martian_src_bcast",
    "martian_src_mcast",
    "martian_src_class_e",
    "martian_src_zero",
    "martian_src_loopback",
    "martian_dst",
    "rx_local",
    "rx_bcast",
    "not_for_us",
    "delivered",
    "no_proto",
    "frag_rx",
    "reasm_ok",
    "reasm_bad_frag",
    "reasm_oversize",
    "reasm_overlap",
    "reasm_dup",
    "reasm_timeout",
    "reasm_evicted",
    "reasm_nomem",
    "tx",
    "tx_no_route",
    "tx_toobig",
    "tx_nomem",
    "tx_bad",
    "frag_ok",
    "frag_created",
    "frag_fail",
    "martian_src_ours",
    "bad_options",
    "tx_taken",
    "tx_vetoed",
};
uint64_t ipv4_ctr[IPV4_NCTR];
static struct kstat_group ipv4_stats = KSTAT_GROUP("ipv4", ipv4_ctr_names, ipv4_ctr);

static struct khandler *ipv4_rx_handler; /* on ether_PacketArrived */
static uint16_t ipv4_next_id;            /* IP identification counter */

void ipv4_hdr_csum(uint8_t *h, uint16_t hlen)
{
    store_be16(h + IPV4_OFF_CSUM, 0);
    store_be16(h + IPV4_OFF_CSUM, inet_csum_fold(inet_csum_add(0, h, hlen)));
}

uint32_t ipv4_src(const struct pktbuf *pkt)
{
    return load_be32(pkt_layer_ptr(pkt, PKT_L3) + IPV4_OFF_SRC);
}

uint32_t ipv4_dst(const struct pktbuf *pkt)
{
    return load_be32(pkt_layer_ptr(pkt, PKT_L3) + IPV4_OFF_DST);
}

uint8_t ipv4_proto(const struct pktbuf *pkt)
{
    return pkt_layer_ptr(pkt, PKT_L3)[IPV4_OFF_PROTO];
}

uint16_t ipv4_hdr_len(const struct pktbuf *pkt)
{
    return (uint16_t)((pkt_layer_ptr(pkt, PKT_L3)[IPV4_OFF_VHL] & 0x0f) * 4);
}

struct kguard ipv4_guard_proto(uint8_t proto)
{
    struct kguard g = { 0 };
    g.ntests = 1;
    g.test[0] = KGUARD_FIELD(PKT_L3, IPV4_OFF_PROTO, 1, 0xffu, KG_EQ, proto);
    return g;
}

/*
 * ipv4_check_src - RFC 1122 3.2.1.3: a source must name one host. Returns
 * the counter of the rule @src breaks, or IPV4_NCTR when it is acceptable.
 * A 0.0.0.0/8 source is allowed only towards 255.255.255.255 (a host that
 * does not know its address yet, e.g. BOOTP/DHCP; Linux does the same).
 */
static enum ipv4_ctr ipv4_check_src(uint32_t src, uint32_t dst)
{
    if (ipv4_is_mcast(src))
        return IPV4_MARTIAN_SRC_MCAST;
    /* one probe answers both questions: BCAST covers 255.255.255.255 and
     * netif_bcast_addr(), LOCAL netif_local_addr() of a non-broadcast */
    enum netif_addr_kind kind = netif_addr_kind(src, NULL);
    if (kind == NETIF_ADDR_BCAST)
        return IPV4_MARTIAN_SRC_BCAST;
    if (ipv4_is_class_e(src))
        return IPV4_MARTIAN_SRC_CLASS_E;
    if (ipv4_is_zeronet(src) && dst != IPV4_BCAST)
        return IPV4_MARTIAN_SRC_ZERO;
    if (ipv4_is_loopback(src))
        return IPV4_MARTIAN_SRC_LOOPBACK;
    /* Our own address as the source of a datagram we receive is spoofed or a
     * loop (RFC 1812 5.3.7 "martian"; Linux drops it as a martian source):
     * answering it would make us ARP for ourselves. */
    if (kind == NETIF_ADDR_LOCAL)
        return IPV4_MARTIAN_SRC_OURS;
    return IPV4_NCTR;
}

/*
 * ipv4_deliver - raise ipv4_LocalArrived for whole datagram @pkt (its L3
 * view) and answer protocol unreachable when no protocol recognised it (RFC
 * 1122 3.2.2.1), unless it was broadcast: the raise of
 * ipv4.ProtocolUnreachable, which the ICMP node answers.
 */
static void ipv4_deliver(struct pktbuf *pkt)
{
    ipv4_ctr[IPV4_DELIVERED]++;
    if (ipv4_LocalArrived_raise(pkt) == 0) {
        ipv4_ctr[IPV4_NO_PROTO]++;
        if (!(pkt->flags & PKT_F_L3_BCAST))
            (void)ipv4_ProtocolUnreachable_raise(pkt);
    }
}

/*
 * ipv4_local - a datagram for one of our addresses: fragments go to
 * reassembly, whole datagrams to ipv4_LocalArrived.
 */
static void ipv4_local(struct pktbuf *pkt, const uint8_t *h)
{
    ipv4_ctr[IPV4_RX_LOCAL]++;
    if (pkt->flags & PKT_F_L3_BCAST)
        ipv4_ctr[IPV4_RX_BCAST]++;
    if (load_be16(h + IPV4_OFF_FRAG) & (IPV4_F_MF | IPV4_OFFMASK)) {
        ipv4_ctr[IPV4_FRAG_RX]++;
        struct pktbuf *whole = ipv4_reasm_input(pkt);
        if (whole != NULL) {
            ipv4_deliver(whole);
            pkt_free(whole);
        }
        return;
    }
    ipv4_deliver(pkt);
}

/*
 * ipv4_input - the handler on ether_PacketArrived (L3 view: the Ethernet
 * payload). Validates (RFC 791 3.1, RFC 1122 3.2.1.1-3.2.1.3), sets the L3
 * view to the datagram (link padding trimmed to the total length) and the
 * L4 view past the options, records source and destination in pkt->meta
 * and the L3 flags, and raises ipv4_PacketArrived (every valid datagram:
 * the router, observers); then delivers a datagram for us itself. Returns
 * KH_TAKEN for a valid datagram, -KE_INVAL when it was counted and dropped.
 */
static int ipv4_input(void *ctx, struct pktbuf *pkt)
{
    (void)ctx;
    uint16_t avail = pkt_layer_len(pkt, PKT_L3);
    if (avail < IPV4_HDR_LEN) {
        ipv4_ctr[IPV4_TOO_SHORT]++;
        return -KE_INVAL;
    }
    const uint8_t *h = pkt_layer_ptr(pkt, PKT_L3);
    if ((h[IPV4_OFF_VHL] >> 4) != IPV4_VERSION) {
        ipv4_ctr[IPV4_BAD_VERSION]++;
        return -KE_INVAL;
    }
    uint16_t hlen = (uint16_t)ipv4_vhl_hlen(h[IPV4_OFF_VHL]);
    if (hlen < IPV4_HDR_LEN) {
        ipv4_ctr[IPV4_BAD_IHL]++;
        return -KE_INVAL;
    }
    if (hlen > avail) {
        ipv4_ctr[IPV4_BAD_HDR_LEN]++;
        return -KE_INVAL;
    }
    uint16_t total = load_be16(h + IPV4_OFF_LEN);
    if (total < hlen) {
        ipv4_ctr[IPV4_BAD_TOTAL_LEN]++;
        return -KE_INVAL;
    }
    if (total > avail) {
        ipv4_ctr[IPV4_TRUNCATED]++;
        return -KE_INVAL;
    }
    if (!ipv4_hdr_csum_ok(h, hlen)) {
        ipv4_ctr[IPV4_BAD_CSUM]++;
        return -KE_INVAL;
    }
    uint32_t src = load_be32(h + IPV4_OFF_SRC), dst = load_be32(h + IPV4_OFF_DST);
    enum ipv4_ctr bad = ipv4_check_src(src, dst);
    if (bad != IPV4_NCTR) {
        ipv4_ctr[bad]++;
        return -KE_INVAL;
    }
    if ((ipv4_is_zeronet(dst) || ipv4_is_loopback(dst) || ipv4_is_class_e(dst)) &&
        dst != IPV4_BCAST) {
        ipv4_ctr[IPV4_MARTIAN_DST]++;
        return -KE_INVAL;
    }

    uint16_t l3 = pkt->layer[PKT_L3];
    pkt_set_view(pkt, PKT_L3, l3, total);
    pkt_set_view(pkt, PKT_L4, (uint16_t)(l3 + hlen), (uint16_t)(total - hlen));
    pkt->meta[PKT_META_IPV4_SRC] = src;
    pkt->meta[PKT_META_IPV4_DST] = dst;
    pkt->flags &= ~(uint32_t)(PKT_F_L3_LOCAL | PKT_F_L3_BCAST);
    enum netif_addr_kind kind = netif_addr_kind(dst, NULL);
    if (kind == NETIF_ADDR_BCAST)
        pkt->flags |= PKT_F_L3_LOCAL | PKT_F_L3_BCAST;
    else if (kind == NETIF_ADDR_LOCAL)
        pkt->flags |= PKT_F_L3_LOCAL;

    if (hlen > IPV4_HDR_LEN) {
        unsigned at = ipv4_options_check(h, hlen);
        if (at != 0) {
            /* RFC 1122 3.2.1.8, RFC 1812 5.2.5: discard, and say where. */
            ipv4_ctr[IPV4_BAD_OPTIONS]++;
            struct ipv4_param_problem pp = { .pkt = pkt, .pointer = (uint8_t)at };
            (void)ipv4_ParameterProblem_raise(&pp);
            return -KE_INVAL;
        }
    }

    ipv4_ctr[IPV4_RX]++;
    int taken = ipv4_PacketArrived_raise(pkt);
    if (pkt->flags & PKT_F_L3_LOCAL)
        ipv4_local(pkt, h);
    else if (taken == 0)
        ipv4_ctr[IPV4_NOT_FOR_US]++;
    return KH_TAKEN;
}

int ipv4_init(void)
{
    if (ipv4_rx_handler != NULL)
        return 0;
    memset(ipv4_ctr, 0, sizeof(ipv4_ctr));
    ipv4_next_id = 1;

    static const struct khandler_props rx_props = { .name = "ipv4" };
    struct kguard rx_guard = ether_guard_type(ETHERTYPE_IPV4);
    int rc = ether_PacketArrived_install(ipv4_input, NULL, &rx_guard, &rx_props, &ipv4_rx_handler);
    if (rc < 0) {
        ipv4_rx_handler = NULL;
        return rc;
    }
    rc = ipv4_forward_publish();
    if (rc < 0) {
        kevent_uninstall(ipv4_rx_handler);
        ipv4_rx_handler = NULL;
        return rc;
    }
    kstats_register(&ipv4_stats);
    return 0;
}

void ipv4_fini(void)
{
    if (ipv4_rx_handler != NULL) {
        kevent_uninstall(ipv4_rx_handler);
        ipv4_rx_handler = NULL;
    }
    ipv4_forward_unpublish();
    ipv4_reasm_fini();
    ipv4_route_reset();
    ipv4_pool_fini();
    kstats_unregister(&ipv4_stats);
}

/*
 * ipv4_pick_src - the address of @ifp to send from towards @next_hop: the
 * first one whose subnet holds @next_hop, else the first one, else 0.
 */
static uint32_t ipv4_pick_src(const struct netif *ifp, uint32_t next_hop)
{
    for (unsigned i = 0; i < ifp->naddrs; i++) {
        uint32_t m = inet_plen_mask(ifp->plen[i]);
        if ((ifp->addr[i] & m) == (next_hop & m))
            return ifp->addr[i];
    }
    return ifp->naddrs > 0 ? ifp->addr[0] : 0;
}

uint32_t ipv4_wire_len(const struct pktbuf *pkt)
{
    const uint8_t *h = pkt_layer_ptr(pkt, PKT_L3);
    uint32_t total = load_be16(h + IPV4_OFF_LEN);
    if (!(pkt->flags & PKT_F_GSO_TCPV4) || pkt->gso_size == 0)
        return total;
    uint32_t hlen = ipv4_vhl_hlen(h[IPV4_OFF_VHL]);
    if (total < hlen + TCP_HDR_LEN)
        return total;
    uint32_t seg = hlen + (h[hlen + TCP_OFF_DOFF] >> 4) * 4u + pkt->gso_size;
    return seg < total ? seg : total;
}

uint32_t ipv4_source_for(uint32_t dst)
{
    struct ipv4_route r;
    struct netif *ifp;
    if (ipv4_route_lookup(dst, &r) != 0 || (ifp = netif_get(r.ifindex)) == NULL)
        return 0;
    return ipv4_pick_src(ifp, r.gateway != 0 ? r.gateway : dst);
}

int ipv4_send(struct pktbuf *pkt, uint32_t src, uint32_t dst, uint8_t proto,
              const struct ipv4_send_opts *opts)
{
    static const struct ipv4_send_opts dflt = { 0 };
    if (opts == NULL)
        opts = &dflt;
    uint32_t payload = pkt_total_len(pkt); /* chained segments included */
    if (payload + IPV4_HDR_LEN > IPV4_MAX_LEN) {
        ipv4_ctr[IPV4_TX_TOOBIG]++;
        pkt_free(pkt);
        return -KE_TOOBIG;
    }

    /* Route: limited broadcast leaves by the source address's interface. */
    struct netif *ifp = NULL;
    uint32_t next_hop = dst;
    if (dst == IPV4_BCAST && src != 0)
        netif_local_addr(src, &ifp);
    if (ifp == NULL) {
        struct ipv4_route rt;
        if (ipv4_route_lookup(dst, &rt) < 0 || (ifp = netif_get(rt.ifindex)) == NULL) {
            ipv4_ctr[IPV4_TX_NO_ROUTE]++;
            pkt_free(pkt);
            return -KE_UNREACH;
        }
        if (rt.gateway != 0 && dst != IPV4_BCAST)
            next_hop = rt.gateway;
    }
    if (src == 0)
        src = ipv4_pick_src(ifp, next_hop);

    pkt = pkt_unshare(pkt); /* kernel/pktbuf.h: a shared buffer is never written */
    if (pkt == NULL) {
        ipv4_ctr[IPV4_TX_NOMEM]++;
        return -KE_NOMEM;
    }
    pkt_set_layer(pkt, PKT_L4);
    uint8_t *h = pkt_push(pkt, IPV4_HDR_LEN);
    if (h == NULL) {
        ipv4_ctr[IPV4_TX_NOMEM]++;
        pkt_free(pkt);
        return -KE_NOMEM;
    }
    pkt_set_layer(pkt, PKT_L3);
    h[IPV4_OFF_VHL] = 0x45;
    h[IPV4_OFF_TOS] = opts->tos;
    store_be16(h + IPV4_OFF_LEN, (uint16_t)(payload + IPV4_HDR_LEN));
    store_be16(h + IPV4_OFF_ID, opts->id != 0 ? opts->id : ipv4_next_id++);
    store_be16(h + IPV4_OFF_FRAG, opts->df ? IPV4_F_DF : 0);
    h[IPV4_OFF_TTL] = opts->ttl != 0 ? opts->ttl : IPV4_DEFAULT_TTL;
    h[IPV4_OFF_PROTO] = proto;
    store_be32(h + IPV4_OFF_SRC, src);
    store_be32(h + IPV4_OFF_DST, dst);
    ipv4_hdr_csum(h, IPV4_HDR_LEN);
    pkt->ifindex = ifp->index;

    int r = ipv4_SendPacket_raise(pkt);
    if (r != 0) {
        ipv4_ctr[r > 0 ? IPV4_TX_TAKEN : IPV4_TX_VETOED]++;
        pkt_free(pkt);
        return r > 0 ? 0 : r;
    }
    return ipv4_xmit(ifp, next_hop, pkt);
}

int ipv4_output(struct netif *ifp, uint32_t next_hop, struct pktbuf *pkt)
{
    const uint8_t *h = pkt_data(pkt);
    if (pkt->len < IPV4_HDR_LEN || (h[IPV4_OFF_VHL] >> 4) != 4 ||
        (h[IPV4_OFF_VHL] & 0x0f) * 4u < IPV4_HDR_LEN ||
        load_be16(h + IPV4_OFF_LEN) != pkt_total_len(pkt) || /* chained segments included */
        (h[IPV4_OFF_VHL] & 0x0f) * 4u > pkt->len) {
        ipv4_ctr[IPV4_TX_BAD]++;
        pkt_free(pkt);
        return -KE_INVAL;
    }
    pkt_set_layer(pkt, PKT_L3);
    pkt->layer[PKT_L4] = (uint16_t)(pkt->data_off + (h[IPV4_OFF_VHL] & 0x0f) * 4u);
    return ipv4_xmit(ifp, next_hop, pkt);
}

static const struct knode ipv4_node = {
    .name = "ipv4",
    .summary = "IPv4 (RFC 791, RFC 1122 3.2.1, reassembly after RFC 815)",
    .layer = KNODE_LAYER_NETWORK,
    .attaches = "ether.PacketArrived",
    .guard = "type == 0x0800",
    .raises = "ipv4.PacketArrived ipv4.LocalArrived ipv4.ProtocolUnreachable "
              "ipv4.ReassemblyTimeout ipv4.ParameterProblem ipv4.SendPacket",
    .init = ipv4_init,
    .fini = ipv4_fini,
    .stats = &ipv4_stats,
};
KNODE_REGISTER(ipv4_node);
