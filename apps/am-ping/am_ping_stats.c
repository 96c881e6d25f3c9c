/* apps/am-ping/am_ping_stats.c — see am_ping_stats.h (heapsort: no libc qsort here). */
#include <stdbool.h>
#include "apps/am-ping/am_ping_stats.h"

#include "kernel/kerr.h"
#include "kernel/mem.h"

int amp_series_init(struct amp_series *s, uint32_t cap)
{
    s->v = kmalloc((size_t)(cap ? cap : 1) * sizeof *s->v);
    s->n = 0;
    s->cap = cap;
    s->sorted = true;
    return s->v != NULL ? 0 : -KE_NOMEM;
}

void amp_series_free(struct amp_series *s)
{
    kfree(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

void amp_series_add(struct amp_series *s, uint64_t v)
{
    if (s->n < s->cap) {
        s->v[s->n++] = v;
        s->sorted = false;
    }
}

/* sift - restore the max-heap property below @i in v[0..n). */
static void sift(uint64_t *v, uint32_t i, uint32_t n)
{
    for (;;) {
        uint32_t l = 2 * i + 1, big = i;
        if (l < n && v[l] > v[big])
            big = l;
        if (l + 1 < n && v[l + 1] > v[big])
            big = l + 1;
        if (big == i)
            return;
        uint64_t t = v[i];
        v[i] = v[big];
        v[big] = t;
        i = big;
    }
}

static void sort(struct amp_series *s)
{
    uint64_t *v = s->v;
    for (uint32_t i = s->n / 2; i-- > 0;)
        sift(v, i, s->n);
    for (uint32_t end = s->n; end > 1; end--) {
        uint64_t t = v[0];
        v[0] = v[end - 1];
        v[end - 1] = t;
        sift(v, 0, end - 1);
    }
    s->sorted = true;
}

uint64_t amp_series_pct(struct amp_series *s, unsigned pct)
{
    if (s->n == 0)
        return 0;
    if (!s->sorted)
        sort(s);
    uint64_t rank = ((uint64_t)pct * s->n + 99) / 100; /* ceil(pct/100 * n), 1-based */
    if (rank == 0)
        rank = 1;
    return s->v[rank - 1];
}

uint64_t amp_series_sum(const struct amp_series *s)
{
    uint64_t t = 0;
    for (uint32_t i = 0; i < s->n; i++)
        t += s->v[i];
    return t;
}
