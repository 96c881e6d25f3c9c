/*
 * apps/rpc/rpc_drc.h — the duplicate-request cache of an RPC server.
 *
 * RFC 5531 section 5 leaves execution semantics to the transport: over UDP
 * a client that hears nothing retransmits the same call (same xid), and a
 * server without memory of it executes it again. The cache remembers, per
 * executed call, the reply sent, so a retransmission is answered with the
 * same bytes and the procedure runs at most once while the entry lives
 * (the design of Juszczak's "Improving the performance and correctness of
 * an NFS server", USENIX 1989, which every NFS server follows).
 *
 * Key: the transport and peer (address and port, or VC), xid, program,
 * version, procedure, the message length and a 32-bit FNV-1a hash of its
 * first RPC_DRC_HASH_BYTES bytes — so a client that restarts and reuses an
 * xid for a different call is not answered from the cache.
 *
 * States: IN_PROGRESS from the moment a call is decided to run until its
 * reply exists (an asynchronous procedure may take a while: a
 * retransmission meanwhile is dropped, not run again), then DONE with the
 * reply's bytes.
 *
 * Bounds (fixed at rpc_drc_init): at most @entries entries and at most
 * @max_bytes bytes of stored replies. A new entry takes a free slot, else
 * replaces the oldest DONE entry (FIFO, by insertion order); when every
 * entry is IN_PROGRESS the call is refused (that also bounds the calls in
 * flight). A reply larger than @max_bytes is not stored (its entry is
 * dropped at completion); otherwise the oldest DONE entries are evicted
 * until it fits.
 *
 * Cost: a lookup hashes the key into a bucket of an index (power of two
 * buckets, at least @entries) and compares the few keys chained there; a
 * free slot comes off a free list; the oldest entries head a list kept in
 * insertion order, so eviction skips only the calls still in progress. A
 * reply of up to RPC_DRC_INLINE bytes (a null call's is 24) is stored in
 * its entry; a longer one is copied into kmalloc'ed memory.
 *
 * Memory: the entry array, the index and the lists come from kmalloc at
 * rpc_drc_init, as does each stored reply over RPC_DRC_INLINE bytes; a
 * reply is freed when its entry is evicted and everything at rpc_drc_fini.
 */
#ifndef SPINDLE_APPS_RPC_RPC_DRC_H
#define SPINDLE_APPS_RPC_RPC_DRC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** Bytes of a call that are hashed into its key. */
#define RPC_DRC_HASH_BYTES 256u
/** Replies up to this many bytes are kept inside their entry (no allocation). */
#define RPC_DRC_INLINE 64u

/** Transports a call can arrive on. */
enum rpc_transport {
    RPC_XPRT_UDP = 1, /* UDP over IPv4 (RFC 768) */
    RPC_XPRT_VC = 2   /* a virtual circuit of the raw AAL5-style path */
};

/**
 * Where a call came from and where it arrived. Addresses and ports in host
 * order. Only equality matters to the cache; procedures may read it (the
 * portmapper's GETADDR answers with local_addr).
 */
struct rpc_peer {
    uint32_t transport;  /* enum rpc_transport */
    uint32_t addr;       /* UDP: the client's IPv4 address; VC: its MAC's bytes 2..5 (big-endian) */
    uint32_t port;       /* UDP: the client's port; VC: its MAC's bytes 0..1 (big-endian) */
    uint32_t local_addr; /* UDP: the address the call was sent to; VC: 0 */
    uint32_t local_port; /* UDP: the port it was sent to; VC: VPI << 16 | VCI */
};

/** The key of one call. */
struct rpc_drc_key {
    struct rpc_peer peer; /* transport, addr, port are compared */
    uint32_t xid, prog, vers, proc;
    uint32_t len;  /* bytes of the call message */
    uint32_t hash; /* FNV-1a of its first RPC_DRC_HASH_BYTES bytes */
};

enum rpc_drc_state { RPC_DRC_FREE = 0, RPC_DRC_IN_PROGRESS = 1, RPC_DRC_DONE = 2 };

