/*
 * tests/unit/rpc/test_portmap.c — the portmapper (apps/rpc/portmap.h, RFC
 * 1833) through the server engine: GETPORT, GETADDR and GETVERSADDR with
 * universal addresses, both DUMPs, SET/UNSET refused with AUTH_TOOWEAK,
 * CALLIT silent, PROG_MISMATCH 2..4 for other versions; and the spstats
 * program over kernel/stats.h.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "rpckit.h"

#include "apps/rpc/portmap.h"
#include "apps/rpc/programs.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/stats.h"

static struct rpc_server srv;
static struct rpc_pmap pm;
static struct rpc_peer peer;

static void setup(void)
{
    cr_assert_eq(rpc_server_init(&srv, 16, 65536), 0);
    rpc_pmap_init(&pm, PMAP_PORT);
    cr_assert_eq(rpc_pmap_register(&pm, &srv), 0);
    cr_assert_eq(rpc_pmap_set(&pm, RPCECHO_PROG, 1, 0xcdf4), 0);
    cr_assert_eq(rpc_pmap_set(&pm, XACT_PROG, 1, 4040), 0);
    peer = rk_peer(977, PMAP_PORT);
}
static void teardown(void)
{
    rpc_server_fini(&srv);
}
TestSuite(portmap, .init = setup, .fini = teardown);

static void mapping(struct rk_msg *m, uint32_t proc, uint32_t prog, uint32_t vers, uint32_t prot)
{
    rk_call(m, 0x100 + proc, PMAP_PROG, PMAP_VERS, proc);
    rk_u32(m, prog);
    rk_u32(m, vers);
    rk_u32(m, prot);
    rk_u32(m, 0);
}

static void str(struct rk_msg *m, const char *s)
{
    rk_u32(m, (uint32_t)strlen(s));
    rk_opaque(m, s, strlen(s));
}

static void rpcb(struct rk_msg *m, uint32_t vers, uint32_t proc, uint32_t prog, uint32_t pvers,
                 const char *netid)
{
    rk_call(m, 0x200 + proc, PMAP_PROG, vers, proc);
    rk_u32(m, prog);
    rk_u32(m, pvers);
    str(m, netid);
    str(m, "");
    str(m, "");
}

/* the string result of a reply */
static void result_string(const struct rk_reply *o, char *s, size_t cap)
{
    cr_assert_eq(o->r.accept_stat, RPC_SUCCESS);
    uint32_t n = rk_word(o->b, o->r.results_off);
    cr_assert_lt(n, cap);
    cr_assert_eq(o->n, o->r.results_off + 4 + ((n + 3) & ~3u));
    memcpy(s, o->b + o->r.results_off + 4, n);
    s[n] = '\0';
}

Test(portmap, getport_answers_udp_ports_of_any_version)
{
    struct rk_msg m;
    struct rk_reply o;
    mapping(&m, PMAPPROC_GETPORT, RPCECHO_PROG, 1, 17);
    rk_run(&srv, &peer, &m, 1500, &o);
    cr_assert_eq(rk_word(o.b, o.r.results_off), 0xcdf4);
    mapping(&m, PMAPPROC_GETPORT, RPCECHO_PROG, 2, 17); /* rpcbind: another version's port */
    rk_run(&srv, &peer, &m, 1500, &o);
    cr_assert_eq(rk_word(o.b, o.r.results_off), 0xcdf4);
    mapping(&m, PMAPPROC_GETPORT, RPCECHO_PROG, 1, 6); /* TCP: none here */
    rk_run(&srv, &peer, &m, 1500, &o);
    cr_assert_eq(rk_word(o.b, o.r.results_off), 0);
    mapping(&m, PMAPPROC_GETPORT, 123456, 1, 17);
    rk_run(&srv, &peer, &m, 1500, &o);
    cr_assert_eq(o.r.accept_stat, RPC_SUCCESS);
    cr_assert_eq(rk_word(o.b, o.r.results_off), 0);
    cr_assert_eq(o.n, 28);
    /* arguments cut short: GARBAGE_ARGS (RFC 5531), not rpcbind's SUCCESS */
    mapping(&m, PMAPPROC_GETPORT, RPCECHO_PROG, 1, 17);
    m.n -= 8;
    rk_run(&srv, &peer, &m, 1500, &o);
    cr_assert_eq(o.r.accept_stat, RPC_GARBAGE_ARGS);
}

