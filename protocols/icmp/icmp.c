/*
 * protocols/icmp/icmp.c — the ICMP node (RFC 792; RFC 1122 3.2.2; error
 * rate limiting after RFC 1812 4.3.2.8).
 *
 * Receive: a handler on ipv4_LocalArrived (protocol 1) checks the length
 * and the checksum over the whole message, answers echo requests (not those
 * sent to a broadcast address: RFC 1122 3.2.2.6 lets a host ignore them and
 * Linux does by default) and counts every other type.
 *
 * Replies and errors are sent as Linux sends them (tests/traces/README.md):
 * TTL 64, DF clear, ID from the IPv4 node's counter; an echo reply comes
 * from the address the request was sent to and keeps the request's TOS; an
 * error comes from the original destination when that is ours (else the
 * outgoing interface's address), has TOS (original TOS & 0x1e) | 0xc0
 * (precedence "internetwork control", as Linux), and quotes the original
 * datagram from its IP header on, as much as keeps the error within 576
 * bytes (RFC 1812 4.3.2.3). IP options of requests are not echoed.
 */
#include "protocols/icmp/icmp.h"

#include "netgraph/node.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/stats.h"
#include "netgraph/netif.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/ipv4_pool.h"
#include "protocols/udp/udp.h"

#define ICMP_TOS_INTERNETCONTROL \
    0xc0u /* IP precedence 6 (RFC 791), Linux IPTOS_PREC_INTERNETCONTROL */

KEVENT_DEFINE(icmp_ErrorArrived, struct pktbuf *, "icmp.ErrorArrived", true, NULL);

enum {
    ICMP_CTR_RX,               /* messages for us */
    ICMP_CTR_TOO_SHORT,        /* fewer than 8 bytes */
    ICMP_CTR_BAD_CSUM,         /* checksum wrong (RFC 1071) */
    ICMP_CTR_RX_ECHO,          /* echo requests */
    ICMP_CTR_ECHO_BCAST,       /* ... to a broadcast address, not answered */
    ICMP_CTR_TX_ECHO_REPLY,    /* echo replies sent */
    ICMP_CTR_RX_ECHO_REPLY,    /* echo replies received */
    ICMP_CTR_RX_UNREACH,       /* destination unreachable received */
    ICMP_CTR_RX_TIMXCEED,      /* time exceeded received */
    ICMP_CTR_RX_OTHER,         /* any other type */
    ICMP_CTR_TX_ERROR,         /* errors sent */
    ICMP_CTR_ERR_RATE_LIMITED, /* errors not sent: token bucket empty */
    ICMP_CTR_ERR_REFUSED,      /* errors not sent: RFC 1122 3.2.2 forbids them */
    ICMP_CTR_TX_FAIL,          /* replies or errors that could not be sent (no buffer, no route) */
    ICMP_NCTR
};
static const char *const icmp_ctr_names[ICMP_NCTR] = {
    "rx",
    "too_short",
    "bad_csum",
    "rx_echo",
    "echo_bcast_ignored",
    "tx_echo_reply",
    "rx_echo_reply",
    "rx_unreach",
    "rx_timxceed",
    "rx_other",
    "tx_error",
    "err_rate_limited",
    "err_refused",
    "tx_fail",
};
static uint64_t icmp_ctr[ICMP_NCTR];
static struct kstat_group icmp_stats = KSTAT_GROUP("icmp", icmp_ctr_names, icmp_ctr);

static struct khandler *icmp_handler;
/* On the error events of the layers below (their raises ask ICMP to answer). */
static struct khandler *icmp_proto_unreach, *icmp_port_unreach, *icmp_reasm_timeout,
    *icmp_param_problem;

/* The error token bucket (RFC 1812 4.3.2.8). */
static uint32_t icmp_tokens = ICMP_ERR_BURST;
static uint64_t icmp_refill_ns; /* kclock time the bucket was last topped up */
static bool icmp_bucket_started;

/* icmp_csum_set - compute the checksum of the @len-byte message @m into it. */
static void icmp_csum_set(uint8_t *m, uint32_t len)
{
    store_be16(m + ICMP_OFF_CSUM, 0);
    store_be16(m + ICMP_OFF_CSUM, inet_csum_fold(inet_csum_add(0, m, len)));
}