struct rpc_drc_entry {
    struct rpc_drc_key key;
    uint8_t state;        /* enum rpc_drc_state */
    uint32_t gen;         /* changes whenever the slot is reused */
    uint64_t seq;         /* insertion order */
    int32_t hnext;        /* next slot in its index bucket, -1: none */
    int32_t older, newer; /* neighbours in insertion order, -1: none */
    uint8_t *reply;       /* DONE: the reply bytes (inline or kmalloc'ed) */
    size_t reply_len;
    uint8_t inline_reply[RPC_DRC_INLINE];
};

/** A duplicate-request cache. Fields are private. */
struct rpc_drc {
    struct rpc_drc_entry *e;
    unsigned entries;
    size_t max_bytes, bytes; /* bound and current bytes of stored replies */
    uint64_t next_seq;
    int32_t *bucket;     /* index: first slot of each bucket, -1: empty */
    uint32_t nbuckets;   /* a power of two */
    int32_t *free_slots; /* stack of free slots */
    unsigned nfree;
    int32_t oldest, newest; /* the used entries in insertion order, -1: none */
};

/** A reference to an IN_PROGRESS entry (slot and generation), for completion. */
struct rpc_drc_ref {
    int slot; /* -1: none */
    uint32_t gen;
};

/**
 * rpc_drc_init - an empty cache of @entries entries (1..4096) and
 * @max_bytes bytes of replies. @entries 0 makes a disabled cache (every
 * lookup misses, nothing is stored). Returns 0, -KE_INVAL, -KE_NOMEM.
 */
int rpc_drc_init(struct rpc_drc *d, unsigned entries, size_t max_bytes);
/** rpc_drc_fini - free every stored reply and the entry array. */
void rpc_drc_fini(struct rpc_drc *d);

/** rpc_drc_key_make - the key of call @msg of @len bytes from @peer. */
void rpc_drc_key_make(struct rpc_drc_key *k, const struct rpc_peer *peer, uint32_t xid,
                      uint32_t prog, uint32_t vers, uint32_t proc, const void *msg, size_t len);

/** What a lookup found. */
enum rpc_drc_result {
    RPC_DRC_MISS = 0, /* not seen: *@ref is a new IN_PROGRESS entry for it */
    RPC_DRC_HIT = 1,  /* seen and answered: *@reply, *@reply_len are the stored reply */
    RPC_DRC_BUSY = 2, /* seen and still running: drop the retransmission */
    RPC_DRC_FULL = 3  /* not seen, and every entry is in progress: refuse the call */
};

/**
 * rpc_drc_lookup - look @k up; on a miss insert it as IN_PROGRESS (evicting
 * the oldest DONE entry if needed) and return its reference in @ref. On a
 * hit the reply bytes stay owned by the cache: valid until the next call
 * that modifies it. A disabled cache returns MISS with ref->slot == -1.
 */
int rpc_drc_lookup(struct rpc_drc *d, const struct rpc_drc_key *k, struct rpc_drc_ref *ref,
                   const uint8_t **reply, size_t *reply_len);
/**
 * rpc_drc_complete - store the @len bytes of @reply (copied) for the
 * IN_PROGRESS entry @ref; the entry becomes DONE. When the reply does not
 * fit the byte bound, or no memory is left, the entry is removed instead
 * (a later retransmission runs again). A stale @ref (its slot was reused)
 * does nothing. Returns 0, -KE_TOOBIG (not stored) or -KE_NOMEM.
 */
int rpc_drc_complete(struct rpc_drc *d, struct rpc_drc_ref ref, const void *reply, size_t len);
/** rpc_drc_forget - remove the IN_PROGRESS entry @ref (the call will not be answered). */
void rpc_drc_forget(struct rpc_drc *d, struct rpc_drc_ref ref);
/** rpc_drc_used - entries in use (IN_PROGRESS or DONE). */
unsigned rpc_drc_used(const struct rpc_drc *d);
/** rpc_drc_bytes - bytes of stored replies. */
size_t rpc_drc_bytes(const struct rpc_drc *d);

#endif
