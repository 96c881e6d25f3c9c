/*
 * tests/unit/rpc/test_rpc_node.c — the RPC node over UDP (apps/rpc/rpc_node.h)
 * through its extensions (rpc-echo, rpc-latrpc, portmap), created with the
 * extension framework: replies from the port called to the caller,
 * bounded, sync and async modes (async calls answered only when their
 * strand runs, dropped cleanly when the instance goes), the duplicate
 * request cache, drops that send nothing (no ICMP either), one endpoint per
 * port, and the portmapper's registry following installs and removals.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "testkit.h"
#include "../protocols/udp/udpkit.h"
#include "nodekit.h"
#include "rpckit.h"

#include "apps/rpc/portmap.h"
#include "apps/rpc/programs.h"
#include "apps/rpc/rpc_node.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/strand.h"

static struct netif *ifp;

static void setup(void)
{
    ifp = udpkit_setup();
}

TestSuite(rpc_node, .init = setup);

/* An ECHO call of @len pattern bytes. */
static void echo_call(struct rk_msg *m, uint32_t xid, size_t len)
{
    uint8_t data[2048];
    cr_assert_leq(len, sizeof data);
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * 13u + xid);
    rk_call(m, xid, RPCECHO_PROG, RPCECHO_VERS, RPCECHO_ECHO);
    rk_u32(m, (uint32_t)len);
    rk_opaque(m, data, len);
}

Test(rpc_node, bounded_by_default_answers_from_the_port_called)
{
    struct kext *x = nk_install("rpc-echo", NULL);
    cr_assert_str_eq(x->node, "rpc-echo:40001");
    cr_assert_eq(x->nhandlers, 1);
    cr_assert_eq(x->handlers[0]->props.mode, KH_SYNC);
    cr_assert_eq(x->handlers[0]->props.budget_ns, RPC_NODE_BUDGET_US * 1000ull,
                 "bounded without mode=");
    struct rk_msg m;
    rk_call(&m, 0x1001, RPCECHO_PROG, RPCECHO_VERS, RPCECHO_NULL);
    nk_send(ifp, 700, 40001, &m);
    struct nk_reply r;
    cr_assert(nk_take(ifp, &r), "NULL answered at once");
    cr_assert_eq(r.src, UK_OUR_IP);
    cr_assert_eq(r.dst, UK_PEER_IP);
    cr_assert_eq(r.sport, 40001);
    cr_assert_eq(r.dport, 700);
    cr_assert_eq(r.r.xid, 0x1001);
    cr_assert_eq(r.r.reply_stat, RPC_MSG_ACCEPTED);
    cr_assert_eq(r.r.accept_stat, RPC_SUCCESS);
    cr_assert_eq(r.n, r.r.results_off, "void results");
    echo_call(&m, 0x1002, 1000);
    nk_send(ifp, 700, 40001, &m);
    cr_assert(nk_take(ifp, &r));
    cr_assert_eq(r.r.accept_stat, RPC_SUCCESS);
    cr_assert_eq(rk_word(r.b, r.r.results_off), 1000);
    cr_assert(memcmp(r.b + r.r.results_off + 4, m.b + 44, 1000) == 0, "ECHO returns its argument");
    cr_assert_eq(nk_ctr("rpc-echo:40001", "rx"), 2);
    cr_assert_eq(nk_ctr("rpc-echo:40001", "success"), 2);
    cr_assert_eq(nk_ctr("rpc-echo:40001", "tx"), 2);
    kext_destroy(x);
    cr_assert(testkit_pool_full());
}

Test(rpc_node, modes_sync_and_bounded_with_a_budget)
{
    struct kext *s = nk_install("rpc-echo", "port=40011 mode=sync");
    struct kext *b = nk_install("rpc-latrpc", "port=40012 mode=bounded:300");
    cr_assert_eq(s->handlers[0]->props.budget_ns, 0);
    cr_assert_eq(((struct rpc_node_ep *)s->state)->mode, RPC_NODE_SYNC);
    cr_assert_eq(b->handlers[0]->props.budget_ns, 300000);
    struct rk_msg m;
    rk_call(&m, 7, XACT_PROG, XACT_VERS, RPC_XACT);
    rk_u32(&m, 1);
    nk_send(ifp, 701, 40012, &m);
    struct nk_reply r;
    cr_assert(nk_take(ifp, &r));
    cr_assert_eq(r.r.accept_stat, RPC_SUCCESS);
    cr_assert_eq(rk_word(r.b, r.r.results_off), XACT_ANSWER, "lat_rpc's answer is 123");
    kext_destroy(s);
    kext_destroy(b);
}

