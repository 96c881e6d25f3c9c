/*
 * kernel/arch/x86_64/selftest.c — arch_selftest() (kernel/bootcfg.h): the
 * x86_64 machinery checked on the real (virtual) hardware at boot, one
 * console line per check. Run by vm_main when the command line has the
 * word "selftest" (QEMU -append selftest). The checks every target shares
 * are kernel/selftest.c's; here are the allocator's page accounting and
 * DMA memory, the TSC clock against the PIT, IRQ 0 and the #UD report.
 */
#include "kernel/arch.h"
#include "kernel/arch_selftest.h"
#include "kernel/bootcfg.h"
#include "kernel/bus.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "x86.h"

#define PIT_HZ 1193182ull

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
    static const struct selftest_alloc_case cases[] = {
        { 1, 16 },     { 16, 16 },     { 100, 16 }, { 2048, 16 },  { 2049, 16 },
        { 10000, 16 }, { 5000, 4096 }, { 64, 64 },  { 100, 1024 }, { 8192, 65536 },
    };
    char why[SELFTEST_WHY] = "";
    uint64_t total, free_before, free_after;
    x86_palloc_stats(&total, &free_before);
    selftest_alloc_cases(cases, KARRAY_SIZE(cases), why, sizeof(why));
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
                 !selftest_all_zero(dma.virt, dma.size))
            ksnprintf(why, sizeof(why), "bus_dma_alloc: bad alignment, address or contents");
        else
            arch_free(dma.virt);
    }
    /* Whole-page allocations all came back (size-class pages stay with their class). */
    x86_palloc_stats(&total, &free_after);
    if (!why[0] && free_after != free_round[1])
        ksnprintf(why, sizeof(why), "%lld pages not returned",
                  (long long)(free_round[1] - free_after));
    selftest_check(!why[0], "allocator", why);
}

static void test_clock_rate(void)
{
    char why[SELFTEST_WHY];
    /* 20 ms of PIT channel 2 against the TSC clock. Polling latency can only
     * lengthen the measured interval; allow it, and a loaded host, some slack. */
    const uint16_t pit_ticks = (uint16_t)(PIT_HZ / 50);
    uint64_t t0 = arch_clock_ns();
    x86_pit_measure_tsc(pit_ticks);
    uint64_t dt = arch_clock_ns() - t0;
    ksnprintf(why, sizeof(why), "20 ms of PIT measured as %llu us; TSC %llu kHz",
              (unsigned long long)(dt / 1000), (unsigned long long)(x86_tsc_hz() / 1000));
    selftest_check(dt >= 19000000ull && dt <= 40000000ull, "clock rate vs PIT", why);
}

static void halt_until_interrupt(void)
{
    sti_hlt();
}

static const struct selftest_timer pit_timer = {
    .ticks = x86_timer_ticks,
    .arm_ns = x86_timer_oneshot_ns,
    .wait = halt_until_interrupt,
    .fired = "IRQ 0 fired",
    .missing = "no IRQ 0",
};

static void test_exception(void)
{
    x86_expect_ud = 1;
    __asm__ volatile("ud2" ::: "memory");
    selftest_check(x86_expect_ud == 0, "exception report",
                   x86_expect_ud ? "#UD was not taken" : "#UD reported and resumed");
    x86_expect_ud = 0;
}

int arch_selftest(void)
{
    selftest_begin();
    test_alloc();
    selftest_clock_monotonic();
    test_clock_rate();
    selftest_timer_irq(&pit_timer);
    selftest_idle_deadline();
    test_exception();
    return selftest_failures();
}
