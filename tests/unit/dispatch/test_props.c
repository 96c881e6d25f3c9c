/*
 * tests/unit/dispatch/test_props.c — ordering constraints (before/after a
 * named handler) and result combiners (kernel/event.h), alone and mixed
 * with asynchronous and bounded handlers.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "testkit.h"
#include "kernel/event.h"
#include "kernel/kerr.h"
#include "kernel/strand.h"

KEVENT_DECLARE(props_Packet, struct pktbuf *);
KEVENT_DEFINE(props_Packet, struct pktbuf *, "test.PropsPacket", true, NULL);

/* A combiner: the sum of every result (a vote). */
static int sum_combine(int acc, int r)
{
    return acc + r;
}
KEVENT_DECLARE(props_Vote, struct pktbuf *);
KEVENT_DEFINE(props_Vote, struct pktbuf *, "test.PropsVote", true, sum_combine);

/* A combiner: the first negative result wins, else the count of answers. */
static int veto_combine(int acc, int r)
{
    if (acc < 0)
        return acc;
    if (r < 0)
        return r;
    return acc + (r != KH_PASS);
}
KEVENT_DECLARE(props_Veto, struct pktbuf *);
KEVENT_DEFINE(props_Veto, struct pktbuf *, "test.PropsVeto", true, veto_combine);

static char order[32];
static size_t norder;

struct who {
    char id;
    int ret;
};

static int mark(void *ctx, struct pktbuf *p)
{
    (void)p;
    const struct who *w = ctx;
    if (norder < sizeof order - 1)
        order[norder++] = w->id;
    return w->ret;
}

static void setup(void)
{
    testkit_init();
    memset(order, 0, sizeof order);
    norder = 0;
}

TestSuite(props, .init = setup);

static struct pktbuf *packet(void)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    pkt_append(p, 60);
    return p;
}

Test(props, before_and_after_place_handlers)
{
    static const struct who a = { 'a', KH_PASS }, b = { 'b', KH_PASS }, c = { 'c', KH_PASS },
                            d = { 'd', KH_PASS }, e = { 'e', KH_PASS };
    struct khandler_props pa = { .name = "a" }, pb = { .name = "b" },
                          pc = { .name = "c", .before = "a" }, pd = { .name = "d", .after = "a" },
                          pe = { .name = "e", .after = "c", .before = "a" };
    struct khandler *h[5];
    cr_assert_eq(props_Packet_install(mark, (void *)&a, NULL, &pa, &h[0]), 0);
    cr_assert_eq(props_Packet_install(mark, (void *)&b, NULL, &pb, &h[1]), 0);
    cr_assert_eq(props_Packet_install(mark, (void *)&c, NULL, &pc, &h[2]), 0);
    cr_assert_eq(props_Packet_install(mark, (void *)&d, NULL, &pd, &h[3]), 0);
    cr_assert_eq(props_Packet_install(mark, (void *)&e, NULL, &pe, &h[4]), 0);
    struct pktbuf *p = packet();
    props_Packet_raise(p);
    cr_assert_str_eq(order, "ceadb");
    /* impossible or unknown constraints are refused */
    struct khandler_props bad1 = { .name = "x", .before = "c", .after = "b" };
    struct khandler_props bad2 = { .name = "y", .after = "nobody" };
    cr_assert_eq(props_Packet_install(mark, (void *)&a, NULL, &bad1, NULL), -KE_INVAL);
    cr_assert_eq(props_Packet_install(mark, (void *)&a, NULL, &bad2, NULL), -KE_INVAL);
    cr_assert_eq(props_Packet.nhandlers, 5);
    /* removal keeps the others in order */
    kevent_uninstall(h[4]);
    norder = 0;
    memset(order, 0, sizeof order);
    props_Packet_raise(p);
    cr_assert_str_eq(order, "cadb");
    pkt_free(p);
    for (int i = 0; i < 4; i++)
        kevent_uninstall(h[i]);
    cr_assert(pktpool_all_full());
}

Test(props, default_combiner_counts_taken)
{
    static const struct who t1 = { '1', KH_TAKEN }, t2 = { '2', KH_TAKEN }, pass = { 'p', KH_PASS },
                            drop = { 'x', -KE_INVAL };
    props_Packet_install(mark, (void *)&t1, NULL, NULL, NULL);
    props_Packet_install(mark, (void *)&pass, NULL, NULL, NULL);
    props_Packet_install(mark, (void *)&drop, NULL, NULL, NULL);
    props_Packet_install(mark, (void *)&t2, NULL, NULL, NULL);
    struct pktbuf *p = packet();
    cr_assert_eq(props_Packet_raise(p), 2);
    cr_assert_str_eq(order, "1px2", "every handler ran");
    pkt_free(p);
    cr_assert(pktpool_all_full());
}

Test(props, custom_combiners_fold_every_result_in_order)
{
    static const struct who v3 = { 'a', 3 }, v4 = { 'b', 4 }, veto = { 'v', -KE_PERM },
                            yes = { 'y', KH_TAKEN };
    props_Vote_install(mark, (void *)&v3, NULL, NULL, NULL);
    props_Vote_install(mark, (void *)&v4, NULL, NULL, NULL);
    struct pktbuf *p = packet();
    cr_assert_eq(props_Vote_raise(p), 7, "sum of the results");
    props_Veto_install(mark, (void *)&yes, NULL, NULL, NULL);
    props_Veto_install(mark, (void *)&veto, NULL, NULL, NULL);
    props_Veto_install(mark, (void *)&yes, NULL, NULL, NULL);
    cr_assert_eq(props_Veto_raise(p), -KE_PERM, "the veto wins over the answers around it");
    pkt_free(p);
    cr_assert(pktpool_all_full());
}

Test(props, asynchronous_and_bounded_handlers_keep_their_place)
{
    static const struct who a = { 'a', KH_TAKEN }, b = { 'b', KH_TAKEN }, c = { 'c', KH_TAKEN };
    struct khandler_props pa = { .name = "a" },
                          pb = { .name = "b", .mode = KH_ASYNC, .before = "a" },
                          pc = { .name = "c",
                                 .budget_ns = 10ull * 1000 * 1000 * 1000,
                                 .before = "b" };
    struct khandler *h[3];
    cr_assert_eq(props_Packet_install(mark, (void *)&a, NULL, &pa, &h[0]), 0);
    cr_assert_eq(props_Packet_install(mark, (void *)&b, NULL, &pb, &h[1]), 0);
    cr_assert_eq(props_Packet_install(mark, (void *)&c, NULL, &pc, &h[2]), 0);
    struct pktbuf *p = packet();
    cr_assert_eq(props_Packet_raise(p), 3, "c and a, and b counted as taken when queued");
    cr_assert_str_eq(order, "ca", "the synchronous ones ran in order, b is queued");
    pkt_free(p);
    cr_assert_eq(ksched_run(4), 1);
    cr_assert_str_eq(order, "cab");
    for (int i = 0; i < 3; i++)
        cr_assert_eq(kevent_uninstall(h[i]), 0);
    cr_assert(pktpool_all_full());
}
