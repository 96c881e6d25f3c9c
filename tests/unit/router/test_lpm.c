/*
 * Unit tests of the DIR-n-8 longest-prefix-match table (protocols/ipv4/
 * lpm.h) against a naive reference (a list scanned for the longest match,
 * RFC 1812 5.2.4.3) on random tables: thousands of random prefixes added,
 * replaced and deleted, and random lookups, from fixed seeds (the same
 * tables on every run). Also the edge cases and errors one by one.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kerr.h"
#include "kernel/mem.h"
#include "protocols/ipv4/lpm.h"
#include "testkit.h"

TestSuite(lpm, .init = testkit_init);

/* ---- the reference ------------------------------------------------------- */

struct ref_rule {
    uint32_t prefix, value;
    uint8_t plen;
};
struct ref {
    struct ref_rule *r;
    unsigned n, cap;
};

static uint32_t mask(unsigned plen)
{
    return plen == 0 ? 0 : 0xffffffffu << (32 - plen);
}

static void ref_init(struct ref *f, unsigned cap)
{
    f->r = calloc(cap, sizeof *f->r);
    f->n = 0;
    f->cap = cap;
}

static int ref_find(const struct ref *f, uint32_t prefix, uint8_t plen)
{
    for (unsigned i = 0; i < f->n; i++)
        if (f->r[i].prefix == prefix && f->r[i].plen == plen)
            return (int)i;
    return -1;
}

static void ref_add(struct ref *f, uint32_t prefix, uint8_t plen, uint32_t value)
{
    int i = ref_find(f, prefix, plen);
    if (i >= 0) {
        f->r[i].value = value;
        return;
    }
    cr_assert_lt(f->n, f->cap);
    f->r[f->n++] = (struct ref_rule){ prefix, value, plen };
}

static void ref_del(struct ref *f, unsigned i)
{
    f->r[i] = f->r[--f->n];
}

static uint32_t ref_lookup(const struct ref *f, uint32_t addr)
{
    int best = -1;
    for (unsigned i = 0; i < f->n; i++)
        if ((addr & mask(f->r[i].plen)) == f->r[i].prefix &&
            (best < 0 || f->r[i].plen > f->r[best].plen))
            best = (int)i;
    return best < 0 ? LPM_NONE : f->r[best].value;
}

/* ---- deterministic random numbers (xorshift32, Marsaglia 2003) ------------ */

static uint32_t rng_state;
static uint32_t rnd(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/*
 * A random address, mostly in a few crowded regions (so prefixes nest and
 * overlap a lot), sometimes anywhere.
 */
static uint32_t rnd_addr(void)
{
    static const uint32_t regions[] = { 0x0a000000u, 0xac100000u, 0xc0a80000u, 0x0a0a0000u };
    uint32_t r = rnd();
    if ((r & 7) == 0)
        return rnd();
    return regions[(r >> 3) & 3] | (rnd() & 0x000fffffu);
}

/* A random prefix length, weighted like real tables (/8../32, many /24), some short. */
static uint8_t rnd_plen(void)
{
    uint32_t r = rnd() % 100;
    if (r < 3)
        return (uint8_t)(rnd() % 8);
    if (r < 40)
        return 24;
    if (r < 55)
        return 32;
    return (uint8_t)(8 + rnd() % 25);
}

/* An address near a random rule's edges, or random: what lookups probe. */
static uint32_t probe(const struct ref *f)
{
    uint32_t r = rnd();
    if (f->n == 0 || (r & 3) == 0)
        return rnd_addr();
    const struct ref_rule *x = &f->r[(r >> 2) % f->n];
    switch ((r >> 12) & 3) {
    case 0: return x->prefix;
    case 1: return x->prefix | ~mask(x->plen);
    case 2: return x->prefix - 1;
    default: return (x->prefix | ~mask(x->plen)) + 1;
    }
}

static void check_lookups(const struct lpm *l, const struct ref *f, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint32_t a = probe(f);
        uint32_t want = ref_lookup(f, a), got = lpm_lookup(l, a);
        cr_assert_eq(got, want, "lookup %u.%u.%u.%u: table %u, reference %u (%u rules)", a >> 24,
                     (a >> 16) & 255, (a >> 8) & 255, a & 255, got, want, f->n);
    }
}

