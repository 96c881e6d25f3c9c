/*
 * tests/unit/rpc/test_rpc_server.c — the server engine (apps/rpc/rpc_server.h,
 * RFC 5531 section 9): every reply of the decision list, with its counter;
 * the drops; credentials parsed but not trusted; arguments and results.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "rpckit.h"

#include "apps/rpc/programs.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

/* A test program 0x20000077 in versions 1 and 3: proc 1 adds two ints,
 * proc 2 fails, proc 3 answers more than any reply buffer here holds,
 * proc 4 returns what AUTH_SYS said (uid) or 0xffffffff without it. */
enum { T_PROG = 0x20000077 };

struct two {
    int32_t a, b;
};
static bool xdr_two(struct xdr *x, void *o)
{
    struct two *t = o;
    xdr_i32(x, &t->a);
    return xdr_i32(x, &t->b);
}
static bool xdr_one(struct xdr *x, void *o)
{
    return xdr_i32(x, o);
}
static bool xdr_big(struct xdr *x, void *o)
{
    static uint8_t zeros[20000];
    return xdr_opaque_fixed(x, zeros, sizeof zeros);
}
static int add(struct rpc_work *w, void *args, void *res)
{
    const struct two *t = args;
    *(int32_t *)res = t->a + t->b;
    return 0;
}
static int fail(struct rpc_work *w, void *args, void *res)
{
    return -KE_NOMEM;
}
static int whoami(struct rpc_work *w, void *args, void *res)
{
    *(int32_t *)res = w->call.has_authsys ? (int32_t)w->call.authsys.uid : -1;
    return 0;
}
static const struct rpc_proc t_procs[] = {
    [0] = { "NULL", NULL, NULL, NULL },        [1] = { "ADD", xdr_two, xdr_one, add },
    [2] = { "FAIL", NULL, NULL, fail },        [3] = { "BIG", NULL, xdr_big, NULL },
    [4] = { "WHOAMI", NULL, xdr_one, whoami },
};
static const struct rpc_program t_v1 = { T_PROG, 1, "t", t_procs, 5, NULL };
static const struct rpc_program t_v3 = { T_PROG, 3, "t", t_procs, 2, NULL };

static struct rpc_server srv;
static struct rpc_peer peer;

static void setup(void)
{
    cr_assert_eq(rpc_server_init(&srv, 16, 65536), 0);
    cr_assert_eq(rpc_server_register(&srv, &t_v1), 0);
    cr_assert_eq(rpc_server_register(&srv, &t_v3), 0);
    cr_assert_eq(rpc_server_register(&srv, &rpcecho_program), 0);
    peer = rk_peer(40000, 2049);
}
static void teardown(void)
{
    rpc_server_fini(&srv);
}
TestSuite(rpc_server, .init = setup, .fini = teardown);

static void expect_accepted(const struct rk_reply *o, uint32_t stat)
{
    cr_assert_eq(o->verdict, RPC_SEND);
    cr_assert_eq(o->r.reply_stat, RPC_MSG_ACCEPTED);
    cr_assert_eq(o->r.accept_stat, stat, "accept_stat %s, wanted %s",
                 rpc_accept_stat_name(o->r.accept_stat), rpc_accept_stat_name(stat));
    cr_assert_eq(o->r.verf.flavor, RPC_AUTH_NONE);
    cr_assert_eq(o->r.verf.len, 0);
}

static void expect_auth_error(const struct rk_reply *o, uint32_t why)
{
    cr_assert_eq(o->verdict, RPC_SEND);
    cr_assert_eq(o->r.reply_stat, RPC_MSG_DENIED);
    cr_assert_eq(o->r.reject_stat, RPC_AUTH_ERROR);
    cr_assert_eq(o->r.auth_stat, why, "auth_stat %s, wanted %s", rpc_auth_stat_name(o->r.auth_stat),
                 rpc_auth_stat_name(why));
    cr_assert_eq(o->n, 20, "xid, REPLY, MSG_DENIED, AUTH_ERROR, auth_stat");
}

Test(rpc_server, null_procedure_is_a_24_byte_success)
{
    struct rk_msg m;
    struct rk_reply o;
    rk_call(&m, 0x1234, T_PROG, 1, 0);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_accepted(&o, RPC_SUCCESS);
    static const uint8_t want[] = { 0, 0, 0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0,
                                    0, 0, 0,    0,    0, 0, 0, 0, 0, 0, 0, 0 };
    cr_assert_eq(o.n, sizeof want);
    cr_assert_eq(memcmp(o.b, want, sizeof want), 0);
    cr_assert_eq(srv.ctr[RPC_CTR_SUCCESS], 1);
    cr_assert_eq(srv.ctr[RPC_CTR_RX], 1);
}

