/*
 * kernel/arch/x86_64/selftest.c — arch_selftest() (kernel/bootcfg.h): the
 * x86_64 machinery checked on the real (virtual) hardware at boot, one
 * console line per check. Run by vm_main when the command line has the
 * word "selftest" (QEMU -append selftest).
 */
#include "kernel/arch.h"
#include "kernel/bootcfg.h"
#include "kernel/bus.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "x86.h"

#define PIT_HZ 1193182ull

static int failures;

static void check(bool ok, const char *name, const char *detail)
{
    kprintf("selftest: %s %s%s%s\n", name, ok ? "ok" : "FAILED", detail[0] ? ": " : "", detail);
    if (!ok)
        failures++;
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static void small_round(char *why, size_t whylen)
{
    void *blk[300];
    for (unsigned i = 0; i < KARRAY_SIZE(blk); i++) {
        blk[i] = arch_alloc(24 + i, 16);
        if (!blk[i] && !why[0])
            ksnprintf(why, whylen, "small allocation %u failed", i);
        else if (blk[i])
            memset(blk[i], (int)i, 24 + i);
    }
    for (unsigned i = 0; i < KARRAY_SIZE(blk) && !why[0]; i++) {
        const uint8_t *b = blk[i];
        for (unsigned k = 0; b && k < 24 + i; k++)
            if (b[k] != (uint8_t)i) {
                ksnprintf(why, whylen, "block %u overwritten", i);
                break;
            }
    }
    for (unsigned i = 0; i < KARRAY_SIZE(blk); i++)
        arch_free(blk[i]);
}

static void test_alloc(void)
{
    static const struct { size_t size, align; } cases[] = {
        { 1, 16 }, { 16, 16 }, { 100, 16 }, { 2048, 16 }, { 2049, 16 },
        { 10000, 16 }, { 5000, 4096 }, { 64, 64 }, { 100, 1024 }, { 8192, 65536 },
    };
    char why[96] = "";
    uint64_t total, free_before, free_after;
    x86_palloc_stats(&total, &free_before);
    for (unsigned i = 0; i < KARRAY_SIZE(cases) && !why[0]; i++) {
        size_t sz = cases[i].size, al = cases[i].align;
        uint8_t *p = arch_alloc(sz, al);
        if (!p) {
            ksnprintf(why, sizeof(why), "arch_alloc(%zu, %zu) returned NULL", sz, al);
            break;
        }
        if ((uintptr_t)p & (al - 1))
            ksnprintf(why, sizeof(why), "arch_alloc(%zu, %zu) = %p misaligned", sz, al, (void *)p);
        else if (!all_zero(p, sz))
            ksnprintf(why, sizeof(why), "arch_alloc(%zu) not zero-filled", sz);
        memset(p, 0xA5, sz);
        arch_free(p);
        uint8_t *q = arch_alloc(sz, al);
        if (!q)
            ksnprintf(why, sizeof(why), "arch_alloc(%zu) failed after free", sz);
        else if (!all_zero(q, sz))
            ksnprintf(why, sizeof(why), "reused block of %zu bytes not zero-filled", sz);
        arch_free(q);
    }
    /* Whole-page runs came back; at most one new page per size class used above. */
    x86_palloc_stats(&total, &free_after);
    if (!why[0] && free_before - free_after > 6)
        ksnprintf(why, sizeof(why), "%lld pages not returned",
                  (long long)(free_before - free_after));
    /* Many small blocks, twice: distinct, intact, and the second round
     * reuses the first round's memory (no pages lost). */
    uint64_t free_round[2];
    for (int round = 0; round < 2; round++) {
        small_round(why, sizeof(why));
        x86_palloc_stats(&total, &free_round[round]);
    }
    if (!why[0] && free_round[1] != free_round[0])
        ksnprintf(why, sizeof(why), "second round of small blocks took %lld more pages",
                  (long long)(free_round[0] - free_round[1]));
    struct bus_dma dma;
    if (!why[0]) {
        if (bus_dma_alloc(3 * 4096 + 5, 8192, &dma) != 0)
            ksnprintf(why, sizeof(why), "bus_dma_alloc failed");
        else if ((dma.phys & 8191) || dma.phys != (uint64_t)(uintptr_t)dma.virt ||
                 !all_zero(dma.virt, dma.size))
            ksnprintf(why, sizeof(why), "bus_dma_alloc: bad alignment, address or contents");
        else
            arch_free(dma.virt);
    }
    /* Whole-page allocations all came back (size-class pages stay with their class). */
    x86_palloc_stats(&total, &free_after);
    if (!why[0] && free_after != free_round[1])
        ksnprintf(why, sizeof(why), "%lld pages not returned",
                  (long long)(free_round[1] - free_after));
    check(!why[0], "allocator", why);
}

static void test_clock(void)
{
    char why[96] = "";
    uint64_t prev = arch_clock_ns();
    for (int i = 0; i < 10000; i++) {
        uint64_t now = arch_clock_ns();
        if (now < prev) {
            ksnprintf(why, sizeof(why), "went back from %llu to %llu ns",
                      (unsigned long long)prev, (unsigned long long)now);
            break;
        }
        prev = now;
    }
    check(!why[0], "clock monotonic", why);

    /* 20 ms of PIT channel 2 against the TSC clock. Polling latency can only
     * lengthen the measured interval; allow it, and a loaded host, some slack. */
    const uint16_t pit_ticks = (uint16_t)(PIT_HZ / 50);
    uint64_t t0 = arch_clock_ns();
    x86_pit_measure_tsc(pit_ticks);
    uint64_t dt = arch_clock_ns() - t0;
    ksnprintf(why, sizeof(why), "20 ms of PIT measured as %llu us; TSC %llu kHz",
              (unsigned long long)(dt / 1000), (unsigned long long)(x86_tsc_hz() / 1000));
    check(dt >= 19000000ull && dt <= 40000000ull, "clock rate vs PIT", why);
}

static void test_timer_irq(void)
{
    char why[96];
    uint64_t before = x86_timer_ticks();
    uint64_t t0 = arch_clock_ns();
    x86_timer_oneshot_ns(10000000ull);      /* 10 ms */
    while (x86_timer_ticks() == before && arch_clock_ns() - t0 < 2000000000ull)
        sti_hlt();
    uint64_t dt = arch_clock_ns() - t0;
    bool fired = x86_timer_ticks() != before;
    ksnprintf(why, sizeof(why), "%s after %llu us (programmed 10000 us)",
              fired ? "IRQ 0 fired" : "no IRQ 0", (unsigned long long)(dt / 1000));
    check(fired && dt >= 9000000ull && dt < 1000000000ull, "timer interrupt", why);

    /* arch_idle sleeps until a deadline, in a few wake-ups at most. */
    uint64_t start = arch_clock_ns(), deadline = start + 5000000ull;
    unsigned loops = 0;
    while (arch_clock_ns() < deadline && loops < 1000) {
        arch_idle(deadline);
        loops++;
    }
    uint64_t late = arch_clock_ns() - deadline;
    ksnprintf(why, sizeof(why), "5 ms idle took %u wake-ups, ended %llu us after the deadline",
              loops, (unsigned long long)(late / 1000));
    check(loops < 20 && late < 500000000ull, "idle until deadline", why);
}

static void test_exception(void)
{
    x86_expect_ud = 1;
    __asm__ volatile("ud2" ::: "memory");
    check(x86_expect_ud == 0, "exception report", x86_expect_ud ? "#UD was not taken" : "#UD reported and resumed");
    x86_expect_ud = 0;
}

int arch_selftest(void)
{
    failures = 0;
    test_alloc();
    test_clock();
    test_timer_irq();
    test_exception();
    return failures;
}
