/*
 * tests/unit/dispatch/test_bounded.c — bounded handlers (kernel/event.h,
 * kernel/budget.h, kernel/arch/hosted/budget.c): a handler that loops
 * forever is stopped at its budget, counted, marked faulty and uninstalled,
 * its packet dropped, while the other handlers of the same event — and the
 * whole graph — keep answering; the raise depths it was inside are repaired.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "testkit.h"
#include "../protocols/udp/udpkit.h"

#include "netgraph/extension.h"
#include "kernel/arch_budget.h"
#include "kernel/budget.h"
#include "kernel/event.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/stats.h"
#include "protocols/udp/udp.h"

#define LOOP_BUDGET_NS (2 * 1000 * 1000ull)          /* 2 ms of CPU */
#define ROOMY_BUDGET_NS (10 * 1000 * 1000 * 1000ull) /* 10 s: never reached */

/* volatile: a handler that never returns may otherwise never store them */
static volatile uint64_t spins;
static volatile int loops;

/* forever - a handler that never returns. */
static int forever(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    (void)p;
    loops++;
    for (;;)
        spins++;
    return KH_TAKEN;
}

static int answered;
static int answer(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    (void)p;
    answered++;
    return KH_TAKEN;
}

static void *install_echo(void)
{
    const struct kextension *e = kext_class_find("udp-echo");
    struct kparams prm = { .n = 1, .key = { "port" }, .value = { "7" } };
    void *st = NULL;
    char err[128] = "";
    cr_assert_eq(kext_create(e, &prm, (struct kext **)&st, err, sizeof err), 0, "%s", err);
    return st;
}

static const uint8_t text[] = "bounded";

static void echo_once(struct netif *ifp, uint16_t sport)
{
    struct uk_dgram d = { .sport = sport, .dport = 7, .payload = text, .payload_len = sizeof text };
    udpkit_inject(ifp, &d);
    struct uk_sent r;
    cr_assert(udpkit_take(ifp, &r), "an echo reply");
    cr_assert_eq(r.proto, 17);
    cr_assert_eq(load_be16(r.l4 + 2), sport);
    cr_assert_arr_eq(r.l4 + 8, text, sizeof text);
    udpkit_sent_free(&r);
}

/* An ICMP echo request (RFC 792) from the peer; true when a reply came back. */
static bool ping_once(struct netif *ifp, uint16_t seq)
{
    uint8_t f[14 + 20 + 16];
    memset(f, 0, sizeof f);
    memcpy(f, UK_OUR_MAC, 6);
    memcpy(f + 6, UK_PEER_MAC, 6);
    store_be16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    store_be16(ip + 2, 20 + 16);
    ip[8] = 64;
    ip[9] = 1;
    store_be32(ip + 12, UK_PEER_IP);
    store_be32(ip + 16, UK_OUR_IP);
    store_be16(ip + 10, inet_csum_fold(inet_csum_add(0, ip, 20)));
    uint8_t *icmp = ip + 20;
    icmp[0] = 8;
    store_be16(icmp + 4, 0x1234);
    store_be16(icmp + 6, seq);
    memcpy(icmp + 8, "pingping", 8);
    store_be16(icmp + 2, inet_csum_fold(inet_csum_add(0, icmp, 16)));
    testkit_inject(ifp, f, sizeof f);
    struct uk_sent r;
    if (!udpkit_take(ifp, &r))
        return false;
    bool ok = r.proto == 1 && r.l4[0] == 0 && load_be16(r.l4 + 6) == seq;
    udpkit_sent_free(&r);
    return ok;
}

