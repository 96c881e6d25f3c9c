/*
 * apps/rpc/portmap_procs.c — the procedures of the portmapper's versions 2,
 * 3 and 4 (RFC 1833 sections 2 and 3) as tables for the RPC server engine;
 * what each answers, and where it follows rpcbind or the RFC, is in
 * portmap.h.
 */
#include "apps/rpc/portmap.h"

#include "apps/rpc/portmap_impl.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

/* --- XDR of the portmapper's types ---------------------------------------- */

/* struct mapping { prog, vers, prot, port } (RFC 1833 section 3) */
struct pmap_mapping {
    uint32_t prog, vers, prot, port;
};

static bool xdr_pmap_mapping(struct xdr *x, void *obj)
{
    struct pmap_mapping *m = obj;
    xdr_u32(x, &m->prog);
    xdr_u32(x, &m->vers);
    xdr_u32(x, &m->prot);
    return xdr_u32(x, &m->port);
}

/* struct rpcb { r_prog, r_vers, r_netid, r_addr, r_owner } (RFC 1833 section
 * 2.1); the strings point into the call. */
struct rpcb_args {
    uint32_t prog, vers;
    const char *netid, *addr, *owner;
    uint32_t netid_len, addr_len, owner_len;
};

static bool xdr_rpcb_args(struct xdr *x, void *obj)
{
    struct rpcb_args *r = obj;
    xdr_u32(x, &r->prog);
    xdr_u32(x, &r->vers);
    xdr_string(x, &r->netid, &r->netid_len, RPCB_STRING_MAX);
    xdr_string(x, &r->addr, &r->addr_len, RPCB_STRING_MAX);
    return xdr_string(x, &r->owner, &r->owner_len, RPCB_STRING_MAX);
}

/* Results: a port, a universal address, or the whole registry. */
struct pmap_res {
    uint32_t port;
    char uaddr[32];
    const struct rpc_pmap *m;
};

static bool xdr_res_port(struct xdr *x, void *obj)
{
    return xdr_u32(x, &((struct pmap_res *)obj)->port);
}

static bool xdr_res_uaddr(struct xdr *x, void *obj)
{
    struct pmap_res *r = obj;
    return xdr_cstring(x, r->uaddr, sizeof r->uaddr, RPCB_STRING_MAX);
}

static bool xdr_res_bool(struct xdr *x, void *obj)
{
    bool b = ((struct pmap_res *)obj)->port != 0;
    return xdr_bool(x, &b);
}

/* pmaplist: optional mapping, chained (RFC 1833 section 3) */
static bool xdr_res_pmaplist(struct xdr *x, void *obj)
{
    const struct rpc_pmap *m = ((struct pmap_res *)obj)->m;
    bool more = true, end = false;
    for (unsigned i = 0; i < m->n && xdr_ok(x); i++) {
        struct pmap_mapping e = { m->e[i].prog, m->e[i].vers, PMAP_IPPROTO_UDP, m->e[i].port };
        xdr_optional(x, &more);
        xdr_pmap_mapping(x, &e);
    }
    return xdr_optional(x, &end);
}

/* rpcblist_ptr: optional rpcb, chained (RFC 1833 section 2.1) */
static bool xdr_res_rpcblist(struct xdr *x, void *obj)
{
    const struct rpc_pmap *m = ((struct pmap_res *)obj)->m;
    bool more = true, end = false;
    for (unsigned i = 0; i < m->n && xdr_ok(x); i++) {
        char uaddr[32], netid[] = RPC_PMAP_NETID, owner[] = RPC_PMAP_OWNER;
        rpc_uaddr_format(uaddr, sizeof uaddr, 0, m->e[i].port); /* registered on every address */
        uint32_t prog = m->e[i].prog, vers = m->e[i].vers;
        xdr_optional(x, &more);
        xdr_u32(x, &prog);
        xdr_u32(x, &vers);
        xdr_cstring(x, netid, sizeof netid, RPCB_STRING_MAX);
        xdr_cstring(x, uaddr, sizeof uaddr, RPCB_STRING_MAX);
        xdr_cstring(x, owner, sizeof owner, RPCB_STRING_MAX);
    }
    return xdr_optional(x, &end);
}

/* --- procedures ------------------------------------------------------------- */

static int refuse(struct rpc_work *w, void *args, void *res)
{
    return RPC_PROC_TOOWEAK;
}

