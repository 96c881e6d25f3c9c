/*
 * kernel/arch/alpha/selftest.c — arch_selftest() (kernel/bootcfg.h): the
 * Alpha machinery checked on the emulated machine at boot, one console line
 * per check. Run by vm_main when the command line has the word "selftest"
 * (QEMU -append selftest). The checks every target shares are
 * kernel/selftest.c's; here are the allocator's page accounting and DMA
 * addresses, divide.S, the clock against wall time and rpcc, the PALcode
 * alarm and the entIF / entUna reports.
 */
#include "kernel/arch.h"
#include "kernel/arch_selftest.h"
#include "kernel/bootcfg.h"
#include "kernel/bus.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "alpha.h"

static void test_alloc(void)
{
    static const struct selftest_alloc_case cases[] = {
        { 1, 16 },     { 16, 16 },     { 100, 16 }, { 4096, 16 },  { 4097, 16 },
        { 20000, 16 }, { 5000, 8192 }, { 64, 64 },  { 100, 1024 }, { 8192, 65536 },
    };
    char why[SELFTEST_WHY] = "";
    uint64_t total, before, after;
    alpha_palloc_stats(&total, &before);
    selftest_alloc_cases(cases, KARRAY_SIZE(cases), why, sizeof(why));
    alpha_palloc_stats(&total, &after);
    if (!why[0] && before - after > 8) /* at most one page per size class used */
        ksnprintf(why, sizeof(why), "%lld pages not returned", (long long)(before - after));
    struct bus_dma dma;
    if (!why[0]) {
        if (bus_dma_alloc(3 * 8192 + 5, 16384, &dma) != 0)
            ksnprintf(why, sizeof(why), "bus_dma_alloc failed");
        else if ((dma.phys & 16383) || dma.phys != kseg_pa(dma.virt) ||
                 !selftest_all_zero(dma.virt, dma.size) ||
                 bus_dma_addr(NULL, dma.virt, true) != dma.phys ||
                 bus_dma_addr(NULL, dma.virt, false) != dma.phys + ALPHA_DMA_WINDOW_BASE)
            ksnprintf(why, sizeof(why), "bus_dma_alloc: bad alignment, address or contents");
        else
            arch_free(dma.virt);
    }
    selftest_check(!why[0], "allocator", why);
}

/* divide.S against values worked out by hand. */
static void test_divide(void)
{
    static const struct {
        uint64_t n, d, q, r;
    } u[] = {
        { 100, 7, 14, 2 },
        { ~0ull, 1, ~0ull, 0 },
        { ~0ull, ~0ull, 1, 0 },
        { 0x8000000000000000ull, 3, 0x2aaaaaaaaaaaaaaaull, 2 },
        { 12345678901234567890ull, 0x9000000000000000ull, 1,
          12345678901234567890ull - 0x9000000000000000ull },
        { 5, 9, 0, 5 },
    };
    static const struct {
        int64_t n, d, q, r;
    } s[] = {
        { -100, 7, -14, -2 },
        { 100, -7, -14, 2 },
        { -100, -7, 14, -2 },
        { INT64_MIN, 1, INT64_MIN, 0 },
    };
    char why[SELFTEST_WHY] = "";
    for (unsigned i = 0; i < KARRAY_SIZE(u) && !why[0]; i++) {
        volatile uint64_t n = u[i].n, d = u[i].d;
        volatile uint32_t n32 = (uint32_t)u[i].n, d32 = (uint32_t)u[i].d | 1u;
        if (n / d != u[i].q || n % d != u[i].r)
            ksnprintf(why, sizeof(why), "unsigned case %u", i);
        else if (n32 / d32 != (uint32_t)((uint64_t)n32 / d32) ||
                 n32 % d32 != (uint32_t)((uint64_t)n32 % d32))
            ksnprintf(why, sizeof(why), "32-bit unsigned case %u", i);
    }
    for (unsigned i = 0; i < KARRAY_SIZE(s) && !why[0]; i++) {
        volatile int64_t n = s[i].n, d = s[i].d;
        volatile int32_t n32 = (int32_t)s[i].n, d32 = (int32_t)s[i].d;
        if (n / d != s[i].q || n % d != s[i].r)
            ksnprintf(why, sizeof(why), "signed case %u", i);
        else if (i < 3 && (n32 / d32 != (int32_t)s[i].q || n32 % d32 != (int32_t)s[i].r))
            ksnprintf(why, sizeof(why), "32-bit signed case %u", i);
    }
    selftest_check(!why[0], "integer division", why);
}

static void test_clock_rate(void)
{
    char why[128];
    /* 20 ms of VM time against the host's wall clock (cserve 3) and the
     * cycle counter (250 MHz). Only a loaded host can stretch either. */
    uint64_t w0 = alpha_walltime_ns(), t0 = arch_clock_ns();
    uint32_t c0 = rpcc();
    while (arch_clock_ns() - t0 < 20000000ull)
        ;
    uint64_t dw = alpha_walltime_ns() - w0;
    uint64_t dc = (uint32_t)(rpcc() - c0);
    ksnprintf(why, sizeof(why), "20 ms of VM time = %llu us of wall time, %llu cycles",
              (unsigned long long)(dw / 1000), (unsigned long long)dc);
    selftest_check(dw >= 19000000ull && dw <= 200000000ull && dc >= 4750000ull && dc <= 50000000ull,
                   "clock rate vs wall time and rpcc", why);
}

static const struct selftest_timer alarm_timer = {
    .ticks = alpha_clock_ticks,
    .arm_ns = alpha_alarm_ns,
    .wait = NULL,
    .fired = "clock interrupt",
    .missing = "no clock interrupt",
};

static void test_exception(void)
{
    alpha_expect_trap = 1;
    __asm__ volatile("call_pal %0" : : "i"(PAL_BPT) : "$16", "$17", "$18", "memory");
    selftest_check(alpha_expect_trap == 0, "exception report (bpt)",
                   alpha_expect_trap ? "entIF was not taken" : "entIF reported and resumed");

    /* The trap every packet parser must avoid: a 4-byte load at an odd address. */
    static uint64_t words[2];
    volatile uint32_t *odd = (volatile uint32_t *)(void *)((uint8_t *)words + 1);
    __asm__("" : "+r"(odd)); /* hide the misalignment, or GCC emits a safe ldq_u pair */
    alpha_expect_trap = 1;
    (void)*odd;
    selftest_check(alpha_expect_trap == 0, "exception report (unaligned)",
                   alpha_expect_trap ? "entUna was not taken" : "entUna reported and resumed");
    alpha_expect_trap = 0;
}

int arch_selftest(void)
{
    selftest_begin();
    test_alloc();
    test_divide();
    selftest_clock_monotonic();
    test_clock_rate();
    selftest_timer_irq(&alarm_timer);
    selftest_idle_deadline();
    test_exception();
    return selftest_failures();
}
