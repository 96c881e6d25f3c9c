/* guards/bpf_lower.c — classic BPF to field tests by symbolic execution (guards/bpf_lower.h). */
#include "guards/bpf_lower.h"
#include "protocols/ether/ether_wire.h"
#include "guards/guard_eval.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/pktbuf.h"

#define LW_MAX_TESTS 16   /* tests on one path before giving up */
#define LW_MAX_LOADS 16   /* loads on one path before giving up */
#define LW_MAX_PATHS 1024 /* paths explored before giving up */
#define LW_MAX_ACCEPT 8   /* accepting paths kept */
#define LW_STACK 64       /* pending branches */

/* A symbolic register value. */
enum { SK_UNKNOWN = 0, SK_CONST, SK_FIELD, SK_MSH };

struct sym {
    uint8_t kind;
    int8_t load;          /* SK_FIELD: index of the load in lstate.load */
    struct kguard_test f; /* SK_FIELD: layer, offset, width, mask */
    uint32_t k;           /* SK_CONST: the value; SK_MSH: the byte offset of 4*([k]&0xf) */
};

struct lload {
    struct kguard_test f; /* layer, offset, width: the bytes read */
    bool used;            /* a test (kept or decided) covers its bytes */
};

struct lstate {
    unsigned pc;
    bool unmapped; /* a load on this path has no layer address */
    struct sym a, x, mem[KBPF_MEMWORDS];
    uint8_t ntests, nloads;
    struct kguard_test test[LW_MAX_TESTS];
    struct lload load[LW_MAX_LOADS];
};

struct lpath {
    uint8_t n;
    struct kguard_test t[KGUARD_MAX_TESTS];
};

struct lowering {
    const struct kbpf_prog *prog;
    const struct guard_facts *facts;
    struct lstate *stack;
    unsigned sp, explored, naccept;
    struct lpath accept[LW_MAX_ACCEPT];
    const char *fail; /* why the program does not lower */
    unsigned fail_pc;
};

static bool lower_fail(struct lowering *L, unsigned pc, const char *why)
{
    if (!L->fail) {
        L->fail = why;
        L->fail_pc = pc;
    }
    return false;
}

static bool same_bytes(const struct kguard_test *a, const struct kguard_test *b)
{
    return a->layer == b->layer && a->offset == b->offset && a->width == b->width;
}

static uint32_t width_mask(unsigned w)
{
    return w == 4 ? 0xffffffffu : (1u << (8 * w)) - 1;
}

/* map_abs - tcpdump's absolute [k:w] as a layer address, or false. */
static bool map_abs(const struct guard_facts *fx, uint64_t k, unsigned w, struct kguard_test *out)
{
    if (k + w > 0xffffu)
        return false;
    memset(out, 0, sizeof *out);
    out->width = (uint8_t)w;
    out->mask = width_mask(w);
    if (k >= ETHER_HDR_LEN && fx->l3_after_l2 && (fx->layers & (1u << PKT_L3))) {
        out->layer = PKT_L3;
        out->offset = (uint16_t)(k - ETHER_HDR_LEN);
    } else if (fx->layers & (1u << PKT_L2)) {
        out->layer = PKT_L2;
        out->offset = (uint16_t)k;
    } else {
        return false;
    }
    return true;
}

/* map_ind - tcpdump's [x + k:w] as a layer address, or false. */
static bool map_ind(const struct guard_facts *fx, const struct sym *x, uint32_t k, unsigned w,
                    struct kguard_test *out)
{
    if (x->kind == SK_CONST)
        return map_abs(fx, (uint64_t)x->k + k, w, out);
    if (x->kind == SK_MSH && x->k == ETHER_HDR_LEN && fx->l3_after_l2 && fx->l4_after_ipv4 &&
        (fx->layers & (1u << PKT_L4)) && k >= ETHER_HDR_LEN &&
        (uint64_t)k - ETHER_HDR_LEN + w <= 0xffffu) {
        memset(out, 0, sizeof *out);
        out->layer = PKT_L4;
        out->offset = (uint16_t)(k - ETHER_HDR_LEN);
        out->width = (uint8_t)w;
        out->mask = width_mask(w);
        return true;
    }
    return false;
}

