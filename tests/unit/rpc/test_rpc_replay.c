/*
 * tests/unit/rpc/test_rpc_replay.c — the calls stock rpcinfo, rpcecho-client
 * and latrpc-client sent to Debian's rpcbind and the rpcgen server
 * (tests/traces/rpc-*.pcap, tools/lab/capture-rpc-traces.sh) go through
 * spindle's engine with the same registry as the Linux side (the
 * portmapper on 111; rpcecho and lat_rpc on 40001, registered in that
 * order); every reply is compared with Linux's field by field: xid,
 * reply_stat, accept_stat or reject_stat and auth_stat, mismatch bounds,
 * verifier, and the results byte for byte.
 *
 * One legitimate difference: rpcbind's DUMP also lists its "local" (AF_LOCAL
 * socket) registrations, a transport spindle does not have; the DUMP
 * results are compared as lists after dropping entries whose netid is not
 * "udp" (the capture limits rpcbind to udp and local, see
 * tests/traces/README.md).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "rpctrace.h"

#include "apps/rpc/portmap.h"
#include "apps/rpc/programs.h"
#include "kernel/klib.h"

#define CLI_MAC "\x02\x00\x00\x00\x00\x01"
enum { ECHO_PORT = 40001 };

static struct rpc_server s111, s40001;
static struct rpc_pmap pm;

static void setup(void)
{
    cr_assert_eq(rpc_server_init(&s111, 64, 1 << 20), 0);
    cr_assert_eq(rpc_server_init(&s40001, 64, 1 << 20), 0);
    rpc_pmap_init(&pm, PMAP_PORT);
    cr_assert_eq(rpc_pmap_register(&pm, &s111), 0);
    cr_assert_eq(rpc_pmap_set(&pm, RPCECHO_PROG, RPCECHO_VERS, ECHO_PORT), 0);
    cr_assert_eq(rpc_pmap_set(&pm, XACT_PROG, XACT_VERS, ECHO_PORT), 0);
    cr_assert_eq(rpc_server_register(&s40001, &rpcecho_program), 0);
    cr_assert_eq(rpc_server_register(&s40001, &latrpc_program), 0);
}
static void teardown(void)
{
    rpc_server_fini(&s111);
    rpc_server_fini(&s40001);
}
TestSuite(rpc_replay, .init = setup, .fini = teardown);

/* One rpcb entry of a DUMP. */
struct entry {
    uint32_t prog, vers;
    char netid[16], addr[64], owner[32];
};

/* udp_entries - the entries of an rpcblist (RFC 1833 section 2.1) whose
 * netid is "udp"; asserts the list is well formed. */
static size_t udp_entries(const uint8_t *b, size_t len, struct entry *e, size_t max)
{
    struct xdr x;
    bool more;
    size_t n = 0;
    xdr_init_decode(&x, b, len, 0);
    while (xdr_optional(&x, &more) && more) {
        struct entry t;
        xdr_u32(&x, &t.prog);
        xdr_u32(&x, &t.vers);
        xdr_cstring(&x, t.netid, sizeof t.netid, sizeof t.netid - 1);
        xdr_cstring(&x, t.addr, sizeof t.addr, sizeof t.addr - 1);
        xdr_cstring(&x, t.owner, sizeof t.owner, sizeof t.owner - 1);
        cr_assert(xdr_ok(&x), "malformed DUMP entry");
        if (strcmp(t.netid, "udp") != 0)
            continue;
        cr_assert_lt(n, max);
        e[n++] = t;
    }
    cr_assert(xdr_ok(&x));
    cr_assert_eq(xdr_remaining(&x), 0, "bytes after the list");
    return n;
}

static void compare_dump(const uint8_t *ours, size_t on, const uint8_t *linux, size_t ln)
{
    struct entry a[64], b[64];
    size_t na = udp_entries(ours, on, a, 64), nb = udp_entries(linux, ln, b, 64);
    cr_assert_eq(na, nb, "DUMP: %zu udp entries, Linux %zu", na, nb);
    for (size_t i = 0; i < na; i++) {
        cr_assert(a[i].prog == b[i].prog && a[i].vers == b[i].vers,
                  "DUMP entry %zu: %u/%u, Linux %u/%u", i, a[i].prog, a[i].vers, b[i].prog,
                  b[i].vers);
        cr_assert_str_eq(a[i].netid, b[i].netid, "DUMP entry %zu netid", i);
        cr_assert_str_eq(a[i].addr, b[i].addr, "DUMP entry %zu r_addr", i);
        cr_assert_str_eq(a[i].owner, b[i].owner, "DUMP entry %zu r_owner", i);
    }
}

