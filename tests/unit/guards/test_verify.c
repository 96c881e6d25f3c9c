/*
 * The install-time verifier (guards/verify.c) and the classic-BPF verifier
 * and interpreter (guards/bpf.c): every refusal comes with its reason, and
 * what is accepted cannot read outside the packet.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "testkit.h"
#include "guards/bpf.h"
#include "guards/dispatch.h"
#include "guards/guard_eval.h"
#include "guards/verify.h"
#include "kernel/event.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "protocols/ether/ether.h"
#include "protocols/udp/udp.h"

KEVENT_DECLARE(vf_Packet, struct pktbuf *);
KEVENT_DEFINE(vf_Packet, struct pktbuf *, "vf.Packet", true, NULL);
struct vf_arg {
    int x;
};
KEVENT_DECLARE(vf_Other, struct vf_arg *);
KEVENT_DEFINE(vf_Other, struct vf_arg *, "vf.Other", false, NULL);

TestSuite(verify, .init = testkit_init);

static struct kguard one(struct kguard_test t)
{
    struct kguard g = { 0 };
    g.test[0] = t;
    g.ntests = 1;
    return g;
}

/* refused - @g on @ev is refused and the reason contains @needle. */
static void refused(const struct kevent *ev, struct kguard g, const char *needle)
{
    char why[160];
    cr_assert_eq(guard_verify(ev, &g, why, sizeof why), -KE_PERM, "accepted; wanted '%s'", needle);
    cr_assert(strstr(why, needle) != NULL, "reason '%s' does not say '%s'", why, needle);
}

Test(verify, refuses_malformed_tests_with_a_reason)
{
    refused(&vf_Packet, one(KGUARD_FIELD(7, 0, 1, 0xff, KG_EQ, 0)), "no layer");
    refused(&vf_Packet, one(KGUARD_FIELD(PKT_L4, 0, 3, 0xff, KG_EQ, 0)), "width 3");
    refused(&vf_Packet, one(KGUARD_FIELD(PKT_L4, 0, 2, 0xffff, 9, 0)), "unknown operator");
    refused(&vf_Packet, one(KGUARD_FIELD(PKT_L4, 0xfffe, 2, 0xffff, KG_EQ, 0)), "past any packet");
    refused(&vf_Packet, one(KGUARD_FIELD(PKT_L4, 0, 1, 0x1ff, KG_EQ, 0)), "wider than 1 bytes");
    struct kguard many = { .ntests = KGUARD_MAX_TESTS + 1 };
    refused(&vf_Packet, many, "at most");
    struct kguard onpred = one(KGUARD_FIELD(PKT_L4, 0, 1, 0xff, KG_EQ, 0));
    refused(&vf_Other, onpred, "not one");
}

Test(verify, refuses_tests_that_never_hold)
{
    refused(&vf_Packet, one(KGUARD_FIELD(PKT_L4, 2, 2, 0xff, KG_EQ, 0x1234)), "never holds");
    refused(&vf_Packet, one(KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_LT, 0)), "never holds");
    refused(&vf_Packet, one(KGUARD_FIELD(PKT_L4, 2, 2, 0x00ff, KG_GT, 0xff)), "never holds");
    refused(&vf_Packet, one(KGUARD_FIELD(PKT_L4, 2, 2, 0x00ff, KG_GE, 0x100)), "never holds");
    struct kguard two = one(KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, 7));
    kguard_add_test(&two, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, 9));
    refused(&vf_Packet, two, "equal both 0x7 and 0x9");
    /* the limits themselves are fine */
    char why[128];
    struct kguard ok = one(KGUARD_FIELD(PKT_L4, 2, 2, 0x00ff, KG_GE, 0xff));
    kguard_add_test(&ok, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_LE, 0));
    kguard_add_test(&ok, KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, 0));
    cr_assert_eq(guard_verify(&vf_Packet, &ok, why, sizeof why), 0, "%s", why);
}

Test(verify, refuses_layers_the_event_never_sets)
{
    refused(&ether_PacketArrived, one(KGUARD_FIELD(PKT_L4, 2, 2, 0xffff, KG_EQ, 7)),
            "layer L4 is never set when ether.PacketArrived");
    char why[128];
    struct kguard g = udp_guard_dport(7);
    cr_assert_eq(guard_verify(&udp_PacketArrived, &g, why, sizeof why), 0, "%s", why);
    struct kguard l2 = one(KGUARD_FIELD(PKT_L2, 12, 2, 0xffff, KG_EQ, 0x0800));
    cr_assert_eq(guard_verify(&ether_PacketArrived, &l2, why, sizeof why), 0, "%s", why);
}

static int nop(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    (void)p;
    return KH_TAKEN;
}

