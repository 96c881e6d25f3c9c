/* tests/unit/rpc/rpckit.c — see rpckit.h. */
#include "rpckit.h"

#include <criterion/criterion.h>
#include <string.h>

#include "kernel/klib.h"

void rk_u32(struct rk_msg *m, uint32_t v)
{
    cr_assert_leq(m->n + 4, sizeof m->b);
    store_be32(m->b + m->n, v);
    m->n += 4;
}

void rk_opaque(struct rk_msg *m, const void *p, size_t n)
{
    size_t padded = (n + 3) & ~(size_t)3;
    cr_assert_leq(m->n + padded, sizeof m->b);
    if (n)
        memcpy(m->b + m->n, p, n);
    memset(m->b + m->n + n, 0, padded - n);
    m->n += padded;
}

void rk_call(struct rk_msg *m, uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc)
{
    m->n = 0;
    rk_u32(m, xid);
    rk_u32(m, RPC_CALL);
    rk_u32(m, RPC_VERS);
    rk_u32(m, prog);
    rk_u32(m, vers);
    rk_u32(m, proc);
    rk_u32(m, RPC_AUTH_NONE);
    rk_u32(m, 0);
    rk_u32(m, RPC_AUTH_NONE);
    rk_u32(m, 0);
}

struct rpc_peer rk_peer(uint16_t port, uint16_t lport)
{
    struct rpc_peer p = {
        .transport = RPC_XPRT_UDP,
        .addr = 0x0a4d0001,
        .port = port,
        .local_addr = 0x0a4d0002,
        .local_port = lport,
    };
    return p;
}

void rk_run(struct rpc_server *s, const struct rpc_peer *peer, const struct rk_msg *m, size_t cap,
            struct rk_reply *out)
{
    cr_assert_leq(cap, sizeof out->b);
    memset(out, 0, sizeof *out);
    out->verdict = rpc_server_dispatch(s, peer, m->b, m->n, out->b, cap, &out->n);
    if (out->verdict != RPC_SEND)
        return;
    cr_assert_leq(out->n, cap);
    cr_assert_eq(rpc_reply_decode(out->b, out->n, &out->r), 0,
                 "the server wrote a malformed reply");
    cr_assert_eq(out->r.xid, rk_word(m->b, 0), "reply xid");
}

uint32_t rk_word(const uint8_t *b, size_t off)
{
    return load_be32(b + off);
}
