/*
 * apps/am/am_tx.c — the requester side of an endpoint (am.h): transfers
 * cut into requests, the sliding window per peer, retransmission after a
 * timeout with doubling back-off, matching responses, completion.
 *
 * Re-entrancy: sending may (with an in-memory transport) deliver a response
 * at once, and a done callback may start new transfers. So state is brought
 * up to date before every send and before every callback, and nothing read
 * before a send or a callback is trusted after it.
 */
#include "apps/am/am_impl.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

static struct am_slot *slot_of(struct am_peer *p, uint32_t seq)
{
    return &p->slot[seq % AM_WINDOW_MAX];
}

bool am_tx_idle(const struct am_peer *p)
{
    return p->inflight == 0 && p->nxfers == 0;
}

/* backoff - the timeout after @tries sends: rto doubled per send after the first, capped. */
static uint64_t backoff(const struct am_ep *ep, unsigned tries)
{
    uint64_t t = ep->rto_ns;
    for (unsigned i = 1; i < tries && t < AM_RTO_MAX_NS; i++)
        t *= 2;
    return t < AM_RTO_MAX_NS ? t : AM_RTO_MAX_NS;
}

/* dequeue - take @x off its peer's send queue. */
static void dequeue(struct am_peer *p, struct am_xfer *x)
{
    struct am_xfer **pp = &p->q_head;
    struct am_xfer *prev = NULL;
    while (*pp != NULL && *pp != x) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (*pp == NULL)
        return;
    *pp = x->next;
    if (p->q_tail == x)
        p->q_tail = prev;
    x->next = NULL;
    x->queued = false;
}

/* advance_una - move the window's start past answered requests. */
static void advance_una(struct am_peer *p)
{
    while (p->una != p->next_seq) {
        struct am_slot *s = slot_of(p, p->una);
        if (s->x != NULL && s->seq == p->una)
            break;
        p->una++;
    }
}

/*
 * send_slot - (re)send the request of slot @s. Its tries and deadline are
 * set and the timer armed before the transport is called.
 */
static void send_slot(struct am_ep *ep, struct am_peer *p, struct am_slot *s)
{
    struct am_xfer *x = s->x;
    uint64_t now = kclock_now_ns();
    struct am_hdr h = { .type = x->type, .epoch = p->tx_epoch, .seq = s->seq };
    bool last = x->type == AM_REQUEST || s->pos + s->len == x->total;
    if (last && x->type != AM_GET) {
        h.handler = x->handler;
        h.nargs = x->nargs;
        memcpy(h.args, x->args, sizeof h.args);
    }
    const uint8_t *data = NULL;
    if (x->type != AM_REQUEST) {
        h.flags = last ? AM_F_LAST : 0;
        h.segment = x->segment;
        h.length = s->len;
        h.base = x->base;
        h.pos = s->pos;
        h.total = x->total;
        if (x->type == AM_STORE)
            data = x->src + s->pos;
    }
    s->tries++;
    if (s->tries > 1) {
        ep->ctr[AM_C_RETRANSMITS]++;
        x->res.retransmits++;
    }
    s->deadline_ns = now + backoff(ep, s->tries);
    am_arm_timer(ep, s->deadline_ns);
    am_send_hdr(ep, &p->addr, &h, data); /* a failed send is a loss: the timer retries */
}

/* pump - send queued chunks while the window allows. */
static void pump(struct am_ep *ep, struct am_peer *p)
{
    while (p->q_head != NULL && p->inflight < ep->window && p->next_seq - p->una < ep->window) {
        struct am_xfer *x = p->q_head;
        struct am_slot *s = slot_of(p, p->next_seq);
        s->x = x;
        s->seq = p->next_seq++;
        s->tries = 0;
        if (x->type == AM_REQUEST) {
            s->pos = 0;
            s->len = 0;
            x->all_sent = true;
        } else {
            uint32_t left = x->total - x->next_pos;
            s->pos = x->next_pos;
            s->len = (uint16_t)(left < ep->chunk ? left : ep->chunk);
            x->next_pos += s->len;
            x->all_sent = x->next_pos == x->total;
        }
        if (x->all_sent)
            dequeue(p, x);
        x->inflight++;
        p->inflight++;
        if (x->res.start_ns == 0)
            x->res.start_ns = kclock_now_ns();
        send_slot(ep, p, s);
    }
}

