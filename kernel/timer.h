/*
 * kernel/timer.h — one-shot timers on kclock_now_ns().
 *
 * Timers run from the main loop (ktimer_run_due), never from interrupts,
 * in deadline order; a callback may re-arm its own timer or others.
 */
#ifndef SPINDLE_KERNEL_TIMER_H
#define SPINDLE_KERNEL_TIMER_H

#include <stdint.h>
#include <stdbool.h>

struct ktimer;
/** A timer callback; runs once per arming, in the main loop. */
typedef void (*ktimer_fn)(struct ktimer *t, void *ctx);

/** A timer. Embed it; initialise with ktimer_init() before first use. */
struct ktimer {
    uint64_t deadline_ns; /* kclock time at which it fires */
    ktimer_fn fn;
    void *ctx;
    struct ktimer *next; /* pending list link, private */
    bool armed;
};

/** ktimer_init - set the callback; the timer starts disarmed. */
void ktimer_init(struct ktimer *t, ktimer_fn fn, void *ctx);
/** ktimer_arm - (re)arm @t to fire at absolute @deadline_ns. */
void ktimer_arm(struct ktimer *t, uint64_t deadline_ns);
/** ktimer_arm_in - (re)arm @t to fire @delay_ns from now. */
void ktimer_arm_in(struct ktimer *t, uint64_t delay_ns);
/** ktimer_cancel - disarm @t; harmless if not armed. */
void ktimer_cancel(struct ktimer *t);
/** ktimer_run_due - run every timer whose deadline is <= @now_ns; returns how many ran. */
unsigned ktimer_run_due(uint64_t now_ns);
/** ktimer_next_deadline - the earliest armed deadline, or UINT64_MAX. */
uint64_t ktimer_next_deadline(void);
/** ktimer_pending - number of armed timers. */
unsigned ktimer_pending(void);

#endif
