/*
 * kernel/stats.h — named 64-bit counters per node of the graph, for the
 * console, SIGINT/SIGTERM reports and --stats-json.
 *
 * A node keeps an array of uint64_t and a parallel array of names and
 * registers both once:
 *     enum { UDP_RX, UDP_BAD_CSUM, UDP_NCTR };
 *     static const char *const udp_ctr_names[UDP_NCTR] = { "rx", "bad_csum" };
 *     static uint64_t udp_ctr[UDP_NCTR];
 *     static struct kstat_group udp_stats = KSTAT_GROUP("udp", udp_ctr_names, udp_ctr);
 *     kstats_register(&udp_stats);
 */
#ifndef SPINDLE_KERNEL_STATS_H
#define SPINDLE_KERNEL_STATS_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/klib.h"

/** A group of counters belonging to one node. */
struct kstat_group {
    const char *node;         /* "ipv4", "eth0", "udp-echo" */
    const char *const *names; /* counter names, n of them */
    uint64_t *values;         /* counter values, n of them */
    unsigned n;
    struct kstat_group *next; /* registry links, private */
    struct kstat_group *prev;
    bool registered;
};

#define KSTAT_GROUP(node_, names_, values_)                                                \
    {                                                                                      \
        .node = (node_), .names = (names_), .values = (values_), .n = KARRAY_SIZE(values_) \
    }

/** kstats_register - add @g to the registry (idempotent). */
void kstats_register(struct kstat_group *g);
/** kstats_unregister - remove @g (idempotent). */
void kstats_unregister(struct kstat_group *g);
/** kstats_foreach - call @cb for every registered group, in registration order. */
void kstats_foreach(void (*cb)(const struct kstat_group *g, void *ctx), void *ctx);
/**
 * kstats_find - the value of counter @name of node @node, or -KE_NOENT. A
 * @node no group is named exactly finds the first instance of it: for
 * "NAME", a group "NAME#ID" or "NAME#ID:REST"; for "NAME:REST", a group
 * "NAME#ID:REST" (extension instances, netgraph/extension.h).
 */
int kstats_find(const char *node, const char *name, uint64_t *out);
/** kstats_reset_all - zero every registered counter (tests). */
void kstats_reset_all(void);

#endif
