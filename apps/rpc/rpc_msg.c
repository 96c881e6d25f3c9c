/*
 * apps/rpc/rpc_msg.c — ONC RPC message headers (RFC 5531 section 9) and the
 * AUTH_NONE / AUTH_SYS credentials (section 10.1, Appendix A). See
 * rpc_msg.h for the checks and their order.
 */
#include "apps/rpc/rpc_msg.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

bool rpc_authsys_code(struct xdr *x, struct rpc_authsys *a)
{
    xdr_u32(x, &a->stamp);
    xdr_cstring(x, a->machinename, sizeof a->machinename, RPC_AUTHSYS_NAME_MAX);
    xdr_u32(x, &a->uid);
    xdr_u32(x, &a->gid);
    if (!xdr_array_count(x, &a->ngids, RPC_AUTHSYS_GIDS_MAX))
        return false;
    for (uint32_t i = 0; i < a->ngids; i++)
        xdr_u32(x, &a->gids[i]);
    return xdr_ok(x);
}

/* opaque_auth - flavor and body<400> (RFC 5531 section 8.2). A body over
 * 400 bytes or past the end fails; the body is left in place. */
static bool opaque_auth(struct xdr *x, struct rpc_opaque_auth *a)
{
    if (!xdr_u32(x, &a->flavor))
        return false;
    return xdr_opaque_var(x, &a->body, &a->len, RPC_AUTH_BODY_MAX);
}

/* authsys - parse an AUTH_SYS body: it must decode whole within the body
 * (a machine name or a gid list that runs past it is a bad credential).
 * Bytes left in the body after it are ignored, as libtirpc's server does. */
static bool authsys(const struct rpc_opaque_auth *cred, struct rpc_authsys *a)
{
    struct xdr x;
    xdr_init_decode(&x, cred->body, cred->len, 0);
    return rpc_authsys_code(&x, a);
}

int rpc_call_decode(const void *msg, size_t len, struct rpc_call *c)
{
    struct xdr x;
    uint32_t mtype = 0;
    memset(c, 0, sizeof *c);
    xdr_init_decode(&x, msg, len, 0);
    if (!xdr_u32(&x, &c->xid) || !xdr_u32(&x, &mtype))
        return RPC_CALL_SHORT;
    if (mtype == RPC_REPLY)
        return RPC_CALL_IS_REPLY;
    if (mtype != RPC_CALL)
        return RPC_CALL_BAD_MTYPE;
    if (len < RPC_CALL_MIN)
        return RPC_CALL_SHORT;
    xdr_u32(&x, &c->rpcvers);
    if (c->rpcvers != RPC_VERS)
        return RPC_CALL_BAD_RPCVERS;
    xdr_u32(&x, &c->prog);
    xdr_u32(&x, &c->vers);
    xdr_u32(&x, &c->proc);
    if (!opaque_auth(&x, &c->cred))
        return RPC_CALL_BAD_CRED;
    if (!opaque_auth(&x, &c->verf))
        return RPC_CALL_BAD_VERF;
    c->args_off = xdr_pos(&x);
    switch (c->cred.flavor) {
    case RPC_AUTH_NONE:
        /* RFC 5531 section 10.1: the body should be empty; its content is
         * undefined, so any length within the limit is accepted. */
        break;
    case RPC_AUTH_SYS:
        if (!authsys(&c->cred, &c->authsys))
            return RPC_CALL_BAD_CRED;
        c->has_authsys = true;
        break;
    default:
        /* AUTH_SHORT, AUTH_DH, RPCSEC_GSS and unknown numbers: this server
         * has no session for them; the client may start over with AUTH_SYS
         * or AUTH_NONE (what Sun's and libtirpc's servers answer too). */
        return RPC_CALL_REJECTED_CRED;
    }
    return RPC_CALL_OK;
}

