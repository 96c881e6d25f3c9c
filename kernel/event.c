/*
 * kernel/event.c — events, handlers and the dispatcher (kernel/event.h).
 *
 * The handler list of an event is the source of truth; a dispatch plan is
 * built from it by the current kdispatch_ops on every install and removal and
 * swapped in whole. A plan replaced while a raise of that event is in
 * progress is retired and destroyed when the outermost raise returns.
 */
#include "kernel/event.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/pktbuf.h"

static const struct kdispatch_ops *dispatcher;
static struct kevent *events;

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
static int plan_rebuild(struct kevent *ev)
{
    void *old = ev->plan;
    const struct kdispatch_ops *old_ops = ev->plan_ops;
    void *plan = 0;
    if (ev->handlers) {
        if (!dispatcher)
            return -KE_NOTSUP;
        plan = dispatcher->build(ev);
        if (!plan)
            return -KE_NOMEM;
    }
    ev->plan = plan;
    ev->plan_ops = dispatcher;
    if (old)
        plan_retire(ev, old, old_ops);
    return 0;
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
    return 0;
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
    if (props && (props->mode != KH_SYNC || props->budget_ns))
        return -KE_NOTSUP; /* asynchronous and bounded handlers: kernel/strand.h (issue 5) */
    struct khandler *before = 0, *after = 0;
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
    h->props.before = 0;
    h->props.after = 0;

    /* Position: immediately before @before, else immediately after @after,
     * else at the end (installation order). */
    struct khandler **pp = &ev->handlers;
    if (before) {
        while (*pp != before)
            pp = &(*pp)->next;
    } else if (after) {
        pp = &after->next;
    } else {
        while (*pp)
            pp = &(*pp)->next;
    }
    h->next = *pp;
    *pp = h;
    ev->nhandlers++;
    if (!ev->registered) {
        ev->registered = true;
        ev->next_event = events;
        events = ev;
    }
    rc = plan_rebuild(ev);
    if (rc) {
        *pp = h->next;
        ev->nhandlers--;
        kfree(h);
        return rc;
    }
    if (out)
        *out = h;
    return 0;
}

int kevent_uninstall(struct khandler *h)
{
    if (!h)
        return -KE_INVAL;
    struct kevent *ev = h->event;
    for (struct khandler **pp = &ev->handlers; *pp; pp = &(*pp)->next) {
        if (*pp == h) {
            *pp = h->next;
            ev->nhandlers--;
            int rc = plan_rebuild(ev);
            if (rc) {
                /* cannot build the smaller plan: keep the handler but mark it
                 * faulty so the plan in place skips it */
                h->next = *pp;
                *pp = h;
                ev->nhandlers++;
                h->faulty = true;
                return rc;
            }
            if (ev->depth == 0) {
                kfree(h);
            } else {
                /* a plan retired by this very removal may still reach it in
                 * the raise in progress: mark it and free it afterwards */
                h->faulty = true;
                h->dead_next = ev->dead;
                ev->dead = h;
            }
            return 0;
        }
    }
    return -KE_NOENT;
}

int kevent_run_handler(struct kevent *ev, struct khandler *h, void *arg, int acc)
{
    if (h->faulty || !h->fn)
        return acc;
    h->calls++;
    int r = ev->invoke(h->fn, h->ctx, arg);
    if (r == KH_TAKEN)
        h->taken++;
    else if (r < 0)
        h->errors++;
    if (ev->combine)
        return ev->combine(acc, r);
    return acc + (r == KH_TAKEN);
}

int kevent_dispatch(struct kevent *ev, void *arg)
{
    void *plan = ev->plan;
    const struct kdispatch_ops *ops = ev->plan_ops;
    if (!plan)
        return 0;
    ev->depth++;
    ev->raised++;
    int acc = ops->run(plan, ev, arg, 0);
    if (acc == 0)
        ev->unhandled++;
    if (--ev->depth == 0) {
        while (ev->retired) {
            struct kplan_retired *r = ev->retired;
            ev->retired = r->next;
            r->ops->destroy(r->plan);
            kfree(r);
        }
        while (ev->dead) {
            struct khandler *h = ev->dead;
            ev->dead = h->dead_next;
            kfree(h);
        }
    }
    return acc;
}

void kevent_foreach(void (*cb)(struct kevent *ev, void *ctx), void *ctx)
{
    for (struct kevent *ev = events; ev; ev = ev->next_event)
        cb(ev, ctx);
}