Test(rpc_server, arguments_in_results_out)
{
    struct rk_msg m;
    struct rk_reply o;
    rk_call(&m, 7, T_PROG, 1, 1);
    rk_u32(&m, 40);
    rk_u32(&m, (uint32_t)-2);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_accepted(&o, RPC_SUCCESS);
    cr_assert_eq(o.n, o.r.results_off + 4);
    cr_assert_eq(rk_word(o.b, o.r.results_off), 38);
}

Test(rpc_server, unknown_program_is_prog_unavail)
{
    struct rk_msg m;
    struct rk_reply o;
    rk_call(&m, 1, 0x20000078, 1, 0);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_accepted(&o, RPC_PROG_UNAVAIL);
    cr_assert_eq(o.n, 24);
    cr_assert_eq(srv.ctr[RPC_CTR_PROG_UNAVAIL], 1);
}

Test(rpc_server, missing_version_is_prog_mismatch_with_the_registered_bounds)
{
    struct rk_msg m;
    struct rk_reply o;
    for (uint32_t v = 0; v < 6; v += 2) {
        rk_call(&m, v, T_PROG, v, 0);
        rk_run(&srv, &peer, &m, 1500, &o);
        expect_accepted(&o, RPC_PROG_MISMATCH);
        cr_assert_eq(o.r.low, 1);
        cr_assert_eq(o.r.high, 3);
        cr_assert_eq(o.n, 32);
    }
    cr_assert_eq(srv.ctr[RPC_CTR_PROG_MISMATCH], 3);
}

Test(rpc_server, missing_procedure_is_proc_unavail)
{
    struct rk_msg m;
    struct rk_reply o;
    rk_call(&m, 1, T_PROG, 3, 2); /* version 3 has procedures 0 and 1 only */
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_accepted(&o, RPC_PROC_UNAVAIL);
    rk_call(&m, 2, T_PROG, 1, 0xffffffffu);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_accepted(&o, RPC_PROC_UNAVAIL);
    cr_assert_eq(srv.ctr[RPC_CTR_PROC_UNAVAIL], 2);
}

Test(rpc_server, arguments_that_do_not_decode_are_garbage_args)
{
    struct rk_msg m;
    struct rk_reply o;
    rk_call(&m, 1, T_PROG, 1, 1);
    rk_u32(&m, 1); /* one int of two */
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_accepted(&o, RPC_GARBAGE_ARGS);
    /* rpcecho's opaque<8192> with 8193 bytes announced and present */
    static uint8_t data[8196];
    rk_call(&m, 2, RPCECHO_PROG, RPCECHO_VERS, RPCECHO_ECHO);
    rk_u32(&m, 8193);
    rk_opaque(&m, data, 8193);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_accepted(&o, RPC_GARBAGE_ARGS);
    /* a length that runs past the message */
    rk_call(&m, 3, RPCECHO_PROG, RPCECHO_VERS, RPCECHO_ECHO);
    rk_u32(&m, 100);
    rk_u32(&m, 0x41414141);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_accepted(&o, RPC_GARBAGE_ARGS);
    cr_assert_eq(srv.ctr[RPC_CTR_GARBAGE_ARGS], 3);
    cr_assert_eq(rpc_drc_used(&srv.drc), 0, "garbage is not cached");
}

Test(rpc_server, failing_procedure_and_results_too_big_are_system_err)
{
    struct rk_msg m;
    struct rk_reply o;
    rk_call(&m, 1, T_PROG, 1, 2);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_accepted(&o, RPC_SYSTEM_ERR);
    rk_call(&m, 2, T_PROG, 1, 3);
    rk_run(&srv, &peer, &m, 9000, &o);
    expect_accepted(&o, RPC_SYSTEM_ERR);
    cr_assert_eq(o.n, 24);
    cr_assert_eq(srv.ctr[RPC_CTR_SYSTEM_ERR], 2);
}