Test(verify, install_refuses_with_KE_PERM_and_installs_nothing)
{
    struct kguard g = one(KGUARD_FIELD(PKT_L4, 2, 2, 0xff, KG_EQ, 0x1234));
    struct khandler *h = NULL;
    cr_assert_eq(vf_Packet_install(nop, NULL, &g, NULL, &h), -KE_PERM);
    cr_assert_null(h);
    cr_assert_eq(vf_Packet.nhandlers, 0);
    cr_assert_null(vf_Packet.plan);
}

Test(verify, refuses_an_unverified_or_changed_bpf_program)
{
    static struct kbpf_insn prog[2] = { { 0x30, 0, 0, 0 }, { 0x16, 0, 0, 0 } }; /* ldb [0]; ret a */
    struct kbpf_prog p = { .len = 2, .insns = prog, .verified = false };
    struct kguard g = { .bpf = &p };
    refused(&vf_Packet, g, "not verified");
    char why[96];
    cr_assert_eq(kbpf_verify(prog, 2, &p, why, sizeof why), 0, "%s", why);
    char vwhy[128];
    cr_assert_eq(guard_verify(&vf_Packet, &g, vwhy, sizeof vwhy), 0, "%s", vwhy);
    prog[1].code = 0x05; /* changed after verification: now a jump and no RET */
    refused(&vf_Packet, g, "BPF program:");
    prog[1].code = 0x16;
}

/* ---- the cBPF verifier ----------------------------------------------------- */

static void bpf_refused(const struct kbpf_insn *in, unsigned n, const char *needle)
{
    struct kbpf_prog p;
    char why[128];
    cr_assert_eq(kbpf_verify(in, n, &p, why, sizeof why), -KE_INVAL, "accepted; wanted '%s'",
                 needle);
    cr_assert_not(p.verified);
    cr_assert(strstr(why, needle) != NULL, "reason '%s' does not say '%s'", why, needle);
}

Test(verify, bpf_verifier_refusals)
{
    const struct kbpf_insn back[] = { { 0x05, 0, 0, 0xffffffff }, { 0x06, 0, 0, 0 } };
    bpf_refused(back, 2, "jump out of program");
    const struct kbpf_insn jout[] = { { 0x15, 5, 0, 1 }, { 0x06, 0, 0, 0 } };
    bpf_refused(jout, 2, "jump out of program");
    const struct kbpf_insn noret[] = { { 0x28, 0, 0, 12 } };
    bpf_refused(noret, 1, "does not end in RET");
    const struct kbpf_insn div0[] = { { 0x34, 0, 0, 0 }, { 0x06, 0, 0, 0 } };
    bpf_refused(div0, 2, "division by constant zero");
    const struct kbpf_insn mod0[] = { { 0x94, 0, 0, 0 }, { 0x06, 0, 0, 0 } };
    bpf_refused(mod0, 2, "division by constant zero");
    const struct kbpf_insn st16[] = { { 0x02, 0, 0, 16 }, { 0x06, 0, 0, 0 } };
    bpf_refused(st16, 2, "scratch index 16");
    const struct kbpf_insn ld16[] = { { 0x60, 0, 0, 16 }, { 0x06, 0, 0, 0 } };
    bpf_refused(ld16, 2, "scratch index 16");
    const struct kbpf_insn unk[] = { { 0x18, 0, 0, 0 }, { 0x06, 0, 0, 0 } }; /* LD with size 3 */
    bpf_refused(unk, 2, "unknown instruction code 0x18");
    const struct kbpf_insn retx[] = { { 0x0e, 0, 0, 0 } }; /* RET X is not classic */
    bpf_refused(retx, 1, "unknown instruction code");
    const struct kbpf_insn anc[] = { { 0x20, 0, 0, 0xfffff000 }, { 0x06, 0, 0, 0 } };
    bpf_refused(anc, 2, "ancillary");
    const struct kbpf_insn shift[] = { { 0x64, 0, 0, 32 }, { 0x06, 0, 0, 0 } };
    bpf_refused(shift, 2, "shift by 32");
    bpf_refused(NULL, 0, "length 0");
    /* M[3] read on the path where it was not written */
    const struct kbpf_insn uninit[] = {
        { 0x30, 0, 0, 0 }, /* ldb [0] */
        { 0x15, 0, 1, 1 }, /* jeq #1, 0, 1 */
        { 0x02, 0, 0, 3 }, /* st M[3] */
        { 0x60, 0, 0, 3 }, /* ld M[3] */
        { 0x16, 0, 0, 0 }, /* ret a */
    };
    bpf_refused(uninit, 5, "reads scratch M[3] before any write");
}