/* icmp_echo_reply - answer echo request @req (data at its IPv4 header). */
static void icmp_echo_reply(const struct pktbuf *req)
{
    const uint8_t *ih = pkt_layer_ptr(req, PKT_L3);
    const uint8_t *m = pkt_layer_ptr(req, PKT_L4);
    uint16_t mlen = pkt_layer_len(req, PKT_L4);
    struct pktbuf *r = ipv4_pkt_alloc((uint32_t)IPV4_HDR_LEN + mlen);
    if (r == NULL) {
        icmp_ctr[ICMP_CTR_TX_FAIL]++;
        return;
    }
    r->data_off = (uint16_t)(r->data_off + IPV4_HDR_LEN); /* room for ipv4_send's header */
    uint8_t *rm = pkt_append(r, mlen);
    memcpy(rm, m, mlen);
    rm[ICMP_OFF_TYPE] = ICMP_ECHOREPLY;
    rm[ICMP_OFF_CODE] = 0;
    icmp_csum_set(rm, mlen);
    struct ipv4_send_opts o = { .tos = ih[IPV4_OFF_TOS] };
    if (ipv4_send(r, ipv4_dst(req), ipv4_src(req), IPPROTO_ICMP, &o) < 0)
        icmp_ctr[ICMP_CTR_TX_FAIL]++;
    else
        icmp_ctr[ICMP_CTR_TX_ECHO_REPLY]++;
}

/* icmp_error_arrived - raise icmp.ErrorArrived for error @pkt (@mlen ICMP
 * bytes) when it quotes an IPv4 header and 8 bytes (RFC 792). */
static void icmp_error_arrived(struct pktbuf *pkt, uint16_t mlen)
{
    if (mlen >= ICMP_HDR_LEN + IPV4_HDR_LEN + 8u)
        icmp_ErrorArrived_raise(pkt);
}

/*
 * icmp_input - the handler on ipv4_LocalArrived (protocol 1; data at the
 * IPv4 header, L4 at the ICMP header). Returns KH_TAKEN, or -KE_INVAL for a
 * message counted and dropped.
 */
static int icmp_input(void *ctx, struct pktbuf *pkt)
{
    (void)ctx;
    const uint8_t *m = pkt_layer_ptr(pkt, PKT_L4);
    uint16_t mlen = pkt_layer_len(pkt, PKT_L4);
    icmp_ctr[ICMP_CTR_RX]++;
    if (m == NULL || mlen < ICMP_HDR_LEN) {
        icmp_ctr[ICMP_CTR_TOO_SHORT]++;
        return -KE_INVAL;
    }
    if (inet_csum_fold(inet_csum_add(0, m, mlen)) != 0) {
        icmp_ctr[ICMP_CTR_BAD_CSUM]++;
        return -KE_INVAL;
    }
    switch (m[ICMP_OFF_TYPE]) {
    case ICMP_ECHO:
        icmp_ctr[ICMP_CTR_RX_ECHO]++;
        if (pkt->flags & PKT_F_L3_BCAST) {
            icmp_ctr[ICMP_CTR_ECHO_BCAST]++;
            break;
        }
        icmp_echo_reply(pkt);
        break;
    case ICMP_ECHOREPLY: icmp_ctr[ICMP_CTR_RX_ECHO_REPLY]++; break;
    case ICMP_UNREACH:
        icmp_ctr[ICMP_CTR_RX_UNREACH]++;
        icmp_error_arrived(pkt, mlen);
        break;
    case ICMP_TIMXCEED:
        icmp_ctr[ICMP_CTR_RX_TIMXCEED]++;
        icmp_error_arrived(pkt, mlen);
        break;
    case ICMP_PARAMPROB:
        icmp_ctr[ICMP_CTR_RX_OTHER]++;
        icmp_error_arrived(pkt, mlen);
        break;
    default: icmp_ctr[ICMP_CTR_RX_OTHER]++; break;
    }
    return KH_TAKEN;
}

/* icmp_is_query - ICMP types that are not errors (RFC 792, RFC 950, RFC 1256). */
static bool icmp_is_query(uint8_t type)
{
    switch (type) {
    case ICMP_ECHOREPLY:
    case ICMP_ECHO:
    case 9:
    case 10: /* router advertisement, solicitation */
    case 13:
    case 14: /* timestamp, timestamp reply */
    case 15:
    case 16: /* information request, reply */
    case 17:
    case 18: /* address mask request, reply */ return true;
    default: return false;
    }
}

/* icmp_bad_source - RFC 1122 3.2.2: the source does not name a single host. */
static bool icmp_bad_source(uint32_t src)
{
    return ipv4_is_zeronet(src) || ipv4_is_loopback(src) || ipv4_is_mcast(src) ||
           ipv4_is_class_e(src) || netif_bcast_addr(src);
}

