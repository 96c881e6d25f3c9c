/*
 * protocols/ipv4/lpm.c — the DIR-n-8 longest-prefix-match table
 * (protocols/ipv4/lpm.h; Gupta, Lin, McKeown, INFOCOM 1998).
 *
 * Levels: level 0 is the first table (l1_bits wide), level k >= 1 a group
 * of 256 entries; the entries of level k resolve the first
 * end(k) = l1_bits + 8k bits of an address. A prefix of length plen is
 * written at the level where plen <= end(k), over the 2^(end(k) - plen)
 * entries it covers; on the way down, a leaf entry that must hold longer
 * prefixes is expanded into a new group whose 256 entries all copy it.
 *
 * Adding (DIR-24-8's rule): an entry is overwritten when its prefix is not
 * longer than the new one; extended entries pass the write down to every
 * entry of their group. Deleting: entries whose prefix is exactly the
 * deleted one's length (in its range, hence that prefix) take the longest
 * remaining prefix that covers the deleted one (or become empty), and each
 * group on the way is folded back into its parent entry when its 256
 * leaves are equal and no longer than the parent level resolves. That
 * invariant (every group holds an extended entry or a leaf longer than its
 * parent level) means a delete never meets a leaf it would have to expand,
 * so deleting never allocates.
 */
#include "protocols/ipv4/lpm.h"

#include "kernel/lib/inet.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

#define LPM_GROUP 256u
#define LPM_DEPTH_SHIFT 24
#define LPM_DEPTH_MASK 0x3fu

static inline uint32_t lpm_leaf(uint32_t value, unsigned plen)
{
    return ((uint32_t)plen << LPM_DEPTH_SHIFT) | (value + 1u);
}

static inline unsigned lpm_depth(uint32_t e)
{
    return (e >> LPM_DEPTH_SHIFT) & LPM_DEPTH_MASK;
}

static inline uint32_t *lpm_group(const struct lpm *l, uint32_t e)
{
    return l->tbl8 + (size_t)(e & LPM_IDX) * LPM_GROUP;
}

int lpm_init(struct lpm *l, unsigned l1_bits, uint32_t *l1, uint32_t *groups, uint32_t *free_stack,
             uint32_t ngroups, struct lpm_rule *rules, uint32_t max_rules)
{
    if (l1_bits != 8 && l1_bits != 16 && l1_bits != 24)
        return -KE_INVAL;
    memset(l, 0, sizeof *l);
    l->l1_bits = l1_bits;
    l->l1_shift = 32 - l1_bits;
    l->l1 = l1;
    l->tbl8 = groups;
    l->free_groups = free_stack;
    l->groups_cap = groups != NULL && free_stack != NULL ? ngroups : 0;
    l->rules = rules;
    l->max_rules = max_rules;
    memset(l1, 0, ((size_t)1 << l1_bits) * sizeof(uint32_t));
    for (uint32_t g = l->groups_cap; g-- > 0;)
        l->free_groups[l->nfree++] = g;
    return 0;
}

struct lpm *lpm_create(unsigned l1_bits, uint32_t max_rules)
{
    if (l1_bits != 8 && l1_bits != 16 && l1_bits != 24)
        return NULL;
    struct lpm *l = kmalloc(sizeof *l);
    uint32_t *l1 = kmalloc(((size_t)1 << l1_bits) * sizeof(uint32_t));
    struct lpm_rule *rules = kmalloc((max_rules ? max_rules : 1) * sizeof(struct lpm_rule));
    if (l == NULL || l1 == NULL || rules == NULL) {
        kfree(l);
        kfree(l1);
        kfree(rules);
        return NULL;
    }
    lpm_init(l, l1_bits, l1, NULL, NULL, 0, rules, max_rules);
    l->owned = LPM_OWN_STRUCT | LPM_OWN_L1 | LPM_OWN_RULES;
    return l;
}

void lpm_fini(struct lpm *l)
{
    if (l->owned & LPM_OWN_GROUPS) {
        kfree(l->tbl8);
        kfree(l->free_groups);
    }
    if (l->owned & LPM_OWN_L1)
        kfree(l->l1);
    if (l->owned & LPM_OWN_RULES)
        kfree(l->rules);
    l->tbl8 = NULL;
    l->free_groups = NULL;
    l->l1 = NULL;
    l->rules = NULL;
    l->groups_cap = l->nfree = l->groups_used = l->nrules = 0;
    l->owned &= LPM_OWN_STRUCT;
}

void lpm_destroy(struct lpm *l)
{
    if (l == NULL)
        return;
    lpm_fini(l);
    if (l->owned & LPM_OWN_STRUCT)
        kfree(l);
}

