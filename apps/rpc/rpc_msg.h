/*
 * apps/rpc/rpc_msg.h — ONC RPC version 2 messages (RFC 5531): the protocol's
 * constants, the call header and its credentials as decoded from the wire,
 * and the codecs of the reply header that server and client share.
 *
 * Pure and freestanding: bytes in, bytes or structures out; no packet
 * buffers, no I/O. Every decoder is an XDR stream (kernel/lib/xdr.h), so
 * every read is bounds-checked.
 */
#ifndef SPINDLE_APPS_RPC_RPC_MSG_H
#define SPINDLE_APPS_RPC_RPC_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/lib/xdr.h"

/** RPC_VERS - the RPC protocol version a call must carry (RFC 5531 section 9, call_body.rpcvers). */
#define RPC_VERS 2u

/** msg_type (RFC 5531 section 9). */
enum rpc_msg_type { RPC_CALL = 0, RPC_REPLY = 1 };
/** reply_stat (section 9). */
enum rpc_reply_stat { RPC_MSG_ACCEPTED = 0, RPC_MSG_DENIED = 1 };
/** accept_stat (section 9). */
enum rpc_accept_stat {
    RPC_SUCCESS = 0,       /* executed successfully */
    RPC_PROG_UNAVAIL = 1,  /* remote has not exported the program */
    RPC_PROG_MISMATCH = 2, /* remote cannot support the version: low and high follow */
    RPC_PROC_UNAVAIL = 3,  /* program cannot support the procedure */
    RPC_GARBAGE_ARGS = 4,  /* procedure cannot decode its parameters */
    RPC_SYSTEM_ERR = 5     /* e.g. memory allocation failure */
};
/** reject_stat (section 9). */
enum rpc_reject_stat {
    RPC_MISMATCH = 0,  /* rpcvers != 2: low and high supported versions follow */
    RPC_AUTH_ERROR = 1 /* an auth_stat follows */
};
/** auth_stat (section 9; the RPCSEC_GSS values from RFC 2203 are not produced). */
enum rpc_auth_stat {
    RPC_AUTH_OK = 0,
    RPC_AUTH_BADCRED = 1,      /* bad credential (seal broken) */
    RPC_AUTH_REJECTEDCRED = 2, /* client must begin a new session */
    RPC_AUTH_BADVERF = 3,      /* bad verifier (seal broken) */
    RPC_AUTH_REJECTEDVERF = 4, /* verifier expired or replayed */
    RPC_AUTH_TOOWEAK = 5,      /* rejected for security reasons */
    RPC_AUTH_INVALIDRESP = 6,  /* bogus response verifier */
    RPC_AUTH_FAILED = 7        /* reason unknown */
};
/** auth_flavor (RFC 5531 section 8.2 and its IANA registry). */
enum rpc_auth_flavor {
    RPC_AUTH_NONE = 0,
    RPC_AUTH_SYS = 1,
    RPC_AUTH_SHORT = 2,
    RPC_AUTH_DH = 3,
    RPC_RPCSEC_GSS = 6
};

/** Limits of the protocol (RFC 5531 section 8.2 and Appendix A). */
enum {
    RPC_AUTH_BODY_MAX = 400,    /* opaque_auth body<400> */
    RPC_AUTHSYS_NAME_MAX = 255, /* authsys_parms machinename<255> */
    RPC_AUTHSYS_GIDS_MAX = 16,  /* authsys_parms gids<16> */
    /* the smallest CALL: xid, mtype, rpcvers, prog, vers, proc, and two
     * opaque_auth with empty bodies (flavor, length): 10 words */
    RPC_CALL_MIN = 40,
    /* the longest reply header this layer writes: xid, mtype, reply_stat,
     * verifier (AUTH_NONE, 0 bytes), accept_stat, low, high */
    RPC_REPLY_HDR_MAX = 28
};

/** An AUTH_SYS credential (RFC 5531 Appendix A, struct authsys_parms). */
struct rpc_authsys {
    uint32_t stamp;                             /* arbitrary id the caller chose */
    char machinename[RPC_AUTHSYS_NAME_MAX + 1]; /* NUL-terminated */
    uint32_t uid, gid;
    uint32_t ngids;
    uint32_t gids[RPC_AUTHSYS_GIDS_MAX];
};

/** An opaque_auth as found in a message (RFC 5531 section 8.2). */
struct rpc_opaque_auth {
    uint32_t flavor;     /* enum rpc_auth_flavor, or any other number */
    const uint8_t *body; /* inside the decoded message; NULL when len is 0 */
    uint32_t len;        /* bytes, at most RPC_AUTH_BODY_MAX */
};

/**
 * The header of a CALL (RFC 5531 section 9, struct rpc_msg with a
 * call_body), with the argument bytes located but not decoded.
 */
