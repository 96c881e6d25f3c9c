/*
 * apps/am/am.h — active messages (von Eicken, Culler, Goldstein, Schauser,
 * ISCA 1992): the protocol engine of one endpoint, independent of its
 * transport. The kernel extension "am" (am_ext.c) binds an endpoint to a
 * UDP port or an AAL5 VC; the Linux tool (tools/am) binds the same engine
 * to a UDP socket or a packet socket. The wire format is am_wire.h.
 *
 * Requester side. am_request(), am_store() and am_get() start a transfer
 * to a peer: one REQUEST, or a STORE or GET of up to AM_BULK_MAX bytes cut
 * into chunks of the endpoint's chunk size, each chunk one request. Every
 * request carries the peer's epoch and the next sequence number; at most
 * `window` requests to one peer are outstanding, counted from the oldest
 * unanswered one (a sliding window), the rest wait in order. A request
 * unanswered after `rto` is sent again (the timeout doubles per attempt up
 * to AM_RTO_MAX_NS; one kernel timer per endpoint); after `retries`
 * attempts the peer is declared unreachable: every transfer to it fails
 * with -KE_UNREACH and the next one starts a new epoch. A transfer's done
 * callback runs once, when the response to its last chunk has arrived, it
 * failed, or its endpoint is destroyed.
 *
 * Responder side. Requests from a peer are identified by the peer's epoch
 * (a new epoch restarts its numbering at 1) and sequence number; each is
 * accepted once, when it first arrives, in whatever order they arrive
 * (selective repeat: a loss costs the lost message only), and a duplicate
 * is answered from a cache of the responses to the last AM_WINDOW_MAX
 * requests (or dropped while its handler is still queued), so no request
 * runs twice and none is lost. Each request gets exactly one response: a
 * REPLY when its handler called am_reply(), an ACK when it returned without
 * one, a NACK when it was refused (no such handler or segment, out of
 * bounds, a faulty handler), a GET_REPLY with the data of a GET. A STORE
 * chunk is copied into the segment when it arrives; the handler (0: none)
 * named by the last one runs, with the transfer's place in the segment,
 * once every earlier request of the peer, so every chunk of the transfer,
 * has arrived.
 *
 * Handlers. Registered per endpoint and index with am_register() (through
 * the "am" domain of the name service for other extensions: am_ext.c), each
 * with handler properties (kernel/event.h): synchronous, bounded (inline
 * under a time budget; an overrun uninstalls it and its requests get NACK
 * fault) or asynchronous (queued as a strand). Handlers run through the
 * event am.MessageArrived, whose argument is a struct am_msg. A request
 * handler may answer with am_reply() while it runs, once; a reply handler
 * (a REPLY naming a handler at the requester) may not, nor may anyone after
 * the handler returned (-KE_PERM).
 *
 * Single core, run to completion: every function here is called from the
 * main loop (a receive handler, a timer, a strand), never concurrently.
 */
#ifndef SPINDLE_APPS_AM_H
#define SPINDLE_APPS_AM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "apps/am/am_wire.h"
#include "kernel/clock.h"
#include "kernel/event.h"
#include "kernel/pktbuf.h"

#define AM_WINDOW_MAX 32u /* requests outstanding per peer, at most */
#define AM_WINDOW_DEFAULT 16u
#define AM_MAX_PEERS 16u   /* peers an endpoint keeps state for */
#define AM_MAX_SEGMENTS 4u /* segment ids 0..3; 0 is the endpoint's own */
#define AM_MAX_XFERS 64u   /* transfers queued or in flight per endpoint */
#define AM_RTO_DEFAULT_NS (20u * KNS_PER_MS)
#define AM_RTO_MAX_NS KNS_PER_S
#define AM_RETRIES_DEFAULT 8u
#define AM_SEGMENT_DEFAULT AM_BULK_MAX /* bytes of segment 0 */
#define AM_CHUNK_UDP 1408u  /* default chunk over UDP: one 1500-byte frame, no IP fragments */
#define AM_CHUNK_AAL5 8192u /* default chunk over AAL5: a 172-cell PDU in 7 frames */

