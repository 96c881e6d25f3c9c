/*
 * apps/rpc-ping/rpc_ping.c — the rpc-ping extension's parameters, install
 * and removal (rpc_ping.h); the run itself is rpc_ping_run.c.
 */
#include "apps/rpc-ping/rpc_ping.h"

#include "apps/rpc/programs.h"
#include "apps/rpc/rpc_node.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "kernel/mem.h"
#include "netgraph/netif.h"
#include "protocols/aal5/aal5.h"
#include "protocols/udp/udp.h"

static const char *const ping_counters[] = {
    "calls",      "sent",        "retransmits", "replies",     "errors",  "timeouts",
    "stray",      "bad_replies", "tx_errors",   "port",        "samples", "rtt_min_ns",
    "rtt_p50_ns", "rtt_p99_ns",  "rtt_max_ns",  "rtt_mean_ns", "done",    NULL,
};
_Static_assert(sizeof ping_counters / sizeof ping_counters[0] == RPC_PING_NCTR + 1,
               "one name per counter");

static const char *const ping_params[] = {
    "peer",  "mac",    "vc",       "if",      "prog",  "vers",  "proc", "size",
    "count", "warmup", "interval", "timeout", "retry", "start", NULL,
};

/* num - parameter @key of @x as a number in [@lo, @hi] (absent: @dflt). */
static int num(struct kext *x, const char *key, uint64_t dflt, uint64_t lo, uint64_t hi,
               uint64_t *out, char *err, size_t errlen)
{
    int rc = kparams_get_u64(x->params, key, dflt, lo, hi, out);
    if (rc < 0)
        ksnprintf(err, errlen, "%s: %s (expected %llu..%llu)", key,
                  rc == -KE_RANGE ? "out of range" : "not a number", (unsigned long long)lo,
                  (unsigned long long)hi);
    return rc;
}

/* parse_peer - "A.B.C.D" or "A.B.C.D:PORT" into @p. */
static int parse_peer(struct rpc_ping *p, const char *s, char *err, size_t errlen)
{
    const char *colon = s;
    while (*colon != '\0' && *colon != ':')
        colon++;
    if (inet_parse_ipv4(s, (size_t)(colon - s), &p->peer_ip) < 0) {
        ksnprintf(err, errlen, "peer=%s: not A.B.C.D[:PORT]", s);
        return -KE_INVAL;
    }
    if (*colon == ':') {
        uint64_t port;
        if (kparse_u64(colon + 1, strlen(colon + 1), &port) < 0 || port < 1 || port > 65535) {
            ksnprintf(err, errlen, "peer=%s: port not 1..65535", s);
            return -KE_RANGE;
        }
        p->peer_port = (uint16_t)port;
    }
    return 0;
}

/* parse_vc - mac=, vc=, if= into @p. */
static int parse_vc(struct kext *x, struct rpc_ping *p, char *err, size_t errlen)
{
    const char *mac = kparams_get(x->params, "mac"), *vc = kparams_get(x->params, "vc");
    const char *ifname = kparams_get(x->params, "if");
    if (mac == NULL || vc == NULL) {
        ksnprintf(err, errlen, "the raw path needs both mac= and vc=");
        return -KE_INVAL;
    }
    if (inet_parse_mac(mac, strlen(mac), p->mac) < 0 || (p->mac[0] & 1u)) {
        ksnprintf(err, errlen, "mac=%s: not an individual MAC address", mac);
        return -KE_INVAL;
    }
    int rc = aal5_ext_vc(x, &p->vpi, &p->vci, err, errlen);
    if (rc < 0)
        return rc;
    struct netif *ifp = ifname != NULL ? netif_find(ifname) : netif_get(0);
    if (ifp == NULL) {
        ksnprintf(err, errlen, "no interface %s", ifname != NULL ? ifname : "at all");
        return -KE_NOENT;
    }
    p->ifindex = ifp->index;
    p->vc = true;
    return 0;
}

