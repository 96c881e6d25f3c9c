/*
 * kernel/event.c — events, handlers and the dispatcher (kernel/event.h).
 *
 * The handler list of an event is the source of truth; a dispatch plan is
 * built from it by the current kdispatch_ops on every install and removal and
 * swapped in whole. A plan replaced while a raise of that event is in
 * progress is retired and destroyed when the outermost raise returns.
 *
 * Every raise in progress inside a bounded call is a frame (kernel/budget.h)
 * whose unwind action ends the raise, so that a bounded handler abandoned in
 * the middle of nested raises leaves every event's raise depth right. Only
 * frames pushed inside a bounded call are ever unwound (kbudget_call unwinds
 * those above its mark, and run_bounded is its only caller), so a raise
 * outside every bounded call -- the common case, every packet of a graph
 * without budgets -- is counted in raises_unframed instead of pushing a
 * frame. The nesting limit is unchanged: a raise is refused when the frames
 * in use plus the unframed raises reach KFRAME_MAX, as when every raise was
 * a frame.
 *
 * A handler's memory is freed when all of these hold: it is out of its
 * event's list (removed), no raise of its event is in progress that may still
 * reach it (not on the dead list), no asynchronous invocation of it is queued
 * or running (pending == 0), and its installer does not hold a pointer that
 * kevent_uninstall() will be called with (owned: set when installed with
 * @out, cleared by kevent_uninstall).
 */
#include "kernel/event.h"
#include "kernel/event_impl.h"
#include "kernel/budget.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/pktbuf.h"
#include "kernel/stats.h"
#include "kernel/strand.h"

static const struct kdispatch_ops *dispatcher;
static struct kevent *events;
static unsigned bounded_active;  /* bounded calls in progress (run_bounded) */
static unsigned raises_unframed; /* raises in progress outside every bounded call */

/* nesting_full - true when one more raise or bounded call would nest deeper than KFRAME_MAX. */
static inline bool nesting_full(void)
{
    return raises_unframed + kframe_depth() >= KFRAME_MAX;
}

/* Dispatcher counters, the "dispatch" group (struct kdispatch_stats). */
static const char *const dispatch_ctr_names[DC_NCTR] = {
    "raise_too_deep", "overruns",   "abandoned",   "async_queued",
    "async_run",      "async_lost", "leaked_pkts",
};
uint64_t dctr[DC_NCTR];
static struct kstat_group dispatch_stats = KSTAT_GROUP("dispatch", dispatch_ctr_names, dctr);

int (*kevent_guard_verifier)(const struct kevent *ev, const struct kguard *g, char *why,
                             size_t whylen);

/* A plan replaced during a raise of its event, destroyed after that raise. */
struct kplan_retired {
    void *plan;
    const struct kdispatch_ops *ops;
    struct kplan_retired *next;
};

static void plan_retire(struct kevent *ev, void *plan, const struct kdispatch_ops *ops)
{
    if (!plan)
        return;
    if (ev->depth == 0) {
        ops->destroy(plan);
        return;
    }
    struct kplan_retired *r = kmalloc(sizeof *r);
    if (!r)
        kpanic("event %s: no memory to retire a dispatch plan", ev->name);
    r->plan = plan;
    r->ops = ops;
    r->next = ev->retired;
    ev->retired = r;
}

/* Rebuild @ev's plan from its handler list and swap it in. */
/* ------------------------------------------------------ handler lists */

/* list_insert - link @h into @ev's list after @prev (NULL: at the front). */
static void list_insert(struct kevent *ev, struct khandler *prev, struct khandler *h)
{
    h->prev = prev;
    h->next = prev != NULL ? prev->next : ev->handlers;
    if (h->next != NULL)
        h->next->prev = h;
    else
        ev->last = h;
    if (prev != NULL)
        prev->next = h;
    else
        ev->handlers = h;
    ev->nhandlers++;
}

