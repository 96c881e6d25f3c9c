/*
 * apps/rpc/rpc_node.c — endpoints: install and removal of a program
 * extension's server, the list of endpoints, and the portmapper's registry
 * (rpc_node.h). The receive paths are in rpc_node_rx.c, queued calls in
 * rpc_node_async.c.
 */
#include "apps/rpc/rpc_node.h"

#include "apps/rpc/rpc_node_impl.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/capability.h"
#include "kernel/nameservice.h"
#include "protocols/aal5/aal5.h"
#include "protocols/udp/udp.h"

const char *const rpc_node_counters[] = {
    RPC_SERVER_CTR_NAMES,
    "tx",        /* replies sent */
    "tx_errors", /* replies that could not be sent */
    "bad_src",   /* no reply possible: UDP source port 0, a group MAC */
    "no_if",     /* VC: the input interface is gone */
    "queued",    /* async: calls queued as strands */
    "jobs_full", /* async: too many calls waiting; dropped */
    NULL,
};
_Static_assert(sizeof rpc_node_counters / sizeof rpc_node_counters[0] ==
                   RPC_SERVER_NCTR + RPC_NODE_NCTR + 1,
               "one name per counter");

const char *const rpc_node_ext_params[] = { "vc", NULL };

const struct kext_need rpc_node_ext_needs[] = {
    { .domain = "udp", .scope = "ports", .lo = 0, .hi = 65535, .flags = KEXT_NEED_PORT },
    AAL5_KEXT_NEED,
    { .domain = NULL },
};

static struct rpc_node_ep *endpoints;

/* ----------------------------------------------------------- the registry */

static struct rpc_pmap registry;
static bool registry_ready;

struct rpc_pmap *rpc_node_registry(void)
{
    if (!registry_ready) {
        /* an empty registry whose program structures are set up: the
         * portmapper's own entries come with rpc_node_registry_claim */
        rpc_pmap_init(&registry, PMAP_PORT);
        rpc_pmap_unset(&registry, PMAP_PROG, RPCBVERS4);
        rpc_pmap_unset(&registry, PMAP_PROG, RPCBVERS);
        rpc_pmap_unset(&registry, PMAP_PROG, PMAP_VERS);
        registry_ready = true;
    }
    return &registry;
}

int rpc_node_registry_claim(uint16_t port)
{
    struct rpc_pmap *m = rpc_node_registry();
    if (rpc_pmap_lookup(m, PMAP_PROG, PMAP_VERS, true))
        return -KE_EXIST;
    struct rpc_pmap_entry saved[RPC_PMAP_MAX];
    unsigned n = m->n;
    memcpy(saved, m->e, n * sizeof saved[0]);
    rpc_pmap_init(m, port);
    /* three of RPC_PMAP_MAX slots went to the portmapper: keep what fits */
    for (unsigned i = 0; i < n; i++)
        if (rpc_pmap_set(m, saved[i].prog, saved[i].vers, saved[i].port) == -KE_TOOBIG)
            klog(KLOG_WARN, "rpc", "registry full: program %u version %u on port %u dropped",
                 (unsigned)saved[i].prog, (unsigned)saved[i].vers, saved[i].port);
    return 0;
}

void rpc_node_registry_release(void)
{
    struct rpc_pmap *m = rpc_node_registry();
    rpc_pmap_unset(m, PMAP_PROG, RPCBVERS4);
    rpc_pmap_unset(m, PMAP_PROG, RPCBVERS);
    rpc_pmap_unset(m, PMAP_PROG, PMAP_VERS);
}

/* register_progs - the UDP endpoint @ep's versions into the registry (the
 * portmapper's own are the registry's business). */
static void register_progs(struct rpc_node_ep *ep)
{
    if (ep->transport != RPC_XPRT_UDP)
        return;
    for (unsigned i = 0; i < ep->nprogs; i++) {
        const struct rpc_program *p = ep->progs[i];
        if (p->prog == PMAP_PROG || ep->registered[i])
            continue;
        int rc = rpc_pmap_set(rpc_node_registry(), p->prog, p->vers, ep->port);
        ep->registered[i] = rc == 0;
        if (rc < 0 && rc != -KE_EXIST)
            klog(KLOG_WARN, "rpc", "program %u version %u on port %u not registered: %s",
                 (unsigned)p->prog, (unsigned)p->vers, ep->port, kerr_str(rc));
    }
}