struct rpc_call {
    uint32_t xid;
    uint32_t rpcvers;
    uint32_t prog, vers, proc;
    struct rpc_opaque_auth cred, verf;
    bool has_authsys;           /* cred.flavor == AUTH_SYS and it parsed */
    struct rpc_authsys authsys; /* valid when has_authsys; never trusted for access */
    size_t args_off;            /* offset of the procedure's parameters in the message */
};

/** What rpc_call_decode found (beyond success). */
enum rpc_call_status {
    RPC_CALL_OK = 0,      /* a complete header; args at args_off */
    RPC_CALL_SHORT,       /* fewer than RPC_CALL_MIN bytes: drop */
    RPC_CALL_IS_REPLY,    /* mtype REPLY: not for a server; drop */
    RPC_CALL_BAD_MTYPE,   /* mtype neither CALL nor REPLY: drop */
    RPC_CALL_BAD_RPCVERS, /* rpcvers != 2: MSG_DENIED RPC_MISMATCH */
    RPC_CALL_BAD_CRED, /* credential too long, past the end, or AUTH_SYS malformed: AUTH_BADCRED */
    RPC_CALL_BAD_VERF, /* verifier too long or past the end: AUTH_BADVERF */
    RPC_CALL_REJECTED_CRED /* a flavor this server does not accept: AUTH_REJECTEDCRED */
};

/**
 * rpc_call_decode - decode the CALL header in @msg (@len bytes, the whole
 * RPC message: a UDP payload) into @c. Checks, in order: at least 8 bytes
 * (xid, mtype) else SHORT; mtype; at least RPC_CALL_MIN bytes else SHORT;
 * rpcvers == 2; the credential's body (at most 400 bytes and inside the
 * message) else BAD_CRED; the verifier's body (the same) else BAD_VERF;
 * then the credential's flavor and content: AUTH_NONE with any body;
 * AUTH_SYS parsed whole within its body (bytes after it in the body
 * ignored, as libtirpc does; a machine name over 255 bytes or containing
 * NUL, or more than 16 gids, is BAD_CRED); any other flavor REJECTED_CRED.
 * The verifier's content is not checked: AUTH_NONE and AUTH_SYS carry no
 * verifier to check (RFC 5531 section 10 and Appendix A). Fields decoded
 * before the failing check are valid in @c (xid from 4 bytes on). Pointers
 * in @c point into @msg. Returns enum rpc_call_status.
 */
int rpc_call_decode(const void *msg, size_t len, struct rpc_call *c);

/**
 * rpc_call_encode_header - the CALL header (RFC 5531 section 9) for @xid,
 * @prog, @vers, @proc, with credential @cred (NULL: AUTH_NONE; else
 * AUTH_SYS with *@cred) and an AUTH_NONE verifier, into @x; the caller then
 * encodes the arguments. Returns false with x->err set when it does not fit.
 */
bool rpc_call_encode_header(struct xdr *x, uint32_t xid, uint32_t prog, uint32_t vers,
                            uint32_t proc, const struct rpc_authsys *cred);

/** A reply header as decoded (client side) or to encode (server side). */
struct rpc_reply {
    uint32_t xid;
    uint32_t reply_stat;         /* enum rpc_reply_stat */
    uint32_t accept_stat;        /* MSG_ACCEPTED: enum rpc_accept_stat */
    uint32_t reject_stat;        /* MSG_DENIED: enum rpc_reject_stat */
    uint32_t auth_stat;          /* MSG_DENIED AUTH_ERROR: enum rpc_auth_stat */
    uint32_t low, high;          /* PROG_MISMATCH, RPC_MISMATCH: supported versions */
    struct rpc_opaque_auth verf; /* MSG_ACCEPTED: the server's verifier */
    size_t results_off;          /* SUCCESS: offset of the results in the message */
};

/**
 * rpc_reply_encode_header - the reply header @r (xid, then MSG_ACCEPTED
 * with an AUTH_NONE verifier of length 0 and accept_stat, low/high for
 * PROG_MISMATCH; or MSG_DENIED with RPC_MISMATCH low/high or AUTH_ERROR
 * auth_stat) into @x (RFC 5531 section 9). After SUCCESS the caller encodes
 * the results. Returns false with x->err set when it does not fit.
 */
bool rpc_reply_encode_header(struct xdr *x, const struct rpc_reply *r);

/**
 * rpc_reply_decode - decode the reply header in @msg of @len bytes into
 * @r; pointers into @msg. Returns 0, or -KE_INVAL for a message that is not
 * a well-formed REPLY (short, mtype CALL, unknown reply_stat or
 * reject_stat, a verifier past the end or over 400 bytes).
 */
int rpc_reply_decode(const void *msg, size_t len, struct rpc_reply *r);

/** rpc_authsys_code - code an authsys_parms body (RFC 5531 Appendix A) either way. */
bool rpc_authsys_code(struct xdr *x, struct rpc_authsys *a);

/** Names for logs and tests ("PROG_MISMATCH", "AUTH_BADCRED", ...); "?" when unknown. */
const char *rpc_accept_stat_name(uint32_t s);
const char *rpc_auth_stat_name(uint32_t s);

#endif
