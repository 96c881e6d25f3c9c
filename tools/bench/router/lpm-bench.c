/*
 * tools/bench/router/lpm-bench.c — lookups per second of the routing
 * table's DIR-n-8 structure (protocols/ipv4/lpm.h) against the linear scan
 * it replaced (protocols/ipv4/route.c before: every route tested, the
 * longest match kept), on the same random tables and addresses, measured
 * in the same run and printed as a ratio. A hosted benchmark, not a test:
 * build it in a release build (meson --buildtype=release).
 *
 *   lpm-bench [ROUTES] [SEED]     (defaults: 1024 routes = IPV4_MAX_ROUTES, seed 1)
 *
 * Prefixes: lengths as in a real table (40% /24, 15% /32, the rest /8../31
 * and a few shorter), in a few crowded regions so they nest. Addresses:
 * 3/4 inside the table's prefixes, 1/4 anywhere. Every structure's answers
 * are checked against the linear scan's before anything is timed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernel/lib/inet.h"
#include "protocols/ipv4/lpm.h"

#define NADDR (1u << 20)

struct rule {
    uint32_t prefix, value;
    uint8_t plen;
};

static uint32_t rng_state;
static uint32_t rnd(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

static uint32_t rnd_addr(void)
{
    static const uint32_t regions[] = { 0x0a000000u, 0xac100000u, 0xc0a80000u, 0x0a0a0000u };
    uint32_t r = rnd();
    return (r & 7) == 0 ? rnd() : regions[(r >> 3) & 3] | (rnd() & 0x000fffffu);
}

static uint8_t rnd_plen(void)
{
    uint32_t r = rnd() % 100;
    if (r < 3)
        return (uint8_t)(rnd() % 8);
    if (r < 43)
        return 24;
    if (r < 58)
        return 32;
    return (uint8_t)(8 + rnd() % 24);
}

/* The linear scan of the old route.c: every rule, the longest match wins. */
static uint32_t linear_lookup(const struct rule *r, unsigned n, uint32_t addr)
{
    const struct rule *best = NULL;
    for (unsigned i = 0; i < n; i++)
        if ((addr & inet_plen_mask(r[i].plen)) == r[i].prefix &&
            (best == NULL || r[i].plen > best->plen))
            best = &r[i];
    return best != NULL ? best->value : LPM_NONE;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Lookups per second of @l over @addr, at least @min_s seconds of them. */
static double bench_dir(const struct lpm *l, const uint32_t *addr, double min_s, uint32_t *sink)
{
    uint64_t done = 0;
    double t0 = now_s(), t;
    uint32_t acc = 0;
    do {
        for (unsigned i = 0; i < NADDR; i++)
            acc += lpm_lookup(l, addr[i]);
        done += NADDR;
        t = now_s() - t0;
    } while (t < min_s);
    *sink += acc;
    return (double)done / t;
}

static double bench_linear(const struct rule *r, unsigned n, const uint32_t *addr, double min_s,
                           uint32_t *sink)
{
    uint64_t done = 0;
    double t0 = now_s(), t;
    uint32_t acc = 0;
    unsigned i = 0;
    do {
        for (unsigned k = 0; k < 4096; k++, i = (i + 1) & (NADDR - 1))
            acc += linear_lookup(r, n, addr[i]);
        done += 4096;
        t = now_s() - t0;
    } while (t < min_s);
    *sink += acc;
    return (double)done / t;
}

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 1024;
    rng_state = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 1;
    if (n == 0 || rng_state == 0) {
        fprintf(stderr, "usage: lpm-bench [ROUTES>0] [SEED>0]\n");
        return 2;
    }
    struct rule *rules = calloc(n, sizeof *rules);
    uint32_t *addr = malloc(NADDR * sizeof *addr);
    struct lpm *d16 = lpm_create(16, n), *d24 = lpm_create(24, n);
    if (rules == NULL || addr == NULL || d16 == NULL || d24 == NULL) {
        fprintf(stderr, "lpm-bench: out of memory\n");
        return 1;
    }
    unsigned have = 0;
    while (have < n) {
        uint8_t plen = rnd_plen();
        uint32_t p = rnd_addr() & inet_plen_mask(plen);
        uint32_t v;
        if (lpm_get(d16, p, plen, &v) == 0)
            continue; /* distinct prefixes, as a routing table holds */
        rules[have] = (struct rule){ p, have, plen };
        if (lpm_add(d16, p, plen, have) < 0 || lpm_add(d24, p, plen, have) < 0) {
            fprintf(stderr, "lpm-bench: lpm_add failed\n");
            return 1;
        }
        have++;
    }
    for (unsigned i = 0; i < NADDR; i++) {
        uint32_t r = rnd();
        if ((r & 3) == 0) {
            addr[i] = rnd();
        } else {
            const struct rule *x = &rules[(r >> 2) % n];
            addr[i] = x->prefix | (rnd() & ~inet_plen_mask(x->plen));
        }
    }
    for (unsigned i = 0; i < 20000; i++) {
        uint32_t want = linear_lookup(rules, n, addr[i]);
        if (lpm_lookup(d16, addr[i]) != want || lpm_lookup(d24, addr[i]) != want) {
            fprintf(stderr, "lpm-bench: DIR and linear disagree on address %u\n", i);
            return 1;
        }
    }
    uint32_t sink = 0;
    double lin = bench_linear(rules, n, addr, 1.0, &sink);
    double r16 = bench_dir(d16, addr, 1.0, &sink);
    double r24 = bench_dir(d24, addr, 1.0, &sink);
    printf("LPM lookups, %u random prefixes, %u random addresses (checksum %08x)\n", n, NADDR,
           sink);
    printf("  %-28s %14.0f lookups/s  %10zu bytes\n", "linear scan (old route.c)", lin,
           (size_t)n * sizeof(struct rule));
    printf("  %-28s %14.0f lookups/s  %10zu bytes  %8.1fx linear\n", "DIR-16-8-8 (route.c)", r16,
           lpm_memory(d16), r16 / lin);
    printf("  %-28s %14.0f lookups/s  %10zu bytes  %8.1fx linear\n", "DIR-24-8", r24,
           lpm_memory(d24), r24 / lin);
    lpm_destroy(d16);
    lpm_destroy(d24);
    free(rules);
    free(addr);
    return 0;
}