Test(rpc_node, async_calls_are_answered_from_their_strand)
{
    struct kext *x = nk_install("rpc-echo", "port=40021 mode=async");
    cr_assert_eq(x->handlers[0]->props.mode, KH_SYNC, "the handler itself decides inline");
    struct rk_msg m;
    echo_call(&m, 0x2001, 300);
    nk_send(ifp, 702, 40021, &m);
    cr_assert_eq(testkit_sent_count(ifp), 0, "nothing before the strand runs");
    cr_assert_eq(nk_ctr("rpc-echo:40021", "queued"), 1);
    cr_assert_eq(nk_ctr("udp", "no_port"), 0, "the endpoint took the datagram: no ICMP");
    cr_assert_eq(ksched_runnable(), 1);
    ksched_run(16);
    struct nk_reply r;
    cr_assert(nk_take(ifp, &r));
    cr_assert_eq(r.r.xid, 0x2001);
    cr_assert_eq(rk_word(r.b, r.r.results_off), 300);
    cr_assert(memcmp(r.b + r.r.results_off + 4, m.b + 44, 300) == 0);
    /* errors are answered inline, not queued */
    rk_call(&m, 0x2002, RPCECHO_PROG, 9, 0);
    nk_send(ifp, 702, 40021, &m);
    cr_assert(nk_take(ifp, &r), "PROG_MISMATCH at once");
    cr_assert_eq(r.r.accept_stat, RPC_PROG_MISMATCH);
    cr_assert_eq(r.r.low, 1);
    cr_assert_eq(r.r.high, 1);
    cr_assert_eq(nk_ctr("rpc-echo:40021", "queued"), 1);
    kext_destroy(x);
    cr_assert(testkit_pool_full());
}

Test(rpc_node, async_retransmissions_while_queued_and_after)
{
    struct kext *x = nk_install("rpc-echo", "port=40022 mode=async");
    struct rk_msg m;
    echo_call(&m, 0x3001, 64);
    nk_send(ifp, 703, 40022, &m);
    nk_send(ifp, 703, 40022, &m);
    cr_assert_eq(nk_ctr("rpc-echo:40022", "drc_in_progress"), 1,
                 "a retransmission of a queued call is dropped");
    ksched_run(16);
    struct nk_reply first, again;
    cr_assert(nk_take(ifp, &first));
    cr_assert(!nk_take(ifp, &again), "one reply");
    nk_send(ifp, 703, 40022, &m);
    cr_assert(nk_take(ifp, &again),
              "a retransmission after the reply: answered from the cache, inline");
    cr_assert_eq(again.n, first.n);
    cr_assert(memcmp(again.b, first.b, first.n) == 0, "the same reply bytes");
    cr_assert_eq(nk_ctr("rpc-echo:40022", "drc_hits"), 1);
    cr_assert_eq(nk_ctr("rpc-echo:40022", "success"), 1, "executed once");
    kext_destroy(x);
    cr_assert(testkit_pool_full());
}

Test(rpc_node, async_queue_is_bounded)
{
    struct kext *x = nk_install("rpc-echo", "port=40023 mode=async");
    struct rk_msg m;
    for (uint32_t i = 0; i < RPC_NODE_JOBS + 3; i++) {
        rk_call(&m, 0x4000 + i, RPCECHO_PROG, RPCECHO_VERS, RPCECHO_NULL);
        nk_send(ifp, 704, 40023, &m);
    }
    cr_assert_eq(nk_ctr("rpc-echo:40023", "queued"), RPC_NODE_JOBS);
    cr_assert_eq(nk_ctr("rpc-echo:40023", "jobs_full"), 3);
    ksched_run(RPC_NODE_JOBS + 8);
    cr_assert_eq(testkit_sent_count(ifp), RPC_NODE_JOBS);
    testkit_drain(ifp);
    /* a dropped call's cache entry was forgotten: its retransmission runs */
    rk_call(&m, 0x4000 + RPC_NODE_JOBS, RPCECHO_PROG, RPCECHO_VERS, RPCECHO_NULL);
    nk_send(ifp, 704, 40023, &m);
    ksched_run(4);
    struct nk_reply r;
    cr_assert(nk_take(ifp, &r));
    cr_assert_eq(r.r.accept_stat, RPC_SUCCESS);
    kext_destroy(x);
    cr_assert(testkit_pool_full());
}

