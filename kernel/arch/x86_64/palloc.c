/*
 * kernel/arch/x86_64/palloc.c — physical memory: a page allocator and the
 * arch_alloc()/arch_free() the core's kmalloc sits on (kernel/arch.h).
 *
 * Pages: one bit per 4 KiB page of RAM below 4 GiB (the identity-mapped
 * range built by boot.S), first fit from a rotating hint, any alignment.
 * Everything below 1 MiB, the kernel image and the allocator's own tables
 * stay reserved. Memory is identity mapped, so a page's address is its
 * physical address (bus_dma_alloc relies on that).
 *
 * arch_alloc: requests of at most 2048 bytes (and alignment) come from
 * power-of-two size classes 16..2048 carved out of whole pages; a page
 * serves one class for good. Larger requests take whole pages. A per-page
 * word (page_meta) records what each page is, so arch_free knows the size
 * class or the run length. Freed small blocks carry a marker that catches
 * most double frees. Memory is zero-filled on every allocation.
 */
#include "kernel/arch.h"
#include "kernel/arch_uart.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "x86.h"

#define PAGE_SIZE 4096u
#define PAGE_SHIFT 12
#define LOW_LIMIT (1ull << 20)  /* below: BIOS data, loader structures */
#define HIGH_LIMIT (4ull << 30) /* identity map ends here */

#define META_LARGE 0x80000000u /* head of a run; low bits: pages */
#define META_SMALL 0x40000000u /* size-class page; low bits: class */
#define META_TAIL 0x20000000u  /* inside a run, not its head */

#define NCLASSES 8 /* 16 << 0 .. 16 << 7 = 2048 */
#define CLASS_MAX 2048u
#define FREE_MARK 0x5f1d1e0ff1ee5eedull

static uint8_t *bitmap; /* 1 = used */
static uint32_t *page_meta;
static uint64_t max_pfn; /* pages [0, max_pfn) are tracked */
static uint64_t pages_total, pages_free;
static uint64_t hint;

struct free_block {
    struct free_block *next;
    uint64_t mark;
};
static struct free_block *class_free[NCLASSES];

static inline bool bit_get(uint64_t pfn)
{
    return bitmap[pfn >> 3] & (1u << (pfn & 7));
}
static inline void bit_set(uint64_t pfn)
{
    bitmap[pfn >> 3] |= (uint8_t)(1u << (pfn & 7));
}
static inline void bit_clear(uint64_t pfn)
{
    bitmap[pfn >> 3] &= (uint8_t) ~(1u << (pfn & 7));
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

void x86_palloc_init(void)
{
    /* Highest RAM address below 4 GiB. */
    uint64_t top = 0;
    for (unsigned i = 0; i < x86_memmap_n; i++) {
        const struct x86_memrange *r = &x86_memmap[i];
        if (r->type != 1)
            continue;
        uint64_t end = r->base + r->size;
        if (end > HIGH_LIMIT)
            end = HIGH_LIMIT;
        if (end > top)
            top = end;
    }
    max_pfn = top >> PAGE_SHIFT;

    /* The tables go right after the image. */
    uint64_t tab = align_up((uintptr_t)__kernel_end, PAGE_SIZE);
    uint64_t bitmap_bytes = align_up((max_pfn + 7) / 8, 8);
    uint64_t meta_bytes = max_pfn * sizeof(uint32_t);
    uint64_t tab_end = align_up(tab + bitmap_bytes + meta_bytes, PAGE_SIZE);
    if (max_pfn == 0 || tab_end > top) {
        uart_puts("x86: no usable RAM in the memory map\n");
        arch_halt(1);
    }
    bitmap = (uint8_t *)(uintptr_t)tab;
    page_meta = (uint32_t *)(uintptr_t)(tab + bitmap_bytes);
    memset(bitmap, 0xff, bitmap_bytes);
    memset(page_meta, 0, meta_bytes);

    /* Free every whole RAM page above 1 MiB and past the tables. */
    for (unsigned i = 0; i < x86_memmap_n; i++) {
        const struct x86_memrange *r = &x86_memmap[i];
        if (r->type != 1)
            continue;
        uint64_t lo = align_up(r->base, PAGE_SIZE);
        uint64_t hi = (r->base + r->size) & ~(uint64_t)(PAGE_SIZE - 1);
        if (hi > top)
            hi = top;
        if (lo < LOW_LIMIT)
            lo = LOW_LIMIT;
        for (uint64_t a = lo; a < hi; a += PAGE_SIZE) {
            if (a >= (uintptr_t)__kernel_start && a < tab_end)
                continue;
            uint64_t pfn = a >> PAGE_SHIFT;
            if (bit_get(pfn)) {
                bit_clear(pfn);
                pages_total++;
                pages_free++;
            }
        }
    }
    hint = tab_end >> PAGE_SHIFT;
}

void x86_palloc_stats(uint64_t *total, uint64_t *free_pages)
{
    *total = pages_total;
    *free_pages = pages_free;
}

/* Find and mark @npages free pages starting at a multiple of @apages. */
static uint64_t run_alloc(uint64_t npages, uint64_t apages)
{
    if (npages == 0 || npages > pages_free)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        uint64_t start = pass == 0 ? hint : 0;
        uint64_t limit = pass == 0 ? max_pfn : hint + npages;
        if (limit > max_pfn)
            limit = max_pfn;
        uint64_t pfn = align_up(start, apages);
        while (pfn + npages <= limit) {
            uint64_t k = 0;
            while (k < npages && !bit_get(pfn + k))
                k++;
            if (k == npages) {
                for (k = 0; k < npages; k++)
                    bit_set(pfn + k);
                pages_free -= npages;
                hint = pfn + npages;
                return pfn;
            }
            /* Skip past the used page that stopped us. */
            pfn = align_up(pfn + k + 1, apages);
        }
    }
    return 0;
}