/* record_load - note a load of @f on the path; the index, or -1 when full. */
static int record_load(struct lstate *s, const struct kguard_test *f)
{
    if (s->nloads == LW_MAX_LOADS)
        return -1;
    s->load[s->nloads].f = *f;
    s->load[s->nloads].used = false;
    return s->nloads++;
}

/* decide_range - 1: holds for every value in [0, mask]; 0: for none; -1: depends. */
static int decide_range(const struct kguard_test *c)
{
    uint32_t m = c->mask, v = c->value;
    switch (c->op) {
    case KG_EQ: return (v & ~m) ? 0 : m == 0 ? 1 : -1;
    case KG_NE: return (v & ~m) ? 1 : m == 0 ? 0 : -1;
    case KG_LT: return v == 0 ? 0 : v > m ? 1 : -1;
    case KG_LE: return v >= m ? 1 : -1;
    case KG_GT: return v >= m ? 0 : -1;
    case KG_GE: return v == 0 ? 1 : v > m ? 0 : -1;
    default: return -1;
    }
}

/*
 * add_test - AND test @c (on the field of load @load) onto path @s.
 * 1: the path goes on; 0: the path is infeasible; -1: too many tests.
 */
static int add_test(const struct lowering *L, struct lstate *s, struct kguard_test c, int load)
{
    int d = decide_range(&c);
    if (d >= 0)
        return d; /* by value alone; the bytes stay a load to check */
    if (load >= 0)
        s->load[load].used = true;
    const struct guard_facts *fx = L->facts;
    for (unsigned i = 0; i < fx->nknown; i++) {
        const struct kguard_test *f = &fx->known[i];
        if (same_bytes(f, &c) && !(c.mask & ~f->mask))
            return guard_op_holds(c.op, f->value & c.mask, c.value);
    }
    for (unsigned i = 0; i < s->ntests; i++) {
        const struct kguard_test *e = &s->test[i];
        if (e->op == KG_EQ && same_bytes(e, &c) && !(c.mask & ~e->mask))
            return guard_op_holds(c.op, e->value & c.mask, c.value);
    }
    if (c.op == KG_EQ) { /* tests it decides: false ends the path, true goes */
        unsigned n = 0;
        for (unsigned i = 0; i < s->ntests; i++) {
            const struct kguard_test *e = &s->test[i];
            if (same_bytes(e, &c) && !(e->mask & ~c.mask)) {
                if (!guard_op_holds(e->op, c.value & e->mask, e->value))
                    return 0;
                continue;
            }
            s->test[n++] = *e;
        }
        s->ntests = (uint8_t)n;
    }
    if (s->ntests == LW_MAX_TESTS)
        return -1;
    s->test[s->ntests++] = c;
    return 1;
}

static bool test_eq(const struct kguard_test *a, const struct kguard_test *b)
{
    return same_bytes(a, b) && a->mask == b->mask && a->op == b->op && a->value == b->value;
}

