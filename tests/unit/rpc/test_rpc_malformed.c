/*
 * tests/unit/rpc/test_rpc_malformed.c — the crafted hostile calls of
 * tests/traces/rpc-malformed.pcap (make-malformed-rpc.py, one comment per
 * frame) through spindle's engine: each gets the answer the SPINDLE column
 * of rpc-malformed.expect names (the RFC 5531 reply), or is dropped with
 * exactly the named counter going up; no memory is left held.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpctrace.h"
#include "testkit.h"

#include "apps/rpc/portmap.h"
#include "apps/rpc/programs.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

enum { ECHO_PORT = 40001 };

struct expect {
    unsigned frame;
    uint32_t xid;
    char spindle[48];
};

static size_t read_expect(struct expect *e, size_t max)
{
    char path[4096], line[512];
    snprintf(path, sizeof path, "%s/rpc-malformed.expect", testkit_traces());
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        struct expect t;
        if (sscanf(line, "%u %x %47s", &t.frame, &t.xid, t.spindle) != 3)
            continue;
        cr_assert_lt(n, max);
        e[n++] = t;
    }
    fclose(f);
    return n;
}

/* word - the .expect form of a reply (make-malformed-rpc.py's reply_word) */
static void word(const uint8_t *b, size_t n, char *w, size_t cap)
{
    struct rpc_reply r;
    cr_assert_eq(rpc_reply_decode(b, n, &r), 0);
    if (r.reply_stat == RPC_MSG_DENIED && r.reject_stat == RPC_MISMATCH)
        snprintf(w, cap, "RPC_MISMATCH(%u,%u)", r.low, r.high);
    else if (r.reply_stat == RPC_MSG_DENIED)
        snprintf(w, cap, "AUTH_ERROR(%s)", rpc_auth_stat_name(r.auth_stat));
    else if (r.accept_stat == RPC_PROG_MISMATCH)
        snprintf(w, cap, "PROG_MISMATCH(%u,%u)", r.low, r.high);
    else
        snprintf(w, cap, "%s", rpc_accept_stat_name(r.accept_stat));
}

/* counter - the index of counter @name of rpc_server.h */
static unsigned counter(const char *name)
{
    for (unsigned i = 0; i < RPC_SERVER_NCTR; i++)
        if (strcmp(rpc_server_ctr_names[i], name) == 0)
            return i;
    cr_assert_fail("no counter '%s'", name);
    return 0;
}

Test(rpc_malformed, each_hostile_call_gets_the_rfc_reply_or_is_dropped_and_counted)
{
    uint64_t live0 = kmem_live();
    struct rpc_server s111, s40001;
    struct rpc_pmap pm;
    cr_assert_eq(rpc_server_init(&s111, 64, 1 << 20), 0);
    cr_assert_eq(rpc_server_init(&s40001, 64, 1 << 20), 0);
    rpc_pmap_init(&pm, PMAP_PORT);
    cr_assert_eq(rpc_pmap_register(&pm, &s111), 0);
    cr_assert_eq(rpc_pmap_set(&pm, RPCECHO_PROG, 1, ECHO_PORT), 0);
    cr_assert_eq(rpc_pmap_set(&pm, XACT_PROG, 1, ECHO_PORT), 0);
    cr_assert_eq(rpc_server_register(&s40001, &rpcecho_program), 0);
    cr_assert_eq(rpc_server_register(&s40001, &latrpc_program), 0);

    struct expect e[128];
    size_t ne = read_expect(e, 128);
    struct rt_trace t;
    rt_load(&t, "rpc-malformed.pcap");
    cr_assert_eq(t.n, ne, "%zu UDP datagrams, %zu expectations", t.n, ne);
    unsigned answered = 0, dropped = 0;
    for (size_t i = 0; i < t.n; i++) {
        const struct rt_dgram *d = &t.d[i];
        cr_assert_eq(d->frame, e[i].frame, "datagram %zu is frame %u, the expectation says %u", i,
                     d->frame, e[i].frame);
        struct rpc_server *s = d->dport == PMAP_PORT ? &s111 : &s40001;
        struct rpc_peer peer = {
            .transport = RPC_XPRT_UDP,
            .addr = d->src,
            .port = d->sport,
            .local_addr = d->dst,
            .local_port = d->dport,
        };
        uint64_t before[RPC_SERVER_NCTR];
        memcpy(before, s->ctr, sizeof before);
        uint8_t out[9000];
        size_t on = 0;
        int v = rpc_server_dispatch(s, &peer, d->data, d->len, out, sizeof out, &on);
        if (strncmp(e[i].spindle, "drop:", 5) == 0) {
            cr_assert_eq(v, RPC_DROP, "frame %u: answered, expected %s", d->frame, e[i].spindle);
            unsigned c = counter(e[i].spindle + 5);
            for (unsigned k = 0; k < RPC_SERVER_NCTR; k++) {
                uint64_t delta = s->ctr[k] - before[k];
                uint64_t want = k == RPC_CTR_RX || k == c ? 1 : 0;
                cr_assert_eq(delta, want, "frame %u: counter %s moved by %lu", d->frame,
                             rpc_server_ctr_names[k], (unsigned long)delta);
            }
            dropped++;
            continue;
        }
        cr_assert_eq(v, RPC_SEND, "frame %u: dropped, expected %s", d->frame, e[i].spindle);
        cr_assert_eq(load_be32(out), e[i].xid, "frame %u: xid", d->frame);
        char w[64];
        word(out, on, w, sizeof w);
        cr_assert_str_eq(w, e[i].spindle, "frame %u: %s, expected %s", d->frame, w, e[i].spindle);
        answered++;
    }
    cr_assert_gt(answered, 0);
    cr_assert_gt(dropped, 0);
    rt_free(&t);
    rpc_server_fini(&s111);
    rpc_server_fini(&s40001);
    cr_assert_eq(kmem_live(), live0, "memory held after the trace");
}