/* compare - spindle's reply @o (@on bytes) to the call @call, against Linux's @l. */
static void compare(const struct rt_dgram *call, const uint8_t *o, size_t on,
                    const struct rt_dgram *l)
{
    struct rpc_reply a, b;
    struct rpc_call c;
    cr_assert_eq(rpc_call_decode(call->data, call->len, &c), RPC_CALL_OK);
    cr_assert_eq(rpc_reply_decode(o, on, &a), 0, "frame %u: spindle's reply is malformed",
                 call->frame);
    cr_assert_eq(rpc_reply_decode(l->data, l->len, &b), 0, "frame %u: Linux's reply is malformed",
                 l->frame);
    char what[64];
    snprintf(what, sizeof what, "frame %u (prog %u vers %u proc %u)", call->frame, c.prog, c.vers,
             c.proc);
    cr_assert_eq(a.xid, b.xid, "%s: xid", what);
    cr_assert_eq(a.reply_stat, b.reply_stat, "%s: reply_stat", what);
    if (b.reply_stat == RPC_MSG_DENIED) {
        cr_assert_eq(a.reject_stat, b.reject_stat, "%s: reject_stat", what);
        cr_assert_eq(a.auth_stat, b.auth_stat, "%s: auth_stat", what);
        cr_assert(a.low == b.low && a.high == b.high, "%s: mismatch bounds", what);
        cr_assert_eq(on, l->len, "%s: length", what);
        return;
    }
    cr_assert_eq(a.accept_stat, b.accept_stat, "%s: accept_stat %s, Linux %s", what,
                 rpc_accept_stat_name(a.accept_stat), rpc_accept_stat_name(b.accept_stat));
    cr_assert(a.verf.flavor == b.verf.flavor && a.verf.len == b.verf.len, "%s: verifier", what);
    cr_assert(a.low == b.low && a.high == b.high, "%s: PROG_MISMATCH %u..%u, Linux %u..%u", what,
              a.low, a.high, b.low, b.high);
    const uint8_t *ra = o + a.results_off, *rb = l->data + b.results_off;
    size_t na = on - a.results_off, nb = l->len - b.results_off;
    if (c.prog == PMAP_PROG && (c.vers == RPCBVERS || c.vers == RPCBVERS4) &&
        c.proc == RPCBPROC_DUMP) {
        compare_dump(ra, na, rb, nb);
        return;
    }
    cr_assert_eq(na, nb, "%s: %zu result bytes, Linux %zu", what, na, nb);
    cr_assert_eq(memcmp(ra, rb, na), 0, "%s: results differ", what);
}

/* replay - every call of @name through the engine; returns the calls compared. */
static unsigned replay(const char *name)
{
    struct rt_trace t;
    rt_load(&t, name);
    unsigned calls = 0, linux_replies = 0, our_replies = 0;
    for (size_t i = 0; i < t.n; i++) {
        const struct rt_dgram *d = &t.d[i];
        bool from_cli = memcmp(d->src_mac, CLI_MAC, 6) == 0;
        if (!from_cli) {
            linux_replies += d->sport == PMAP_PORT || d->sport == ECHO_PORT;
            continue;
        }
        struct rpc_server *s = d->dport == PMAP_PORT   ? &s111
                               : d->dport == ECHO_PORT ? &s40001
                                                       : NULL;
        cr_assert_not_null(s, "frame %u: a datagram to port %u", d->frame, d->dport);
        struct rpc_peer peer = {
            .transport = RPC_XPRT_UDP,
            .addr = d->src,
            .port = d->sport,
            .local_addr = d->dst,
            .local_port = d->dport,
        };
        static uint8_t out[65536];
        size_t on = 0;
        int v = rpc_server_dispatch(s, &peer, d->data, d->len, out, sizeof out, &on);
        our_replies += v == RPC_SEND;
        calls++;
        /* Linux's reply: the next datagram back to that port with that xid */
        const struct rt_dgram *l = NULL;
        for (size_t j = i + 1; j < t.n && !l; j++)
            if (t.d[j].sport == d->dport && t.d[j].dport == d->sport &&
                rt_xid(&t.d[j]) == rt_xid(d))
                l = &t.d[j];
        if (!l) {
            cr_assert_eq(v, RPC_DROP, "frame %u: Linux did not answer, spindle did", d->frame);
            continue;
        }
        cr_assert_eq(v, RPC_SEND, "frame %u: Linux answered, spindle did not", d->frame);
        compare(d, out, on, l);
    }
    cr_assert_eq(our_replies, linux_replies, "%s: %u replies, Linux %u", name, our_replies,
                 linux_replies);
    rt_free(&t);
    cr_assert_gt(calls, 0, "%s holds no call", name);
    return calls;
}

Test(rpc_replay, rpcinfo_dump_lists_what_rpcbind_lists_over_udp)
{
    replay("rpc-rpcinfo-dump.pcap");
}

Test(rpc_replay, rpcinfo_s_lists_what_rpcbind_lists_over_udp)
{
    replay("rpc-rpcinfo-s.pcap");
}

Test(rpc_replay, rpcinfo_u_portmapper_getaddr_and_null)
{
    cr_assert_geq(replay("rpc-rpcinfo-pmap.pcap"), 2);
}

Test(rpc_replay, rpcinfo_u_echo_with_without_and_with_a_missing_version)
{
    cr_assert_geq(replay("rpc-rpcinfo-echo.pcap"), 6);
    cr_assert_gt(s40001.ctr[RPC_CTR_PROG_MISMATCH], 0, "rpcinfo's version-0 probe");
}

Test(rpc_replay, rpcgen_echo_client_null_and_echo_up_to_8192_bytes)
{
    cr_assert_geq(replay("rpc-echo-client.pcap"), 12);
    cr_assert_eq(s40001.ctr[RPC_CTR_SUCCESS], 12);
}

Test(rpc_replay, lat_rpc_client)
{
    replay("rpc-latrpc.pcap");
    cr_assert_eq(s40001.ctr[RPC_CTR_SUCCESS], 3);
}

Test(rpc_replay, portmapper_calls_of_every_version_answered_as_rpcbind_does)
{
    cr_assert_eq(replay("rpc-pmap-probe.pcap"), 25);
    cr_assert_eq(s111.ctr[RPC_CTR_AUTH_TOOWEAK], 6, "SET and UNSET in three versions");
    cr_assert_eq(s111.ctr[RPC_CTR_PROC_DROPPED], 3, "CALLIT, CALLIT, BCAST");
    cr_assert_eq(s111.ctr[RPC_CTR_PROG_MISMATCH], 1);
}