Test(portmap, getaddr_answers_a_universal_address_on_the_called_address)
{
    struct rk_msg m;
    struct rk_reply o;
    char s[64];
    for (uint32_t v = RPCBVERS; v <= RPCBVERS4; v++) {
        rpcb(&m, v, RPCBPROC_GETADDR, RPCECHO_PROG, 1, "udp");
        rk_run(&srv, &peer, &m, 1500, &o);
        result_string(&o, s, sizeof s);
        cr_assert_str_eq(s, "10.77.0.2.205.244");
        rpcb(&m, v, RPCBPROC_GETADDR, RPCECHO_PROG, 9,
             "tcp"); /* any version, the caller's transport */
        rk_run(&srv, &peer, &m, 1500, &o);
        result_string(&o, s, sizeof s);
        cr_assert_str_eq(s, "10.77.0.2.205.244");
        rpcb(&m, v, RPCBPROC_GETADDR, PMAP_PROG, 2, "udp");
        rk_run(&srv, &peer, &m, 1500, &o);
        result_string(&o, s, sizeof s);
        cr_assert_str_eq(s, "10.77.0.2.0.111");
        rpcb(&m, v, RPCBPROC_GETADDR, 123456, 1, "udp");
        rk_run(&srv, &peer, &m, 1500, &o);
        result_string(&o, s, sizeof s);
        cr_assert_str_eq(s, "");
    }
    /* GETVERSADDR (v4): that version only */
    rpcb(&m, RPCBVERS4, RPCBPROC_GETVERSADDR, RPCECHO_PROG, 2, "udp");
    rk_run(&srv, &peer, &m, 1500, &o);
    result_string(&o, s, sizeof s);
    cr_assert_str_eq(s, "");
    rpcb(&m, RPCBVERS4, RPCBPROC_GETVERSADDR, XACT_PROG, 1, "udp");
    rk_run(&srv, &peer, &m, 1500, &o);
    result_string(&o, s, sizeof s);
    cr_assert_str_eq(s, "10.77.0.2.15.200");
}

Test(portmap, set_and_unset_from_the_network_are_refused_as_too_weak)
{
    struct rk_msg m;
    struct rk_reply o;
    mapping(&m, PMAPPROC_SET, 0x20000123, 1, 17);
    rk_run(&srv, &peer, &m, 1500, &o);
    cr_assert_eq(o.r.reply_stat, RPC_MSG_DENIED);
    cr_assert_eq(o.r.auth_stat, RPC_AUTH_TOOWEAK);
    mapping(&m, PMAPPROC_UNSET, RPCECHO_PROG, 1, 17);
    rk_run(&srv, &peer, &m, 1500, &o);
    cr_assert_eq(o.r.auth_stat, RPC_AUTH_TOOWEAK);
    for (uint32_t v = RPCBVERS; v <= RPCBVERS4; v++) {
        rpcb(&m, v, RPCBPROC_SET, 0x20000123, 1, "udp");
        rk_run(&srv, &peer, &m, 1500, &o);
        cr_assert_eq(o.r.auth_stat, RPC_AUTH_TOOWEAK);
        rpcb(&m, v, RPCBPROC_UNSET, RPCECHO_PROG, 1, "udp");
        rk_run(&srv, &peer, &m, 1500, &o);
        cr_assert_eq(o.r.auth_stat, RPC_AUTH_TOOWEAK);
    }
    cr_assert_eq(srv.ctr[RPC_CTR_AUTH_TOOWEAK], 6);
    cr_assert_not_null(rpc_pmap_lookup(&pm, RPCECHO_PROG, 1, false), "nothing changed");
    cr_assert_null(rpc_pmap_lookup(&pm, 0x20000123, 1, true));
}

