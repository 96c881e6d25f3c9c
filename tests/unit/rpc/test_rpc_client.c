/*
 * tests/unit/rpc/test_rpc_client.c — the client side (apps/rpc/rpc_client.h):
 * calls it builds are what the server engine accepts, with AUTH_NONE or
 * AUTH_SYS; every reply status maps to its clnt_stat; foreign datagrams are
 * ignored; the retransmission schedule doubles, caps and times out.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "rpckit.h"

#include "apps/rpc/programs.h"
#include "apps/rpc/rpc_client.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

struct echo_data {
    const uint8_t *p;
    uint32_t len;
};
static bool xdr_echo(struct xdr *x, void *o)
{
    struct echo_data *d = o;
    return xdr_opaque_var(x, &d->p, &d->len, RPCECHO_MAXDATA);
}
static bool xdr_c(struct xdr *x, void *o)
{
    return xdr_char(x, o);
}

static struct rpc_server srv;
static struct rpc_clnt cl;
static struct rpc_peer peer;

static void setup(void)
{
    cr_assert_eq(rpc_server_init(&srv, 16, 65536), 0);
    cr_assert_eq(rpc_server_register(&srv, &rpcecho_program), 0);
    cr_assert_eq(rpc_server_register(&srv, &latrpc_program), 0);
    rpc_clnt_init(&cl, 0x10000000);
    peer = rk_peer(800, 111);
}
static void teardown(void)
{
    rpc_server_fini(&srv);
}
TestSuite(rpc_client, .init = setup, .fini = teardown);

/* call - build, serve, parse; returns the parse result */
static int call(uint32_t prog, uint32_t vers, uint32_t proc, const struct rpc_authsys *cred,
                xdr_fn enc, void *args, xdr_fn dec, void *res, enum rpc_clnt_stat *st,
                struct rpc_reply *r)
{
    static uint8_t msg[9000], out[9000];
    size_t len, n;
    uint32_t xid;
    cr_assert_eq(
        rpc_clnt_build_call(&cl, msg, sizeof msg, &len, prog, vers, proc, cred, enc, args, &xid),
        0);
    int v = rpc_server_dispatch(&srv, &peer, msg, len, out, sizeof out, &n);
    cr_assert_eq(v, RPC_SEND);
    return rpc_clnt_parse_reply(out, n, xid, dec, res, st, r);
}

Test(rpc_client, echo_round_trip)
{
    uint8_t data[8192];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    for (uint32_t size = 0; size <= 8192; size += 1365) {
        struct echo_data in = { data, size }, back = { NULL, 0 };
        enum rpc_clnt_stat st;
        cr_assert_eq(
            call(RPCECHO_PROG, 1, RPCECHO_ECHO, NULL, xdr_echo, &in, xdr_echo, &back, &st, NULL),
            0);
        cr_assert_eq(st, RPC_CS_SUCCESS);
        cr_assert_eq(back.len, size);
        cr_assert(size == 0 || memcmp(back.p, data, size) == 0);
    }
}

Test(rpc_client, lat_rpc_answers_123_with_auth_sys)
{
    struct rpc_authsys cred = {
        .stamp = 1, .uid = 1000, .gid = 1000, .ngids = 2, .gids = { 4, 24 }
    };
    strcpy(cred.machinename, "lmbench");
    int8_t c = 1, res = 0;
    enum rpc_clnt_stat st;
    cr_assert_eq(call(XACT_PROG, XACT_VERS, RPC_XACT, &cred, xdr_c, &c, xdr_c, &res, &st, NULL), 0);
    cr_assert_eq(st, RPC_CS_SUCCESS);
    cr_assert_eq(res, 123);
    /* RPC_EXIT does not stop spindle */
    cr_assert_eq(call(XACT_PROG, XACT_VERS, RPC_EXIT, NULL, NULL, NULL, NULL, NULL, &st, NULL), 0);
    cr_assert_eq(st, RPC_CS_PROCUNAVAIL);
}

