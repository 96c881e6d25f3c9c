/*
 * apps/rpc/rpc_client.c — building calls, matching replies, retransmission
 * schedules (see rpc_client.h).
 */
#include "apps/rpc/rpc_client.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

void rpc_clnt_init(struct rpc_clnt *cl, uint32_t xid0)
{
    cl->next_xid = xid0;
}

int rpc_clnt_build_call(struct rpc_clnt *cl, void *buf, size_t cap, size_t *len, uint32_t prog,
                        uint32_t vers, uint32_t proc, const struct rpc_authsys *cred, xdr_fn enc,
                        void *args, uint32_t *xid)
{
    struct xdr x;
    uint32_t id = cl->next_xid++;
    xdr_init_encode(&x, buf, cap);
    rpc_call_encode_header(&x, id, prog, vers, proc, cred);
    if (enc)
        enc(&x, args);
    if (!xdr_ok(&x))
        return xdr_error(&x);
    *len = xdr_pos(&x);
    *xid = id;
    return 0;
}

int rpc_clnt_parse_reply(const void *msg, size_t len, uint32_t xid, xdr_fn dec, void *res,
                         enum rpc_clnt_stat *st, struct rpc_reply *r)
{
    struct rpc_reply tmp;
    if (!r)
        r = &tmp;
    /* not ours: fewer than two words, another xid, or a CALL */
    if (len < 8 || load_be32(msg) != xid || load_be32((const uint8_t *)msg + 4) != RPC_REPLY)
        return -KE_NOENT;
    if (rpc_reply_decode(msg, len, r) != 0)
        return -KE_INVAL;
    if (r->reply_stat == RPC_MSG_DENIED) {
        *st = r->reject_stat == RPC_MISMATCH ? RPC_CS_VERSMISMATCH : RPC_CS_AUTHERROR;
        return 0;
    }
    switch (r->accept_stat) {
    case RPC_SUCCESS: {
        struct xdr x;
        xdr_init_decode(&x, (const uint8_t *)msg + r->results_off, len - r->results_off, 0);
        if (dec)
            dec(&x, res);
        *st = xdr_ok(&x) ? RPC_CS_SUCCESS : RPC_CS_CANTDECODERES;
        return 0;
    }
    case RPC_PROG_UNAVAIL: *st = RPC_CS_PROGUNAVAIL; return 0;
    case RPC_PROG_MISMATCH: *st = RPC_CS_PROGVERSMISMATCH; return 0;
    case RPC_PROC_UNAVAIL: *st = RPC_CS_PROCUNAVAIL; return 0;
    case RPC_GARBAGE_ARGS: *st = RPC_CS_CANTDECODEARGS; return 0;
    case RPC_SYSTEM_ERR: *st = RPC_CS_SYSTEMERROR; return 0;
    default: return -KE_INVAL;
    }
}

const char *rpc_clnt_stat_name(enum rpc_clnt_stat st)
{
    static const char *const names[] = {
        "RPC_SUCCESS",     "RPC_CANTDECODERES",    "RPC_VERSMISMATCH", "RPC_AUTHERROR",
        "RPC_PROGUNAVAIL", "RPC_PROGVERSMISMATCH", "RPC_PROCUNAVAIL",  "RPC_CANTDECODEARGS",
        "RPC_SYSTEMERROR", "RPC_TIMEDOUT",
    };
    return (unsigned)st < KARRAY_SIZE(names) ? names[st] : "?";
}

void rpc_retry_start(struct rpc_retry *rt, uint64_t now_ns, uint64_t wait_ns, uint64_t total_ns,
                     unsigned max_sends)
{
    rt->start_ns = now_ns;
    rt->deadline_ns = now_ns + total_ns;
    rt->max_wait_ns = RPC_RETRY_MAX_WAIT_NS;
    rt->wait_ns = wait_ns ? wait_ns : 1;
    if (rt->wait_ns > rt->max_wait_ns)
        rt->wait_ns = rt->max_wait_ns;
    rt->next_ns = now_ns + rt->wait_ns;
    rt->sends = 1;
    rt->max_sends = max_sends;
}

int rpc_retry_poll(struct rpc_retry *rt, uint64_t now_ns)
{
    if (now_ns >= rt->deadline_ns)
        return RPC_RETRY_TIMEDOUT;
    if (now_ns < rt->next_ns)
        return RPC_RETRY_WAIT;
    if (rt->max_sends && rt->sends >= rt->max_sends) {
        /* no transmission left: wait out the total timeout */
        rt->next_ns = rt->deadline_ns;
        return RPC_RETRY_WAIT;
    }
    rt->sends++;
    rt->wait_ns *= 2;
    if (rt->wait_ns > rt->max_wait_ns)
        rt->wait_ns = rt->max_wait_ns;
    rt->next_ns = now_ns + rt->wait_ns;
    return RPC_RETRY_SEND;
}

uint64_t rpc_retry_deadline(const struct rpc_retry *rt)
{
    return rt->next_ns < rt->deadline_ns ? rt->next_ns : rt->deadline_ns;
}
