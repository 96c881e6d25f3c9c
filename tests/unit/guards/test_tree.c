/*
 * Property tests of guards/tree.c: on random guard sets and random packets the
 * compiled decision tree runs exactly the handlers the linear plan
 * (guards/linear.c) runs, in the same order, calling the same predicates in
 * the same order, with the same combined result.
 *
 * The seed is SPINDLE_SEED (decimal) or a fixed default; every failure prints
 * the seed of the failing case, which reproduces it alone
 * (SPINDLE_SEED=<case seed> SPINDLE_CASES=1).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testkit.h"
#include "guards/bpf.h"
#include "guards/dispatch.h"
#include "guards/tree.h"
#include "guards/verify.h"
#include "kernel/event.h"
#include "kernel/kerr.h"
#include "kernel/log.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

/* A non-commutative combiner: any change of order or of the set run shows. */
static int order_combine(int acc, int r)
{
    return (int)((unsigned)acc * 31u + (unsigned)(r + 3));
}

KEVENT_DECLARE(tg_Packet, struct pktbuf *);
KEVENT_DEFINE(tg_Packet, struct pktbuf *, "tg.Packet", true, order_combine);

#define MAXH 400
#define LOGN 4096

/* What ran, in order: handler ids (>= 0) and predicate calls (-1 - id). */
static int logv[LOGN];
static unsigned logn;

static void log_put(int v)
{
    if (logn < LOGN)
        logv[logn++] = v;
}

struct hctx {
    int id;
    int ret;
    unsigned pred_mod; /* predicate: (len + id) % pred_mod != 0 */
};
static struct hctx ctxs[MAXH];

static int on_pkt(void *ctx, struct pktbuf *p)
{
    (void)p;
    struct hctx *c = ctx;
    log_put(c->id);
    return c->ret;
}

static bool pred(void *ctx, void *arg)
{
    const struct hctx *c = ctx;
    const struct pktbuf *p = arg;
    log_put(-1 - c->id);
    return (p->len + (unsigned)c->id) % c->pred_mod != 0;
}

/* ---- PRNG (splitmix64, Steele et al. OOPSLA 2014) ------------------- */

static uint64_t rng;
static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static unsigned below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* ---- random guards ------------------------------------------------------ */

struct field {
    uint8_t layer, width;
    uint16_t offset;
    uint32_t mask;
    uint32_t vals[6];
    unsigned nvals;
    unsigned range; /* nonzero: values vals[0] .. vals[0] + range - 1 (hashed switches) */
};

static const struct field pool[] = {
    { PKT_L2, 2, 12, 0xffff, { 0x0800, 0x0806, 0x86dd }, 3, 0 },
    { PKT_L3, 1, 9, 0xff, { 1, 6, 17 }, 3, 0 },
    { PKT_L4, 2, 2, 0xffff, { 7, 9, 53, 5000, 1001, 1002 }, 6, 0 },
    { PKT_L4, 2, 0, 0xffff, { 7, 53, 1234 }, 3, 0 },
    { PKT_L2, 4, 0, 0xffffffff, { 0x02000000, 0xffffffff }, 2, 0 },
    { PKT_L3, 2, 6, 0x1fff, { 0, 1 }, 2, 0 },
    { PKT_L4, 2, 2, 0xff00, { 0x0000, 0x1300 }, 2, 0 },
    { PKT_L5, 1, 0, 0x0f, { 0, 3, 15 }, 3, 0 },
    { PKT_L4, 1, 2, 0xff, { 0, 0x13 }, 2, 0 },
    { PKT_L4, 2, 2, 0xffff, { 1000 }, 1, 64 },
    { PKT_L4, 2, 2, 0xffff, { 1000 }, 1, 64 },
};
#define NPOOL (sizeof pool / sizeof pool[0])

static uint32_t full_mask(unsigned w)
{
    return w == 4 ? 0xffffffffu : (1u << (8 * w)) - 1;
}

static uint32_t field_value(const struct field *f)
{
    return f->range ? f->vals[0] + below(f->range) : f->vals[below(f->nvals)];
}

