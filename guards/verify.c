/* guards/verify.c — refuse guards that are malformed (guards/verify.h). */
#include "guards/verify.h"
#include "guards/bpf.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"

int guard_verify(const struct kevent *ev, const struct kguard *g, char *why, size_t whylen)
{
    for (unsigned i = 0; i < g->ntests; i++) {
        const struct kguard_test *t = &g->test[i];
        uint32_t full = t->width == 4 ? 0xffffffffu : (1u << (8 * t->width)) - 1;
        if (t->layer >= PKT_NLAYERS) {
            ksnprintf(why, whylen, "test %u: no layer %u", i, t->layer);
            return -KE_PERM;
        }
        if ((uint32_t)t->offset + t->width > 0xffffu) {
            ksnprintf(why, whylen, "test %u: offset %u + width %u is past any packet", i, t->offset,
                      t->width);
            return -KE_PERM;
        }
        if (t->mask & ~full) {
            ksnprintf(why, whylen, "test %u: mask 0x%x is wider than %u bytes", i, t->mask, t->width);
            return -KE_PERM;
        }
        if (t->op == KG_EQ && (t->value & ~t->mask)) {
            ksnprintf(why, whylen, "test %u: value 0x%x has bits outside mask 0x%x: never true", i,
                      t->value, t->mask);
            return -KE_PERM;
        }
    }
    if (g->bpf && !g->bpf->verified) {
        ksnprintf(why, whylen, "BPF program not verified");
        return -KE_PERM;
    }
    (void)ev;
    return 0;
}
