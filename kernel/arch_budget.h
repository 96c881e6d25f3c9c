/*
 * kernel/arch_budget.h — the target hook that stops a handler which overruns
 * its time budget (bounded handlers, SPIN's bounded handler property,
 * Bershad et al. SOSP 1995, the extension model; kernel/budget.h is the portable side).
 *
 * spindle runs to completion: nothing preempts a handler, so a handler that
 * loops forever would stop the appliance. A target that can interrupt code
 * implements arch_budget_call() as:
 *
 *   1. take a checkpoint (the registers needed to resume the caller: hosted
 *      uses sigsetjmp; a bare-metal target may use __builtin_setjmp, a
 *      freestanding GCC builtin);
 *   2. arm a budget timer for @budget_ns of the target's budget clock
 *      (hosted: a POSIX CPU-time timer of the calling thread that raises a
 *      signal; bare metal: the timer interrupt);
 *   3. call @fn(@arg);
 *   4. if it returns, disarm the timer and report ARCH_BUDGET_RETURNED;
 *   5. if the timer expires first, the expiry path (signal handler or timer
 *      interrupt) unwinds to the checkpoint (siglongjmp / __builtin_longjmp,
 *      re-enabling interrupts that the trap disabled) and the call reports
 *      ARCH_BUDGET_EXPIRED: @fn is abandoned mid-way and never resumed.
 *
 * Calls may nest (a bounded handler raising an event that has another
 * bounded handler). When several budgets have expired, the expiry unwinds
 * to the OUTERMOST expired checkpoint; the calls inside it are abandoned too.
 *
 * Hazards of abandonment (why kernel/budget.c repairs what it can and the
 * dispatcher uninstalls the handler): the abandoned code may have been in
 * the middle of updating its own state (left inconsistent), may hold buffers
 * it allocated (leaked unless counted and reclaimed), and may have been
 * inside a raise (the dispatcher's per-event raise depth, repaired through
 * kernel/budget.h frames). A target must only unwind code that runs in the
 * checkpoint's own context (never another thread, never an interrupt
 * handler's own frames other than the expiry path itself). Abandoning code
 * inside the C library's allocator (hosted) can leave its lock held: a
 * bounded handler must not be trusted to be abandoned safely if it calls
 * malloc-backed services in a loop; spindle's own kmalloc is such a service.
 *
 * A target that cannot interrupt code (kernel/arch_budget_none.c) runs
 * @fn to completion and reports the time it used: an overrun is then
 * detected after the fact, and a handler that never returns is not stopped.
 *
 * Implementations: kernel/arch/hosted/budget.c (CPU-time timer + siglongjmp);
 * kernel/arch_budget_irq.c (x86_64 and alpha: the timer interrupt unwinds
 * with __builtin_longjmp; each target's hooks in kernel/arch/<t>/budget.c,
 * kernel/arch_budget_irq.h); kernel/arch_budget_none.c (no preemption).
 */
#ifndef SPINDLE_KERNEL_ARCH_BUDGET_H
#define SPINDLE_KERNEL_ARCH_BUDGET_H

#include <stdint.h>
#include <stdbool.h>

/** The function run under a budget; returns a handler result. */
typedef int (*arch_budget_fn)(void *arg);

/** Outcomes of arch_budget_call(). */
enum arch_budget_status {
    ARCH_BUDGET_RETURNED = 0, /* @fn returned; *result holds its value */
    ARCH_BUDGET_EXPIRED = 1   /* the budget expired first; @fn was abandoned */
};

/**
 * arch_budget_call - run @fn(@arg) with a budget of @budget_ns nanoseconds of
 * the target's budget clock (hosted: CPU time of the calling thread, so time
 * spent descheduled by the host does not count; bare metal: the monotonic
 * clock). Returns ARCH_BUDGET_RETURNED with *@result = @fn's value, or
 * ARCH_BUDGET_EXPIRED (*@result untouched) when the target abandoned @fn.
 * *@used_ns receives the budget-clock time the call used, in ns, in both
 * cases. The expiry is observed at the granularity of the target's timer
 * (hosted: the host scheduler tick, typically 1-4 ms). Never fails: a
 * target that cannot arm a timer (or nests deeper than it supports) runs
 * @fn without preemption and reports RETURNED.
 */
int arch_budget_call(uint64_t budget_ns, arch_budget_fn fn, void *arg, int *result,
                     uint64_t *used_ns);

/** arch_budget_preemptive - true when arch_budget_call() can abandon a handler that never returns. */
bool arch_budget_preemptive(void);

#endif
