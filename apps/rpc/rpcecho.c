/*
 * apps/rpc/rpcecho.c — the rpcecho program (tools/rpc/rpcecho.x) and
 * lmbench's lat_rpc program (tools/rpc/latrpc.x) as server tables.
 */
#include "apps/rpc/programs.h"

#include "kernel/klib.h"

/* rpcecho_data: opaque<RPCECHO_MAXDATA>, pointing into the call. */
struct echo_data {
    const uint8_t *p;
    uint32_t len;
};

static bool xdr_echo_data(struct xdr *x, void *obj)
{
    struct echo_data *d = obj;
    return xdr_opaque_var(x, &d->p, &d->len, RPCECHO_MAXDATA);
}

static int echo(struct rpc_work *w, void *args, void *res)
{
    *(struct echo_data *)res = *(struct echo_data *)args;
    return RPC_PROC_OK;
}

static const struct rpc_proc echo_procs[] = {
    [RPCECHO_NULL] = { "NULL", NULL, NULL, NULL },
    [RPCECHO_ECHO] = { "ECHO", xdr_echo_data, xdr_echo_data, echo },
};

const struct rpc_program rpcecho_program = {
    .prog = RPCECHO_PROG,
    .vers = RPCECHO_VERS,
    .name = "rpcecho",
    .procs = echo_procs,
    .nprocs = KARRAY_SIZE(echo_procs),
};

/* lat_rpc: xdr_char both ways (an int on the wire, RFC 4506 section 4.1) */
static bool xdr_xact_char(struct xdr *x, void *obj)
{
    return xdr_char(x, obj);
}

static int xact(struct rpc_work *w, void *args, void *res)
{
    *(int8_t *)res = XACT_ANSWER;
    return RPC_PROC_OK;
}

static const struct rpc_proc xact_procs[] = {
    [0] = { "NULL", NULL, NULL, NULL },
    [RPC_XACT] = { "RPC_XACT", xdr_xact_char, xdr_xact_char, xact },
    /* RPC_EXIT (2) is absent: PROC_UNAVAIL */
};

const struct rpc_program latrpc_program = {
    .prog = XACT_PROG,
    .vers = XACT_VERS,
    .name = "lat_rpc",
    .procs = xact_procs,
    .nprocs = KARRAY_SIZE(xact_procs),
};
