/*
 * drivers/dpdk/dpdk_pool.h — one pool for spindle's packet buffers and
 * DPDK's rte_mbufs (private to drivers/dpdk).
 *
 * A dpdk pool is a spindle pktpool (kernel/pktbuf.h) whose blocks are in
 * DPDK memory (an IOVA-contiguous memzone), and an rte_mempool of as many
 * mbuf headers, mbuf i's data buffer being block i as a pinned external
 * buffer (RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF: the buffer stays attached
 * when the mbuf is freed). The mempool's handler is spindle's
 * ("spindle_pktbuf", rte_mempool_ops): a mempool get is pkt_alloc on the
 * pktpool and hands out the header of the block it got, a mempool put is
 * pkt_free of that block's pktbuf. So the pktpool is the only free list:
 * a buffer is either free there, or held (by a PMD's ring as an mbuf, or
 * by the graph as a pktbuf, never both at once), and freeing it either way
 * returns it to its own pool. pktpool_all_full() sees every mbuf.
 *
 * Each mbuf's private area holds the pktbuf of its block. Received: the
 * pktbuf of an mbuf is that pointer (data_off and len copied from the
 * mbuf). Transmitted: the mbuf of a pktbuf is header[(block - base) /
 * block_size]. A pktbuf of any other pool is sent by attaching its block
 * to a header-only mbuf from a wrap pool (rte_pktmbuf_attach_extbuf) whose
 * free callback drops the reference the wrap took.
 *
 * Single-threaded, like the appliance: no lcore caches (cache size 0), and
 * the handler is called only from the thread that runs rx/tx bursts.
 */
#ifndef SPINDLE_DRIVERS_DPDK_DPDK_POOL_H
#define SPINDLE_DRIVERS_DPDK_DPDK_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "kernel/pktbuf.h"

struct rte_memzone;

/** A pktpool and the rte_mempool that shares its blocks. */
struct dpdk_pool {
    struct pktpool *pool;         /* spindle's side: the free list */
    struct rte_mempool *mp;       /* DPDK's side: mbuf headers, handler spindle_pktbuf */
    const struct rte_memzone *mz; /* the blocks, count x block_size bytes */
    uint8_t *base;                /* mz->addr */
    rte_iova_t iova;              /* IO address of base (blocks are IOVA-contiguous) */
    uint32_t count;
    uint16_t block_size; /* RTE_PKTMBUF_HEADROOM + data room, bytes */
    bool populating;     /* the mempool's initial puts: not pkt_free */
    uint32_t populated;
    bool draining; /* rte_mempool_free's gets: not pkt_alloc */
    uint32_t drained;
    struct rte_mbuf **mbuf; /* block index -> its mbuf header */
    struct dpdk_pool *next; /* live or reap list */
    char name[32];
};

/** dpdk_pool_register_ops - register the "spindle_pktbuf" mempool handler; 0 or -errno. Idempotent. */
int dpdk_pool_register_ops(void);

/**
 * dpdk_pool_create - a pool named @name (at most 20 characters; names the
 * pktpool, the mempool and the memzone) of @count buffers with @room data
 * bytes each after RTE_PKTMBUF_HEADROOM, on NUMA socket @socket
 * (SOCKET_ID_ANY allowed). EAL must be up. Returns the pool or NULL with
 * @err (@errlen bytes) saying what DPDK refused.
 */
struct dpdk_pool *dpdk_pool_create(const char *name, uint32_t count, uint16_t room, int socket,
                                   char *err, size_t errlen);

/**
 * dpdk_pool_destroy - free @dp when every buffer is back (0); else keep it
 * on the reap list for dpdk_pool_reap and return -KE_AGAIN. The pktpool
 * stays registered until then, so a leak is still reported.
 */
int dpdk_pool_destroy(struct dpdk_pool *dp);

/** dpdk_pool_reap - destroy the kept pools whose buffers are back; returns how many remain. */
unsigned dpdk_pool_reap(void);

/** dpdk_pool_find - the live dpdk pool whose pktpool is @pool, or NULL. */
struct dpdk_pool *dpdk_pool_find(const struct pktpool *pool);

/** dpdk_pool_of_mbuf - the dpdk pool @m's header came from, or NULL (an mbuf of another mempool). */
struct dpdk_pool *dpdk_pool_of_mbuf(const struct rte_mbuf *m);

/** dpdk_mbuf_pkt - the pktbuf of the block of @m, an mbuf of a dpdk pool. */
static inline struct pktbuf *dpdk_mbuf_pkt(const struct rte_mbuf *m)
{
    return *(struct pktbuf **)rte_mbuf_to_priv((struct rte_mbuf *)(uintptr_t)m);
}

/**
 * dpdk_pool_tx_mbuf - the mbuf header of @p, a pktbuf of @dp with one
 * reference (the caller's, which the mbuf now carries), made to describe
 * @p's data: one segment, data_off and length from @p, no offload flags.
 */
static inline struct rte_mbuf *dpdk_pool_tx_mbuf(const struct dpdk_pool *dp, struct pktbuf *p)
{
    struct rte_mbuf *m = dp->mbuf[(size_t)(p->block - dp->base) / dp->block_size];

    *(struct pktbuf **)rte_mbuf_to_priv(m) = p;
    m->data_off = p->data_off;
    m->data_len = p->len;
    m->pkt_len = p->len;
    m->nb_segs = 1;
    m->next = NULL;
    m->ol_flags = RTE_MBUF_F_EXTERNAL;
    m->packet_type = 0;
    m->tx_offload = 0;
    m->vlan_tci = 0;
    rte_mbuf_refcnt_set(m, 1);
    return m;
}

/** dpdk_pool_iova - the IO address of byte @addr of @dp's blocks. */
static inline rte_iova_t dpdk_pool_iova(const struct dpdk_pool *dp, const void *addr)
{
    return dp->iova + (rte_iova_t)((const uint8_t *)addr - dp->base);
}

/**
 * dpdk_wrap_pool_create - a mempool of @n header-only mbufs for
 * dpdk_wrap, named @name (at most 24 characters), on @socket; NULL with
 * rte_errno set.
 */
struct rte_mempool *dpdk_wrap_pool_create(const char *name, unsigned n, int socket);

/**
 * dpdk_wrap - a header mbuf from @wrap_mp carrying @p's data in place
 * (rte_pktmbuf_attach_extbuf over @p's block, IO address @iova), holding a
 * reference of its own on @p that freeing the mbuf drops (the caller keeps
 * its reference). NULL when @wrap_mp is empty.
 */
struct rte_mbuf *dpdk_wrap(struct rte_mempool *wrap_mp, struct pktbuf *p, rte_iova_t iova);

#endif