static struct kguard_test random_test(void)
{
    struct kguard_test t = { 0 };
    if (below(8)) {
        const struct field *f = &pool[below(NPOOL)];
        t.layer = f->layer;
        t.width = f->width;
        t.offset = f->offset;
        t.mask = f->mask;
        t.value = field_value(f);
    } else {
        static const uint8_t widths[] = { 1, 2, 4 };
        t.layer = (uint8_t)below(PKT_NLAYERS);
        t.width = widths[below(3)];
        t.offset = (uint16_t)below(48);
        t.mask = below(2) ? full_mask(t.width) : (uint32_t)rnd() & full_mask(t.width);
        t.value = below(3) ? 0 : (uint32_t)rnd();
        t.value &= t.mask;
    }
    unsigned r = below(20);
    t.op = r < 13 ? KG_EQ : r < 15 ? KG_NE : (uint8_t)(KG_LT + below(4));
    if (t.op != KG_EQ && below(2))
        t.value = (uint32_t)(rnd() % ((uint64_t)t.mask + 1));
    return t;
}

/* A tiny verified cBPF guard: byte at @off (from L2) equal to @v. */
struct bpf_guard {
    struct kbpf_insn insn[4];
    struct kbpf_prog prog;
};
static struct bpf_guard bpfs[4];

static void make_bpfs(void)
{
    for (unsigned i = 0; i < 4; i++) {
        struct bpf_guard *b = &bpfs[i];
        b->insn[0] = (struct kbpf_insn){ 0x30, 0, 0, i * 5 };   /* ldb [i*5] */
        b->insn[1] = (struct kbpf_insn){ 0x45, 0, 1, 1u << i }; /* jset #bit */
        b->insn[2] = (struct kbpf_insn){ 0x06, 0, 0, 1 };       /* ret #1 */
        b->insn[3] = (struct kbpf_insn){ 0x06, 0, 0, 0 };       /* ret #0 */
        char why[96];
        cr_assert_eq(kbpf_verify(b->insn, 4, &b->prog, why, sizeof why), 0, "%s", why);
    }
}

static struct kguard guards_made[MAXH];

static void random_guard(unsigned i, struct kguard *g, bool *none)
{
    memset(g, 0, sizeof *g);
    *none = false;
    unsigned r = below(20);
    if (i > 0 && r < 3) { /* a duplicate of an earlier guard */
        *g = guards_made[below(i)];
        return;
    }
    if (r < 5) { /* guard-less */
        *none = true;
        return;
    }
    if (i > 0 && r < 10) { /* a shared prefix: an earlier guard plus tests */
        *g = guards_made[below(i)];
        g->ntests = (uint8_t)(g->ntests ? below(g->ntests) + 1u : 0u);
    }
    unsigned more = below(below(6) == 0 ? 9 : 4);
    while (more-- && g->ntests < KGUARD_MAX_TESTS)
        g->test[g->ntests++] = random_test();
    if (below(8) == 0) {
        g->pred = pred;
        g->pred_ctx = &ctxs[i];
    } else {
        g->pred = NULL;
        g->pred_ctx = NULL;
    }
    g->bpf = below(10) == 0 ? &bpfs[below(4)].prog : NULL;
}

/* ---- random packets ------------------------------------------------------ */

