/*
 * kernel/timer.c — one-shot timers kept in a list sorted by deadline
 * (kernel/timer.h). Arming is O(n) in pending timers, running due timers
 * O(1) each; the appliance holds few timers (ARP retries, reassembly).
 */
#include "kernel/timer.h"

#include <stddef.h>
#include "kernel/clock.h"

static struct ktimer *pending;
static unsigned npending;

void ktimer_init(struct ktimer *t, ktimer_fn fn, void *ctx)
{
    t->deadline_ns = 0;
    t->fn = fn;
    t->ctx = ctx;
    t->next = NULL;
    t->armed = false;
}

void ktimer_cancel(struct ktimer *t)
{
    if (!t->armed)
        return;
    for (struct ktimer **pp = &pending; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->armed = false;
    npending--;
}

void ktimer_arm(struct ktimer *t, uint64_t deadline_ns)
{
    ktimer_cancel(t);
    t->deadline_ns = deadline_ns;
    struct ktimer **pp = &pending;
    while (*pp && (*pp)->deadline_ns <= deadline_ns)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->armed = true;
    npending++;
}

void ktimer_arm_in(struct ktimer *t, uint64_t delay_ns)
{
    ktimer_arm(t, kclock_now_ns() + delay_ns);
}

unsigned ktimer_run_due(uint64_t now_ns)
{
    unsigned ran = 0;
    while (pending && pending->deadline_ns <= now_ns) {
        struct ktimer *t = pending;
        pending = t->next;
        t->next = NULL;
        t->armed = false;
        npending--;
        t->fn(t, t->ctx);
        ran++;
    }
    return ran;
}

uint64_t ktimer_next_deadline(void)
{
    return pending ? pending->deadline_ns : UINT64_MAX;
}

unsigned ktimer_pending(void)
{
    return npending;
}