/* finish - @x is complete: unlink and free it, then run its callback. */
static void finish(struct am_ep *ep, struct am_xfer *x)
{
    struct am_peer *p = x->peer;
    if (x->queued)
        dequeue(p, x);
    ep->nxfers--;
    p->nxfers--;
    struct am_result res = x->res;
    res.end_ns = kclock_now_ns();
    ep->ctr[res.status == 0 ? AM_C_XFER_DONE : AM_C_XFER_FAILED]++;
    am_done_fn done = x->done;
    void *ctx = x->ctx;
    kfree(x);
    if (done != NULL)
        done(ctx, &res);
}

/* status_of - the -KE_* code of a NACK's status. */
static int status_of(uint8_t st)
{
    switch (st) {
    case AM_S_NO_HANDLER:
    case AM_S_NO_SEGMENT: return -KE_NOENT;
    case AM_S_BOUNDS: return -KE_RANGE;
    case AM_S_FAULT: return -KE_IO;
    default: return -KE_AGAIN;
    }
}

/* matches - @h is a fitting response to the request of slot @s. */
static bool matches(const struct am_slot *s, const struct am_hdr *h)
{
    const struct am_xfer *x = s->x;
    if (h->type == AM_NACK)
        return true;
    if (x->type == AM_GET)
        return h->type == AM_GET_REPLY && h->segment == x->segment && h->base == x->base &&
               h->pos == s->pos && h->length == s->len && h->total == x->total;
    return h->type == AM_REPLY || h->type == AM_ACK;
}

void am_tx_response(struct am_ep *ep, struct am_peer *p, const struct am_hdr *h)
{
    struct am_slot *s = slot_of(p, h->seq);
    if (h->epoch != p->tx_epoch || s->x == NULL || s->seq != h->seq || !matches(s, h)) {
        ep->ctr[AM_C_RESP_UNMATCHED]++;
        return;
    }
    struct am_xfer *x = s->x;
    s->x = NULL;
    p->inflight--;
    x->inflight--;
    advance_una(p);
    if (h->type == AM_NACK) {
        if (x->res.status == 0) {
            x->res.status = status_of(h->status);
            x->res.am_status = h->status;
            x->res.type = AM_NACK;
        }
        if (x->queued)
            dequeue(p, x); /* send no more of it */
        x->all_sent = true;
    } else if (x->res.status == 0) {
        /* the transfer's outcome is its last chunk's response (chunks may be answered out of order
         * when a lost response is asked for again) */
        if (x->type == AM_REQUEST || s->pos + s->len == x->total)
            x->res.type = h->type;
        x->res.bytes += s->len;
        if (h->type == AM_GET_REPLY)
            memcpy(x->dst + s->pos, h->data, h->length);
        if (h->type == AM_REPLY) {
            x->res.handler = h->handler;
            x->res.nargs = h->nargs;
            memcpy(x->res.args, h->args, sizeof x->res.args);
        }
    }
    bool done = x->all_sent && x->inflight == 0;
    if (done && h->type == AM_REPLY && h->handler != 0 && x->res.status == 0)
        am_dispatch(ep, p, h, AM_REPLY, NULL);
    if (done)
        finish(ep, x);
    pump(ep, p);
}

void am_tx_timer(struct am_ep *ep, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    for (unsigned i = 0; i < AM_MAX_PEERS; i++) {
        struct am_peer *p = ep->peer[i];
        if (p == NULL)
            continue;
        for (uint32_t seq = p->una; seq != p->next_seq; seq++) {
            struct am_slot *s = slot_of(p, seq);
            if (s->x == NULL || s->seq != seq)
                continue;
            if (s->deadline_ns <= now) {
                if (s->tries >= ep->retries) {
                    am_tx_peer_fail(ep, p, -KE_UNREACH);
                    break; /* p's requester state starts again */
                }
                send_slot(ep, p, s);
            }
            if (s->x != NULL && s->seq == seq && s->deadline_ns < next)
                next = s->deadline_ns;
        }
    }
    if (next != UINT64_MAX)
        am_arm_timer(ep, next);
}

