/* guards/guard_eval.c — one guard on one argument (guards/guard_eval.h). */
#include "guards/guard_eval.h"
#include "guards/bpf.h"
#include "kernel/klib.h"

bool guard_test_eval(const struct kguard_test *t, const struct pktbuf *pkt)
{
    uint32_t v;
    return guard_field_load(t, pkt, &v) && guard_op_holds(t->op, v, t->value);
}

bool guard_eval(const struct kguard *g, void *arg, bool packet)
{
    if (packet) {
        const struct pktbuf *pkt = arg;
        for (unsigned i = 0; i < g->ntests; i++)
            if (!guard_test_eval(&g->test[i], pkt))
                return false;
        if (g->bpf && !kbpf_run(g->bpf, pkt))
            return false;
    }
    if (g->pred && !g->pred(g->pred_ctx, arg))
        return false;
    return true;
}

const char *guard_format(const struct kguard *g, char *buf, unsigned size)
{
    static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < g->ntests && n < size; i++) {
        const struct kguard_test *t = &g->test[i];
        int m;
        if (t->mask == (t->width == 4 ? 0xffffffffu : (1u << (8 * t->width)) - 1))
            m = ksnprintf(buf + n, size - n, "%sL%u[%u:%u]%s0x%x", i ? " && " : "", t->layer + 2,
                          t->offset, t->width, ops[t->op % 6], t->value);
        else
            m = ksnprintf(buf + n, size - n, "%sL%u[%u:%u]&0x%x%s0x%x", i ? " && " : "",
                          t->layer + 2, t->offset, t->width, t->mask, ops[t->op % 6], t->value);
        n += (size_t)m;
    }
    if (g->bpf && n < size)
        n += (size_t)ksnprintf(buf + n, size - n, "%sbpf", n ? " && " : "");
    if (g->pred && n < size)
        n += (size_t)ksnprintf(buf + n, size - n, "%spred", n ? " && " : "");
    if (n == 0)
        ksnprintf(buf, size, "true");
    return buf;
}
