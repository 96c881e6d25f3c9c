/*
 * drivers/dpdk/dpdk_pool.c — the shared pktpool / rte_mempool
 * (dpdk_pool.h) and the wrap pool for buffers of other pools.
 *
 * Sources: DPDK 22.11 Programmer's Guide, "Mempool Library" (handlers:
 * rte_mempool_ops alloc, free, enqueue, dequeue, get_count) and "Mbuf
 * Library" (external buffers, pinned external buffers); rte_mempool.h
 * (rte_mempool_create_empty, rte_mempool_set_ops_byname,
 * rte_mempool_populate_default, rte_mempool_obj_iter), rte_mbuf.h
 * (rte_pktmbuf_pool_init, rte_pktmbuf_attach_extbuf,
 * struct rte_mbuf_ext_shared_info).
 */
#include "drivers/dpdk/dpdk_pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_memzone.h>

#include "kernel/kerr.h"

#define SPINDLE_MEMPOOL_OPS "spindle_pktbuf"

/* Bytes of an mbuf's private area: the pktbuf of its block. */
#define DPDK_POOL_PRIV_SIZE RTE_ALIGN(sizeof(struct pktbuf *), RTE_MBUF_PRIV_ALIGN)

static struct dpdk_pool *live;    /* pools in use */
static struct dpdk_pool *reaping; /* closed with buffers out */
static int ops_index = -1;        /* of spindle_pktbuf in the handler table */

/* ---------------------------------------------------------- the handler */

static int sp_alloc(struct rte_mempool *mp)
{
    mp->pool_data = mp->pool_config;
    return 0;
}

static void sp_free(struct rte_mempool *mp)
{
    mp->pool_data = NULL;
}

/* A put: each mbuf held one reference on its block's pktbuf. */
static int sp_enqueue(struct rte_mempool *mp, void *const *objs, unsigned int n)
{
    struct dpdk_pool *dp = mp->pool_data;

    if (dp->populating) {
        dp->populated += n; /* the pktpool starts full: nothing to give back */
        return 0;
    }
    for (unsigned int i = 0; i < n; i++)
        pkt_free(dpdk_mbuf_pkt(objs[i]));
    return 0;
}

/* A get: all @n or none (-ENOBUFS), as the handler contract says. */
static int sp_dequeue(struct rte_mempool *mp, void **objs, unsigned int n)
{
    struct dpdk_pool *dp = mp->pool_data;

    if (dp->draining) {
        /* rte_mempool_free takes every object out before freeing the
         * memory: hand them over without touching the pktpool. */
        if (dp->drained + n > dp->count)
            return -ENOBUFS;
        for (unsigned int i = 0; i < n; i++)
            objs[i] = dp->mbuf[dp->drained++];
        return 0;
    }
    for (unsigned int i = 0; i < n; i++) {
        struct pktbuf *p = pkt_alloc(dp->pool);
        struct rte_mbuf *m;

        if (p == NULL) {
            while (i > 0)
                pkt_free(dpdk_mbuf_pkt(objs[--i]));
            return -ENOBUFS;
        }
        m = dp->mbuf[(size_t)(p->block - dp->base) / dp->block_size];
        /* The state a PMD expects of an mbuf fresh from its pool (what
         * rte_pktmbuf_prefree_seg leaves): the graph freed this one as a
         * pktbuf, without DPDK seeing it. */
        *(struct pktbuf **)rte_mbuf_to_priv(m) = p;
        m->next = NULL;
        m->nb_segs = 1;
        m->ol_flags = RTE_MBUF_F_EXTERNAL;
        m->data_off = RTE_PKTMBUF_HEADROOM;
        rte_mbuf_refcnt_set(m, 1);
        objs[i] = m;
    }
    return 0;
}

static unsigned int sp_get_count(const struct rte_mempool *mp)
{
    const struct dpdk_pool *dp = mp->pool_data;

    return dp->count - pktpool_out(dp->pool);
}

static const struct rte_mempool_ops sp_ops = {
    .name = SPINDLE_MEMPOOL_OPS,
    .alloc = sp_alloc,
    .free = sp_free,
    .enqueue = sp_enqueue,
    .dequeue = sp_dequeue,
    .get_count = sp_get_count,
};

int dpdk_pool_register_ops(void)
{
    int rc;

    if (ops_index >= 0)
        return 0;
    rc = rte_mempool_register_ops(&sp_ops);
    if (rc < 0)
        return rc;
    ops_index = rc;
    return 0;
}

/* ------------------------------------------------------------ the pool */

/* What an mbuf attached to (cloned from) a pinned one calls when the last
 * such reference goes: the header returns to its pool, buffer attached. */
static void pinned_free_cb(void *addr, void *opaque)
{
    struct rte_mbuf *m = opaque;

    (void)addr;
    rte_mbuf_ext_refcnt_set(m->shinfo, 1);
    m->ol_flags = RTE_MBUF_F_EXTERNAL;
    m->next = NULL;
    m->nb_segs = 1;
    rte_mbuf_raw_free(m);
}