/* Handler indices every endpoint serves itself. */
#define AM_H_NONE 0u /* no handler: a store only stores, a request is NACKed */
#define AM_H_ECHO 1u /* replies with its own arguments (the round trip of am-ping) */
/**
 * AM_H_SUM - replies (base, total, am_fnv1a of the bytes): after a store,
 * of the bytes stored; as a request with arguments (segment, base, total),
 * of those bytes of that segment (NACK bounds if they are not in it).
 */
#define AM_H_SUM 2u
#define AM_H_USER 16u /* the first index other extensions may register (3..15 reserved) */
#define AM_NHANDLERS 256u

/** Transports. */
enum am_kind { AM_KIND_UDP = 1, AM_KIND_AAL5 = 2 };

/** A peer's address on an endpoint's transport. */
struct am_addr {
    uint8_t kind;     /* enum am_kind */
    uint16_t ifindex; /* AAL5: the interface (netif index); UDP: unused */
    uint8_t mac[6];   /* AAL5: the peer's MAC */
    uint32_t ip;      /* UDP: IPv4 address, host order */
    uint16_t port;    /* UDP: port */
};

/** am_addr_equal - true when @a and @b name the same peer. */
bool am_addr_equal(const struct am_addr *a, const struct am_addr *b);

/** A transport: how an endpoint's messages leave. */
struct am_transport {
    uint8_t kind; /* enum am_kind */
    /**
     * send - send @msg (data = one whole message) to @to. Consumes @msg
     * whatever the outcome. Returns 0 or -KE_* (counted tx_errors).
     */
    int (*send)(void *ctx, const struct am_addr *to, struct pktbuf *msg);
    void *ctx;
};

/** Counters of an endpoint (names: am_ctr_names). */
enum am_ctr {
    AM_C_RX,        /* well-formed messages received */
    AM_C_RX_BYTES,  /* their bytes */
    AM_C_MALFORMED, /* malformed messages dropped (also counted by reason below) */
    AM_C_MAL_SHORT,
    AM_C_MAL_VERSION,
    AM_C_MAL_TYPE,
    AM_C_MAL_FLAGS,
    AM_C_MAL_NARGS,
    AM_C_MAL_STATUS,
    AM_C_MAL_RESERVED,
    AM_C_MAL_EPOCH,
    AM_C_MAL_LENGTH,
    AM_C_MAL_BULK,
    AM_C_NO_PEER,       /* peer table full of busy peers: dropped */
    AM_C_ACCEPTED,      /* requests accepted in order */
    AM_C_DUP_ANSWERED,  /* duplicates answered from the response cache */
    AM_C_DUP_PENDING,   /* duplicates of a request still being handled: dropped */
    AM_C_STALE,         /* requests older than the cache: dropped */
    AM_C_OUT_OF_ORDER,  /* requests accepted ahead of an earlier one still missing */
    AM_C_BEYOND_WINDOW, /* requests a window or more ahead of the earliest missing: dropped */
    AM_C_EPOCH_RESETS,  /* a peer started a new epoch */
    AM_C_HANDLER_RUNS,  /* handler invocations (requests and replies) */
    AM_C_NO_HANDLER,    /* requests for an unregistered handler: NACK */
    AM_C_FAULTS,        /* handlers overrun or removed as faulty: NACK */
    AM_C_BUSY,          /* asynchronous invocations that could not be queued: NACK */
    AM_C_BOUNDS,        /* bulk chunks outside their segment, or no such segment: NACK */
    AM_C_STORED_BYTES,  /* bytes stored into segments */
    AM_C_READ_BYTES,    /* bytes read out of segments for GETs */
    AM_C_REPLIES,       /* REPLY sent */
    AM_C_ACKS,          /* ACK sent */
    AM_C_NACKS,         /* NACK sent */
    AM_C_REPLY_REFUSED, /* am_reply outside a request handler, or twice */
    AM_C_TX,            /* messages handed to the transport */
    AM_C_TX_BYTES,
    AM_C_TX_ERRORS,      /* the transport refused one */
    AM_C_TX_NOMEM,       /* no buffer for a message */
    AM_C_RETRANSMITS,    /* requests sent again after a timeout */
    AM_C_UNREACHABLE,    /* peers declared unreachable after the retries */
    AM_C_RESP_UNMATCHED, /* responses to no outstanding request (late, or another epoch) */
    AM_C_XFER_DONE,      /* transfers completed */
    AM_C_XFER_FAILED,    /* transfers failed (NACK, unreachable, cancelled) */
    AM_C_QUEUE_FULL,     /* transfers refused: AM_MAX_XFERS in progress */
    AM_NCTR
};
/** Names of enum am_ctr, NULL-terminated (an extension's counter list). */
extern const char *const am_ctr_names[AM_NCTR + 1];

