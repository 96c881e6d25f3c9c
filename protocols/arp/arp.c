/*
 * protocols/arp/arp.c — the ARP node: RFC 826 packet reception (validation,
 * the "merge" of the sender into the table, replies to requests for our
 * addresses), and address resolution for outgoing IPv4 packets with a
 * queue, retransmitted requests (RFC 1122 2.3.2.1: at most one per second
 * per address) and a counted drop when nobody answers.
 *
 * Packet layout (RFC 826, IPv4 over Ethernet), offsets from PKT_L3:
 *   0 htype(2)=1  2 ptype(2)=0x0800  4 hlen(1)=6  5 plen(1)=4  6 op(2)
 *   8 sha(6)  14 spa(4)  18 tha(6)  24 tpa(4)   = 28 bytes
 */
#include "protocols/arp/arp.h"

#include "protocols/arp/arp_cache.h"
#include "protocols/arp/arp_wire.h"
#include "protocols/ether/ether.h"
#include "netgraph/node.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/stats.h"

KEVENT_DEFINE(arp_ResolveFailed, struct pktbuf *, "arp.ResolveFailed", true, NULL);

static const char *const arp_ctr_names[ARP_NCTR] = {
    "rx",
    "rx_request",
    "rx_reply",
    "truncated",
    "bad_htype",
    "bad_ptype",
    "bad_hlen",
    "bad_plen",
    "bad_op",
    "bad_sender_mac",
    "bad_sender_ip",
    "no_if",
    "addr_conflict",
    "not_for_us",
    "created",
    "updated",
    "tx_request",
    "tx_reply",
    "tx_nomem",
    "tx",
    "tx_bcast",
    "tx_mcast",
    "bad_next_hop",
    "queued",
    "queue_overflow",
    "queue_sent",
    "resolve_failed",
    "unresolved_drops",
    "evicted",
    "flush_drops",
    "evicted_in_use",
};
uint64_t arp_ctr[ARP_NCTR];
static struct kstat_group arp_stats = KSTAT_GROUP("arp", arp_ctr_names, arp_ctr);

static struct khandler *arp_rx_handler;

static const uint8_t arp_zero_mac[6];

/* A mask of @plen leading one bits (host order). */
static uint32_t arp_prefix_mask(uint8_t plen)
{
    return plen == 0 ? 0 : ~(uint32_t)0 << (32 - plen);
}

/* True when @ip is an address of @ifp itself. */
static bool arp_if_has_addr(const struct netif *ifp, uint32_t ip)
{
    for (unsigned i = 0; i < ifp->naddrs; i++)
        if (ifp->addr[i] == ip)
            return true;
    return false;
}

/* True for 255.255.255.255 and the directed broadcast of a subnet of @ifp (prefix <= 30). */
static bool arp_if_bcast(const struct netif *ifp, uint32_t ip)
{
    if (ip == 0xffffffffu)
        return true;
    for (unsigned i = 0; i < ifp->naddrs; i++) {
        if (ifp->plen[i] > 30)
            continue; /* RFC 3021: /31 and /32 have no broadcast address */
        uint32_t m = arp_prefix_mask(ifp->plen[i]);
        if ((ifp->addr[i] | ~m) == ip && (ifp->addr[i] & m) == (ip & m))
            return true;
    }
    return false;
}

/* Our address on @ifp for talking to @ip: one in the same subnet, else the first, else 0. */
static uint32_t arp_source_for(const struct netif *ifp, uint32_t ip)
{
    for (unsigned i = 0; i < ifp->naddrs; i++) {
        uint32_t m = arp_prefix_mask(ifp->plen[i]);
        if (((ifp->addr[i] ^ ip) & m) == 0)
            return ifp->addr[i];
    }
    return ifp->naddrs > 0 ? ifp->addr[0] : 0;
}

/*
 * arp_send - build an ARP packet (@op, sender = @ifp's MAC and @spa, target
 * @tha/@tpa) in a fresh buffer and send it to Ethernet @dst. Addresses host
 * order. Returns ether_send's result or -KE_NOMEM (counted tx_nomem).
 */
