/*
 * apps/rpc-ping/rpc_ping_stats.c — sorting round trips and reading
 * nearest-rank percentiles off them (rpc_ping.h).
 */
#include "apps/rpc-ping/rpc_ping.h"

/* sift - restore the max-heap property below @i in @v[0..@n). */
static void sift(uint32_t *v, uint32_t i, uint32_t n)
{
    for (;;) {
        uint32_t big = i, l = 2 * i + 1, r = l + 1;
        if (l < n && v[l] > v[big])
            big = l;
        if (r < n && v[r] > v[big])
            big = r;
        if (big == i)
            return;
        uint32_t t = v[i];
        v[i] = v[big];
        v[big] = t;
        i = big;
    }
}

void rpc_ping_sort(uint32_t *v, uint32_t n)
{
    for (uint32_t i = n / 2; i-- > 0;)
        sift(v, i, n);
    for (uint32_t end = n; end > 1; end--) {
        uint32_t t = v[0];
        v[0] = v[end - 1];
        v[end - 1] = t;
        sift(v, 0, end - 1);
    }
}

uint32_t rpc_ping_percentile(const uint32_t *v, uint32_t n, unsigned p)
{
    if (n == 0)
        return 0;
    if (p > 100)
        p = 100;
    uint64_t rank = ((uint64_t)p * n + 99u) / 100u; /* ceil(p n / 100) */
    return v[rank == 0 ? 0 : rank - 1];
}
