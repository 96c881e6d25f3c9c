/*
 * kernel/selftest.c — the boot self-test checks every target shares
 * (kernel/arch_selftest.h), built on kernel/arch.h only: allocation round
 * trips, a monotonic clock, a timer interrupt, idling to a deadline.
 */
#include "kernel/arch_selftest.h"
#include "kernel/arch.h"
#include "kernel/klib.h"
#include "kernel/log.h"

#define TIMER_NS 10000000ull /* the timer interrupt is armed 10 ms ahead */
#define TIMER_MIN_NS 9000000ull
#define TIMER_MAX_NS 1000000000ull
#define TIMER_POLL_NS 2000000000ull
#define IDLE_NS 5000000ull /* idle 5 ms */
#define IDLE_MAX_CALLS 20u
#define IDLE_MAX_LATE_NS 500000000ull

static int failures;

void selftest_begin(void)
{
    failures = 0;
}

int selftest_failures(void)
{
    return failures;
}

void selftest_check(bool ok, const char *name, const char *detail)
{
    kprintf("selftest: %s %s%s%s\n", name, ok ? "ok" : "FAILED", detail[0] ? ": " : "", detail);
    if (!ok)
        failures++;
}

bool selftest_all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

void selftest_alloc_cases(const struct selftest_alloc_case *cases, size_t n, char *why,
                          size_t whylen)
{
    for (size_t i = 0; i < n && !why[0]; i++) {
        size_t sz = cases[i].size, al = cases[i].align;
        uint8_t *p = arch_alloc(sz, al);
        if (!p) {
            ksnprintf(why, whylen, "arch_alloc(%zu, %zu) returned NULL", sz, al);
            break;
        }
        if ((uintptr_t)p & (al - 1))
            ksnprintf(why, whylen, "arch_alloc(%zu, %zu) = %p misaligned", sz, al, (void *)p);
        else if (!selftest_all_zero(p, sz))
            ksnprintf(why, whylen, "arch_alloc(%zu) not zero-filled", sz);
        memset(p, 0xa5, sz);
        arch_free(p);
        uint8_t *q = arch_alloc(sz, al);
        if (!q)
            ksnprintf(why, whylen, "arch_alloc(%zu) failed after free", sz);
        else if (!selftest_all_zero(q, sz))
            ksnprintf(why, whylen, "reused block of %zu bytes not zero-filled", sz);
        arch_free(q);
    }
}

void selftest_clock_monotonic(void)
{
    char why[SELFTEST_WHY] = "";
    uint64_t prev = arch_clock_ns();
    for (int i = 0; i < 10000; i++) {
        uint64_t now = arch_clock_ns();
        if (now < prev) {
            ksnprintf(why, sizeof(why), "went back from %llu to %llu ns", (unsigned long long)prev,
                      (unsigned long long)now);
            break;
        }
        prev = now;
    }
    selftest_check(!why[0], "clock monotonic", why);
}

void selftest_timer_irq(const struct selftest_timer *t)
{
    char why[SELFTEST_WHY];
    uint64_t before = t->ticks();
    uint64_t t0 = arch_clock_ns();
    t->arm_ns(TIMER_NS);
    while (t->ticks() == before && arch_clock_ns() - t0 < TIMER_POLL_NS)
        if (t->wait)
            t->wait();
    uint64_t dt = arch_clock_ns() - t0;
    bool fired = t->ticks() != before;
    ksnprintf(why, sizeof(why), "%s after %llu us (programmed %llu us)",
              fired ? t->fired : t->missing, (unsigned long long)(dt / 1000),
              (unsigned long long)(TIMER_NS / 1000));
    selftest_check(fired && dt >= TIMER_MIN_NS && dt < TIMER_MAX_NS, "timer interrupt", why);
}

void selftest_idle_deadline(void)
{
    char why[SELFTEST_WHY];
    uint64_t start = arch_clock_ns(), deadline = start + IDLE_NS;
    unsigned loops = 0;
    while (arch_clock_ns() < deadline && loops < 1000) {
        arch_idle(deadline);
        loops++;
    }
    uint64_t late = arch_clock_ns() - deadline;
    ksnprintf(why, sizeof(why), "%u ms idle took %u wake-ups, ended %llu us after the deadline",
              (unsigned)(IDLE_NS / 1000000), loops, (unsigned long long)(late / 1000));
    selftest_check(loops < IDLE_MAX_CALLS && late < IDLE_MAX_LATE_NS, "idle until deadline", why);
}