static void run_free(uint64_t pfn, uint64_t npages)
{
    for (uint64_t k = 0; k < npages; k++) {
        bit_clear(pfn + k);
        page_meta[pfn + k] = 0;
    }
    pages_free += npages;
}

/* pages_alloc - @npages pages aligned to @align, zero-filled when @zero. */
static void *pages_alloc(size_t npages, size_t align, bool zero)
{
    uint64_t apages = align > PAGE_SIZE ? align / PAGE_SIZE : 1;
    uint64_t f = irq_save();
    uint64_t pfn = run_alloc(npages, apages);
    if (pfn) {
        page_meta[pfn] = META_LARGE | (uint32_t)npages;
        for (uint64_t k = 1; k < npages; k++)
            page_meta[pfn + k] = META_TAIL;
    }
    irq_restore(f);
    if (!pfn)
        return NULL;
    void *p = (void *)(uintptr_t)(pfn << PAGE_SHIFT);
    if (zero)
        memset(p, 0, npages * PAGE_SIZE);
    return p;
}

void *x86_pages_alloc(size_t npages, size_t align)
{
    return pages_alloc(npages, align, true);
}

void *arch_alloc_raw(size_t size, size_t align)
{
    if (align < PAGE_SIZE && size <= CLASS_MAX)
        return arch_alloc(size, align); /* small blocks come zeroed anyway */
    if (align & (align - 1))
        return NULL;
    if (size > (uint64_t)pages_total * PAGE_SIZE)
        return NULL;
    return pages_alloc((size + PAGE_SIZE - 1) / PAGE_SIZE, align, false);
}

static unsigned size_class(size_t n)
{
    unsigned c = 0;
    while ((16u << c) < n)
        c++;
    return c;
}

static void *small_alloc(unsigned c)
{
    size_t bsize = 16u << c;
    if (!class_free[c]) {
        uint64_t pfn = run_alloc(1, 1);
        if (!pfn)
            return NULL;
        page_meta[pfn] = META_SMALL | c;
        uint8_t *page = (uint8_t *)(uintptr_t)(pfn << PAGE_SHIFT);
        for (size_t off = PAGE_SIZE; off >= bsize; off -= bsize) {
            struct free_block *b = (struct free_block *)(page + off - bsize);
            b->next = class_free[c];
            b->mark = FREE_MARK ^ (uintptr_t)b;
            class_free[c] = b;
        }
    }
    struct free_block *b = class_free[c];
    class_free[c] = b->next;
    return b;
}

void *arch_alloc(size_t size, size_t align)
{
    if (align < 16)
        align = 16;
    if (align & (align - 1))
        return NULL;
    if (size == 0)
        size = 1;
    if (size <= CLASS_MAX && align <= CLASS_MAX) {
        unsigned c = size_class(size > align ? size : align);
        uint64_t f = irq_save();
        void *p = small_alloc(c);
        irq_restore(f);
        if (p)
            memset(p, 0, 16u << c);
        return p;
    }
    if (size > (uint64_t)pages_total * PAGE_SIZE)
        return NULL;
    return x86_pages_alloc((size + PAGE_SIZE - 1) / PAGE_SIZE, align);
}

void arch_free(void *p)
{
    if (!p)
        return;
    uintptr_t a = (uintptr_t)p;
    uint64_t pfn = a >> PAGE_SHIFT;
    uint32_t m = pfn < max_pfn ? page_meta[pfn] : 0;
    uint64_t f = irq_save();
    if (m & META_LARGE) {
        if (a & (PAGE_SIZE - 1))
            goto bad;
        run_free(pfn, m & 0xffffff);
    } else if (m & META_SMALL) {
        unsigned c = m & 0xff;
        struct free_block *b = p;
        if (c >= NCLASSES || (a & ((16u << c) - 1)))
            goto bad;
        if (b->mark == (FREE_MARK ^ a)) {
            irq_restore(f);
            klog(KLOG_ERR, "x86", "arch_free: double free of %p", p);
            return;
        }
        b->next = class_free[c];
        b->mark = FREE_MARK ^ a;
        class_free[c] = b;
    } else {
        goto bad;
    }
    irq_restore(f);
    return;
bad:
    irq_restore(f);
    klog(KLOG_ERR, "x86", "arch_free: %p was not allocated by arch_alloc", p);
}
