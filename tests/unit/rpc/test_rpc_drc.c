/*
 * tests/unit/rpc/test_rpc_drc.c — the duplicate-request cache and the split
 * between deciding and executing a call (apps/rpc/rpc_drc.h,
 * apps/rpc/rpc_server.h): a retransmission is answered from the cache and
 * never runs twice, a retransmission of a running call is dropped, the
 * cache's bounds hold, and an asynchronous or pending procedure completes
 * later with the same reply.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "rpckit.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

enum { C_PROG = 0x20000099 };

static unsigned runs;    /* executions of COUNT */
static unsigned pending; /* PENDING answers left before SLOW finishes */

static bool xdr_u(struct xdr *x, void *o)
{
    return xdr_u32(x, o);
}
static bool xdr_blob(struct xdr *x, void *o)
{
    static uint8_t zeros[3000];
    return xdr_opaque_fixed(x, zeros, *(uint32_t *)o);
}
/* COUNT: returns how many times it ran (plus its argument) */
static int count(struct rpc_work *w, void *args, void *res)
{
    *(uint32_t *)res = ++runs + *(uint32_t *)args;
    return 0;
}
/* SLOW: PENDING until the test lets it finish */
static int slow(struct rpc_work *w, void *args, void *res)
{
    if (pending) {
        pending--;
        return RPC_PROC_PENDING;
    }
    *(uint32_t *)res = ++runs;
    return 0;
}
/* BLOB: a result of the requested number of bytes */
static int blob(struct rpc_work *w, void *args, void *res)
{
    runs++;
    *(uint32_t *)res = *(uint32_t *)args;
    return 0;
}
static const struct rpc_proc c_procs[] = {
    [0] = { "NULL", NULL, NULL, NULL },
    [1] = { "COUNT", xdr_u, xdr_u, count },
    [2] = { "SLOW", NULL, xdr_u, slow },
    [3] = { "BLOB", xdr_u, xdr_blob, blob },
};
static const struct rpc_program c_prog = { C_PROG, 1, "c", c_procs, 4, NULL };

static struct rpc_server srv;
static uint64_t live0;

static void setup_n(unsigned entries, size_t bytes)
{
    runs = 0;
    pending = 0;
    live0 = kmem_live();
    cr_assert_eq(rpc_server_init(&srv, entries, bytes), 0);
    cr_assert_eq(rpc_server_register(&srv, &c_prog), 0);
}

static void count_call(struct rk_msg *m, uint32_t xid, uint32_t arg)
{
    rk_call(m, xid, C_PROG, 1, 1);
    rk_u32(m, arg);
}

Test(rpc_drc, a_retransmission_is_answered_from_the_cache_without_running_again)
{
    setup_n(8, 8192);
    struct rpc_peer p = rk_peer(700, 2049);
    struct rk_msg m;
    struct rk_reply a, b;
    count_call(&m, 0xabc, 10);
    rk_run(&srv, &p, &m, 1500, &a);
    rk_run(&srv, &p, &m, 1500, &b);
    cr_assert_eq(runs, 1);
    cr_assert_eq(a.n, b.n);
    cr_assert_eq(memcmp(a.b, b.b, a.n), 0, "the same bytes again");
    cr_assert_eq(rk_word(b.b, b.r.results_off), 11);
    cr_assert_eq(srv.ctr[RPC_CTR_DRC_HITS], 1);
    cr_assert_eq(srv.ctr[RPC_CTR_SUCCESS], 1);
    rpc_server_fini(&srv);
    cr_assert_eq(kmem_live(), live0, "the cache freed what it stored");
}

Test(rpc_drc, the_key_is_xid_client_and_call)
{
    setup_n(8, 8192);
    struct rpc_peer p = rk_peer(700, 2049), other_port = rk_peer(701, 2049), other_host = p;
    other_host.addr++;
    struct rk_msg m;
    struct rk_reply o;
    count_call(&m, 1, 0);
    rk_run(&srv, &p, &m, 1500, &o);
    rk_run(&srv, &other_port, &m, 1500, &o); /* same xid, another client port */
    rk_run(&srv, &other_host, &m, 1500, &o); /* same xid, another client */
    count_call(&m, 1, 5);                    /* same xid and client, other arguments */
    rk_run(&srv, &p, &m, 1500, &o);
    count_call(&m, 2, 0); /* next xid */
    rk_run(&srv, &p, &m, 1500, &o);
    cr_assert_eq(runs, 5);
    cr_assert_eq(srv.ctr[RPC_CTR_DRC_HITS], 0);
    struct rpc_peer vc = { .transport = RPC_XPRT_VC, .port = 700 };
    count_call(&m, 1, 0);
    rk_run(&srv, &vc, &m, 1500, &o); /* the same numbers on a circuit */
    cr_assert_eq(runs, 6);
    rpc_server_fini(&srv);
}

