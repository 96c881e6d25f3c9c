/*
 * apps/am/am_rx.c — the responder side of an endpoint (am.h): requests
 * accepted once each within the peer's epoch (selective repeat), duplicates
 * answered from the response cache, bulk chunks stored into or read out of
 * segments, a store's handler run once all its chunks are in, exactly one
 * response per request.
 */
#include "apps/am/am_impl.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

static struct am_resp *resp_of(struct am_peer *p, uint32_t seq)
{
    return &p->resp[seq % AM_WINDOW_MAX];
}

/*
 * send_resp - send the response @r (epoch and seq set) to @p. A GET_REPLY
 * reads its data from the segment now (also when a duplicate asks again);
 * should the segment have gone meanwhile, a NACK no-segment goes instead.
 */
static int send_resp(struct am_ep *ep, struct am_peer *p, const struct am_hdr *r)
{
    const uint8_t *data = NULL;
    struct am_hdr nack;
    if (r->type == AM_GET_REPLY) {
        uint32_t len = 0;
        const uint8_t *seg = am_segment(ep, r->segment, &len);
        if (seg == NULL || r->total > len || r->base > len - r->total) {
            nack = (struct am_hdr){
                .type = AM_NACK, .status = AM_S_NO_SEGMENT, .epoch = r->epoch, .seq = r->seq
            };
            r = &nack;
        } else {
            data = seg + r->base + r->pos;
        }
    }
    return am_send_hdr(ep, &p->addr, r, data);
}

/*
 * answer - complete the request (@epoch, @seq) of @p with response @r:
 * counted, cached when the request is still the peer's (same epoch, slot
 * pending), sent. Returns the send's result.
 */
static int answer(struct am_ep *ep, struct am_peer *p, uint32_t epoch, uint32_t seq,
                  const struct am_hdr *r)
{
    struct am_hdr h = *r;
    h.epoch = epoch;
    h.seq = seq;
    h.data = NULL;
    switch (h.type) {
    case AM_REPLY: ep->ctr[AM_C_REPLIES]++; break;
    case AM_NACK: ep->ctr[AM_C_NACKS]++; break;
    case AM_ACK: ep->ctr[AM_C_ACKS]++; break;
    default: break;
    }
    struct am_resp *c = resp_of(p, seq);
    if (p->rx_valid && p->rx_epoch == epoch && c->seq == seq && c->state == AM_RESP_PENDING) {
        c->h = h;
        c->state = AM_RESP_DONE;
    }
    return send_resp(ep, p, &h);
}

void am_rx_complete(struct am_msg *m, const struct am_hdr *resp)
{
    m->completed = true;
    answer(m->ep, m->peer, m->epoch, m->seq, resp);
}

int am_reply(struct am_msg *m, uint8_t handler, const uint32_t *args, unsigned nargs)
{
    if (nargs > AM_MAX_ARGS || (nargs > 0 && args == NULL))
        return -KE_INVAL;
    if (!am_type_is_request(m->type) || !m->in_handler || m->replied || m->completed) {
        m->ep->ctr[AM_C_REPLY_REFUSED]++;
        return -KE_PERM;
    }
    m->replied = true;
    m->completed = true;
    struct am_hdr r = { .type = AM_REPLY, .handler = handler, .nargs = (uint8_t)nargs };
    if (nargs > 0)
        memcpy(r.args, args, nargs * sizeof *args);
    return answer(m->ep, m->peer, m->epoch, m->seq, &r);
}

/* nack - refuse request @h with @status. */
static void nack(struct am_ep *ep, struct am_peer *p, const struct am_hdr *h, uint8_t status)
{
    struct am_hdr r = { .type = AM_NACK, .status = status };
    answer(ep, p, h->epoch, h->seq, &r);
}

/* bulk_segment - the segment a bulk request @h names, bounds checked; NACKs and returns NULL. */
static uint8_t *bulk_segment(struct am_ep *ep, struct am_peer *p, const struct am_hdr *h)
{
    uint32_t len = 0;
    uint8_t *seg = am_segment(ep, h->segment, &len);
    if (seg == NULL) {
        ep->ctr[AM_C_BOUNDS]++;
        nack(ep, p, h, AM_S_NO_SEGMENT);
        return NULL;
    }
    if (h->total > len || h->base > len - h->total) {
        ep->ctr[AM_C_BOUNDS]++;
        nack(ep, p, h, AM_S_BOUNDS);
        return NULL;
    }
    return seg;
}

