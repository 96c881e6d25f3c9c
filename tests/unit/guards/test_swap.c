/*
 * Plans are swapped whole (kernel/event.c with guards/tree.c): handlers
 * installed or removed during a raise, from inside a handler, and between
 * raises under traffic. A raise runs on the plan it started with; a handler
 * removed during it is not run afterwards; a handler installed during it runs
 * from the next raise; no packet is lost or delivered twice; retired plans
 * and removed handlers are freed after the outermost raise (ASan watches).
 */
#include <criterion/criterion.h>
#include <string.h>
#include "testkit.h"
#include "guards/dispatch.h"
#include "kernel/event.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

KEVENT_DECLARE(sw_Packet, struct pktbuf *);
KEVENT_DEFINE(sw_Packet, struct pktbuf *, "sw.Packet", true, NULL);

static int order[64];
static unsigned norder;

struct h {
    int id;
    struct khandler *self;
    unsigned calls;
    void (*action)(struct h *me, struct pktbuf *p);
};

static int on_pkt(void *ctx, struct pktbuf *p)
{
    struct h *me = ctx;
    me->calls++;
    if (norder < 64)
        order[norder++] = me->id;
    if (me->action)
        me->action(me, p);
    return KH_TAKEN;
}

static struct kguard port_guard(uint16_t port)
{
    struct kguard g = { 0 };
    kguard_add_test(&g, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, port));
    return g;
}

static struct pktbuf *port_packet(uint16_t dport)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    uint8_t *d = pkt_append(p, 42);
    memset(d, 0, 42);
    pkt_set_layer(p, PKT_L2);
    p->layer[PKT_L3] = (uint16_t)(p->data_off + 14);
    p->layer[PKT_L4] = (uint16_t)(p->data_off + 34);
    store_be16(d + 36, dport);
    return p;
}

static int raise_port(uint16_t port)
{
    struct pktbuf *p = port_packet(port);
    norder = 0;
    int n = sw_Packet_raise(p);
    pkt_free(p);
    return n;
}

static struct h hs[8];

static void install(struct h *x, int id, uint16_t port)
{
    x->id = id;
    x->calls = 0;
    struct kguard g = port_guard(port);
    cr_assert_eq(sw_Packet_install(on_pkt, x, &g, NULL, &x->self), 0);
}

static void setup(void)
{
    testkit_init();
    memset(hs, 0, sizeof hs);
}

TestSuite(swap, .init = setup);

/* A removes B and installs D during the raise. */
static void remove_b_install_d(struct h *me, struct pktbuf *p)
{
    (void)p;
    me->action = NULL;
    cr_assert_eq(kevent_uninstall(hs[1].self), 0);
    install(&hs[3], 3, 7);
}

Test(swap, changes_during_a_raise_take_effect_without_loss_or_duplicates)
{
    uint64_t live = kmem_live();
    install(&hs[0], 0, 7);
    install(&hs[1], 1, 7);
    install(&hs[2], 2, 7);
    hs[0].action = remove_b_install_d;
    cr_assert_eq(raise_port(7), 2);
    cr_assert_eq(norder, 2);
    cr_assert(order[0] == 0 && order[1] == 2, "B removed mid-raise must not run; D not yet");
    cr_assert_eq(raise_port(7), 3);
    cr_assert(order[0] == 0 && order[1] == 2 && order[2] == 3);
    cr_assert_eq(hs[1].calls, 0);
    kevent_uninstall(hs[0].self);
    kevent_uninstall(hs[2].self);
    kevent_uninstall(hs[3].self);
    cr_assert_eq(kmem_live(), live, "retired plans and removed handlers are freed");
    cr_assert(testkit_pool_full());
}

static void remove_self(struct h *me, struct pktbuf *p)
{
    (void)p;
    cr_assert_eq(kevent_uninstall(me->self), 0);
}

Test(swap, a_handler_may_remove_itself)
{
    install(&hs[0], 0, 7);
    install(&hs[1], 1, 7);
    hs[0].action = remove_self;
    cr_assert_eq(raise_port(7), 2);
    cr_assert_eq(raise_port(7), 1);
    cr_assert_eq(hs[0].calls, 1);
    cr_assert_eq(hs[1].calls, 2);
    kevent_uninstall(hs[1].self);
    cr_assert(testkit_pool_full());
}

