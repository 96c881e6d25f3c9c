/*
 * tests/fuzz/fuzz_rpc.c — libFuzzer target over ONC RPC: CALL decoding
 * (apps/rpc/rpc_msg.h), the server engine with its duplicate-request cache,
 * the portmapper and the programs (apps/rpc/), reply decoding on the client
 * side (apps/rpc/rpc_client.h) and the XDR stream (kernel/lib/xdr.h).
 *
 * The first byte of an input chooses the path: bit 0 the server (the
 * portmapper on 111, or rpcecho, lat_rpc and spstats on 40001), bit 1
 * bounded (dispatch) or asynchronous (decide, then execute, a pending
 * procedure abandoned), bits 2-3 the client port (so the cache sees
 * retransmissions), bits 4-5 the reply buffer (24, 64, 1500 or 9000 bytes).
 * The rest is one UDP payload. Every input is also parsed as a REPLY and
 * as a list of rpcb entries. After every input the cache must be within its
 * bounds; the servers persist, so the cache fills, evicts and hits.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true -Dsanitize=true
 * Run:   build-fuzz/tests/fuzz/fuzz-rpc CORPUS_DIR -max_total_time=60
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/rpc/portmap.h"
#include "apps/rpc/programs.h"
#include "apps/rpc/rpc_client.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

enum { DRC_ENTRIES = 32, DRC_BYTES = 65536 };

static struct rpc_server s111, s40001;
static struct rpc_pmap pm;
static bool ready;

static void setup(void)
{
    if (rpc_server_init(&s111, DRC_ENTRIES, DRC_BYTES) ||
        rpc_server_init(&s40001, DRC_ENTRIES, DRC_BYTES))
        abort();
    rpc_pmap_init(&pm, PMAP_PORT);
    if (rpc_pmap_register(&pm, &s111) || rpc_pmap_set(&pm, RPCECHO_PROG, 1, 40001) ||
        rpc_pmap_set(&pm, XACT_PROG, 1, 40001) || rpc_server_register(&s40001, &rpcecho_program) ||
        rpc_server_register(&s40001, &latrpc_program) ||
        rpc_server_register(&s40001, &spstats_program))
        abort();
    ready = true;
}

static bool rpcb_entry(struct xdr *x, void *unused)
{
    uint32_t prog, vers;
    char netid[32], addr[64], owner[32];
    xdr_u32(x, &prog);
    xdr_u32(x, &vers);
    xdr_cstring(x, netid, sizeof netid, 31);
    xdr_cstring(x, addr, sizeof addr, 63);
    return xdr_cstring(x, owner, sizeof owner, 31);
}

/* results of a DUMP: a list, bounded by the bytes it comes in */
static bool rpcb_list(struct xdr *x, void *unused)
{
    bool more;
    while (xdr_optional(x, &more) && more)
        rpcb_entry(x, NULL);
    return xdr_ok(x);
}

static void check_bounds(const struct rpc_server *s)
{
    if (rpc_drc_used(&s->drc) > DRC_ENTRIES || rpc_drc_bytes(&s->drc) > DRC_BYTES) {
        fprintf(stderr, "fuzz-rpc: the duplicate-request cache is over its bounds\n");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready)
        setup();
    if (size < 1 || size > 9000)
        return 0;
    static const size_t caps[4] = { 24, 64, 1500, 9000 };
    uint8_t sel = data[0];
    const uint8_t *msg = data + 1;
    size_t len = size - 1;
    /* a private copy, so a read past the input is a heap overflow ASan sees */
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return 0;
    memcpy(copy, msg, len);
    struct rpc_server *s = sel & 1 ? &s40001 : &s111;
    struct rpc_peer peer = {
        .transport = RPC_XPRT_UDP,
        .addr = 0x0a4d0001,
        .port = 700 + ((sel >> 2) & 3),
        .local_addr = 0x0a4d0002,
        .local_port = sel & 1 ? 40001 : PMAP_PORT,
    };
    size_t cap = caps[(sel >> 4) & 3], n = 0;
    uint8_t *out = malloc(cap);
    if (!out) {
        free(copy);
        return 0;
    }
    if (sel & 2) {
        struct rpc_work *w = kmalloc(sizeof *w);
        if (w && rpc_server_decide(s, &peer, copy, len, w, out, cap, &n) == RPC_EXECUTE) {
            int v = rpc_server_execute(w, out, cap, &n);
            if (v == -KE_AGAIN)
                rpc_server_abandon(w);
        }
        kfree(w);
    } else {
        rpc_server_dispatch(s, &peer, copy, len, out, cap, &n);
    }
    if (n > cap)
        abort();
    check_bounds(s);

    /* the same bytes as a reply, decoded as a DUMP's results */
    enum rpc_clnt_stat st;
    struct rpc_reply r;
    rpc_clnt_parse_reply(copy, len, len >= 4 ? load_be32(copy) : 0, rpcb_list, NULL, &st, &r);
    struct rpc_call c;
    rpc_call_decode(copy, len, &c);
    free(out);
    free(copy);
    return 0;
}