Test(rpc_node, removal_drops_the_queued_calls)
{
    uint64_t live = kmem_live();
    struct kext *x = nk_install("rpc-echo", "port=40024 mode=async");
    struct rk_msg m;
    for (uint32_t i = 0; i < 3; i++) {
        echo_call(&m, 0x5000 + i, 100);
        nk_send(ifp, 705, 40024, &m);
    }
    cr_assert_eq(ksched_runnable(), 3);
    kext_destroy(x);
    cr_assert_eq(ksched_runnable(), 0, "their strands are cancelled");
    ksched_run(16);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert(testkit_pool_full(), "their buffers are back");
    cr_assert_eq(kmem_live(), live, "and their memory");
}

Test(rpc_node, retransmission_answered_from_the_cache)
{
    struct kext *x = nk_install("rpc-echo", "port=40031");
    struct rk_msg m;
    echo_call(&m, 0x6001, 32);
    nk_send(ifp, 706, 40031, &m);
    nk_send(ifp, 706, 40031, &m);
    struct nk_reply a, b;
    cr_assert(nk_take(ifp, &a));
    cr_assert(nk_take(ifp, &b));
    cr_assert_eq(a.n, b.n);
    cr_assert(memcmp(a.b, b.b, a.n) == 0);
    cr_assert_eq(nk_ctr("rpc-echo:40031", "success"), 1);
    cr_assert_eq(nk_ctr("rpc-echo:40031", "drc_hits"), 1);
    /* the same xid from another port is another client: executed */
    nk_send(ifp, 707, 40031, &m);
    cr_assert(nk_take(ifp, &b));
    cr_assert_eq(nk_ctr("rpc-echo:40031", "success"), 2);
    kext_destroy(x);
}

Test(rpc_node, drops_send_nothing_not_even_icmp)
{
    struct kext *x = nk_install("rpc-echo", "port=40032");
    struct rk_msg m = { .n = 12 };
    memset(m.b, 0, 12);
    nk_send(ifp, 708, 40032, &m);
    rk_call(&m, 9, RPCECHO_PROG, RPCECHO_VERS, RPCECHO_NULL);
    store_be32(m.b + 4, RPC_REPLY);
    nk_send(ifp, 708, 40032, &m);
    rk_call(&m, 10, RPCECHO_PROG, RPCECHO_VERS, RPCECHO_NULL);
    nk_send(ifp, 0, 40032, &m);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(nk_ctr("rpc-echo:40032", "short"), 1);
    cr_assert_eq(nk_ctr("rpc-echo:40032", "reply"), 1);
    cr_assert_eq(nk_ctr("rpc-echo:40032", "bad_src"), 1, "source port 0 cannot be answered");
    cr_assert_eq(nk_ctr("udp", "no_port"), 0);
    /* a program it does not serve */
    rk_call(&m, 11, 100003, 3, 0);
    nk_send(ifp, 708, 40032, &m);
    struct nk_reply r;
    cr_assert(nk_take(ifp, &r));
    cr_assert_eq(r.r.accept_stat, RPC_PROG_UNAVAIL);
    kext_destroy(x);
    cr_assert(testkit_pool_full());
}

Test(rpc_node, one_endpoint_per_port_and_parameters)
{
    struct kext *x = nk_install("rpc-echo", "port=40041"), *y = NULL;
    char err[256];
    uint64_t live = kmem_live();
    cr_assert_eq(nk_try("rpc-latrpc", "port=40041", &y, err, sizeof err), -KE_EXIST);
    cr_assert(strstr(err, "udp port 40041 is served by rpc-echo:40041 already") != NULL,
              "message: %s", err);
    cr_assert_eq(nk_try("rpc-echo", "port=40042 vc=0/40", &y, err, sizeof err), -KE_INVAL);
    cr_assert(strstr(err, "exclude") != NULL, "message: %s", err);
    cr_assert_eq(nk_try("rpc-echo", "vc=0/0", &y, err, sizeof err), -KE_RANGE);
    cr_assert_eq(nk_try("rpc-echo", "vc=zero", &y, err, sizeof err), -KE_INVAL);
    cr_assert_eq(nk_try("rpc-echo", "mode=fast", &y, err, sizeof err), -KE_INVAL);
    cr_assert_eq(nk_try("rpc-echo", "prog=1", &y, err, sizeof err), -KE_INVAL);
    cr_assert_eq(nk_try("portmap", "vc=0/40", &y, err, sizeof err), -KE_INVAL);
    cr_assert_eq(kmem_live(), live, "refused installs keep nothing");
    kext_destroy(x);
    y = nk_install("rpc-latrpc", "port=40041");
    kext_destroy(y);
}