static struct pktbuf *random_packet(void)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    cr_assert_not_null(p);
    unsigned pre = below(24), len = below(5) == 0 ? below(16) : 20 + below(80);
    uint8_t *d = pkt_append(p, (uint16_t)(pre + len));
    for (unsigned i = 0; i < pre + len; i++)
        d[i] = (uint8_t)rnd();
    pkt_pull(p, (uint16_t)pre);
    uint16_t lo = (uint16_t)(p->data_off - pre);
    for (unsigned l = 0; l < PKT_NLAYERS; l++) {
        unsigned r = below(6);
        if (r == 0)
            continue; /* unset */
        p->layer[l] = (uint16_t)(lo + below(pre + len + 8));
    }
    if (below(4) == 0) { /* the usual stack: L2 at the start, 14, 20 and 8 bytes */
        p->layer[PKT_L2] = lo;
        p->layer[PKT_L3] = (uint16_t)(lo + 14);
        p->layer[PKT_L4] = (uint16_t)(lo + 34);
        p->layer[PKT_L5] = (uint16_t)(lo + 42);
    }
    /* write values the guards ask for, so that guards match often */
    unsigned writes = below(7);
    while (writes--) {
        const struct field *f = &pool[below(NPOOL)];
        if (p->layer[f->layer] == PKT_LAYER_UNSET)
            continue;
        uint32_t at = p->layer[f->layer] + f->offset;
        if (at + f->width > (uint32_t)p->data_off + p->len)
            continue;
        uint32_t v = (field_value(f) & f->mask) | ((uint32_t)rnd() & ~f->mask);
        uint8_t *b = p->block + at;
        for (unsigned k = 0; k < f->width; k++)
            b[k] = (uint8_t)(v >> (8 * (f->width - 1 - k)));
    }
    return p;
}

/* ---- the property ---------------------------------------------------------- */

static int run_plan(const struct kdispatch_ops *ops, void *plan, struct pktbuf *p, int *log_out,
                    unsigned *nlog)
{
    logn = 0;
    tg_Packet.depth++;
    int acc = ops->run(plan, &tg_Packet, p, 0);
    tg_Packet.depth--;
    memcpy(log_out, logv, logn * sizeof(int));
    *nlog = logn;
    return acc;
}

static int lin_log[LOGN], tree_log[LOGN];

/* one_case - a guard set of @nh handlers and @npk packets; false on a difference. */
static void one_case(uint64_t seed, unsigned nh, unsigned npk)
{
    rng = seed;
    struct khandler *hs[MAXH];
    unsigned installed = 0;
    for (unsigned i = 0; i < nh; i++) {
        ctxs[i].id = (int)i;
        static const int rets[] = { KH_TAKEN, KH_PASS, -KE_INVAL };
        ctxs[i].ret = rets[below(3)];
        ctxs[i].pred_mod = 2 + below(3);
        bool none;
        random_guard(i, &guards_made[i], &none);
        int rc = tg_Packet_install(on_pkt, &ctxs[i], none ? NULL : &guards_made[i], NULL,
                                   &hs[installed]);
        if (rc == 0)
            installed++;
        else
            cr_assert(rc == -KE_PERM && kevent_guard_verifier, "seed %llu: install %u: %d",
                      (unsigned long long)seed, i, rc);
    }
    cr_assert_eq(tg_Packet.plan_ops, &guard_tree_dispatch);
    void *lin = guard_linear_dispatch.build(&tg_Packet);
    void *tree = tg_Packet.plan;
    if (installed)
        cr_assert_not_null(lin);
    for (unsigned k = 0; k < npk; k++) {
        struct pktbuf *p = random_packet();
        unsigned nl = 0, nt = 0;
        int al = lin ? run_plan(&guard_linear_dispatch, lin, p, lin_log, &nl) : 0;
        int at = tree ? run_plan(&guard_tree_dispatch, tree, p, tree_log, &nt) : 0;
        if (al != at || nl != nt || memcmp(lin_log, tree_log, nl * sizeof(int)) != 0) {
            fprintf(stderr, "case seed %llu, packet %u: linear ran", (unsigned long long)seed, k);
            for (unsigned i = 0; i < nl; i++)
                fprintf(stderr, " %d", lin_log[i]);
            fprintf(stderr, "\n  tree ran");
            for (unsigned i = 0; i < nt; i++)
                fprintf(stderr, " %d", tree_log[i]);
            fprintf(stderr, "\n");
            pkt_free(p);
            cr_assert_fail("case seed %llu packet %u: tree and linear differ (acc %d vs %d)",
                           (unsigned long long)seed, k, at, al);
        }
        pkt_free(p);
    }
    if (lin)
        guard_linear_dispatch.destroy(lin);
    for (unsigned i = 0; i < installed; i++)
        cr_assert_eq(kevent_uninstall(hs[i]), 0);
    cr_assert_null(tg_Packet.plan);
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);
    return s && *s ? strtoull(s, NULL, 10) : dflt;
}