Test(rpc_drc, decide_then_execute_later_drops_retransmissions_meanwhile)
{
    setup_n(8, 8192);
    struct rpc_peer p = rk_peer(700, 2049);
    struct rk_msg m;
    count_call(&m, 77, 1);
    struct rpc_work *w = kmalloc(sizeof *w);
    uint8_t out[256];
    size_t n = 99;
    cr_assert_eq(rpc_server_decide(&srv, &p, m.b, m.n, w, out, sizeof out, &n), RPC_EXECUTE);
    cr_assert_eq(n, 0);
    cr_assert_eq(runs, 0, "deciding runs nothing");
    /* the client retransmits while the strand has not run */
    struct rk_reply o;
    rk_run(&srv, &p, &m, 1500, &o);
    cr_assert_eq(o.verdict, RPC_DROP);
    cr_assert_eq(srv.ctr[RPC_CTR_DRC_IN_PROGRESS], 1);
    /* the strand runs */
    cr_assert_eq(rpc_server_execute(w, out, sizeof out, &n), RPC_SEND);
    cr_assert_eq(runs, 1);
    struct rpc_reply r;
    cr_assert_eq(rpc_reply_decode(out, n, &r), 0);
    cr_assert_eq(r.xid, 77);
    cr_assert_eq(rk_word(out, r.results_off), 2);
    kfree(w);
    /* a later retransmission gets the strand's reply */
    rk_run(&srv, &p, &m, 1500, &o);
    cr_assert_eq(o.verdict, RPC_SEND);
    cr_assert_eq(o.n, n);
    cr_assert_eq(memcmp(o.b, out, n), 0);
    cr_assert_eq(runs, 1);
    rpc_server_fini(&srv);
}

Test(rpc_drc, a_pending_procedure_finishes_on_a_later_execute)
{
    setup_n(8, 8192);
    pending = 2;
    struct rpc_peer p = rk_peer(700, 2049);
    struct rk_msg m;
    rk_call(&m, 5, C_PROG, 1, 2);
    struct rpc_work w;
    uint8_t out[256];
    size_t n;
    cr_assert_eq(rpc_server_decide(&srv, &p, m.b, m.n, &w, out, sizeof out, &n), RPC_EXECUTE);
    cr_assert_eq(rpc_server_execute(&w, out, sizeof out, &n), -KE_AGAIN);
    cr_assert_eq(rpc_server_execute(&w, out, sizeof out, &n), -KE_AGAIN);
    cr_assert_eq(rpc_server_execute(&w, out, sizeof out, &n), RPC_SEND);
    cr_assert_eq(runs, 1);
    /* on the bounded path a pending procedure is a table bug: SYSTEM_ERR */
    pending = 1;
    struct rk_reply o;
    rk_call(&m, 6, C_PROG, 1, 2);
    rk_run(&srv, &p, &m, 1500, &o);
    cr_assert_eq(o.r.accept_stat, RPC_SYSTEM_ERR);
    cr_assert_eq(rpc_drc_used(&srv.drc), 1, "only the finished call is cached");
    rpc_server_fini(&srv);
}

