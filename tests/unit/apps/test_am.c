/*
 * tests/unit/apps/test_am.c — the active-message engine (apps/am/am.h)
 * between two endpoints on an in-memory link (amkit.h): request and reply,
 * the window, retransmission over a lossy link, duplicate suppression and
 * reordering (every request runs exactly once), an unreachable peer and a
 * new epoch, bulk store and get with their bounds, am_reply refused outside
 * a request handler, asynchronous and bounded handlers.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "amkit.h"
#include "testkit.h"

#include "kernel/capability.h"
#include "kernel/kerr.h"
#include "kernel/strand.h"

static struct ak k;

static void setup_default(void)
{
    struct am_config c = { .segment_bytes = AM_SEGMENT_DEFAULT, .rto_ns = 10 * KNS_PER_MS };
    ak_setup(&k, &c);
}

static struct am_reg *regs[16];
static unsigned nregs;

static void teardown(void)
{
    ak_teardown(&k);
    while (nregs > 0)
        am_unregister(regs[--nregs]); /* orphaned when their endpoint went first */
    testkit_fini_pool_full();
}

TestSuite(am, .init = setup_default, .fini = teardown);

/* A handler that counts its runs per first argument and replies (arg0 + 1). */
static unsigned runs[4096];
static unsigned order[4096], norder;
static void counting(void *ctx, struct am_msg *m)
{
    (void)ctx;
    uint32_t i = m->nargs ? m->args[0] : 0;
    if (i < 4096) {
        runs[i]++;
        order[norder++ % 4096] = i;
    }
    uint32_t out = i + 1;
    am_reply(m, 0, &out, 1);
}

static struct am_reg *reg_on(struct am_ep *ep, uint8_t index, am_handler_fn fn,
                             const struct khandler_props *props)
{
    struct am_reg *r = NULL;
    cr_assert_eq(am_register(ep, NULL, index, fn, NULL, props, &r), 0);
    regs[nregs++] = r;
    return r;
}

Test(am, echo_request_reply)
{
    struct ak_done d = { 0 };
    uint32_t args[3] = { 7, 8, 0xdeadbeef };
    cr_assert_eq(am_request(k.a, &k.addr_b, AM_H_ECHO, args, 3, ak_done_cb, &d), 0);
    ak_run(&k);
    cr_assert_eq(d.calls, 1);
    cr_assert_eq(d.r.status, 0);
    cr_assert_eq(d.r.type, AM_REPLY);
    cr_assert_eq(d.r.nargs, 3);
    cr_assert_arr_eq(d.r.args, args, sizeof args);
    cr_assert_eq(ak_sent(&k), 2, "one request, one reply");
    cr_assert_eq(ak_ctr(k.b, AM_C_REPLIES), 1);
    cr_assert_eq(ak_ctr(k.a, AM_C_XFER_DONE), 1);
    cr_assert_geq(d.r.end_ns, d.r.start_ns);
}

Test(am, no_handler_is_nacked)
{
    struct ak_done d = { 0 };
    cr_assert_eq(am_request(k.a, &k.addr_b, 77, NULL, 0, ak_done_cb, &d), 0);
    ak_run(&k);
    cr_assert_eq(d.r.status, -KE_NOENT);
    cr_assert_eq(d.r.type, AM_NACK);
    cr_assert_eq(d.r.am_status, AM_S_NO_HANDLER);
    cr_assert_eq(ak_ctr(k.b, AM_C_NO_HANDLER), 1);
    cr_assert_eq(am_request(k.a, &k.addr_b, 77, NULL, 5, ak_done_cb, &d), -KE_INVAL);
    struct am_addr aal5 = { .kind = AM_KIND_AAL5 };
    cr_assert_eq(am_request(k.a, &aal5, 1, NULL, 0, ak_done_cb, &d), -KE_INVAL);
}

static void quiet(void *ctx, struct am_msg *m)
{
    (void)ctx;
    (void)m;
}

Test(am, handler_without_reply_gets_ack)
{
    struct ak_done d = { 0 };
    reg_on(k.b, 20, quiet, NULL);
    cr_assert_eq(am_request(k.a, &k.addr_b, 20, NULL, 0, ak_done_cb, &d), 0);
    ak_run(&k);
    cr_assert_eq(d.r.status, 0);
    cr_assert_eq(d.r.type, AM_ACK);
    cr_assert_eq(ak_ctr(k.b, AM_C_ACKS), 1);
}