Test(bounded, a_looping_handler_is_removed_while_the_graph_keeps_answering)
{
    cr_assert(arch_budget_preemptive(), "the hosted target stops runaway handlers");
    struct netif *ifp = udpkit_setup();
    /* the looping observer runs first on udp.PacketArrived, the echo after it */
    struct khandler *looper;
    const struct khandler_props lp = { .name = "looper", .budget_ns = LOOP_BUDGET_NS };
    cr_assert_eq(udp_PacketArrived_install(forever, NULL, NULL, &lp, &looper), 0);
    void *echo = install_echo();
    unsigned before = udp_PacketArrived.nhandlers;

    echo_once(ifp, 40001); /* the looper is stopped, the echo still answers this datagram */
    cr_assert_eq(loops, 1);
    cr_assert_eq(looper->overruns, 1, "the overrun is counted");
    cr_assert(looper->faulty);
    cr_assert_eq(looper->errors, 1, "its packet was dropped (-KE_RANGE)");
    cr_assert_eq(udp_PacketArrived.nhandlers, before - 1, "only the looper was uninstalled");
    cr_assert_eq(udp_PacketArrived.depth, 0, "the raise it was inside ended");
    struct kdispatch_stats st;
    kevent_get_stats(&st);
    cr_assert_eq(st.overruns, 1);
    cr_assert_eq(st.abandoned, 1);
    cr_assert_eq(kframe_depth(), 0);

    echo_once(ifp, 40002); /* and afterwards */
    cr_assert(ping_once(ifp, 1), "ping still answered");
    cr_assert_eq(loops, 1, "the looper never ran again");
    cr_assert_eq(udpkit_counter("udp-echo", "tx"), 2);

    cr_assert_eq(kevent_uninstall(looper), -KE_NOENT, "already removed; this frees it");
    kext_destroy(echo);
    cr_assert_eq(testkit_drain(ifp), 0);
    cr_assert(pktpool_all_full());
}

Test(bounded, other_handlers_of_the_same_raise_are_unaffected)
{
    testkit_init();
    struct khandler *a, *looper, *b;
    const struct khandler_props lp = { .name = "looper", .budget_ns = LOOP_BUDGET_NS };
    const struct khandler_props roomy = { .name = "b", .budget_ns = ROOMY_BUDGET_NS };
    cr_assert_eq(udp_PacketArrived_install(answer, NULL, NULL, NULL, &a), 0);
    cr_assert_eq(udp_PacketArrived_install(forever, NULL, NULL, &lp, &looper), 0);
    cr_assert_eq(udp_PacketArrived_install(answer, NULL, NULL, &roomy, &b), 0);
    struct pktbuf *p = pkt_alloc(pktpool_default());
    pkt_append(p, 60);
    /* udp_combine counts every result that is not KH_PASS: 2 answers + 1 drop */
    cr_assert_eq(udp_PacketArrived_raise(p), 3);
    cr_assert_eq(answered, 2, "the handlers before and after the looper both ran");
    cr_assert_eq(udp_PacketArrived_raise(p), 2);
    cr_assert_eq(answered, 4);
    cr_assert_eq(b->overruns, 0, "a bounded handler within its budget stays");
    cr_assert_eq(udp_PacketArrived.nhandlers, 2);
    pkt_free(p);
    kevent_uninstall(a);
    kevent_uninstall(b);
    kevent_uninstall(looper);
    cr_assert_null(udp_PacketArrived.plan);
    cr_assert(pktpool_all_full());
}

/* ---- abandonment inside nested raises: the frames repair every depth ---- */

KEVENT_DECLARE(inner_Event, struct pktbuf *);
KEVENT_DEFINE(inner_Event, struct pktbuf *, "test.Inner", true, NULL);

/* raise_inner - a bounded handler whose nested raise reaches a looping handler. */
static int raise_inner(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    return inner_Event_raise(p) > 0 ? KH_TAKEN : KH_PASS;
}

Test(bounded, abandoning_nested_raises_restores_their_depth)
{
    testkit_init();
    uint64_t live = kmem_live();
    struct khandler *outer, *inner;
    const struct khandler_props op = { .name = "outer", .budget_ns = LOOP_BUDGET_NS };
    cr_assert_eq(udp_PacketArrived_install(raise_inner, NULL, NULL, &op, &outer), 0);
    /* unbounded, but it runs inside the outer handler's budget */
    cr_assert_eq(inner_Event_install(forever, NULL, NULL, NULL, &inner), 0);
    struct pktbuf *p = pkt_alloc(pktpool_default());
    pkt_append(p, 60);
    cr_assert_eq(udp_PacketArrived_raise(p), 1, "the outer handler's drop");
    cr_assert_eq(outer->overruns, 1);
    cr_assert_eq(inner->overruns, 0, "the inner handler had no budget of its own");
    cr_assert_eq(inner_Event.depth, 0, "the abandoned inner raise was ended");
    cr_assert_eq(udp_PacketArrived.depth, 0);
    cr_assert_eq(kframe_depth(), 0);
    cr_assert_null(udp_PacketArrived.plan, "the outer handler was uninstalled");
    /* the inner event still works: a raise of it after the repair */
    kevent_uninstall(inner);
    cr_assert_eq(inner_Event_raise(p), 0);
    pkt_free(p);
    cr_assert_eq(kevent_uninstall(outer), -KE_NOENT);
    cr_assert_eq(kmem_live(), live, "handlers, plans and retired plans all freed");
    cr_assert(pktpool_all_full());
}

