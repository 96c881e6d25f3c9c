/*
 * apps/rpc-ping/rpc_ping_run.c — the run of an rpc-ping instance
 * (rpc_ping.h): a portmapper lookup when the port is not given, then the
 * calls, each retransmitted on rpc_client.h's schedule by the instance's
 * strand and ended by its reply's arrival in the receive handler.
 */
#include "apps/rpc-ping/rpc_ping.h"

#include "apps/rpc/portmap.h"
#include "apps/rpc/programs.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "kernel/log.h"
#include "netgraph/netif.h"
#include "protocols/aal5/aal5.h"
#include "protocols/ipv4/ipv4_pool.h"
#include "protocols/udp/udp.h"

/* --------------------------------------------------------------- XDR */

/* pmap v2 GETPORT's argument: struct mapping {prog, vers, prot, port} (RFC 1833 section 3) */
static bool xdr_getport_args(struct xdr *x, void *obj)
{
    const struct rpc_ping *p = obj;
    uint32_t prog = p->prog, vers = p->vers, prot = PMAP_IPPROTO_UDP, port = 0;
    return xdr_u32(x, &prog) && xdr_u32(x, &vers) && xdr_u32(x, &prot) && xdr_u32(x, &port);
}

static bool xdr_port_res(struct xdr *x, void *obj)
{
    return xdr_u32(x, obj);
}

/* size=: opaque<RPC_PING_SIZE_MAX> of the instance's pattern */
static bool xdr_opaque_args(struct xdr *x, void *obj)
{
    const struct rpc_ping *p = obj;
    const uint8_t *data = p->pattern;
    uint32_t len = p->size;
    return xdr_opaque_var(x, &data, &len, RPC_PING_SIZE_MAX);
}

struct echo_res {
    const uint8_t *data;
    uint32_t len;
};

static bool xdr_opaque_res(struct xdr *x, void *obj)
{
    struct echo_res *r = obj;
    return xdr_opaque_var(x, &r->data, &r->len, RPC_PING_SIZE_MAX);
}

/* ------------------------------------------------------------ sending */

static inline uint64_t *ctr(struct rpc_ping *p, enum rpc_ping_ctr i)
{
    return &p->x->ctr[i];
}

/* transmit - send the current message once. */
static void transmit(struct rpc_ping *p)
{
    int rc = -KE_NOMEM;
    struct pktbuf *pkt = ipv4_pkt_alloc((uint32_t)p->msglen);
    if (pkt != NULL) {
        memcpy(pkt_append(pkt, (uint16_t)p->msglen), p->msg, p->msglen);
        if (!p->vc) {
            uint16_t dport = p->state == RPC_PING_GETPORT ? PMAP_PORT : p->peer_port;
            rc = udp_send(pkt, 0, p->peer_ip, p->lport, dport);
        } else {
            struct netif *ifp = netif_get(p->ifindex);
            if (ifp != NULL) {
                rc = aal5_send(ifp, p->mac, p->vpi, p->vci, pkt);
            } else {
                pkt_free(pkt);
                rc = -KE_NOENT;
            }
        }
    }
    (*ctr(p, rc == 0 ? RPC_PING_SENT : RPC_PING_TX_ERRORS))++;
}

/* begin - build the next message (a GETPORT in state GETPORT, else the
 * call) and send it for the first time at @now. */
static void begin(struct rpc_ping *p, uint64_t now)
{
    int rc;
    if (p->state == RPC_PING_GETPORT)
        rc = rpc_clnt_build_call(&p->cl, p->msg, RPC_PING_MSG_MAX, &p->msglen, PMAP_PROG, PMAP_VERS,
                                 PMAPPROC_GETPORT, NULL, xdr_getport_args, p, &p->xid);
    else
        rc = rpc_clnt_build_call(&p->cl, p->msg, RPC_PING_MSG_MAX, &p->msglen, p->prog, p->vers,
                                 p->proc, NULL, p->has_size ? xdr_opaque_args : NULL, p, &p->xid);
    if (rc < 0) { /* cannot happen with RPC_PING_MSG_MAX; stop rather than loop */
        klog(KLOG_ERR, "rpc-ping", "%s: cannot encode the call: %s", p->x->node, kerr_str(rc));
        p->state = RPC_PING_FINISHED;
        return;
    }
    p->sent_ns = now;
    rpc_retry_start(&p->rt, now, p->retry_ns, p->timeout_ns, 0);
    p->rt.max_wait_ns = p->retry_ns > RPC_PING_MAX_WAIT_NS ? p->retry_ns : RPC_PING_MAX_WAIT_NS;
    transmit(p);
}

/* -------------------------------------------------------------- ending */