Test(am, window_bounds_requests_in_flight)
{
    reg_on(k.b, 20, counting, NULL);
    struct ak_done d[40] = { 0 };
    k.link.hold = true;
    for (uint32_t i = 0; i < 40; i++)
        cr_assert_eq(am_request(k.a, &k.addr_b, 20, &i, 1, ak_done_cb, &d[i]), 0);
    cr_assert_eq(k.queued, AM_WINDOW_DEFAULT, "only a window's worth sent");
    unsigned reqs, xfers;
    am_ep_outstanding(k.a, &reqs, &xfers);
    cr_assert_eq(reqs, AM_WINDOW_DEFAULT);
    cr_assert_eq(xfers, 40);
    k.link.hold = false;
    ak_run(&k);
    for (uint32_t i = 0; i < 40; i++) {
        cr_assert_eq(d[i].calls, 1);
        cr_assert_eq(d[i].r.args[0], i + 1);
        cr_assert_eq(runs[i], 1);
        cr_assert_eq(order[i], i, "run in sequence order");
    }
    cr_assert_eq(ak_ctr(k.a, AM_C_RETRANSMITS), 0);
}

/* A lossy link: requests and responses lost; each request still runs once. */
static void lossy(unsigned drop_every, unsigned dup_every, unsigned swap_every)
{
    reg_on(k.b, 20, counting, NULL);
    static struct ak_done d[300];
    memset(d, 0, sizeof d);
    k.link.drop_every = drop_every;
    k.link.dup_every = dup_every;
    k.link.swap_every = swap_every;
    for (uint32_t i = 0; i < 300; i++) {
        int rc;
        for (unsigned t = 0; t < 200; t++) {
            rc = am_request(k.a, &k.addr_b, 20, &i, 1, ak_done_cb, &d[i]);
            if (rc != -KE_AGAIN)
                break;
            /* AM_MAX_XFERS in progress: let some finish, waiting only if that needs a timeout */
            if (t > 0)
                ak_advance(&k, 10 * KNS_PER_MS);
            else
                ak_run(&k);
        }
        cr_assert_eq(rc, 0, "request %u: %d", i, rc);
    }
    ak_run(&k);
    for (unsigned t = 0;
         t < 2000 && ak_ctr(k.a, AM_C_XFER_DONE) + ak_ctr(k.a, AM_C_XFER_FAILED) < 300; t++)
        ak_advance(&k, 10 * KNS_PER_MS);
    for (uint32_t i = 0; i < 300; i++) {
        cr_assert_eq(d[i].calls, 1, "request %u completed once", i);
        cr_assert_eq(d[i].r.status, 0, "request %u: %d", i, d[i].r.status);
        cr_assert_eq(d[i].r.args[0], i + 1);
        cr_assert_eq(runs[i], 1, "request %u ran %u times", i, runs[i]);
    }
    cr_assert_eq(ak_ctr(k.b, AM_C_HANDLER_RUNS), 300);
}

Test(am, lossy_link_loses_nothing_runs_nothing_twice)
{
    lossy(3, 0, 0);
    cr_assert_gt(k.dropped, 100);
    cr_assert_gt(ak_ctr(k.a, AM_C_RETRANSMITS), 0);
    cr_assert_gt(ak_ctr(k.b, AM_C_DUP_ANSWERED), 0, "lost replies answered from the cache");
    cr_assert_gt(ak_ctr(k.b, AM_C_OUT_OF_ORDER), 0, "requests behind a lost one are kept");
}

Test(am, duplicated_messages_run_once)
{
    lossy(0, 2, 0);
    cr_assert_gt(k.duplicated, 100);
    cr_assert_gt(ak_ctr(k.b, AM_C_DUP_ANSWERED), 0);
    cr_assert_gt(ak_ctr(k.a, AM_C_RESP_UNMATCHED), 0, "the second copy of a reply matches nothing");
}

Test(am, reordered_messages_run_once)
{
    lossy(0, 0, 5);
    cr_assert_gt(ak_ctr(k.b, AM_C_OUT_OF_ORDER), 0);
    cr_assert_eq(ak_ctr(k.a, AM_C_RETRANSMITS), 0, "reordering alone loses nothing");
}

