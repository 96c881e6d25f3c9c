/*
 * tests/fuzz/fuzz_guard.c — libFuzzer target over the guard compiler
 * (guards/tree.c), differential against linear evaluation (guards/linear.c):
 * the input makes a set of guards (field tests on any layer, offset, width,
 * mask, operator and value, some with a C predicate), installs them on one
 * event, and runs packets with fuzzed contents and layer views through both
 * plans. The decision tree must run exactly the handlers, and call exactly
 * the predicates, that linear evaluation runs, in the same order, with the
 * same combined result.
 *
 * Input: [handlers (1, at most 48)]; per handler [tests (1): low 3 bits
 * the count, bit 3 a predicate, bits 4-5 its result]; per test [layer (1)]
 * [offset (1)][width (1)][op (1)][mask (4)][value (4)]; then packets:
 * [length (1)][start of L2, L3, L4, L5 (1 each, 0xff unset)][length bytes].
 *
 * Run: build-fuzz/tests/fuzz/fuzz-guard CORPUS -max_len=4096
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guards/dispatch.h"
#include "kernel/event.h"
#include "kernel/kerr.h"
#include "kernel/log.h"
#include "kernel/pktbuf.h"

/* A combiner that is not commutative: any change in the set or order shows. */
static int order_combine(int acc, int r)
{
    return (int)((unsigned)acc * 31u + (unsigned)(r + 3));
}

KEVENT_DECLARE(fz_Packet, struct pktbuf *);
KEVENT_DEFINE(fz_Packet, struct pktbuf *, "fuzz.Packet", true, order_combine);

#define MAXH 48
#define LOGN 512

static int logv[LOGN];
static unsigned logn;
static struct pktpool *pool;

struct hctx {
    int id, ret;
};
static struct hctx ctxs[MAXH];

static int on_pkt(void *ctx, struct pktbuf *p)
{
    (void)p;
    const struct hctx *c = ctx;
    if (logn < LOGN)
        logv[logn++] = c->id;
    return c->ret;
}

static bool pred(void *ctx, void *arg)
{
    const struct hctx *c = ctx;
    const struct pktbuf *p = arg;
    if (logn < LOGN)
        logv[logn++] = -1 - c->id;
    return (p->len + (unsigned)c->id) % 3 != 0;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int run(const struct kdispatch_ops *ops, const void *plan, struct pktbuf *p, int *out,
               unsigned *n)
{
    logn = 0;
    fz_Packet.depth++;
    int acc = ops->run(plan, &fz_Packet, p, 0);
    fz_Packet.depth--;
    memcpy(out, logv, logn * sizeof(int));
    *n = logn;
    return acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (pool == NULL) {
        klog_set_level(KLOG_ERR);
        if (guards_init() != 0)
            abort();
        pool = pktpool_create("fuzz", 4, PKT_BLOCK_SIZE, NULL, NULL);
        if (pool == NULL)
            abort();
    }
    size_t i = 0;
    if (size < 1)
        return 0;
    unsigned nh = data[i++] % (MAXH + 1);
    struct khandler *hs[MAXH];
    unsigned installed = 0;
    for (unsigned h = 0; h < nh && i < size; h++) {
        uint8_t t = data[i++];
        struct kguard g = { 0 };
        unsigned nt = t & 7;
        for (unsigned k = 0; k < nt && i + 12 <= size && k < KGUARD_MAX_TESTS; k++) {
            const uint8_t *b = data + i;
            static const uint8_t widths[4] = { 1, 2, 4, 2 };
            g.test[g.ntests++] = KGUARD_FIELD(b[0] % PKT_NLAYERS, b[1], widths[b[2] & 3],
                                              be32(b + 4), b[3] % 6, be32(b + 8));
            i += 12;
        }
        ctxs[h].id = (int)h;
        static const int rets[4] = { KH_TAKEN, KH_PASS, -KE_INVAL, KH_TAKEN };
        ctxs[h].ret = rets[(t >> 4) & 3];
        if (t & 8) {
            g.pred = pred;
            g.pred_ctx = &ctxs[h];
        }
        bool any = g.ntests || g.pred;
        if (fz_Packet_install(on_pkt, &ctxs[h], any ? &g : NULL, NULL, &hs[installed]) == 0)
            installed++;
    }
    void *lin = installed ? guard_linear_dispatch.build(&fz_Packet) : NULL;
    const void *tree = fz_Packet.plan;
    static int lin_log[LOGN], tree_log[LOGN];
    while (installed && i + 5 <= size) {
        unsigned len = data[i];
        const uint8_t *lay = data + i + 1;
        i += 5;
        if (len > size - i)
            len = (unsigned)(size - i);
        struct pktbuf *p = pkt_alloc(pool);
        if (p == NULL)
            abort();
        if (len)
            memcpy(pkt_append(p, (uint16_t)len), data + i, len);
        i += len;
        for (unsigned l = 0; l < PKT_NLAYERS; l++)
            if (lay[l] != 0xff)
                p->layer[l] = (uint16_t)(p->data_off + lay[l]);
        unsigned nl = 0, nt = 0;
        int al = run(&guard_linear_dispatch, lin, p, lin_log, &nl);
        int at = run(fz_Packet.plan_ops, tree, p, tree_log, &nt);
        pkt_free(p);
        if (al != at || nl != nt || memcmp(lin_log, tree_log, nl * sizeof(int)) != 0) {
            fprintf(stderr, "fuzz-guard: the tree ran %u steps (acc %d), linear %u (acc %d)\n", nt,
                    at, nl, al);
            abort();
        }
    }
    if (lin != NULL)
        guard_linear_dispatch.destroy(lin);
    for (unsigned h = 0; h < installed; h++)
        if (kevent_uninstall(hs[h]) != 0)
            abort();
    if (fz_Packet.plan != NULL || fz_Packet_raise(NULL) != 0 || !pktpool_all_full())
        abort(); /* every handler gone: a raise runs nothing */
    return 0;
}
