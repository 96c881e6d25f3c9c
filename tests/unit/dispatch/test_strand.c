/*
 * tests/unit/dispatch/test_strand.c — strands and the scheduler
 * (kernel/strand.h): the run queue, Block/Unblock and Checkpoint/Resume
 * raised as events an observer sees in order, timers as strands,
 * cancellation.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testkit.h"
#include "kernel/clock.h"
#include "kernel/event.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/strand.h"
#include "kernel/timer.h"

/* The observer: one letter per event, then the strand's name. */
static char trace[256];
static size_t ntrace;

static void note(char what, const struct kstrand *s)
{
    ntrace += (size_t)snprintf(trace + ntrace, sizeof trace - ntrace, "%c%s ", what, s->name);
}

static int on_block(void *ctx, struct kstrand *s)
{
    (void)ctx;
    note('B', s);
    return KH_PASS;
}
static int on_unblock(void *ctx, struct kstrand *s)
{
    (void)ctx;
    note('U', s);
    return KH_PASS;
}
static int on_checkpoint(void *ctx, struct kstrand *s)
{
    (void)ctx;
    note('C', s);
    return KH_PASS;
}
static int on_resume(void *ctx, struct kstrand *s)
{
    (void)ctx;
    note('R', s);
    return KH_PASS;
}

static struct khandler *obs[4];

static void observe(const struct kguard *g)
{
    cr_assert_eq(strand_Block_install(on_block, NULL, g, NULL, &obs[0]), 0);
    cr_assert_eq(strand_Unblock_install(on_unblock, NULL, g, NULL, &obs[1]), 0);
    cr_assert_eq(strand_Checkpoint_install(on_checkpoint, NULL, g, NULL, &obs[2]), 0);
    cr_assert_eq(strand_Resume_install(on_resume, NULL, g, NULL, &obs[3]), 0);
}

static void unobserve(void)
{
    for (int i = 0; i < 4; i++)
        kevent_uninstall(obs[i]);
}

/* A strand that runs a script of step results. */
struct script {
    const int *steps;
    int n, at;
    int exits;
};

static int scripted(struct kstrand *s, void *ctx)
{
    (void)s;
    struct script *sc = ctx;
    ntrace += (size_t)snprintf(trace + ntrace, sizeof trace - ntrace, "*%s ", s->name);
    return sc->at < sc->n ? sc->steps[sc->at++] : KSTRAND_EXIT;
}

static void exited(struct kstrand *s, void *ctx)
{
    (void)s;
    ((struct script *)ctx)->exits++;
}

static void setup(void)
{
    testkit_init();
    memset(trace, 0, sizeof trace);
    ntrace = 0;
}

TestSuite(strand, .init = setup);

Test(strand, block_unblock_checkpoint_resume_are_raised_in_order)
{
    observe(NULL);
    static const int steps[] = { KSTRAND_BLOCK, KSTRAND_EXIT };
    struct script sc = { steps, 2, 0, 0 };
    struct kstrand a;
    kstrand_init(&a, "a", scripted, &sc, exited);
    cr_assert_eq(kstrand_start(&a), 0);
    cr_assert_eq(a.state, KSTRAND_RUNNABLE);
    cr_assert_eq(ksched_runnable(), 1);
    cr_assert_eq(ksched_run(8), 1);
    cr_assert_eq(a.state, KSTRAND_BLOCKED);
    cr_assert_eq(ksched_run(8), 0, "a blocked strand does not run");
    cr_assert_eq(kstrand_unblock(&a), 0);
    cr_assert_eq(ksched_run(8), 1);
    cr_assert_eq(a.state, KSTRAND_DONE);
    cr_assert_eq(sc.exits, 1);
    cr_assert_str_eq(trace, "Ra *a Ca Ba Ua Ra *a Ca ");
    cr_assert_eq(kstrand_unblock(&a), -KE_INVAL, "a finished strand cannot be unblocked");
    struct ksched_stats st;
    ksched_get_stats(&st);
    cr_assert_eq(st.steps, 2);
    cr_assert_eq(st.blocks, 1);
    cr_assert_eq(st.unblocks, 1);
    cr_assert_eq(st.exits, 1);
    unobserve();
}

Test(strand, the_run_queue_is_fifo_and_yield_goes_to_the_back)
{
    static const int steps[] = { KSTRAND_YIELD, KSTRAND_YIELD, KSTRAND_EXIT };
    struct script sa = { steps, 3, 0, 0 }, sb = { steps, 3, 0, 0 };
    struct kstrand a, b;
    kstrand_init(&a, "a", scripted, &sa, exited);
    kstrand_init(&b, "b", scripted, &sb, exited);
    kstrand_start(&a);
    kstrand_start(&b);
    cr_assert_eq(kstrand_start(&a), -KE_INVAL, "already runnable");
    cr_assert_eq(ksched_run(3), 3, "at most the steps asked for");
    cr_assert_eq(ksched_run(100), 3);
    cr_assert_str_eq(trace, "*a *b *a *b *a *b ");
    cr_assert_eq(sa.exits + sb.exits, 2);
    cr_assert_eq(ksched_runnable(), 0);
}