/* accept - path @s returns nonzero: record its tests. */
static bool accept(struct lowering *L, const struct lstate *s)
{
    if (s->unmapped)
        return lower_fail(L, s->pc, "a load on an accepting path has no layer address");
    struct lpath p = { 0 };
    for (unsigned i = 0; i < s->ntests; i++) {
        if (p.n == KGUARD_MAX_TESTS)
            return lower_fail(L, s->pc, "more field tests than a guard holds");
        p.t[p.n++] = s->test[i];
    }
    /* loads whose value no test uses: their bytes must still be there */
    for (unsigned i = 0; i < s->nloads; i++) {
        const struct kguard_test *f = &s->load[i].f;
        if (s->load[i].used)
            continue;
        bool covered = false;
        for (unsigned j = 0; j < p.n && !covered; j++) {
            const struct kguard_test *t = &p.t[j];
            covered = (t->layer == f->layer && t->offset + t->width >= f->offset + f->width) ||
                      /* L4 is set only after a whole IPv4 header at L3 (facts) */
                      (L->facts->l4_after_ipv4 && f->layer == PKT_L3 && t->layer == PKT_L4 &&
                       f->offset + f->width <= 20);
        }
        if (covered)
            continue;
        if (p.n == KGUARD_MAX_TESTS)
            return lower_fail(L, s->pc, "more field tests than a guard holds");
        struct kguard_test r = *f;
        r.mask = 0;
        r.op = KG_GE;
        r.value = 0;
        p.t[p.n++] = r;
    }
    for (unsigned i = 0; i < L->naccept; i++) { /* the same path again */
        bool same = L->accept[i].n == p.n;
        for (unsigned j = 0; same && j < p.n; j++)
            same = test_eq(&L->accept[i].t[j], &p.t[j]);
        if (same)
            return true;
    }
    if (L->naccept == LW_MAX_ACCEPT)
        return lower_fail(L, s->pc, "too many accepting paths");
    L->accept[L->naccept++] = p;
    return true;
}

static bool push(struct lowering *L, const struct lstate *s)
{
    if (L->sp == LW_STACK)
        return lower_fail(L, s->pc, "too many pending branches");
    L->stack[L->sp++] = *s;
    return true;
}

/* branch - the jump at pc on A against constant @k with taken/not-taken tests. */
static bool branch(struct lowering *L, struct lstate *s, const struct kbpf_insn *in, uint32_t k)
{
    unsigned op = in->code & 0xf0;
    unsigned pc = s->pc;
    if (s->a.kind == SK_CONST) {
        uint32_t a = s->a.k;
        bool t = op == 0x10 ? a == k : op == 0x20 ? a > k : op == 0x30 ? a >= k : (a & k) != 0;
        s->pc = pc + 1 + (t ? in->jt : in->jf);
        return true;
    }
    if (s->a.kind != SK_FIELD)
        return lower_fail(L, pc, "a comparison of a value that is not a packet field");
    struct kguard_test yes = s->a.f, no = s->a.f;
    switch (op) {
    case 0x10:
        yes.op = KG_EQ;
        no.op = KG_NE;
        yes.value = no.value = k;
        break;
    case 0x20:
        yes.op = KG_GT;
        no.op = KG_LE;
        yes.value = no.value = k;
        break;
    case 0x30:
        yes.op = KG_GE;
        no.op = KG_LT;
        yes.value = no.value = k;
        break;
    default: /* JSET: (field & k) != 0 */
        yes.mask = no.mask = s->a.f.mask & k;
        yes.op = KG_NE;
        no.op = KG_EQ;
        yes.value = no.value = 0;
        break;
    }
    struct lstate other = *s;
    int ry = add_test(L, s, yes, s->a.load);
    int rn = add_test(L, &other, no, other.a.load);
    if (ry < 0 || rn < 0)
        return lower_fail(L, pc, "more tests on a path than the lowering keeps");
    s->pc = pc + 1 + in->jt;
    other.pc = pc + 1 + in->jf;
    if (rn && !push(L, &other))
        return false;
    if (!ry)
        s->pc = ~0u; /* infeasible: end this path */
    return true;
}

static bool load_sym(struct lowering *L, struct lstate *s, bool ok, struct kguard_test *f,
                     struct sym *dst)
{
    memset(dst, 0, sizeof *dst);
    if (!ok) {
        s->unmapped = true; /* the path may still end rejecting */
        dst->kind = SK_UNKNOWN;
        return true;
    }
    int li = record_load(s, f);
    if (li < 0)
        return lower_fail(L, s->pc, "too many loads on one path");
    dst->kind = SK_FIELD;
    dst->f = *f;
    dst->load = (int8_t)li;
    return true;
}

