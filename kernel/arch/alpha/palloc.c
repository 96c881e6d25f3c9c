/*
 * kernel/arch/alpha/palloc.c — physical memory and the arch_alloc() /
 * arch_free() under the core's kmalloc (kernel/arch.h).
 *
 * Pages are the Alpha's 8 KiB. The range [alpha_ram_lo, alpha_ram_hi)
 * (boot.c: from the end of the image to the -initrd file or the end of the
 * RAM cluster, at most 2 GiB so every page is inside the Pchip DMA window)
 * is reached through KSEG, so a block's physical address is its address
 * minus KSEG_BASE and every run of pages is physically contiguous
 * (bus_dma_alloc relies on that). The allocator's tables take the first
 * pages of the range: one bit per page (used) and one word per page
 * (what the page holds).
 *
 * Requests of at most 4096 bytes and alignment come from power-of-two size
 * classes 16..4096 carved from whole pages (a page serves one class for
 * good; blocks are aligned to their size); larger ones take page runs,
 * first fit from a rotating hint at any power-of-two alignment. Freed small
 * blocks carry a marker that catches most double frees. Memory is zeroed on
 * every allocation.
 */
#include "kernel/arch.h"
#include "kernel/arch_uart.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "alpha.h"

#define PAGE ALPHA_PAGE_SIZE
#define META_LARGE 0x80000000u /* head of a run; low bits: pages */
#define META_SMALL 0x40000000u /* size-class page; low bits: class */
#define META_TAIL 0x20000000u  /* inside a run */
#define META_MASK 0x0fffffffu
#define NCLASSES 9 /* 16 << 0 .. 16 << 8 = 4096 */
#define CLASS_MAX 4096u
#define FREE_MARK 0x5a1f2eeb10c4f4eeull

static uint64_t base; /* KSEG address of managed page 0 */
static uint64_t npages;
static uint8_t *bitmap; /* 1 = used */
static uint32_t *meta;
static uint64_t pages_free, hint;

struct free_block {
    struct free_block *next;
    uint64_t mark;
};
static struct free_block *class_free[NCLASSES];