Test(portmap, remote_calls_get_no_answer_and_other_versions_a_mismatch)
{
    struct rk_msg m;
    struct rk_reply o;
    static const uint32_t vp[][2] = { { 2, PMAPPROC_CALLIT },
                                      { 3, RPCBPROC_CALLIT },
                                      { 4, RPCBPROC_BCAST } };
    for (size_t i = 0; i < 3; i++) {
        rk_call(&m, 50 + (uint32_t)i, PMAP_PROG, vp[i][0], vp[i][1]);
        rk_u32(&m, RPCECHO_PROG);
        rk_u32(&m, 1);
        rk_u32(&m, 0);
        rk_u32(&m, 0);
        rk_run(&srv, &peer, &m, 1500, &o);
        cr_assert_eq(o.verdict, RPC_DROP);
    }
    cr_assert_eq(srv.ctr[RPC_CTR_PROC_DROPPED], 3);
    rk_call(&m, 60, PMAP_PROG, 4, RPCBPROC_INDIRECT);
    rk_run(&srv, &peer, &m, 1500, &o);
    cr_assert_eq(o.r.accept_stat, RPC_SYSTEM_ERR);
    rk_call(&m, 61, PMAP_PROG, 3, RPCBPROC_GETTIME);
    rk_run(&srv, &peer, &m, 1500, &o);
    cr_assert_eq(o.r.accept_stat, RPC_PROC_UNAVAIL);
    for (uint32_t v = 0; v < 8; v += 5) {
        rk_call(&m, 62, PMAP_PROG, v == 0 ? 1 : v, 0);
        rk_run(&srv, &peer, &m, 1500, &o);
        cr_assert_eq(o.r.accept_stat, RPC_PROG_MISMATCH);
        cr_assert(o.r.low == 2 && o.r.high == 4);
    }
}

Test(portmap, dump_v2_lists_mappings_and_v3_rpcb_entries_in_registration_order)
{
    struct rk_msg m;
    struct rk_reply o;
    rk_call(&m, 70, PMAP_PROG, PMAP_VERS, PMAPPROC_DUMP);
    rk_run(&srv, &peer, &m, 1500, &o);
    size_t off = o.r.results_off;
    static const uint32_t want[][2] = {
        { PMAP_PROG, 4 }, { PMAP_PROG, 3 }, { PMAP_PROG, 2 }, { RPCECHO_PROG, 1 }, { XACT_PROG, 1 }
    };
    static const uint32_t ports[] = { 111, 111, 111, 0xcdf4, 4040 };
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(rk_word(o.b, off), 1, "more");
        cr_assert_eq(rk_word(o.b, off + 4), want[i][0]);
        cr_assert_eq(rk_word(o.b, off + 8), want[i][1]);
        cr_assert_eq(rk_word(o.b, off + 12), 17);
        cr_assert_eq(rk_word(o.b, off + 16), ports[i]);
        off += 20;
    }
    cr_assert_eq(rk_word(o.b, off), 0, "end of list");
    cr_assert_eq(o.n, off + 4);

    rk_call(&m, 71, PMAP_PROG, RPCBVERS, RPCBPROC_DUMP);
    rk_run(&srv, &peer, &m, 1500, &o);
    struct xdr x;
    xdr_init_decode(&x, o.b + o.r.results_off, o.n - o.r.results_off, XDR_STRICT_PAD);
    bool more;
    size_t i = 0;
    while (xdr_optional(&x, &more) && more) {
        uint32_t prog, vers;
        char netid[16], addr[32], owner[16], uaddr[32];
        xdr_u32(&x, &prog);
        xdr_u32(&x, &vers);
        xdr_cstring(&x, netid, sizeof netid, 15);
        xdr_cstring(&x, addr, sizeof addr, 31);
        xdr_cstring(&x, owner, sizeof owner, 15);
        cr_assert(xdr_ok(&x));
        cr_assert_lt(i, 5);
        cr_assert(prog == want[i][0] && vers == want[i][1]);
        cr_assert_str_eq(netid, "udp");
        rpc_uaddr_format(uaddr, sizeof uaddr, 0, (uint16_t)ports[i]);
        cr_assert_str_eq(addr, uaddr);
        cr_assert_str_eq(owner, "superuser");
        i++;
    }
    cr_assert(xdr_ok(&x));
    cr_assert_eq(i, 5);
    cr_assert_eq(xdr_remaining(&x), 0);
}

