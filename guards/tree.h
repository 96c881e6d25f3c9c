/*
 * guards/tree.h — introspection of the compiled dispatch plan
 * (guard_tree_dispatch, guards/dispatch.h; the algorithm is described in
 * guards/tree.c). Tests and the console use it to show that dispatch stays
 * flat: with N handlers on distinct values of one field the tree is one
 * switch of N values over leaves of one handler each.
 */
#ifndef SPINDLE_GUARDS_TREE_H
#define SPINDLE_GUARDS_TREE_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/event.h"
#include "kernel/kerr.h"

/** The shape of one event's decision tree. */
struct guard_tree_stats {
    uint32_t handlers;   /* handlers the plan was built from */
    uint32_t switches;   /* SWITCH nodes (one field read, one table lookup each) */
    uint32_t leaves;     /* LEAF nodes */
    uint32_t seqs;       /* SEQ nodes (lists cut in two to bound the tree's size) */
    uint32_t entries;    /* handler entries over all leaves (>= handlers when shared) */
    uint32_t max_leaf;   /* most entries in one leaf: handlers evaluated one by one */
    uint32_t max_switch; /* most values in one switch */
    uint32_t max_depth;  /* nodes on the longest path from the root, root = 1 */
    size_t bytes;        /* memory the plan holds, bytes */
};

/**
 * guard_tree_stats - the shape of @ev's current plan into @st. Returns 0
 * (all zero when @ev has no handler), or -KE_INVAL when the plan in place
 * was not built by guard_tree_dispatch.
 */
int guard_tree_stats(const struct kevent *ev, struct guard_tree_stats *st);

#endif