/*
 * collect - the transfers of @p that match @ctx (all when @all), each once:
 * those with requests in flight and those queued, into @out (AM_MAX_XFERS).
 */
static unsigned collect(struct am_peer *p, bool all, void *ctx, struct am_xfer **out)
{
    unsigned n = 0;
    for (unsigned i = 0; i < AM_WINDOW_MAX; i++) {
        struct am_xfer *x = p->slot[i].x;
        if (x == NULL || (!all && x->ctx != ctx))
            continue;
        bool seen = false;
        for (unsigned j = 0; j < n && !seen; j++)
            seen = out[j] == x;
        if (!seen && n < AM_MAX_XFERS)
            out[n++] = x;
    }
    for (struct am_xfer *x = p->q_head; x != NULL; x = x->next) {
        if (!all && x->ctx != ctx)
            continue;
        bool seen = false;
        for (unsigned j = 0; j < n && !seen; j++)
            seen = out[j] == x;
        if (!seen && n < AM_MAX_XFERS)
            out[n++] = x;
    }
    return n;
}

/*
 * restart - forget every request of @p in flight and begin a new epoch, so
 * the responder (which runs requests in order) does not wait for a sequence
 * number that will never come again.
 */
static void restart(struct am_ep *ep, struct am_peer *p)
{
    for (unsigned i = 0; i < AM_WINDOW_MAX; i++) {
        if (p->slot[i].x != NULL)
            p->slot[i].x->inflight--;
        p->slot[i].x = NULL;
    }
    p->inflight = 0;
    p->tx_epoch = am_new_epoch(ep);
    p->next_seq = p->una = 1;
}

void am_tx_peer_fail(struct am_ep *ep, struct am_peer *p, int status)
{
    struct am_xfer *xs[AM_MAX_XFERS];
    unsigned n = collect(p, true, NULL, xs);
    if (status == -KE_UNREACH)
        ep->ctr[AM_C_UNREACHABLE]++;
    restart(ep, p);
    for (unsigned i = 0; i < n; i++) {
        if (xs[i]->res.status == 0)
            xs[i]->res.status = status;
        xs[i]->all_sent = true;
    }
    for (unsigned i = 0; i < n; i++)
        finish(ep, xs[i]);
}

void am_cancel(struct am_ep *ep, void *ctx)
{
    for (unsigned i = 0; i < AM_MAX_PEERS; i++) {
        struct am_peer *p = ep->peer[i];
        if (p == NULL)
            continue;
        struct am_xfer *xs[AM_MAX_XFERS];
        unsigned n = collect(p, false, ctx, xs);
        if (n == 0)
            continue;
        bool in_flight = false;
        for (unsigned j = 0; j < n; j++) {
            xs[j]->done = NULL;
            in_flight |= xs[j]->inflight > 0;
        }
        if (in_flight) {
            /* Their requests can no longer be sent again (the caller's
             * memory goes away), and the responder runs requests in order:
             * the sequence starts over in a new epoch. Transfers to this
             * peer that had sent something fail with -KE_AGAIN (their
             * requests may or may not have run); those only queued stay. */
            struct am_xfer *all[AM_MAX_XFERS];
            unsigned m = collect(p, true, NULL, all);
            restart(ep, p);
            for (unsigned j = 0; j < m; j++) {
                if (all[j]->done != NULL && all[j]->res.start_ns == 0)
                    continue;
                if (all[j]->res.status == 0)
                    all[j]->res.status = all[j]->done == NULL ? -KE_NOENT : -KE_AGAIN;
                all[j]->all_sent = true;
                finish(ep, all[j]);
            }
        } else {
            for (unsigned j = 0; j < n; j++)
                finish(ep, xs[j]);
        }
        pump(ep, p);
    }
}

