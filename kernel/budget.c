/*
 * kernel/budget.c — frames and bounded calls (kernel/budget.h).
 */
#include "kernel/budget.h"
#include "kernel/arch_budget.h"
#include "kernel/kerr.h"
#include "kernel/pktbuf.h"

struct kframe {
    kframe_unwind_fn unwind;
    void *ctx;
};

static struct kframe frames[KFRAME_MAX];
static unsigned nframes;

int kframe_push(kframe_unwind_fn unwind, void *ctx)
{
    if (nframes >= KFRAME_MAX)
        return -KE_TOOBIG;
    frames[nframes].unwind = unwind;
    frames[nframes].ctx = ctx;
    nframes++;
    return 0;
}

void kframe_pop(void)
{
    if (nframes > 0)
        nframes--;
}

unsigned kframe_depth(void)
{
    return nframes;
}

/* unwind_to - undo every frame above @mark, innermost first; returns how many. */
static uint32_t unwind_to(unsigned mark)
{
    uint32_t n = 0;
    while (nframes > mark) {
        struct kframe f = frames[--nframes];
        if (f.unwind)
            f.unwind(f.ctx);
        n++;
    }
    return n;
}

static void add_out(const struct pktpool *pool, void *ctx)
{
    *(uint64_t *)ctx += pktpool_out(pool);
}

static uint64_t buffers_out(void)
{
    uint64_t n = 0;
    pktpool_foreach(add_out, &n);
    return n;
}

int kbudget_call(uint64_t budget_ns, int (*fn)(void *arg), void *arg, int *result,
                 struct kbudget_report *rep)
{
    struct kbudget_report scratch;
    if (!rep)
        rep = &scratch;
    rep->used_ns = 0;
    rep->unwound = 0;
    rep->leaked_pkts = 0;
    unsigned mark = nframes;
    uint64_t out0 = buffers_out();
    int st = arch_budget_call(budget_ns, fn, arg, result, &rep->used_ns);
    if (st == ARCH_BUDGET_EXPIRED) {
        rep->unwound = unwind_to(mark);
        uint64_t out1 = buffers_out();
        rep->leaked_pkts = out1 > out0 ? (uint32_t)(out1 - out0) : 0;
        return KBUDGET_ABANDONED;
    }
    return rep->used_ns > budget_ns ? KBUDGET_LATE : KBUDGET_IN_TIME;
}