/* list_unlink - take @h out of its event's list (its prev stays, for a re-insert). */
static void list_unlink(struct kevent *ev, struct khandler *h)
{
    if (h->prev != NULL)
        h->prev->next = h->next;
    else
        ev->handlers = h->next;
    if (h->next != NULL)
        h->next->prev = h->prev;
    else
        ev->last = h->prev;
    ev->nhandlers--;
}

/* --------------------------------------------------------------- batches */

static unsigned batch_depth;        /* kevent_batch_begin() calls not yet ended */
static struct kevent *stale_events; /* events whose plan is rebuilt at batch end */

static void mark_stale(struct kevent *ev)
{
    if (ev->stale)
        return;
    ev->stale = true;
    ev->next_stale = stale_events;
    stale_events = ev;
}

/*
 * solo_of - the one handler of @ev when a raise may call it directly, without
 * a plan walk: the only handler, synchronous, unbounded, and guarded at most
 * by a C predicate (no field tests, no BPF). NULL otherwise.
 */
static struct khandler *solo_of(const struct kevent *ev)
{
    struct khandler *h = ev->handlers;
    if (h == NULL || h->next != NULL || h->props.mode != KH_SYNC || h->props.budget_ns != 0)
        return NULL;
    if (h->has_guard && (h->guard.ntests != 0 || h->guard.bpf != NULL))
        return NULL;
    return h;
}

static int plan_rebuild(struct kevent *ev)
{
    void *old = ev->plan;
    const struct kdispatch_ops *old_ops = ev->plan_ops;
    void *plan = NULL;
    if (ev->handlers) {
        if (!dispatcher)
            return -KE_NOTSUP;
        plan = dispatcher->build(ev);
        if (!plan)
            return -KE_NOMEM;
    }
    ev->plan = plan;
    ev->plan_ops = dispatcher;
    ev->solo = solo_of(ev);
    if (old)
        plan_retire(ev, old, old_ops);
    return 0;
}

void kevent_batch_begin(void)
{
    batch_depth++;
}

int kevent_batch_end(void)
{
    if (batch_depth == 0 || --batch_depth > 0)
        return 0;
    int rc = 0;
    while (stale_events != NULL) {
        struct kevent *ev = stale_events;
        stale_events = ev->next_stale;
        ev->stale = false;
        int r = plan_rebuild(ev);
        if (r < 0 && rc == 0)
            rc = r; /* the old plan stays: new handlers unseen, removed ones skipped */
        if (ev->depth == 0) {
            while (ev->dead) {
                struct khandler *h = ev->dead;
                ev->dead = h->dead_next;
                h->on_dead_list = false;
                handler_maybe_free(h);
            }
        }
    }
    return rc;
}

int kevent_combine_first_error(int acc, int r)
{
    if (acc < 0)
        return acc;
    if (r < 0)
        return r;
    return acc + (r == KH_TAKEN);
}

int kevent_set_dispatcher(const struct kdispatch_ops *ops)
{
    dispatcher = ops;
    for (struct kevent *ev = events; ev; ev = ev->next_event) {
        int rc = plan_rebuild(ev);
        if (rc)
            return rc;
    }
    return 0;
}

const struct kdispatch_ops *kevent_dispatcher(void)
{
    return dispatcher;
}

static struct khandler *find_named(struct kevent *ev, const char *name)
{
    for (struct khandler *h = ev->handlers; h; h = h->next)
        if (h->name[0] && strcmp(h->name, name) == 0)
            return h;
    return NULL;
}

static int check_guard(const struct kevent *ev, const struct kguard *g)
{
    if (!g)
        return 0;
    if (g->ntests > KGUARD_MAX_TESTS)
        return -KE_INVAL;
    if ((g->ntests || g->bpf) && !ev->packet)
        return -KE_INVAL;
    for (unsigned i = 0; i < g->ntests; i++) {
        const struct kguard_test *t = &g->test[i];
        if (t->layer >= PKT_NLAYERS || (t->width != 1 && t->width != 2 && t->width != 4) ||
            t->op > KG_GE)
            return -KE_INVAL;
    }
    if (kevent_guard_verifier) {
        char why[128];
        int rc = kevent_guard_verifier(ev, g, why, sizeof why);
        if (rc) {
            klog(KLOG_WARN, "dispatch", "guard refused on %s: %s", ev->name, why);
            return -KE_PERM;
        }
    }
    return 0;
}