/*
 * icmp_may_answer - RFC 1122 3.2.2: an error must not answer an ICMP error,
 * a non-first fragment, a datagram to a broadcast or multicast address (IP
 * or link layer), or a datagram whose source is not one host.
 */
static bool icmp_may_answer(const struct pktbuf *orig)
{
    const uint8_t *h = pkt_layer_ptr(orig, PKT_L3);
    uint16_t avail = pkt_layer_len(orig, PKT_L3);
    if (h == NULL || avail < IPV4_HDR_LEN || (h[IPV4_OFF_VHL] >> 4) != IPV4_VERSION)
        return false;
    uint16_t hlen = (uint16_t)ipv4_vhl_hlen(h[IPV4_OFF_VHL]);
    if (hlen < IPV4_HDR_LEN || hlen > avail)
        return false;
    if (load_be16(h + IPV4_OFF_FRAG) & IPV4_OFFMASK)
        return false;
    uint32_t src = load_be32(h + IPV4_OFF_SRC), dst = load_be32(h + IPV4_OFF_DST);
    if (orig->flags & (PKT_F_L3_BCAST | PKT_F_L2_BCAST | PKT_F_L2_MCAST))
        return false;
    if (ipv4_is_mcast(dst) || netif_bcast_addr(dst) || icmp_bad_source(src))
        return false;
    if (h[IPV4_OFF_PROTO] == IPPROTO_ICMP) {
        /* The quoted message's type must be readable and a query. */
        if (avail < hlen + 1u || !icmp_is_query(h[hlen]))
            return false;
    }
    return true;
}

/* icmp_take_token - one token from the bucket, refilled one per ICMP_ERR_INTERVAL_NS. */
static bool icmp_take_token(void)
{
    uint64_t now = kclock_now_ns();
    if (!icmp_bucket_started) {
        icmp_bucket_started = true;
        icmp_tokens = ICMP_ERR_BURST;
        icmp_refill_ns = now;
    }
    if (now > icmp_refill_ns && now - icmp_refill_ns >= ICMP_ERR_INTERVAL_NS) {
        uint64_t add = (now - icmp_refill_ns) / ICMP_ERR_INTERVAL_NS;
        icmp_refill_ns += add * ICMP_ERR_INTERVAL_NS;
        icmp_tokens =
            add >= ICMP_ERR_BURST - icmp_tokens ? ICMP_ERR_BURST : icmp_tokens + (uint32_t)add;
    }
    if (icmp_tokens == 0)
        return false;
    icmp_tokens--;
    return true;
}

int icmp_send_error(const struct pktbuf *orig, uint8_t type, uint8_t code, uint32_t info)
{
    if (!icmp_may_answer(orig)) {
        icmp_ctr[ICMP_CTR_ERR_REFUSED]++;
        return -KE_INVAL;
    }
    if (!icmp_take_token()) {
        icmp_ctr[ICMP_CTR_ERR_RATE_LIMITED]++;
        return -KE_AGAIN;
    }
    const uint8_t *h = pkt_layer_ptr(orig, PKT_L3);
    uint32_t quote = pkt_layer_len(orig, PKT_L3);
    uint16_t total = load_be16(h + IPV4_OFF_LEN);
    if (total < quote)
        quote = total;
    if (quote > ICMP_ERR_MAX_LEN - IPV4_HDR_LEN - ICMP_HDR_LEN)
        quote = ICMP_ERR_MAX_LEN - IPV4_HDR_LEN - ICMP_HDR_LEN;

    struct pktbuf *e = ipv4_pkt_alloc(IPV4_HDR_LEN + ICMP_HDR_LEN + quote);
    if (e == NULL) {
        icmp_ctr[ICMP_CTR_TX_FAIL]++;
        return -KE_NOMEM;
    }
    e->data_off = (uint16_t)(e->data_off + IPV4_HDR_LEN);
    uint8_t *m = pkt_append(e, (uint16_t)(ICMP_HDR_LEN + quote));
    m[ICMP_OFF_TYPE] = type;
    m[ICMP_OFF_CODE] = code;
    store_be32(m + ICMP_OFF_INFO, info);
    memcpy(m + ICMP_HDR_LEN, h, quote);
    icmp_csum_set(m, ICMP_HDR_LEN + quote);

    uint32_t odst = load_be32(h + IPV4_OFF_DST);
    uint32_t src = netif_local_addr(odst, NULL) ? odst : 0;
    struct ipv4_send_opts o = { .tos = (uint8_t)((h[IPV4_OFF_TOS] & 0x1e) |
                                                 ICMP_TOS_INTERNETCONTROL) };
    int rc = ipv4_send(e, src, load_be32(h + IPV4_OFF_SRC), IPPROTO_ICMP, &o);
    if (rc < 0) {
        icmp_ctr[ICMP_CTR_TX_FAIL]++;
        return rc;
    }
    icmp_ctr[ICMP_CTR_TX_ERROR]++;
    return 0;
}