static uint32_t alu(unsigned op, uint32_t a, uint32_t b, bool *ok)
{
    *ok = true;
    switch (op) {
    case 0x00: return a + b;
    case 0x10: return a - b;
    case 0x20: return a * b;
    case 0x30:
        if (!b) {
            *ok = false;
            return 0;
        }
        return a / b;
    case 0x90:
        if (!b) {
            *ok = false;
            return 0;
        }
        return a % b;
    case 0x40: return a | b;
    case 0x50: return a & b;
    case 0xa0: return a ^ b;
    case 0x60: return b < 32 ? a << b : 0;
    case 0x70: return b < 32 ? a >> b : 0;
    case 0x80: return (uint32_t)-a;
    default: *ok = false; return 0;
    }
}

/* run_path - follow path @s to its end, pushing the branches not taken; false when lowering failed. */
static bool run_path(struct lowering *L, struct lstate *s)
{
    const struct kbpf_prog *P = L->prog;
    const struct guard_facts *fx = L->facts;
    while (s->pc < P->len) {
        const struct kbpf_insn *in = &P->insns[s->pc];
        unsigned cls = in->code & 7, size = in->code & 0x18, mode = in->code & 0xe0;
        unsigned w = size == 0x00 ? 4 : size == 0x08 ? 2 : 1;
        struct kguard_test f;
        switch (cls) {
        case 0x00: /* LD */
            if (mode == 0x00) {
                memset(&s->a, 0, sizeof s->a);
                s->a.kind = SK_CONST;
                s->a.k = in->k;
            } else if (mode == 0x20) {
                if (!load_sym(L, s, map_abs(fx, in->k, w, &f), &f, &s->a))
                    return false;
            } else if (mode == 0x40) {
                if (!load_sym(L, s, map_ind(fx, &s->x, in->k, w, &f), &f, &s->a))
                    return false;
            } else if (mode == 0x60) {
                s->a = s->mem[in->k];
            } else {
                memset(&s->a, 0, sizeof s->a); /* packet length */
            }
            break;
        case 0x01: /* LDX */
            if (mode == 0x00) {
                memset(&s->x, 0, sizeof s->x);
                s->x.kind = SK_CONST;
                s->x.k = in->k;
            } else if (mode == 0x60) {
                s->x = s->mem[in->k];
            } else if (mode == 0xa0) { /* 4*([k]&0xf): an IP header length */
                struct sym b;
                if (!load_sym(L, s, map_abs(fx, in->k, 1, &f), &f, &b))
                    return false;
                memset(&s->x, 0, sizeof s->x);
                s->x.kind = SK_MSH;
                s->x.k = in->k;
            } else {
                memset(&s->x, 0, sizeof s->x);
            }
            break;
        case 0x02: s->mem[in->k] = s->a; break;
        case 0x03: s->mem[in->k] = s->x; break;
        case 0x04: { /* ALU */
            unsigned op = in->code & 0xf0;
            bool src_x = in->code & 0x08;
            if (op != 0x80 && src_x && s->x.kind != SK_CONST) {
                memset(&s->a, 0, sizeof s->a);
                break;
            }
            uint32_t b = src_x ? s->x.k : in->k;
            if (s->a.kind == SK_CONST) {
                bool ok;
                uint32_t r = alu(op, s->a.k, b, &ok);
                if (!ok) { /* division by a zero X: the program rejects */
                    s->pc = ~0u;
                    return true;
                }
                s->a.k = r;
            } else if (s->a.kind == SK_FIELD && op == 0x50) {
                s->a.f.mask &= b;
            } else {
                memset(&s->a, 0, sizeof s->a);
            }
            break;
        }
        case 0x05: { /* JMP */
            unsigned op = in->code & 0xf0;
            if (op == 0x00) {
                s->pc += 1 + in->k;
                continue;
            }
            if ((in->code & 0x08) && s->x.kind != SK_CONST)
                return lower_fail(L, s->pc, "a comparison of two values of the packet");
            if (!branch(L, s, in, (in->code & 0x08) ? s->x.k : in->k))
                return false;
            if (++L->explored > LW_MAX_PATHS)
                return lower_fail(L, s->pc, "too many paths");
            continue;
        }
        case 0x06: /* RET */
            if ((in->code & 0x18) == 0x00)
                return in->k ? accept(L, s) : true;
            if (s->a.kind == SK_CONST)
                return s->a.k ? accept(L, s) : true;
            if (s->a.kind == SK_FIELD) {
                struct kguard_test nz = s->a.f;
                nz.op = KG_NE;
                nz.value = 0;
                int r = add_test(L, s, nz, s->a.load);
                if (r < 0)
                    return lower_fail(L, s->pc, "more tests on a path than the lowering keeps");
                return r ? accept(L, s) : true;
            }
            return lower_fail(L, s->pc, "returns a computed value");
        default:                             /* MISC */
            if ((in->code & 0xf8) == 0x80) { /* TXA */
                s->a = s->x;
                if (s->a.kind == SK_MSH)
                    memset(&s->a, 0, sizeof s->a);
            } else { /* TAX */
                s->x = s->a;
            }
            break;
        }
        s->pc++;
    }
    return true; /* ended infeasible (pc = ~0u) */
}

