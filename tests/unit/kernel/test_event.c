/* Unit tests of kernel/event.c with the linear dispatch of guards/. */
#include <criterion/criterion.h>
#include "testkit.h"
#include "kernel/event.h"
#include "kernel/klib.h"
#include "kernel/kerr.h"
#include "kernel/mem.h"

KEVENT_DECLARE(test_Packet, struct pktbuf *);
KEVENT_DEFINE(test_Packet, struct pktbuf *, "test.Packet", true, NULL);

struct name_arg {
    const char *name;
};
KEVENT_DECLARE(test_Name, struct name_arg *);
static int max_combine(int acc, int r)
{
    return r > acc ? r : acc;
}
KEVENT_DEFINE(test_Name, struct name_arg *, "test.Name", false, max_combine);

struct rec {
    int calls;
    int order[16];
    int n;
};
static struct rec rec;

struct hctx {
    int id;
    int ret;
};

static int on_packet(void *ctx, struct pktbuf *p)
{
    struct hctx *c = ctx;
    (void)p;
    rec.calls++;
    if (rec.n < 16)
        rec.order[rec.n++] = c->id;
    return c->ret;
}

static struct pktbuf *udp_like(uint16_t dport)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    uint8_t *d = pkt_append(p, 42);
    memset(d, 0, 42);
    pkt_set_layer(p, PKT_L2);
    p->layer[PKT_L3] = (uint16_t)(p->data_off + 14);
    p->layer[PKT_L4] = (uint16_t)(p->data_off + 34);
    store_be16(d + 12, 0x0800);
    d[14 + 9] = 17;
    store_be16(d + 34 + 2, dport);
    return p;
}

static void setup(void)
{
    testkit_init();
    memset(&rec, 0, sizeof rec);
}

TestSuite(event, .init = setup);

Test(event, raise_without_handlers_returns_zero_and_counts_nothing)
{
    struct pktbuf *p = udp_like(7);
    cr_assert_eq(test_Packet_raise(p), 0);
    cr_assert_eq(test_Packet.raised, 0, "no-handler raise must take the fast path");
    pkt_free(p);
    cr_assert(testkit_pool_full());
}

Test(event, guards_select_by_port_and_results_combine)
{
    struct hctx a = { 1, KH_TAKEN }, b = { 2, KH_TAKEN }, c = { 3, KH_PASS };
    struct kguard g7 = { 0 }, g9 = { 0 };
    kguard_add_test(&g7, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, 7));
    kguard_add_test(&g9, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, 9));
    cr_assert_eq(test_Packet_install(on_packet, &a, &g7, NULL, NULL), 0);
    cr_assert_eq(test_Packet_install(on_packet, &b, &g9, NULL, NULL), 0);
    cr_assert_eq(test_Packet_install(on_packet, &c, NULL, NULL, NULL), 0);
    struct pktbuf *p = udp_like(9);
    cr_assert_eq(test_Packet_raise(p), 1, "one KH_TAKEN (port 9) and one KH_PASS");
    cr_assert_eq(rec.n, 2);
    cr_assert_eq(rec.order[0], 2);
    cr_assert_eq(rec.order[1], 3);
    pkt_free(p);
    p = udp_like(5);
    cr_assert_eq(test_Packet_raise(p), 0);
    cr_assert_eq(test_Packet.unhandled, 1);
    pkt_free(p);
    cr_assert(testkit_pool_full());
}

Test(event, guard_reading_past_the_packet_is_false)
{
    struct hctx a = { 1, KH_TAKEN };
    struct kguard g = { 0 };
    kguard_add_test(&g, KGUARD_FIELD(PKT_L4, 40, 2, 0xffff, KG_EQ, 0));
    cr_assert_eq(test_Packet_install(on_packet, &a, &g, NULL, NULL), 0);
    struct pktbuf *p = udp_like(7); /* L4 has 8 bytes */
    cr_assert_eq(test_Packet_raise(p), 0);
    p->layer[PKT_L4] = PKT_LAYER_UNSET;
    kguard_add_test(&g, KGUARD_FIELD(PKT_L4, 0, 1, 0xff, KG_GE, 0));
    cr_assert_eq(test_Packet_raise(p), 0);
    pkt_free(p);
    cr_assert_eq(rec.calls, 0);
}

Test(event, ordering_before_and_after)
{
    struct hctx a = { 1, KH_PASS }, b = { 2, KH_PASS }, c = { 3, KH_PASS }, d = { 4, KH_PASS };
    struct khandler_props pa = { .name = "a" }, pb = { .name = "b", .before = "a" },
                          pc = { .name = "c", .after = "b" }, pd = { .name = "d", .before = "zzz" };
    cr_assert_eq(test_Packet_install(on_packet, &a, NULL, &pa, NULL), 0);
    cr_assert_eq(test_Packet_install(on_packet, &b, NULL, &pb, NULL), 0);
    cr_assert_eq(test_Packet_install(on_packet, &c, NULL, &pc, NULL), 0);
    cr_assert_eq(test_Packet_install(on_packet, &d, NULL, &pd, NULL), -KE_INVAL);
    struct pktbuf *p = udp_like(7);
    test_Packet_raise(p);
    pkt_free(p);
    cr_assert_eq(rec.n, 3);
    cr_assert_eq(rec.order[0], 2);
    cr_assert_eq(rec.order[1], 3);
    cr_assert_eq(rec.order[2], 1);
}

