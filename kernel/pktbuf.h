/*
 * kernel/pktbuf.h — the one packet buffer type, from driver to extension.
 *
 * A buffer is a fixed-size block from a pool: [headroom | data | tailroom].
 * Data is bytes [data_off, data_off + len) of the block: on receive, the
 * whole frame as the driver delivered it, never changed by the protocol
 * nodes. Headroom lets each layer prepend its header without copying
 * (pkt_push).
 *
 * The view: each layer l (enum pkt_layer) the packet has is the byte range
 * [layer[l], lend[l]) of the block, absolute offsets, so pushing or pulling
 * never invalidates them. A node sets the view of the layer above when it
 * has validated its own (ether: L2 and L3; ipv4: L3 trimmed to the total
 * length and L4; udp: L4 trimmed to its Length and L5 the payload), and a
 * handler reads the layer it is about with pkt_layer_ptr() and
 * pkt_layer_len(). Nobody saves and restores a view: each layer's is its
 * own. A layer whose end is unset (PKT_LAYER_UNSET, as pkt_set_layer()
 * leaves it) runs to the end of the data.
 *
 * Ownership: whoever holds a reference frees it with pkt_free(). A raiser
 * keeps ownership across kevent_raise(); a handler that keeps the packet
 * (queue, reassembly, asynchronous work) takes its own reference with
 * pkt_ref(). Send functions (ether_send, ipv4_send, port tx) take over the
 * caller's reference. A buffer with more than one reference is shared and
 * must not be written (pkt_writable); pkt_unshare trades it for a private copy.
 *
 * Pools report at any time how many buffers are out; every test that moves
 * packets checks pktpool_all_full() at its end.
 */
#ifndef SPINDLE_KERNEL_PKTBUF_H
#define SPINDLE_KERNEL_PKTBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** Protocol layers whose start a buffer records. */
enum pkt_layer {
    PKT_L2 = 0, /* link header (Ethernet) */
    PKT_L3 = 1, /* network header (IPv4, ARP, AAL5 raw) */
    PKT_L4 = 2, /* transport header (ICMP, UDP) */
    PKT_L5 = 3, /* payload (application data) */
    PKT_NLAYERS = 4
};

#define PKT_LAYER_UNSET 0xffffu
/** Headroom reserved in front of received data for headers pushed on reply. */
#define PKT_HEADROOM 128u
/** Default block size: headroom + a 1518-byte frame + slack, a power of two. */
#define PKT_BLOCK_SIZE 2048u

/** Flags of a buffer (pkt->flags). */
enum pkt_flags {
    PKT_F_L2_BCAST = 1u << 0, /* link-layer destination was broadcast */
    PKT_F_L2_MCAST = 1u << 1, /* link-layer destination was multicast */
    PKT_F_L3_LOCAL = 1u << 2, /* IPv4 destination is one of our addresses */
    PKT_F_L3_BCAST = 1u << 3, /* IPv4 destination was a broadcast address */
    /* Checksum and segmentation offload (the virtio-net header's meaning,
     * OASIS virtio 1.1 5.1.6.2; see csum_start below): */
    PKT_F_CSUM_PARTIAL = 1u << 4, /* transmit: the L4 checksum is still to be completed:
                                   * one's-complement sum from csum_start to the end,
                                   * stored at csum_start + csum_offset (the field holds
                                   * the pseudo-header sum) */
    PKT_F_CSUM_VALID = 1u << 5,   /* receive: the device verified the L4 checksum */
    PKT_F_GSO_TCPV4 = 1u << 6     /* a TCP/IPv4 super-frame to be cut into segments of
                                   * gso_size payload bytes (TSO, RFC 793 sequence numbers
                                   * advanced, IPv4 IDs incremented) */
};

struct pktpool;

/** A packet buffer. Fields are public for speed; use the accessors to change them. */
struct pktbuf {
    uint8_t *block;              /* start of the pool block (cap bytes) */
    struct pktpool *pool;        /* owner pool */
    struct pktbuf *next;         /* queue link for whoever holds the buffer */
    struct pktbuf *frag;         /* the packet's next segment (pkt_chain), or NULL */
    uint64_t rx_ns;              /* kclock time of receipt (0 if built locally) */
    uint32_t flags;              /* enum pkt_flags */
    uint16_t data_off;           /* offset of the first data byte in block */
    uint16_t len;                /* data bytes */
    uint16_t cap;                /* block size in bytes */
    uint16_t refcnt;             /* references held; 0 while free */
    uint16_t ifindex;            /* input interface (netif index), 0xffff none */
    uint16_t layer[PKT_NLAYERS]; /* start of each layer, offset into block, PKT_LAYER_UNSET */
    uint16_t lend[PKT_NLAYERS];  /* end of each layer (exclusive); PKT_LAYER_UNSET: end of data */
    uint32_t meta[4];            /* parsed fields the receive path records (PKT_META_*) */
    uint16_t csum_start;  /* PKT_F_CSUM_PARTIAL: bytes from the data start to the sum's start */
    uint16_t csum_offset; /* ... and from there to the checksum field */
    uint16_t gso_size;    /* PKT_F_GSO_TCPV4: payload bytes per segment (the MSS) */
};

