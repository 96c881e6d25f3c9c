/*
 * kernel/arch/alpha/boot.c — what QEMU and its PALcode hand the kernel:
 * the parameter block (command line, -initrd) and the HWRPB's memory
 * cluster description; kernel/bootcfg.h on Alpha.
 *
 * Parameter block (QEMU hw/alpha/dp264.c, clipper_init): at physical
 * (lowest loaded address of the kernel) - 0x6000, i.e. 0x30a000 for our
 * link address: the -append string at +0 (at most 0x100 bytes with its
 * NUL), and for -initrd FILE the file's KSEG address at +0x100 and its
 * size in bytes at +0x108 (both 64-bit little-endian). QEMU puts the
 * file page-aligned at the top of RAM. The configuration text travels as
 * that file: `qemu-system-alpha -M clipper -kernel spindle-alpha.elf
 * -initrd appliance.conf`.
 *
 * HWRPB (Alpha ARM part III, "Hardware Restart Parameter Block"): the
 * PALcode maps it at virtual 0x10000000 (INIT_HWRPB) through its page
 * table; the memory data descriptor table at +mddt_offset lists clusters
 * of 8 KiB pages (start_pfn, numpages, usage; usage bit 0 = reserved for
 * the console/PALcode). qemu-palcode init.c builds two: the PALcode's own
 * pages and the rest of RAM.
 */
#include "kernel/arch.h"
#include "kernel/arch_uart.h"
#include "kernel/bootcfg.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "alpha.h"

#define PARAM_BELOW_KERNEL 0x6000
#define PARAM_CMDLINE 0x000
#define PARAM_CMDLINE_MAX 0x100
#define PARAM_INITRD_START 0x100
#define PARAM_INITRD_SIZE 0x108

#define HWRPB_VA 0x10000000ull
#define HWRPB_ID 0x4857525042000000ull /* "HWRPB" in the big-endian order the ARM defines */
#define HWRPB_O_PHYS 0
#define HWRPB_O_ID 8
#define HWRPB_O_PAGESIZE 40
#define HWRPB_O_MDDT 200
#define MDDT_O_NUMCLUSTERS 16
#define MDDT_O_CLUSTER 24
#define CLUSTER_BYTES 56
#define CLUSTER_O_START 0
#define CLUSTER_O_NUMPAGES 8
#define CLUSTER_O_USAGE 48
#define MAX_CLUSTERS 16

uint64_t alpha_ram_lo, alpha_ram_hi, alpha_ram_size;

static char cmdline[PARAM_CMDLINE_MAX];
static const uint8_t *initrd; /* KSEG address of the -initrd file, or NULL (an empty file counts) */
static uint64_t initrd_size;
static char *config_text;

static uint64_t rd64(uint64_t va)
{
    return *(volatile const uint64_t *)(uintptr_t)va;
}

/* The -append string and the -initrd location; validated against RAM later. */
static void read_param_block(void)
{
    uint64_t param = KSEG_BASE + (kseg_pa(__kernel_start) - PARAM_BELOW_KERNEL);
    const volatile char *s = (const volatile char *)(uintptr_t)(param + PARAM_CMDLINE);
    size_t n = 0;
    while (n < PARAM_CMDLINE_MAX - 1 && s[n]) {
        char c = s[n];
        cmdline[n++] = (c >= 0x20 && c < 0x7f) ? c : ' ';
    }
    cmdline[n] = '\0';
    uint64_t start = rd64(param + PARAM_INITRD_START);
    uint64_t size = rd64(param + PARAM_INITRD_SIZE);
    if (start) { /* an empty file is an empty configuration */
        initrd = (const uint8_t *)(uintptr_t)start;
        initrd_size = size;
    }
}

int alpha_boot_info(void)
{
    read_param_block();

    if (rd64(HWRPB_VA + HWRPB_O_ID) != HWRPB_ID) {
        uart_puts("alpha: no HWRPB at 0x10000000: cannot size memory\n");
        return -1;
    }
    uint64_t pagesize = rd64(HWRPB_VA + HWRPB_O_PAGESIZE);
    uint64_t mddt = HWRPB_VA + rd64(HWRPB_VA + HWRPB_O_MDDT);
    uint64_t nclusters = rd64(mddt + MDDT_O_NUMCLUSTERS);
    if (pagesize != ALPHA_PAGE_SIZE || nclusters == 0 || nclusters > MAX_CLUSTERS) {
        uart_puts("alpha: HWRPB memory description unusable\n");
        return -1;
    }
    uint64_t kstart = kseg_pa(__kernel_start), kend = kseg_pa(__kernel_end);
    alpha_ram_lo = alpha_ram_hi = alpha_ram_size = 0;
    for (uint64_t i = 0; i < nclusters; i++) {
        uint64_t c = mddt + MDDT_O_CLUSTER + i * CLUSTER_BYTES;
        uint64_t lo = rd64(c + CLUSTER_O_START) * pagesize;
        uint64_t hi = lo + rd64(c + CLUSTER_O_NUMPAGES) * pagesize;
        uint64_t usage = rd64(c + CLUSTER_O_USAGE);
        kprintf("alpha: memory cluster %llu: 0x%09llx-0x%09llx %s\n", (unsigned long long)i,
                (unsigned long long)lo, (unsigned long long)(hi - 1),
                (usage & 1) ? "console/PALcode" : "ram");
        if (hi > alpha_ram_size)
            alpha_ram_size = hi;
        /* The allocator takes what follows the image in the cluster holding it. */
        if (!(usage & 1) && kstart >= lo && kend <= hi) {
            alpha_ram_lo = kend;
            alpha_ram_hi = hi;
        }
    }
    if (alpha_ram_hi == 0) {
        uart_puts("alpha: the kernel image is not inside a RAM cluster\n");
        return -1;
    }

    if (initrd) {
        uint64_t va = (uint64_t)(uintptr_t)initrd;
        if (!kseg_is_ram(va) || va - KSEG_BASE + initrd_size > alpha_ram_size ||
            va - KSEG_BASE < kend) {
            kprintf("alpha: ignoring -initrd at 0x%llx size %llu: not in RAM above the kernel\n",
                    (unsigned long long)va, (unsigned long long)initrd_size);
            initrd = NULL;
            initrd_size = 0;
        } else if (va - KSEG_BASE < alpha_ram_hi) {
            alpha_ram_hi = (va - KSEG_BASE) & ~(uint64_t)(ALPHA_PAGE_SIZE - 1);
        }
    }
    /* Bus masters reach RAM through a 2 GiB direct-mapped window (pci.c). */
    if (alpha_ram_hi > ALPHA_DMA_WINDOW_SIZE)
        alpha_ram_hi = ALPHA_DMA_WINDOW_SIZE;
    return 0;
}

const char *arch_boot_config(size_t *len)
{
    *len = 0;
    if (!initrd)
        return NULL;
    if (!config_text) {
        config_text = arch_alloc((size_t)initrd_size + 1, 16); /* zeroed: NUL-terminated */
        if (!config_text) {
            klog(KLOG_ERR, "alpha", "no memory for a %llu-byte configuration",
                 (unsigned long long)initrd_size);
            return NULL;
        }
        memcpy(config_text, initrd, (size_t)initrd_size);
        config_text[initrd_size] = '\0';
    }
    *len = (size_t)initrd_size;
    return config_text;
}

const char *arch_boot_config_name(void)
{
    return "initrd";
}

const char *arch_boot_cmdline(void)
{
    return cmdline;
}

const char *arch_target_name(void)
{
    return "alpha";
}