static int arp_send(struct netif *ifp, uint16_t op, const uint8_t *dst, uint32_t spa,
                    const uint8_t *tha, uint32_t tpa)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    uint8_t *a = p != NULL ? pkt_append(p, ARP_PKT_LEN) : NULL;
    if (a == NULL) {
        pkt_free(p);
        arp_ctr[ARP_TX_NOMEM]++;
        return -KE_NOMEM;
    }
    store_be16(a + ARP_OFF_HTYPE, ARP_HTYPE_ETHER);
    store_be16(a + ARP_OFF_PTYPE, ETHERTYPE_IPV4);
    a[ARP_OFF_HLEN] = ETHER_ADDR_LEN;
    a[ARP_OFF_PLEN] = ARP_PLEN_IPV4;
    store_be16(a + ARP_OFF_OP, op);
    memcpy(a + ARP_OFF_SHA, ifp->mac, ETHER_ADDR_LEN);
    store_be32(a + ARP_OFF_SPA, spa);
    memcpy(a + ARP_OFF_THA, tha, ETHER_ADDR_LEN);
    store_be32(a + ARP_OFF_TPA, tpa);
    pkt_set_layer(p, PKT_L3);
    arp_ctr[op == ARP_OP_REQUEST ? ARP_TX_REQUEST : ARP_TX_REPLY]++;
    return ether_send(ifp, dst, ETHERTYPE_ARP, p);
}

/* A broadcast request "who has @ip?" from our address on @ifp in @ip's subnet. */
static void arp_send_request(struct netif *ifp, uint32_t ip)
{
    arp_send(ifp, ARP_OP_REQUEST, ether_broadcast, arp_source_for(ifp, ip), arp_zero_mac, ip);
}

/*
 * arp_resolved - @e (on @ifp) now maps to @mac: refresh it, stop its
 * retransmissions and send its queue in order.
 */
static void arp_resolved(struct netif *ifp, struct arp_ent *e, const uint8_t *mac, uint64_t now)
{
    memcpy(e->mac, mac, ETHER_ADDR_LEN);
    e->resolved = true;
    e->expires_ns = now + ARP_REACHABLE_NS;
    e->used_ns = now;
    e->tries = 0;
    ktimer_cancel(&e->timer);
    /* Detach first and copy the address: sending may re-enter ARP. */
    uint8_t dst[ETHER_ADDR_LEN];
    memcpy(dst, mac, ETHER_ADDR_LEN);
    struct pktbuf *q = arp_queue_take(e);
    while (q != NULL) {
        struct pktbuf *next = q->next;
        q->next = NULL;
        arp_ctr[ARP_QUEUE_SENT]++;
        ether_send(ifp, dst, ETHERTYPE_IPV4, q);
        q = next;
    }
}

/* The retransmission timer of an unresolved entry. */
static void arp_retry(struct ktimer *t, void *ctx)
{
    (void)t;
    struct arp_ent *e = ctx;
    if (!e->used || e->resolved)
        return;
    struct netif *ifp = netif_get(e->ifindex);
    if (ifp == NULL || e->tries >= ARP_MAX_TRIES) {
        arp_ctr[ARP_RESOLVE_FAILED]++;
        /* Forget the entry before anyone hears of it: a handler of
         * arp.ResolveFailed may send (an ICMP error) and so reuse the slot. */
        uint16_t ifindex = e->ifindex;
        struct pktbuf *q = arp_queue_take(e);
        arp_cache_remove(e);
        while (q != NULL) {
            struct pktbuf *next = q->next;
            q->next = NULL;
            q->ifindex = ifindex;
            pkt_set_layer(q, PKT_L3);
            arp_ctr[ARP_UNRESOLVED_DROPS]++;
            arp_ResolveFailed_raise(q);
            pkt_free(q);
            q = next;
        }
        return;
    }
    e->tries++;
    ktimer_arm_in(&e->timer, ARP_RETRY_NS);
    arp_send_request(ifp, e->ip);
}

/* True when @ip may not be an ARP sender (RFC 1122 3.2.1.3, RFC 1112 4). */
static bool arp_bad_sender_ip(uint32_t ip)
{
    return ip == 0xffffffffu || (ip >> 28) == 0xe || (ip >> 24) == 127 ||
           (ip != 0 && netif_bcast_addr(ip));
}

/*
 * arp_input - the handler on ether_PacketArrived (guard EtherType 0x0806).
 * Returns KH_TAKEN for a valid packet, -KE_INVAL / -KE_NOENT for one it
 * counted and dropped. Never keeps @pkt.
 */
