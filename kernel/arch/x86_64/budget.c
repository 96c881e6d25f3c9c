/*
 * kernel/arch/x86_64/budget.c — the x86_64 VM's hooks for bounded handlers
 * (kernel/arch_budget_irq.h): PIT channel 0 in one-shot mode as the budget
 * timer (its IRQ 0 handler in clock.c calls kbudget_timer_interrupt), RFLAGS.IF
 * for masking, and the 8259 PIC's end of interrupt before the interrupt is
 * left by a jump (Intel 8259A datasheet: the in-service bit would otherwise
 * block IRQ 0 and every lower-priority line).
 */
#include "kernel/arch_budget_irq.h"
#include "x86.h"

void arch_budget_timer_arm(uint64_t ns)
{
    if (ns != 0)
        x86_timer_oneshot_ns(ns); /* at most ~55 ms: re-armed from the interrupt */
}

uint64_t arch_budget_irq_off(void)
{
    return irq_save();
}

void arch_budget_irq_on(void)
{
    sti();
}

void arch_budget_irq_restore(uint64_t s)
{
    irq_restore(s);
}

void arch_budget_irq_ack(void)
{
    (void)x86_pic_eoi(0);
}