/* ---- random tables ------------------------------------------------------- */

/* Adds @n random prefixes, then @ops random adds/replaces/deletes, checking as it goes. */
static void random_table(unsigned l1_bits, uint32_t seed, unsigned n, unsigned ops,
                         unsigned lookups)
{
    rng_state = seed;
    struct lpm *l = lpm_create(l1_bits, n + ops);
    cr_assert_not_null(l);
    struct ref f;
    ref_init(&f, n + ops);
    for (unsigned i = 0; i < n; i++) {
        uint8_t plen = rnd_plen();
        uint32_t p = rnd_addr() & mask(plen);
        uint32_t v = rnd() % 100000;
        cr_assert_eq(lpm_add(l, p, plen, v), 0);
        ref_add(&f, p, plen, v);
    }
    cr_assert_eq(l->nrules, f.n);
    check_lookups(l, &f, lookups);
    for (unsigned i = 0; i < ops; i++) {
        uint32_t r = rnd() % 10;
        if (r < 4 && f.n > 0) {
            unsigned k = rnd() % f.n;
            cr_assert_eq(lpm_del(l, f.r[k].prefix, f.r[k].plen), 0);
            ref_del(&f, k);
        } else if (r < 6 && f.n > 0) {
            unsigned k = rnd() % f.n; /* replace a value */
            uint32_t v = rnd() % 100000;
            cr_assert_eq(lpm_add(l, f.r[k].prefix, f.r[k].plen, v), 0);
            f.r[k].value = v;
        } else {
            uint8_t plen = rnd_plen();
            uint32_t p = rnd_addr() & mask(plen);
            uint32_t v = rnd() % 100000;
            cr_assert_eq(lpm_add(l, p, plen, v), 0);
            ref_add(&f, p, plen, v);
        }
        if (i % 64 == 0)
            check_lookups(l, &f, 200);
    }
    check_lookups(l, &f, lookups);
    /* Deleting everything returns every group: nothing is left behind. */
    while (f.n > 0) {
        unsigned k = rnd() % f.n;
        cr_assert_eq(lpm_del(l, f.r[k].prefix, f.r[k].plen), 0);
        ref_del(&f, k);
        if (f.n % 256 == 0)
            check_lookups(l, &f, 200);
    }
    cr_assert_eq(l->groups_used, 0, "%u groups still in use with no prefix", l->groups_used);
    for (uint32_t a = 0; a < 1000; a++)
        cr_assert_eq(lpm_lookup(l, rnd()), LPM_NONE);
    lpm_destroy(l);
    free(f.r);
}

Test(lpm, dir_16_8_8_random_adds_replaces_deletes_match_the_reference)
{
    random_table(16, 0x5eed0001u, 4000, 6000, 100000);
}

Test(lpm, dir_16_8_8_second_seed)
{
    random_table(16, 0x5eed0002u, 3000, 3000, 50000);
}

Test(lpm, dir_24_8_random_table_matches_the_reference)
{
    random_table(24, 0x5eed0003u, 3000, 3000, 50000);
}

Test(lpm, dir_8_8_8_8_random_table_matches_the_reference)
{
    random_table(8, 0x5eed0004u, 2000, 2000, 50000);
}

/* ---- edge cases and errors ------------------------------------------------- */

static uint32_t ip(const char *s)
{
    return testkit_ip(s);
}

Test(lpm, empty_table_matches_nothing)
{
    struct lpm *l = lpm_create(16, 8);
    cr_assert_eq(lpm_lookup(l, 0), LPM_NONE);
    cr_assert_eq(lpm_lookup(l, 0xffffffffu), LPM_NONE);
    lpm_destroy(l);
}

