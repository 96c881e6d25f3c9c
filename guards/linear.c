/*
 * guards/linear.c — the linear dispatch plan: an array of the event's
 * handlers, each guard evaluated in turn (guards/dispatch.h).
 */
#include "guards/dispatch.h"
#include "guards/guard_eval.h"
#include "kernel/mem.h"

struct linear_plan {
    unsigned n;
    struct khandler *h[];
};

static void *linear_build(const struct kevent *ev)
{
    struct linear_plan *p = kmalloc(sizeof *p + sizeof(struct khandler *) * (ev->nhandlers + 1));
    if (!p)
        return NULL;
    p->n = 0;
    for (struct khandler *h = ev->handlers; h; h = h->next)
        p->h[p->n++] = h;
    return p;
}

static void linear_destroy(void *plan)
{
    kfree(plan);
}

static int linear_run(const void *plan, struct kevent *ev, void *arg, int acc)
{
    const struct linear_plan *p = plan;
    for (unsigned i = 0; i < p->n; i++) {
        struct khandler *h = p->h[i];
        if (h->faulty) /* removed during this raise: its guard's BPF program may be freed */
            continue;
        if (h->has_guard && !guard_eval(&h->guard, arg, ev->packet))
            continue;
        acc = kevent_run_handler(ev, h, arg, acc);
    }
    return acc;
}

const struct kdispatch_ops guard_linear_dispatch = {
    .name = "linear",
    .build = linear_build,
    .destroy = linear_destroy,
    .run = linear_run,
};
