/*
 * tests/unit/rpc/test_rpc_ping.c — rpc-ping, spindle's RPC client
 * (apps/rpc-ping/rpc_ping.h): its calls on the wire, answered here by the
 * pure server engine (apps/rpc/rpc_server.h) as another host would;
 * round trips on the test clock summarised as nearest-rank percentiles;
 * retransmission with the same xid and the timeout; the portmapper lookup
 * when no port is given; stray and wrong answers; one spindle calling
 * another over the raw path (two interfaces shuttled by the test); and the
 * percentile helpers against a naive computation.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"
#include "../protocols/udp/udpkit.h"
#include "nodekit.h"
#include "rpckit.h"

#include "apps/rpc-ping/rpc_ping.h"
#include "apps/rpc/portmap.h"
#include "apps/rpc/programs.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/strand.h"
#include "protocols/aal5/aal5.h"

static struct netif *ifp;
static struct rpc_server peer;  /* the other host's server */
static struct rpc_pmap peer_pm; /* and its portmapper */

static void setup(void)
{
    ifp = udpkit_setup();
    cr_assert_eq(rpc_server_init(&peer, 0, 0), 0);
    cr_assert_eq(rpc_server_register(&peer, &rpcecho_program), 0);
    rpc_pmap_init(&peer_pm, PMAP_PORT);
    cr_assert_eq(rpc_pmap_register(&peer_pm, &peer), 0);
    cr_assert_eq(rpc_pmap_set(&peer_pm, RPCECHO_PROG, RPCECHO_VERS, 40001), 0);
}

static void teardown(void)
{
    rpc_server_fini(&peer);
}

TestSuite(rpc_ping, .init = setup, .fini = teardown);

/* run - the test clock @ns on (timers due), then the strands. */
static void run(uint64_t ns)
{
    testkit_advance(ns);
    ksched_run(64);
}

/* A call the graph sent over UDP. */
struct call {
    uint16_t sport, dport;
    uint8_t b[9000];
    size_t n;
    struct rpc_call c;
};

static bool take_call(struct call *out)
{
    struct uk_sent s;
    if (!udpkit_take(ifp, &s))
        return false;
    cr_assert_eq(s.proto, 17);
    cr_assert_eq(s.src, UK_OUR_IP);
    cr_assert_eq(s.dst, UK_PEER_IP);
    cr_assert(udpkit_udp_csum_ok(s.src, s.dst, s.l4, s.l4_len));
    out->sport = load_be16(s.l4);
    out->dport = load_be16(s.l4 + 2);
    out->n = s.l4_len - 8u;
    memcpy(out->b, s.l4 + 8, out->n);
    udpkit_sent_free(&s);
    cr_assert_eq(rpc_call_decode(out->b, out->n, &out->c), RPC_CALL_OK, "a well-formed CALL");
    return true;
}

/* answer - the peer's server answers @c from port @from, after @delay_ns. */
static void answer(const struct call *c, uint16_t from, uint64_t delay_ns)
{
    uint8_t out[9000];
    size_t n = 0;
    struct rpc_peer who = { .transport = RPC_XPRT_UDP,
                            .addr = UK_OUR_IP,
                            .port = c->sport,
                            .local_addr = UK_PEER_IP,
                            .local_port = from };
    cr_assert_eq(rpc_server_dispatch(&peer, &who, c->b, c->n, out, sizeof out, &n), RPC_SEND);
    testkit_advance(delay_ns);
    struct uk_dgram d = { .sport = from, .dport = c->sport, .payload = out, .payload_len = n };
    udpkit_inject(ifp, &d);
}

static uint64_t pctr(const struct kext *x, const char *name)
{
    return nk_ctr(x->node, name);
}