static void setup(void)
{
    testkit_init();
    if (!getenv("SPINDLE_TEST_LOG"))
        klog_set_level(KLOG_ERR); /* the property test installs guards the verifier refuses */
    make_bpfs();
}

TestSuite(tree, .init = setup);

Test(tree, selects_exactly_what_linear_selects_on_random_guards_and_packets)
{
    uint64_t seed = env_u64("SPINDLE_SEED", 20240607);
    unsigned cases = (unsigned)env_u64("SPINDLE_CASES", 4000);
    uint64_t live = kmem_live();
    fprintf(stderr, "tree property: seed %llu, %u cases\n", (unsigned long long)seed, cases);
    for (unsigned c = 0; c < cases; c++) {
        rng = seed + c * 0x100000001b3ull;
        uint64_t case_seed = rnd();
        if (cases == 1)
            case_seed = seed;
        rng = case_seed;
        /* every other case without the verifier: guards that never hold get in too */
        kevent_guard_verifier = below(2) ? guard_verify : NULL;
        unsigned r = below(100);
        unsigned nh = r < 60 ? 1 + below(12) : r < 97 ? 1 + below(60) : 100 + below(300);
        one_case(case_seed, nh, 40);
    }
    cr_assert_eq(kmem_live(), live, "plans or handlers leaked");
    cr_assert(testkit_pool_full());
}

/* ---- shape: flat dispatch, bounded size ----------------------------------- */

KEVENT_DECLARE(tg_Count, struct pktbuf *);
KEVENT_DEFINE(tg_Count, struct pktbuf *, "tg.Count", true, NULL);

static int count_only(void *ctx, struct pktbuf *p)
{
    (void)p;
    (*(unsigned *)ctx)++;
    return KH_TAKEN;
}

static struct pktbuf *port_packet(uint16_t dport)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    uint8_t *d = pkt_append(p, 42);
    memset(d, 0, 42);
    pkt_set_layer(p, PKT_L2);
    p->layer[PKT_L3] = (uint16_t)(p->data_off + 14);
    p->layer[PKT_L4] = (uint16_t)(p->data_off + 34);
    store_be16(d + 12, 0x0800);
    d[23] = 17;
    store_be16(d + 36, dport);
    return p;
}

Test(tree, ten_thousand_ports_are_one_switch_over_single_leaves)
{
    static struct khandler *h[10000];
    static unsigned hits[10000];
    /* install under the linear plan (cheap rebuilds), then compile once */
    cr_assert_eq(kevent_set_dispatcher(&guard_linear_dispatch), 0);
    for (unsigned i = 0; i < 10000; i++) {
        struct kguard g = { 0 };
        kguard_add_test(&g, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, 1000 + i));
        cr_assert_eq(tg_Count_install(count_only, &hits[i], &g, NULL, &h[i]), 0);
    }
    cr_assert_eq(kevent_set_dispatcher(&guard_tree_dispatch), 0);
    struct guard_tree_stats st;
    cr_assert_eq(guard_tree_stats(&tg_Count, &st), 0);
    cr_assert_eq(st.handlers, 10000);
    cr_assert_eq(st.switches, 1, "switches %u", st.switches);
    cr_assert_eq(st.max_switch, 10000);
    cr_assert_eq(st.max_leaf, 1);
    cr_assert_eq(st.max_depth, 2);
    cr_assert_eq(st.seqs, 0);
    for (unsigned port = 990; port < 11010; port += 7) {
        struct pktbuf *p = port_packet((uint16_t)port);
        cr_assert_eq(tg_Count_raise(p), port >= 1000 && port < 11000);
        pkt_free(p);
    }
    for (unsigned i = 0; i < 10000; i++)
        cr_assert_eq(hits[i], (1000 + i - 990) % 7 == 0, "port %u", 1000 + i);
    cr_assert_eq(kevent_set_dispatcher(&guard_linear_dispatch), 0);
    for (unsigned i = 0; i < 10000; i++)
        kevent_uninstall(h[i]);
    cr_assert(testkit_pool_full());
}

