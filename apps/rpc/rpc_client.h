/*
 * apps/rpc/rpc_client.h — the client side of ONC RPC (RFC 5531): building a
 * CALL, matching and decoding a REPLY, and the retransmission schedule of a
 * call over a datagram transport, all pure (the caller sends, receives and
 * keeps the clock).
 *
 * The shape of a clnt_call (Sun's, libtirpc's clnt_dg_call) spelled out for
 * a run-to-completion kernel:
 *
 *     rpc_clnt_build_call(&cl, buf, cap, &len, prog, vers, proc, NULL, enc, args, &xid);
 *     rpc_retry_start(&rt, now, 250 ms, 5 s, 0);   send(buf, len)
 *     on every datagram:  rpc_clnt_parse_reply(msg, n, xid, dec, res, &st)
 *                         -KE_NOENT: not ours, keep waiting; else done (st says how)
 *     on the timer:       switch (rpc_retry_poll(&rt, now)):
 *                         RPC_RETRY_SEND -> send(buf, len) again (same xid);
 *                         RPC_RETRY_TIMEDOUT -> st = RPC_CS_TIMEDOUT
 *                         next wake-up at rpc_retry_deadline(&rt)
 */
#ifndef SPINDLE_APPS_RPC_RPC_CLIENT_H
#define SPINDLE_APPS_RPC_RPC_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "apps/rpc/rpc_msg.h"
#include "kernel/lib/xdr.h"

/** How a call ended (the cases of libtirpc's enum clnt_stat that a datagram client meets). */
enum rpc_clnt_stat {
    RPC_CS_SUCCESS = 0,      /* SUCCESS and the results decoded */
    RPC_CS_CANTDECODERES,    /* SUCCESS but the results did not decode */
    RPC_CS_VERSMISMATCH,     /* MSG_DENIED RPC_MISMATCH */
    RPC_CS_AUTHERROR,        /* MSG_DENIED AUTH_ERROR (auth_stat in the reply) */
    RPC_CS_PROGUNAVAIL,      /* PROG_UNAVAIL */
    RPC_CS_PROGVERSMISMATCH, /* PROG_MISMATCH (low, high in the reply) */
    RPC_CS_PROCUNAVAIL,      /* PROC_UNAVAIL */
    RPC_CS_CANTDECODEARGS,   /* GARBAGE_ARGS */
    RPC_CS_SYSTEMERROR,      /* SYSTEM_ERR */
    RPC_CS_TIMEDOUT          /* no reply within the total timeout */
};

/** A client's state: the next transaction id. */
struct rpc_clnt {
    uint32_t next_xid;
};

/**
 * rpc_clnt_init - a client whose first xid is @xid0. RFC 5531 section 9
 * asks only that a client not reuse an xid while a call may be answered;
 * seed it from something that differs across restarts (a clock) so a
 * server's duplicate-request cache does not mistake a new call for an old.
 */
void rpc_clnt_init(struct rpc_clnt *cl, uint32_t xid0);

/**
 * rpc_clnt_build_call - a CALL message for @prog/@vers/@proc with credential
 * @cred (NULL: AUTH_NONE; else AUTH_SYS: its machinename NUL-terminated,
 * ngids <= 16) and arguments encoded by @enc from
 * @args (@enc NULL: none), into @buf of @cap bytes. Takes a fresh xid from
 * @cl into *@xid and the length into *@len. Returns 0, or the encoding
 * error (-KE_TOOBIG: does not fit; -KE_RANGE: an argument over its maximum).
 */
int rpc_clnt_build_call(struct rpc_clnt *cl, void *buf, size_t cap, size_t *len, uint32_t prog,
                        uint32_t vers, uint32_t proc, const struct rpc_authsys *cred, xdr_fn enc,
                        void *args, uint32_t *xid);

/**
 * rpc_clnt_parse_reply - match the datagram @msg of @len bytes against the
 * call @xid and decode it. Returns -KE_NOENT when it is not a reply to
 * @xid (another xid, or a CALL: ignore it and keep waiting), -KE_INVAL when
 * it is a reply to @xid but malformed (count and keep waiting, as
 * libtirpc does), else 0 with *@st the outcome; on RPC_CS_SUCCESS the
 * results were decoded by @dec into @res (pointers into @msg), and @r (if
 * not NULL) holds the header (low/high of a mismatch, auth_stat).
 */
int rpc_clnt_parse_reply(const void *msg, size_t len, uint32_t xid, xdr_fn dec, void *res,
                         enum rpc_clnt_stat *st, struct rpc_reply *r);

/** rpc_clnt_stat_name - "RPC_SUCCESS"-style name of @st, as clnt_sperrno words them. */
const char *rpc_clnt_stat_name(enum rpc_clnt_stat st);

/**
 * The retransmission schedule of one call: the first retransmission after
 * @wait_ns, each next one after twice the previous wait up to @max_wait_ns,
 * and no reply after @total_ns in all is a timeout (libtirpc's clnt_dg: a
 * retransmit timeout that doubles up to 30 s within the total timeout of
 * the call). Times in ns on the caller's clock.
 */
struct rpc_retry {
    uint64_t start_ns, next_ns, deadline_ns;
    uint64_t wait_ns, max_wait_ns;
    unsigned sends;     /* transmissions so far (the first included) */
    unsigned max_sends; /* 0: bounded by time only */
};

/** What rpc_retry_poll asks for. */
enum rpc_retry_action {
    RPC_RETRY_WAIT = 0,    /* nothing yet: wake again at rpc_retry_deadline() */
    RPC_RETRY_SEND = 1,    /* retransmit now (counted) */
    RPC_RETRY_TIMEDOUT = 2 /* give up */
};

/**
 * rpc_retry_start - the schedule of a call first sent at @now_ns: retransmit
 * after @wait_ns (doubling, at most RPC_RETRY_MAX_WAIT_NS), give up at
 * @now_ns + @total_ns or after @max_sends transmissions (0: no count limit).
 */
void rpc_retry_start(struct rpc_retry *rt, uint64_t now_ns, uint64_t wait_ns, uint64_t total_ns,
                     unsigned max_sends);
/** The longest wait between two transmissions (libtirpc's RPC_MAX_BACKOFF, 30 s). */
#define RPC_RETRY_MAX_WAIT_NS (30ull * 1000000000ull)
/** rpc_retry_poll - what to do at @now_ns (call it at rpc_retry_deadline() or later). */
int rpc_retry_poll(struct rpc_retry *rt, uint64_t now_ns);
/** rpc_retry_deadline - when the schedule next wants rpc_retry_poll (ns). */
uint64_t rpc_retry_deadline(const struct rpc_retry *rt);

#endif