/* subsumes - every test of @q is in @p: whatever @p accepts, @q accepts. */
static bool subsumes(const struct lpath *q, const struct lpath *p)
{
    for (unsigned i = 0; i < q->n; i++) {
        bool in = false;
        for (unsigned j = 0; j < p->n && !in; j++)
            in = test_eq(&q->t[i], &p->t[j]);
        if (!in)
            return false;
    }
    return true;
}

int kbpf_lower(const struct kbpf_prog *prog, const struct guard_facts *facts, struct kguard *out,
               char *why, size_t whylen)
{
    if (!prog || !prog->verified) {
        ksnprintf(why, whylen, "BPF program not verified");
        return -KE_INVAL;
    }
    struct lowering *L = kmalloc(sizeof *L);
    struct lstate *stack = kmalloc(sizeof *stack * LW_STACK);
    if (!L || !stack) {
        kfree(L);
        kfree(stack);
        ksnprintf(why, whylen, "no memory to lower the program");
        return -KE_NOMEM;
    }
    L->prog = prog;
    L->facts = facts;
    L->stack = stack;
    stack[0].pc = 0;
    L->sp = 1;
    bool ok = true;
    while (ok && L->sp) {
        struct lstate s = L->stack[--L->sp];
        ok = run_path(L, &s);
    }
    int rc;
    if (!ok) {
        ksnprintf(why, whylen, "insn %u: %s", L->fail_pc, L->fail);
        rc = -KE_NOTSUP;
    } else {
        /* drop accepting paths another one subsumes */
        unsigned n = L->naccept;
        bool gone[LW_MAX_ACCEPT] = { false };
        for (unsigned i = 0; i < n; i++)
            for (unsigned j = 0; j < n; j++)
                if (i != j && !gone[j] && !gone[i] && subsumes(&L->accept[j], &L->accept[i]))
                    gone[i] = true;
        unsigned left = 0, keep = 0;
        for (unsigned i = 0; i < n; i++)
            if (!gone[i]) {
                left++;
                keep = i;
            }
        if (left == 0) {
            ksnprintf(why, whylen, "no packet of this event can match");
            rc = -KE_RANGE;
        } else if (left > 1) {
            ksnprintf(why, whylen, "a disjunction of %u conjunctions of fields", left);
            rc = -KE_NOTSUP;
        } else {
            memset(out, 0, sizeof *out);
            out->ntests = L->accept[keep].n;
            for (unsigned i = 0; i < out->ntests; i++)
                out->test[i] = L->accept[keep].t[i];
            rc = 0;
        }
    }
    kfree(stack);
    kfree(L);
    return rc;
}