/* unregister_progs - the versions @ep registered leave the registry; for
 * each, another UDP endpoint serving it takes its place. */
static void unregister_progs(struct rpc_node_ep *ep)
{
    for (unsigned i = 0; i < ep->nprogs; i++) {
        if (!ep->registered[i])
            continue;
        const struct rpc_program *p = ep->progs[i];
        rpc_pmap_unset(rpc_node_registry(), p->prog, p->vers);
        ep->registered[i] = false;
        for (struct rpc_node_ep *o = endpoints; o != NULL; o = o->next)
            if (o != ep)
                register_progs(o);
    }
}

/* -------------------------------------------------------------- endpoints */

int rpc_node_udp_grant(struct kext *x, uint16_t port, char *err, size_t errlen)
{
    if (x->caps != NULL)
        return 0;
    x->caps = kcapset_create();
    if (x->caps == NULL) {
        ksnprintf(err, errlen, "out of memory");
        return -KE_NOMEM;
    }
    char spec[16], why[96];
    ksnprintf(spec, sizeof spec, "udp:%u", port);
    int rc = kns_grant(x->caps, spec, why, sizeof why);
    if (rc < 0)
        ksnprintf(err, errlen, "grant %s: %s", spec, why);
    return rc;
}

/* find - the endpoint on @transport at @port (UDP) or @vpi/@vci (VC), or NULL. */
static struct rpc_node_ep *find(uint32_t transport, uint16_t port, uint8_t vpi, uint16_t vci)
{
    for (struct rpc_node_ep *ep = endpoints; ep != NULL; ep = ep->next) {
        if (ep->transport != transport)
            continue;
        if (transport == RPC_XPRT_UDP ? ep->port == port : ep->vpi == vpi && ep->vci == vci)
            return ep;
    }
    return NULL;
}

/* parse_where - the transport address of @x into @ep; 0 or -KE_* with @err. */
static int parse_where(struct kext *x, struct rpc_node_ep *ep, char *err, size_t errlen)
{
    const char *vc = kparams_get(x->params, "vc");
    /* counters: node "NAME#ID:PORT" or "NAME#ID:VPI/VCI" (x->node is "NAME#ID") */
    char base[sizeof x->node];
    kstrlcpy(base, x->node, sizeof base);
    if (vc == NULL) {
        ep->transport = RPC_XPRT_UDP;
        ep->port = x->port;
        ksnprintf(x->node, sizeof x->node, "%s:%u", base, x->port);
        return 0;
    }
    if (kparams_get(x->params, "port") != NULL) {
        ksnprintf(err, errlen, "port= and vc= exclude each other (a UDP port or a VC)");
        return -KE_INVAL;
    }
    int rc = aal5_ext_vc(x, &ep->vpi, &ep->vci, err, errlen);
    if (rc < 0)
        return rc;
    ep->transport = RPC_XPRT_VC;
    ksnprintf(x->node, sizeof x->node, "%s:%u/%u", base, ep->vpi, ep->vci);
    /* A VC endpoint holds no UDP port (the class's default port= is not its own). */
    x->has_port = false;
    return 0;
}

/* parse_mode - the endpoint's mode from mode= (already parsed into
 * x->props by the framework). The handler itself is always synchronous:
 * an async endpoint queues its own strands (rpc_node.h). */
static void parse_mode(struct kext *x, struct rpc_node_ep *ep)
{
    const char *m = kparams_get(x->params, "mode");
    if (m == NULL) {
        ep->mode = RPC_NODE_BOUNDED;
        x->props.budget_ns = (uint64_t)RPC_NODE_BUDGET_US * 1000u;
    } else if (x->props.mode == KH_ASYNC) {
        ep->mode = RPC_NODE_ASYNC;
        x->props.mode = KH_SYNC;
    } else {
        ep->mode = x->props.budget_ns > 0 ? RPC_NODE_BOUNDED : RPC_NODE_SYNC;
    }
}

/* unlink - take @ep off the list of endpoints (if on it). */
static void unlink_ep(struct rpc_node_ep *ep)
{
    for (struct rpc_node_ep **pp = &endpoints; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == ep) {
            *pp = ep->next;
            ep->next = NULL;
            return;
        }
    }
}

