/*
 * apps/rpc/rpc_server.h — the server side of ONC RPC (RFC 5531): a table of
 * registered programs and the decision engine that turns one call message
 * into reply bytes, or into a drop with a counted reason.
 *
 * Pure: bytes in, bytes out, no packet buffers and no I/O; the transport
 * glue (UDP, or a VC of the raw path) hands each datagram to it and sends
 * what it returns.
 *
 * Two ways to run, SPIN's two columns (a handler runs bounded and
 * synchronous in the raiser's context, or asynchronous as a strand):
 *
 *   bounded:   n = rpc_server_dispatch(s, &peer, msg, len, out, cap, &outlen);
 *              if (n == RPC_SEND) send(out, outlen);
 *
 *   async:     w = kmalloc(sizeof *w);
 *              v = rpc_server_decide(s, &peer, msg, len, w, out, cap, &outlen);
 *              RPC_SEND: send(out, outlen) now (an error reply, a cached reply)
 *              RPC_DROP: nothing to send
 *              RPC_EXECUTE: keep msg alive (the arguments point into it),
 *                  later, in a strand: v = rpc_server_execute(w, out2, cap2, &len2);
 *                  RPC_SEND: send; RPC_DROP: nothing; -KE_AGAIN: the
 *                  procedure is not finished, call rpc_server_execute again;
 *                  or, if it will never run: rpc_server_abandon(w).
 *
 * What a call gets, in the order of the checks (RFC 5531 section 9; the
 * verdict in brackets, the counter in parentheses):
 *   fewer than 8 bytes, or than RPC_CALL_MIN once it is a CALL [drop] (short)
 *   mtype REPLY [drop] (reply); neither CALL nor REPLY [drop] (bad_mtype)
 *   rpcvers != 2: MSG_DENIED RPC_MISMATCH low 2 high 2 (rpc_mismatch)
 *   credential over 400 bytes or past the end, or a malformed AUTH_SYS body:
 *       MSG_DENIED AUTH_ERROR AUTH_BADCRED (auth_badcred)
 *   a credential flavor other than AUTH_NONE and AUTH_SYS:
 *       AUTH_ERROR AUTH_REJECTEDCRED (auth_rejectedcred)
 *   verifier over 400 bytes or past the end: AUTH_ERROR AUTH_BADVERF (auth_badverf)
 *   no program of that number: PROG_UNAVAIL (prog_unavail)
 *   the program, not that version: PROG_MISMATCH with the lowest and the
 *       highest registered version of the program (prog_mismatch)
 *   no such procedure in the version: PROC_UNAVAIL (proc_unavail)
 *   a retransmission of a call answered before: the same reply bytes again
 *       (drc_hits); of a call still running [drop] (drc_in_progress); every
 *       cache entry busy [drop] (drc_full)
 *   arguments that do not decode: GARBAGE_ARGS (garbage_args)
 *   the procedure fails, or its results do not fit: SYSTEM_ERR (system_err)
 *   else SUCCESS and the results (success)
 * A procedure may also refuse its caller: AUTH_ERROR AUTH_TOOWEAK
 * (auth_tooweak), or stay silent [drop] (proc_dropped).
 * Credentials are parsed and length-checked but never used to grant
 * anything: AUTH_SYS identities are claims anyone can make.
 * A reply that does not fit the caller's buffer [drop] (no_room).
 */
#ifndef SPINDLE_APPS_RPC_RPC_SERVER_H
#define SPINDLE_APPS_RPC_RPC_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "apps/rpc/rpc_drc.h"
#include "apps/rpc/rpc_msg.h"
#include "kernel/lib/xdr.h"

/** Bytes of the argument and of the result object of one call (struct rpc_work). */
#define RPC_OBJ_MAX 256u
/** Programs (program, version pairs) one server can hold. */
#define RPC_SERVER_PROGS_MAX 16u

struct rpc_work;

/** What a procedure's run function returns besides 0 (success) and -KE_* (SYSTEM_ERR). */
enum rpc_proc_result {
    RPC_PROC_OK = 0,      /* encode the results: SUCCESS */
    RPC_PROC_PENDING = 1, /* not finished: rpc_server_execute returns -KE_AGAIN */
    RPC_PROC_GARBAGE = 2, /* the arguments decoded but make no sense: GARBAGE_ARGS */
    RPC_PROC_DROP = 3,    /* send nothing (a refused remote call, RFC 1833 CALLIT) */
    RPC_PROC_TOOWEAK = 4  /* not for this caller: MSG_DENIED AUTH_ERROR AUTH_TOOWEAK */
};