Test(rpc_client, every_status_maps_to_its_clnt_stat)
{
    enum rpc_clnt_stat st;
    struct rpc_reply r;
    cr_assert_eq(call(0x3fffffff, 1, 0, NULL, NULL, NULL, NULL, NULL, &st, &r), 0);
    cr_assert_eq(st, RPC_CS_PROGUNAVAIL);
    cr_assert_eq(call(XACT_PROG, 7, 0, NULL, NULL, NULL, NULL, NULL, &st, &r), 0);
    cr_assert_eq(st, RPC_CS_PROGVERSMISMATCH);
    cr_assert(r.low == 1 && r.high == 1);
    cr_assert_eq(call(XACT_PROG, 1, 9, NULL, NULL, NULL, NULL, NULL, &st, &r), 0);
    cr_assert_eq(st, RPC_CS_PROCUNAVAIL);
    cr_assert_eq(call(XACT_PROG, 1, RPC_XACT, NULL, NULL, NULL, NULL, NULL, &st, &r), 0);
    cr_assert_eq(st, RPC_CS_CANTDECODEARGS, "no argument sent");
    /* denied replies, written by hand */
    uint8_t b[24];
    store_be32(b, 9);
    store_be32(b + 4, RPC_REPLY);
    store_be32(b + 8, RPC_MSG_DENIED);
    store_be32(b + 12, RPC_MISMATCH);
    store_be32(b + 16, 2);
    store_be32(b + 20, 2);
    cr_assert_eq(rpc_clnt_parse_reply(b, 24, 9, NULL, NULL, &st, &r), 0);
    cr_assert_eq(st, RPC_CS_VERSMISMATCH);
    store_be32(b + 12, RPC_AUTH_ERROR);
    store_be32(b + 16, RPC_AUTH_TOOWEAK);
    cr_assert_eq(rpc_clnt_parse_reply(b, 20, 9, NULL, NULL, &st, &r), 0);
    cr_assert_eq(st, RPC_CS_AUTHERROR);
    cr_assert_eq(r.auth_stat, RPC_AUTH_TOOWEAK);
    cr_assert_str_eq(rpc_clnt_stat_name(RPC_CS_AUTHERROR), "RPC_AUTHERROR");
    /* MSG_ACCEPTED SYSTEM_ERR with an empty AUTH_NONE verifier */
    store_be32(b + 8, RPC_MSG_ACCEPTED);
    store_be32(b + 12, RPC_AUTH_NONE);
    store_be32(b + 16, 0);
    store_be32(b + 20, RPC_SYSTEM_ERR);
    cr_assert_eq(rpc_clnt_parse_reply(b, 24, 9, NULL, NULL, &st, &r), 0);
    cr_assert_eq(st, RPC_CS_SYSTEMERROR);
    store_be32(b + 20, 6); /* no such accept_stat */
    cr_assert_eq(rpc_clnt_parse_reply(b, 24, 9, NULL, NULL, &st, &r), -KE_INVAL);
}

static bool xdr_u64_res(struct xdr *x, void *o)
{
    return xdr_u64(x, o);
}

Test(rpc_client, results_that_do_not_decode_are_cantdecoderes)
{
    enum rpc_clnt_stat st;
    int8_t c = 1;
    uint64_t h;
    /* lat_rpc answers one int; decoding a hyper needs two */
    cr_assert_eq(call(XACT_PROG, 1, RPC_XACT, NULL, xdr_c, &c, xdr_u64_res, &h, &st, NULL), 0);
    cr_assert_eq(st, RPC_CS_CANTDECODERES);
}