Test(rpc_server, wrong_rpcvers_is_rpc_mismatch_2_2)
{
    struct rk_msg m;
    struct rk_reply o;
    for (uint32_t v = 0; v < 5; v++) {
        if (v == RPC_VERS)
            continue;
        rk_call(&m, 0x55 + v, T_PROG, 1, 0);
        store_be32(m.b + 8, v);
        rk_run(&srv, &peer, &m, 1500, &o);
        cr_assert_eq(o.verdict, RPC_SEND);
        cr_assert_eq(o.r.reply_stat, RPC_MSG_DENIED);
        cr_assert_eq(o.r.reject_stat, RPC_MISMATCH);
        cr_assert_eq(o.r.low, 2);
        cr_assert_eq(o.r.high, 2);
        cr_assert_eq(o.n, 24);
    }
    cr_assert_eq(srv.ctr[RPC_CTR_RPC_MISMATCH], 4);
}

Test(rpc_server, replies_bad_mtypes_and_short_messages_are_dropped_and_counted)
{
    struct rk_msg m;
    struct rk_reply o;
    rk_call(&m, 1, T_PROG, 1, 0);
    store_be32(m.b + 4, RPC_REPLY);
    rk_run(&srv, &peer, &m, 1500, &o);
    cr_assert_eq(o.verdict, RPC_DROP);
    store_be32(m.b + 4, 2);
    rk_run(&srv, &peer, &m, 1500, &o);
    cr_assert_eq(o.verdict, RPC_DROP);
    rk_call(&m, 1, T_PROG, 1, 0);
    for (size_t n = 0; n < RPC_CALL_MIN; n++) {
        struct rk_msg cut = m;
        cut.n = n;
        rk_run(&srv, &peer, &cut, 1500, &o);
        cr_assert_eq(o.verdict, RPC_DROP, "%zu bytes answered", n);
    }
    cr_assert_eq(srv.ctr[RPC_CTR_REPLY], 1);
    cr_assert_eq(srv.ctr[RPC_CTR_BAD_MTYPE], 1);
    cr_assert_eq(srv.ctr[RPC_CTR_SHORT], RPC_CALL_MIN);
    cr_assert_eq(srv.ctr[RPC_CTR_RX], RPC_CALL_MIN + 2);
}

/* call with a credential of @flavor and body @body/@len (a lying @claim when non-zero) */
static void cred_call(struct rk_msg *m, uint32_t flavor, const void *body, uint32_t len,
                      uint32_t claim)
{
    m->n = 0;
    rk_u32(m, 9);
    rk_u32(m, RPC_CALL);
    rk_u32(m, RPC_VERS);
    rk_u32(m, T_PROG);
    rk_u32(m, 1);
    rk_u32(m, 4);
    rk_u32(m, flavor);
    rk_u32(m, claim ? claim : len);
    rk_opaque(m, body, len);
    rk_u32(m, RPC_AUTH_NONE);
    rk_u32(m, 0);
}

/* an authsys_parms body: stamp, machinename, uid, gid, gids */
static size_t authsys_body(uint8_t *b, const char *name, uint32_t uid, uint32_t ngids)
{
    struct rk_msg m = { .n = 0 };
    rk_u32(&m, 0x5eed);
    rk_u32(&m, (uint32_t)strlen(name));
    rk_opaque(&m, name, strlen(name));
    rk_u32(&m, uid);
    rk_u32(&m, 100);
    rk_u32(&m, ngids);
    for (uint32_t i = 0; i < ngids; i++)
        rk_u32(&m, 1000 + i);
    memcpy(b, m.b, m.n);
    return m.n;
}

Test(rpc_server, auth_sys_is_parsed_and_handed_to_the_procedure)
{
    uint8_t body[512];
    struct rk_msg m;
    struct rk_reply o;
    size_t n = authsys_body(body, "client.example", 4242, 16);
    cred_call(&m, RPC_AUTH_SYS, body, (uint32_t)n, 0);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_accepted(&o, RPC_SUCCESS);
    cr_assert_eq(rk_word(o.b, o.r.results_off), 4242);
    /* AUTH_NONE, with or without a body: no identity */
    cred_call(&m, RPC_AUTH_NONE, "12345678", 8, 0);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_accepted(&o, RPC_SUCCESS);
    cr_assert_eq(rk_word(o.b, o.r.results_off), 0xffffffffu);
}