Test(strand, blocking_a_runnable_strand_from_outside)
{
    observe(NULL);
    struct script sc = { NULL, 0, 0, 0 };
    struct kstrand a;
    kstrand_init(&a, "a", scripted, &sc, exited);
    kstrand_start(&a);
    cr_assert_eq(kstrand_block(&a), 0);
    cr_assert_eq(kstrand_block(&a), -KE_INVAL);
    cr_assert_eq(ksched_runnable(), 0);
    cr_assert_eq(ksched_run(8), 0);
    kstrand_unblock(&a);
    cr_assert_eq(ksched_run(8), 1);
    cr_assert_str_eq(trace, "Ba Ua Ra *a Ca ");
    unobserve();
}

/* A strand unblocked while its step runs does not go to sleep. */
static int unblock_self_then_block(struct kstrand *s, void *ctx)
{
    int *runs = ctx;
    (*runs)++;
    if (*runs == 1) {
        cr_assert_eq(ksched_current(), s);
        cr_assert_eq(ksched_run(8), 0, "the scheduler does not nest");
        kstrand_unblock(s); /* e.g. the event it waits for came in meanwhile */
        return KSTRAND_BLOCK;
    }
    return KSTRAND_EXIT;
}

Test(strand, a_wake_up_during_the_step_is_not_lost)
{
    int runs = 0;
    struct kstrand a;
    kstrand_init(&a, "a", unblock_self_then_block, &runs, NULL);
    kstrand_start(&a);
    cr_assert_eq(ksched_run(8), 2);
    cr_assert_eq(runs, 2);
    cr_assert_eq(a.state, KSTRAND_DONE);
}

/* A periodic timer strand: each step re-arms its wake-up and blocks. */
struct ticker {
    int ticks;
    uint64_t at[4];
};
static int tick(struct kstrand *s, void *ctx)
{
    struct ticker *t = ctx;
    t->at[t->ticks++] = kclock_now_ns();
    if (t->ticks == 3)
        return KSTRAND_EXIT;
    kstrand_wake_at(s, kclock_now_ns() + 10 * KNS_PER_MS);
    return KSTRAND_BLOCK;
}

Test(strand, timers_run_as_strands)
{
    observe(NULL);
    struct ticker t = { 0, { 0 } };
    struct kstrand s;
    kstrand_init(&s, "t", tick, &t, NULL);
    uint64_t t0 = kclock_now_ns();
    kstrand_wake_at(&s, t0 + 5 * KNS_PER_MS); /* an idle strand, started by its timer */
    cr_assert_eq(ksched_run(8), 0);
    testkit_advance(4 * KNS_PER_MS);
    cr_assert_eq(ksched_runnable(), 0, "not due yet");
    testkit_advance(1 * KNS_PER_MS);
    cr_assert_eq(ksched_runnable(), 1,
                 "the timer made it runnable; its work waits for the scheduler");
    cr_assert_eq(t.ticks, 0);
    cr_assert_eq(ksched_run(8), 1);
    cr_assert_eq(t.ticks, 1);
    cr_assert_eq(s.state, KSTRAND_BLOCKED);
    testkit_advance(10 * KNS_PER_MS);
    cr_assert_eq(ksched_run(8), 1);
    testkit_advance(10 * KNS_PER_MS);
    cr_assert_eq(ksched_run(8), 1);
    cr_assert_eq(t.ticks, 3);
    cr_assert_eq(t.at[0], t0 + 5 * KNS_PER_MS);
    cr_assert_eq(t.at[1], t0 + 15 * KNS_PER_MS);
    cr_assert_eq(t.at[2], t0 + 25 * KNS_PER_MS);
    cr_assert_eq(s.state, KSTRAND_DONE);
    cr_assert_eq(ktimer_pending(), 0);
    cr_assert_str_eq(trace, "Rt Ct Bt Ut Rt Ct Bt Ut Rt Ct ");
    unobserve();
}

Test(strand, cancel_takes_a_strand_off_the_queue_and_its_timer)
{
    struct script sc = { NULL, 0, 0, 0 };
    struct kstrand a, b;
    kstrand_init(&a, "a", scripted, &sc, exited);
    kstrand_init(&b, "b", scripted, &sc, exited);
    kstrand_start(&a);
    kstrand_start(&b);
    cr_assert_eq(kstrand_cancel(&a), 0);
    cr_assert_eq(a.state, KSTRAND_IDLE);
    cr_assert_eq(ksched_runnable(), 1);
    kstrand_wake_at(&a, kclock_now_ns() + KNS_PER_MS);
    cr_assert_eq(kstrand_cancel(&a), 0);
    cr_assert_eq(ktimer_pending(), 0);
    cr_assert_eq(ksched_run(8), 1);
    cr_assert_str_eq(trace, "*b ");
    cr_assert_eq(sc.exits, 1, "a cancelled strand's exit does not run");
}

static bool named_a(void *ctx, void *arg)
{
    (void)ctx;
    return strcmp(((struct kstrand *)arg)->name, "a") == 0;
}

Test(strand, observers_may_guard_on_the_strand)
{
    struct kguard g = { .pred = named_a };
    observe(&g);
    struct script sa = { NULL, 0, 0, 0 }, sb = { NULL, 0, 0, 0 };
    struct kstrand a, b;
    kstrand_init(&a, "a", scripted, &sa, NULL);
    kstrand_init(&b, "b", scripted, &sb, NULL);
    kstrand_start(&b);
    kstrand_start(&a);
    cr_assert_eq(ksched_run(8), 2);
    cr_assert_str_eq(trace, "*b Ra *a Ca ");
    unobserve();
}
