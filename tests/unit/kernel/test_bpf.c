/*
 * Unit tests of guards/bpf.c. The program is what `tcpdump -d 'udp dst port 7'`
 * prints for DLT_EN10MB (libpcap 1.10), written as instructions.
 */
#include <criterion/criterion.h>
#include "testkit.h"
#include "guards/bpf.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

/* ldh [12]; jeq #0x800 jt 2 jf 9 ... as `tcpdump -dd 'ip and udp dst port 7'` */
static const struct kbpf_insn udp7[] = {
    { 0x28, 0, 0, 0x0000000c }, { 0x15, 0, 8, 0x00000800 }, { 0x30, 0, 0, 0x00000017 },
    { 0x15, 0, 6, 0x00000011 }, { 0x28, 0, 0, 0x00000014 }, { 0x45, 4, 0, 0x00001fff },
    { 0xb1, 0, 0, 0x0000000e }, { 0x48, 0, 0, 0x00000010 }, { 0x15, 0, 1, 0x00000007 },
    { 0x6, 0, 0, 0x00040000 },  { 0x6, 0, 0, 0x00000000 },
};

static struct pktbuf *frame(uint8_t proto, uint16_t dport, uint16_t frag)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    uint8_t *d = pkt_append(p, 42);
    memset(d, 0, 42);
    pkt_set_layer(p, PKT_L2);
    store_be16(d + 12, 0x0800);
    d[14] = 0x45;
    store_be16(d + 20, frag);
    d[23] = proto;
    store_be16(d + 36, dport);
    return p;
}

TestSuite(bpf, .init = testkit_init);

Test(bpf, tcpdump_program_matches_like_tcpdump)
{
    struct kbpf_prog prog;
    char why[96];
    cr_assert_eq(kbpf_verify(udp7, 11, &prog, why, sizeof why), 0, "%s", why);
    struct pktbuf *p = frame(17, 7, 0);
    cr_assert(kbpf_run(&prog, p));
    pkt_free(p);
    p = frame(17, 8, 0);
    cr_assert_not(kbpf_run(&prog, p));
    pkt_free(p);
    p = frame(6, 7, 0);
    cr_assert_not(kbpf_run(&prog, p));
    pkt_free(p);
    p = frame(17, 7, 0x0010); /* a non-first fragment carries no UDP header */
    cr_assert_not(kbpf_run(&prog, p));
    pkt_trim(p, 30); /* truncated: the load of the port fails: reject */
    store_be16(pkt_data(p) + 20, 0);
    cr_assert_not(kbpf_run(&prog, p));
    pkt_free(p);
    cr_assert(testkit_pool_full());
}

Test(bpf, verifier_refuses_unsafe_programs)
{
    struct kbpf_prog prog;
    char why[96];
    const struct kbpf_insn back[] = { { 0x05, 0, 0, 0xffffffff }, { 0x6, 0, 0, 0 } };
    cr_assert_eq(kbpf_verify(back, 2, &prog, why, sizeof why), -KE_INVAL);
    cr_assert(strstr(why, "jump") != NULL, "why: %s", why);
    const struct kbpf_insn noret[] = { { 0x28, 0, 0, 12 } };
    cr_assert_eq(kbpf_verify(noret, 1, &prog, why, sizeof why), -KE_INVAL);
    const struct kbpf_insn div0[] = { { 0x34, 0, 0, 0 }, { 0x6, 0, 0, 0 } };
    cr_assert_eq(kbpf_verify(div0, 2, &prog, why, sizeof why), -KE_INVAL);
    const struct kbpf_insn mem[] = { { 0x02, 0, 0, 16 }, { 0x6, 0, 0, 0 } };
    cr_assert_eq(kbpf_verify(mem, 2, &prog, why, sizeof why), -KE_INVAL);
    const struct kbpf_insn jout[] = { { 0x15, 5, 0, 1 }, { 0x6, 0, 0, 0 } };
    cr_assert_eq(kbpf_verify(jout, 2, &prog, why, sizeof why), -KE_INVAL);
    cr_assert_not(prog.verified);
}
