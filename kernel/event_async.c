/*
 * kernel/event_async.c — asynchronous handlers (kernel/event.h, KH_ASYNC):
 * an invocation whose guard held at the raise is queued as a strand
 * (kernel/strand.h) holding a reference to its argument, and runs from the
 * scheduler after the raiser continued, seeing the packet's view as it was
 * raised.
 */
#include "kernel/event.h"
#include "kernel/event_impl.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/pktbuf.h"
#include "kernel/strand.h"

/* A queued asynchronous invocation: a strand holding a reference to the argument. */
struct kasync_call {
    struct kstrand strand;
    struct khandler *h;
    void *arg;    /* retained: pkt_ref or ev->retain */
    bool running; /* its step is on the stack */
    bool swapped; /* the packet shows the raise's view (outer view saved) */
    uint16_t view_off, view_len, view_layer[2 * PKT_NLAYERS];    /* view at the raise */
    uint16_t outer_off, outer_len, outer_layer[2 * PKT_NLAYERS]; /* view while queued */
    struct kasync_call *next;                                    /* h->async_calls */
};

/* view_save - the data range and every layer's start and end (2 * PKT_NLAYERS at @layer). */
static void view_save(const struct pktbuf *p, uint16_t *off, uint16_t *len, uint16_t *layer)
{
    *off = p->data_off;
    *len = p->len;
    for (unsigned i = 0; i < PKT_NLAYERS; i++) {
        layer[i] = p->layer[i];
        layer[PKT_NLAYERS + i] = p->lend[i];
    }
}

static void view_load(struct pktbuf *p, uint16_t off, uint16_t len, const uint16_t *layer)
{
    p->data_off = off;
    p->len = len;
    for (unsigned i = 0; i < PKT_NLAYERS; i++) {
        p->layer[i] = layer[i];
        p->lend[i] = layer[PKT_NLAYERS + i];
    }
}

static void async_release(struct kevent *ev, struct kasync_call *c)
{
    if (c->swapped) {
        view_load(c->arg, c->outer_off, c->outer_len, c->outer_layer);
        c->swapped = false;
    }
    if (ev->packet)
        pkt_free(c->arg);
    else if (ev->release)
        ev->release(c->arg);
    c->arg = NULL;
}

/* async_drop - unlink @c from its handler, release its argument, free it. */
static void async_drop(struct kasync_call *c)
{
    struct khandler *h = c->h;
    for (struct kasync_call **pp = &h->async_calls; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    async_release(h->event, c);
    h->pending--;
    kfree(c);
    handler_maybe_free(h);
}

/* async_cancel - drop every queued (not running) invocation of @h. */
void async_cancel(struct khandler *h)
{
    struct kasync_call *c = h->async_calls, *next;
    for (; c; c = next) {
        next = c->next;
        if (!c->running && kstrand_cancel(&c->strand) == 0)
            async_drop(c);
    }
}

static int async_step(struct kstrand *s, void *ctx)
{
    (void)s;
    struct kasync_call *c = ctx;
    struct khandler *h = c->h;
    struct kevent *ev = h->event;
    c->running = true;
    if (!h->removed && !h->faulty) {
        if (ev->packet) {
            view_save(c->arg, &c->outer_off, &c->outer_len, c->outer_layer);
            view_load(c->arg, c->view_off, c->view_len, c->view_layer);
            c->swapped = true;
        }
        dctr[DC_ASYNC_RUN]++;
        (void)run_one(ev, h, c->arg); /* not folded into any raise's result */
    }
    return KSTRAND_EXIT;
}

static void async_exit(struct kstrand *s, void *ctx)
{
    (void)s;
    async_drop(ctx);
}

/* async_queue - queue one invocation of @h on @arg. Returns 0 or -KE_NOMEM. */
int async_queue(struct kevent *ev, struct khandler *h, void *arg)
{
    struct kasync_call *c = kmalloc(sizeof *c);
    void *held = NULL;
    if (c)
        held = ev->packet ? (void *)pkt_ref(arg) : ev->retain ? ev->retain(arg) : NULL;
    if (!held) {
        kfree(c);
        h->async_lost++;
        dctr[DC_ASYNC_LOST]++;
        return -KE_NOMEM;
    }
    c->h = h;
    c->arg = held;
    if (ev->packet)
        view_save(held, &c->view_off, &c->view_len, c->view_layer);
    c->next = h->async_calls;
    h->async_calls = c;
    h->pending++;
    kstrand_init(&c->strand, h->name[0] ? h->name : ev->name, async_step, c, async_exit);
    kstrand_start(&c->strand);
    h->async_queued++;
    dctr[DC_ASYNC_QUEUED]++;
    return 0;
}