/*
 * rx_store - an accepted STORE chunk: copy it, then ACK it, or for the
 * last chunk with a handler run the handler, once every earlier request of
 * the peer (so every chunk of the transfer) has arrived: at once when it
 * is the expected one, else it waits in its cache slot (AM_RESP_DEFERRED).
 */
static void rx_store(struct am_ep *ep, struct am_peer *p, const struct am_hdr *h, struct am_resp *c)
{
    uint8_t *seg = bulk_segment(ep, p, h);
    if (seg == NULL)
        return;
    memcpy(seg + h->base + h->pos, h->data, h->length);
    ep->ctr[AM_C_STORED_BYTES] += h->length;
    if (!(h->flags & AM_F_LAST) || h->handler == AM_H_NONE) {
        struct am_hdr r = { .type = AM_ACK };
        answer(ep, p, h->epoch, h->seq, &r);
        return;
    }
    if (h->seq != p->expected) {
        c->h = *h;
        c->h.data = NULL;
        c->state = AM_RESP_DEFERRED;
        return;
    }
    am_dispatch(ep, p, h, AM_STORE, c);
}

/* rx_get - an accepted GET chunk: its data back. */
static void rx_get(struct am_ep *ep, struct am_peer *p, const struct am_hdr *h)
{
    if (bulk_segment(ep, p, h) == NULL)
        return;
    ep->ctr[AM_C_READ_BYTES] += h->length;
    struct am_hdr r = {
        .type = AM_GET_REPLY,
        .flags = h->flags,
        .segment = h->segment,
        .length = h->length,
        .base = h->base,
        .pos = h->pos,
        .total = h->total,
    };
    answer(ep, p, h->epoch, h->seq, &r);
}

/*
 * advance - move @p's expected sequence number past every request that has
 * arrived, running the store handlers that were waiting for it.
 */
static void advance(struct am_ep *ep, struct am_peer *p)
{
    uint32_t epoch = p->rx_epoch;
    for (;;) {
        struct am_resp *c = resp_of(p, p->expected);
        if (c->seq != p->expected || c->state == AM_RESP_EMPTY)
            return;
        p->expected++;
        if (c->state == AM_RESP_DEFERRED) {
            struct am_hdr h = c->h;
            c->state = AM_RESP_PENDING;
            am_dispatch(ep, p, &h, AM_STORE, c);
            if (!p->rx_valid || p->rx_epoch != epoch)
                return; /* a handler's traffic started a new epoch meanwhile */
        }
    }
}

void am_rx_request(struct am_ep *ep, struct am_peer *p, const struct am_hdr *h)
{
    if (!p->rx_valid || p->rx_epoch != h->epoch) {
        if (p->rx_valid)
            ep->ctr[AM_C_EPOCH_RESETS]++;
        p->rx_valid = true;
        p->rx_epoch = h->epoch;
        p->expected = 1;
        memset(p->resp, 0, sizeof p->resp);
    }
    int32_t d = (int32_t)(h->seq - p->expected);
    struct am_resp *c = resp_of(p, h->seq);
    if (d >= (int32_t)AM_WINDOW_MAX) {
        ep->ctr[AM_C_BEYOND_WINDOW]++;
        return;
    }
    if (c->seq == h->seq && c->state != AM_RESP_EMPTY) {
        if (c->state == AM_RESP_DONE) {
            ep->ctr[AM_C_DUP_ANSWERED]++;
            send_resp(ep, p, &c->h);
        } else {
            ep->ctr[AM_C_DUP_PENDING]++;
        }
        return;
    }
    if (d < 0) {
        ep->ctr[AM_C_STALE]++;
        return;
    }
    if (d > 0)
        ep->ctr[AM_C_OUT_OF_ORDER]++;
    ep->ctr[AM_C_ACCEPTED]++;
    c->seq = h->seq;
    c->state = AM_RESP_PENDING;
    switch (h->type) {
    case AM_REQUEST: am_dispatch(ep, p, h, AM_REQUEST, c); break;
    case AM_STORE: rx_store(ep, p, h, c); break;
    default: rx_get(ep, p, h); break;
    }
    if (p->rx_valid && p->rx_epoch == h->epoch)
        advance(ep, p);
}