/* rte_mempool_obj_iter callback: header @idx describes block @idx. */
static void mbuf_init(struct rte_mempool *mp, void *opaque, void *obj, unsigned int idx)
{
    struct dpdk_pool *dp = opaque;
    struct rte_mbuf *m = obj;
    struct rte_mbuf_ext_shared_info *shinfo;
    uint8_t *block = dp->base + (size_t)idx * dp->block_size;

    memset(m, 0, sizeof(*m) + DPDK_POOL_PRIV_SIZE);
    m->priv_size = DPDK_POOL_PRIV_SIZE;
    m->buf_addr = block;
    rte_mbuf_iova_set(m, dpdk_pool_iova(dp, block));
    m->buf_len = dp->block_size;
    m->data_off = RTE_PKTMBUF_HEADROOM;
    m->pool = mp;
    m->nb_segs = 1;
    m->port = RTE_MBUF_PORT_INVALID;
    m->ol_flags = RTE_MBUF_F_EXTERNAL;
    rte_mbuf_refcnt_set(m, 1);
    m->next = NULL;
    shinfo = RTE_PTR_ADD(m, sizeof(*m) + DPDK_POOL_PRIV_SIZE);
    m->shinfo = shinfo;
    shinfo->free_cb = pinned_free_cb;
    shinfo->fcb_opaque = m;
    rte_mbuf_ext_refcnt_set(shinfo, 1);
    dp->mbuf[idx] = m;
}

/* pktpool_create's allocator: the memzone reserved before. */
static void *memzone_blocks(void *ctx, size_t bytes)
{
    struct dpdk_pool *dp = ctx;

    return bytes <= dp->mz->len ? dp->mz->addr : NULL;
}

static void pool_free(struct dpdk_pool *dp)
{
    if (dp->mp != NULL) {
        dp->draining = true;
        rte_mempool_free(dp->mp);
    }
    if (dp->pool != NULL)
        (void)pktpool_destroy(dp->pool);
    if (dp->mz != NULL)
        rte_memzone_free(dp->mz);
    free(dp->mbuf);
    free(dp);
}

struct dpdk_pool *dpdk_pool_create(const char *name, uint32_t count, uint16_t room, int socket,
                                   char *err, size_t errlen)
{
    struct rte_pktmbuf_pool_private priv;
    struct dpdk_pool *dp;
    char zname[RTE_MEMZONE_NAMESIZE];
    size_t bytes;
    unsigned int elt;
    uint32_t inited;
    int rc;

    if (ops_index < 0 || (uint32_t)room + RTE_PKTMBUF_HEADROOM > UINT16_MAX || count == 0) {
        snprintf(err, errlen, "pool %s: bad size or EAL not up", name);
        return NULL;
    }
    dp = calloc(1, sizeof(*dp));
    if (dp != NULL)
        dp->mbuf = calloc(count, sizeof(*dp->mbuf));
    if (dp == NULL || dp->mbuf == NULL) {
        free(dp);
        snprintf(err, errlen, "pool %s: out of memory", name);
        return NULL;
    }
    snprintf(dp->name, sizeof(dp->name), "%s", name);
    dp->count = count;
    dp->block_size = (uint16_t)(RTE_PKTMBUF_HEADROOM + room);
    bytes = (size_t)count * dp->block_size;

    /* IOVA-contiguous so that one base address serves every block; in IOVA
     * as VA mode (always, without hugepages) any memory is. */
    snprintf(zname, sizeof(zname), "%s-blk", name);
    dp->mz = rte_memzone_reserve_aligned(zname, bytes, socket, RTE_MEMZONE_IOVA_CONTIG,
                                         RTE_CACHE_LINE_SIZE);
    if (dp->mz == NULL && rte_eal_iova_mode() == RTE_IOVA_VA)
        dp->mz = rte_memzone_reserve_aligned(zname, bytes, socket, 0, RTE_CACHE_LINE_SIZE);
    if (dp->mz == NULL) {
        snprintf(err, errlen,
                 "pool %s: no %zu bytes of IOVA-contiguous DPDK memory: %s "
                 "(EAL -m, or hugepages)",
                 name, bytes, rte_strerror(rte_errno));
        pool_free(dp);
        return NULL;
    }
    dp->base = dp->mz->addr;
    dp->iova = rte_eal_iova_mode() == RTE_IOVA_VA ? (rte_iova_t)(uintptr_t)dp->base : dp->mz->iova;

    dp->pool = pktpool_create(name, count, dp->block_size, memzone_blocks, dp);
    if (dp->pool == NULL) {
        snprintf(err, errlen, "pool %s: no memory for %u buffer descriptors", name, count);
        pool_free(dp);
        return NULL;
    }

    elt = (unsigned int)(sizeof(struct rte_mbuf) + DPDK_POOL_PRIV_SIZE +
                         sizeof(struct rte_mbuf_ext_shared_info));
    dp->mp = rte_mempool_create_empty(name, count, elt, 0, sizeof(priv), socket, 0);
    if (dp->mp == NULL) {
        snprintf(err, errlen, "pool %s: rte_mempool_create_empty: %s", name,
                 rte_strerror(rte_errno));
        pool_free(dp);
        return NULL;
    }
    rc = rte_mempool_set_ops_byname(dp->mp, SPINDLE_MEMPOOL_OPS, dp);
    if (rc < 0) {
        snprintf(err, errlen, "pool %s: mempool handler %s: %s", name, SPINDLE_MEMPOOL_OPS,
                 strerror(-rc));
        pool_free(dp);
        return NULL;
    }
    memset(&priv, 0, sizeof(priv));
    priv.mbuf_data_room_size = dp->block_size;
    priv.mbuf_priv_size = DPDK_POOL_PRIV_SIZE;
    priv.flags = RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF;
    rte_pktmbuf_pool_init(dp->mp, &priv);

    dp->populating = true;
    rc = rte_mempool_populate_default(dp->mp);
    dp->populating = false;
    if (rc < 0 || dp->populated != count) {
        snprintf(err, errlen, "pool %s: populating %u mbuf headers: %s", name, count,
                 rc < 0 ? strerror(-rc) : "short");
        pool_free(dp);
        return NULL;
    }
    inited = rte_mempool_obj_iter(dp->mp, mbuf_init, dp);
    if (inited != count) {
        snprintf(err, errlen, "pool %s: %u of %u mbuf headers initialised", name, inited, count);
        pool_free(dp);
        return NULL;
    }
    dp->next = live;
    live = dp;
    return dp;
}