Test(tree, shared_prefix_is_tested_once_and_wildcards_join_every_leaf)
{
    /* tcpdump-lowered style: ethertype, protocol, port; plus an observer */
    static struct khandler *h[101];
    static unsigned hits[101];
    for (unsigned i = 0; i < 100; i++) {
        if (i == 50) /* an observer between port handlers: in every leaf after the switch */
            cr_assert_eq(tg_Count_install(count_only, &hits[100], NULL, NULL, &h[100]), 0);
        struct kguard g = { 0 };
        kguard_add_test(&g, KGUARD_FIELD(PKT_L2, 12, 2, 0xffff, KG_EQ, 0x0800));
        kguard_add_test(&g, KGUARD_FIELD(PKT_L3, 9, 1, 0xff, KG_EQ, 17));
        kguard_add_test(&g, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, 2000 + i));
        cr_assert_eq(tg_Count_install(count_only, &hits[i], &g, NULL, &h[i]), 0);
    }
    struct guard_tree_stats st;
    cr_assert_eq(guard_tree_stats(&tg_Count, &st), 0);
    cr_assert_eq(st.max_depth, 4, "ethertype, protocol, port, leaf: depth %u", st.max_depth);
    cr_assert_eq(st.max_leaf, 2, "a port's handler and the observer");
    struct pktbuf *p = port_packet(2042);
    cr_assert_eq(tg_Count_raise(p), 2);
    pkt_data(p)[23] = 6;
    cr_assert_eq(tg_Count_raise(p), 1);
    pkt_free(p);
    cr_assert_eq(hits[42], 1);
    cr_assert_eq(hits[100], 2);
    for (unsigned i = 0; i < 101; i++)
        kevent_uninstall(h[i]);
    cr_assert(testkit_pool_full());
}

Test(tree, observers_before_and_after_the_switch_are_not_copied)
{
    static struct khandler *h[102];
    static unsigned hits[102];
    cr_assert_eq(tg_Count_install(count_only, &hits[100], NULL, NULL, &h[100]), 0);
    for (unsigned i = 0; i < 100; i++) {
        struct kguard g = { 0 };
        kguard_add_test(&g, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, 2000 + i));
        cr_assert_eq(tg_Count_install(count_only, &hits[i], &g, NULL, &h[i]), 0);
    }
    cr_assert_eq(tg_Count_install(count_only, &hits[101], NULL, NULL, &h[101]), 0);
    struct guard_tree_stats st;
    cr_assert_eq(guard_tree_stats(&tg_Count, &st), 0);
    cr_assert_eq(st.entries, 102, "no handler copied: %u entries", st.entries);
    cr_assert_eq(st.seqs, 1);
    cr_assert_eq(st.max_leaf, 1);
    struct pktbuf *p = port_packet(2007);
    cr_assert_eq(tg_Count_raise(p), 3);
    pkt_free(p);
    cr_assert(hits[100] == 1 && hits[7] == 1 && hits[101] == 1);
    for (unsigned i = 0; i < 102; i++)
        kevent_uninstall(h[i]);
    cr_assert(testkit_pool_full());
}