/** pkt_data - pointer to the first data byte. */
static inline uint8_t *pkt_data(const struct pktbuf *p)
{
    return p->block + p->data_off;
}
/** pkt_layer_ptr - pointer to the start of layer @l, NULL if unset. */
static inline uint8_t *pkt_layer_ptr(const struct pktbuf *p, enum pkt_layer l)
{
    return p->layer[l] == PKT_LAYER_UNSET ? (uint8_t *)0 : p->block + p->layer[l];
}
/**
 * pkt_layer_len - bytes in the view of layer @l: to its end, or to the end
 * of the data when its end is unset; 0 when the layer is unset.
 */
static inline uint16_t pkt_layer_len(const struct pktbuf *p, enum pkt_layer l)
{
    uint32_t end = p->lend[l] != PKT_LAYER_UNSET ? p->lend[l] : (uint32_t)p->data_off + p->len;
    if (p->layer[l] == PKT_LAYER_UNSET || p->layer[l] > end)
        return 0;
    return (uint16_t)(end - p->layer[l]);
}
/** pkt_set_layer - record that layer @l starts at the current data start and runs to its end. */
static inline void pkt_set_layer(struct pktbuf *p, enum pkt_layer l)
{
    p->layer[l] = p->data_off;
    p->lend[l] = PKT_LAYER_UNSET;
}
/**
 * pkt_set_view - the view of layer @l is [@off, @off + @len), absolute
 * block offsets (the caller has checked it lies within the data).
 */
static inline void pkt_set_view(struct pktbuf *p, enum pkt_layer l, uint16_t off, uint16_t len)
{
    p->layer[l] = off;
    p->lend[l] = (uint16_t)(off + len);
}
/**
 * pkt_focus - make the data exactly the view of layer @l (for the holder of
 * the only reference that is about to transmit it: the router sends the
 * datagram it received). Does nothing when @l is unset.
 */
static inline void pkt_focus(struct pktbuf *p, enum pkt_layer l)
{
    if (p->layer[l] == PKT_LAYER_UNSET)
        return;
    uint16_t n = pkt_layer_len(p, l);
    p->data_off = p->layer[l];
    p->len = n;
}

/*
 * What the receive path records in pkt->meta once it has parsed a header,
 * so the layers above read them instead of parsing again (host order).
 * Valid on packets raised on ipv4.* (IPV4) and udp.* (UDP) events.
 */
enum pkt_meta {
    PKT_META_IPV4_SRC = 0,  /* IPv4 source address */
    PKT_META_IPV4_DST = 1,  /* IPv4 destination address */
    PKT_META_UDP_PORTS = 2, /* UDP source port << 16 | destination port */
};
/** pkt_headroom - bytes free in front of the data. */
static inline uint16_t pkt_headroom(const struct pktbuf *p)
{
    return p->data_off;
}
/** pkt_tailroom - bytes free after the data. */
static inline uint16_t pkt_tailroom(const struct pktbuf *p)
{
    return (uint16_t)(p->cap - p->data_off - p->len);
}
/** pkt_writable - true when the caller holds the only reference. */
static inline bool pkt_writable(const struct pktbuf *p)
{
    return p->refcnt == 1;
}

/**
 * pkt_push - extend the data @n bytes towards the front (to prepend a header).
 * Returns the new data start, or NULL (nothing changed) if headroom < @n.
 */
uint8_t *pkt_push(struct pktbuf *p, uint16_t n);
/** pkt_pull - drop @n bytes from the front; returns the new start or NULL if len < @n. */
uint8_t *pkt_pull(struct pktbuf *p, uint16_t n);
/** pkt_append - extend the data @n bytes at the end; returns a pointer to them or NULL. */
uint8_t *pkt_append(struct pktbuf *p, uint16_t n);
/** pkt_trim - cut data to @len bytes (Ethernet padding); -KE_RANGE if @len > p->len. */
int pkt_trim(struct pktbuf *p, uint16_t len);

/**
 * pktpool_create - a pool of @count buffers of @block_size bytes each,
 * registered under @name (for counters and pktpool_all_full).
 * Memory comes from @alloc(@ctx, bytes) if given (bare-metal drivers pass
 * DMA memory), else kmalloc. Returns NULL on -KE_NOMEM.
 */
struct pktpool *pktpool_create(const char *name, uint32_t count, uint16_t block_size,
                               void *(*alloc)(void *ctx, size_t bytes), void *ctx);
