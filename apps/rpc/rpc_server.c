/*
 * apps/rpc/rpc_server.c — the server's decision engine: from one call
 * message to reply bytes, or to a counted drop (see rpc_server.h for the
 * checks, their order and the verdicts).
 */
#include "apps/rpc/rpc_server.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

const char *const rpc_server_ctr_names[RPC_SERVER_NCTR] = { RPC_SERVER_CTR_NAMES };
_Static_assert(sizeof((const char *[]){ RPC_SERVER_CTR_NAMES }) / sizeof(const char *) ==
                   RPC_SERVER_NCTR,
               "one name per counter");

int rpc_server_init(struct rpc_server *s, unsigned drc_entries, size_t drc_bytes)
{
    memset(s, 0, sizeof *s);
    s->ctr = s->own_ctr;
    return rpc_drc_init(&s->drc, drc_entries, drc_bytes);
}

void rpc_server_use_counters(struct rpc_server *s, uint64_t *ctr)
{
    s->ctr = ctr;
}

void rpc_server_fini(struct rpc_server *s)
{
    rpc_drc_fini(&s->drc);
    s->nprogs = 0;
}

const struct rpc_program *rpc_server_find(const struct rpc_server *s, uint32_t prog, uint32_t vers)
{
    for (unsigned i = 0; i < s->nprogs; i++)
        if (s->progs[i]->prog == prog && s->progs[i]->vers == vers)
            return s->progs[i];
    return NULL;
}

int rpc_server_register(struct rpc_server *s, const struct rpc_program *p)
{
    if (!p || !p->procs || p->nprocs == 0)
        return -KE_INVAL;
    if (rpc_server_find(s, p->prog, p->vers))
        return -KE_EXIST;
    if (s->nprogs == RPC_SERVER_PROGS_MAX)
        return -KE_TOOBIG;
    s->progs[s->nprogs++] = p;
    return 0;
}

int rpc_server_unregister(struct rpc_server *s, const struct rpc_program *p)
{
    for (unsigned i = 0; i < s->nprogs; i++) {
        if (s->progs[i] != p)
            continue;
        memmove(&s->progs[i], &s->progs[i + 1], (s->nprogs - i - 1) * sizeof s->progs[0]);
        s->nprogs--;
        return 0;
    }
    return -KE_NOENT;
}

bool rpc_server_versions(const struct rpc_server *s, uint32_t prog, uint32_t *low, uint32_t *high)
{
    bool any = false;
    for (unsigned i = 0; i < s->nprogs; i++) {
        uint32_t v = s->progs[i]->vers;
        if (s->progs[i]->prog != prog)
            continue;
        if (!any || v < *low)
            *low = v;
        if (!any || v > *high)
            *high = v;
        any = true;
    }
    return any;
}

/* reply - encode the header @r into @out; the counter @ctr counts it.
 * RPC_SEND, or RPC_DROP (no_room) when it does not fit. */
static int reply(struct rpc_server *s, const struct rpc_reply *r, enum rpc_server_ctr ctr,
                 void *out, size_t outcap, size_t *outlen)
{
    struct xdr x;
    xdr_init_encode(&x, out, outcap);
    if (!rpc_reply_encode_header(&x, r)) {
        s->ctr[RPC_CTR_NO_ROOM]++;
        return RPC_DROP;
    }
    s->ctr[ctr]++;
    *outlen = xdr_pos(&x);
    return RPC_SEND;
}

static int denied_auth(struct rpc_server *s, uint32_t xid, uint32_t why, enum rpc_server_ctr ctr,
                       void *out, size_t outcap, size_t *outlen)
{
    struct rpc_reply r = {
        .xid = xid,
        .reply_stat = RPC_MSG_DENIED,
        .reject_stat = RPC_AUTH_ERROR,
        .auth_stat = why,
    };
    return reply(s, &r, ctr, out, outcap, outlen);
}

