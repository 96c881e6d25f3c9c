/*
 * apps/rpc/rpc_drc.c — the duplicate-request cache (see rpc_drc.h for the
 * key, the states and the bounds).
 */
#include "apps/rpc/rpc_drc.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

int rpc_drc_init(struct rpc_drc *d, unsigned entries, size_t max_bytes)
{
    memset(d, 0, sizeof *d);
    if (entries > 4096)
        return -KE_INVAL;
    if (entries == 0)
        return 0;
    d->e = kmalloc(entries * sizeof *d->e);
    if (!d->e)
        return -KE_NOMEM;
    d->entries = entries;
    d->max_bytes = max_bytes;
    return 0;
}

static void clear(struct rpc_drc *d, struct rpc_drc_entry *e)
{
    if (e->reply) {
        d->bytes -= e->reply_len;
        kfree(e->reply);
    }
    e->reply = NULL;
    e->reply_len = 0;
    e->state = RPC_DRC_FREE;
    e->gen++;
}

void rpc_drc_fini(struct rpc_drc *d)
{
    for (unsigned i = 0; i < d->entries; i++)
        clear(d, &d->e[i]);
    kfree(d->e);
    memset(d, 0, sizeof *d);
}

void rpc_drc_key_make(struct rpc_drc_key *k, const struct rpc_peer *peer, uint32_t xid, uint32_t prog,
                      uint32_t vers, uint32_t proc, const void *msg, size_t len)
{
    memset(k, 0, sizeof *k);
    k->peer = *peer;
    k->xid = xid;
    k->prog = prog;
    k->vers = vers;
    k->proc = proc;
    k->len = (uint32_t)len;
    /* FNV-1a, 32 bits (offset basis 2166136261, prime 16777619) */
    uint32_t h = 2166136261u;
    const uint8_t *b = msg;
    size_t n = len < RPC_DRC_HASH_BYTES ? len : RPC_DRC_HASH_BYTES;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    k->hash = h;
}

static bool same(const struct rpc_drc_key *a, const struct rpc_drc_key *b)
{
    return a->xid == b->xid && a->peer.transport == b->peer.transport && a->peer.addr == b->peer.addr &&
           a->peer.port == b->peer.port && a->prog == b->prog && a->vers == b->vers && a->proc == b->proc &&
           a->len == b->len && a->hash == b->hash;
}

/* oldest_done - the DONE entry inserted first, or NULL. */
static struct rpc_drc_entry *oldest_done(struct rpc_drc *d)
{
    struct rpc_drc_entry *o = NULL;
    for (unsigned i = 0; i < d->entries; i++) {
        struct rpc_drc_entry *e = &d->e[i];
        if (e->state == RPC_DRC_DONE && (!o || e->seq < o->seq))
            o = e;
    }
    return o;
}

int rpc_drc_lookup(struct rpc_drc *d, const struct rpc_drc_key *k, struct rpc_drc_ref *ref,
                   const uint8_t **reply, size_t *reply_len)
{
    ref->slot = -1;
    ref->gen = 0;
    struct rpc_drc_entry *free_e = NULL;
    for (unsigned i = 0; i < d->entries; i++) {
        struct rpc_drc_entry *e = &d->e[i];
        if (e->state == RPC_DRC_FREE) {
            if (!free_e)
                free_e = e;
            continue;
        }
        if (!same(&e->key, k))
            continue;
        if (e->state == RPC_DRC_IN_PROGRESS)
            return RPC_DRC_BUSY;
        *reply = e->reply;
        *reply_len = e->reply_len;
        return RPC_DRC_HIT;
    }
    if (d->entries == 0)
        return RPC_DRC_MISS;
    if (!free_e) {
        free_e = oldest_done(d);
        if (!free_e)
            return RPC_DRC_FULL;
        clear(d, free_e);
    }
    free_e->key = *k;
    free_e->state = RPC_DRC_IN_PROGRESS;
    free_e->seq = d->next_seq++;
    ref->slot = (int)(free_e - d->e);
    ref->gen = free_e->gen;
    return RPC_DRC_MISS;
}

static struct rpc_drc_entry *deref(struct rpc_drc *d, struct rpc_drc_ref ref)
{
    if (ref.slot < 0 || (unsigned)ref.slot >= d->entries)
        return NULL;
    struct rpc_drc_entry *e = &d->e[ref.slot];
    if (e->gen != ref.gen || e->state != RPC_DRC_IN_PROGRESS)
        return NULL;
    return e;
}

int rpc_drc_complete(struct rpc_drc *d, struct rpc_drc_ref ref, const void *reply, size_t len)
{
    struct rpc_drc_entry *e = deref(d, ref);
    if (!e)
        return 0;
    if (len > d->max_bytes || len == 0) {
        clear(d, e);
        return -KE_TOOBIG;
    }
    while (d->bytes + len > d->max_bytes) {
        struct rpc_drc_entry *o = oldest_done(d);
        if (!o)
            break;
        clear(d, o);
    }
    if (d->bytes + len > d->max_bytes) {
        clear(d, e);
        return -KE_TOOBIG;
    }
    uint8_t *copy = kmalloc(len);
    if (!copy) {
        clear(d, e);
        return -KE_NOMEM;
    }
    memcpy(copy, reply, len);
    e->reply = copy;
    e->reply_len = len;
    d->bytes += len;
    e->state = RPC_DRC_DONE;
    return 0;
}

void rpc_drc_forget(struct rpc_drc *d, struct rpc_drc_ref ref)
{
    struct rpc_drc_entry *e = deref(d, ref);
    if (e)
        clear(d, e);
}

unsigned rpc_drc_used(const struct rpc_drc *d)
{
    unsigned n = 0;
    for (unsigned i = 0; i < d->entries; i++)
        n += d->e[i].state != RPC_DRC_FREE;
    return n;
}

size_t rpc_drc_bytes(const struct rpc_drc *d)
{
    return d->bytes;
}