Test(am, lossy_duplicating_reordering_together)
{
    lossy(5, 7, 11);
}

/* Every message to B lost: the peer is unreachable after the retries, then a new epoch. */
static bool to_b(const uint8_t *msg, size_t len, bool tob)
{
    (void)msg;
    (void)len;
    return tob;
}

Test(am, unreachable_peer_then_new_epoch)
{
    reg_on(k.b, 20, counting, NULL);
    struct ak_done d1 = { 0 }, d2 = { 0 };
    uint32_t one = 1, two = 2;
    cr_assert_eq(am_request(k.a, &k.addr_b, 20, &one, 1, ak_done_cb, &d1), 0);
    ak_run(&k); /* B hears it: B's epoch for A is set */
    cr_assert_eq(d1.r.status, 0);
    k.link.drop = to_b;
    cr_assert_eq(am_request(k.a, &k.addr_b, 20, &two, 1, ak_done_cb, &d2), 0);
    for (unsigned t = 0; t < 100 && d2.calls == 0; t++)
        ak_advance(&k, 100 * KNS_PER_MS);
    cr_assert_eq(d2.calls, 1);
    cr_assert_eq(d2.r.status, -KE_UNREACH);
    cr_assert_eq(ak_ctr(k.a, AM_C_UNREACHABLE), 1);
    cr_assert_eq(ak_ctr(k.a, AM_C_RETRANSMITS), AM_RETRIES_DEFAULT - 1);
    k.link.drop = NULL;
    struct ak_done d3 = { 0 };
    cr_assert_eq(am_request(k.a, &k.addr_b, 20, &two, 1, ak_done_cb, &d3), 0);
    ak_run(&k);
    cr_assert_eq(d3.r.status, 0);
    cr_assert_eq(ak_ctr(k.b, AM_C_EPOCH_RESETS), 1, "the new epoch restarts B's sequence");
    cr_assert_eq(runs[2], 1);
}

/* ------------------------------------------------------------ bulk */

static uint8_t src[AM_BULK_MAX], dst[AM_BULK_MAX];

static void pattern(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31 + seed + (i >> 8));
}

Test(am, store_then_get_64k_over_a_lossy_link)
{
    pattern(src, sizeof src, 3);
    k.link.drop_every = 7;
    struct ak_done ds = { 0 }, dg = { 0 };
    cr_assert_eq(
        am_store(k.a, &k.addr_b, AM_H_SUM, 0, 0, src, AM_BULK_MAX, NULL, 0, ak_done_cb, &ds), 0);
    for (unsigned t = 0; t < 100 && ds.calls == 0; t++)
        ak_advance(&k, 10 * KNS_PER_MS);
    cr_assert_eq(ds.calls, 1);
    cr_assert_eq(ds.r.status, 0);
    cr_assert_eq(ds.r.type, AM_REPLY);
    cr_assert_eq(ds.r.bytes, AM_BULK_MAX);
    cr_assert_eq(ds.r.args[0], 0u);
    cr_assert_eq(ds.r.args[1], AM_BULK_MAX);
    cr_assert_eq(ds.r.args[2], am_fnv1a(src, AM_BULK_MAX), "the handler saw every byte");
    uint32_t len;
    cr_assert_arr_eq(am_segment(k.b, 0, &len), src, AM_BULK_MAX);
    cr_assert_eq(ak_ctr(k.b, AM_C_HANDLER_RUNS), 1, "the handler ran once, after the last chunk");
    cr_assert_eq(am_get(k.a, &k.addr_b, 0, 0, dst, AM_BULK_MAX, ak_done_cb, &dg), 0);
    for (unsigned t = 0; t < 100 && dg.calls == 0; t++)
        ak_advance(&k, 10 * KNS_PER_MS);
    cr_assert_eq(dg.r.status, 0);
    cr_assert_eq(dg.r.type, AM_GET_REPLY);
    cr_assert_eq(dg.r.bytes, AM_BULK_MAX);
    cr_assert_arr_eq(dst, src, AM_BULK_MAX);
    cr_assert_gt(k.dropped, 0);
}

