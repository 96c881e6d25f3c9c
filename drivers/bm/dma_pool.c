/*
 * drivers/bm/dma_pool.c — receive pools in reusable DMA memory
 * (drivers/bm/dma_pool.h).
 */
#include "drivers/bm/dma_pool.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

#define DMA_POOL_ALIGN 4096u /* bytes: a page, for any device's buffer alignment */

/* pktpool allocator: @ctx's DMA memory, allocated once and reused. */
static void *dma_pool_alloc(void *ctx, size_t bytes)
{
    struct dma_pool *dp = ctx;
    if (!dp->busy && dp->mem.virt && dp->mem.size >= bytes)
        memset(dp->mem.virt, 0, bytes);
    else if (bus_dma_alloc(bytes, DMA_POOL_ALIGN, &dp->mem) != 0)
        return NULL;
    dp->busy = true;
    return dp->mem.virt;
}

struct pktpool *dma_pool_create(struct dma_pool *dp, const char *ifname, uint32_t count,
                                uint16_t block_size)
{
    ksnprintf(dp->name, sizeof dp->name, "%s-rx", ifname);
    return pktpool_create(dp->name, count, block_size, dma_pool_alloc, dp);
}

int dma_pool_destroy(struct dma_pool *dp, struct pktpool *pool)
{
    if (pool && pktpool_destroy(pool) != 0)
        return -KE_AGAIN;
    dp->busy = false;
    return 0;
}