/** How an endpoint is made. Zero fields take the defaults. */
struct am_config {
    const char *name;       /* "udp:9000", "aal5:0/40": am_ep_find(); copied */
    unsigned window;        /* 1..AM_WINDOW_MAX (0: AM_WINDOW_DEFAULT) */
    uint64_t rto_ns;        /* first retransmission timeout (0: AM_RTO_DEFAULT_NS) */
    unsigned retries;       /* attempts before a peer is unreachable (0: AM_RETRIES_DEFAULT) */
    unsigned chunk;         /* bulk bytes per message, 1..AM_CHUNK_MAX (0: by transport) */
    uint32_t segment_bytes; /* bytes of segment 0 (0: none; AM_SEGMENT_DEFAULT typical) */
    uint32_t epoch_seed;    /* mixed into epochs, so a restarted requester differs */
    struct khandler_props builtin; /* how AM_H_ECHO and AM_H_SUM run (mode, budget) */
    uint64_t *ctr;                 /* AM_NCTR counters, caller storage (NULL: the endpoint's own) */
};

struct am_ep;
struct am_reg;
struct am_peer;
struct kcapset;

/**
 * A message delivered to a handler (the argument of am.MessageArrived).
 * Read-only for handlers; valid while the handler runs.
 */
struct am_msg {
    struct am_ep *ep;
    struct am_addr from;
    uint8_t type; /* AM_REQUEST, AM_STORE (its last chunk) or AM_REPLY */
    uint8_t handler;
    uint8_t nargs;
    uint32_t args[AM_MAX_ARGS];
    uint8_t segment;      /* AM_STORE: the segment written */
    uint32_t base, total; /* AM_STORE: the transfer's bytes in it */
    const uint8_t *data;  /* AM_STORE: segment bytes [base, base + total) */
    /* private (apps/am) */
    struct am_reg *reg;
    struct am_peer *peer;
    uint32_t epoch, seq;
    uint16_t refs;
    bool in_handler, replied, completed, abandoned;
};

/**
 * am_MessageArrived - a request or reply for a registered handler. Raised
 * by the endpoint; handlers are installed only by am_register() (guard: the
 * registration). Its argument is retained for asynchronous handlers.
 */
KEVENT_DECLARE(am_MessageArrived, struct am_msg *);

/** A handler: @m is valid until it returns. */
typedef void (*am_handler_fn)(void *ctx, struct am_msg *m);

/** The outcome of a transfer, handed to its done callback. */
struct am_result {
    int status;        /* 0, or -KE_*: see am_request() */
    uint8_t am_status; /* the NACK's enum am_status, else 0 */
    uint8_t type;      /* the last response: AM_REPLY, AM_ACK, AM_NACK, AM_GET_REPLY; 0 none */
    uint8_t handler;   /* REPLY: the handler it names at the requester */
    uint8_t nargs;     /* REPLY: its arguments */
    uint32_t args[AM_MAX_ARGS];
    uint32_t bytes;       /* bulk bytes acknowledged */
    uint32_t retransmits; /* messages of the transfer sent again */
    uint64_t start_ns;    /* kclock time its first message left */
    uint64_t end_ns;      /* kclock time it completed */
};
/** A transfer's completion; runs once, from the main loop. */
typedef void (*am_done_fn)(void *ctx, const struct am_result *r);

/* ------------------------------------------------------------ endpoints */

/**
 * am_ep_create - an endpoint with @cfg over @t (copied). Creates segment 0
 * (cfg->segment_bytes zeroed bytes), registers AM_H_ECHO and AM_H_SUM with
 * cfg->builtin, and the module's buffer pool for messages larger than a
 * default block ("am-big", shared by all endpoints). Returns the endpoint
 * or NULL with *@err (may be NULL): -KE_INVAL (window, chunk out of range,
 * no name), -KE_EXIST (name taken), -KE_NOMEM, or kevent_install's codes.
 */