/* A bounded handler nested in another bounded one, both abandoned by the outer budget. */
static int raise_inner_bounded(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    inner_Event_raise(p);
    return KH_TAKEN;
}

Test(bounded, a_bounded_handler_abandoned_with_its_caller_is_removed_too)
{
    testkit_init();
    struct khandler *outer, *inner;
    const struct khandler_props op = { .name = "outer", .budget_ns = LOOP_BUDGET_NS };
    const struct khandler_props ip = { .name = "inner", .budget_ns = ROOMY_BUDGET_NS };
    cr_assert_eq(udp_PacketArrived_install(raise_inner_bounded, NULL, NULL, &op, &outer), 0);
    cr_assert_eq(inner_Event_install(forever, NULL, NULL, &ip, &inner), 0);
    struct pktbuf *p = pkt_alloc(pktpool_default());
    pkt_append(p, 60);
    udp_PacketArrived_raise(p);
    cr_assert_eq(outer->overruns, 1, "the outer budget expired");
    cr_assert_eq(inner->overruns, 0);
    cr_assert(inner->faulty, "abandoned mid-way: its state cannot be trusted");
    cr_assert_eq(inner_Event.nhandlers, 0);
    struct kdispatch_stats st;
    kevent_get_stats(&st);
    cr_assert_eq(st.abandoned, 2);
    cr_assert_eq(inner_Event.depth, 0);
    pkt_free(p);
    cr_assert_eq(kevent_uninstall(inner), -KE_NOENT);
    cr_assert_eq(kevent_uninstall(outer), -KE_NOENT);
    cr_assert(pktpool_all_full());
}

/* A looping handler that holds a buffer it allocated when it is stopped. */
static struct pktbuf *volatile grabbed;
static int grab_and_loop(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    (void)p;
    grabbed = pkt_alloc(pktpool_default());
    for (;;)
        spins++;
    return KH_TAKEN;
}

Test(bounded, buffers_held_by_an_abandoned_handler_are_counted)
{
    testkit_init();
    struct khandler *h;
    const struct khandler_props lp = { .name = "grabber", .budget_ns = LOOP_BUDGET_NS };
    cr_assert_eq(udp_PacketArrived_install(grab_and_loop, NULL, NULL, &lp, &h), 0);
    struct pktbuf *p = pkt_alloc(pktpool_default());
    udp_PacketArrived_raise(p);
    pkt_free(p);
    cr_assert_eq(h->leaked_pkts, 1, "the buffer it held is counted as leaked");
    struct kdispatch_stats st;
    kevent_get_stats(&st);
    cr_assert_eq(st.leaked_pkts, 1);
    cr_assert_not(pktpool_all_full());
    pkt_free(grabbed); /* reclaimed by whoever can: here the test */
    kevent_uninstall(h);
    cr_assert(pktpool_all_full());
}

Test(bounded, a_handler_within_budget_keeps_its_result)
{
    testkit_init();
    struct khandler *h;
    const struct khandler_props roomy = { .name = "roomy", .budget_ns = ROOMY_BUDGET_NS };
    cr_assert_eq(udp_PacketArrived_install(answer, NULL, NULL, &roomy, &h), 0);
    struct pktbuf *p = pkt_alloc(pktpool_default());
    for (int i = 0; i < 100; i++)
        cr_assert_eq(udp_PacketArrived_raise(p), 1);
    pkt_free(p);
    cr_assert_eq(h->calls, 100);
    cr_assert_eq(h->taken, 100);
    cr_assert_eq(h->overruns, 0);
    cr_assert(!h->faulty);
    cr_assert_eq(kevent_uninstall(h), 0);
    cr_assert(pktpool_all_full());
}
