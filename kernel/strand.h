/*
 * kernel/strand.h — strands and the scheduler (SPIN's Strand interface,
 * Bershad et al. SOSP 1995, "Extensible thread management": a strand is the
 * minimal unit of execution; the scheduler raises Strand events so that extensions — thread
 * packages in SPIN — can observe and take part in scheduling).
 *
 * A spindle strand is a run-to-completion closure: a function and a context
 * that the scheduler calls one step at a time; a step returns whether the
 * strand is finished (KSTRAND_EXIT), wants to run again (KSTRAND_YIELD) or
 * waits to be unblocked (KSTRAND_BLOCK). Strands have no stacks of their own:
 * the kernel runs to completion on one stack, a strand's state between
 * steps is its context (continuation style), so a strand costs a few words,
 * needs no context-switch code on any target (x86_64, alpha, hosted), and
 * an asynchronous handler invocation can be one. SPIN defines strands by
 * their interface, not their implementation: Block, Unblock, Checkpoint and
 * Resume are here events, raised by the scheduler:
 *
 *   Strand.Resume      before each step (the strand gets the processor)
 *   Strand.Checkpoint  after each step (the strand gives the processor up;
 *                      an observer saves whatever it tracks)
 *   Strand.Block       a strand stopped being runnable until unblocked
 *   Strand.Unblock     a blocked strand became runnable again
 *
 * Their argument is the struct kstrand *; they are non-packet events, so
 * guards on them are C predicates (e.g. on the strand's name).
 *
 * The run queue is FIFO. The main loop calls ksched_run() each iteration
 * (apps/appliance.c appliance_poll) and does not idle while
 * ksched_runnable() > 0. Timers run as strands through kstrand_wake_at():
 * the timer only makes the strand runnable; its work runs from the
 * scheduler. Single core, no locks; ksched_run() does not nest (a step that
 * calls it gets 0).
 */
#ifndef SPINDLE_KERNEL_STRAND_H
#define SPINDLE_KERNEL_STRAND_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/event.h"
#include "kernel/timer.h"

/** What a step asks for next. */
enum kstrand_step {
    KSTRAND_EXIT = 0,  /* finished: state DONE, exit callback runs */
    KSTRAND_YIELD = 1, /* runnable again, at the tail of the run queue */
    KSTRAND_BLOCK = 2  /* blocked until kstrand_unblock() (or its wake timer) */
};

/** States of a strand. */
enum kstrand_state {
    KSTRAND_IDLE = 0,     /* initialised, never started (or cancelled) */
    KSTRAND_RUNNABLE = 1, /* on the run queue */
    KSTRAND_RUNNING = 2,  /* its step is executing */
    KSTRAND_BLOCKED = 3,  /* waiting for kstrand_unblock() */
    KSTRAND_DONE = 4      /* returned KSTRAND_EXIT, or was abandoned by a budget */
};

struct kstrand;
/** One step of a strand; returns enum kstrand_step. */
typedef int (*kstrand_fn)(struct kstrand *s, void *ctx);
/** Called once when the strand is DONE; may free the memory of @s. */
typedef void (*kstrand_exit_fn)(struct kstrand *s, void *ctx);

/** A strand. Embed it; fields are read-only outside kernel/strand.c. */
struct kstrand {
    const char *name; /* for observers and introspection; borrowed */
    kstrand_fn run;
    void *ctx;
    kstrand_exit_fn exit; /* may be NULL */
    uint8_t state;        /* enum kstrand_state */
    bool wake_pending;    /* unblocked while running: a KSTRAND_BLOCK step yields instead */
    struct kstrand *next; /* run queue link, private */
    struct ktimer wake;   /* kstrand_wake_at, private */
    uint64_t steps;       /* steps run */
};

KEVENT_DECLARE(strand_Block, struct kstrand *);
KEVENT_DECLARE(strand_Unblock, struct kstrand *);
KEVENT_DECLARE(strand_Checkpoint, struct kstrand *);
KEVENT_DECLARE(strand_Resume, struct kstrand *);

/** kstrand_init - set up @s (state IDLE); @name is borrowed. */
void kstrand_init(struct kstrand *s, const char *name, kstrand_fn run, void *ctx,
                  kstrand_exit_fn exit);

/** kstrand_start - make an IDLE or DONE strand runnable. -KE_INVAL in any other state. */
int kstrand_start(struct kstrand *s);

/**
 * kstrand_block - take a RUNNABLE strand off the run queue (raises
 * Strand.Block). A running strand blocks itself by returning KSTRAND_BLOCK.
 * Returns 0, or -KE_INVAL when @s is not RUNNABLE.
 */
int kstrand_block(struct kstrand *s);

/**
 * kstrand_unblock - make a BLOCKED strand runnable (raises Strand.Unblock).
 * On a RUNNING strand it records the wake-up, so that a KSTRAND_BLOCK step
 * yields instead of sleeping. Returns 0, or -KE_INVAL in another state.
 */
int kstrand_unblock(struct kstrand *s);

/**
 * kstrand_wake_at - timers as strands: at kclock time @deadline_ns (ns),
 * unblock @s if it is BLOCKED, or start it if it is IDLE or DONE. Re-arming
 * moves the deadline. The timer runs from ktimer_run_due(); the strand's
 * step runs later from ksched_run().
 */
void kstrand_wake_at(struct kstrand *s, uint64_t deadline_ns);

/**
 * kstrand_cancel - take @s off the run queue, disarm its wake timer, state
 * IDLE; its exit callback does not run. -KE_AGAIN while it is RUNNING (its
 * step is on the stack), else 0.
 */
int kstrand_cancel(struct kstrand *s);

/**
 * ksched_run - run up to @max steps of runnable strands, in FIFO order,
 * raising Resume before and Checkpoint after each. Returns the steps run
 * (0 when called from inside a step).
 */
unsigned ksched_run(unsigned max);

/** ksched_runnable - strands on the run queue. */
unsigned ksched_runnable(void);

/** ksched_current - the strand whose step is running, or NULL. */
struct kstrand *ksched_current(void);

/** Scheduler counters (also the "sched" kstats group). */
struct ksched_stats {
    uint64_t steps;     /* steps run */
    uint64_t exits;     /* strands finished */
    uint64_t blocks;    /* Strand.Block raised */
    uint64_t unblocks;  /* Strand.Unblock raised */
    uint64_t abandoned; /* steps abandoned by an enclosing bounded call */
};
/** ksched_get_stats - fill @st. */
void ksched_get_stats(struct ksched_stats *st);

#endif