static int accepted(struct rpc_server *s, uint32_t xid, uint32_t stat, enum rpc_server_ctr ctr,
                    void *out, size_t outcap, size_t *outlen)
{
    struct rpc_reply r = { .xid = xid, .reply_stat = RPC_MSG_ACCEPTED, .accept_stat = stat };
    return reply(s, &r, ctr, out, outcap, outlen);
}

int rpc_server_decide(struct rpc_server *s, const struct rpc_peer *peer, const void *msg,
                      size_t len, struct rpc_work *w, void *out, size_t outcap, size_t *outlen)
{
    memset(w, 0, offsetof(struct rpc_work, args));
    w->server = s;
    w->peer = *peer;
    w->msg = msg;
    w->len = len;
    w->drc.slot = -1;
    *outlen = 0;
    s->ctr[RPC_CTR_RX]++;

    struct rpc_call *c = &w->call;
    switch (rpc_call_decode(msg, len, c)) {
    case RPC_CALL_OK: break;
    case RPC_CALL_SHORT: s->ctr[RPC_CTR_SHORT]++; return RPC_DROP;
    case RPC_CALL_IS_REPLY: s->ctr[RPC_CTR_REPLY]++; return RPC_DROP;
    case RPC_CALL_BAD_MTYPE: s->ctr[RPC_CTR_BAD_MTYPE]++; return RPC_DROP;
    case RPC_CALL_BAD_RPCVERS: {
        struct rpc_reply r = {
            .xid = c->xid,
            .reply_stat = RPC_MSG_DENIED,
            .reject_stat = RPC_MISMATCH,
            .low = RPC_VERS,
            .high = RPC_VERS,
        };
        return reply(s, &r, RPC_CTR_RPC_MISMATCH, out, outcap, outlen);
    }
    case RPC_CALL_BAD_CRED:
        return denied_auth(s, c->xid, RPC_AUTH_BADCRED, RPC_CTR_AUTH_BADCRED, out, outcap, outlen);
    case RPC_CALL_BAD_VERF:
        return denied_auth(s, c->xid, RPC_AUTH_BADVERF, RPC_CTR_AUTH_BADVERF, out, outcap, outlen);
    default: /* RPC_CALL_REJECTED_CRED */
        return denied_auth(s, c->xid, RPC_AUTH_REJECTEDCRED, RPC_CTR_AUTH_REJECTEDCRED, out, outcap,
                           outlen);
    }

    const struct rpc_program *p = rpc_server_find(s, c->prog, c->vers);
    if (!p) {
        struct rpc_reply r = { .xid = c->xid, .reply_stat = RPC_MSG_ACCEPTED };
        if (!rpc_server_versions(s, c->prog, &r.low, &r.high)) {
            r.accept_stat = RPC_PROG_UNAVAIL;
            return reply(s, &r, RPC_CTR_PROG_UNAVAIL, out, outcap, outlen);
        }
        r.accept_stat = RPC_PROG_MISMATCH;
        return reply(s, &r, RPC_CTR_PROG_MISMATCH, out, outcap, outlen);
    }
    if (c->proc >= p->nprocs || !p->procs[c->proc].name)
        return accepted(s, c->xid, RPC_PROC_UNAVAIL, RPC_CTR_PROC_UNAVAIL, out, outcap, outlen);
    w->prog = p;
    w->proc = &p->procs[c->proc];

    struct rpc_drc_key key;
    const uint8_t *cached = NULL;
    size_t cached_len = 0;
    rpc_drc_key_make(&key, peer, c->xid, c->prog, c->vers, c->proc, msg, len);
    switch (rpc_drc_lookup(&s->drc, &key, &w->drc, &cached, &cached_len)) {
    case RPC_DRC_HIT:
        if (cached_len > outcap) {
            s->ctr[RPC_CTR_NO_ROOM]++;
            return RPC_DROP;
        }
        memcpy(out, cached, cached_len);
        *outlen = cached_len;
        s->ctr[RPC_CTR_DRC_HITS]++;
        return RPC_SEND;
    case RPC_DRC_BUSY: s->ctr[RPC_CTR_DRC_IN_PROGRESS]++; return RPC_DROP;
    case RPC_DRC_FULL: s->ctr[RPC_CTR_DRC_FULL]++; return RPC_DROP;
    default: break;
    }

    memset(w->args, 0, sizeof w->args);
    memset(w->res, 0, sizeof w->res);
    if (w->proc->args) {
        struct xdr x;
        xdr_init_decode(&x, (const uint8_t *)msg + c->args_off, len - c->args_off, 0);
        if (!w->proc->args(&x, w->args) || !xdr_ok(&x)) {
            /* deterministic for these bytes: not worth a cache entry */
            rpc_drc_forget(&s->drc, w->drc);
            w->drc.slot = -1;
            return accepted(s, c->xid, RPC_GARBAGE_ARGS, RPC_CTR_GARBAGE_ARGS, out, outcap, outlen);
        }
    }
    return RPC_EXECUTE;
}

