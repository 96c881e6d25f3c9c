/*
 * apps/rpc/rpc_drc.c — the duplicate-request cache (see rpc_drc.h for the
 * key, the states, the bounds and the cost).
 */
#include "apps/rpc/rpc_drc.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

int rpc_drc_init(struct rpc_drc *d, unsigned entries, size_t max_bytes)
{
    memset(d, 0, sizeof *d);
    d->oldest = d->newest = -1;
    if (entries > 4096)
        return -KE_INVAL;
    if (entries == 0)
        return 0;
    uint32_t nb = 1;
    while (nb < entries)
        nb <<= 1;
    d->e = kmalloc(entries * sizeof *d->e);
    d->bucket = kmalloc(nb * sizeof *d->bucket);
    d->free_slots = kmalloc(entries * sizeof *d->free_slots);
    if (!d->e || !d->bucket || !d->free_slots) {
        kfree(d->e);
        kfree(d->bucket);
        kfree(d->free_slots);
        memset(d, 0, sizeof *d);
        d->oldest = d->newest = -1;
        return -KE_NOMEM;
    }
    d->entries = entries;
    d->max_bytes = max_bytes;
    d->nbuckets = nb;
    for (uint32_t i = 0; i < nb; i++)
        d->bucket[i] = -1;
    /* slot 0 on top: slots are taken in order while the cache fills */
    for (unsigned i = 0; i < entries; i++)
        d->free_slots[i] = (int32_t)(entries - 1 - i);
    d->nfree = entries;
    return 0;
}

/* bucket_of - the index bucket of key @k: its hash mixed with the xid and the peer. */
static uint32_t bucket_of(const struct rpc_drc *d, const struct rpc_drc_key *k)
{
    uint32_t h = k->hash ^ (k->xid * 2654435761u) ^ (k->peer.addr * 40503u) ^ k->peer.port;
    h ^= h >> 15;
    return h & (d->nbuckets - 1);
}

static bool same(const struct rpc_drc_key *a, const struct rpc_drc_key *b)
{
    return a->xid == b->xid && a->peer.transport == b->peer.transport &&
           a->peer.addr == b->peer.addr && a->peer.port == b->peer.port && a->prog == b->prog &&
           a->vers == b->vers && a->proc == b->proc && a->len == b->len && a->hash == b->hash;
}

/* clear - free slot @e: its reply, its place in the index and in the insertion order. */
static void clear(struct rpc_drc *d, struct rpc_drc_entry *e)
{
    int32_t slot = (int32_t)(e - d->e);
    if (e->reply) {
        d->bytes -= e->reply_len;
        if (e->reply != e->inline_reply)
            kfree(e->reply);
    }
    e->reply = NULL;
    e->reply_len = 0;
    if (e->state != RPC_DRC_FREE) {
        for (int32_t *pp = &d->bucket[bucket_of(d, &e->key)]; *pp >= 0; pp = &d->e[*pp].hnext) {
            if (*pp == slot) {
                *pp = e->hnext;
                break;
            }
        }
        if (e->older >= 0)
            d->e[e->older].newer = e->newer;
        else
            d->oldest = e->newer;
        if (e->newer >= 0)
            d->e[e->newer].older = e->older;
        else
            d->newest = e->older;
        d->free_slots[d->nfree++] = slot;
    }
    e->state = RPC_DRC_FREE;
    e->gen++;
}

void rpc_drc_fini(struct rpc_drc *d)
{
    for (unsigned i = 0; i < d->entries; i++)
        clear(d, &d->e[i]);
    kfree(d->e);
    kfree(d->bucket);
    kfree(d->free_slots);
    memset(d, 0, sizeof *d);
    d->oldest = d->newest = -1;
}

void rpc_drc_key_make(struct rpc_drc_key *k, const struct rpc_peer *peer, uint32_t xid,
                      uint32_t prog, uint32_t vers, uint32_t proc, const void *msg, size_t len)
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

/* oldest_done - the DONE entry inserted first, or NULL (the calls in
 * progress ahead of it in insertion order are skipped). */
static struct rpc_drc_entry *oldest_done(struct rpc_drc *d)
{
    for (int32_t i = d->oldest; i >= 0; i = d->e[i].newer)
        if (d->e[i].state == RPC_DRC_DONE)
            return &d->e[i];
    return NULL;
}

int rpc_drc_lookup(struct rpc_drc *d, const struct rpc_drc_key *k, struct rpc_drc_ref *ref,
                   const uint8_t **reply, size_t *reply_len)
{
    ref->slot = -1;
    ref->gen = 0;
    if (d->entries == 0)
        return RPC_DRC_MISS;
    uint32_t b = bucket_of(d, k);
    for (int32_t i = d->bucket[b]; i >= 0; i = d->e[i].hnext) {
        struct rpc_drc_entry *e = &d->e[i];
        if (!same(&e->key, k))
            continue;
        if (e->state == RPC_DRC_IN_PROGRESS)
            return RPC_DRC_BUSY;
        *reply = e->reply;
        *reply_len = e->reply_len;
        return RPC_DRC_HIT;
    }
    if (d->nfree == 0) {
        struct rpc_drc_entry *victim = oldest_done(d);
        if (!victim)
            return RPC_DRC_FULL;
        clear(d, victim);
    }
    int32_t slot = d->free_slots[--d->nfree];
    struct rpc_drc_entry *e = &d->e[slot];
    e->key = *k;
    e->state = RPC_DRC_IN_PROGRESS;
    e->seq = d->next_seq++;
    e->hnext = d->bucket[b];
    d->bucket[b] = slot;
    e->newer = -1;
    e->older = d->newest;
    if (d->newest >= 0)
        d->e[d->newest].newer = slot;
    else
        d->oldest = slot;
    d->newest = slot;
    ref->slot = slot;
    ref->gen = e->gen;
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
    uint8_t *copy = len <= RPC_DRC_INLINE ? e->inline_reply : kmalloc(len);
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
    return d->entries - d->nfree;
}

size_t rpc_drc_bytes(const struct rpc_drc *d)
{
    return d->bytes;
}
