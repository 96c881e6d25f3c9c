/*
 * guards/tree_build.c — building the compiled dispatch plan of one event
 * (the algorithm: guards/tree.c).
 */
#include "guards/tree_impl.h"

#include "guards/bpf.h"
#include "guards/guard_eval.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/pktbuf.h"

/* The child of a value whose entries can never accept. */
static const struct tleaf tree_empty = { .hdr = { TN_LEAF }, .n = 0 };

/* ---- building ---------------------------------------------------------- */

/* A handler at list position pos with the tests still to decide. */
struct bent {
    uint32_t pos;
    uint8_t rem;
};

struct builder {
    struct garena *plan;   /* nodes */
    struct garena scratch; /* lists and tables used while building */
    struct khandler **hs;  /* handlers by list position */
    bool packet;           /* the event's argument is a packet */
    long budget;           /* units left for the tree being built */
    bool over;             /* the budget ran out */
    bool nomem;            /* an allocation failed */
};

static uint64_t field_key(const struct kguard_test *t)
{
    return (uint64_t)t->layer << 56 | (uint64_t)t->offset << 40 | (uint64_t)t->width << 32 |
           t->mask;
}

static bool same_field(const struct kguard_test *a, const struct kguard_test *b)
{
    return a->layer == b->layer && a->offset == b->offset && a->width == b->width &&
           a->mask == b->mask;
}

static unsigned log2_ceil(uint32_t n)
{
    unsigned b = 0;
    while ((1u << b) < n)
        b++;
    return b;
}

static void *salloc(struct builder *b, size_t bytes)
{
    void *p = garena_alloc(&b->scratch, bytes);
    if (!p)
        b->nomem = true;
    return p;
}

static void *palloc(struct builder *b, size_t bytes)
{
    void *p = garena_alloc(b->plan, bytes);
    if (!p)
        b->nomem = true;
    return p;
}

/* charge - take @units from the budget; false (and b->over) when it runs out. */
static bool charge(struct builder *b, uint64_t units)
{
    if (b->over || units > (uint64_t)b->budget) {
        b->over = true;
        return false;
    }
    b->budget -= (long)units;
    return true;
}

static const struct tnode *build_tree(struct builder *b, const struct bent *ents, uint32_t m,
                                      unsigned depth);

static const struct tnode *build_leaf(struct builder *b, const struct bent *ents, uint32_t m)
{
    if (!charge(b, 1u + m))
        return NULL;
    struct tleaf *n = palloc(b, sizeof *n + sizeof n->e[0] * m);
    if (!n)
        return NULL;
    n->hdr.kind = TN_LEAF;
    n->n = m;
    for (uint32_t i = 0; i < m; i++) {
        struct khandler *h = b->hs[ents[i].pos];
        n->e[i].h = h;
        n->e[i].rem = ents[i].rem;
        n->e[i].extra = h->has_guard && ((b->packet && h->guard.bpf) || h->guard.pred);
    }
    return &n->hdr;
}

/*
 * choose_field - the field tested for equality by the most entries (each
 * entry counted once), ties to the smallest key; false when no field is
 * shared by two entries.
 */