Test(am, store_into_a_registered_segment_at_an_offset)
{
    static uint8_t seg[5000];
    cr_assert_eq(am_segment_register(k.b, 2, seg, sizeof seg), 0);
    cr_assert_eq(am_segment_register(k.b, 2, seg, sizeof seg), -KE_EXIST);
    cr_assert_eq(am_segment_register(k.b, 0, seg, sizeof seg), -KE_RANGE);
    cr_assert_eq(am_segment_register(k.b, 4, seg, sizeof seg), -KE_RANGE);
    pattern(src, 3000, 9);
    struct ak_done d = { 0 };
    uint32_t args[2] = { 5, 6 };
    cr_assert_eq(am_store(k.a, &k.addr_b, AM_H_ECHO, 2, 1000, src, 3000, args, 2, ak_done_cb, &d),
                 0);
    ak_run(&k);
    cr_assert_eq(d.r.status, 0);
    cr_assert_eq(d.r.nargs, 2, "the store's handler got its arguments");
    cr_assert_eq(d.r.args[1], 6);
    cr_assert_arr_eq(seg + 1000, src, 3000);
    cr_assert_eq(seg[999], 0);
    cr_assert_eq(seg[4000], 0);
    /* (segment, base, total) as a request to AM_H_SUM */
    uint32_t q[3] = { 2, 1000, 3000 };
    cr_assert_eq(am_request(k.a, &k.addr_b, AM_H_SUM, q, 3, ak_done_cb, &d), 0);
    ak_run(&k);
    cr_assert_eq(d.r.args[2], am_fnv1a(src, 3000));
    cr_assert_eq(am_segment_unregister(k.b, 2), 0);
    cr_assert_eq(am_segment_unregister(k.b, 2), -KE_NOENT);
}

Test(am, bulk_bounds)
{
    struct ak_done d = { 0 };
    /* beyond segment 0's 65536 bytes */
    cr_assert_eq(am_store(k.a, &k.addr_b, 0, 0, 65000, src, 1000, NULL, 0, ak_done_cb, &d), 0);
    ak_run(&k);
    cr_assert_eq(d.r.status, -KE_RANGE);
    cr_assert_eq(d.r.am_status, AM_S_BOUNDS);
    cr_assert_eq(am_get(k.a, &k.addr_b, 0, 60000, dst, 6000, ak_done_cb, &d), 0);
    ak_run(&k);
    cr_assert_eq(d.r.status, -KE_RANGE);
    /* no segment 3 */
    cr_assert_eq(am_store(k.a, &k.addr_b, 0, 3, 0, src, 10, NULL, 0, ak_done_cb, &d), 0);
    ak_run(&k);
    cr_assert_eq(d.r.status, -KE_NOENT);
    cr_assert_eq(d.r.am_status, AM_S_NO_SEGMENT);
    cr_assert_geq(ak_ctr(k.b, AM_C_BOUNDS), 3);
    cr_assert_eq(ak_ctr(k.b, AM_C_STORED_BYTES), 0, "nothing out of bounds was written");
    /* refused before anything is sent */
    unsigned before = ak_sent(&k);
    cr_assert_eq(am_store(k.a, &k.addr_b, 0, 0, 0, src, 0, NULL, 0, ak_done_cb, &d), -KE_INVAL);
    cr_assert_eq(am_store(k.a, &k.addr_b, 0, 0, 0, src, AM_BULK_MAX + 1, NULL, 0, ak_done_cb, &d),
                 -KE_INVAL);
    cr_assert_eq(am_get(k.a, &k.addr_b, 0, UINT32_MAX - 5, dst, 10, ak_done_cb, &d), -KE_INVAL);
    cr_assert_eq(am_store(k.a, &k.addr_b, 0, 0, 0, NULL, 10, NULL, 0, ak_done_cb, &d), -KE_INVAL);
    cr_assert_eq(ak_sent(&k), before);
}

/* ------------------------------------------------------------ replies */

static struct am_msg fake;
static int reply_rc[3];
static void replies_twice(void *ctx, struct am_msg *m)
{
    (void)ctx;
    reply_rc[0] = am_reply(m, 0, NULL, 0);
    reply_rc[1] = am_reply(m, 0, NULL, 0);
}
static void reply_handler(void *ctx, struct am_msg *m)
{
    (void)ctx;
    cr_assert_eq(m->type, AM_REPLY);
    reply_rc[2] = am_reply(m, 0, NULL, 0);
}
static void names_reply_handler(void *ctx, struct am_msg *m)
{
    (void)ctx;
    uint32_t v = 42;
    am_reply(m, 30, &v, 1); /* run handler 30 at the requester */
}