/**
 * One procedure. @args decodes the call's parameters into the argument
 * object (RPC_OBJ_MAX bytes, zeroed, 16-byte aligned); NULL means void.
 * @run computes the result object (zeroed, same size) from it; NULL means
 * nothing to compute. @res encodes the result object; NULL means void.
 * Decoded opaque data and strings point into the call message.
 */
struct rpc_proc {
    const char *name; /* "ECHO"; NULL marks a procedure number that does not exist */
    xdr_fn args;
    xdr_fn res;
    int (*run)(struct rpc_work *w, void *args, void *res); /* enum rpc_proc_result or -KE_* */
};

/**
 * One version of one program: procedures indexed by procedure number.
 * @ctx is the program's own state, reachable from a procedure as
 * w->prog->ctx. The table must outlive its registration.
 */
struct rpc_program {
    uint32_t prog, vers;
    const char *name; /* "rpcecho", for logs and introspection */
    const struct rpc_proc *procs;
    uint32_t nprocs;
    void *ctx;
};

/** Counters of a server, in the order of rpc_server_ctr_names. */
enum rpc_server_ctr {
    RPC_CTR_RX,           /* messages handed to the server */
    RPC_CTR_SHORT,        /* dropped: too short to hold a call */
    RPC_CTR_REPLY,        /* dropped: a REPLY */
    RPC_CTR_BAD_MTYPE,    /* dropped: neither CALL nor REPLY */
    RPC_CTR_RPC_MISMATCH, /* MSG_DENIED RPC_MISMATCH */
    RPC_CTR_AUTH_BADCRED, /* MSG_DENIED AUTH_ERROR AUTH_BADCRED */
    RPC_CTR_AUTH_REJECTEDCRED,
    RPC_CTR_AUTH_BADVERF,
    RPC_CTR_PROG_UNAVAIL,
    RPC_CTR_PROG_MISMATCH,
    RPC_CTR_PROC_UNAVAIL,
    RPC_CTR_GARBAGE_ARGS,
    RPC_CTR_SYSTEM_ERR,
    RPC_CTR_SUCCESS,
    RPC_CTR_PROC_DROPPED, /* a procedure chose not to answer */
    RPC_CTR_AUTH_TOOWEAK, /* a procedure refused the caller: MSG_DENIED AUTH_ERROR AUTH_TOOWEAK */
    RPC_CTR_DRC_HITS,     /* answered from the duplicate-request cache */
    RPC_CTR_DRC_IN_PROGRESS, /* dropped: a retransmission of a running call */
    RPC_CTR_DRC_FULL,        /* dropped: every cache entry in progress */
    RPC_CTR_NO_ROOM,         /* dropped: the reply did not fit the caller's buffer */
    RPC_SERVER_NCTR
};
/**
 * RPC_SERVER_CTR_NAMES - the counter names in enum rpc_server_ctr order, as
 * an initializer list (so that a transport can put its own after them in
 * one kernel/stats.h group).
 */
#define RPC_SERVER_CTR_NAMES                                                                    \
    "rx", "short", "reply", "bad_mtype", "rpc_mismatch", "auth_badcred", "auth_rejectedcred",   \
        "auth_badverf", "prog_unavail", "prog_mismatch", "proc_unavail", "garbage_args",        \
        "system_err", "success", "proc_dropped", "auth_tooweak", "drc_hits", "drc_in_progress", \
        "drc_full", "no_room"
/** Names of the counters (for a kernel/stats.h group). */
extern const char *const rpc_server_ctr_names[RPC_SERVER_NCTR];

/**
 * A server: its programs, its duplicate-request cache, its counters. ctr
 * points at own_ctr unless rpc_server_use_counters() gave other storage
 * (an extension instance's counters, so that one kstats group holds the
 * engine's counters and its transport's).
 */
struct rpc_server {
    const struct rpc_program *progs[RPC_SERVER_PROGS_MAX];
    unsigned nprogs;
    struct rpc_drc drc;
    uint64_t *ctr; /* RPC_SERVER_NCTR counters */
    uint64_t own_ctr[RPC_SERVER_NCTR];
};

/**
 * The state of one call between decision and reply. Owned by the caller
 * (on the stack for bounded dispatch, kmalloc'ed per call for async).
 * Procedures read call (xid, credential), peer and prog, and use args and
 * res; the rest is private.
 */
struct rpc_work {
    struct rpc_server *server;
    struct rpc_peer peer;
    struct rpc_call call;
    const struct rpc_program *prog;
    const struct rpc_proc *proc;
    const uint8_t *msg; /* the call message, borrowed */
    size_t len;
    struct rpc_drc_ref drc;
    _Alignas(16) unsigned char args[RPC_OBJ_MAX];
    _Alignas(16) unsigned char res[RPC_OBJ_MAX];
};