int rpc_server_execute(struct rpc_work *w, void *out, size_t outcap, size_t *outlen)
{
    struct rpc_server *s = w->server;
    uint32_t xid = w->call.xid;
    int rc = w->proc->run ? w->proc->run(w, w->args, w->res) : RPC_PROC_OK;
    int v;
    *outlen = 0;
    if (rc == RPC_PROC_PENDING)
        return -KE_AGAIN;
    if (rc == RPC_PROC_DROP) {
        s->ctr[RPC_CTR_PROC_DROPPED]++;
        rpc_drc_forget(&s->drc, w->drc);
        return RPC_DROP;
    }
    if (rc == RPC_PROC_TOOWEAK) {
        v = denied_auth(s, xid, RPC_AUTH_TOOWEAK, RPC_CTR_AUTH_TOOWEAK, out, outcap, outlen);
    } else if (rc == RPC_PROC_GARBAGE) {
        v = accepted(s, xid, RPC_GARBAGE_ARGS, RPC_CTR_GARBAGE_ARGS, out, outcap, outlen);
    } else if (rc != RPC_PROC_OK) {
        v = accepted(s, xid, RPC_SYSTEM_ERR, RPC_CTR_SYSTEM_ERR, out, outcap, outlen);
    } else {
        struct xdr x;
        struct rpc_reply r = { .xid = xid,
                               .reply_stat = RPC_MSG_ACCEPTED,
                               .accept_stat = RPC_SUCCESS };
        xdr_init_encode(&x, out, outcap);
        rpc_reply_encode_header(&x, &r);
        if (w->proc->res)
            w->proc->res(&x, w->res);
        if (xdr_ok(&x)) {
            s->ctr[RPC_CTR_SUCCESS]++;
            *outlen = xdr_pos(&x);
            v = RPC_SEND;
        } else {
            /* results that do not fit (or a routine that refused them) */
            v = accepted(s, xid, RPC_SYSTEM_ERR, RPC_CTR_SYSTEM_ERR, out, outcap, outlen);
        }
    }
    if (v == RPC_SEND)
        rpc_drc_complete(&s->drc, w->drc, out, *outlen);
    else
        rpc_drc_forget(&s->drc, w->drc);
    w->drc.slot = -1;
    return v;
}

void rpc_server_abandon(struct rpc_work *w)
{
    rpc_drc_forget(&w->server->drc, w->drc);
    w->drc.slot = -1;
}

int rpc_server_dispatch(struct rpc_server *s, const struct rpc_peer *peer, const void *msg,
                        size_t len, void *out, size_t outcap, size_t *outlen)
{
    struct rpc_work w;
    int v = rpc_server_decide(s, peer, msg, len, &w, out, outcap, outlen);
    if (v != RPC_EXECUTE)
        return v;
    v = rpc_server_execute(&w, out, outcap, outlen);
    if (v == -KE_AGAIN) {
        rpc_server_abandon(&w);
        return accepted(s, w.call.xid, RPC_SYSTEM_ERR, RPC_CTR_SYSTEM_ERR, out, outcap, outlen);
    }
    return v;
}