Test(rpc_client, foreign_and_malformed_datagrams_are_told_apart)
{
    uint8_t msg[128];
    size_t len;
    uint32_t xid;
    enum rpc_clnt_stat st;
    cr_assert_eq(
        rpc_clnt_build_call(&cl, msg, sizeof msg, &len, XACT_PROG, 1, 0, NULL, NULL, NULL, &xid),
        0);
    cr_assert_eq(xid, 0x10000000);
    cr_assert_eq(rpc_clnt_parse_reply(msg, len, xid, NULL, NULL, &st, NULL), -KE_NOENT,
                 "a CALL is not a reply");
    uint8_t out[64];
    size_t n;
    cr_assert_eq(rpc_server_dispatch(&srv, &peer, msg, len, out, sizeof out, &n), RPC_SEND);
    cr_assert_eq(rpc_clnt_parse_reply(out, n, xid + 1, NULL, NULL, &st, NULL), -KE_NOENT,
                 "another xid");
    cr_assert_eq(rpc_clnt_parse_reply(out, 4, xid, NULL, NULL, &st, NULL), -KE_NOENT);
    cr_assert_eq(rpc_clnt_parse_reply(out, 12, xid, NULL, NULL, &st, NULL), -KE_INVAL,
                 "cut after reply_stat");
    store_be32(out + 8, 7);
    cr_assert_eq(rpc_clnt_parse_reply(out, n, xid, NULL, NULL, &st, NULL), -KE_INVAL,
                 "reply_stat 7");
    cr_assert_eq(rpc_clnt_parse_reply(out, n, xid, NULL, NULL, &st, NULL), -KE_INVAL);
    /* xids advance */
    cr_assert_eq(
        rpc_clnt_build_call(&cl, msg, sizeof msg, &len, XACT_PROG, 1, 0, NULL, NULL, NULL, &xid),
        0);
    cr_assert_eq(xid, 0x10000001);
    /* a call that does not fit */
    cr_assert_eq(rpc_clnt_build_call(&cl, msg, 30, &len, XACT_PROG, 1, 0, NULL, NULL, NULL, &xid),
                 -KE_TOOBIG);
}

Test(rpc_client, retransmissions_double_up_to_the_cap_within_the_total)
{
    const uint64_t ms = 1000000ull, s = 1000 * ms;
    struct rpc_retry rt;
    rpc_retry_start(&rt, 0, 250 * ms, 5 * s, 0);
    cr_assert_eq(rpc_retry_deadline(&rt), 250 * ms);
    cr_assert_eq(rpc_retry_poll(&rt, 100 * ms), RPC_RETRY_WAIT);
    uint64_t t = 0, sends_at[16];
    unsigned k = 0;
    int a;
    while ((a = rpc_retry_poll(&rt, t = rpc_retry_deadline(&rt))) != RPC_RETRY_TIMEDOUT) {
        cr_assert_eq(a, RPC_RETRY_SEND);
        cr_assert_lt(k, 16);
        sends_at[k++] = t;
    }
    /* 250, 750, 1750, 3750 ms; the next would be 7750 > 5 s */
    cr_assert_eq(k, 4);
    cr_assert_eq(sends_at[0], 250 * ms);
    cr_assert_eq(sends_at[1], 750 * ms);
    cr_assert_eq(sends_at[2], 1750 * ms);
    cr_assert_eq(sends_at[3], 3750 * ms);
    cr_assert_eq(t, 5 * s);
    cr_assert_eq(rt.sends, 5);

    /* a transmission budget: 2 sends, then silence until the total timeout */
    rpc_retry_start(&rt, 1000, 10, 1000, 2);
    cr_assert_eq(rpc_retry_poll(&rt, 1010), RPC_RETRY_SEND);
    cr_assert_eq(rpc_retry_poll(&rt, rpc_retry_deadline(&rt)), RPC_RETRY_WAIT);
    cr_assert_eq(rpc_retry_deadline(&rt), 2000);
    cr_assert_eq(rpc_retry_poll(&rt, 2000), RPC_RETRY_TIMEDOUT);

    /* the wait never exceeds 30 s */
    rpc_retry_start(&rt, 0, 20 * s, 1000 * s, 0);
    cr_assert_eq(rpc_retry_poll(&rt, 20 * s), RPC_RETRY_SEND);
    cr_assert_eq(rpc_retry_deadline(&rt), 50 * s);
}