static int silent(struct rpc_work *w, void *args, void *res)
{
    return RPC_PROC_DROP;
}

static int unsupported(struct rpc_work *w, void *args, void *res)
{
    return -KE_NOTSUP;
}

static int getport(struct rpc_work *w, void *args, void *res)
{
    const struct pmap_mapping *a = args;
    const struct rpc_pmap_entry *e = NULL;
    if (a->prot == PMAP_IPPROTO_UDP)
        e = rpc_pmap_lookup(w->prog->ctx, a->prog, a->vers, true);
    ((struct pmap_res *)res)->port = e ? e->port : 0;
    return RPC_PROC_OK;
}

static int dump(struct rpc_work *w, void *args, void *res)
{
    ((struct pmap_res *)res)->m = w->prog->ctx;
    return RPC_PROC_OK;
}

/* addr - GETADDR (any version) and GETVERSADDR (that version): the
 * registration's port with the address the call was sent to. */
static int addr(struct rpc_work *w, const struct rpcb_args *a, struct pmap_res *r, bool any_version)
{
    const struct rpc_pmap_entry *e = rpc_pmap_lookup(w->prog->ctx, a->prog, a->vers, any_version);
    if (e)
        rpc_uaddr_format(r->uaddr, sizeof r->uaddr, w->peer.local_addr, e->port);
    else
        r->uaddr[0] = '\0';
    return RPC_PROC_OK;
}

static int getaddr(struct rpc_work *w, void *args, void *res)
{
    return addr(w, args, res, true);
}

static int getversaddr(struct rpc_work *w, void *args, void *res)
{
    return addr(w, args, res, false);
}

/* --- the tables ------------------------------------------------------------- */

const struct rpc_proc rpc_pmap_v2_procs[] = {
    [PMAPPROC_NULL] = { "NULL", NULL, NULL, NULL },
    [PMAPPROC_SET] = { "SET", xdr_pmap_mapping, xdr_res_bool, refuse },
    [PMAPPROC_UNSET] = { "UNSET", xdr_pmap_mapping, xdr_res_bool, refuse },
    [PMAPPROC_GETPORT] = { "GETPORT", xdr_pmap_mapping, xdr_res_port, getport },
    [PMAPPROC_DUMP] = { "DUMP", NULL, xdr_res_pmaplist, dump },
    [PMAPPROC_CALLIT] = { "CALLIT", NULL, NULL, silent },
};
const uint32_t rpc_pmap_v2_nprocs = KARRAY_SIZE(rpc_pmap_v2_procs);

const struct rpc_proc rpc_pmap_v3_procs[] = {
    [RPCBPROC_NULL] = { "NULL", NULL, NULL, NULL },
    [RPCBPROC_SET] = { "SET", xdr_rpcb_args, xdr_res_bool, refuse },
    [RPCBPROC_UNSET] = { "UNSET", xdr_rpcb_args, xdr_res_bool, refuse },
    [RPCBPROC_GETADDR] = { "GETADDR", xdr_rpcb_args, xdr_res_uaddr, getaddr },
    [RPCBPROC_DUMP] = { "DUMP", NULL, xdr_res_rpcblist, dump },
    [RPCBPROC_CALLIT] = { "CALLIT", NULL, NULL, silent },
};
const uint32_t rpc_pmap_v3_nprocs = KARRAY_SIZE(rpc_pmap_v3_procs);

const struct rpc_proc rpc_pmap_v4_procs[] = {
    [RPCBPROC_NULL] = { "NULL", NULL, NULL, NULL },
    [RPCBPROC_SET] = { "SET", xdr_rpcb_args, xdr_res_bool, refuse },
    [RPCBPROC_UNSET] = { "UNSET", xdr_rpcb_args, xdr_res_bool, refuse },
    [RPCBPROC_GETADDR] = { "GETADDR", xdr_rpcb_args, xdr_res_uaddr, getaddr },
    [RPCBPROC_DUMP] = { "DUMP", NULL, xdr_res_rpcblist, dump },
    [RPCBPROC_BCAST] = { "BCAST", NULL, NULL, silent },
    [RPCBPROC_GETVERSADDR] = { "GETVERSADDR", xdr_rpcb_args, xdr_res_uaddr, getversaddr },
    [RPCBPROC_INDIRECT] = { "INDIRECT", NULL, NULL, unsupported },
};
const uint32_t rpc_pmap_v4_nprocs = KARRAY_SIZE(rpc_pmap_v4_procs);
