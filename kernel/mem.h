/*
 * kernel/mem.h — the core's allocator, on top of arch_alloc(). Counts live
 * allocations and bytes so tests and the console can show what is held.
 */
#ifndef SPINDLE_KERNEL_MEM_H
#define SPINDLE_KERNEL_MEM_H

#include <stddef.h>
#include <stdint.h>

/** kmalloc - @size bytes, zero-filled, 16-byte aligned; NULL when exhausted. */
void *kmalloc(size_t size);
/** kmalloc_aligned - as kmalloc with alignment @align (power of two). */
void *kmalloc_aligned(size_t size, size_t align);
/**
 * kmalloc_raw - as kmalloc_aligned, but not zero-filled: for large areas the
 * caller writes before it reads (packet buffer blocks). NULL when exhausted.
 */
void *kmalloc_raw(size_t size, size_t align);
/** kfree - release memory from kmalloc*(); NULL is ignored. */
void kfree(void *p);
/** kmem_live - number of kmalloc*() blocks not yet freed. */
uint64_t kmem_live(void);

#endif