/* A installs E on the same port, then raises again: the inner raise uses the new plan. */
static void install_and_reraise(struct h *me, struct pktbuf *p)
{
    me->action = NULL;
    install(&hs[4], 4, 7);
    unsigned before = norder;
    int n = sw_Packet_raise(p);
    cr_assert_eq(n, 3, "inner raise: A, B and the new E");
    cr_assert_eq(norder - before, 3);
}

Test(swap, a_nested_raise_runs_the_new_plan_while_the_outer_keeps_the_old)
{
    uint64_t live = kmem_live();
    install(&hs[0], 0, 7);
    install(&hs[1], 1, 7);
    hs[0].action = install_and_reraise;
    cr_assert_eq(raise_port(7), 2, "outer raise: A and B only");
    /* outer A, inner A B E, outer B */
    static const int want[] = { 0, 0, 1, 4, 1 };
    cr_assert_eq(norder, 5);
    for (unsigned i = 0; i < 5; i++)
        cr_assert_eq(order[i], want[i], "position %u", i);
    cr_assert_null(sw_Packet.retired, "the old plan is destroyed after the outermost raise");
    kevent_uninstall(hs[0].self);
    kevent_uninstall(hs[1].self);
    kevent_uninstall(hs[4].self);
    cr_assert_eq(kmem_live(), live);
    cr_assert(testkit_pool_full());
}

/* ---- churn under traffic ---------------------------------------------------- */

#define NPERM 64
#define NCHURN 32

static struct h perm[NPERM], churn[NCHURN];
static bool churn_in[NCHURN];
static unsigned expect_perm[NPERM], expect_churn[NCHURN];
static uint64_t rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13; /* xorshift64 (Marsaglia, JSS 2003) */
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static uint16_t churn_port(unsigned i)
{
    return (uint16_t)(1000 + (i * 7) % NPERM); /* shares ports with permanent handlers */
}

/* The first handler in the list: toggles a churn handler during the raise. */
static int churner(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    (void)p;
    unsigned i = rnd(NCHURN);
    if (churn_in[i]) {
        cr_assert_eq(kevent_uninstall(churn[i].self), 0);
        churn_in[i] = false; /* not run from now on, this raise included */
    } else {
        struct kguard g = port_guard(churn_port(i));
        cr_assert_eq(sw_Packet_install(on_pkt, &churn[i], &g, NULL, &churn[i].self), 0);
        churn_in[i] = true; /* runs from the next raise */
    }
    return KH_PASS;
}

Test(swap, install_and_remove_under_traffic_lose_nothing)
{
    uint64_t live = kmem_live();
    struct khandler *ch;
    cr_assert_eq(sw_Packet_install(churner, NULL, NULL, NULL, &ch), 0);
    for (unsigned i = 0; i < NPERM; i++) {
        struct kguard g = port_guard((uint16_t)(1000 + i));
        perm[i].id = 100 + (int)i;
        cr_assert_eq(sw_Packet_install(on_pkt, &perm[i], &g, NULL, &perm[i].self), 0);
    }
    for (unsigned i = 0; i < NCHURN; i++)
        churn[i].id = 200 + (int)i;
    for (unsigned k = 0; k < 5000; k++) {
        uint16_t port = (uint16_t)(1000 + rnd(NPERM + 8)); /* some to nobody */
        bool was_in[NCHURN];
        memcpy(was_in, churn_in, sizeof was_in);
        struct pktbuf *p = port_packet(port);
        sw_Packet_raise(p);
        pkt_free(p);
        if (port < 1000 + NPERM)
            expect_perm[port - 1000]++;
        for (unsigned i = 0; i < NCHURN; i++)
            if (was_in[i] && churn_in[i] && churn_port(i) == port)
                expect_churn[i]++;
        /* and between raises, from outside any handler */
        unsigned j = rnd(NCHURN);
        if (k % 3 == 0 && churn_in[j]) {
            cr_assert_eq(kevent_uninstall(churn[j].self), 0);
            churn_in[j] = false;
        }
    }
    for (unsigned i = 0; i < NPERM; i++)
        cr_assert_eq(perm[i].calls, expect_perm[i], "permanent handler %u", i);
    for (unsigned i = 0; i < NCHURN; i++)
        cr_assert_eq(churn[i].calls, expect_churn[i], "churn handler %u", i);
    for (unsigned i = 0; i < NCHURN; i++)
        if (churn_in[i])
            kevent_uninstall(churn[i].self);
    for (unsigned i = 0; i < NPERM; i++)
        kevent_uninstall(perm[i].self);
    kevent_uninstall(ch);
    cr_assert_eq(kmem_live(), live);
    cr_assert(testkit_pool_full());
}