int kevent_install(struct kevent *ev, khandler_generic_fn fn, void *ctx, const struct kguard *g,
                   const struct khandler_props *props, struct khandler **out)
{
    if (!ev || !fn)
        return -KE_INVAL;
    int rc = check_guard(ev, g);
    if (rc)
        return rc;
    if (props && props->mode != KH_SYNC && props->mode != KH_ASYNC)
        return -KE_INVAL;
    if (props && props->mode == KH_ASYNC && !ev->packet && !(ev->retain && ev->release))
        return -KE_NOTSUP; /* no way to keep the argument alive for the queued call */
    struct khandler *before = NULL, *after = NULL;
    if (props && props->before && !(before = find_named(ev, props->before)))
        return -KE_INVAL;
    if (props && props->after && !(after = find_named(ev, props->after)))
        return -KE_INVAL;
    if (before && after) {
        /* both: after must precede before in the list */
        bool ok = false;
        for (struct khandler *h = after; h; h = h->next)
            if (h == before)
                ok = true;
        if (!ok)
            return -KE_INVAL;
    }
    struct khandler *h = kmalloc(sizeof *h);
    if (!h)
        return -KE_NOMEM;
    h->event = ev;
    h->fn = fn;
    h->ctx = ctx;
    if (g) {
        h->guard = *g;
        h->has_guard = g->ntests || g->bpf || g->pred;
    }
    if (props) {
        h->props = *props;
        if (props->name)
            kstrlcpy(h->name, props->name, sizeof h->name);
    }
    h->props.name = h->name;
    h->props.before = NULL;
    h->props.after = NULL;
    h->owned = out != NULL;

    /* Position: immediately before @before, else immediately after @after,
     * else at the end (installation order). */
    struct khandler *prev = before != NULL ? before->prev : after != NULL ? after : ev->last;
    list_insert(ev, prev, h);
    kstats_register(&dispatch_stats);
    if (!ev->registered) {
        ev->registered = true;
        ev->next_event = events;
        events = ev;
    }
    if (batch_depth > 0) {
        mark_stale(ev); /* the plan is built once, at kevent_batch_end() */
    } else if ((rc = plan_rebuild(ev)) != 0) {
        list_unlink(ev, h);
        kfree(h);
        return rc;
    }
    if (out)
        *out = h;
    return 0;
}

/* handler_maybe_free - free @h once nothing can reach it any more. */
void handler_maybe_free(struct khandler *h)
{
    if (h->removed && !h->owned && !h->on_dead_list && h->pending == 0)
        kfree(h);
}

/* ------------------------------------------------------------- removal */

/*
 * handler_remove - take @h out of its event's list and rebuild the plan;
 * cancel its queued invocations; free it or defer that. Returns 0,
 * -KE_NOENT (not in the list) or the rebuild's error (then @h stays in the
 * list, marked faulty so the plan in place skips it).
 */
static int handler_remove(struct khandler *h)
{
    struct kevent *ev = h->event;
    if (h->removed)
        return -KE_NOENT;
    list_unlink(ev, h);
    if (batch_depth > 0) {
        mark_stale(ev); /* the plan in place still names it: skipped, freed at batch end */
    } else {
        int rc = plan_rebuild(ev);
        if (rc) {
            /* cannot build the smaller plan: keep the handler but mark it
             * faulty so the plan in place skips it */
            list_insert(ev, h->prev, h);
            h->faulty = true;
            return rc;
        }
    }
    async_cancel(h); /* before it is marked removed: nothing frees it meanwhile */
    h->removed = true;
    if (ev->depth == 0 && !ev->stale) {
        handler_maybe_free(h);
    } else {
        /* a plan retired by this very removal (or, in a batch, the plan still
         * in place) may still reach it: mark it and free it afterwards */
        h->faulty = true;
        h->on_dead_list = true;
        h->dead_next = ev->dead;
        ev->dead = h;
    }
    return 0;
}