/* A portmap v2 GETPORT of @prog/@vers (prot UDP); returns the port answered. */
static uint32_t getport(uint32_t prog, uint32_t vers)
{
    static uint32_t xid = 0x7000;
    struct rk_msg m;
    rk_call(&m, xid++, PMAP_PROG, PMAP_VERS, PMAPPROC_GETPORT);
    rk_u32(&m, prog);
    rk_u32(&m, vers);
    rk_u32(&m, PMAP_IPPROTO_UDP);
    rk_u32(&m, 0);
    nk_send(ifp, 709, PMAP_PORT, &m);
    struct nk_reply r;
    cr_assert(nk_take(ifp, &r), "GETPORT answered");
    cr_assert_eq(r.sport, PMAP_PORT);
    cr_assert_eq(r.r.accept_stat, RPC_SUCCESS);
    return rk_word(r.b, r.r.results_off);
}

Test(rpc_node, portmapper_lists_what_is_installed)
{
    struct kext *echo = nk_install("rpc-echo", NULL);
    struct kext *pm = nk_install("portmap", NULL);
    cr_assert_str_eq(pm->node, "portmap:111");
    struct kext *lat = nk_install("rpc-latrpc", NULL);
    cr_assert_eq(getport(RPCECHO_PROG, RPCECHO_VERS), 40001, "installed before the portmapper");
    cr_assert_eq(getport(XACT_PROG, XACT_VERS), 40002, "installed after it");
    cr_assert_eq(getport(PMAP_PROG, PMAP_VERS), PMAP_PORT);
    const struct rpc_pmap *reg = rpc_node_registry();
    cr_assert_eq(reg->n, 5);
    cr_assert_eq(reg->e[0].prog, PMAP_PROG, "the portmapper lists itself first, as rpcbind does");
    cr_assert_eq(reg->e[0].vers, RPCBVERS4);
    cr_assert_eq(reg->e[3].prog, RPCECHO_PROG);
    cr_assert_eq(reg->e[4].prog, XACT_PROG);
    struct kext *again = NULL;
    char err[256];
    cr_assert_eq(nk_try("portmap", "port=1111", &again, err, sizeof err), -KE_EXIST);
    kext_destroy(echo);
    cr_assert_eq(getport(RPCECHO_PROG, RPCECHO_VERS), 0, "removed: unregistered");
    kext_destroy(pm);
    cr_assert_eq(reg->n, 1, "lat_rpc stays registered without a portmapper");
    cr_assert_eq(reg->e[0].prog, XACT_PROG);
    pm = nk_install("portmap", NULL);
    cr_assert_eq(getport(XACT_PROG, XACT_VERS), 40002);
    kext_destroy(lat);
    kext_destroy(pm);
    cr_assert_eq(reg->n, 0);
    cr_assert(testkit_pool_full());
}

Test(rpc_node, a_second_server_of_a_version_takes_over_its_registration)
{
    struct kext *a = nk_install("rpc-echo", "port=40051 mode=async");
    struct kext *b = nk_install("rpc-echo", "port=40052 mode=bounded");
    const struct rpc_pmap *reg = rpc_node_registry();
    const struct rpc_pmap_entry *e = rpc_pmap_lookup(reg, RPCECHO_PROG, RPCECHO_VERS, false);
    cr_assert_not_null(e);
    cr_assert_eq(e->port, 40051);
    cr_assert(!((struct rpc_node_ep *)b->state)->registered[0]);
    kext_destroy(a);
    e = rpc_pmap_lookup(reg, RPCECHO_PROG, RPCECHO_VERS, false);
    cr_assert_not_null(e, "the other server is registered now");
    cr_assert_eq(e->port, 40052);
    kext_destroy(b);
    cr_assert_eq(reg->n, 0);
}

Test(rpc_node, grant_limits_the_port)
{
    struct kext *x = NULL;
    char err[256];
    cr_assert_eq(nk_try("rpc-echo", "port=40061 grant=udp:40062", &x, err, sizeof err), -KE_PERM);
    cr_assert(strstr(err, "40061") != NULL, "message: %s", err);
    cr_assert_eq(rpc_node_registry()->n, 0, "nothing registered");
}