static void unlink_pool(struct dpdk_pool **list, struct dpdk_pool *dp)
{
    for (struct dpdk_pool **pp = list; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == dp) {
            *pp = dp->next;
            return;
        }
    }
}

int dpdk_pool_destroy(struct dpdk_pool *dp)
{
    if (dp == NULL)
        return 0;
    unlink_pool(&live, dp);
    if (pktpool_out(dp->pool) != 0) {
        dp->next = reaping;
        reaping = dp;
        return -KE_AGAIN;
    }
    pool_free(dp);
    return 0;
}

unsigned dpdk_pool_reap(void)
{
    struct dpdk_pool **pp = &reaping;
    unsigned left = 0;

    while (*pp != NULL) {
        struct dpdk_pool *dp = *pp;

        if (pktpool_out(dp->pool) == 0) {
            *pp = dp->next;
            pool_free(dp);
        } else {
            left++;
            pp = &dp->next;
        }
    }
    return left;
}

struct dpdk_pool *dpdk_pool_find(const struct pktpool *pool)
{
    for (struct dpdk_pool *dp = live; dp != NULL; dp = dp->next)
        if (dp->pool == pool)
            return dp;
    for (struct dpdk_pool *dp = reaping; dp != NULL; dp = dp->next)
        if (dp->pool == pool)
            return dp;
    return NULL;
}

struct dpdk_pool *dpdk_pool_of_mbuf(const struct rte_mbuf *m)
{
    if (ops_index < 0 || m->pool == NULL || m->pool->ops_index != ops_index)
        return NULL;
    return m->pool->pool_data;
}

/* ------------------------------------------------------------ wrapping */

/* The private area of a wrap mbuf: the shared info of the attached block. */
struct dpdk_wrap {
    struct rte_mbuf_ext_shared_info shinfo;
};

#define DPDK_WRAP_PRIV_SIZE RTE_ALIGN(sizeof(struct dpdk_wrap), RTE_MBUF_PRIV_ALIGN)

struct rte_mempool *dpdk_wrap_pool_create(const char *name, unsigned n, int socket)
{
    return rte_pktmbuf_pool_create(name, n, 0, DPDK_WRAP_PRIV_SIZE, 0, socket);
}

/* The last reference to the attached block went with the mbuf. */
static void wrap_free_cb(void *addr, void *opaque)
{
    (void)addr;
    pkt_free(opaque);
}

struct rte_mbuf *dpdk_wrap(struct rte_mempool *wrap_mp, struct pktbuf *p, rte_iova_t iova)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(wrap_mp);
    struct dpdk_wrap *w;

    if (m == NULL)
        return NULL;
    w = rte_mbuf_to_priv(m);
    w->shinfo.free_cb = wrap_free_cb;
    w->shinfo.fcb_opaque = pkt_ref(p);
    rte_mbuf_ext_refcnt_set(&w->shinfo, 1);
    rte_pktmbuf_attach_extbuf(m, p->block, iova, p->cap, &w->shinfo);
    m->data_off = p->data_off;
    m->data_len = p->len;
    m->pkt_len = p->len;
    return m;
}