/* put_us - @ns as "U.T" microseconds into @buf. */
static const char *put_us(char buf[24], uint64_t ns)
{
    ksnprintf(buf, 24, "%llu.%llu", (unsigned long long)(ns / 1000u),
              (unsigned long long)(ns % 1000u / 100u));
    return buf;
}

/* finish - the last call ended: the summary in the counters and one line. */
static void finish(struct rpc_ping *p)
{
    uint64_t *c = p->x->ctr;
    uint32_t n = p->nsamples;
    rpc_ping_sort(p->samples, n);
    c[RPC_PING_SAMPLES] = n;
    if (n > 0) {
        c[RPC_PING_RTT_MIN_NS] = p->samples[0];
        c[RPC_PING_RTT_P50_NS] = rpc_ping_percentile(p->samples, n, 50);
        c[RPC_PING_RTT_P99_NS] = rpc_ping_percentile(p->samples, n, 99);
        c[RPC_PING_RTT_MAX_NS] = p->samples[n - 1];
        c[RPC_PING_RTT_MEAN_NS] = p->sum_ns / n;
    }
    c[RPC_PING_DONE] = 1;
    p->state = RPC_PING_FINISHED;
    char to[40], a[24], b[24], d[24], e[24], f[24];
    if (p->vc) {
        char mac[INET_MAC_STRLEN];
        ksnprintf(to, sizeof to, "%s vc %u/%u", inet_fmt_mac(p->mac, mac), p->vpi, p->vci);
    } else {
        char ip[INET_IPV4_STRLEN];
        ksnprintf(to, sizeof to, "%s:%u", inet_fmt_ipv4(p->peer_ip, ip), p->peer_port);
    }
    klog(KLOG_INFO, "rpc-ping",
         "done: %s program %u version %u procedure %u: %llu calls, %llu replies, %llu errors, %llu "
         "timeouts, "
         "%llu retransmissions; rtt min/p50/p99/max/mean %s/%s/%s/%s/%s us over %u calls",
         to, (unsigned)p->prog, (unsigned)p->vers, (unsigned)p->proc,
         (unsigned long long)c[RPC_PING_CALLS], (unsigned long long)c[RPC_PING_REPLIES],
         (unsigned long long)c[RPC_PING_ERRORS], (unsigned long long)c[RPC_PING_TIMEOUTS],
         (unsigned long long)c[RPC_PING_RETRANSMITS], put_us(a, c[RPC_PING_RTT_MIN_NS]),
         put_us(b, c[RPC_PING_RTT_P50_NS]), put_us(d, c[RPC_PING_RTT_P99_NS]),
         put_us(e, c[RPC_PING_RTT_MAX_NS]), put_us(f, c[RPC_PING_RTT_MEAN_NS]), (unsigned)n);
}

/* end_strand - after finish(): from the receive handler the strand is
 * woken to end itself; from its own step it just returns KSTRAND_EXIT. */
static void end_strand(struct rpc_ping *p, uint64_t now)
{
    if (ksched_current() != &p->strand)
        kstrand_wake_at(&p->strand, now);
}

/* call_ended - the call in progress ended at @now, answered SUCCESS (@ok)
 * after @rtt_ns or not: count it, then the next call or the end. */
static void call_ended(struct rpc_ping *p, bool ok, uint64_t rtt_ns, uint64_t now)
{
    uint64_t *c = p->x->ctr;
    bool measured = c[RPC_PING_CALLS] >= p->warmup;
    c[RPC_PING_CALLS]++;
    if (ok && measured) {
        p->samples[p->nsamples++] = rtt_ns > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt_ns;
        p->sum_ns += rtt_ns;
    }
    if (c[RPC_PING_CALLS] == (uint64_t)p->count + p->warmup) {
        finish(p);
        end_strand(p, now);
    } else if (p->interval_ns == 0) {
        p->state = RPC_PING_CALL;
        begin(p, now);
        kstrand_wake_at(&p->strand, rpc_retry_deadline(&p->rt));
    } else {
        p->state = RPC_PING_PAUSE;
        p->next_ns = now + p->interval_ns;
        kstrand_wake_at(&p->strand, p->next_ns);
    }
}

/* port_learnt - the portmapper answered GETPORT. */
static void port_learnt(struct rpc_ping *p, enum rpc_clnt_stat st, uint32_t port, uint64_t now)
{
    char ip[INET_IPV4_STRLEN];
    if (st != RPC_CS_SUCCESS || port == 0 || port > 65535) {
        klog(KLOG_WARN, "rpc-ping",
             "%s: %s's portmapper: %s, port %u: program %u version %u not available", p->x->node,
             inet_fmt_ipv4(p->peer_ip, ip), rpc_clnt_stat_name(st), (unsigned)port,
             (unsigned)p->prog, (unsigned)p->vers);
        (*ctr(p, RPC_PING_ERRORS))++;
        finish(p);
        end_strand(p, now);
        return;
    }
    p->peer_port = (uint16_t)port;
    *ctr(p, RPC_PING_PORT) = port;
    p->state = RPC_PING_CALL;
    begin(p, now);
    kstrand_wake_at(&p->strand, rpc_retry_deadline(&p->rt));
}

