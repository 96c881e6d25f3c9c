/*
 * kernel/arch_budget_none.c — arch_budget_call() for a target that cannot
 * interrupt a handler (kernel/arch_budget.h): run it to completion and report
 * the time it took on arch_clock_ns(), so that an overrun is detected after
 * the fact. A handler that never returns is not stopped.
 *
 * Portable and target-neutral; the bare-metal images (x86_64, alpha) link it
 * until their timer-interrupt implementation replaces it (drop this file
 * from kernel_bm_srcs and add kernel/arch/<target>/budget.c).
 */
#include "kernel/arch.h"
#include "kernel/arch_budget.h"

int arch_budget_call(uint64_t budget_ns, arch_budget_fn fn, void *arg, int *result,
                     uint64_t *used_ns)
{
    (void)budget_ns;
    uint64_t t0 = arch_clock_ns();
    *result = fn(arg);
    *used_ns = arch_clock_ns() - t0;
    return ARCH_BUDGET_RETURNED;
}

bool arch_budget_preemptive(void)
{
    return false;
}