Test(lpm, default_route_and_host_route)
{
    struct lpm *l = lpm_create(16, 8);
    cr_assert_eq(lpm_add(l, 0, 0, 7), 0);
    cr_assert_eq(lpm_add(l, ip("10.1.2.3"), 32, 9), 0);
    cr_assert_eq(lpm_lookup(l, ip("10.1.2.3")), 9);
    cr_assert_eq(lpm_lookup(l, ip("10.1.2.2")), 7);
    cr_assert_eq(lpm_lookup(l, ip("10.1.2.4")), 7);
    cr_assert_eq(lpm_lookup(l, ip("255.255.255.255")), 7);
    cr_assert_eq(lpm_add(l, ip("255.255.255.255"), 32, 0), 0);
    cr_assert_eq(lpm_lookup(l, ip("255.255.255.255")), 0, "value 0 is a value, not 'none'");
    cr_assert_eq(lpm_del(l, 0, 0), 0);
    cr_assert_eq(lpm_lookup(l, ip("10.1.2.2")), LPM_NONE);
    cr_assert_eq(lpm_lookup(l, ip("10.1.2.3")), 9);
    lpm_destroy(l);
}

Test(lpm, deleting_a_prefix_uncovers_the_next_longest)
{
    struct lpm *l = lpm_create(16, 8);
    cr_assert_eq(lpm_add(l, ip("10.0.0.0"), 8, 1), 0);
    cr_assert_eq(lpm_add(l, ip("10.1.0.0"), 16, 2), 0);
    cr_assert_eq(lpm_add(l, ip("10.1.2.0"), 24, 3), 0);
    cr_assert_eq(lpm_add(l, ip("10.1.2.128"), 25, 4), 0);
    cr_assert_eq(lpm_lookup(l, ip("10.1.2.200")), 4);
    cr_assert_eq(lpm_del(l, ip("10.1.2.0"), 24), 0);
    cr_assert_eq(lpm_lookup(l, ip("10.1.2.200")), 4, "the longer one stays");
    cr_assert_eq(lpm_lookup(l, ip("10.1.2.5")), 2, "the /16 shows through");
    cr_assert_eq(lpm_del(l, ip("10.1.0.0"), 16), 0);
    cr_assert_eq(lpm_lookup(l, ip("10.1.2.5")), 1);
    cr_assert_eq(lpm_del(l, ip("10.1.2.128"), 25), 0);
    cr_assert_eq(lpm_lookup(l, ip("10.1.2.200")), 1);
    cr_assert_eq(l->groups_used, 0, "only a /8 left: no group needed");
    lpm_destroy(l);
}

Test(lpm, adding_again_replaces_the_value)
{
    struct lpm *l = lpm_create(16, 2);
    cr_assert_eq(lpm_add(l, ip("192.168.1.0"), 24, 5), 0);
    cr_assert_eq(lpm_add(l, ip("192.168.1.0"), 24, 6), 0);
    cr_assert_eq(l->nrules, 1);
    cr_assert_eq(lpm_lookup(l, ip("192.168.1.77")), 6);
    uint32_t v = 0;
    cr_assert_eq(lpm_get(l, ip("192.168.1.0"), 24, &v), 0);
    cr_assert_eq(v, 6);
    cr_assert_eq(lpm_get(l, ip("192.168.1.0"), 23, &v), -KE_NOENT);
    lpm_destroy(l);
}

Test(lpm, errors_leave_the_table_unchanged)
{
    struct lpm *l = lpm_create(16, 2);
    cr_assert_eq(lpm_add(l, ip("10.0.0.1"), 24, 1), -KE_INVAL, "host bits set");
    cr_assert_eq(lpm_add(l, ip("10.0.0.0"), 33, 1), -KE_INVAL);
    cr_assert_eq(lpm_add(l, ip("10.0.0.0"), 24, LPM_VALUE_MAX + 1), -KE_INVAL);
    cr_assert_eq(lpm_add(l, ip("10.0.0.0"), 24, LPM_VALUE_MAX), 0);
    cr_assert_eq(lpm_add(l, ip("10.0.1.0"), 24, 2), 0);
    cr_assert_eq(lpm_add(l, ip("10.0.2.0"), 24, 3), -KE_TOOBIG, "max_rules is 2");
    cr_assert_eq(lpm_add(l, ip("10.0.1.0"), 24, 4), 0, "replacing needs no room");
    cr_assert_eq(lpm_del(l, ip("10.0.2.0"), 24), -KE_NOENT);
    cr_assert_eq(lpm_del(l, ip("10.0.0.0"), 40), -KE_NOENT);
    cr_assert_eq(lpm_lookup(l, ip("10.0.0.9")), LPM_VALUE_MAX);
    cr_assert_eq(lpm_lookup(l, ip("10.0.1.9")), 4);
    cr_assert_eq(lpm_lookup(l, ip("10.0.2.9")), LPM_NONE);
    lpm_destroy(l);
}