/** pktpool_destroy - free a pool; every buffer must be back (else -KE_AGAIN, nothing freed). */
int pktpool_destroy(struct pktpool *pool);
/** pktpool_default - the pool the protocols allocate replies from (created by kernel_init). */
struct pktpool *pktpool_default(void);
/** pktpool_set_default - make @pool the default pool. */
void pktpool_set_default(struct pktpool *pool);

/**
 * pkt_alloc - a buffer from @pool with refcnt 1, len 0, data_off =
 * PKT_HEADROOM, layers unset, ifindex 0xffff. NULL when the pool is empty
 * (counted as an allocation failure).
 */
struct pktbuf *pkt_alloc(struct pktpool *pool);
/** pkt_ref - take another reference; returns @p. */
struct pktbuf *pkt_ref(struct pktbuf *p);
/** pkt_free - drop one reference; the buffer returns to its pool at zero. NULL ignored. */
void pkt_free(struct pktbuf *p);
/**
 * pkt_copy - a new buffer from @pool holding a copy of @p's data, flags,
 * layer offsets (shifted to match), ifindex and rx time, and a reference to
 * @p's chained segments (shared, never copied). NULL if none free or the
 * data does not fit.
 */
struct pktbuf *pkt_copy(struct pktpool *pool, const struct pktbuf *p);
/**
 * pkt_unshare - a buffer the caller may write, in place of @p (the rule
 * above: a shared buffer, refcnt > 1, must not be written). Consumes the
 * caller's reference to @p. Returns @p itself when that reference is the
 * only one (pkt_writable); else a pkt_copy of @p from @p's own pool, or from
 * pktpool_default() when that pool has no buffer free, with refcnt 1. NULL
 * when neither copy could be made (no buffer free, or the data does not fit
 * a default-pool block): the caller counts that as out of memory.
 */
struct pktbuf *pkt_unshare(struct pktbuf *p);

/*
 * Chained buffers (transmit only). A packet may continue in further
 * segments: head -> frag -> frag ..., each segment's data [data_off,
 * data_off + len) in order; pkt_total_len() is the packet's length. The
 * head holds one reference to its first segment, each segment to the next;
 * freeing the head's last reference frees the chain. Segments after the
 * head are shared payload (a video frame sent to many clients, each with
 * its own header buffer) and are never written: protocols prepend and
 * write only in the head. Receive paths never see chained buffers; a port
 * that cannot gather them (struct kport.tx_gather false) is given
 * pkt_linearize()d frames by netgraph/netif.c.
 */
/**
 * pkt_chain - append @seg (the caller's reference, given up) as the data
 * after @head's last segment. Returns 0, or -KE_TOOBIG (nothing changed)
 * when the packet would exceed 65535 bytes.
 */
int pkt_chain(struct pktbuf *head, struct pktbuf *seg);
/** pkt_total_len - the bytes of @p and every segment chained after it. */
static inline uint32_t pkt_total_len(const struct pktbuf *p)
{
    uint32_t n = 0;
    for (; p != NULL; p = p->frag)
        n += p->len;
    return n;
}
/**
 * pkt_linearize - @p as one segment: @p itself when it has no chain, else a
 * new buffer holding all its bytes (from @p's pool, else the default pool,
 * else @big when given, the first whose block fits headroom + total),
 * headroom, flags, ifindex, rx time and the head's layer offsets kept.
 * Consumes the caller's reference to @p. NULL (and @p freed) when nothing
 * fits.
 */
struct pktbuf *pkt_linearize(struct pktbuf *p, struct pktpool *big);
/**
 * pkt_sum - the one's-complement sum (RFC 1071, kernel/klib.h
 * inet_csum_add) of @len bytes of packet @p starting @off bytes into its
 * data, across chained segments, as if they were contiguous: the UDP
 * checksum of a header buffer chained to a shared payload.
 */
uint32_t pkt_sum(const struct pktbuf *p, uint32_t off, uint32_t len);

/** Pool statistics. */
struct pktpool_stats {
    const char *name;
    uint32_t count;       /* buffers in the pool */
    uint32_t out;         /* buffers currently allocated */
    uint32_t low_water;   /* fewest ever free */
    uint64_t allocs;      /* successful pkt_alloc calls */
    uint64_t alloc_fails; /* pkt_alloc calls that found the pool empty */
};
/** pktpool_get_stats - fill @st for @pool. */
void pktpool_get_stats(const struct pktpool *pool, struct pktpool_stats *st);
/** pktpool_out - buffers of @pool currently allocated. */
uint32_t pktpool_out(const struct pktpool *pool);
/** pktpool_all_full - true when every registered pool has all its buffers back. */
bool pktpool_all_full(void);
/** pktpool_foreach - call @cb for every registered pool. */
void pktpool_foreach(void (*cb)(const struct pktpool *pool, void *ctx), void *ctx);
/** pktpool_memory - the block memory range of @pool: [*base, *base + *bytes). */
void pktpool_memory(const struct pktpool *pool, void **base, size_t *bytes);

#endif