static bool choose_field(struct builder *b, const struct bent *ents, uint32_t m,
                         struct kguard_test *best)
{
    uint32_t neq = 0;
    for (uint32_t i = 0; i < m; i++) {
        const struct kguard *g = &b->hs[ents[i].pos]->guard;
        for (unsigned t = 0; t < g->ntests; t++)
            if ((ents[i].rem >> t & 1) && g->test[t].op == KG_EQ)
                neq++;
    }
    if (neq < 2)
        return false;
    struct garena_mark mk = garena_mark(&b->scratch);
    unsigned bits = log2_ceil(2 * neq);
    uint32_t size = 1u << bits;
    uint32_t *tab = salloc(b, sizeof *tab * size); /* key index + 1, 0 empty */
    uint64_t *keys = salloc(b, sizeof *keys * neq);
    uint32_t *cnt = salloc(b, sizeof *cnt * neq);
    uint32_t *last = salloc(b, sizeof *last * neq);
    const struct kguard_test **rep = salloc(b, sizeof *rep * neq);
    bool found = false;
    if (tab && keys && cnt && last && rep) {
        uint32_t nkeys = 0;
        for (uint32_t i = 0; i < m; i++) {
            const struct kguard *g = &b->hs[ents[i].pos]->guard;
            for (unsigned t = 0; t < g->ntests; t++) {
                if (!(ents[i].rem >> t & 1) || g->test[t].op != KG_EQ)
                    continue;
                uint64_t k = field_key(&g->test[t]);
                uint32_t s = (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> (64 - bits)) & (size - 1);
                while (tab[s] && keys[tab[s] - 1] != k)
                    s = (s + 1) & (size - 1);
                if (!tab[s]) {
                    keys[nkeys] = k;
                    rep[nkeys] = &g->test[t];
                    tab[s] = ++nkeys;
                }
                uint32_t x = tab[s] - 1;
                if (last[x] != i + 1) {
                    last[x] = i + 1;
                    cnt[x]++;
                }
            }
        }
        uint32_t bi = 0;
        for (uint32_t x = 1; x < nkeys; x++)
            if (cnt[x] > cnt[bi] || (cnt[x] == cnt[bi] && keys[x] < keys[bi]))
                bi = x;
        if (nkeys && cnt[bi] >= 2) {
            *best = *rep[bi];
            found = true;
        }
    }
    garena_release(&b->scratch, mk);
    return found;
}

/*
 * classify - where entry @e goes when splitting on @f: -1 (no equality test
 * on @f: every child), -2 (never accepts: dropped), or 0 with *@v the value
 * it asks for and *@rem its tests left once the field is known to equal *@v.
 */
static int classify(const struct builder *b, const struct bent *e, const struct kguard_test *f,
                    uint32_t *v, uint8_t *rem)
{
    const struct kguard *g = &b->hs[e->pos]->guard;
    bool has = false;
    for (unsigned t = 0; t < g->ntests; t++) {
        const struct kguard_test *x = &g->test[t];
        if ((e->rem >> t & 1) && x->op == KG_EQ && same_field(x, f)) {
            if (has && x->value != *v)
                return -2;
            has = true;
            *v = x->value;
        }
    }
    if (!has)
        return -1;
    uint8_t r = e->rem;
    for (unsigned t = 0; t < g->ntests; t++) {
        const struct kguard_test *x = &g->test[t];
        if (!(r >> t & 1) || !same_field(x, f))
            continue;
        if (!guard_op_holds(x->op, *v, x->value))
            return -2;
        r = (uint8_t)(r & ~(1u << t)); /* decided by the switch, which read the same bytes */
    }
    *rem = r;
    return 0;
}

/* make_seq - @parts run one after the other (one part: itself; none: NULL). */
static const struct tnode *make_seq(struct builder *b, const struct tnode *const *parts,
                                    uint32_t np)
{
    if (np <= 1)
        return np ? parts[0] : NULL;
    if (!charge(b, 1u + np))
        return NULL;
    struct tseq *n = palloc(b, sizeof *n + sizeof n->child[0] * np);
    if (!n)
        return NULL;
    n->hdr.kind = TN_SEQ;
    n->n = np;
    for (uint32_t i = 0; i < np; i++)
        n->child[i] = parts[i];
    return &n->hdr;
}