/* ------------------------------------------------------------ receiving */

/* reply - a message @msg of @len bytes from the peer, at @now. */
static int reply(struct rpc_ping *p, const uint8_t *msg, size_t len, uint64_t now)
{
    if (p->state != RPC_PING_GETPORT && p->state != RPC_PING_CALL) {
        (*ctr(p, RPC_PING_STRAY))++;
        return -KE_INVAL;
    }
    enum rpc_clnt_stat st;
    uint32_t port = 0;
    struct echo_res res = { 0 };
    xdr_fn dec = p->state == RPC_PING_GETPORT ? xdr_port_res : p->has_size ? xdr_opaque_res : NULL;
    void *obj = p->state == RPC_PING_GETPORT ? (void *)&port : (void *)&res;
    int rc = rpc_clnt_parse_reply(msg, len, p->xid, dec, obj, &st, NULL);
    if (rc == -KE_NOENT) {
        (*ctr(p, RPC_PING_STRAY))++;
        return -KE_INVAL;
    }
    if (rc < 0) {
        (*ctr(p, RPC_PING_BAD_REPLIES))++;
        return -KE_INVAL;
    }
    if (p->state == RPC_PING_GETPORT) {
        port_learnt(p, st, port, now);
        return KH_TAKEN;
    }
    bool ok = st == RPC_CS_SUCCESS &&
              (!p->has_size || (res.len == p->size && memcmp(res.data, p->pattern, p->size) == 0));
    (*ctr(p, ok ? RPC_PING_REPLIES : RPC_PING_ERRORS))++;
    if (!ok && p->x->ctr[RPC_PING_ERRORS] == 1)
        klog(KLOG_WARN, "rpc-ping", "%s: first failed call: %s%s", p->x->node,
             rpc_clnt_stat_name(st),
             st == RPC_CS_SUCCESS ? " with results that differ from the arguments" : "");
    call_ended(p, ok, now - p->sent_ns, now);
    return KH_TAKEN;
}

int rpc_ping_udp_rx(void *ctx, struct pktbuf *pkt)
{
    struct rpc_ping *p = ctx;
    uint64_t now = kclock_now_ns();
    struct udp_info in;
    udp_parse(pkt, &in);
    uint16_t from = p->state == RPC_PING_GETPORT ? PMAP_PORT : p->peer_port;
    if (in.src != p->peer_ip || in.sport != from) {
        (*ctr(p, RPC_PING_STRAY))++;
        return -KE_INVAL;
    }
    return reply(p, in.payload, in.payload_len, now);
}

int rpc_ping_vc_rx(void *ctx, struct pktbuf *pdu)
{
    struct rpc_ping *p = ctx;
    uint64_t now = kclock_now_ns();
    struct aal5_rx_info in;
    aal5_rx_info(pdu, &in);
    if (memcmp(in.src_mac, p->mac, 6) != 0) {
        (*ctr(p, RPC_PING_STRAY))++;
        return -KE_INVAL;
    }
    return reply(p, in.payload, in.len, now);
}

/* ----------------------------------------------------------- the strand */

int rpc_ping_step(struct kstrand *s, void *ctx)
{
    struct rpc_ping *p = ctx;
    uint64_t now = kclock_now_ns(), wake;
    switch (p->state) {
    case RPC_PING_START:
        p->state = p->vc || p->peer_port != 0 ? RPC_PING_CALL : RPC_PING_GETPORT;
        begin(p, now);
        break;
    case RPC_PING_PAUSE:
        if (now >= p->next_ns) {
            p->state = RPC_PING_CALL;
            begin(p, now);
        }
        break;
    case RPC_PING_GETPORT:
    case RPC_PING_CALL:
        switch (rpc_retry_poll(&p->rt, now)) {
        case RPC_RETRY_SEND:
            (*ctr(p, RPC_PING_RETRANSMITS))++;
            transmit(p);
            break;
        case RPC_RETRY_TIMEDOUT:
            (*ctr(p, RPC_PING_TIMEOUTS))++;
            if (p->state == RPC_PING_GETPORT) {
                port_learnt(p, RPC_CS_TIMEDOUT, 0, now);
                break;
            }
            call_ended(p, false, 0, now);
            break;
        default: break;
        }
        break;
    default: break;
    }
    if (p->state == RPC_PING_FINISHED)
        return KSTRAND_EXIT;
    wake = p->state == RPC_PING_PAUSE ? p->next_ns : rpc_retry_deadline(&p->rt);
    kstrand_wake_at(s, wake);
    return KSTRAND_BLOCK;
}