static struct khandler *victim;
static int remover(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    (void)p;
    rec.calls++;
    if (victim) {
        cr_assert_eq(kevent_uninstall(victim), 0);
        victim = NULL;
    }
    return KH_PASS;
}

Test(event, uninstall_during_raise_is_safe_and_takes_effect_next_raise)
{
    struct hctx a = { 1, KH_TAKEN };
    struct khandler *self;
    cr_assert_eq(test_Packet_install(remover, NULL, NULL, NULL, &self), 0);
    cr_assert_eq(test_Packet_install(on_packet, &a, NULL, NULL, &victim), 0);
    uint64_t live = kmem_live();
    struct pktbuf *p = udp_like(7);
    cr_assert_eq(test_Packet_raise(p), 0, "the victim removed earlier in this raise must not run");
    cr_assert_eq(test_Packet.nhandlers, 1);
    cr_assert_lt(kmem_live(), live, "removed handler and retired plan freed after the raise");
    cr_assert_eq(test_Packet_raise(p), 0);
    pkt_free(p);
    cr_assert_eq(kevent_uninstall(self), 0);
    cr_assert_null(test_Packet.plan);
    /* a second removal of the same handler would be a use after free: not tested */
}

Test(event, non_packet_event_refuses_field_tests_and_uses_its_combiner)
{
    struct kguard g = { 0 };
    kguard_add_test(&g, KGUARD_FIELD(PKT_L2, 0, 1, 0xff, KG_EQ, 1));
    cr_assert_eq(kevent_install(&test_Name, (khandler_generic_fn)on_packet, NULL, &g, NULL, NULL),
                 -KE_INVAL);
}

static int answer(void *ctx, struct name_arg *a)
{
    (void)a;
    return *(int *)ctx;
}
static bool name_is(void *ctx, void *arg)
{
    return strcmp(((struct name_arg *)arg)->name, ctx) == 0;
}

Test(event, predicate_guards_and_max_combiner)
{
    static int five = 5, three = 3;
    struct kguard gx = { .pred = name_is, .pred_ctx = "x" };
    cr_assert_eq(test_Name_install(answer, &five, &gx, NULL, NULL), 0);
    cr_assert_eq(test_Name_install(answer, &three, NULL, NULL, NULL), 0);
    struct name_arg x = { "x" }, y = { "y" };
    cr_assert_eq(test_Name_raise(&x), 5);
    cr_assert_eq(test_Name_raise(&y), 3);
}

Test(event, verifier_refuses_impossible_guards_with_a_reason)
{
    struct hctx a = { 1, KH_TAKEN };
    struct kguard g = { 0 };
    kguard_add_test(&g, KGUARD_FIELD(PKT_L4, 2, 2, 0xff, KG_EQ, 0x1234)); /* value outside mask */
    cr_assert_eq(test_Packet_install(on_packet, &a, &g, NULL, NULL), -KE_PERM);
    struct kguard w = { 0 };
    kguard_add_test(&w, KGUARD_FIELD(PKT_L4, 2, 3, 0xff, KG_EQ, 0)); /* width 3 */
    cr_assert_eq(test_Packet_install(on_packet, &a, &w, NULL, NULL), -KE_INVAL);
    cr_assert_eq(test_Packet.nhandlers, 0);
}

Test(event, imposed_guard_is_anded)
{
    struct kguard mine = { 0 }, client = { 0 }, both;
    kguard_add_test(&mine, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, 7));
    kguard_add_test(&client, KGUARD_FIELD(PKT_L3, 9, 1, 0xff, KG_EQ, 17));
    cr_assert_eq(kguard_and(&both, &mine, &client), 0);
    cr_assert_eq(both.ntests, 2);
    struct hctx a = { 1, KH_TAKEN };
    cr_assert_eq(test_Packet_install(on_packet, &a, &both, NULL, NULL), 0);
    struct pktbuf *p = udp_like(7);
    cr_assert_eq(test_Packet_raise(p), 1);
    pkt_data(p)[14 + 9] = 6;
    cr_assert_eq(test_Packet_raise(p), 0);
    pkt_free(p);
    struct kguard full = { 0 };
    for (int i = 0; i < KGUARD_MAX_TESTS; i++)
        kguard_add_test(&full, KGUARD_FIELD(PKT_L2, 0, 1, 0xff, KG_GE, 0));
    cr_assert_eq(kguard_and(&both, &full, &client), -KE_TOOBIG);
}