struct am_ep *am_ep_create(const struct am_config *cfg, const struct am_transport *t, int *err);

/**
 * am_ep_destroy - remove @ep: its handlers (queued asynchronous runs are
 * cancelled), its transfers (done callbacks run with -KE_NOENT), peers,
 * segment 0 and timer. NULL is ignored.
 */
void am_ep_destroy(struct am_ep *ep);

/**
 * am_ep_input - one message of @len bytes at @msg from @from, as the
 * transport received it (only read, not kept). Returns 0 when it was
 * well-formed (whatever became of it), or -KE_INVAL (malformed: counted by
 * reason and dropped).
 */
int am_ep_input(struct am_ep *ep, const struct am_addr *from, const uint8_t *msg, size_t len);

/**
 * am_ep_find - the endpoint named @name ("udp:9000"), or for "udp" or
 * "aal5" the first endpoint of that transport, or for NULL or "" the first
 * endpoint; NULL when none.
 */
struct am_ep *am_ep_find(const char *name);
/** am_ep_foreach - call @cb for every endpoint, oldest first. */
void am_ep_foreach(void (*cb)(struct am_ep *ep, void *ctx), void *ctx);
/** am_ep_name - the endpoint's name. */
const char *am_ep_name(const struct am_ep *ep);
/** am_ep_kind - its transport, enum am_kind. */
uint8_t am_ep_kind(const struct am_ep *ep);
/** am_ep_counters - its AM_NCTR counters. */
const uint64_t *am_ep_counters(const struct am_ep *ep);
/** am_ep_peers - peers it keeps state for. */
unsigned am_ep_peers(const struct am_ep *ep);
/** am_ep_outstanding - requests in flight and transfers queued or in flight. */
void am_ep_outstanding(const struct am_ep *ep, unsigned *requests, unsigned *xfers);

/* ------------------------------------------------------------ segments */

/**
 * am_segment_register - let peers store into and get from @len bytes at
 * @base (1..AM_BULK_MAX... any length up to 2^32 - 1) as segment @id
 * (1..AM_MAX_SEGMENTS-1; 0 is the endpoint's own). The memory stays the
 * caller's and must outlive the registration. Returns 0, -KE_RANGE (id),
 * -KE_INVAL (NULL base or 0 length), -KE_EXIST (id taken).
 */
int am_segment_register(struct am_ep *ep, uint8_t id, void *base, uint32_t len);
/** am_segment_unregister - withdraw segment @id (1..3); -KE_NOENT when not registered. */
int am_segment_unregister(struct am_ep *ep, uint8_t id);
/** am_segment - segment @id's memory and length in *@len, or NULL when none. */
uint8_t *am_segment(struct am_ep *ep, uint8_t id, uint32_t *len);

/* ------------------------------------------------------------ handlers */

/**
 * am_register - run @fn(@ctx, msg) for requests and replies naming @index
 * on @ep, with handler properties @props (NULL: synchronous; mode
 * KH_ASYNC, budget_ns for bounded). @caps must hold a capability "am" with
 * KCAP_IMPORT covering @index (the scope of the "am" domain is handler
 * indices: am_ext.c publishes 0..255); NULL @caps is for the endpoint's
 * own code and trusted tools only. Returns 0 and the registration in
 * *@out, or -KE_PERM (not granted), -KE_EXIST (index taken), -KE_NOMEM,
 * kevent_install's codes.
 */
int am_register(struct am_ep *ep, const struct kcapset *caps, uint8_t index, am_handler_fn fn,
                void *ctx, const struct khandler_props *props, struct am_reg **out);
/**
 * am_unregister - remove @r (queued asynchronous runs are cancelled) and
 * free it. NULL is ignored. When @r's endpoint was destroyed first, its
 * handler was removed then and @r stays allocated until this call.
 */
void am_unregister(struct am_reg *r);
/** am_reg_faulty - true when @r's handler no longer runs: removed by the dispatcher (a bounded overrun), or its endpoint is gone. */
bool am_reg_faulty(const struct am_reg *r);

