/*
 * netgraph/haltpoll.h — adaptive halt polling for the main loop
 * ("mode haltpoll"): when the loop runs out of work it keeps polling its
 * ports for up to a poll limit before it halts, so a frame that arrives
 * soon after the last one is served without an interrupt and a vCPU
 * wake-up (under QEMU TCG a halted vCPU thread takes tens of microseconds
 * to run again). The limit adapts to the idle periods seen, with the rules
 * of Linux's guest halt-polling governor (Documentation/virt/
 * guest-halt-polling.rst, the same as KVM's host-side halt_poll_ns):
 *
 *   an idle period (nothing to do, from the first empty poll until work
 *   came back) longer than the limit but not longer than the maximum:
 *       the limit was too short to catch it: limit = max(limit * 2, start),
 *       at most the maximum;
 *   an idle period longer than the maximum: polling would not have caught
 *       it: limit = limit / 2;
 *   an idle period that ended while polling: the limit is right: kept.
 *
 * So ping-pong traffic (sockperf, RPC) settles at a limit that covers its
 * gaps, and a quiet appliance polls at most a few short windows before it
 * halts for good. The price is CPU time spent polling: at most the maximum
 * per idle period.
 *
 * Polling serves sparse traffic; a stream gains nothing from it: an idle
 * period that follows a busy period which moved more than
 * HALTPOLL_SPARSE_FRAMES frames is not polled (counted busy_skips), so under
 * a stream the loop halts at once as in idle mode, and the frames that
 * arrive meanwhile are handled as one burst (one transmit notification per
 * burst, the device model's thread keeps its host CPU).
 *
 * Pure state machine, the clock passed in (ns, kclock_now_ns()): the main
 * loop (netgraph/runtime.c) calls it; tests drive it with made-up times.
 */
#ifndef SPINDLE_NETGRAPH_HALTPOLL_H
#define SPINDLE_NETGRAPH_HALTPOLL_H

#include <stdbool.h>
#include <stdint.h>

/**
 * The largest poll limit of "mode haltpoll" (ns). Linux's guest default is
 * 200 us; under QEMU TCG every gap is several times longer than on KVM, and
 * with 200 us the router VM caught about half of sockperf's ping-pong gaps
 * (p50 unchanged from idle mode), with 1 ms 97 % of them (p50 as in poll
 * mode): tools/bench/router/vm-bench.sh with RL_SPINDLE_MODE=haltpoll,
 * whose output shows the haltpoll counters.
 */
#define HALTPOLL_MAX_NS (1000ull * 1000ull)
/** The first limit after a grow from below it (ns): guest_halt_poll_grow_start's default. */
#define HALTPOLL_GROW_START_NS (50ull * 1000ull)

/** Most frames a busy period may move for the idle period after it to be polled. */
#define HALTPOLL_SPARSE_FRAMES 2u

/** Counters of the "haltpoll" stats group, in this order. */
enum haltpoll_ctr {
    HP_IDLE_PERIODS, /* idle periods ended (work came back) */
    HP_POLL_HITS,    /* ... of which while polling: no halt, no interrupt */
    HP_HALTS,        /* arch_idle() calls */
    HP_GROWS,        /* limit raised */
    HP_SHRINKS,      /* limit lowered */
    HP_LIMIT_NS,     /* the current poll limit, ns (a gauge) */
    HP_BUSY_SKIPS,   /* idle periods not polled: the busy period before moved a burst */
    HP_NCTR
};

/** The state of one main loop. Zero-initialise, then haltpoll_init(). */
struct haltpoll {
    uint64_t max_ns;       /* 0: halt polling off (haltpoll_keep_polling always false) */
    uint64_t since_ns;     /* start of the current idle period; 0: not idle */
    bool halted;           /* the current idle period has halted at least once */
    bool no_poll;          /* the current idle period is not polled (after a burst) */
    uint32_t busy_frames;  /* frames received since the last idle period ended */
    uint64_t ctr[HP_NCTR]; /* enum haltpoll_ctr; ctr[HP_LIMIT_NS] is the limit */
};

/** haltpoll_init - set @hp up with a maximum poll limit of @max_ns (0: off), limit 0. */
void haltpoll_init(struct haltpoll *hp, uint64_t max_ns);

/**
 * haltpoll_keep_polling - the loop found nothing to do at @now_ns: starts an
 * idle period if none is running. Returns true while the period is shorter
 * than the poll limit and the busy period before it moved at most
 * HALTPOLL_SPARSE_FRAMES frames (poll again, do not halt), false when the
 * caller should halt (it then calls haltpoll_halting()).
 */
bool haltpoll_keep_polling(struct haltpoll *hp, uint64_t now_ns);

/** haltpoll_frames - the loop received @n frames (counted toward the busy period). */
static inline void haltpoll_frames(struct haltpoll *hp, unsigned n)
{
    hp->busy_frames += n;
}

/** haltpoll_halting - the caller is about to halt in the current idle period (counted). */
void haltpoll_halting(struct haltpoll *hp);

/**
 * haltpoll_work - the loop found work at @now_ns (frames, timers, strands):
 * ends the current idle period, if any, and adapts the limit to its length
 * (the rules above). No-op when no period is running.
 */
void haltpoll_work(struct haltpoll *hp, uint64_t now_ns);

#endif
