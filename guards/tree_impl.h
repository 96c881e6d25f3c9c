/*
 * guards/tree_impl.h — private to the compiled dispatch plan (guards/tree.c
 * runs it, guards/tree_build.c builds it): the node types of the decision
 * tree. The algorithm is described in guards/tree.c.
 */
#ifndef SPINDLE_GUARDS_TREE_IMPL_H
#define SPINDLE_GUARDS_TREE_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include "guards/arena.h"
#include "kernel/event.h"
#include "kernel/guard.h"

enum { TN_LEAF = 0, TN_SWITCH = 1, TN_SEQ = 2 };

/* Switches with at most this many values compare them in turn. */
#define TREE_SMALL_SWITCH 4
/* Deeper sets become leaves (bounds recursion on pathological guard sets). */
#define TREE_MAX_DEPTH 48

/* One handler at a leaf. */
struct tentry {
    struct khandler *h;
    uint8_t rem; /* bit i: h->guard.test[i] is still to evaluate */
    bool extra;  /* h->guard.bpf (packet events) or h->guard.pred to evaluate */
};

/* Every node starts with its kind; the node types below embed it first.
 * Aligned like the pointers they hold, so casts from it are aligned (Alpha). */
struct tnode {
    _Alignas(8) uint8_t kind;
};

struct tslot {
    uint32_t key;
    const struct tnode *child; /* NULL: empty slot */
};

struct tleaf {
    struct tnode hdr;
    uint32_t n;
    struct tentry e[];
};

struct tswitch {
    struct tnode hdr;
    uint8_t hshift;           /* hashed: 32 - log2(slots) */
    uint32_t n;               /* values */
    uint32_t hmask;           /* slots - 1 when hashed, 0 when a short array of n */
    struct kguard_test field; /* the field read (op and value unused) */
    const struct tnode *dflt; /* no value matched or field unreadable; may be NULL */
    struct tslot slot[];
};

struct tseq {
    struct tnode hdr;
    uint32_t n;
    const struct tnode *child[];
};

/* The child of a value whose entries can never accept. */

struct tree_plan {
    struct garena arena;      /* every node of the plan */
    const struct tnode *root; /* NULL: no handler can ever accept */
    uint32_t nhandlers;
};

static inline uint32_t tree_value_hash(uint32_t v, unsigned shift)
{
    return (v * 0x9e3779b1u) >> shift; /* Knuth's multiplicative hashing, TAOCP 6.4 */
}

/** tree_plan_build - the plan of @ev's handlers (kdispatch_ops.build); NULL: no memory. */
void *tree_plan_build(const struct kevent *ev);
/** tree_plan_destroy - free a plan (kdispatch_ops.destroy). */
void tree_plan_destroy(void *plan);

#endif