static int arp_input(void *ctx, struct pktbuf *pkt)
{
    (void)ctx;
    arp_ctr[ARP_RX]++;
    const uint8_t *a = pkt_layer_ptr(pkt, PKT_L3);
    if (a == NULL || pkt_layer_len(pkt, PKT_L3) < ARP_PKT_LEN) {
        arp_ctr[ARP_TRUNCATED]++;
        return -KE_INVAL;
    }
    uint16_t op = load_be16(a + ARP_OFF_OP);
    int bad = load_be16(a + ARP_OFF_HTYPE) != ARP_HTYPE_ETHER  ? ARP_BAD_HTYPE
              : load_be16(a + ARP_OFF_PTYPE) != ETHERTYPE_IPV4 ? ARP_BAD_PTYPE
              : a[ARP_OFF_HLEN] != ETHER_ADDR_LEN              ? ARP_BAD_HLEN
              : a[ARP_OFF_PLEN] != ARP_PLEN_IPV4               ? ARP_BAD_PLEN
              : (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)   ? ARP_BAD_OP
                                                               : -1;
    const uint8_t *sha = a + ARP_OFF_SHA;
    uint32_t spa = load_be32(a + ARP_OFF_SPA);
    uint32_t tpa = load_be32(a + ARP_OFF_TPA);
    if (bad < 0 && ((sha[0] & 0x01) != 0 || memcmp(sha, arp_zero_mac, ETHER_ADDR_LEN) == 0))
        bad = ARP_BAD_SENDER_MAC;
    if (bad < 0 && arp_bad_sender_ip(spa))
        bad = ARP_BAD_SENDER_IP;
    if (bad >= 0) {
        arp_ctr[bad]++;
        return -KE_INVAL;
    }
    struct netif *ifp = netif_get(pkt->ifindex);
    if (ifp == NULL) {
        arp_ctr[ARP_NO_IF]++;
        return -KE_NOENT;
    }
    if (spa != 0 && netif_local_addr(spa, NULL)) {
        arp_ctr[ARP_ADDR_CONFLICT]++;
        return -KE_INVAL;
    }
    arp_ctr[op == ARP_OP_REQUEST ? ARP_RX_REQUEST : ARP_RX_REPLY]++;

    /* RFC 826 "Packet Reception": update the sender if known (merge). */
    uint64_t now = kclock_now_ns();
    bool merge = false;
    if (spa != 0) {
        struct arp_ent *e = arp_cache_find(ifp->index, spa);
        if (e != NULL) {
            arp_ctr[ARP_UPDATED]++;
            arp_resolved(ifp, e, sha, now);
            merge = true;
        }
    }
    if (!arp_if_has_addr(ifp, tpa)) {
        arp_ctr[ARP_NOT_FOR_US]++;
        return KH_TAKEN;
    }
    if (!merge && spa != 0) {
        struct arp_ent *e = arp_cache_create(ifp->index, spa, now, arp_retry);
        arp_ctr[ARP_CREATED]++;
        arp_resolved(ifp, e, sha, now);
    }
    if (op == ARP_OP_REQUEST) {
        uint8_t requester[ETHER_ADDR_LEN];
        memcpy(requester, sha, ETHER_ADDR_LEN);
        arp_send(ifp, ARP_OP_REPLY, requester, tpa, requester, spa);
    }
    return KH_TAKEN;
}

/*
 * The last next hop arp_output found to be unicast (neither 0, a broadcast
 * of its interface nor multicast): consecutive packets mostly go to one
 * next hop, so the scan of the interface's subnets is skipped for it while
 * the interfaces and their addresses are unchanged (netif_generation()).
 */
static struct {
    const struct netif *ifp; /* NULL: none */
    uint32_t ip;             /* host order */
    uint64_t netif_gen;
} arp_unicast;

