/*
 * tests/unit/dispatch/test_nesting.c — the dispatcher's nesting limit
 * (kernel/event.h, kernel/budget.h): raises nest at most KFRAME_MAX deep,
 * counting every raise in progress and every frame (a bounded call is one),
 * whether or not the raise runs inside a bounded call; a refused raise is
 * counted raise_too_deep and returns 0, and the depths are right afterwards.
 */
#include <criterion/criterion.h>

#include "testkit.h"

#include "kernel/budget.h"
#include "kernel/event.h"
#include "kernel/pktbuf.h"

KEVENT_DECLARE(deep_Event, struct pktbuf *);
KEVENT_DEFINE(deep_Event, struct pktbuf *, "test.Deep", true, NULL);
KEVENT_DECLARE(entry_Event, struct pktbuf *);
KEVENT_DEFINE(entry_Event, struct pktbuf *, "test.Entry", true, NULL);

static unsigned level, deepest;

/* recurse - raises its own event again until the dispatcher refuses. */
static int recurse(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    level++;
    if (level > deepest)
        deepest = level;
    (void)deep_Event_raise(p);
    level--;
    return KH_TAKEN;
}

/* enter_deep - a (bounded) handler that starts the recursion. */
static int enter_deep(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    return deep_Event_raise(p) > 0 ? KH_TAKEN : KH_PASS;
}

static uint64_t too_deep(void)
{
    struct kdispatch_stats st;
    kevent_get_stats(&st);
    return st.too_deep;
}

static struct pktbuf *packet(void)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    cr_assert_not_null(p);
    pkt_append(p, 60);
    return p;
}

Test(nesting, raises_outside_bounded_calls_stop_at_kframe_max)
{
    testkit_init();
    struct khandler *h;
    cr_assert_eq(deep_Event_install(recurse, NULL, NULL, NULL, &h), 0);
    struct pktbuf *p = packet();
    uint64_t refused = too_deep();
    level = deepest = 0;
    cr_assert_eq(deep_Event_raise(p), 1);
    cr_assert_eq(deepest, KFRAME_MAX, "one handler run per raise admitted");
    cr_assert_eq(too_deep(), refused + 1, "the raise one deeper was refused and counted");
    cr_assert_eq(deep_Event.depth, 0);
    cr_assert_eq(kframe_depth(), 0);
    cr_assert_eq(h->calls, KFRAME_MAX);
    /* the limit is the same on the next packet: nothing was left counted */
    level = deepest = 0;
    cr_assert_eq(deep_Event_raise(p), 1);
    cr_assert_eq(deepest, KFRAME_MAX);
    pkt_free(p);
    kevent_uninstall(h);
}

Test(nesting, raises_inside_a_bounded_call_share_the_same_limit)
{
    testkit_init();
    struct khandler *entry, *h;
    /* a roomy budget: the bounded call is a frame, never stopped */
    const struct khandler_props bp = { .name = "entry", .budget_ns = 10ull * 1000 * 1000 * 1000 };
    cr_assert_eq(entry_Event_install(enter_deep, NULL, NULL, &bp, &entry), 0);
    cr_assert_eq(deep_Event_install(recurse, NULL, NULL, NULL, &h), 0);
    struct pktbuf *p = packet();
    uint64_t refused = too_deep();
    level = deepest = 0;
    cr_assert_eq(entry_Event_raise(p), 1);
    /* the entry raise and the bounded call take one level each */
    cr_assert_eq(deepest, KFRAME_MAX - 2);
    cr_assert_eq(too_deep(), refused + 1);
    cr_assert_eq(entry_Event.depth, 0);
    cr_assert_eq(deep_Event.depth, 0);
    cr_assert_eq(kframe_depth(), 0);
    cr_assert_eq(entry->overruns, 0);
    /* the recursion alone, outside the bounded call, goes deeper again */
    level = deepest = 0;
    cr_assert_eq(deep_Event_raise(p), 1);
    cr_assert_eq(deepest, KFRAME_MAX);
    pkt_free(p);
    kevent_uninstall(h);
    kevent_uninstall(entry);
}