Test(tree, crossed_fields_stay_bounded_in_size_and_correct)
{
    /* 400 handlers on field A and 400 on field B, interleaved: one tree would
     * need 400 x 400 leaves; the builder cuts the list instead. */
    static struct khandler *h[800];
    static unsigned hits[800];
    for (unsigned i = 0; i < 800; i++) {
        struct kguard g = { 0 };
        if (i % 2)
            kguard_add_test(&g, KGUARD_FIELD(PKT_L4, 0, 2, 0xffff, KG_EQ, i / 2));
        else
            kguard_add_test(&g, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, i / 2));
        cr_assert_eq(tg_Count_install(count_only, &hits[i], &g, NULL, &h[i]), 0);
    }
    struct guard_tree_stats st;
    cr_assert_eq(guard_tree_stats(&tg_Count, &st), 0);
    cr_assert_gt(st.seqs, 0);
    cr_assert_leq(st.entries, 800u * 16u, "entries %u", st.entries);
    cr_assert_leq(st.bytes, 4u << 20, "bytes %zu", st.bytes);
    struct pktbuf *p = port_packet(77);
    store_be16(pkt_data(p) + 34, 13); /* source port 13 */
    cr_assert_eq(tg_Count_raise(p), 2);
    pkt_free(p);
    cr_assert_eq(hits[154], 1); /* dport 77 */
    cr_assert_eq(hits[27], 1);  /* sport 13 */
    for (unsigned i = 0; i < 800; i++)
        kevent_uninstall(h[i]);
    cr_assert(testkit_pool_full());
}

Test(tree, contradictory_and_decided_tests_on_the_split_field)
{
    /* EQ 7 and NE 7 on one field never holds; EQ 7 and LT 100 holds for 7 */
    static unsigned hits[3];
    struct khandler *h[3];
    struct kguard a = { 0 }, b = { 0 }, c = { 0 };
    kguard_add_test(&a, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, 7));
    kguard_add_test(&a, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_NE, 7));
    kguard_add_test(&b, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, 7));
    kguard_add_test(&b, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_LT, 100));
    kguard_add_test(&c, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, 9));
    cr_assert_eq(tg_Count_install(count_only, &hits[0], &a, NULL, &h[0]), 0);
    cr_assert_eq(tg_Count_install(count_only, &hits[1], &b, NULL, &h[1]), 0);
    cr_assert_eq(tg_Count_install(count_only, &hits[2], &c, NULL, &h[2]), 0);
    struct pktbuf *p = port_packet(7);
    cr_assert_eq(tg_Count_raise(p), 1);
    pkt_free(p);
    cr_assert_eq(hits[0], 0);
    cr_assert_eq(hits[1], 1);
    for (unsigned i = 0; i < 3; i++)
        kevent_uninstall(h[i]);
    cr_assert(testkit_pool_full());
}

/* ---- non-packet events: predicates only ----------------------------------- */

struct name_arg {
    const char *name;
};
KEVENT_DECLARE(tg_Name, struct name_arg *);
KEVENT_DEFINE(tg_Name, struct name_arg *, "tg.Name", false, NULL);

static bool name_is(void *ctx, void *arg)
{
    return strcmp(((struct name_arg *)arg)->name, ctx) == 0;
}

static int on_name(void *ctx, struct name_arg *a)
{
    (void)a;
    log_put(*(int *)ctx);
    return KH_TAKEN;
}

Test(tree, non_packet_events_evaluate_predicates_in_order)
{
    static int ids[4] = { 0, 1, 2, 3 };
    struct kguard gx = { .pred = name_is, .pred_ctx = "x" };
    struct kguard gy = { .pred = name_is, .pred_ctx = "y" };
    struct khandler *h[4];
    cr_assert_eq(tg_Name_install(on_name, &ids[0], &gx, NULL, &h[0]), 0);
    cr_assert_eq(tg_Name_install(on_name, &ids[1], NULL, NULL, &h[1]), 0);
    cr_assert_eq(tg_Name_install(on_name, &ids[2], &gy, NULL, &h[2]), 0);
    cr_assert_eq(tg_Name_install(on_name, &ids[3], &gx, NULL, &h[3]), 0);
    struct name_arg x = { "x" };
    logn = 0;
    cr_assert_eq(tg_Name_raise(&x), 3);
    cr_assert_eq(logn, 3);
    cr_assert(logv[0] == 0 && logv[1] == 1 && logv[2] == 3);
    for (unsigned i = 0; i < 4; i++)
        kevent_uninstall(h[i]);
}