size_t lpm_memory(const struct lpm *l)
{
    return sizeof *l + ((size_t)4 << l->l1_bits) +
           (size_t)l->groups_cap * (LPM_GROUP * sizeof(uint32_t) + sizeof(uint32_t)) +
           (size_t)l->max_rules * sizeof(struct lpm_rule);
}

/*
 * lpm_reserve - make sure @n groups are free, growing tbl8 (doubling) if
 * needed. Group numbers stay valid across growth. 0 or -KE_NOMEM.
 */
static int lpm_reserve(struct lpm *l, uint32_t n)
{
    if (l->nfree >= n)
        return 0;
    uint32_t cap = l->groups_cap ? l->groups_cap * 2 : 16;
    while (cap - l->groups_used < n)
        cap *= 2;
    if (cap > LPM_IDX + 1u)
        return -KE_NOMEM;
    uint32_t *t = kmalloc((size_t)cap * LPM_GROUP * sizeof(uint32_t));
    uint32_t *f = kmalloc((size_t)cap * sizeof(uint32_t));
    if (t == NULL || f == NULL) {
        kfree(t);
        kfree(f);
        return -KE_NOMEM;
    }
    if (l->tbl8 != NULL)
        memcpy(t, l->tbl8, (size_t)l->groups_cap * LPM_GROUP * sizeof(uint32_t));
    if (l->free_groups != NULL)
        memcpy(f, l->free_groups, (size_t)l->nfree * sizeof(uint32_t));
    /* New groups go on the stack highest first, so the lowest is used next. */
    for (uint32_t g = cap; g-- > l->groups_cap;)
        f[l->nfree++] = g;
    if (l->owned & LPM_OWN_GROUPS) {
        kfree(l->tbl8);
        kfree(l->free_groups);
    }
    l->tbl8 = t;
    l->free_groups = f;
    l->groups_cap = cap;
    l->owned |= LPM_OWN_GROUPS;
    return 0;
}

/* lpm_group_new - a free group filled with @fill; lpm_reserve() must have been called. */
static uint32_t lpm_group_new(struct lpm *l, uint32_t fill)
{
    uint32_t g = l->free_groups[--l->nfree];
    uint32_t *t = l->tbl8 + (size_t)g * LPM_GROUP;
    for (unsigned i = 0; i < LPM_GROUP; i++)
        t[i] = fill;
    l->groups_used++;
    return g;
}

static void lpm_group_free(struct lpm *l, uint32_t g)
{
    l->free_groups[l->nfree++] = g;
    l->groups_used--;
}

/* lpm_fill - write @leaf (prefix length @plen) over @n entries from @t, DIR-24-8's rule. */
static void lpm_fill(struct lpm *l, uint32_t *t, uint32_t n, uint32_t leaf, unsigned plen)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t e = t[i];
        if (e & LPM_EXT)
            lpm_fill(l, lpm_group(l, e), LPM_GROUP, leaf, plen);
        else if (e == 0 || lpm_depth(e) <= plen)
            t[i] = leaf;
    }
}

/*
 * lpm_fold - fold the group of extended entry *@p (an entry of a level
 * resolving @end bits) back into it when its 256 entries are one leaf no
 * longer than @end.
 */
static void lpm_fold(struct lpm *l, uint32_t *p, unsigned end)
{
    uint32_t *t = lpm_group(l, *p);
    uint32_t first = t[0];
    if ((first & LPM_EXT) || (first != 0 && lpm_depth(first) > end))
        return;
    for (unsigned i = 1; i < LPM_GROUP; i++)
        if (t[i] != first)
            return;
    lpm_group_free(l, *p & LPM_IDX);
    *p = first;
}

/*
 * lpm_unfill - over @n entries from @t (of a level resolving @end bits):
 * leaves of prefix length @plen become @repl; extended entries pass it down
 * and are folded when they can be.
 */
static void lpm_unfill(struct lpm *l, uint32_t *t, uint32_t n, unsigned end, unsigned plen,
                       uint32_t repl)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t e = t[i];
        if (e & LPM_EXT) {
            lpm_unfill(l, lpm_group(l, e), LPM_GROUP, end + 8, plen, repl);
            lpm_fold(l, &t[i], end);
        } else if (e != 0 && lpm_depth(e) == plen) {
            t[i] = repl;
        }
    }
}

/* lpm_write - add @leaf for @prefix/@plen to the entries; enough groups must be free. */
static void lpm_write(struct lpm *l, uint32_t prefix, unsigned plen, uint32_t leaf)
{
    uint32_t *t = l->l1;
    unsigned end = l->l1_bits, shift = l->l1_shift;
    uint32_t idx = prefix >> shift;
    for (;;) {
        if (plen <= end) {
            uint32_t n = (uint32_t)1 << (end - plen);
            lpm_fill(l, t + (idx & ~(n - 1)), n, leaf, plen);
            return;
        }
        uint32_t *p = &t[idx];
        if (!(*p & LPM_EXT))
            *p = LPM_EXT | lpm_group_new(l, *p);
        t = lpm_group(l, *p);
        end += 8;
        shift -= 8;
        idx = (prefix >> shift) & 0xffu;
    }
}