/* release - free what install allocated (safe on a partial install). */
static void release(struct rpc_node_ep *ep)
{
    rpc_node_jobs_drop_all(ep);
    unregister_progs(ep);
    unlink_ep(ep);
    if (ep->server_up)
        rpc_server_fini(&ep->srv);
    ep->server_up = false;
    kfree(ep->jobs);
    ep->jobs = NULL;
    kfree(ep->out);
    ep->out = NULL;
}

/* setup - the server with its programs, the reply buffer, the jobs. */
static int setup(struct rpc_node_ep *ep, const struct rpc_program *const *progs, unsigned n,
                 char *err, size_t errlen)
{
    int rc = rpc_server_init(&ep->srv, RPC_NODE_DRC_ENTRIES, RPC_NODE_DRC_BYTES);
    if (rc < 0)
        return rc;
    ep->server_up = true;
    rpc_server_use_counters(&ep->srv, ep->x->ctr);
    for (unsigned i = 0; i < n; i++) {
        rc = rpc_server_register(&ep->srv, progs[i]);
        if (rc < 0) {
            ksnprintf(err, errlen, "program %u version %u: %s", (unsigned)progs[i]->prog,
                      (unsigned)progs[i]->vers, kerr_str(rc));
            return rc;
        }
        ep->progs[ep->nprogs++] = progs[i];
    }
    ep->out = kmalloc(RPC_NODE_REPLY_MAX);
    if (ep->out == NULL)
        return -KE_NOMEM;
    if (ep->mode == RPC_NODE_ASYNC)
        return rpc_node_jobs_init(ep);
    return 0;
}

int rpc_node_install(struct kext *x, const struct rpc_program *const *progs, unsigned n, char *err,
                     size_t errlen)
{
    struct rpc_node_ep *ep = x->state;
    ep->x = x;
    if (n == 0 || n > RPC_NODE_PROGS_MAX) {
        ksnprintf(err, errlen, "%u program versions (1..%u)", n, RPC_NODE_PROGS_MAX);
        return -KE_INVAL;
    }
    int rc = parse_where(x, ep, err, errlen);
    if (rc < 0)
        return rc;
    struct rpc_node_ep *other = find(ep->transport, ep->port, ep->vpi, ep->vci);
    if (other != NULL) {
        if (ep->transport == RPC_XPRT_UDP)
            ksnprintf(err, errlen,
                      "udp port %u is served by %s already (one RPC extension per port)", ep->port,
                      other->x->node);
        else
            ksnprintf(err, errlen, "vc %u/%u is served by %s already (one RPC extension per VC)",
                      ep->vpi, ep->vci, other->x->node);
        return -KE_EXIST;
    }
    parse_mode(x, ep);
    rc = setup(ep, progs, n, err, errlen);
    if (rc == 0) {
        if (ep->transport == RPC_XPRT_UDP) {
            rc = rpc_node_udp_grant(x, ep->port, err, errlen);
            if (rc == 0)
                rc = udp_ext_install(x, rpc_node_udp_rx, ep);
        } else {
            struct khandler *h = NULL;
            rc = aal5_install_granted(x->caps, rpc_node_vc_rx, ep, ep->vpi, ep->vci, &x->props, &h);
            if (rc == 0)
                rc = kext_handler(x, h);
        }
        if (rc < 0 && err[0] == '\0' && rc != -KE_PERM)
            ksnprintf(err, errlen, "cannot install on %s: %s", x->node, kerr_str(rc));
    }
    if (rc < 0) {
        if (rc == -KE_NOMEM && err[0] == '\0')
            ksnprintf(err, errlen, "out of memory");
        release(ep);
        return rc;
    }
    ep->next = NULL;
    struct rpc_node_ep **tail = &endpoints;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = ep;
    register_progs(ep);
    return 0;
}

void rpc_node_remove(struct kext *x)
{
    release(x->state);
}

void rpc_node_foreach(void (*cb)(const struct rpc_node_ep *ep, void *ctx), void *ctx)
{
    for (const struct rpc_node_ep *ep = endpoints; ep != NULL; ep = ep->next)
        cb(ep, ctx);
}

const char *rpc_node_mode_name(unsigned mode)
{
    switch (mode) {
    case RPC_NODE_BOUNDED: return "bounded";
    case RPC_NODE_SYNC: return "sync";
    default: return "async";
    }
}