bool rpc_call_encode_header(struct xdr *x, uint32_t xid, uint32_t prog, uint32_t vers,
                            uint32_t proc, const struct rpc_authsys *cred)
{
    uint32_t mtype = RPC_CALL, rpcvers = RPC_VERS, none = RPC_AUTH_NONE, zero = 0;
    xdr_u32(x, &xid);
    xdr_u32(x, &mtype);
    xdr_u32(x, &rpcvers);
    xdr_u32(x, &prog);
    xdr_u32(x, &vers);
    xdr_u32(x, &proc);
    if (cred) {
        /* flavor, then a length word filled in once the body is coded */
        uint32_t sys = RPC_AUTH_SYS, blen = 0;
        xdr_u32(x, &sys);
        uint8_t *lenp = xdr_cursor(x, 4);
        size_t start = xdr_pos(x);
        struct rpc_authsys copy = *cred; /* xdr_* take non-const pointers */
        if (!rpc_authsys_code(x, &copy))
            return false;
        blen = (uint32_t)(xdr_pos(x) - start);
        if (blen > RPC_AUTH_BODY_MAX)
            return xdr_fail(x, -KE_RANGE);
        store_be32(lenp, blen);
    } else {
        xdr_u32(x, &none);
        xdr_u32(x, &zero);
    }
    xdr_u32(x, &none);
    xdr_u32(x, &zero);
    return xdr_ok(x);
}

bool rpc_reply_encode_header(struct xdr *x, const struct rpc_reply *r)
{
    uint32_t xid = r->xid, mtype = RPC_REPLY, stat = r->reply_stat;
    xdr_u32(x, &xid);
    xdr_u32(x, &mtype);
    xdr_u32(x, &stat);
    if (r->reply_stat == RPC_MSG_ACCEPTED) {
        uint32_t none = RPC_AUTH_NONE, zero = 0, as = r->accept_stat;
        xdr_u32(x, &none); /* verifier: AUTH_NONE, empty (section 10.1) */
        xdr_u32(x, &zero);
        xdr_u32(x, &as);
        if (as == RPC_PROG_MISMATCH) {
            uint32_t lo = r->low, hi = r->high;
            xdr_u32(x, &lo);
            xdr_u32(x, &hi);
        }
    } else {
        uint32_t rs = r->reject_stat;
        xdr_u32(x, &rs);
        if (rs == RPC_MISMATCH) {
            uint32_t lo = r->low, hi = r->high;
            xdr_u32(x, &lo);
            xdr_u32(x, &hi);
        } else {
            uint32_t as = r->auth_stat;
            xdr_u32(x, &as);
        }
    }
    return xdr_ok(x);
}

int rpc_reply_decode(const void *msg, size_t len, struct rpc_reply *r)
{
    struct xdr x;
    uint32_t mtype = 0;
    memset(r, 0, sizeof *r);
    xdr_init_decode(&x, msg, len, 0);
    xdr_u32(&x, &r->xid);
    xdr_u32(&x, &mtype);
    xdr_u32(&x, &r->reply_stat);
    if (!xdr_ok(&x) || mtype != RPC_REPLY)
        return -KE_INVAL;
    if (r->reply_stat == RPC_MSG_ACCEPTED) {
        if (!opaque_auth(&x, &r->verf) || !xdr_u32(&x, &r->accept_stat))
            return -KE_INVAL;
        if (r->accept_stat == RPC_PROG_MISMATCH &&
            (!xdr_u32(&x, &r->low) || !xdr_u32(&x, &r->high)))
            return -KE_INVAL;
        r->results_off = xdr_pos(&x);
        return 0;
    }
    if (r->reply_stat != RPC_MSG_DENIED || !xdr_u32(&x, &r->reject_stat))
        return -KE_INVAL;
    if (r->reject_stat == RPC_MISMATCH)
        return xdr_u32(&x, &r->low) && xdr_u32(&x, &r->high) ? 0 : -KE_INVAL;
    if (r->reject_stat == RPC_AUTH_ERROR)
        return xdr_u32(&x, &r->auth_stat) ? 0 : -KE_INVAL;
    return -KE_INVAL;
}

const char *rpc_accept_stat_name(uint32_t s)
{
    static const char *const names[] = {
        "SUCCESS", "PROG_UNAVAIL", "PROG_MISMATCH", "PROC_UNAVAIL", "GARBAGE_ARGS", "SYSTEM_ERR",
    };
    return s < KARRAY_SIZE(names) ? names[s] : "?";
}

const char *rpc_auth_stat_name(uint32_t s)
{
    static const char *const names[] = {
        "AUTH_OK",           "AUTH_BADCRED", "AUTH_REJECTEDCRED", "AUTH_BADVERF",
        "AUTH_REJECTEDVERF", "AUTH_TOOWEAK", "AUTH_INVALIDRESP",  "AUTH_FAILED",
    };
    return s < KARRAY_SIZE(names) ? names[s] : "?";
}
