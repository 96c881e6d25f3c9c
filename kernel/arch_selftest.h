/*
 * kernel/arch_selftest.h — the checks every target's arch_selftest()
 * (kernel/bootcfg.h) shares, in kernel/selftest.c. A target's selftest.c
 * runs them in its own order between its own checks (allocator page
 * accounting, clock rate against an independent timer, exception report).
 *
 * Every check prints one console line, "selftest: NAME ok[: detail]" or
 * "selftest: NAME FAILED[: detail]" (tests/vm and tests/vm-alpha match
 * these lines), and counts failures. Built only on kernel/arch.h, so any
 * target can run them. Freestanding C11.
 */
#ifndef SPINDLE_KERNEL_ARCH_SELFTEST_H
#define SPINDLE_KERNEL_ARCH_SELFTEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** Bytes of a check's detail text ("why"), NUL included. */
#define SELFTEST_WHY 96

/** selftest_begin - reset the failure count; call first in arch_selftest(). */
void selftest_begin(void);

/** selftest_failures - checks that failed since selftest_begin(); arch_selftest()'s result. */
int selftest_failures(void);

/**
 * selftest_check - print the line of check @name: "ok" when @ok, else
 * "FAILED" (counted); @detail, unless "", follows after ": ".
 */
void selftest_check(bool ok, const char *name, const char *detail);

/** selftest_all_zero - true when the @n bytes at @p are all 0. */
bool selftest_all_zero(const void *p, size_t n);

/** One arch_alloc() request: @size bytes aligned to @align (a power of two). */
struct selftest_alloc_case {
    size_t size, align;
};

/**
 * selftest_alloc_cases - for each of the @n cases: arch_alloc() must
 * return a block aligned to @align and zero-filled; it is then filled with
 * 0xa5, freed, and the same request must again return zero-filled memory
 * (the allocator zeroes reused blocks). Stops at the first problem and
 * writes it into @why (@whylen bytes); leaves @why alone when all pass.
 * Prints nothing: the caller adds its own accounting and reports the
 * result with selftest_check().
 */
void selftest_alloc_cases(const struct selftest_alloc_case *cases, size_t n, char *why,
                          size_t whylen);

/** selftest_clock_monotonic - check "clock monotonic": 10000 arch_clock_ns() reads never go back. */
void selftest_clock_monotonic(void);

/** How a target arms and observes its timer interrupt, for selftest_timer_irq(). */
struct selftest_timer {
    uint64_t (*ticks)(void);     /* timer interrupts taken since boot */
    void (*arm_ns)(uint64_t ns); /* one timer interrupt @ns from now */
    void (*wait)(void);          /* between two polls of ticks (NULL: spin) */
    const char *fired, *missing; /* wording of the detail: "IRQ 0 fired", "no IRQ 0" */
};

/**
 * selftest_timer_irq - check "timer interrupt": a timer interrupt armed
 * 10 ms ahead arrives after at least 9 ms and within 1 s (polled for at
 * most 2 s of arch_clock_ns()).
 */
void selftest_timer_irq(const struct selftest_timer *t);

/**
 * selftest_idle_deadline - check "idle until deadline": arch_idle() to a
 * deadline 5 ms ahead gets there in fewer than 20 calls and less than
 * 500 ms late.
 */
void selftest_idle_deadline(void);

#endif