Test(rpc_ping, calls_one_after_the_other_and_summarises_round_trips)
{
    struct kext *x = nk_install("rpc-ping", "peer=10.0.0.2:40001 count=5 warmup=1 port=41000");
    cr_assert_str_eq(x->node, "rpc-ping:41000");
    run(0);
    struct call c;
    uint32_t last_xid = 0;
    for (unsigned i = 0; i < 6; i++) {
        cr_assert(take_call(&c), "call %u sent", i);
        struct call more;
        cr_assert(!take_call(&more), "one call at a time");
        cr_assert_eq(c.sport, 41000);
        cr_assert_eq(c.dport, 40001);
        cr_assert_eq(c.c.prog, RPCECHO_PROG);
        cr_assert_eq(c.c.vers, 1);
        cr_assert_eq(c.c.proc, 0);
        cr_assert_neq(c.c.xid, last_xid, "a fresh xid per call");
        last_xid = c.c.xid;
        /* round trips of 10, 20, ... us; the first is the warm-up */
        answer(&c, 40001, (i + 1) * 10000ull);
    }
    cr_assert(!take_call(&c), "no seventh call");
    cr_assert_eq(pctr(x, "calls"), 6);
    cr_assert_eq(pctr(x, "replies"), 6);
    cr_assert_eq(pctr(x, "samples"), 5);
    cr_assert_eq(pctr(x, "rtt_min_ns"), 20000);
    cr_assert_eq(pctr(x, "rtt_p50_ns"), 40000);
    cr_assert_eq(pctr(x, "rtt_p99_ns"), 60000);
    cr_assert_eq(pctr(x, "rtt_max_ns"), 60000);
    cr_assert_eq(pctr(x, "rtt_mean_ns"), 40000);
    cr_assert_eq(pctr(x, "done"), 1);
    run(KNS_PER_S);
    cr_assert_eq(ksched_runnable(), 0);
    kext_destroy(x);
    cr_assert(testkit_pool_full());
}

Test(rpc_ping, retransmits_with_the_same_xid_then_gives_up)
{
    struct kext *x =
        nk_install("rpc-ping", "peer=10.0.0.2:40001 count=2 retry=100 timeout=350 interval=50");
    run(0);
    struct call c, r;
    cr_assert(take_call(&c));
    run(99 * KNS_PER_MS);
    cr_assert(!take_call(&r), "nothing before the first wait");
    run(1 * KNS_PER_MS);
    cr_assert(take_call(&r), "retransmitted after 100 ms");
    cr_assert_eq(r.c.xid, c.c.xid, "with the same xid");
    run(200 * KNS_PER_MS);
    cr_assert(take_call(&r), "then after 200 ms (the wait doubles)");
    cr_assert_eq(r.c.xid, c.c.xid);
    run(50 * KNS_PER_MS);
    cr_assert(!take_call(&r));
    cr_assert_eq(pctr(x, "timeouts"), 1, "given up at 350 ms");
    cr_assert_eq(pctr(x, "retransmits"), 2);
    run(50 * KNS_PER_MS);
    cr_assert(take_call(&r), "the next call after interval=");
    cr_assert_neq(r.c.xid, c.c.xid);
    /* a late answer to the first call is not an answer to the second */
    answer(&c, 40001, 0);
    cr_assert_eq(pctr(x, "stray"), 1);
    answer(&r, 40001, 5000);
    cr_assert_eq(pctr(x, "done"), 1);
    cr_assert_eq(pctr(x, "replies"), 1);
    cr_assert_eq(pctr(x, "samples"), 1);
    cr_assert_eq(pctr(x, "rtt_p50_ns"), 5000);
    kext_destroy(x);
    cr_assert(testkit_pool_full());
}

