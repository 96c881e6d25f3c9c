/*
 * kernel/arch/x86_64/memmap.c — what the loader tells us: the physical
 * memory map and the command line.
 *
 * Source: struct hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h,
 * magic 0x336ec578; memmap_paddr/memmap_entries exist from version 1), whose
 * memory map entries use the ACPI E820 types (1 = RAM). When the loader gave
 * no map, QEMU's fw_cfg file "etc/e820" (20-byte little-endian entries:
 * u64 address, u64 length, u32 type) is read instead.
 *
 * Both are copied into static storage before the page allocator starts, so
 * the loader's structures may be overwritten later.
 */
#include "kernel/klib.h"
#include "x86.h"

#define HVM_START_MAGIC 0x336ec578u
#define E820_RAM 1

struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr; /* version >= 1 */
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct hvm_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

struct x86_memrange x86_memmap[X86_MEMMAP_MAX];
unsigned x86_memmap_n;
char x86_cmdline[256];

static void memmap_add(uint64_t base, uint64_t size, uint32_t type)
{
    if (size == 0 || x86_memmap_n >= X86_MEMMAP_MAX)
        return;
    x86_memmap[x86_memmap_n].base = base;
    x86_memmap[x86_memmap_n].size = size;
    x86_memmap[x86_memmap_n].type = type;
    x86_memmap_n++;
}

static void memmap_from_fwcfg(void)
{
    uint16_t sel;
    uint32_t size;
    if (!x86_fwcfg_present() || !x86_fwcfg_find("etc/e820", &sel, &size))
        return;
    uint8_t ent[20];
    uint32_t n = size / 20;
    /* fw_cfg reads are sequential from the start of the item. */
    outw(0x510, sel);
    for (uint32_t i = 0; i < n; i++) {
        for (unsigned k = 0; k < 20; k++)
            ent[k] = inb(0x511);
        uint64_t base = load_le32(ent) | ((uint64_t)load_le32(ent + 4) << 32);
        uint64_t len = load_le32(ent + 8) | ((uint64_t)load_le32(ent + 12) << 32);
        memmap_add(base, len, load_le32(ent + 16));
    }
}

int x86_boot_info(uint32_t start_info_paddr)
{
    const struct hvm_start_info *si = (const struct hvm_start_info *)(uintptr_t)start_info_paddr;
    x86_memmap_n = 0;
    x86_cmdline[0] = '\0';
    bool ok = si != NULL && si->magic == HVM_START_MAGIC;
    if (ok) {
        if (si->cmdline_paddr) {
            const char *c = (const char *)(uintptr_t)si->cmdline_paddr;
            size_t i = 0;
            while (i + 1 < sizeof(x86_cmdline) && c[i]) {
                x86_cmdline[i] = c[i];
                i++;
            }
            x86_cmdline[i] = '\0';
        }
        if (si->version >= 1 && si->memmap_paddr && si->memmap_entries) {
            const struct hvm_memmap_entry *e =
                (const struct hvm_memmap_entry *)(uintptr_t)si->memmap_paddr;
            for (uint32_t i = 0; i < si->memmap_entries; i++)
                memmap_add(e[i].addr, e[i].size, e[i].type);
        }
    }
    if (x86_memmap_n == 0)
        memmap_from_fwcfg();
    return ok ? 0 : -1;
}

bool x86_range_is_ram(uint64_t base, uint64_t size)
{
    for (unsigned i = 0; i < x86_memmap_n; i++) {
        const struct x86_memrange *r = &x86_memmap[i];
        if (r->type != E820_RAM)
            continue;
        if (base < r->base + r->size && r->base < base + size)
            return true;
    }
    return false;
}
