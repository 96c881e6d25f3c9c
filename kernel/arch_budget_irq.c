/*
 * kernel/arch_budget_irq.c — arch_budget_call() for a bare-metal target
 * with a timer interrupt (kernel/arch_budget.h), portable over the target's
 * hooks (kernel/arch_budget_irq.h).
 *
 * A call takes a checkpoint with __builtin_setjmp (GCC's freestanding
 * builtin: frame and stack pointer and the resume address), arms the timer
 * for the earliest deadline of the calls in progress, unmasks interrupts
 * and runs the handler. The timer interrupt (kbudget_timer_interrupt) reads
 * the monotonic clock; when a deadline has passed it acknowledges the
 * interrupt and __builtin_longjmp's to the outermost expired checkpoint:
 * the interrupt's own frames and the abandoned handler's are left on the
 * stack below it and forgotten, the interrupt state is put back as it was
 * before the call. The budget clock is arch_clock_ns() (monotonic, so time
 * the VM's CPU was not scheduled by the host counts too).
 *
 * Checkpoints form a stack (nested bounded calls); `depth` is raised only
 * once a checkpoint is complete and lowered with interrupts masked, so the
 * interrupt always sees a consistent stack.
 */
#include "kernel/arch.h"
#include "kernel/arch_budget.h"
#include "kernel/arch_budget_irq.h"

#define BUDGET_MAX_NEST 8

struct checkpoint {
    void *env[5];      /* __builtin_setjmp's buffer */
    uint64_t deadline; /* arch_clock_ns() */
};

static struct checkpoint stack[BUDGET_MAX_NEST];
static volatile unsigned depth;

/* arm - the timer for the earliest deadline of checkpoints [0, n); none when n == 0. */
static void arm(unsigned n)
{
    if (n == 0) {
        arch_budget_timer_arm(0);
        return;
    }
    uint64_t d = stack[0].deadline;
    for (unsigned i = 1; i < n; i++)
        if (stack[i].deadline < d)
            d = stack[i].deadline;
    uint64_t now = arch_clock_ns();
    arch_budget_timer_arm(d > now ? d - now : 1);
}

void kbudget_timer_interrupt(void)
{
    unsigned n = depth;
    if (n == 0)
        return;
    uint64_t now = arch_clock_ns();
    for (unsigned i = 0; i < n; i++) {
        if (stack[i].deadline <= now) {
            depth = i;
            arch_budget_irq_ack();
            __builtin_longjmp(stack[i].env, 1);
        }
    }
    arm(n); /* early: the counter's limit, or another call's deadline */
}

int arch_budget_call(uint64_t budget_ns, arch_budget_fn fn, void *arg, int *result,
                     uint64_t *used_ns)
{
    if (depth >= BUDGET_MAX_NEST) {
        uint64_t t0 = arch_clock_ns();
        *result = fn(arg);
        *used_ns = arch_clock_ns() - t0;
        return ARCH_BUDGET_RETURNED;
    }
    /* volatile: read again after the jump, whatever registers held */
    volatile unsigned level = depth;
    volatile uint64_t t0 = arch_clock_ns();
    volatile uint64_t irq = arch_budget_irq_off();
    stack[level].deadline = budget_ns > UINT64_MAX - t0 ? UINT64_MAX : t0 + budget_ns;
    if (__builtin_setjmp(stack[level].env) == 0) {
        depth = level + 1;
        arm(level + 1);
        arch_budget_irq_on();
        int r = fn(arg);
        (void)arch_budget_irq_off();
        depth = level;
        arm(level);
        arch_budget_irq_restore(irq);
        *result = r;
        *used_ns = arch_clock_ns() - t0;
        return ARCH_BUDGET_RETURNED;
    }
    /* Unwound here by kbudget_timer_interrupt: interrupts masked, depth == level. */
    arm(level);
    arch_budget_irq_restore(irq);
    *used_ns = arch_clock_ns() - t0;
    return ARCH_BUDGET_EXPIRED;
}

bool arch_budget_preemptive(void)
{
    return true;
}
