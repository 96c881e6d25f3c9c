/*
 * protocols/ipv4/lpm.h — a longest-prefix-match table for IPv4 addresses:
 * the DIR-n-8 family of multibit tries of Gupta, Lin and McKeown ("Routing
 * Lookups in Hardware at Memory Access Speeds", IEEE INFOCOM 1998, section
 * 2: DIR-24-8-BASIC), with a first level of 2^l1_bits entries indexed by
 * the top l1_bits of the address and further levels of 256 entries (8 bits
 * each) for longer prefixes. l1_bits = 24 is DIR-24-8 proper (64 MiB of
 * first level, at most 2 memory reads per lookup); l1_bits = 16 is
 * DIR-16-8-8 (256 KiB, at most 3 reads), what the routing table uses so
 * that a 128 MiB VM can afford it. Lookup is O(levels), independent of the
 * number of prefixes; route changes cost O(2^(level bits - plen)) entry
 * writes.
 *
 * Entries are 32 bits: an "extended" bit and a group number (the 256-entry
 * block of the next level), or a leaf: the value + 1 of the longest prefix
 * covering the entry (0: none) and that prefix's length. The lengths let a
 * prefix be added or deleted in place (DIR-24-8's "longest prefix wins"
 * rule); a group whose 256 leaves are identical and no longer than its
 * parent level is folded back into the parent entry, so deleting every
 * prefix returns every group. The table also keeps the list of prefixes
 * (the "rules", as DPDK's rte_lpm calls them) to find what a deleted prefix
 * uncovers.
 *
 * Addresses and prefixes are in host byte order. Single core, no locks: a
 * lookup never runs concurrently with a change.
 */
#ifndef SPINDLE_PROTOCOLS_IPV4_LPM_H
#define SPINDLE_PROTOCOLS_IPV4_LPM_H

#include <stddef.h>
#include <stdint.h>

/** The result of a lookup that matched no prefix. */
#define LPM_NONE 0xffffffffu
/** The largest value a prefix may carry (24 bits, less the "none" code). */
#define LPM_VALUE_MAX 0x00fffffeu

#define LPM_EXT 0x80000000u /* entry: extended, low 24 bits = group number */
#define LPM_IDX 0x00ffffffu /* entry: group number, or leaf value + 1 */

/** A table. Fields are read by the inline lookup; change it only through the functions. */
struct lpm {
    uint32_t *l1;          /* 2^l1_bits entries */
    uint32_t *tbl8;        /* groups of 256 entries, group g at tbl8[g * 256] */
    unsigned l1_bits;      /* 8, 16 or 24 */
    unsigned l1_shift;     /* 32 - l1_bits */
    uint32_t groups_cap;   /* groups allocated in tbl8 */
    uint32_t groups_used;  /* groups in use */
    uint32_t *free_groups; /* stack of unused group numbers, groups_cap long */
    uint32_t nfree;
    struct lpm_rule *rules;
    uint32_t nrules, max_rules;
    unsigned owned; /* LPM_OWN_* : what lpm_fini/lpm_destroy kfree */
};
#define LPM_OWN_STRUCT 1u
#define LPM_OWN_L1 2u
#define LPM_OWN_GROUPS 4u
#define LPM_OWN_RULES 8u

/** One prefix of the table. */
struct lpm_rule {
    uint32_t prefix; /* host order, host bits zero */
    uint32_t value;  /* 0..LPM_VALUE_MAX */
    uint8_t plen;    /* 0..32 */
};

/**
 * lpm_create - an empty table with a first level of 2^@l1_bits entries
 * (@l1_bits 8, 16 or 24) holding at most @max_rules prefixes. Returns NULL
 * for a bad @l1_bits or when memory is short (4 << @l1_bits bytes plus
 * 12 * @max_rules).
 */
struct lpm *lpm_create(unsigned l1_bits, uint32_t max_rules);

/** lpm_destroy - free @l and everything it holds (lpm_fini, then @l if lpm_create made it). NULL is ignored. */
void lpm_destroy(struct lpm *l);

/**
 * lpm_init - make @l an empty table in the caller's memory, for a table
 * that must exist without allocating (the routing table lives in static
 * storage, so using it never shows up in kmem_live()): @l1 of 2^@l1_bits
 * entries, @groups of @ngroups * 256 entries with @free_stack of @ngroups
 * words, @rules of @max_rules. Only when more than @ngroups groups are
 * needed does the table move its groups to kmalloc memory. Returns 0 or
 * -KE_INVAL (bad @l1_bits).
 */
int lpm_init(struct lpm *l, unsigned l1_bits, uint32_t *l1, uint32_t *groups, uint32_t *free_stack,
             uint32_t ngroups, struct lpm_rule *rules, uint32_t max_rules);

/** lpm_fini - free what @l allocated itself (groups moved to kmalloc memory); @l is then unusable. */
void lpm_fini(struct lpm *l);

/**
 * lpm_add - map @prefix/@plen to @value, replacing the value of an existing
 * identical prefix. Returns 0, -KE_INVAL (@plen > 32, host bits set, @value
 * > LPM_VALUE_MAX), -KE_TOOBIG (max_rules prefixes already), -KE_NOMEM (no
 * memory for the next-level groups; the table is unchanged).
 */
int lpm_add(struct lpm *l, uint32_t prefix, uint8_t plen, uint32_t value);

/**
 * lpm_del - remove @prefix/@plen; addresses it covered fall back to the
 * next longest prefix. Never allocates. Returns 0 or -KE_NOENT.
 */
int lpm_del(struct lpm *l, uint32_t prefix, uint8_t plen);

/** lpm_get - the value of exactly @prefix/@plen: 0 and *@value, or -KE_NOENT. */
int lpm_get(const struct lpm *l, uint32_t prefix, uint8_t plen, uint32_t *value);

/** lpm_clear - remove every prefix (returns every group). */
void lpm_clear(struct lpm *l);

/** lpm_memory - bytes the table holds (first level, groups, rules). */
size_t lpm_memory(const struct lpm *l);

/**
 * lpm_lookup - the value of the longest prefix holding @addr (host order),
 * or LPM_NONE. One read per level: the first level, then one 256-entry
 * group per further 8 bits the matching prefixes need.
 */
static inline uint32_t lpm_lookup(const struct lpm *l, uint32_t addr)
{
    unsigned shift = l->l1_shift;
    uint32_t e = l->l1[addr >> shift];
    while (e & LPM_EXT) {
        shift -= 8;
        e = l->tbl8[((e & LPM_IDX) << 8) | ((addr >> shift) & 0xffu)];
    }
    return (e & LPM_IDX) - 1u; /* an empty leaf (0) gives LPM_NONE */
}

#endif