Test(rpc_server, bad_credentials_are_denied)
{
    uint8_t body[1024] = { 0 };
    struct rk_msg m;
    struct rk_reply o;
    /* a body over 400 bytes */
    cred_call(&m, RPC_AUTH_NONE, body, 404, 0);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_auth_error(&o, RPC_AUTH_BADCRED);
    /* a length that runs past the message */
    cred_call(&m, RPC_AUTH_SYS, body, 8, 64);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_auth_error(&o, RPC_AUTH_BADCRED);
    /* AUTH_SYS cut inside its body, 17 gids, a 256-byte machine name */
    size_t n = authsys_body(body, "h", 0, 0);
    cred_call(&m, RPC_AUTH_SYS, body, (uint32_t)n - 4, 0);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_auth_error(&o, RPC_AUTH_BADCRED);
    n = authsys_body(body, "h", 0, 17);
    cred_call(&m, RPC_AUTH_SYS, body, (uint32_t)n, 0);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_auth_error(&o, RPC_AUTH_BADCRED);
    char name[257];
    memset(name, 'a', 256);
    name[256] = '\0';
    n = authsys_body(body, name, 0, 0);
    cred_call(&m, RPC_AUTH_SYS, body, (uint32_t)n, 0); /* machinename<255> */
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_auth_error(&o, RPC_AUTH_BADCRED);
    cr_assert_eq(srv.ctr[RPC_CTR_AUTH_BADCRED], 5);
    /* flavors this server does not speak */
    static const uint32_t flavors[] = { RPC_AUTH_SHORT, RPC_AUTH_DH, RPC_RPCSEC_GSS, 99 };
    for (size_t i = 0; i < KARRAY_SIZE(flavors); i++) {
        cred_call(&m, flavors[i], NULL, 0, 0);
        rk_run(&srv, &peer, &m, 1500, &o);
        expect_auth_error(&o, RPC_AUTH_REJECTEDCRED);
    }
    cr_assert_eq(srv.ctr[RPC_CTR_AUTH_REJECTEDCRED], KARRAY_SIZE(flavors));
    cr_assert_eq(srv.ctr[RPC_CTR_SUCCESS], 0, "no procedure ran");
}

Test(rpc_server, bad_verifiers_are_denied)
{
    struct rk_msg m;
    struct rk_reply o;
    static const uint8_t zeros[500];
    rk_call(&m, 5, T_PROG, 1, 0);
    m.n -= 4;
    rk_u32(&m, 404);
    rk_opaque(&m, zeros, 404);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_auth_error(&o, RPC_AUTH_BADVERF);
    rk_call(&m, 6, T_PROG, 1, 0);
    m.n -= 4;
    rk_u32(&m, 64);
    rk_run(&srv, &peer, &m, 1500, &o);
    expect_auth_error(&o, RPC_AUTH_BADVERF);
    cr_assert_eq(srv.ctr[RPC_CTR_AUTH_BADVERF], 2);
}

Test(rpc_server, a_reply_that_does_not_fit_is_dropped_as_no_room)
{
    struct rk_msg m;
    struct rk_reply o;
    rk_call(&m, 1, 0x20000078, 1, 0);
    rk_run(&srv, &peer, &m, 20, &o);
    cr_assert_eq(o.verdict, RPC_DROP);
    cr_assert_eq(srv.ctr[RPC_CTR_NO_ROOM], 1);
    cr_assert_eq(srv.ctr[RPC_CTR_PROG_UNAVAIL], 0);
}

Test(rpc_server, registration_rules)
{
    cr_assert_eq(rpc_server_register(&srv, &t_v1), -KE_EXIST);
    static const struct rpc_program empty = { 1, 1, "e", t_procs, 0, NULL };
    cr_assert_eq(rpc_server_register(&srv, &empty), -KE_INVAL);
    cr_assert_eq(rpc_server_unregister(&srv, &t_v3), 0);
    cr_assert_eq(rpc_server_unregister(&srv, &t_v3), -KE_NOENT);
    uint32_t lo = 0, hi = 0;
    cr_assert(rpc_server_versions(&srv, T_PROG, &lo, &hi));
    cr_assert(lo == 1 && hi == 1);
    cr_assert_null(rpc_server_find(&srv, T_PROG, 3));
    static struct rpc_program many[RPC_SERVER_PROGS_MAX];
    unsigned ok = 0;
    for (unsigned i = 0; i < RPC_SERVER_PROGS_MAX; i++) {
        many[i] = (struct rpc_program){ 0x30000000 + i, 1, "m", t_procs, 1, NULL };
        ok += rpc_server_register(&srv, &many[i]) == 0;
    }
    cr_assert_eq(ok, RPC_SERVER_PROGS_MAX - 2, "two slots were taken");
}
