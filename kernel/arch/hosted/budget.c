/*
 * kernel/arch/hosted/budget.c — arch_budget_call() on Linux
 * (kernel/arch_budget.h): a POSIX CPU-time timer of the calling thread
 * (timer_create(CLOCK_THREAD_CPUTIME_ID), POSIX.1-2008 "Clocks and Timers")
 * delivers a real-time signal to that thread (SIGEV_THREAD_ID, Linux
 * timer_create(2)); the signal handler unwinds with siglongjmp to the
 * checkpoint taken with sigsetjmp before the call.
 *
 * The budget clock is the thread's CPU time, so a handler descheduled by the
 * host is not charged for it; Linux checks CPU timers at the scheduler tick,
 * so an expiry is seen up to one tick (1-4 ms) late.
 *
 * Checkpoints form a stack (nested bounded calls). The timer is armed for
 * the earliest deadline of the stack; on expiry the handler unwinds to the
 * outermost checkpoint whose deadline has passed. `depth` is published only
 * after the checkpoint is complete and lowered before the timer is re-armed,
 * so a signal that arrives between the two sees a consistent stack and at
 * worst re-arms the timer and returns. The dispatcher is single-threaded
 * (run to completion): this state is per process and bound to the thread
 * that created the timer; another thread gets a fresh timer.
 *
 * Hazard: siglongjmp out of a signal handler is only safe when the
 * interrupted code holds no lock of the C library (malloc's arena lock, for
 * one). The handlers the dispatcher bounds are spindle code; an abandoned
 * one that was inside kmalloc (libc malloc, or ASan's allocator) can leave a
 * lock held. See kernel/arch_budget.h.
 */
#include "kernel/arch_budget.h"

#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

/* Deepest nesting with preemption; deeper bounded calls run unpreempted. */
#define BUDGET_MAX_NEST 8

struct checkpoint {
    sigjmp_buf env;
    uint64_t deadline; /* thread CPU time, ns */
};

static struct checkpoint stack[BUDGET_MAX_NEST];
static volatile sig_atomic_t depth;
static timer_t timer;
static pid_t timer_tid; /* thread the timer measures and signals; 0 none */
static int budget_signo;

static uint64_t cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* arm - set the timer for the earliest deadline of checkpoints [0, n); disarm when n == 0. */
static void arm(int n)
{
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (n > 0) {
        uint64_t d = stack[0].deadline;
        for (int i = 1; i < n; i++)
            if (stack[i].deadline < d)
                d = stack[i].deadline;
        its.it_value.tv_sec = (time_t)(d / 1000000000u);
        its.it_value.tv_nsec = (long)(d % 1000000000u);
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
            its.it_value.tv_nsec = 1; /* zero would disarm */
    }
    timer_settime(timer, n > 0 ? TIMER_ABSTIME : 0, &its, NULL);
}

static void on_expiry(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    int n = depth;
    uint64_t now = cpu_now(); /* clock_gettime is async-signal-safe */
    for (int i = 0; i < n; i++) {
        if (stack[i].deadline <= now) {
            depth = i;
            siglongjmp(stack[i].env, 1);
        }
    }
    if (n > 0)
        arm(n); /* early or stale expiry: wait for the earliest deadline again */
}

/* ready - the timer exists and measures this thread; false when it cannot be made. */
static bool ready(void)
{
    pid_t tid = gettid();
    if (timer_tid == tid)
        return true;
    if (budget_signo == 0) {
        budget_signo = SIGRTMIN + 5;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_expiry;
        sa.sa_flags = SA_SIGINFO | SA_RESTART; /* a late expiry just returns: restart the call */
        sigemptyset(&sa.sa_mask);
        if (sigaction(budget_signo, &sa, NULL) != 0) {
            budget_signo = 0;
            return false;
        }
    }
    /* A timer of another thread (or inherited state after fork, where the
     * timer itself is gone) is replaced. */
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = budget_signo;
    sev.sigev_notify_thread_id = tid;
    timer_t t;
    if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &t) != 0)
        return false;
    timer = t;
    timer_tid = tid;
    return true;
}

int arch_budget_call(uint64_t budget_ns, arch_budget_fn fn, void *arg, int *result,
                     uint64_t *used_ns)
{
    if (depth >= BUDGET_MAX_NEST || !ready()) {
        uint64_t t0 = cpu_now();
        *result = fn(arg);
        *used_ns = cpu_now() - t0;
        return ARCH_BUDGET_RETURNED;
    }
    const int level = depth;
    const uint64_t t0 = cpu_now();
    stack[level].deadline = budget_ns > UINT64_MAX - t0 ? UINT64_MAX : t0 + budget_ns;
    if (sigsetjmp(stack[level].env, 1) == 0) {
        depth = level + 1;
        arm(level + 1);
        int r = fn(arg);
        depth = level;
        arm(level);
        *result = r;
        *used_ns = cpu_now() - t0;
        return ARCH_BUDGET_RETURNED;
    }
    /* Unwound here by on_expiry: depth == level already, mask restored. */
    arm(level);
    *used_ns = cpu_now() - t0;
    return ARCH_BUDGET_EXPIRED;
}

bool arch_budget_preemptive(void)
{
    return ready();
}