/** Verdicts. */
enum rpc_verdict {
    RPC_DROP = 0,   /* nothing to send */
    RPC_SEND = 1,   /* the reply is in the caller's buffer */
    RPC_EXECUTE = 2 /* run the procedure: rpc_server_execute */
};

/**
 * rpc_server_init - an empty server whose duplicate-request cache holds
 * @drc_entries calls and @drc_bytes bytes of replies (rpc_drc.h; 0 entries
 * disables it). Returns 0, -KE_INVAL or -KE_NOMEM.
 */
int rpc_server_init(struct rpc_server *s, unsigned drc_entries, size_t drc_bytes);
/**
 * rpc_server_use_counters - count into @ctr (RPC_SERVER_NCTR values,
 * enum rpc_server_ctr order, owned by the caller and outliving the server)
 * instead of s->own_ctr. The values already counted are not carried over.
 */
void rpc_server_use_counters(struct rpc_server *s, uint64_t *ctr);
/** rpc_server_fini - free the cache. No work may be in flight. */
void rpc_server_fini(struct rpc_server *s);

/**
 * rpc_server_register - add program version @p (its table stays borrowed).
 * Returns 0, -KE_EXIST (that program and version are there), -KE_TOOBIG
 * (RPC_SERVER_PROGS_MAX reached) or -KE_INVAL (no procedures).
 */
int rpc_server_register(struct rpc_server *s, const struct rpc_program *p);
/** rpc_server_unregister - remove @p; -KE_NOENT when absent. No call of it may be in flight. */
int rpc_server_unregister(struct rpc_server *s, const struct rpc_program *p);
/** rpc_server_find - the registered program version, or NULL. */
const struct rpc_program *rpc_server_find(const struct rpc_server *s, uint32_t prog, uint32_t vers);

/**
 * rpc_server_decide - decode and check the call @msg of @len bytes from
 * @peer (see the top of this file) into @w. RPC_SEND: the reply is in
 * @out[0..*@outlen) (@outcap bytes available; RPC_REPLY_HDR_MAX suffice for
 * every error reply). RPC_DROP: nothing to send, a counter says why.
 * RPC_EXECUTE: @w holds the decoded call and arguments, an in-progress
 * entry is in the cache, and @msg must stay valid and unchanged until
 * rpc_server_execute returns something other than -KE_AGAIN, or until
 * rpc_server_abandon.
 */
int rpc_server_decide(struct rpc_server *s, const struct rpc_peer *peer, const void *msg,
                      size_t len, struct rpc_work *w, void *out, size_t outcap, size_t *outlen);

/**
 * rpc_server_execute - run the procedure decided in @w and encode its reply
 * into @out (@outcap bytes, not overlapping the call: results may point
 * into it): SUCCESS and the results; GARBAGE_ARGS or AUTH_TOOWEAK when the
 * procedure says so; SYSTEM_ERR when it fails or its results do not fit.
 * The reply is stored in the cache. Returns RPC_SEND, RPC_DROP (the
 * procedure chose silence, or not even SYSTEM_ERR fits) or -KE_AGAIN (the
 * procedure returned RPC_PROC_PENDING: call again later with the same @w;
 * the call bytes must stay valid).
 */
int rpc_server_execute(struct rpc_work *w, void *out, size_t outcap, size_t *outlen);

/** rpc_server_abandon - the call decided in @w will not run: forget its cache entry. */
void rpc_server_abandon(struct rpc_work *w);

/**
 * rpc_server_dispatch - the bounded synchronous path: decide and, when a
 * procedure is to run, execute it at once (its struct rpc_work, about
 * 1 KB on x86_64, lives on the stack meanwhile). Returns RPC_SEND (reply in
 * @out[0..*@outlen)) or RPC_DROP. A procedure that returns
 * RPC_PROC_PENDING here is a bug of its table: it is answered SYSTEM_ERR.
 * The caller owns both buffers; nothing is kept after the return but the
 * cache's copy of the reply.
 */
int rpc_server_dispatch(struct rpc_server *s, const struct rpc_peer *peer, const void *msg,
                        size_t len, void *out, size_t outcap, size_t *outlen);

/**
 * rpc_server_versions - the lowest and highest registered version of
 * program @prog; false when none is registered.
 */
bool rpc_server_versions(const struct rpc_server *s, uint32_t prog, uint32_t *low, uint32_t *high);

#endif
