/*
 * apps/am/am_impl.h — the engine's private state, shared by its files:
 * am_ep.c (endpoints, peers, segments, buffers), am_tx.c (the requester:
 * transfers, window, retransmission), am_rx.c (the responder: order,
 * duplicates, the response cache, bulk), am_dispatch.c (handlers).
 */
#ifndef SPINDLE_APPS_AM_IMPL_H
#define SPINDLE_APPS_AM_IMPL_H

#include "apps/am/am.h"
#include "kernel/timer.h"

/* A transfer in progress at the requester (one request, or a store or get). */
struct am_xfer {
    struct am_xfer *next; /* the peer's send queue, or the endpoint's free list */
    struct am_peer *peer;
    uint8_t type; /* AM_REQUEST, AM_STORE, AM_GET */
    uint8_t handler, nargs, segment;
    uint32_t args[AM_MAX_ARGS];
    uint32_t base;      /* at the peer */
    const uint8_t *src; /* AM_STORE: caller's bytes */
    uint8_t *dst;       /* AM_GET: caller's buffer */
    uint32_t total;     /* bulk bytes (0 for a request) */
    uint32_t next_pos;  /* the next chunk to send */
    bool all_sent;      /* every chunk has been sent once */
    bool queued;        /* on the peer's send queue */
    uint16_t inflight;  /* its chunks awaiting a response */
    am_done_fn done;
    void *ctx;
    struct am_result res;
};

/* One outstanding request (a chunk of a transfer), slot seq % AM_WINDOW_MAX. */
struct am_slot {
    struct am_xfer *x; /* NULL: free */
    uint32_t seq;
    uint32_t pos;         /* bulk: chunk position in the transfer */
    uint16_t len;         /* bulk: chunk bytes */
    uint8_t tries;        /* times sent */
    uint64_t deadline_ns; /* when to send it again */
};

/* Response cache entry, slot seq % AM_WINDOW_MAX. */
enum {
    AM_RESP_EMPTY = 0,    /* no request with this seq seen */
    AM_RESP_PENDING = 1,  /* its handler has not answered yet */
    AM_RESP_DEFERRED = 2, /* a store's last chunk, waiting for earlier requests (h = the request) */
    AM_RESP_DONE = 3      /* answered: h is the response */
};
struct am_resp {
    uint32_t seq;
    uint8_t state; /* AM_RESP_* */
    struct am_hdr
        h; /* DONE: the response (GET_REPLY re-reads the segment); DEFERRED: the request */
};

/* What an endpoint knows of one peer. */
struct am_peer {
    struct am_addr addr;
    uint64_t last_ns; /* last traffic: eviction picks the oldest idle peer */
    /* requester */
    uint32_t tx_epoch;
    uint32_t next_seq; /* of the next request */
    uint32_t una;      /* oldest unanswered seq (== next_seq when none) */
    unsigned inflight;
    struct am_slot slot[AM_WINDOW_MAX];
    struct am_xfer *q_head, *q_tail; /* transfers with chunks not yet sent */
    unsigned nxfers;                 /* transfers to this peer not yet done */
    /* responder */
    bool rx_valid;
    uint32_t rx_epoch;
    uint32_t expected; /* lowest seq not yet arrived: all before it have */
    struct am_resp resp[AM_WINDOW_MAX];
    unsigned busy; /* messages of this peer held by queued handlers */
};

/* A handler registration. */
struct am_reg {
    struct am_ep *ep;
    uint8_t index;
    bool async;
    am_handler_fn fn;
    void *ctx;
    struct khandler *h; /* on am_MessageArrived */
};

struct am_segment {
    uint8_t *base;
    uint32_t len;
};

struct am_ep {
    struct am_ep *next; /* all endpoints */
    char name[32];
    struct am_transport t;
    unsigned window;
    uint64_t rto_ns;
    unsigned retries;
    unsigned chunk;
    uint32_t epoch_seed;
    uint32_t epochs; /* epochs made: mixed into the next */
    uint64_t own_ctr[AM_NCTR];
    uint64_t *ctr;
    struct am_peer *peer[AM_MAX_PEERS];
    struct am_segment seg[AM_MAX_SEGMENTS];
    uint8_t *own_segment; /* segment 0's memory */
    struct am_reg *reg[AM_NHANDLERS];
    struct am_reg *builtin[2];
    unsigned nxfers;
    struct ktimer timer; /* retransmission */
    bool timer_armed;
    uint64_t timer_at;
    bool dying;
};

/* am_ep.c */
/** am_peer_get - @ep's state for peer @a; with @create a new one (evicting an idle peer) or NULL when full. */
struct am_peer *am_peer_get(struct am_ep *ep, const struct am_addr *a, bool create);
/** am_new_epoch - a fresh non-zero epoch for a requester of @ep. */
uint32_t am_new_epoch(struct am_ep *ep);
/** am_msg_alloc - an empty buffer with PKT_HEADROOM for a message of @len bytes, or NULL. */
struct pktbuf *am_msg_alloc(size_t len);
/**
 * am_send_hdr - build message @h (data: h->length bytes at @data for STORE
 * and GET_REPLY) and hand it to @ep's transport for @to. Counted tx/tx_errors/
 * tx_nomem. Returns 0 or -KE_*.
 */
int am_send_hdr(struct am_ep *ep, const struct am_addr *to, const struct am_hdr *h,
                const uint8_t *data);
/** am_arm_timer - make @ep's retransmission timer fire no later than @deadline_ns. */
void am_arm_timer(struct am_ep *ep, uint64_t deadline_ns);

/* am_tx.c */
/** am_tx_response - a response @h from peer @p: match it to its request, complete transfers. */
void am_tx_response(struct am_ep *ep, struct am_peer *p, const struct am_hdr *h);
/** am_tx_timer - send again what is due at @now; declare peers unreachable after the retries. */
void am_tx_timer(struct am_ep *ep, uint64_t now);
/** am_tx_peer_fail - fail every transfer to @p with @status, start a new epoch. */
void am_tx_peer_fail(struct am_ep *ep, struct am_peer *p, int status);
/** am_tx_idle - @p has no request in flight and no transfer queued. */
bool am_tx_idle(const struct am_peer *p);

/* am_rx.c */
/** am_rx_request - a request @h from peer @p: accept it once, or answer a duplicate. */
void am_rx_request(struct am_ep *ep, struct am_peer *p, const struct am_hdr *h);
/** am_rx_complete - answer the request of @m with @resp (cached for duplicates, sent). */
void am_rx_complete(struct am_msg *m, const struct am_hdr *resp);

/* am_dispatch.c */
/**
 * am_dispatch - run the handler @h names for a message of @type (AM_REQUEST,
 * AM_STORE's last chunk, AM_REPLY) from @p; a request it cannot run is
 * NACKed. @slot_for_request: the request's cache slot (unused for replies).
 */
void am_dispatch(struct am_ep *ep, struct am_peer *p, const struct am_hdr *h, uint8_t type,
                 struct am_resp *slot_for_request);
/** am_builtin_register - register AM_H_ECHO and AM_H_SUM on @ep with @props. */
int am_builtin_register(struct am_ep *ep, const struct khandler_props *props);
/** am_unregister_all - remove @ep's handlers; other extensions' registrations are orphaned. */
void am_unregister_all(struct am_ep *ep);

#endif