Test(lpm, bad_first_level_is_refused)
{
    cr_assert_null(lpm_create(12, 8));
    cr_assert_null(lpm_create(32, 8));
    cr_assert_null(lpm_create(0, 8));
}

Test(lpm, clear_and_destroy_return_all_memory)
{
    uint64_t live = kmem_live();
    struct lpm *l = lpm_create(16, 64);
    for (unsigned i = 0; i < 64; i++)
        cr_assert_eq(lpm_add(l, 0x0a000000u | (i << 4), 28, i), 0);
    cr_assert_gt(l->groups_used, 0);
    cr_assert_gt(lpm_memory(l), (size_t)256 * 1024);
    lpm_clear(l);
    cr_assert_eq(l->groups_used, 0);
    cr_assert_eq(lpm_lookup(l, 0x0a000010u), LPM_NONE);
    cr_assert_eq(lpm_add(l, 0x0a000010u, 28, 5), 0, "usable after clear");
    cr_assert_eq(lpm_lookup(l, 0x0a000011u), 5);
    lpm_destroy(l);
    cr_assert_eq(kmem_live(), live);
}

Test(lpm, lookup_reads_at_most_one_entry_per_level)
{
    /* A /32 in DIR-16-8-8 sits two groups deep: three reads, as the header says. */
    struct lpm *l = lpm_create(16, 4);
    cr_assert_eq(lpm_add(l, ip("10.1.2.3"), 32, 1), 0);
    cr_assert_eq(l->groups_used, 2);
    cr_assert_eq(lpm_add(l, ip("10.1.2.0"), 24, 2), 0);
    cr_assert_eq(l->groups_used, 2, "the /24 fits in the existing group");
    cr_assert_eq(lpm_del(l, ip("10.1.2.3"), 32), 0);
    cr_assert_eq(l->groups_used, 1, "the last level folded back");
    lpm_destroy(l);
}

Test(lpm, caller_memory_is_used_first_then_the_groups_grow_into_kmalloc)
{
    static uint32_t l1[1u << 16], groups[2 * 256], stack[2];
    static struct lpm_rule rules[64];
    struct lpm l;
    uint64_t live = kmem_live();
    cr_assert_eq(lpm_init(&l, 16, l1, groups, stack, 2, rules, 64), 0);
    cr_assert_eq(lpm_add(&l, ip("10.1.2.0"), 24, 1), 0);
    cr_assert_eq(lpm_add(&l, ip("10.2.2.0"), 24, 2), 0);
    cr_assert_eq(kmem_live(), live, "two groups fit the caller's memory");
    cr_assert_eq(lpm_add(&l, ip("10.3.2.0"), 24, 3), 0);
    cr_assert_gt(kmem_live(), live, "the third one moved the groups to kmalloc memory");
    cr_assert_eq(lpm_lookup(&l, ip("10.1.2.9")), 1, "groups copied on growth");
    cr_assert_eq(lpm_lookup(&l, ip("10.2.2.9")), 2);
    cr_assert_eq(lpm_lookup(&l, ip("10.3.2.9")), 3);
    cr_assert_eq(lpm_lookup(&l, ip("10.4.2.9")), LPM_NONE);
    lpm_fini(&l);
    cr_assert_eq(kmem_live(), live);
    cr_assert_eq(lpm_init(&l, 12, l1, groups, stack, 2, rules, 64), -KE_INVAL);
}