Test(verify, bpf_accepts_written_scratch_and_dead_code)
{
    const struct kbpf_insn ok[] = {
        { 0x00, 0, 0, 5 }, /* ld #5 */
        { 0x02, 0, 0, 3 }, /* st M[3] */
        { 0x05, 0, 0, 1 }, /* ja +1 */
        { 0x60, 0, 0, 9 }, /* ld M[9]: never reached */
        { 0x61, 0, 0, 3 }, /* ldx M[3] */
        { 0x87, 0, 0, 0 }, /* txa */
        { 0x16, 0, 0, 0 }, /* ret a */
    };
    struct kbpf_prog p;
    char why[96];
    cr_assert_eq(kbpf_verify(ok, 7, &p, why, sizeof why), 0, "%s", why);
    struct pktbuf *pk = pkt_alloc(pktpool_default());
    pkt_append(pk, 20);
    cr_assert(kbpf_run(&p, pk));
    pkt_free(pk);
    cr_assert(testkit_pool_full());
}

/* ---- the interpreter stays inside the packet -------------------------------- */

Test(verify, bpf_loads_stay_inside_the_valid_bytes)
{
    /* ldxb 4*([0]&0xf); ld [x + 0xfffffff0]; ret #1 : X + k wraps around 2^32 */
    const struct kbpf_insn wrap[] = { { 0xb1, 0, 0, 0 },
                                      { 0x40, 0, 0, 0xfffffff0u },
                                      { 0x06, 0, 0, 1 } };
    /* ldh [len - 1] must fail: the last byte has no partner */
    const struct kbpf_insn tail[] = { { 0x28, 0, 0, 19 }, { 0x06, 0, 0, 1 } };
    /* ldx #0; div x: division by a zero X rejects */
    const struct kbpf_insn divx[] = { { 0x01, 0, 0, 0 }, { 0x3c, 0, 0, 0 }, { 0x06, 0, 0, 1 } };
    struct kbpf_prog pw, pt, pd;
    char why[96];
    cr_assert_eq(kbpf_verify(wrap, 3, &pw, why, sizeof why), 0, "%s", why);
    cr_assert_eq(kbpf_verify(tail, 2, &pt, why, sizeof why), 0, "%s", why);
    cr_assert_eq(kbpf_verify(divx, 3, &pd, why, sizeof why), 0, "%s", why);
    struct pktbuf *p = pkt_alloc(pktpool_default());
    uint8_t *d = pkt_append(p, 20);
    memset(d, 0xff, 20); /* X = 60 */
    cr_assert_not(kbpf_run(&pw, p));
    cr_assert_not(kbpf_run(&pt, p));
    cr_assert_not(kbpf_run(&pd, p));
    pkt_append(p, 1);
    cr_assert(kbpf_run(&pt, p));
    pkt_free(p);
    cr_assert(testkit_pool_full());
}

Test(verify, bpf_addresses_from_L2_and_rejects_packets_without_it)
{
    const struct kbpf_insn b0[] = {
        { 0x30, 0, 0, 0 }, { 0x15, 0, 1, 0xab }, { 0x06, 0, 0, 1 }, { 0x06, 0, 0, 0 }
    }; /* ldb [0]; jeq #0xab */
    struct kbpf_prog p;
    char why[96];
    cr_assert_eq(kbpf_verify(b0, 4, &p, why, sizeof why), 0, "%s", why);
    struct pktbuf *pk = pkt_alloc(pktpool_default());
    uint8_t *d = pkt_append(pk, 40);
    memset(d, 0, 40);
    d[0] = 0xab;
    d[14] = 0xcd;
    cr_assert(kbpf_run(&p, pk), "no layer recorded: the data start is the link header");
    pkt_set_layer(pk, PKT_L2);
    pkt_pull(pk, 14); /* as the IPv4 node does: L2 stays addressable */
    pkt_set_layer(pk, PKT_L3);
    cr_assert(kbpf_run(&p, pk));
    pk->layer[PKT_L2] = PKT_LAYER_UNSET; /* a reassembled datagram: no link header */
    cr_assert_not(kbpf_run(&p, pk));
    pkt_free(pk);
    cr_assert(testkit_pool_full());
}

Test(verify, field_tests_stay_inside_the_valid_bytes)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    uint8_t *d = pkt_append(p, 10);
    memset(d, 0x11, 10);
    p->layer[PKT_L3] = (uint16_t)(p->data_off + 6);
    struct kguard_test in = KGUARD_FIELD(PKT_L3, 0, 4, 0xffffffff, KG_EQ, 0x11111111);
    struct kguard_test out = KGUARD_FIELD(PKT_L3, 1, 4, 0xffffffff, KG_GE, 0);
    struct kguard_test unset = KGUARD_FIELD(PKT_L4, 0, 1, 0, KG_GE, 0);
    cr_assert(guard_test_eval(&in, p));
    cr_assert_not(guard_test_eval(&out, p), "one byte past the data");
    cr_assert_not(guard_test_eval(&unset, p), "layer unset");
    pkt_free(p);
    cr_assert(testkit_pool_full());
}
