/*
 * kernel/arch_budget_none.c — arch_budget_call() for a target that cannot
 * interrupt a handler (kernel/arch_budget.h): run it to completion and report
 * the time it took on arch_clock_ns(), so that an overrun is detected after
 * the fact. A handler that never returns is not stopped.
 *
 * Portable and target-neutral: for a target without a timer interrupt (the
 * x86_64 and alpha images link kernel/arch_budget_irq.c instead).
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