Test(rpc_drc, every_entry_in_progress_refuses_new_calls_until_one_is_abandoned)
{
    setup_n(2, 8192);
    struct rpc_peer p = rk_peer(700, 2049);
    struct rk_msg m1, m2, m3;
    struct rpc_work w1, w2, w3;
    uint8_t out[256];
    size_t n;
    count_call(&m1, 1, 0);
    count_call(&m2, 2, 0);
    count_call(&m3, 3, 0);
    cr_assert_eq(rpc_server_decide(&srv, &p, m1.b, m1.n, &w1, out, sizeof out, &n), RPC_EXECUTE);
    cr_assert_eq(rpc_server_decide(&srv, &p, m2.b, m2.n, &w2, out, sizeof out, &n), RPC_EXECUTE);
    cr_assert_eq(rpc_server_decide(&srv, &p, m3.b, m3.n, &w3, out, sizeof out, &n), RPC_DROP);
    cr_assert_eq(srv.ctr[RPC_CTR_DRC_FULL], 1);
    rpc_server_abandon(&w1);
    cr_assert_eq(rpc_server_decide(&srv, &p, m3.b, m3.n, &w3, out, sizeof out, &n), RPC_EXECUTE);
    cr_assert_eq(rpc_server_execute(&w2, out, sizeof out, &n), RPC_SEND);
    cr_assert_eq(rpc_server_execute(&w3, out, sizeof out, &n), RPC_SEND);
    /* the abandoned call is not answered from the cache: it runs when it comes back */
    struct rk_reply o;
    rk_run(&srv, &p, &m1, 1500, &o);
    cr_assert_eq(o.verdict, RPC_SEND);
    cr_assert_eq(runs, 3);
    rpc_server_fini(&srv);
}

Test(rpc_drc, oldest_replies_are_evicted_first_and_the_byte_bound_holds)
{
    setup_n(3, 100000);
    struct rpc_peer p = rk_peer(700, 2049);
    struct rk_msg m;
    struct rk_reply o;
    for (uint32_t xid = 1; xid <= 4; xid++) { /* four calls, three entries */
        count_call(&m, xid, 0);
        rk_run(&srv, &p, &m, 1500, &o);
    }
    cr_assert_eq(rpc_drc_used(&srv.drc), 3);
    count_call(&m, 4, 0);
    rk_run(&srv, &p, &m, 1500, &o); /* newest: cached */
    cr_assert_eq(runs, 4);
    count_call(&m, 1, 0);
    rk_run(&srv, &p, &m, 1500, &o); /* oldest: evicted, runs again */
    cr_assert_eq(runs, 5);
    rpc_server_fini(&srv);

    /* byte bound: replies of ~1 KB in a cache of 2.5 KB */
    setup_n(8, 2500);
    for (uint32_t xid = 1; xid <= 4; xid++) {
        rk_call(&m, xid, C_PROG, 1, 3);
        rk_u32(&m, 1000);
        rk_run(&srv, &p, &m, 1500, &o);
        cr_assert_eq(o.r.accept_stat, RPC_SUCCESS);
        cr_assert_leq(rpc_drc_bytes(&srv.drc), 2500);
    }
    cr_assert_eq(rpc_drc_used(&srv.drc), 2);
    /* a reply larger than the whole bound is sent but not kept */
    rk_call(&m, 9, C_PROG, 1, 3);
    rk_u32(&m, 2600);
    rk_run(&srv, &p, &m, 4000, &o);
    cr_assert_eq(o.r.accept_stat, RPC_SUCCESS);
    rk_run(&srv, &p, &m, 4000, &o);
    cr_assert_eq(runs, 6, "not cached: ran twice");
    rpc_server_fini(&srv);
    cr_assert_eq(kmem_live(), live0);
}

Test(rpc_drc, a_disabled_cache_runs_every_call)
{
    setup_n(0, 0);
    struct rpc_peer p = rk_peer(700, 2049);
    struct rk_msg m;
    struct rk_reply o;
    count_call(&m, 1, 0);
    rk_run(&srv, &p, &m, 1500, &o);
    rk_run(&srv, &p, &m, 1500, &o);
    cr_assert_eq(runs, 2);
    cr_assert_eq(o.verdict, RPC_SEND);
    rpc_server_fini(&srv);
}

/* ---- the cache's index and lists against a linear model ---- */

/* The model: the entries as a plain array, scanned, as rpc_drc.h describes them. */
struct model_entry {
    bool used, done;
    uint32_t xid, port;
    uint64_t seq;
    size_t len;
    uint8_t fill;
};
struct model {
    struct model_entry e[8];
    unsigned n;
    size_t max, bytes;
    uint64_t seq;
};