/* icmp_result - an error event's result for icmp_send_error's @rc (kernel/event.h). */
static int icmp_result(int rc)
{
    return rc == 0 ? KH_TAKEN : rc;
}

/* On ipv4.ProtocolUnreachable: destination unreachable, protocol (RFC 1122 3.2.2.1). */
static int icmp_on_proto_unreach(void *ctx, struct pktbuf *pkt)
{
    (void)ctx;
    return icmp_result(icmp_send_error(pkt, ICMP_UNREACH, ICMP_UNREACH_PROTOCOL, 0));
}

/* On udp.PortUnreachable: destination unreachable, port (RFC 1122 4.1.3.1). */
static int icmp_on_port_unreach(void *ctx, struct pktbuf *pkt)
{
    (void)ctx;
    return icmp_result(icmp_send_error(pkt, ICMP_UNREACH, ICMP_UNREACH_PORT, 0));
}

/* On ipv4.ReassemblyTimeout: time exceeded, fragment reassembly (RFC 1122 3.3.2). */
static int icmp_on_reasm_timeout(void *ctx, struct pktbuf *pkt)
{
    (void)ctx;
    return icmp_result(icmp_send_error(pkt, ICMP_TIMXCEED, ICMP_TIMXCEED_REASS, 0));
}

/* On ipv4.ParameterProblem: parameter problem, the pointer in the first octet (RFC 792 type 12). */
static int icmp_on_param_problem(void *ctx, struct ipv4_param_problem *pp)
{
    (void)ctx;
    return icmp_result(icmp_send_error(pp->pkt, ICMP_PARAMPROB, ICMP_PARAMPROB_ERRATPTR,
                                       (uint32_t)pp->pointer << 24));
}

void icmp_fini(void)
{
    struct khandler **hs[] = { &icmp_handler, &icmp_proto_unreach, &icmp_port_unreach,
                               &icmp_reasm_timeout, &icmp_param_problem };
    for (unsigned i = 0; i < KARRAY_SIZE(hs); i++) {
        if (*hs[i] != NULL)
            kevent_uninstall(*hs[i]);
        *hs[i] = NULL;
    }
    kstats_unregister(&icmp_stats);
}

int icmp_init(void)
{
    if (icmp_handler != NULL)
        return 0;
    memset(icmp_ctr, 0, sizeof(icmp_ctr));
    icmp_bucket_started = false;
    static const struct khandler_props props = { .name = "icmp" };
    struct kguard g = ipv4_guard_proto(IPPROTO_ICMP);
    int rc = ipv4_LocalArrived_install(icmp_input, NULL, &g, &props, &icmp_handler);
    if (rc == 0)
        rc = ipv4_ProtocolUnreachable_install(icmp_on_proto_unreach, NULL, NULL, &props,
                                              &icmp_proto_unreach);
    if (rc == 0)
        rc = udp_PortUnreachable_install(icmp_on_port_unreach, NULL, NULL, &props,
                                         &icmp_port_unreach);
    if (rc == 0)
        rc = ipv4_ReassemblyTimeout_install(icmp_on_reasm_timeout, NULL, NULL, &props,
                                            &icmp_reasm_timeout);
    if (rc == 0)
        rc = ipv4_ParameterProblem_install(icmp_on_param_problem, NULL, NULL, &props,
                                           &icmp_param_problem);
    if (rc < 0) {
        icmp_fini();
        return rc;
    }
    kstats_register(&icmp_stats);
    return 0;
}

static const struct knode icmp_node = {
    .name = "icmp",
    .summary = "ICMP for IPv4 (RFC 792, RFC 1122 3.2.2)",
    .layer = KNODE_LAYER_TRANSPORT,
    .attaches = "ipv4.LocalArrived ipv4.ProtocolUnreachable ipv4.ReassemblyTimeout "
                "ipv4.ParameterProblem udp.PortUnreachable",
    .guard = "ip proto == 1",
    .raises = "icmp.ErrorArrived",
    .init = icmp_init,
    .fini = icmp_fini,
    .stats = &icmp_stats,
};
KNODE_REGISTER(icmp_node);
