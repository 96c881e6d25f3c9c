/*
 * drivers/bm/dma_pool.h — a receive packet pool whose blocks are DMA memory,
 * for a bare-metal NIC that posts pktbuf blocks to its device (zero-copy
 * receive).
 *
 * The block area comes from bus_dma_alloc (zeroed, physically contiguous,
 * 4096-byte aligned). kernel/bus.h cannot free DMA memory, so the area is
 * kept in a struct dma_pool that lives in the device's permanent slot
 * (drivers/bm/pci_bind.h) and is reused by the next pool of that device
 * when it is large enough and no pool still uses it.
 *
 * Portable: only kernel/ headers, so one source serves every bare-metal target.
 */
#ifndef SPINDLE_DRIVERS_BM_DMA_POOL_H
#define SPINDLE_DRIVERS_BM_DMA_POOL_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/bus.h"
#include "kernel/pktbuf.h"

/** DMA memory behind a device's receive pools, kept for the device's lifetime. */
struct dma_pool {
    struct bus_dma mem; /* the block area; virt NULL until the first pool */
    bool busy;          /* a pool (maybe one that could not be destroyed) uses mem */
    char name[24];      /* the current pool's name, "IFNAME-rx" */
};

/**
 * dma_pool_create - a pktpool of @count blocks of @block_size bytes
 * (pktpool_create), named "IFNAME-rx" after @ifname (truncated to fit
 * dp->name), whose block area is @dp's DMA memory: reused, zeroed, when it
 * holds @count * @block_size bytes and is not busy, else freshly allocated
 * with bus_dma_alloc (the old area, if any, is never freed). Marks @dp busy.
 * Returns NULL when there is no DMA memory or pktpool_create fails (-KE_NOMEM).
 */
struct pktpool *dma_pool_create(struct dma_pool *dp, const char *ifname, uint32_t count,
                                uint16_t block_size);

/**
 * dma_pool_destroy - pktpool_destroy(@pool) (NULL: nothing to destroy) and,
 * when that succeeds, let the next dma_pool_create reuse @dp's memory.
 * Returns 0, or -KE_AGAIN when buffers are still out: the pool is kept and
 * its memory stays busy (the caller warns).
 */
int dma_pool_destroy(struct dma_pool *dp, struct pktpool *pool);

#endif