static const struct tnode *build_switch(struct builder *b, const struct bent *ents, uint32_t m,
                                        const struct kguard_test *f, unsigned depth)
{
    struct garena_mark mk = garena_mark(&b->scratch);
    const struct tnode *result = NULL;
    int32_t *cls = salloc(b, sizeof *cls * m); /* -1 wildcard, -2 dropped, else value index */
    uint8_t *nrem = salloc(b, m);
    uint32_t *val = salloc(b, sizeof *val * m); /* distinct values, first-seen order */
    uint32_t *vcnt = salloc(b, sizeof *vcnt * m);
    unsigned vbits = log2_ceil(2 * m);
    uint32_t vsize = 1u << vbits;
    uint32_t *vtab = salloc(b, sizeof *vtab * vsize); /* value index + 1 */
    if (b->nomem)
        goto out;
    uint32_t nvals = 0, nw = 0, nb = 0;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t v = 0;
        int c = classify(b, &ents[i], f, &v, &nrem[i]);
        if (c < 0) {
            cls[i] = c;
            nw += c == -1;
            continue;
        }
        uint32_t s = tree_value_hash(v, 32 - vbits) & (vsize - 1);
        while (vtab[s] && val[vtab[s] - 1] != v)
            s = (s + 1) & (vsize - 1);
        if (!vtab[s]) {
            val[nvals] = v;
            vtab[s] = ++nvals;
        }
        cls[i] = (int32_t)(vtab[s] - 1);
        vcnt[vtab[s] - 1]++;
        nb++;
    }
    /* the wildcard list, in list order */
    struct bent *w = salloc(b, sizeof *w * (nw + 1));
    if (!w)
        goto out;
    for (uint32_t i = 0, k = 0; i < m; i++)
        if (cls[i] == -1)
            w[k++] = ents[i];
    if (nvals == 0) { /* every entry asking for a value was contradictory */
        result = build_tree(b, w, nw, depth + 1);
        goto out;
    }
    /* Entries before the first and after the last that ask for a value need
     * not be copied into the children: they run before (after) the switch. */
    uint32_t first = 0, last = m - 1;
    while (cls[first] < 0)
        first++;
    while (cls[last] < 0)
        last--;
    if (first > 0 || last < m - 1) {
        const struct tnode *part[3];
        uint32_t np = 0;
        part[np] = build_tree(b, ents, first, depth + 1);
        np += part[np] != NULL;
        part[np] = build_tree(b, ents + first, last - first + 1, depth + 1);
        np += part[np] != NULL;
        part[np] = build_tree(b, ents + last + 1, m - last - 1, depth + 1);
        np += part[np] != NULL;
        if (!b->nomem && !b->over)
            result = make_seq(b, part, np);
        goto out;
    }
    /* hashed: a power of two at most 3/4 full, so a probe sequence always ends */
    /* Copying the wildcards into every child costs nvals * nw entries; when
     * that outweighs the entries the switch dispatches, cut the list in two
     * halves instead (each keeps fewer wildcards per value). */
    if ((uint64_t)(nvals + 1) * nw > (uint64_t)nb + 16u) {
        const struct tnode *part[2];
        uint32_t np = 0, half = m / 2;
        part[np] = build_tree(b, ents, half, depth + 1);
        np += part[np] != NULL;
        part[np] = build_tree(b, ents + half, m - half, depth + 1);
        np += part[np] != NULL;
        if (!b->nomem && !b->over)
            result = make_seq(b, part, np);
        goto out;
    }
    uint32_t slots = nvals <= TREE_SMALL_SWITCH ? nvals : 1u << log2_ceil(nvals + nvals / 3 + 1);
    if (!charge(b, 1u + slots + nb + (uint64_t)nvals * nw))
        goto out;
    /* bucket members, grouped by value, each group in list order */
    uint32_t *start = salloc(b, sizeof *start * (nvals + 1));
    struct bent *mem = salloc(b, sizeof *mem * nb);
    struct bent *list = salloc(b, sizeof *list * (m + 1));
    struct tswitch *n = palloc(b, sizeof *n + sizeof n->slot[0] * slots);
    if (b->nomem)
        goto out;
    struct tslot *slot = n->slot;
    for (uint32_t x = 0, acc = 0; x < nvals; x++) {
        start[x] = acc;
        acc += vcnt[x];
    }
    for (uint32_t i = 0; i < m; i++) {
        if (cls[i] >= 0) {
            struct bent e = { ents[i].pos, nrem[i] };
            mem[start[cls[i]]++] = e;
        }
    }
    n->hdr.kind = TN_SWITCH;
    n->field = *f;
    n->field.op = KG_EQ;
    n->field.value = 0;
    n->n = nvals;
    if (nvals > TREE_SMALL_SWITCH) {
        n->hmask = slots - 1;
        n->hshift = (uint8_t)(32 - log2_ceil(slots));
    }
    for (uint32_t x = 0, end = 0; x < nvals; x++) {
        /* start[x] now points past group x; the group began at end */
        uint32_t lo = end, hi = start[x], len = 0, a = lo, c = 0;
        end = hi;
        while (a < hi || c < nw) { /* merge group x with the wildcards by list position */
            if (c >= nw || (a < hi && mem[a].pos < w[c].pos))
                list[len++] = mem[a++];
            else
                list[len++] = w[c++];
        }
        const struct tnode *child = build_tree(b, list, len, depth + 1);
        if (b->nomem || b->over)
            goto out;
        if (!child)
            child = &tree_empty.hdr;
        if (nvals <= TREE_SMALL_SWITCH) {
            slot[x].key = val[x];
            slot[x].child = child;
        } else {
            uint32_t s = tree_value_hash(val[x], n->hshift) & n->hmask;
            while (slot[s].child)
                s = (s + 1) & n->hmask;
            slot[s].key = val[x];
            slot[s].child = child;
        }
    }
    n->dflt = build_tree(b, w, nw, depth + 1);
    if (!b->nomem && !b->over)
        result = &n->hdr;
