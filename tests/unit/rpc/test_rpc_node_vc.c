/*
 * tests/unit/rpc/test_rpc_node_vc.c — the RPC node over the AAL5 raw path
 * (apps/rpc/rpc_node.h, a VC instead of a port): a call in one PDU is
 * answered in one PDU on the same VC to the sender's MAC, in every mode;
 * other VCs and group sources are not answered; a VC endpoint is not in the
 * portmapper's registry. Frames are built and read by the AAL5 test kit
 * (tests/unit/protocols/aal5/sarkit.h), not by the code under test.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"
#include "../protocols/aal5/sarkit.h"
#include "nodekit.h"
#include "rpckit.h"

#include "apps/rpc/programs.h"
#include "apps/rpc/rpc_node.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/strand.h"
#include "protocols/aal5/aal5.h"
#include "protocols/ether/ether.h"

static const uint8_t OUR_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static struct netif *ifp;
static struct sk k;

static void setup(void)
{
    testkit_init();
    cr_assert_eq(ether_init(), 0);
    cr_assert_eq(aal5_init(), 0);
    ifp = testkit_netif("eth0", OUR_MAC, NULL);
    sk_setup(&k, sk_params(), 64, 2);
}

static void teardown(void)
{
    testkit_drain(ifp);
    sk_teardown(&k);
    aal5_fini();
    ether_fini();
    netif_destroy_all();
    testkit_fini_pool_full();
}

TestSuite(rpc_node_vc, .init = setup, .fini = teardown);

/* send - the message @m in one PDU from @src on @vpi/@vci. */
static void send_msg(const struct rk_msg *m, const uint8_t src[6], uint8_t vpi, uint16_t vci)
{
    uint8_t frame[14 + AAL5_FRAME_MAX];
    struct sk_cells c = sk_segment(m->b, (uint32_t)m->n, vpi, vci, 0);
    for (size_t i = 0; i < c.n; i += AAL5_CELLS_PER_FRAME) {
        size_t n = c.n - i < AAL5_CELLS_PER_FRAME ? c.n - i : AAL5_CELLS_PER_FRAME;
        testkit_inject(ifp, frame, sk_frame(frame, OUR_MAC, src, &c, i, n));
    }
    free(c.b);
}

/* answer - the PDUs sent, which must be one, to the peer; its reply header in @r. */
static struct pktbuf *answer(struct aal5_pdu_info *info, struct rpc_reply *r)
{
    struct pktbuf *f;
    int pdus = 0;
    while ((f = testkit_sent(ifp)) != NULL) {
        pdus += sk_input_frame(&k, f, PEER_MAC, OUR_MAC);
        pkt_free(f);
    }
    cr_assert_eq(pdus, 1, "expected one PDU in answer, got %d", pdus);
    struct pktbuf *p = sk_take(&k, info);
    cr_assert_eq(rpc_reply_decode(pkt_data(p), p->len, r), 0, "a well-formed RPC reply");
    return p;
}

Test(rpc_node_vc, answers_on_the_vc_in_every_mode)
{
    static const char *const modes[] = { "vc=0/40", "vc=0/41 mode=sync", "vc=1/42 mode=async" };
    static const uint8_t vpi[] = { 0, 0, 1 };
    static const uint16_t vci[] = { 40, 41, 42 };
    for (unsigned i = 0; i < 3; i++) {
        struct kext *x = nk_install("rpc-echo", modes[i]);
        char node[32];
        snprintf(node, sizeof node, "rpc-echo:%u/%u", vpi[i], vci[i]);
        cr_assert_str_eq(x->node, node);
        struct rk_msg m;
        uint8_t data[3000];
        sk_pattern(data, sizeof data, i);
        rk_call(&m, 0x100 + i, RPCECHO_PROG, RPCECHO_VERS, RPCECHO_ECHO);
        rk_u32(&m, sizeof data);
        rk_opaque(&m, data, sizeof data);
        send_msg(&m, PEER_MAC, vpi[i], vci[i]);
        ksched_run(8);
        struct aal5_pdu_info info;
        struct rpc_reply r;
        struct pktbuf *p = answer(&info, &r);
        cr_assert_eq(info.last.vpi, vpi[i]);
        cr_assert_eq(info.last.vci, vci[i]);
        cr_assert_eq(r.xid, 0x100 + i);
        cr_assert_eq(r.accept_stat, RPC_SUCCESS);
        cr_assert_eq(load_be32(pkt_data(p) + r.results_off), sizeof data);
        cr_assert(memcmp(pkt_data(p) + r.results_off + 4, data, sizeof data) == 0, "%s: echoed",
                  modes[i]);
        pkt_free(p);
        cr_assert_eq(nk_ctr(node, "success"), 1);
        cr_assert_eq(nk_ctr(node, "tx"), 1);
        cr_assert_eq(rpc_node_registry()->n, 0,
                     "VC endpoints are not registered with the portmapper");
        kext_destroy(x);
    }
}

Test(rpc_node_vc, other_vcs_and_group_sources_get_nothing)
{
    struct kext *x = nk_install("rpc-latrpc", "vc=0/40");
    struct rk_msg m;
    rk_call(&m, 5, XACT_PROG, XACT_VERS, RPC_XACT);
    rk_u32(&m, 1);
    send_msg(&m, PEER_MAC, 0, 41);
    const uint8_t group[6] = { 0x03, 0, 0, 0, 0, 1 };
    send_msg(&m, group, 0, 40);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(nk_ctr("rpc-latrpc:0/40", "rx"), 0,
                 "neither reached the endpoint (ether drops group sources)");
    send_msg(&m, PEER_MAC, 0, 40);
    struct aal5_pdu_info info;
    struct rpc_reply r;
    struct pktbuf *p = answer(&info, &r);
    cr_assert_eq(load_be32(pkt_data(p) + r.results_off), XACT_ANSWER);
    pkt_free(p);
    /* the duplicate-request cache tells callers apart by MAC */
    send_msg(&m, PEER_MAC, 0, 40);
    pkt_free(answer(&info, &r));
    cr_assert_eq(nk_ctr("rpc-latrpc:0/40", "drc_hits"), 1);
    kext_destroy(x);
}
