/*
 * kernel/arch/x86_64/paging.c — mapping device memory.
 *
 * boot.S identity-maps 0..4 GiB with 2 MiB pages, write-back. A device
 * register window (a PCI BAR, the I/O APIC) must be uncached: its 2 MiB
 * pages get PCD|PWT (PAT entry 3 = UC at reset, SDM vol. 3A 11.12.3).
 * Windows above 4 GiB (64-bit BARs placed high by the firmware) get new
 * identity mappings, with page-table pages from the page allocator.
 * Pages that overlap RAM keep write-back (the MTRRs still rule there).
 */
#include "kernel/kerr.h"
#include "x86.h"

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_PWT 0x8ull
#define PTE_PCD 0x10ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull
#define LARGE 0x200000ull
#define PHYS_LIMIT (1ull << 46) /* 4-level paging reach we accept */

/* The next-level table of @e, allocating it when absent. */
static uint64_t *next_table(uint64_t *e)
{
    if (!(*e & PTE_P)) {
        void *t = x86_pages_alloc(1, 4096);
        if (!t)
            return NULL;
        *e = (uint64_t)(uintptr_t)t | PTE_P | PTE_RW;
    }
    if (*e & PTE_PS)
        return NULL; /* a 1 GiB page: not built by us */
    return (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
}

int x86_map_mmio(uint64_t phys, uint64_t size)
{
    if (size == 0)
        return 0;
    if (phys + size < phys || phys + size > PHYS_LIMIT)
        return -KE_RANGE;
    uint64_t start = phys & ~(LARGE - 1);
    uint64_t end = (phys + size + LARGE - 1) & ~(LARGE - 1);
    for (uint64_t a = start; a < end; a += LARGE) {
        uint64_t *pdpt = next_table(&boot_pml4[(a >> 39) & 511]);
        if (!pdpt)
            return -KE_NOMEM;
        uint64_t *pd = next_table(&pdpt[(a >> 30) & 511]);
        if (!pd)
            return -KE_NOMEM;
        uint64_t flags = PTE_P | PTE_RW | PTE_PS;
        if (!x86_range_is_ram(a, LARGE))
            flags |= PTE_PCD | PTE_PWT;
        pd[(a >> 21) & 511] = a | flags;
        invlpg((uintptr_t)a);
    }
    return 0;
}