Test(am, reply_only_from_within_a_request_handler)
{
    reg_on(k.b, 20, replies_twice, NULL);
    reg_on(k.b, 21, names_reply_handler, NULL);
    reg_on(k.a, 30, reply_handler, NULL);
    struct ak_done d = { 0 };
    cr_assert_eq(am_request(k.a, &k.addr_b, 20, NULL, 0, ak_done_cb, &d), 0);
    ak_run(&k);
    cr_assert_eq(reply_rc[0], 0);
    cr_assert_eq(reply_rc[1], -KE_PERM, "a second reply is refused");
    cr_assert_eq(d.r.type, AM_REPLY);
    cr_assert_eq(am_request(k.a, &k.addr_b, 21, NULL, 0, ak_done_cb, &d), 0);
    ak_run(&k);
    cr_assert_eq(d.r.handler, 30);
    cr_assert_eq(d.r.args[0], 42);
    cr_assert_eq(reply_rc[2], -KE_PERM, "a reply handler may not reply");
    /* a message whose handler is not running (returned, or never ran) */
    fake = (struct am_msg){ .ep = k.b, .type = AM_REQUEST };
    cr_assert_eq(am_reply(&fake, 0, NULL, 0), -KE_PERM);
    cr_assert_eq(ak_ctr(k.b, AM_C_REPLY_REFUSED), 2);
    cr_assert_eq(ak_ctr(k.a, AM_C_REPLY_REFUSED), 1);
}

/* ------------------------------------------------------------ handler modes */

Test(am, async_handler_runs_later_as_a_strand)
{
    struct khandler_props async = { .name = "t-async", .mode = KH_ASYNC };
    reg_on(k.b, 20, counting, &async);
    struct ak_done d = { 0 };
    uint32_t v = 5;
    k.link.no_sched = true;
    cr_assert_eq(am_request(k.a, &k.addr_b, 20, &v, 1, ak_done_cb, &d), 0);
    ak_run(&k); /* the request reaches B; its handler is only queued */
    cr_assert_eq(runs[5], 0);
    cr_assert_eq(k.queued, 0, "no response before the handler ran");
    cr_assert_eq(ksched_runnable(), 1);
    /* a duplicate of the request while it is queued is dropped, not run again */
    ak_advance(&k, 15 * KNS_PER_MS);
    cr_assert_eq(ak_ctr(k.b, AM_C_DUP_PENDING), 1);
    cr_assert_eq(ksched_run(10), 1);
    cr_assert_eq(runs[5], 1);
    cr_assert_eq(k.queued, 1, "the reply leaves from the strand");
    k.link.no_sched = false;
    ak_run(&k);
    cr_assert_eq(d.calls, 1);
    cr_assert_eq(d.r.args[0], 6);
    cr_assert_eq(runs[5], 1);
}

Test(am, sync_handler_answers_inline)
{
    reg_on(k.b, 20, counting, NULL);
    uint32_t v = 9;
    struct ak_done d = { 0 };
    k.link.no_sched = true;
    cr_assert_eq(am_request(k.a, &k.addr_b, 20, &v, 1, ak_done_cb, &d), 0);
    ak_run(&k);
    cr_assert_eq(runs[9], 1);
    cr_assert_eq(d.calls, 1, "request and reply without the scheduler");
}

static volatile uint64_t spins;
static void forever(void *ctx, struct am_msg *m)
{
    (void)ctx;
    (void)m;
    for (;;)
        spins++;
}

Test(am, bounded_handler_overrun_is_nacked_and_removed)
{
    struct khandler_props bounded = { .name = "t-bounded", .budget_ns = 2 * KNS_PER_MS };
    struct am_reg *r = reg_on(k.b, 20, forever, &bounded);
    reg_on(k.b, 21, counting, &bounded);
    struct ak_done d1 = { 0 }, d2 = { 0 }, d3 = { 0 };
    cr_assert_eq(am_request(k.a, &k.addr_b, 20, NULL, 0, ak_done_cb, &d1), 0);
    ak_run(&k);
    cr_assert_eq(d1.r.status, -KE_IO);
    cr_assert_eq(d1.r.am_status, AM_S_FAULT);
    cr_assert(am_reg_faulty(r));
    cr_assert_eq(am_request(k.a, &k.addr_b, 20, NULL, 0, ak_done_cb, &d2), 0);
    ak_run(&k);
    cr_assert_eq(d2.r.am_status, AM_S_FAULT, "a faulty handler is not run again");
    uint32_t v = 3;
    cr_assert_eq(am_request(k.a, &k.addr_b, 21, &v, 1, ak_done_cb, &d3), 0);
    ak_run(&k);
    cr_assert_eq(d3.r.status, 0, "other handlers keep answering");
    cr_assert_eq(d3.r.args[0], 4);
    cr_assert_eq(ak_ctr(k.b, AM_C_FAULTS), 2);
}

