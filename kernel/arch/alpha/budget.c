/*
 * kernel/arch/alpha/budget.c — the Alpha VM's hooks for bounded handlers
 * (kernel/arch_budget_irq.h): the PALcode's one-shot alarm (cserve 5,
 * clock.c) as the budget timer, its clock interrupt calling
 * kbudget_timer_interrupt (trap.c), and the interrupt priority level for
 * masking (call_pal swpipl, Alpha ARM II-B). The PALcode acknowledges the
 * clock interrupt itself; leaving the handler by a jump instead of rti
 * only leaves the IPL raised, which the unwound call restores.
 */
#include "kernel/arch_budget_irq.h"
#include "alpha.h"

void arch_budget_timer_arm(uint64_t ns)
{
    alpha_alarm_ns(ns); /* 0 disarms */
}

uint64_t arch_budget_irq_off(void)
{
    return pal_swpipl(IPL_HIGH);
}

void arch_budget_irq_on(void)
{
    (void)pal_swpipl(0);
}

void arch_budget_irq_restore(uint64_t s)
{
    (void)pal_swpipl(s);
}

void arch_budget_irq_ack(void)
{
}
