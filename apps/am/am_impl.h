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
    struct am_xfer *next;    /* the peer's send queue, or the endpoint's free list */
    struct am_peer *peer;
    uint8_t type;            /* AM_REQUEST, AM_STORE, AM_GET */
    uint8_t handler, nargs, segment;
    uint32_t args[AM_MAX_ARGS];
    uint32_t base;           /* at the peer */
    const uint8_t *src;      /* AM_STORE: caller's bytes */
    uint8_t *dst;            /* AM_GET: caller's buffer */
    uint32_t total;          /* bulk bytes (0 for a request) */
    uint32_t next_pos;       /* the next chunk to send */
    bool all_sent;           /* every chunk has been sent once */
    bool queued;             /* on the peer's send queue */
    uint16_t inflight;       /* its chunks awaiting a response */
    am_done_fn done;
    void *ctx;
    struct am_result res;
};

/* One outstanding request (a chunk of a transfer), slot seq % AM_WINDOW_MAX. */
struct am_slot {
    struct am_xfer *x;       /* NULL: free */
    uint32_t seq;
    uint32_t pos;            /* bulk: chunk position in the transfer */
    uint16_t len;            /* bulk: chunk bytes */
    uint8_t tries;           /* times sent */
    uint64_t deadline_ns;    /* when to send it again */
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
    uint8_t state;           /* AM_RESP_* */
    struct am_hdr h;         /* DONE: the response (GET_REPLY re-reads the segment); DEFERRED: the request */
};

/* What an endpoint knows of one peer. */
struct am_peer {
    struct am_addr addr;
    uint64_t last_ns;        /* last traffic: eviction picks the oldest idle peer */
    /* requester */
    uint32_t tx_epoch;
    uint32_t next_seq;       /* of the next request */
    uint32_t una;            /* oldest unanswered seq (== next_seq when none) */
    unsigned inflight;
    struct am_slot slot[AM_WINDOW_MAX];
    struct am_xfer *q_head, *q_tail; /* transfers with chunks not yet sent */
    unsigned nxfers;         /* transfers to this peer not yet done */
    /* responder */
    bool rx_valid;
    uint32_t rx_epoch;
    uint32_t expected;       /* lowest seq not yet arrived: all before it have */
    struct am_resp resp[AM_WINDOW_MAX];
    unsigned busy;           /* messages of this peer held by queued handlers */
};

/* A handler registration. */
struct am_reg {
    struct am_ep *ep;
    uint8_t index;
    bool async;
    am_handler_fn fn;
    void *ctx;
    struct khandler *h;      /* on am_MessageArrived */
};

struct am_segment {
    uint8_t *base;
    uint32_t len;
};

struct am_ep {
    struct am_ep *next;      /* all endpoints */
    char name[32];
    struct am_transport t;
    unsigned window;
    uint64_t rto_ns;
    unsigned retries;
    unsigned chunk;
    uint32_t epoch_seed;
    uint32_t epochs;         /* epochs made: mixed into the next */
    uint64_t own_ctr[AM_NCTR];
    uint64_t *ctr;
    struct am_peer *peer[AM_MAX_PEERS];
    struct am_segment seg[AM_MAX_SEGMENTS];
    uint8_t *own_segment;    /* segment 0's memory */
    struct am_reg *reg[AM_NHANDLERS];
    struct am_reg *builtin[2];
    unsigned nxfers;
    struct ktimer timer;     /* retransmission */
    bool timer_armed;
    uint64_t timer_at;
    bool dying;
};

/* am_ep.c */
struct am_peer *am_peer_get(struct am_ep *ep, const struct am_addr *a, bool create);
uint32_t am_new_epoch(struct am_ep *ep);
struct pktbuf *am_msg_alloc(size_t len);
int am_send_hdr(struct am_ep *ep, const struct am_addr *to, const struct am_hdr *h,
                const uint8_t *data);
void am_arm_timer(struct am_ep *ep, uint64_t deadline_ns);

/* am_tx.c */
void am_tx_response(struct am_ep *ep, struct am_peer *p, const struct am_hdr *h);
void am_tx_timer(struct am_ep *ep, uint64_t now);
void am_tx_peer_fail(struct am_ep *ep, struct am_peer *p, int status);
bool am_tx_idle(const struct am_peer *p);

/* am_rx.c */
void am_rx_request(struct am_ep *ep, struct am_peer *p, const struct am_hdr *h);
void am_rx_complete(struct am_msg *m, const struct am_hdr *resp);

/* am_dispatch.c */
void am_dispatch(struct am_ep *ep, struct am_peer *p, const struct am_hdr *h, uint8_t type,
                 struct am_resp *slot_for_request);
int am_builtin_register(struct am_ep *ep, const struct khandler_props *props);
void am_unregister_all(struct am_ep *ep);

#endif