/* ------------------------------------------------------------ registration, cancel */

Test(am, registration_rules)
{
    struct am_reg *r;
    cr_assert_eq(am_register(k.b, NULL, AM_H_ECHO, counting, NULL, NULL, &r), -KE_EXIST);
    struct kcapset none = { 0 };
    cr_assert_eq(am_register(k.b, &none, 40, counting, NULL, NULL, &r), -KE_PERM);
    cr_assert_eq(am_register(k.b, NULL, 40, counting, NULL, NULL, &r), 0);
    am_unregister(r);
    cr_assert_eq(am_register(k.b, NULL, 40, counting, NULL, NULL, &r), 0, "free again");
    am_unregister(r);
}

Test(am, cancel_drops_transfers_without_callbacks)
{
    reg_on(k.b, 20, counting, NULL);
    struct ak_done mine = { 0 }, other = { 0 }, queued = { 0 };
    k.link.hold = true;
    for (uint32_t i = 0; i < 5; i++)
        cr_assert_eq(am_request(k.a, &k.addr_b, 20, &i, 1, ak_done_cb, &mine), 0);
    uint32_t v = 50;
    cr_assert_eq(am_request(k.a, &k.addr_b, 20, &v, 1, ak_done_cb, &other), 0);
    am_cancel(k.a, &mine);
    cr_assert_eq(mine.calls, 0);
    /* the sequence starts over: another transfer already sent fails, and says so */
    cr_assert_eq(other.calls, 1);
    cr_assert_eq(other.r.status, -KE_AGAIN);
    unsigned reqs, xfers;
    am_ep_outstanding(k.a, &reqs, &xfers);
    cr_assert_eq(xfers, 0);
    k.link.hold = false;
    ak_run(&k);
    cr_assert_eq(mine.calls, 0);
    /* a transfer only queued survives a cancel of others */
    k.link.hold = true;
    for (uint32_t i = 0; i < AM_WINDOW_DEFAULT; i++)
        cr_assert_eq(am_request(k.a, &k.addr_b, 20, &i, 1, ak_done_cb, &mine), 0);
    v = 60;
    cr_assert_eq(am_request(k.a, &k.addr_b, 20, &v, 1, ak_done_cb, &queued), 0);
    am_cancel(k.a, &mine);
    cr_assert_eq(queued.calls, 0);
    k.link.hold = false;
    ak_run(&k);
    cr_assert_eq(queued.calls, 1);
    cr_assert_eq(queued.r.status, 0, "a later request goes through (a new epoch)");
    cr_assert_eq(runs[60], 1);
}

Test(am, destroy_completes_transfers)
{
    struct ak_done d = { 0 };
    k.link.hold = true;
    cr_assert_eq(am_request(k.a, &k.addr_b, AM_H_ECHO, NULL, 0, ak_done_cb, &d), 0);
    am_ep_destroy(k.a);
    k.a = NULL;
    cr_assert_eq(d.calls, 1);
    cr_assert_eq(d.r.status, -KE_NOENT);
    k.link.hold = false;
}

Test(am, queue_full)
{
    k.link.hold = true;
    struct ak_done d = { 0 };
    for (unsigned i = 0; i < AM_MAX_XFERS; i++)
        cr_assert_eq(am_request(k.a, &k.addr_b, AM_H_ECHO, NULL, 0, ak_done_cb, &d), 0);
    cr_assert_eq(am_request(k.a, &k.addr_b, AM_H_ECHO, NULL, 0, ak_done_cb, &d), -KE_AGAIN);
    cr_assert_eq(ak_ctr(k.a, AM_C_QUEUE_FULL), 1);
    k.link.hold = false;
    ak_run(&k);
    cr_assert_eq(d.calls, AM_MAX_XFERS);
}