/**
 * am_reply - answer request @m with a REPLY naming @handler at the
 * requester (0: none) and @nargs (0..4) arguments. Only from within the
 * request's own handler, once: -KE_PERM otherwise (a reply handler, after
 * return, a second reply; counted reply_refused), -KE_INVAL (@nargs). The
 * reply is cached for duplicates of the request. Returns 0 or the
 * transport's error (the requester then asks again and gets the cache).
 */
int am_reply(struct am_msg *m, uint8_t handler, const uint32_t *args, unsigned nargs);

/* ------------------------------------------------------------ requests */

/**
 * am_request - send handler @handler @nargs (0..4) arguments at @args to
 * @to; @done(@ctx, result) runs when the REPLY, ACK or NACK arrives, or
 * the peer is unreachable. Returns 0, -KE_INVAL (nargs, wrong kind of
 * address), -KE_AGAIN (AM_MAX_XFERS in progress), -KE_NOMEM (no peer
 * slot). Result status: 0 (REPLY or ACK), -KE_NOENT (no such handler at
 * the peer, or the endpoint was destroyed), -KE_IO (its handler faulted),
 * -KE_AGAIN (busy), -KE_UNREACH (no answer after the retries).
 */
int am_request(struct am_ep *ep, const struct am_addr *to, uint8_t handler, const uint32_t *args,
               unsigned nargs, am_done_fn done, void *ctx);

/**
 * am_store - copy @len bytes at @data (1..AM_BULK_MAX; read until @done
 * runs, so it must stay valid) into the peer's segment @segment at
 * @offset, then run its handler @handler (0: none) with @args. Results as
 * am_request, plus -KE_RANGE (outside the peer's segment) and -KE_NOENT (no
 * such segment).
 */
int am_store(struct am_ep *ep, const struct am_addr *to, uint8_t handler, uint8_t segment,
             uint32_t offset, const void *data, uint32_t len, const uint32_t *args, unsigned nargs,
             am_done_fn done, void *ctx);

/**
 * am_get - copy @len bytes (1..AM_BULK_MAX) of the peer's segment @segment
 * at @offset into @dst (written as chunks arrive; valid until @done).
 * Results as am_store.
 */
int am_get(struct am_ep *ep, const struct am_addr *to, uint8_t segment, uint32_t offset, void *dst,
           uint32_t len, am_done_fn done, void *ctx);

/** am_cancel - drop every transfer of @ep whose done context is @ctx; its callback does not run. */
void am_cancel(struct am_ep *ep, void *ctx);

/* ------------------------------------------------------------ the "am" domain */

/*
 * The "am" interface other extensions reach through the name service
 * (kernel/nameservice.h, kernel/domain.h): an extension with grant=am:LO-HI
 * links an import "am" and calls these entry points by name. Their types:
 */
typedef struct am_ep *(*am_find_fn)(const char *name);
typedef int (*am_register_fn)(struct am_ep *ep, const struct kcapset *caps, uint8_t index,
                              am_handler_fn fn, void *ctx, const struct khandler_props *props,
                              struct am_reg **out);
typedef void (*am_unregister_fn)(struct am_reg *r);
typedef int (*am_reply_fn)(struct am_msg *m, uint8_t handler, const uint32_t *args, unsigned nargs);
typedef int (*am_request_fn)(struct am_ep *ep, const struct am_addr *to, uint8_t handler,
                             const uint32_t *args, unsigned nargs, am_done_fn done, void *ctx);
typedef int (*am_store_fn)(struct am_ep *ep, const struct am_addr *to, uint8_t handler,
                           uint8_t segment, uint32_t offset, const void *data, uint32_t len,
                           const uint32_t *args, unsigned nargs, am_done_fn done, void *ctx);
typedef int (*am_get_fn)(struct am_ep *ep, const struct am_addr *to, uint8_t segment,
                         uint32_t offset, void *dst, uint32_t len, am_done_fn done, void *ctx);
typedef void (*am_cancel_fn)(struct am_ep *ep, void *ctx);
typedef int (*am_segment_register_fn)(struct am_ep *ep, uint8_t id, void *base, uint32_t len);
typedef int (*am_segment_unregister_fn)(struct am_ep *ep, uint8_t id);

#endif
