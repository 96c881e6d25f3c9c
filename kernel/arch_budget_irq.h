/*
 * kernel/arch_budget_irq.h — what a bare-metal target provides so that
 * kernel/arch_budget_irq.c can stop a bounded handler from its timer
 * interrupt (kernel/arch_budget.h), and the call it makes from that
 * interrupt. Implemented by kernel/arch/x86_64/budget.c (PIT channel 0,
 * 8259 PIC) and kernel/arch/alpha/budget.c (PALcode alarm, IPL).
 */
#ifndef SPINDLE_KERNEL_ARCH_BUDGET_IRQ_H
#define SPINDLE_KERNEL_ARCH_BUDGET_IRQ_H

#include <stdint.h>

/**
 * arch_budget_timer_arm - make the target's timer interrupt fire about
 * @ns nanoseconds from now (a target may fire earlier, at the limit of its
 * counter: kbudget_timer_interrupt re-arms until the deadline); 0: the
 * budget needs no interrupt any more (a target may leave a one-shot that
 * fires later, harmlessly).
 */
void arch_budget_timer_arm(uint64_t ns);
/** arch_budget_irq_off - mask interrupts; returns the state to give arch_budget_irq_restore. */
uint64_t arch_budget_irq_off(void);
/** arch_budget_irq_on - unmask interrupts (the timer's at least). */
void arch_budget_irq_on(void);
/** arch_budget_irq_restore - the interrupt state @s that arch_budget_irq_off returned. */
void arch_budget_irq_restore(uint64_t s);
/**
 * arch_budget_irq_ack - end the timer interrupt being handled before the
 * handler is left by a jump instead of a return (x86: the PIC's end of
 * interrupt); nothing where the firmware acknowledged it already.
 */
void arch_budget_irq_ack(void);

/**
 * kbudget_timer_interrupt - call from the timer interrupt handler, with
 * interrupts masked, on the interrupted code's stack. When a bounded call
 * has passed its deadline it does not return: it unwinds to the outermost
 * expired call's checkpoint (after arch_budget_irq_ack), which reports
 * ARCH_BUDGET_EXPIRED. Otherwise it re-arms the timer and returns.
 */
void kbudget_timer_interrupt(void);

#endif
