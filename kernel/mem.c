/* kernel/mem.c — the core allocator over arch_alloc (kernel/mem.h). */
#include "kernel/mem.h"
#include "kernel/arch.h"

static uint64_t live;

void *kmalloc_aligned(size_t size, size_t align)
{
    if (align < 16)
        align = 16;
    void *p = arch_alloc(size ? size : 1, align);
    if (p)
        live++;
    return p;
}

void *kmalloc_raw(size_t size, size_t align)
{
    if (align < 16)
        align = 16;
    void *p = arch_alloc_raw(size ? size : 1, align);
    if (p)
        live++;
    return p;
}

void *kmalloc(size_t size)
{
    return kmalloc_aligned(size, 16);
}

void kfree(void *p)
{
    if (!p)
        return;
    live--;
    arch_free(p);
}

uint64_t kmem_live(void)
{
    return live;
}