/* parse - every parameter of @x into @p. */
static int parse(struct kext *x, struct rpc_ping *p, char *err, size_t errlen)
{
    const char *peer = kparams_get(x->params, "peer");
    bool raw = kparams_get(x->params, "mac") != NULL || kparams_get(x->params, "vc") != NULL;
    int rc;
    if ((peer != NULL) == raw) {
        ksnprintf(err, errlen,
                  "give either peer=A.B.C.D[:PORT] (UDP) or mac= and vc= (the raw path)");
        return -KE_INVAL;
    }
    if (raw && kparams_get(x->params, "port") != NULL) {
        ksnprintf(err, errlen, "port= is for UDP (peer=)");
        return -KE_INVAL;
    }
    if (!raw && kparams_get(x->params, "if") != NULL) {
        ksnprintf(err, errlen, "if= is for the raw path (mac= vc=); UDP routes");
        return -KE_INVAL;
    }
    rc = raw ? parse_vc(x, p, err, errlen) : parse_peer(p, peer, err, errlen);
    uint64_t v[11] = { 0 };
    if (rc == 0)
        rc = num(x, "prog", RPCECHO_PROG, 0, UINT32_MAX, &v[0], err, errlen);
    if (rc == 0)
        rc = num(x, "vers", RPCECHO_VERS, 0, UINT32_MAX, &v[1], err, errlen);
    if (rc == 0)
        rc = num(x, "proc", RPCECHO_NULL, 0, UINT32_MAX, &v[2], err, errlen);
    if (rc == 0)
        rc = num(x, "size", 0, 0, RPC_PING_SIZE_MAX, &v[3], err, errlen);
    if (rc == 0)
        rc = num(x, "count", 100, 1, RPC_PING_COUNT_MAX, &v[4], err, errlen);
    if (rc == 0)
        rc = num(x, "warmup", 0, 0, RPC_PING_WARMUP_MAX, &v[5], err, errlen);
    if (rc == 0)
        rc = num(x, "interval", 0, 0, RPC_PING_TIME_MAX_MS, &v[6], err, errlen);
    if (rc == 0)
        rc = num(x, "timeout", 2000, 1, RPC_PING_TIME_MAX_MS, &v[7], err, errlen);
    if (rc == 0)
        rc = num(x, "retry", 250, 1, RPC_PING_TIME_MAX_MS, &v[8], err, errlen);
    if (rc == 0)
        rc = num(x, "start", 0, 0, RPC_PING_TIME_MAX_MS, &v[9], err, errlen);
    if (rc < 0)
        return rc;
    p->prog = (uint32_t)v[0];
    p->vers = (uint32_t)v[1];
    p->proc = (uint32_t)v[2];
    p->has_size = kparams_get(x->params, "size") != NULL;
    p->size = (uint32_t)v[3];
    p->count = (uint32_t)v[4];
    p->warmup = (uint32_t)v[5];
    p->interval_ns = v[6] * KNS_PER_MS;
    p->timeout_ns = v[7] * KNS_PER_MS;
    p->retry_ns = v[8] * KNS_PER_MS;
    p->start_ns = v[9] * KNS_PER_MS;
    return 0;
}

/* ping_free - what install allocated. */
static void ping_free(struct rpc_ping *p)
{
    kfree(p->msg);
    kfree(p->pattern);
    kfree(p->samples);
    p->msg = p->pattern = NULL;
    p->samples = NULL;
}