int arp_output(struct netif *ifp, uint32_t next_hop, struct pktbuf *pkt)
{
    bool known_unicast = ifp == arp_unicast.ifp && next_hop == arp_unicast.ip &&
                         netif_generation() == arp_unicast.netif_gen;
    if (__builtin_expect(!known_unicast, 0)) {
        if (next_hop == 0) {
            arp_ctr[ARP_BAD_NEXT_HOP]++;
            pkt_free(pkt);
            return -KE_INVAL;
        }
        if (arp_if_bcast(ifp, next_hop)) {
            arp_ctr[ARP_TX_BCAST]++;
            return ether_send(ifp, ether_broadcast, ETHERTYPE_IPV4, pkt);
        }
        if ((next_hop >> 28) == 0xe) {
            /* RFC 1112 6.4: 01:00:5e + the low 23 bits of the group address. */
            uint8_t mac[ETHER_ADDR_LEN] = { 0x01,
                                            0x00,
                                            0x5e,
                                            (uint8_t)((next_hop >> 16) & 0x7f),
                                            (uint8_t)(next_hop >> 8),
                                            (uint8_t)next_hop };
            arp_ctr[ARP_TX_MCAST]++;
            return ether_send(ifp, mac, ETHERTYPE_IPV4, pkt);
        }
        arp_unicast.ifp = ifp;
        arp_unicast.ip = next_hop;
        arp_unicast.netif_gen = netif_generation();
    }
    uint64_t now = kclock_now_ns();
    struct arp_ent *e = arp_cache_find(ifp->index, next_hop);
    if (e != NULL && e->resolved && now < e->expires_ns) {
        e->used_ns = now;
        e->in_use = true;
        arp_ctr[ARP_TX]++;
        return ether_send(ifp, e->mac, ETHERTYPE_IPV4, pkt);
    }
    pkt = pkt_unshare(pkt); /* private before it is chained by ->next */
    if (pkt == NULL) {
        arp_ctr[ARP_TX_NOMEM]++;
        return -KE_NOMEM;
    }
    if (e == NULL)
        e = arp_cache_create(ifp->index, next_hop, now, arp_retry);
    else if (e->resolved)
        e->resolved = false; /* expired: resolve again */
    e->used_ns = now;
    e->in_use = true;
    arp_queue_push(e, pkt);
    if (e->tries == 0) {
        e->tries = 1;
        ktimer_arm_in(&e->timer, ARP_RETRY_NS);
        arp_send_request(ifp, next_hop);
    }
    return 0;
}

int arp_lookup(uint16_t ifindex, uint32_t ip, uint8_t mac[6])
{
    struct arp_ent *e = arp_cache_find(ifindex, ip);
    if (e == NULL || !e->resolved || kclock_now_ns() >= e->expires_ns)
        return -KE_NOENT;
    e->in_use = true; /* a caller about to send to it (the router) */
    memcpy(mac, e->mac, ETHER_ADDR_LEN);
    return 0;
}

struct arp_foreach_ctx {
    void (*cb)(const struct arp_entry_info *e, void *ctx);
    void *ctx;
};

static void arp_foreach_one(struct arp_ent *e, void *ctx)
{
    struct arp_foreach_ctx *c = ctx;
    struct arp_entry_info info = {
        .ifindex = e->ifindex,
        .ip = e->ip,
        .resolved = e->resolved,
        .expires_ns = e->resolved ? e->expires_ns : 0,
        .queued = e->qlen,
    };
    memcpy(info.mac, e->mac, ETHER_ADDR_LEN);
    c->cb(&info, c->ctx);
}

void arp_foreach(void (*cb)(const struct arp_entry_info *e, void *ctx), void *ctx)
{
    struct arp_foreach_ctx c = { cb, ctx };
    arp_cache_foreach(arp_foreach_one, &c);
}

void arp_flush(void)
{
    arp_cache_clear();
}

int arp_init(void)
{
    if (arp_rx_handler != NULL)
        return 0;
    struct kguard g = ether_guard_type(ETHERTYPE_ARP);
    static const struct khandler_props props = { .name = "arp" };
    int rc = ether_PacketArrived_install(arp_input, NULL, &g, &props, &arp_rx_handler);
    if (rc < 0) {
        arp_rx_handler = NULL;
        return rc;
    }
    memset(arp_ctr, 0, sizeof(arp_ctr));
    kstats_register(&arp_stats);
    return 0;
}

void arp_fini(void)
{
    if (arp_rx_handler != NULL) {
        kevent_uninstall(arp_rx_handler);
        arp_rx_handler = NULL;
    }
    arp_cache_clear();
    arp_unicast.ifp = NULL;
    kstats_unregister(&arp_stats);
}

static const struct knode arp_node = {
    .name = "arp",
    .summary = "ARP for IPv4 over Ethernet (RFC 826, RFC 1122 2.3.2)",
    .layer = KNODE_LAYER_ADAPT,
    .attaches = "ether.PacketArrived",
    .guard = "type == 0x0806",
    .raises = "arp.ResolveFailed",
    .init = arp_init,
    .fini = arp_fini,
    .stats = &arp_stats,
};
KNODE_REGISTER(arp_node);
