/*
 * drivers/pcap/replay_clock.c — the shared trace-time clock of the pcap-file
 * ports (see replay_clock.h for the rules).
 */
#include "drivers/pcap/replay_clock.h"

#include <stddef.h>
#include "kernel/clock.h"
#include "kernel/log.h"
#include "kernel/timer.h"

static struct {
    struct replay_src *srcs; /* attached sources, in attach order */
    uint64_t now;            /* replay time, ns */
    bool set;                /* a head has been offered: now is a trace time */
    bool observed;           /* kclock_now_ns() has read now: it may not go back */
    unsigned stall;          /* consecutive waits for due timers */
    bool warned;             /* the stall warning was given */
} rc;

static uint64_t replay_clock_read(void *ctx)
{
    (void)ctx;
    rc.observed = true;
    return rc.now;
}

void replay_clock_attach(struct replay_src *s)
{
    struct replay_src **pp;

    if (s->attached)
        return;
    if (rc.srcs == NULL)
        kclock_set_source(replay_clock_read, NULL);
    for (pp = &rc.srcs; *pp != NULL; pp = &(*pp)->next)
        ;
    s->next = NULL;
    s->has_head = false;
    s->attached = true;
    *pp = s;
}

void replay_clock_detach(struct replay_src *s)
{
    struct replay_src **pp;

    if (!s->attached)
        return;
    for (pp = &rc.srcs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    s->next = NULL;
    s->attached = false;
    s->has_head = false;
    if (rc.srcs == NULL) {
        kclock_set_source(NULL, NULL);
        rc.now = 0;
        rc.set = false;
        rc.observed = false;
        rc.stall = 0;
        rc.warned = false;
    }
}

uint64_t replay_clock_offer(struct replay_src *s, uint64_t ts_ns)
{
    if (!rc.set) {
        rc.now = ts_ns;
        rc.set = true;
    } else if (!rc.observed && ts_ns < rc.now) {
        rc.now = ts_ns;
    }
    if (ts_ns < rc.now) {
        s->head_ns = rc.now;
        s->late++;
    } else {
        s->head_ns = ts_ns;
    }
    s->has_head = true;
    return s->head_ns;
}

void replay_clock_retire(struct replay_src *s)
{
    s->has_head = false;
}

/* The earliest head of all attached sources, UINT64_MAX if none. */
static uint64_t earliest_head(void)
{
    uint64_t t = UINT64_MAX;
    const struct replay_src *s;

    for (s = rc.srcs; s != NULL; s = s->next)
        if (s->has_head && s->head_ns < t)
            t = s->head_ns;
    return t;
}

enum replay_step replay_clock_step(struct replay_src *s, bool may_advance)
{
    uint64_t deadline, target;

    if (!s->has_head)
        return REPLAY_NONE;

    /* Timers due at the current time run before any further frame. */
    deadline = ktimer_next_deadline();
    if (deadline <= rc.now) {
        if (rc.stall < REPLAY_STALL_MAX) {
            rc.stall++;
            return REPLAY_WAIT;
        }
        if (!rc.warned) {
            KWARN("pcap-file", "timers due at %llu ns keep being due; replay goes on without them",
                  (unsigned long long)deadline);
            rc.warned = true;
        }
    }
    if (s->head_ns <= rc.now) {
        rc.stall = 0;
        return REPLAY_DELIVER;
    }
    if (!may_advance)
        return REPLAY_WAIT;

    /* Move forward to the earliest head of any port, or an earlier timer. */
    target = earliest_head();
    if (target <= rc.now)
        return REPLAY_WAIT; /* another port's frame is due first */
    rc.stall = 0;
    if (deadline > rc.now && deadline <= target) {
        rc.now = deadline; /* the timers run first, then the frames at that time */
        return REPLAY_WAIT;
    }
    rc.now = target;
    return s->head_ns == target ? REPLAY_DELIVER : REPLAY_WAIT;
}

uint64_t replay_clock_now(void)
{
    return rc.now;
}

bool replay_clock_active(void)
{
    return rc.srcs != NULL;
}