/* lpm_erase - replace the leaves of @prefix/@plen by @repl and fold groups on the way back. */
static void lpm_erase(struct lpm *l, uint32_t prefix, unsigned plen, uint32_t repl)
{
    uint32_t *path[4]; /* extended entries walked through, one per level above the last */
    unsigned ends[4];
    unsigned depth = 0;
    uint32_t *t = l->l1;
    unsigned end = l->l1_bits, shift = l->l1_shift;
    uint32_t idx = prefix >> shift;
    for (;;) {
        if (plen <= end) {
            uint32_t n = (uint32_t)1 << (end - plen);
            lpm_unfill(l, t + (idx & ~(n - 1)), n, end, plen, repl);
            break;
        }
        uint32_t *p = &t[idx];
        if (!(*p & LPM_EXT))
            break; /* cannot happen while the prefix is in the table (see the invariant) */
        path[depth] = p;
        ends[depth] = end;
        depth++;
        t = lpm_group(l, *p);
        end += 8;
        shift -= 8;
        idx = (prefix >> shift) & 0xffu;
    }
    while (depth-- > 0)
        if (*path[depth] & LPM_EXT)
            lpm_fold(l, path[depth], ends[depth]);
}

/* lpm_groups_needed - how many new groups writing a prefix of @plen at @prefix creates. */
static uint32_t lpm_groups_needed(const struct lpm *l, uint32_t prefix, unsigned plen)
{
    const uint32_t *t = l->l1;
    unsigned end = l->l1_bits, shift = l->l1_shift;
    uint32_t idx = prefix >> shift;
    while (plen > end) {
        uint32_t e = t[idx];
        if (!(e & LPM_EXT))
            return (plen - end + 7) / 8; /* one per level still to create */
        t = lpm_group(l, e);
        end += 8;
        shift -= 8;
        idx = (prefix >> shift) & 0xffu;
    }
    return 0;
}

/* lpm_find - index of the rule for exactly @prefix/@plen, or -1. */
static int32_t lpm_find(const struct lpm *l, uint32_t prefix, uint8_t plen)
{
    for (uint32_t i = 0; i < l->nrules; i++)
        if (l->rules[i].prefix == prefix && l->rules[i].plen == plen)
            return (int32_t)i;
    return -1;
}

int lpm_add(struct lpm *l, uint32_t prefix, uint8_t plen, uint32_t value)
{
    if (plen > 32 || (prefix & ~inet_plen_mask(plen)) != 0 || value > LPM_VALUE_MAX)
        return -KE_INVAL;
    int32_t i = lpm_find(l, prefix, plen);
    if (i < 0 && l->nrules == l->max_rules)
        return -KE_TOOBIG;
    if (lpm_reserve(l, lpm_groups_needed(l, prefix, plen)) < 0)
        return -KE_NOMEM;
    lpm_write(l, prefix, plen, lpm_leaf(value, plen));
    if (i < 0) {
        struct lpm_rule r = { .prefix = prefix, .value = value, .plen = plen };
        l->rules[l->nrules++] = r;
    } else {
        l->rules[i].value = value;
    }
    return 0;
}

int lpm_del(struct lpm *l, uint32_t prefix, uint8_t plen)
{
    int32_t i = plen <= 32 ? lpm_find(l, prefix, plen) : -1;
    if (i < 0)
        return -KE_NOENT;
    l->rules[i] = l->rules[--l->nrules];
    /* What the deleted prefix uncovers: the longest shorter prefix holding it. */
    const struct lpm_rule *best = NULL;
    for (uint32_t k = 0; k < l->nrules; k++) {
        const struct lpm_rule *r = &l->rules[k];
        if (r->plen < plen && (prefix & inet_plen_mask(r->plen)) == r->prefix &&
            (best == NULL || r->plen > best->plen))
            best = r;
    }
    lpm_erase(l, prefix, plen, best != NULL ? lpm_leaf(best->value, best->plen) : 0);
    return 0;
}

int lpm_get(const struct lpm *l, uint32_t prefix, uint8_t plen, uint32_t *value)
{
    int32_t i = plen <= 32 ? lpm_find(l, prefix, plen) : -1;
    if (i < 0)
        return -KE_NOENT;
    *value = l->rules[i].value;
    return 0;
}

void lpm_clear(struct lpm *l)
{
    memset(l->l1, 0, ((size_t)1 << l->l1_bits) * sizeof(uint32_t));
    l->nfree = 0;
    for (uint32_t g = l->groups_cap; g-- > 0;)
        l->free_groups[l->nfree++] = g;
    l->groups_used = 0;
    l->nrules = 0;
}
