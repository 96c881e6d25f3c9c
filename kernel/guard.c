/* kernel/guard.c — composing guards (kernel/guard.h). */
#include "kernel/guard.h"
#include "kernel/kerr.h"

int kguard_add_test(struct kguard *g, struct kguard_test t)
{
    if (g->ntests >= KGUARD_MAX_TESTS)
        return -KE_TOOBIG;
    g->test[g->ntests++] = t;
    return 0;
}

int kguard_and(struct kguard *dst, const struct kguard *a, const struct kguard *b)
{
    static const struct kguard none;
    if (!a)
        a = &none;
    if (!b)
        b = &none;
    if ((unsigned)a->ntests + b->ntests > KGUARD_MAX_TESTS)
        return -KE_TOOBIG;
    if ((a->bpf && b->bpf) || (a->pred && b->pred))
        return -KE_EXIST;
    struct kguard r = *a;
    for (unsigned i = 0; i < b->ntests; i++)
        r.test[r.ntests++] = b->test[i];
    if (b->bpf)
        r.bpf = b->bpf;
    if (b->pred) {
        r.pred = b->pred;
        r.pred_ctx = b->pred_ctx;
    }
    *dst = r;
    return 0;
}
