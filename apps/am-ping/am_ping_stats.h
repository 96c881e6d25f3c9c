/*
 * apps/am-ping/am_ping_stats.h — a series of durations and its nearest-rank
 * percentiles (the definition tools/bench/lib uses: the smallest value with
 * at least p percent of the series at or below it). Freestanding.
 */
#ifndef SPINDLE_APPS_AM_PING_STATS_H
#define SPINDLE_APPS_AM_PING_STATS_H

#include <stdbool.h>
#include <stdint.h>

/** A series of samples (ns). Caller storage for the struct; values are kmalloc'd. */
struct amp_series {
    uint64_t *v;
    uint32_t n, cap;
    bool sorted;
};

/** amp_series_init - room for @cap samples; 0 or -KE_NOMEM. */
int amp_series_init(struct amp_series *s, uint32_t cap);
/** amp_series_free - release the values. */
void amp_series_free(struct amp_series *s);
/** amp_series_add - append @v (ignored when full). */
void amp_series_add(struct amp_series *s, uint64_t v);
/** amp_series_pct - the nearest-rank @pct percentile (1..100), 0 for an empty series. Sorts. */
uint64_t amp_series_pct(struct amp_series *s, unsigned pct);
/** amp_series_sum - the sum of the samples. */
uint64_t amp_series_sum(const struct amp_series *s);

#endif
