/*
 * tests/unit/apps/amkit.h — two active-message endpoints (apps/am/am.h),
 * A and B, joined by an in-memory link that loses, duplicates, holds back
 * and reorders messages on request, driven by the test clock (testkit.h)
 * and the strand scheduler. The engine under test sees only am_ep_input()
 * and its transport's send, as it does on a real network.
 */
#ifndef SPINDLE_TESTS_AMKIT_H
#define SPINDLE_TESTS_AMKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "apps/am/am.h"

/** What the link does to the n-th message it carries (n counts from 1, both directions). */
struct ak_link {
    unsigned drop_every; /* lose every n-th message (0: none) */
    unsigned dup_every;  /* deliver every n-th message twice (0: none) */
    unsigned swap_every; /* deliver every n-th message after the one behind it (0: never) */
    bool no_sched;       /* ak_run carries messages but runs no strands */
    bool hold;           /* carry nothing (queue only) */
    bool (*drop)(const uint8_t *msg, size_t len, bool to_b); /* lose when true (NULL: none) */
};

/** The two endpoints and their link. */
struct ak {
    struct am_ep *a, *b;
    struct am_addr addr_a, addr_b; /* UDP 10.0.0.1:9000 and 10.0.0.2:9000 */
    struct ak_link link;
    unsigned carried, dropped, duplicated;
    unsigned queued; /* messages waiting on the link */
};

/** ak_setup - testkit_init() and the two endpoints with @cfg (name set per side); aborts on failure. */
void ak_setup(struct ak *k, const struct am_config *cfg);
/** ak_teardown - destroy both endpoints, drop what the link holds. */
void ak_teardown(struct ak *k);
/** ak_run - carry messages and run strands until the link is empty (bounded: 100000 steps). */
void ak_run(struct ak *k);
/** ak_advance - move the clock @ns forward (timers fire), then ak_run. */
void ak_advance(struct ak *k, uint64_t ns);
/** ak_sent - messages the link has carried or lost so far. */
unsigned ak_sent(const struct ak *k);
/** ak_ctr - counter @c of endpoint @ep. */
uint64_t ak_ctr(const struct am_ep *ep, enum am_ctr c);

/** A done callback that records its result in a struct ak_done. */
struct ak_done {
    unsigned calls;
    struct am_result r;
};
void ak_done_cb(void *ctx, const struct am_result *r);

#endif