out:
    garena_release(&b->scratch, mk);
    return result;
}

static const struct tnode *build_tree(struct builder *b, const struct bent *ents, uint32_t m,
                                      unsigned depth)
{
    if (m == 0 || b->nomem || b->over)
        return NULL;
    struct kguard_test f;
    if (m == 1 || depth >= TREE_MAX_DEPTH || !choose_field(b, ents, m, &f))
        return b->nomem ? NULL : build_leaf(b, ents, m);
    return build_switch(b, ents, m, &f, depth);
}

/* build_seq - a tree for @ents within budget, else two halves run in turn. */
static const struct tnode *build_seq(struct builder *b, const struct bent *ents, uint32_t m)
{
    if (m == 0)
        return NULL;
    struct garena_mark pm = garena_mark(b->plan), sm = garena_mark(&b->scratch);
    b->budget = 16 * (long)m + 256;
    b->over = false;
    const struct tnode *r = build_tree(b, ents, m, 0);
    if (b->nomem || !b->over)
        return r;
    garena_release(b->plan, pm);
    garena_release(&b->scratch, sm);
    if (m == 1) { /* cannot happen (a leaf of one costs 2 units); stay correct anyway */
        b->budget = 2;
        b->over = false;
        return build_leaf(b, ents, m);
    }
    uint32_t half = m / 2;
    const struct tnode *left = build_seq(b, ents, half);
    if (b->nomem)
        return NULL;
    const struct tnode *right = build_seq(b, ents + half, m - half);
    if (b->nomem)
        return NULL;
    const struct tnode *parts[2];
    uint32_t np = 0;
    if (left)
        parts[np++] = left;
    if (right)
        parts[np++] = right;
    b->budget = 1 + np; /* the halves were built under budgets of their own */
    b->over = false;
    return make_seq(b, parts, np);
}

void tree_plan_destroy(void *plan)
{
    struct tree_plan *p = plan;
    if (!p)
        return;
    garena_free(&p->arena);
    kfree(p);
}

void *tree_plan_build(const struct kevent *ev)
{
    struct tree_plan *p = kmalloc(sizeof *p);
    if (!p)
        return NULL;
    struct builder b = { .plan = &p->arena, .packet = ev->packet };
    uint32_t n = 0;
    for (const struct khandler *h = ev->handlers; h; h = h->next)
        n++;
    p->nhandlers = n;
    b.hs = salloc(&b, sizeof *b.hs * (n + 1));
    struct bent *ents = salloc(&b, sizeof *ents * (n + 1));
    if (b.nomem)
        goto fail;
    uint32_t i = 0;
    for (struct khandler *h = ev->handlers; h; h = h->next, i++) {
        b.hs[i] = h;
        ents[i].pos = i;
        uint8_t rem = 0;
        if (h->has_guard && ev->packet) {
            unsigned nt = h->guard.ntests <= KGUARD_MAX_TESTS ? h->guard.ntests : KGUARD_MAX_TESTS;
            rem = (uint8_t)((1u << nt) - 1);
        }
        ents[i].rem = rem;
    }
    p->root = build_seq(&b, ents, n);
    if (b.nomem)
        goto fail;
    garena_free(&b.scratch);
    return p;
fail:
    garena_free(&b.scratch);
    tree_plan_destroy(p);
    return NULL;
}