/* ------------------------------------------------------------ starting transfers */

/* xfer_new - a transfer of @type to @to, queued; NULL with *@rc on refusal. */
static struct am_xfer *xfer_new(struct am_ep *ep, const struct am_addr *to, uint8_t type,
                                am_done_fn done, void *ctx, int *rc)
{
    if (ep->dying) {
        *rc = -KE_NOENT;
        return NULL;
    }
    if (to == NULL || to->kind != ep->t.kind) {
        *rc = -KE_INVAL;
        return NULL;
    }
    if (ep->nxfers >= AM_MAX_XFERS) {
        ep->ctr[AM_C_QUEUE_FULL]++;
        *rc = -KE_AGAIN;
        return NULL;
    }
    struct am_peer *p = am_peer_get(ep, to, true);
    if (p == NULL) {
        ep->ctr[AM_C_NO_PEER]++;
        *rc = -KE_NOMEM;
        return NULL;
    }
    struct am_xfer *x = kmalloc(sizeof *x);
    if (x == NULL) {
        *rc = -KE_NOMEM;
        return NULL;
    }
    x->peer = p;
    x->type = type;
    x->done = done;
    x->ctx = ctx;
    return x;
}

/* xfer_start - queue @x behind its peer's other transfers and send what the window allows. */
static int xfer_start(struct am_ep *ep, struct am_xfer *x)
{
    struct am_peer *p = x->peer;
    ep->nxfers++;
    p->nxfers++;
    p->last_ns = kclock_now_ns();
    x->queued = true;
    if (p->q_tail != NULL)
        p->q_tail->next = x;
    else
        p->q_head = x;
    p->q_tail = x;
    pump(ep, p);
    return 0;
}

int am_request(struct am_ep *ep, const struct am_addr *to, uint8_t handler, const uint32_t *args,
               unsigned nargs, am_done_fn done, void *ctx)
{
    if (nargs > AM_MAX_ARGS || (nargs > 0 && args == NULL))
        return -KE_INVAL;
    int rc;
    struct am_xfer *x = xfer_new(ep, to, AM_REQUEST, done, ctx, &rc);
    if (x == NULL)
        return rc;
    x->handler = handler;
    x->nargs = (uint8_t)nargs;
    if (nargs > 0)
        memcpy(x->args, args, nargs * sizeof *args);
    return xfer_start(ep, x);
}

/* bulk_ok - a transfer of @len bytes at @offset: 1..AM_BULK_MAX, no 32-bit overflow. */
static bool bulk_ok(uint32_t offset, uint32_t len)
{
    return len >= 1 && len <= AM_BULK_MAX && offset <= UINT32_MAX - len;
}

int am_store(struct am_ep *ep, const struct am_addr *to, uint8_t handler, uint8_t segment,
             uint32_t offset, const void *data, uint32_t len, const uint32_t *args, unsigned nargs,
             am_done_fn done, void *ctx)
{
    if (data == NULL || !bulk_ok(offset, len) || nargs > AM_MAX_ARGS || (nargs > 0 && args == NULL))
        return -KE_INVAL;
    int rc;
    struct am_xfer *x = xfer_new(ep, to, AM_STORE, done, ctx, &rc);
    if (x == NULL)
        return rc;
    x->handler = handler;
    x->nargs = (uint8_t)nargs;
    if (nargs > 0)
        memcpy(x->args, args, nargs * sizeof *args);
    x->segment = segment;
    x->base = offset;
    x->src = data;
    x->total = len;
    return xfer_start(ep, x);
}

int am_get(struct am_ep *ep, const struct am_addr *to, uint8_t segment, uint32_t offset, void *dst,
           uint32_t len, am_done_fn done, void *ctx)
{
    if (dst == NULL || !bulk_ok(offset, len))
        return -KE_INVAL;
    int rc;
    struct am_xfer *x = xfer_new(ep, to, AM_GET, done, ctx, &rc);
    if (x == NULL)
        return rc;
    x->segment = segment;
    x->base = offset;
    x->dst = dst;
    x->total = len;
    return xfer_start(ep, x);
}