static int ping_install(struct kext *x, char *err, size_t errlen)
{
    static uint16_t next_port;
    struct rpc_ping *p = x->state;
    p->x = x;
    int rc = parse(x, p, err, errlen);
    if (rc < 0)
        return rc;
    p->msg = kmalloc(RPC_PING_MSG_MAX);
    p->samples = kmalloc(p->count * sizeof p->samples[0]);
    p->pattern = p->has_size ? kmalloc(p->size + 1u) : NULL;
    if (p->msg == NULL || p->samples == NULL || (p->has_size && p->pattern == NULL)) {
        ping_free(p);
        ksnprintf(err, errlen, "out of memory for %u samples", p->count);
        return -KE_NOMEM;
    }
    for (uint32_t i = 0; p->has_size && i < p->size; i++)
        p->pattern[i] = (uint8_t)(i * 7u + 1u);
    /* counters: node "rpc-ping#ID:PORT" or "rpc-ping#ID:VPI/VCI" (x->node is "rpc-ping#ID") */
    char base[sizeof x->node];
    kstrlcpy(base, x->node, sizeof base);
    if (p->vc) {
        struct khandler *h = NULL;
        rc = aal5_install_granted(x->caps, rpc_ping_vc_rx, p, p->vpi, p->vci, &x->props, &h);
        if (rc == 0)
            rc = kext_handler(x, h);
        ksnprintf(x->node, sizeof x->node, "%s:%u/%u", base, p->vpi, p->vci);
    } else {
        if (!x->has_port) {
            /* an ephemeral port (RFC 6335 section 6: 49152..65535) */
            x->port = (uint16_t)(49152u + next_port++ % 16384u);
            x->has_port = true;
        }
        p->lport = x->port;
        rc = rpc_node_udp_grant(x, p->lport, err, errlen);
        if (rc == 0)
            rc = udp_ext_install(x, rpc_ping_udp_rx, p);
        ksnprintf(x->node, sizeof x->node, "%s:%u", base, p->lport);
    }
    if (rc < 0) {
        ping_free(p);
        if (rc != -KE_PERM && err[0] == '\0')
            ksnprintf(err, errlen, "cannot install its receive handler: %s", kerr_str(rc));
        return rc;
    }
    /* xids differ across restarts and instances (RFC 5531 section 9) */
    rpc_clnt_init(&p->cl,
                  (uint32_t)(kclock_now_ns() / 1000u) ^ ((uint32_t)p->lport << 16) ^ p->vci);
    p->state = RPC_PING_START;
    kstrand_init(&p->strand, x->node, rpc_ping_step, p, NULL);
    kstrand_wake_at(&p->strand, kclock_now_ns() + p->start_ns);
    return 0;
}

static void ping_remove(struct kext *x)
{
    struct rpc_ping *p = x->state;
    /* removal runs between polls, never inside the strand's step */
    kstrand_cancel(&p->strand);
    ping_free(p);
}

/* It needs its UDP port: with port= that one, else one it takes at install. */
static const struct kext_need rpc_ping_needs[] = {
    { .domain = "udp", .scope = "ports", .lo = 0, .hi = 65535, .flags = KEXT_NEED_PORT },
    AAL5_KEXT_NEED,
    { .domain = NULL },
};

static const struct kextension rpc_ping_ext = {
    .name = "rpc-ping",
    .usage =
        "rpc-ping peer=A.B.C.D[:PORT] | mac=MAC vc=VPI/VCI [if=NAME] [prog=N] [vers=V] [proc=P] "
        "[size=BYTES] [count=N] [warmup=N] [interval=MS] [timeout=MS] [retry=MS] [start=MS] "
        "[port=N]",
    .summary = "ONC RPC client: calls a procedure COUNT times, round trips p50/p99 in its counters",
    .event = &udp_PacketArrived,
    .guard = "udp dst port PORT (mac= vc=: aal5 vc == VPI/VCI)",
    .common = KEXT_PORT | KEXT_GRANT,
    .default_port = 0,
    .grant_domain = NULL, /* derived for UDP only: rpc_node_udp_grant */
    .needs = rpc_ping_needs,
    .params = ping_params,
    .state_size = sizeof(struct rpc_ping),
    .counters = ping_counters,
    .install = ping_install,
    .remove = ping_remove,
};
KEXTENSION_REGISTER(rpc_ping_ext);