int kevent_uninstall(struct khandler *h)
{
    if (!h)
        return -KE_INVAL;
    if (h->removed) {
        /* the dispatcher removed it (bounded overrun): release it now */
        h->owned = false;
        handler_maybe_free(h);
        return -KE_NOENT;
    }
    bool owned = h->owned;
    h->owned = false;
    int rc = handler_remove(h);
    if (rc)
        h->owned = owned;
    return rc;
}

/* ----------------------------------------------------- running handlers */

struct bounded_call {
    struct kevent *ev;
    struct khandler *h;
    void *arg;
};

static int bounded_trampoline(void *p)
{
    struct bounded_call *b = p;
    return b->ev->invoke(b->h->fn, b->h->ctx, b->arg);
}

/* overrun - @h broke its budget: counted, marked faulty, uninstalled. */
static void overrun(struct khandler *h, const char *how, uint64_t used_ns)
{
    h->overruns++;
    h->faulty = true;
    dctr[DC_OVERRUNS]++;
    klog(KLOG_WARN, "dispatch",
         "handler %s on %s %s its budget of %llu ns (used %llu ns): uninstalled",
         h->name[0] ? h->name : "(unnamed)", h->event->name, how,
         (unsigned long long)h->props.budget_ns, (unsigned long long)used_ns);
    (void)handler_remove(h);
}

/*
 * bounded_unwind - a bounded call enclosing this one was abandoned, so this
 * one was abandoned mid-way too: its state may be inconsistent, it goes.
 */
static void bounded_unwind(void *ctx)
{
    struct khandler *h = ctx;
    dctr[DC_ABANDONED]++;
    h->faulty = true;
    klog(KLOG_WARN, "dispatch", "handler %s on %s abandoned by an enclosing budget: uninstalled",
         h->name[0] ? h->name : "(unnamed)", h->event->name);
    (void)handler_remove(h);
}

static int run_bounded(struct kevent *ev, struct khandler *h, void *arg)
{
    struct bounded_call b = { ev, h, arg };
    if (nesting_full() || kframe_push(bounded_unwind, h) < 0) {
        dctr[DC_TOO_DEEP]++;
        return -KE_TOOBIG;
    }
    int r = 0;
    struct kbudget_report rep;
    unsigned outer =
        bounded_active; /* restored, not decremented: an abandoned inner call never decrements */
    bounded_active = outer + 1;
    int st = kbudget_call(h->props.budget_ns, bounded_trampoline, &b, &r, &rep);
    bounded_active = outer;
    kframe_pop();
    if (st == KBUDGET_ABANDONED) {
        dctr[DC_ABANDONED]++;
        dctr[DC_LEAKED_PKTS] += rep.leaked_pkts;
        h->leaked_pkts += rep.leaked_pkts;
        overrun(h, "was stopped at", rep.used_ns);
        return -KE_RANGE; /* dropped: it never finished */
    }
    if (st == KBUDGET_LATE)
        overrun(h, "returned after", rep.used_ns); /* its work was done: its result stands */
    return r;
}

/* run_counted - run @h on @arg (bounded if it has a budget), counting its result. */
static inline int run_counted(struct kevent *ev, struct khandler *h, void *arg)
{
    h->calls++;
    int r = __builtin_expect(h->props.budget_ns != 0, 0) ? run_bounded(ev, h, arg)
                                                         : ev->invoke(h->fn, h->ctx, arg);
    if (r == KH_TAKEN)
        h->taken++;
    else if (r < 0)
        h->errors++;
    return r;
}

int run_one(struct kevent *ev, struct khandler *h, void *arg)
{
    return run_counted(ev, h, arg);
}

