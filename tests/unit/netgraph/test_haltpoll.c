/*
 * tests/unit/netgraph/test_haltpoll.c — the adaptive halt-polling limit
 * (netgraph/haltpoll.h) against the rules of Linux's guest halt-polling
 * governor, driven with made-up times (ns).
 */
#include <criterion/criterion.h>

#include "netgraph/haltpoll.h"

#define US 1000ull
/* the maximum of these tests: Linux guest_halt_poll_ns's default */
#define MAX (200 * US)

/* idle - one idle period from @t of @len ns ended by work; returns whether
 * it halted, the loop polling every 1 us until the limit says halt. */
static bool idle(struct haltpoll *hp, uint64_t t, uint64_t len)
{
    bool halted = false;
    for (uint64_t now = t; now < t + len; now += US) {
        if (!haltpoll_keep_polling(hp, now)) {
            haltpoll_halting(hp);
            halted = true;
            break; /* halted until the work at t + len */
        }
    }
    haltpoll_work(hp, t + len);
    return halted;
}

Test(haltpoll, off_never_polls)
{
    struct haltpoll hp;
    haltpoll_init(&hp, 0);
    cr_assert_not(haltpoll_keep_polling(&hp, 5 * US));
    haltpoll_work(&hp, 6 * US);
    cr_assert_eq(hp.ctr[HP_IDLE_PERIODS], 0, "no idle period is tracked when off");
}

Test(haltpoll, short_gaps_grow_the_limit_until_polling_catches_them)
{
    struct haltpoll hp;
    haltpoll_init(&hp, MAX);
    cr_assert_eq(hp.ctr[HP_LIMIT_NS], 0, "starts at 0: the first idle halts at once");
    cr_assert(idle(&hp, 1000 * US, 80 * US));
    cr_assert_eq(hp.ctr[HP_LIMIT_NS], HALTPOLL_GROW_START_NS, "first grow goes to the start");
    cr_assert(idle(&hp, 2000 * US, 80 * US), "50 us does not cover an 80 us gap");
    cr_assert_eq(hp.ctr[HP_LIMIT_NS], 100 * US);
    cr_assert_not(idle(&hp, 3000 * US, 80 * US), "100 us covers it: no halt");
    cr_assert_eq(hp.ctr[HP_LIMIT_NS], 100 * US, "a hit keeps the limit");
    cr_assert_eq(hp.ctr[HP_POLL_HITS], 1);
    cr_assert_eq(hp.ctr[HP_HALTS], 2);
    cr_assert_eq(hp.ctr[HP_GROWS], 2);
    cr_assert_eq(hp.ctr[HP_IDLE_PERIODS], 3);
}

Test(haltpoll, the_limit_never_exceeds_the_maximum)
{
    struct haltpoll hp;
    haltpoll_init(&hp, MAX);
    for (int i = 0; i < 10; i++)
        (void)idle(&hp, (uint64_t)(i + 1) * 10000 * US, 190 * US);
    cr_assert_eq(hp.ctr[HP_LIMIT_NS], MAX);
    cr_assert_not(idle(&hp, 200000 * US, 190 * US), "190 us gaps are now polled");
}

Test(haltpoll, long_idle_periods_shrink_the_limit)
{
    struct haltpoll hp;
    haltpoll_init(&hp, MAX);
    for (int i = 0; i < 4; i++)
        (void)idle(&hp, (uint64_t)(i + 1) * 10000 * US, 150 * US);
    cr_assert_eq(hp.ctr[HP_LIMIT_NS], MAX);
    cr_assert(idle(&hp, 100000 * US, 5000 * US), "a 5 ms gap halts after the window");
    cr_assert_eq(hp.ctr[HP_LIMIT_NS], MAX / 2);
    cr_assert(idle(&hp, 200000 * US, 5000 * US));
    cr_assert_eq(hp.ctr[HP_LIMIT_NS], MAX / 4);
    cr_assert_eq(hp.ctr[HP_SHRINKS], 2);
}

Test(haltpoll, work_without_an_idle_period_changes_nothing)
{
    struct haltpoll hp;
    haltpoll_init(&hp, MAX);
    haltpoll_work(&hp, 10 * US);
    cr_assert_eq(hp.ctr[HP_IDLE_PERIODS], 0);
    cr_assert_eq(hp.ctr[HP_LIMIT_NS], 0);
}

Test(haltpoll, an_idle_period_after_a_burst_is_not_polled)
{
    struct haltpoll hp;
    haltpoll_init(&hp, MAX);
    for (int i = 0; i < 3; i++)
        (void)idle(&hp, (uint64_t)(i + 1) * 10000 * US, 150 * US);
    cr_assert_eq(hp.ctr[HP_LIMIT_NS], MAX, "sparse traffic grew the limit");
    haltpoll_frames(&hp, 1);
    haltpoll_frames(&hp, HALTPOLL_SPARSE_FRAMES);
    cr_assert(idle(&hp, 100000 * US, 50 * US), "a burst came before: halt at once");
    cr_assert_eq(hp.ctr[HP_BUSY_SKIPS], 1);
    haltpoll_frames(&hp, HALTPOLL_SPARSE_FRAMES);
    cr_assert_not(idle(&hp, 200000 * US, 50 * US), "sparse again: polled");
    cr_assert_eq(hp.ctr[HP_BUSY_SKIPS], 1);
}