static bool used(uint64_t i)
{
    return bitmap[i >> 3] & (1u << (i & 7));
}
static void set_used(uint64_t i)
{
    bitmap[i >> 3] |= (uint8_t)(1u << (i & 7));
}
static void set_free(uint64_t i)
{
    bitmap[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

void alpha_palloc_init(void)
{
    uint64_t lo = (alpha_ram_lo + PAGE - 1) & ~(uint64_t)(PAGE - 1);
    uint64_t hi = alpha_ram_hi & ~(uint64_t)(PAGE - 1);
    if (hi <= lo + 4 * PAGE) {
        uart_puts("alpha: no memory for the allocator\n");
        arch_halt(1);
    }
    uint64_t n = (hi - lo) / PAGE;
    uint64_t table_bytes = (n + 7) / 8 + n * sizeof(uint32_t) + 16;
    uint64_t table_pages = (table_bytes + PAGE - 1) / PAGE;
    uint8_t *t = kseg_va(lo);
    memset(t, 0, table_pages * PAGE);
    meta = (uint32_t *)(void *)t;
    bitmap = t + n * sizeof(uint32_t);
    base = (uint64_t)(uintptr_t)t;
    npages = n;
    for (uint64_t i = 0; i < table_pages; i++) {
        set_used(i);
        meta[i] = META_TAIL;
    }
    pages_free = n - table_pages;
    hint = table_pages;
}

void alpha_palloc_stats(uint64_t *total, uint64_t *free_pages)
{
    *total = npages;
    *free_pages = pages_free;
}

/* A free run of @n pages whose address is a multiple of @align; index or UINT64_MAX. */
static uint64_t find_run(uint64_t n, uint64_t align)
{
    uint64_t step = align > PAGE ? align / PAGE : 1;
    for (int pass = 0; pass < 2; pass++) {
        uint64_t i = pass == 0 ? hint : 0;
        uint64_t end = pass == 0 ? npages : hint + n;
        if (end > npages)
            end = npages;
        uint64_t mis = ((base + i * PAGE) / PAGE) % step;
        if (mis)
            i += step - mis;
        while (i + n <= end) {
            uint64_t k = 0;
            while (k < n && !used(i + k))
                k++;
            if (k == n)
                return i;
            i += k + 1; /* past the used page, then realign */
            mis = ((base + i * PAGE) / PAGE) % step;
            if (mis)
                i += step - mis;
        }
    }
    return UINT64_MAX;
}

/* pages_alloc - @n pages aligned to @align, zero-filled when @zero. */
static void *pages_alloc(size_t n, size_t align, bool zero)
{
    if (n == 0 || n > npages || (align & (align - 1)))
        return NULL;
    uint64_t ipl = pal_swpipl(IPL_HIGH);
    uint64_t i = find_run(n, align);
    if (i == UINT64_MAX) {
        pal_swpipl(ipl);
        return NULL;
    }
    for (uint64_t k = 0; k < n; k++) {
        set_used(i + k);
        meta[i + k] = META_TAIL;
    }
    meta[i] = META_LARGE | (uint32_t)n;
    pages_free -= n;
    hint = i + n < npages ? i + n : 0;
    pal_swpipl(ipl);
    void *p = (void *)(uintptr_t)(base + i * PAGE);
    if (zero)
        memset(p, 0, n * PAGE);
    return p;
}

void *alpha_pages_alloc(size_t n, size_t align)
{
    return pages_alloc(n, align, true);
}

void *arch_alloc_raw(size_t size, size_t align)
{
    if (size <= CLASS_MAX && align <= CLASS_MAX)
        return arch_alloc(size, align); /* small blocks come zeroed anyway */
    if (size == 0 || (align & (align - 1)))
        return NULL;
    return pages_alloc((size + PAGE - 1) / PAGE, align < PAGE ? PAGE : align, false);
}

static unsigned class_of(size_t size)
{
    unsigned c = 0;
    while ((16u << c) < size)
        c++;
    return c;
}

void *arch_alloc(size_t size, size_t align)
{
    if (align < 16)
        align = 16;
    if (size == 0)
        size = 1;
    if (size > CLASS_MAX || align > CLASS_MAX)
        return alpha_pages_alloc((size + PAGE - 1) / PAGE, align < PAGE ? PAGE : align);
    unsigned c = class_of(size > align ? size : align);
    size_t bsize = 16u << c;
    uint64_t ipl = pal_swpipl(IPL_HIGH);
    if (!class_free[c]) {
        uint8_t *pg = alpha_pages_alloc(1, PAGE);
        if (!pg) {
            pal_swpipl(ipl);
            return NULL;
        }
        meta[((uint64_t)(uintptr_t)pg - base) / PAGE] = META_SMALL | c;
        for (size_t off = PAGE; off >= bsize; off -= bsize) {
            struct free_block *b = (struct free_block *)(void *)(pg + off - bsize);
            b->mark = FREE_MARK;
            b->next = class_free[c];
            class_free[c] = b;
        }
    }
    struct free_block *b = class_free[c];
    class_free[c] = b->next;
    pal_swpipl(ipl);
    memset(b, 0, bsize);
    return b;
}

void arch_free(void *p)
{
    if (!p)
        return;
    uint64_t a = (uint64_t)(uintptr_t)p;
    uint64_t i = (a - base) / PAGE;
    if (a < base || i >= npages || !used(i)) {
        klog(KLOG_ERR, "alpha", "arch_free: %p was not allocated here", p);
        return;
    }
    uint32_t m = meta[i];
    uint64_t ipl = pal_swpipl(IPL_HIGH);
    if (m & META_SMALL) {
        unsigned c = m & META_MASK;
        struct free_block *b = p;
        if (a & ((16u << c) - 1)) {
            klog(KLOG_ERR, "alpha", "arch_free: %p is inside a block", p);
        } else if (b->mark == FREE_MARK) {
            klog(KLOG_ERR, "alpha", "arch_free: double free of %p", p);
        } else {
            b->mark = FREE_MARK;
            b->next = class_free[c];
            class_free[c] = b;
        }
    } else if ((m & META_LARGE) && a == base + i * PAGE) {
        uint64_t n = m & META_MASK;
        for (uint64_t k = 0; k < n; k++) {
            set_free(i + k);
            meta[i + k] = 0;
        }
        pages_free += n;
    } else {
        klog(KLOG_ERR, "alpha", "arch_free: %p is not the start of an allocation", p);
    }
    pal_swpipl(ipl);
}
