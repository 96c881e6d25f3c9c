/*
 * drivers/pcap/replay_clock.h — the one trace-time clock of a process that
 * replays pcap files (the pcap-file driver), shared by all its ports.
 *
 * While at least one source is attached, kclock_now_ns() (kernel/clock.h)
 * reads this clock instead of the target's monotonic clock, so a replay is
 * deterministic: the same trace gives the same timers, the same output
 * timestamps and the same counters on every run and every machine.
 *
 * Each pcap-file port is one source. A source always offers its next frame
 * (its "head") with the frame's trace timestamp in ns. The clock:
 *   - starts at the earliest head offered before anyone reads it (a trace
 *     does not start at time 0, and the clock must never go back once read);
 *   - moves only forward, and only to the earliest head of all sources or to
 *     the earliest armed timer deadline, whichever comes first, so that
 *     frames of several ports are merged by timestamp and every timer due at
 *     or before a frame's time runs before that frame is delivered;
 *   - delivers a head whose time is <= now (a head earlier than now — out of
 *     order in its file, or a port whose trace starts before the clock — is
 *     delivered at now and counted "late" by its source).
 *
 * The main loop (apps/appliance) polls every port's rx_burst and then runs
 * ktimer_run_due(kclock_now_ns()); replay_clock_step() returns
 * REPLAY_WAIT while due timers have not yet run, so the loop gets to run
 * them first. Should the loop never run them (a timer that re-arms itself
 * at or before now forever), the clock gives up waiting after
 * REPLAY_STALL_MAX consecutive waits and lets the frame through, with a
 * warning, so a replay always ends.
 *
 * Hosted-only in practice (its only user is pcap-file) but uses only the
 * core's headers.
 */
#ifndef SPINDLE_DRIVERS_PCAP_REPLAY_CLOCK_H
#define SPINDLE_DRIVERS_PCAP_REPLAY_CLOCK_H

#include <stdint.h>
#include <stdbool.h>

/** Consecutive waits for due timers after which a head is delivered anyway. */
#define REPLAY_STALL_MAX 64u

/** One source of frames (a pcap-file port). Zero-initialise; fields are private. */
struct replay_src {
    struct replay_src *next; /* attached list, in attach order */
    uint64_t head_ns;        /* delivery time of the head (>= its trace time) */
    bool has_head;           /* a frame is waiting */
    bool attached;
    uint64_t late; /* heads delivered after their trace timestamp */
};

/** What a source should do now (replay_clock_step). */
enum replay_step {
    REPLAY_NONE = 0,   /* the source has no head (end of its input) */
    REPLAY_WAIT = 1,   /* not yet: timers or another port's frames come first */
    REPLAY_DELIVER = 2 /* deliver the head now; kclock_now_ns() is its time */
};

/**
 * replay_clock_attach - add @s (head-less) to the clock. The first attach
 * redirects kclock_now_ns() to the replay clock (kclock_set_source).
 * Idempotent.
 */
void replay_clock_attach(struct replay_src *s);

/**
 * replay_clock_detach - remove @s. The last detach restores the target's
 * clock (kclock_set_source(NULL)) and resets the replay clock, so a later
 * replay in the same process starts afresh from its own first frame; the
 * kernel clock then jumps to the monotonic time (shutdown, or a new test).
 * Idempotent.
 */
void replay_clock_detach(struct replay_src *s);

/**
 * replay_clock_offer - make the frame with trace time @ts_ns (ns since the
 * Unix epoch, from the pcap record) the head of attached source @s. If the
 * clock has not been read yet, it is lowered to @ts_ns when that is earlier;
 * if the clock is already past @ts_ns, the head is due at once, at now, and
 * s->late is incremented. Returns the head's delivery time in ns.
 */
uint64_t replay_clock_offer(struct replay_src *s, uint64_t ts_ns);

/** replay_clock_retire - @s has no more frames (end of file). */
void replay_clock_retire(struct replay_src *s);

/**
 * replay_clock_step - whether @s may deliver its head now.
 * @may_advance: true on the first frame of an rx burst; the clock then moves
 * forward towards the earliest head or timer deadline. Later frames of the
 * same burst (@may_advance false) are delivered only if due at the current
 * time, since the burst's earlier frames are processed only after it returns.
 * Returns REPLAY_NONE, REPLAY_WAIT or REPLAY_DELIVER.
 */
enum replay_step replay_clock_step(struct replay_src *s, bool may_advance);

/** replay_clock_now - the replay time in ns (0 before any frame was offered). */
uint64_t replay_clock_now(void);

/** replay_clock_active - true while at least one source is attached. */
bool replay_clock_active(void);

#endif
