/* guards/guard_eval.c — one guard on one argument (guards/guard_eval.h). */
#include "guards/guard_eval.h"
#include "guards/bpf.h"
#include "kernel/klib.h"

bool guard_test_eval(const struct kguard_test *t, const struct pktbuf *pkt)
{
    uint16_t start = pkt->layer[t->layer];
    if (start == PKT_LAYER_UNSET)
        return false;
    uint32_t end = (uint32_t)pkt->data_off + pkt->len;
    if (start < pkt->data_off && t->layer != 0) {
        /* a layer below the data start (pulled) is still valid bytes of the block */
    }
    if ((uint32_t)start + t->offset + t->width > end)
        return false;
    const uint8_t *p = pkt->block + start + t->offset;
    uint32_t v;
    switch (t->width) {
    case 1:
        v = p[0];
        break;
    case 2:
        v = load_be16(p);
        break;
    default:
        v = load_be32(p);
        break;
    }
    v &= t->mask;
    switch (t->op) {
    case KG_EQ:
        return v == t->value;
    case KG_NE:
        return v != t->value;
    case KG_LT:
        return v < t->value;
    case KG_LE:
        return v <= t->value;
    case KG_GT:
        return v > t->value;
    case KG_GE:
        return v >= t->value;
    default:
        return false;
    }
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
            m = ksnprintf(buf + n, size - n, "%sL%u[%u:%u]&0x%x%s0x%x", i ? " && " : "", t->layer + 2,
                          t->offset, t->width, t->mask, ops[t->op % 6], t->value);
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