int kevent_run_handler(struct kevent *ev, struct khandler *h, void *arg, int acc)
{
    if (h->faulty || !h->fn)
        return acc;
    if (__builtin_expect(h->props.mode == KH_ASYNC, 0)) {
        if (async_queue(ev, h, arg) < 0)
            return acc; /* not queued: nobody took it */
        /* queued: the packet has a taker, as if a synchronous handler took it */
        return ev->combine ? ev->combine(acc, KH_TAKEN) : acc + 1;
    }
    int r = run_counted(ev, h, arg);
    if (ev->combine)
        return ev->combine(acc, r);
    return acc + (r == KH_TAKEN);
}

/* raise_cleanup - the outermost raise of @ev is over: free what it kept alive. */
static void raise_cleanup(struct kevent *ev)
{
    if (!ev->stale) {
        while (ev->retired) {
            struct kplan_retired *r = ev->retired;
            ev->retired = r->next;
            r->ops->destroy(r->plan);
            kfree(r);
        }
        while (ev->dead) {
            struct khandler *h = ev->dead;
            ev->dead = h->dead_next;
            h->on_dead_list = false;
            handler_maybe_free(h);
        }
    }
}

/* raise_end - one raise of @ev is over; after the outermost, free what it kept alive. */
static inline void raise_end(struct kevent *ev)
{
    if (--ev->depth == 0 && __builtin_expect(ev->retired != NULL || ev->dead != NULL, 0))
        raise_cleanup(ev);
}

static void raise_unwind(void *ctx)
{
    raise_end(ctx);
}

/* dispatch_solo - the raise of an event whose plan is its one handler @h (solo_of). */
static int dispatch_solo(struct kevent *ev, struct khandler *h, void *arg)
{
    if (h->faulty || (h->has_guard && h->guard.pred && !h->guard.pred(h->guard.pred_ctx, arg)))
        return 0;
    h->calls++;
    int r = ev->invoke(h->fn, h->ctx, arg);
    if (r == KH_TAKEN)
        h->taken++;
    else if (r < 0)
        h->errors++;
    return ev->combine ? ev->combine(0, r) : (r == KH_TAKEN);
}

int kevent_dispatch(struct kevent *ev, void *arg)
{
    void *plan = ev->plan;
    const struct kdispatch_ops *ops = ev->plan_ops;
    if (!plan)
        return 0;
    bool framed = bounded_active != 0; /* see the top of this file */
    if (nesting_full() || (framed && kframe_push(raise_unwind, ev) < 0)) {
        if (dctr[DC_TOO_DEEP]++ == 0)
            klog(KLOG_WARN, "dispatch", "%s: raises nested deeper than %u: refused", ev->name,
                 (unsigned)KFRAME_MAX);
        return 0;
    }
    if (!framed)
        raises_unframed++;
    ev->depth++;
    ev->raised++;
    struct khandler *solo = ev->solo;
    int acc = solo != NULL ? dispatch_solo(ev, solo, arg) : ops->run(plan, ev, arg, 0);
    if (acc == 0)
        ev->unhandled++;
    if (framed)
        kframe_pop();
    else
        raises_unframed--;
    raise_end(ev);
    return acc;
}

void kevent_get_stats(struct kdispatch_stats *st)
{
    st->too_deep = dctr[DC_TOO_DEEP];
    st->overruns = dctr[DC_OVERRUNS];
    st->abandoned = dctr[DC_ABANDONED];
    st->async_queued = dctr[DC_ASYNC_QUEUED];
    st->async_run = dctr[DC_ASYNC_RUN];
    st->async_lost = dctr[DC_ASYNC_LOST];
    st->leaked_pkts = dctr[DC_LEAKED_PKTS];
}

void kevent_foreach(void (*cb)(struct kevent *ev, void *ctx), void *ctx)
{
    for (struct kevent *ev = events; ev; ev = ev->next_event)
        cb(ev, ctx);
}