Test(rpc_ping, asks_the_portmapper_without_a_port)
{
    struct kext *x = nk_install("rpc-ping", "peer=10.0.0.2 count=1");
    run(0);
    struct call c;
    cr_assert(take_call(&c));
    cr_assert_eq(c.dport, PMAP_PORT);
    cr_assert_eq(c.c.prog, PMAP_PROG);
    cr_assert_eq(c.c.vers, PMAP_VERS);
    cr_assert_eq(c.c.proc, PMAPPROC_GETPORT);
    cr_assert_eq(c.n - c.c.args_off, 16, "struct mapping");
    cr_assert_eq(rk_word(c.b, c.c.args_off), RPCECHO_PROG);
    cr_assert_eq(rk_word(c.b, c.c.args_off + 8), PMAP_IPPROTO_UDP);
    /* an answer from another port is not the portmapper's */
    answer(&c, 40001, 0);
    cr_assert_eq(pctr(x, "stray"), 1);
    answer(&c, PMAP_PORT, 0);
    cr_assert_eq(pctr(x, "port"), 40001);
    cr_assert(take_call(&c));
    cr_assert_eq(c.dport, 40001);
    cr_assert_eq(c.c.prog, RPCECHO_PROG);
    answer(&c, 40001, 1000);
    cr_assert_eq(pctr(x, "done"), 1);
    kext_destroy(x);
}

Test(rpc_ping, an_unregistered_program_ends_the_run)
{
    struct kext *x = nk_install("rpc-ping", "peer=10.0.0.2 prog=404040 count=3");
    run(0);
    struct call c;
    cr_assert(take_call(&c));
    answer(&c, PMAP_PORT, 0);
    cr_assert(!take_call(&c), "no call without a port");
    cr_assert_eq(pctr(x, "errors"), 1);
    cr_assert_eq(pctr(x, "done"), 1);
    kext_destroy(x);
    cr_assert(testkit_pool_full());
}

Test(rpc_ping, size_checks_the_echoed_bytes_and_counts_errors)
{
    struct kext *x = nk_install("rpc-ping", "peer=10.0.0.2:40001 proc=1 size=1000 count=3");
    run(0);
    struct call c;
    cr_assert(take_call(&c));
    cr_assert_eq(c.c.proc, RPCECHO_ECHO);
    cr_assert_eq(rk_word(c.b, c.c.args_off), 1000);
    answer(&c, 40001, 1000);
    cr_assert(take_call(&c));
    /* the peer damages the echo: SUCCESS but other bytes */
    c.b[c.c.args_off + 10] ^= 0xff;
    answer(&c, 40001, 1000);
    cr_assert(take_call(&c));
    c.c.vers = 7;
    store_be32(c.b + 16, 7); /* the call's version: PROG_MISMATCH */
    answer(&c, 40001, 1000);
    cr_assert_eq(pctr(x, "replies"), 1);
    cr_assert_eq(pctr(x, "errors"), 2);
    cr_assert_eq(pctr(x, "samples"), 1, "only the right answer is summarised");
    cr_assert_eq(pctr(x, "done"), 1);
    kext_destroy(x);
    cr_assert(testkit_pool_full());
}

Test(rpc_ping, removal_mid_run_keeps_nothing)
{
    uint64_t live = kmem_live();
    struct kext *x = nk_install("rpc-ping", "peer=10.0.0.2:40001 count=1000");
    run(0);
    testkit_drain(ifp);
    kext_destroy(x);
    run(10 * KNS_PER_S);
    cr_assert_eq(testkit_sent_count(ifp), 0, "no retransmission after removal");
    cr_assert_eq(kmem_live(), live);
    cr_assert(testkit_pool_full());
}

Test(rpc_ping, parameters)
{
    static const struct {
        const char *text;
        int rc;
    } bad[] = {
        { NULL, -KE_INVAL },
        { "peer=10.0.0.2 mac=02:00:00:00:00:01 vc=0/40", -KE_INVAL },
        { "peer=10.0.0", -KE_INVAL },
        { "peer=10.0.0.2:0", -KE_RANGE },
        { "peer=10.0.0.2:70000", -KE_RANGE },
        { "mac=02:00:00:00:00:01", -KE_INVAL },
        { "mac=03:00:00:00:00:01 vc=0/40", -KE_INVAL },
        { "mac=02:00:00:00:00:01 vc=0/40 if=eth9", -KE_NOENT },
        { "mac=02:00:00:00:00:01 vc=0/40 port=4000", -KE_INVAL },
        { "peer=10.0.0.2:1 if=eth0", -KE_INVAL },
        { "peer=10.0.0.2:1 count=0", -KE_RANGE },
        { "peer=10.0.0.2:1 size=8193", -KE_RANGE },
        { "peer=10.0.0.2:1 timeout=0", -KE_RANGE },
        { "peer=10.0.0.2:1 speed=3", -KE_INVAL },
    };
    uint64_t live = kmem_live();
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct kext *x = NULL;
        char err[256];
        cr_assert_eq(nk_try("rpc-ping", bad[i].text, &x, err, sizeof err), bad[i].rc, "%s: %s",
                     bad[i].text ? bad[i].text : "(none)", err);
        cr_assert(strncmp(err, "rpc-ping: ", 10) == 0, "message: %s", err);
    }
    cr_assert_eq(kmem_live(), live, "refused installs keep nothing");
}