static struct model_entry *model_find(struct model *m, uint32_t xid, uint32_t port)
{
    for (unsigned i = 0; i < m->n; i++)
        if (m->e[i].used && m->e[i].xid == xid && m->e[i].port == port)
            return &m->e[i];
    return NULL;
}

static struct model_entry *model_oldest_done(struct model *m)
{
    struct model_entry *o = NULL;
    for (unsigned i = 0; i < m->n; i++)
        if (m->e[i].used && m->e[i].done && (!o || m->e[i].seq < o->seq))
            o = &m->e[i];
    return o;
}

static void model_drop(struct model *m, struct model_entry *e)
{
    if (e->done)
        m->bytes -= e->len;
    memset(e, 0, sizeof *e);
}

Test(rpc_drc, the_index_and_the_insertion_order_behave_as_a_linear_scan)
{
    struct rpc_drc d;
    struct model m = { .n = 8, .max = 600 };
    cr_assert_eq(rpc_drc_init(&d, 8, 600), 0);
    struct rpc_drc_ref refs[8][4]; /* by xid % 8 and port % 4: the call in progress */
    memset(refs, 0xff, sizeof refs);
    uint8_t reply[200];
    uint32_t rnd = 12345;
    for (unsigned step = 0; step < 20000; step++) {
        rnd = rnd * 1103515245u + 12345u;
        uint32_t xid = (rnd >> 8) % 8, port = (rnd >> 16) % 4, op = (rnd >> 20) % 4;
        struct rpc_peer peer = { .transport = RPC_XPRT_UDP, .addr = 1, .port = port };
        struct rpc_drc_key k;
        uint8_t msg[40] = { 0 };
        store_be32(msg, xid);
        rpc_drc_key_make(&k, &peer, xid, 1, 1, 1, msg, sizeof msg);
        struct model_entry *me = model_find(&m, xid, port);
        struct rpc_drc_ref *ref = &refs[xid][port];
        if (op <= 1) { /* lookup */
            struct rpc_drc_ref r;
            const uint8_t *got = NULL;
            size_t got_len = 0;
            int res = rpc_drc_lookup(&d, &k, &r, &got, &got_len);
            if (me && !me->done) {
                cr_assert_eq(res, RPC_DRC_BUSY, "step %u", step);
            } else if (me) {
                cr_assert_eq(res, RPC_DRC_HIT, "step %u", step);
                cr_assert_eq(got_len, me->len, "step %u", step);
                for (size_t i = 0; i < got_len; i++)
                    cr_assert_eq(got[i], me->fill, "step %u: reply byte %zu", step, i);
            } else {
                struct model_entry *slot = NULL;
                for (unsigned i = 0; i < m.n && !slot; i++)
                    if (!m.e[i].used)
                        slot = &m.e[i];
                if (!slot && (slot = model_oldest_done(&m)) != NULL)
                    model_drop(&m, slot);
                if (!slot) {
                    cr_assert_eq(res, RPC_DRC_FULL, "step %u", step);
                } else {
                    cr_assert_eq(res, RPC_DRC_MISS, "step %u", step);
                    *slot = (struct model_entry){
                        .used = true, .xid = xid, .port = port, .seq = m.seq++
                    };
                    *ref = r;
                }
            }
        } else if (op == 2 && me && !me->done) { /* complete, sizes from 1 to 200 bytes */
            size_t len = 1 + (rnd >> 4) % 200;
            uint8_t fill = (uint8_t)step;
            memset(reply, fill, len);
            int rc = rpc_drc_complete(&d, *ref, reply, len);
            struct model_entry *o;
            while (m.bytes + len > m.max && (o = model_oldest_done(&m)) != NULL)
                model_drop(&m, o);
            cr_assert_eq(rc, 0, "step %u", step);
            me->done = true;
            me->len = len;
            me->fill = fill;
            m.bytes += len;
        } else if (op == 3 && me && !me->done) { /* forget */
            rpc_drc_forget(&d, *ref);
            model_drop(&m, me);
        }
        unsigned used = 0;
        for (unsigned i = 0; i < m.n; i++)
            used += m.e[i].used;
        cr_assert_eq(rpc_drc_used(&d), used, "step %u", step);
        cr_assert_eq(rpc_drc_bytes(&d), m.bytes, "step %u", step);
    }
    rpc_drc_fini(&d);
}
