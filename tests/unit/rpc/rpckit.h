/*
 * tests/unit/rpc/rpckit.h — what the RPC unit tests share: building calls
 * word by word (to make them malformed on purpose), running one through a
 * server, and reading the reply back.
 */
#ifndef SPINDLE_TESTS_RPCKIT_H
#define SPINDLE_TESTS_RPCKIT_H

#include <stddef.h>
#include <stdint.h>
#include "apps/rpc/rpc_server.h"

/** A message under construction: big-endian words and bytes. */
struct rk_msg {
    uint8_t b[16384];
    size_t n;
};

/** rk_u32 - append a word. */
void rk_u32(struct rk_msg *m, uint32_t v);
/** rk_bytes - append @n bytes and their XDR padding. */
void rk_opaque(struct rk_msg *m, const void *p, size_t n);
/** rk_call - a CALL header (AUTH_NONE credential and verifier) into a fresh @m. */
void rk_call(struct rk_msg *m, uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc);

/** The client the tests pretend to be: 10.77.0.1:@port to 10.77.0.2:@lport over UDP. */
struct rpc_peer rk_peer(uint16_t port, uint16_t lport);

/** One reply as the server produced it. */
struct rk_reply {
    int verdict; /* enum rpc_verdict */
    uint8_t b[16384];
    size_t n;
    struct rpc_reply r; /* decoded header (valid when verdict is RPC_SEND) */
};

/**
 * rk_run - rpc_server_dispatch of @m from @peer into @out (reply buffer of
 * @cap bytes, at most sizeof out->b); decodes the header of a reply and
 * asserts it is well formed and carries the call's xid.
 */
void rk_run(struct rpc_server *s, const struct rpc_peer *peer, const struct rk_msg *m, size_t cap,
            struct rk_reply *out);

/** rk_word - the big-endian word at byte offset @off of @b. */
uint32_t rk_word(const uint8_t *b, size_t off);

#endif