/* ---- spindle to spindle over the raw path, in one graph ---- */

static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };

/* shuttle - what each interface sent is received by the other; returns frames moved. */
static unsigned shuttle(struct netif *a, struct netif *b)
{
    unsigned moved = 0;
    struct pktbuf *f;
    while ((f = testkit_sent(a)) != NULL || (f = testkit_sent(b)) != NULL) {
        struct netif *to = f->ifindex == a->index ? b : a;
        testkit_inject(to, pkt_data(f), f->len);
        pkt_free(f);
        moved++;
    }
    return moved;
}

Test(rpc_ping, one_spindle_calls_another_over_a_vc)
{
    cr_assert_eq(aal5_init(), 0);
    struct netif *eth1 = testkit_netif("eth1", MAC_B, NULL);
    struct kext *srv = nk_install("rpc-echo", "vc=0/40 mode=async");
    struct kext *cli =
        nk_install("rpc-ping", "mac=02:00:00:00:00:0b vc=0/40 if=eth0 proc=1 size=2000 count=20");
    cr_assert_str_eq(cli->node, "rpc-ping:0/40");
    for (unsigned i = 0; i < 200 && pctr(cli, "done") == 0; i++) {
        run(10000);
        shuttle(ifp, eth1);
    }
    cr_assert_eq(pctr(cli, "done"), 1);
    cr_assert_eq(pctr(cli, "replies"), 20);
    cr_assert_eq(pctr(cli, "retransmits"), 0);
    cr_assert_eq(nk_ctr("rpc-echo:0/40", "success"), 20);
    cr_assert_eq(nk_ctr("rpc-echo:0/40", "reply"), 20,
                 "the server saw the replies too, and dropped them");
    cr_assert_eq(pctr(cli, "stray"), 20, "the client saw the calls too, and ignored them");
    kext_destroy(cli);
    kext_destroy(srv);
    aal5_fini();
    cr_assert(testkit_pool_full());
}

/* ---- the percentile helpers ---- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

Test(rpc_ping, sort_and_nearest_rank_percentiles)
{
    static uint32_t v[1000], ref[1000];
    srand(7);
    for (uint32_t n = 0; n <= 1000; n = n < 20 ? n + 1 : n * 3 / 2 + 1) {
        if (n > 1000)
            n = 1000;
        for (uint32_t i = 0; i < n; i++)
            v[i] = ref[i] = (uint32_t)rand() % (n / 2 + 1); /* duplicates too */
        rpc_ping_sort(v, n);
        qsort(ref, n, sizeof ref[0], cmp_u32);
        cr_assert(n == 0 || memcmp(v, ref, n * sizeof v[0]) == 0, "n=%u sorted", n);
        for (unsigned p = 1; p <= 100; p++) {
            uint32_t want = 0;
            for (uint32_t rank = 1; n > 0 && rank <= n; rank++) {
                if ((uint64_t)rank * 100u >=
                    (uint64_t)p * n) { /* smallest rank with rank/n >= p/100 */
                    want = ref[rank - 1];
                    break;
                }
            }
            cr_assert_eq(rpc_ping_percentile(v, n, p), want, "n=%u p=%u", n, p);
        }
        if (n == 1000)
            break;
    }
}
