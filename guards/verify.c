/* guards/verify.c — refuse guards that are malformed or can never hold (guards/verify.h). */
#include "guards/verify.h"
#include "guards/bpf.h"
#include "guards/event_facts.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"

static const char *const op_names[] = { "==", "!=", "<", "<=", ">", ">=" };

static int refuse(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (why && whylen)
        kvsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -KE_PERM;
}

/* check_test - one test on its own; 0 or a refusal. */
static int check_test(const struct kevent *ev, const struct guard_facts *facts, unsigned i,
                      const struct kguard_test *t, char *why, size_t whylen)
{
    if (t->layer >= PKT_NLAYERS)
        return refuse(why, whylen, "test %u: no layer %u (layers are L2..L%u)", i, t->layer + 2u,
                      PKT_NLAYERS + 1u);
    if (t->width != 1 && t->width != 2 && t->width != 4)
        return refuse(why, whylen, "test %u: width %u bytes is not 1, 2 or 4", i, t->width);
    if (t->op > KG_GE)
        return refuse(why, whylen, "test %u: unknown operator %u", i, t->op);
    if ((uint32_t)t->offset + t->width > 0xffffu)
        return refuse(why, whylen, "test %u: offset %u + width %u is past any packet", i, t->offset,
                      t->width);
    uint32_t full = t->width == 4 ? 0xffffffffu : (1u << (8 * t->width)) - 1;
    if (t->mask & ~full)
        return refuse(why, whylen, "test %u: mask 0x%x is wider than %u bytes", i, t->mask,
                      t->width);
    /* The masked field lies in [0, mask]: some comparisons can never hold. */
    bool never = (t->op == KG_EQ && (t->value & ~t->mask)) || (t->op == KG_LT && t->value == 0) ||
                 (t->op == KG_GT && t->value >= t->mask) || (t->op == KG_GE && t->value > t->mask);
    if (never)
        return refuse(
            why, whylen,
            "test %u: (L%u[%u:%u] & 0x%x) %s 0x%x never holds: the masked field is at most 0x%x", i,
            t->layer + 2u, t->offset, t->width, t->mask, op_names[t->op], t->value, t->mask);
    if (!(facts->may_layers & (1u << t->layer)))
        return refuse(why, whylen, "test %u: layer L%u is never set when %s is raised", i,
                      t->layer + 2u, ev != NULL ? ev->name : "the event");
    return 0;
}

int guard_verify(const struct kevent *ev, const struct kguard *g, char *why, size_t whylen)
{
    if (why && whylen)
        why[0] = '\0';
    if (!g)
        return 0;
    if (g->ntests > KGUARD_MAX_TESTS)
        return refuse(why, whylen, "%u tests: at most %u", g->ntests, KGUARD_MAX_TESTS);
    if ((g->ntests || g->bpf) && ev && !ev->packet)
        return refuse(why, whylen, "field tests and BPF need a packet argument; %s's is not one",
                      ev->name);
    struct guard_facts facts;
    guard_event_facts(ev, &facts);
    for (unsigned i = 0; i < g->ntests; i++) {
        int rc = check_test(ev, &facts, i, &g->test[i], why, whylen);
        if (rc)
            return rc;
    }
    /* A conjunction asking one field for two values never holds. */
    for (unsigned i = 0; i < g->ntests; i++) {
        const struct kguard_test *a = &g->test[i];
        for (unsigned j = i + 1; j < g->ntests; j++) {
            const struct kguard_test *b = &g->test[j];
            if (a->op == KG_EQ && b->op == KG_EQ && a->layer == b->layer &&
                a->offset == b->offset && a->width == b->width && a->mask == b->mask &&
                a->value != b->value)
                return refuse(why, whylen,
                              "tests %u and %u ask L%u[%u:%u] & 0x%x to equal both 0x%x and 0x%x: "
                              "never true",
                              i, j, a->layer + 2u, a->offset, a->width, a->mask, a->value,
                              b->value);
        }
    }
    if (g->bpf) {
        if (!g->bpf->verified)
            return refuse(why, whylen, "BPF program not verified (kbpf_verify)");
        /* verify again: the flag is a plain field and the instructions are borrowed */
        struct kbpf_prog again;
        char bwhy[96];
        if (kbpf_verify(g->bpf->insns, g->bpf->len, &again, bwhy, sizeof bwhy))
            return refuse(why, whylen, "BPF program: %s", bwhy);
    }
    return 0;
}