Test(portmap, registry_rules_and_universal_addresses)
{
    cr_assert_eq(rpc_pmap_set(&pm, RPCECHO_PROG, 1, 1), -KE_EXIST);
    cr_assert_eq(rpc_pmap_set(&pm, RPCECHO_PROG, 2, 0), -KE_INVAL);
    cr_assert_eq(rpc_pmap_unset(&pm, RPCECHO_PROG, 1), 0);
    cr_assert_eq(rpc_pmap_unset(&pm, RPCECHO_PROG, 1), -KE_NOENT);
    unsigned ok = 0;
    for (uint32_t i = 0; i < RPC_PMAP_MAX; i++)
        ok += rpc_pmap_set(&pm, 0x20001000 + i, 1, 1000) == 0;
    cr_assert_eq(ok, RPC_PMAP_MAX - 4);
    char s[24];
    cr_assert_eq(rpc_uaddr_format(s, sizeof s, 0xffffffff, 65535), 23);
    cr_assert_str_eq(s, "255.255.255.255.255.255");
    rpc_uaddr_format(s, sizeof s, 0, 111);
    cr_assert_str_eq(s, "0.0.0.0.0.111");
    struct rpc_server other;
    cr_assert_eq(rpc_server_init(&other, 0, 0), 0);
    cr_assert_eq(rpc_pmap_register(&pm, &other), 0);
    cr_assert_eq(rpc_pmap_register(&pm, &other), -KE_EXIST);
    cr_assert_eq(other.nprogs, 3, "a failed registration leaves nothing behind");
    rpc_pmap_unregister(&pm, &other);
    cr_assert_eq(other.nprogs, 0);
    rpc_server_fini(&other);
}

/* --- spstats over kernel/stats.h ---------------------------------------- */

static const char *const t_names[3] = { "rx", "tx", "a_counter_name_longer_than_32_bytes" };
static uint64_t t_vals[3] = { 5, 0x1122334455667788ull, 7 };
static struct kstat_group t_group = KSTAT_GROUP("rpc-test-node", t_names, t_vals);

Test(portmap, spstats_lists_nodes_and_reads_counters)
{
    cr_assert_eq(rpc_server_register(&srv, &spstats_program), 0);
    kstats_register(&t_group);
    struct rk_msg m;
    struct rk_reply o;
    rk_call(&m, 80, SPSTATS_PROG, 1, SPSTATS_NODES);
    rk_run(&srv, &peer, &m, 8192, &o);
    struct xdr x;
    xdr_init_decode(&x, o.b + o.r.results_off, o.n - o.r.results_off, 0);
    int32_t status = -1;
    uint32_t n = 0;
    xdr_enum(&x, &status);
    xdr_array_count(&x, &n, SPSTATS_NODES_MAX);
    cr_assert(xdr_ok(&x) && status == SPSTATS_OK && n >= 1);
    bool found = false;
    for (uint32_t i = 0; i < n; i++) {
        char name[33];
        cr_assert(xdr_cstring(&x, name, sizeof name, 32));
        found |= strcmp(name, "rpc-test-node") == 0;
    }
    cr_assert(found);
    cr_assert_eq(xdr_remaining(&x), 0);

    rk_call(&m, 81, SPSTATS_PROG, 1, SPSTATS_GET);
    str(&m, "rpc-test-node");
    rk_run(&srv, &peer, &m, 8192, &o);
    xdr_init_decode(&x, o.b + o.r.results_off, o.n - o.r.results_off, 0);
    xdr_enum(&x, &status);
    xdr_array_count(&x, &n, SPSTATS_COUNTERS_MAX);
    cr_assert(xdr_ok(&x) && status == SPSTATS_OK && n == 3);
    for (uint32_t i = 0; i < n; i++) {
        char name[33];
        uint64_t v;
        xdr_cstring(&x, name, sizeof name, 32);
        xdr_u64(&x, &v);
        cr_assert(xdr_ok(&x));
        cr_assert_eq(strncmp(name, t_names[i], 32), 0, "%s", name);
        cr_assert_eq(v, t_vals[i]);
    }
    cr_assert_eq(xdr_remaining(&x), 0);

    rk_call(&m, 82, SPSTATS_PROG, 1, SPSTATS_GET);
    str(&m, "no-such-node");
    rk_run(&srv, &peer, &m, 8192, &o);
    cr_assert_eq(o.n, o.r.results_off + 4);
    cr_assert_eq(rk_word(o.b, o.r.results_off), SPSTATS_NOENT);
    kstats_unregister(&t_group);
}
