/*
 * kernel/arch/alpha/pci.c — the Alpha side of kernel/bus.h, through the
 * 21272 (Typhoon) Pchip0 as QEMU models it (hw/alpha/typhoon.c): the hooks
 * of kernel/arch_pci.h (enumeration, BAR sizing and configuration-space
 * accessors are portable, kernel/pci.c), register access, the DMA window,
 * DMA memory and interrupts.
 *
 * Configuration space is memory-mapped (21272 HRM, "PCI configuration
 * space"): type 0 cycles at KSEG_IO + 0x1fe000000 + (bus << 16 | devfn << 8
 * | register), any access width (EV67 BWX loads and stores); the 256-byte
 * conventional header only (no extended space). QEMU's PALcode
 * has assigned BARs (memory from 256 MiB, I/O from 0xc000), enabled I/O and
 * memory decoding and written the interrupt line as the Cchip DRIR bit,
 * (slot + 1) * 4 + (pin - 1) (qemu-palcode pci.c, sys-clipper.h); it does
 * not set bus mastering.
 *
 * CPU -> PCI: memory BAR value B is at KSEG_IO + B (hose 0 PCI memory,
 * 4 GiB), I/O port P at KSEG_IO + 0x1fc000000 + P.
 *
 * PCI -> memory (DMA): a bus master's addresses go through the Pchip's
 * windows; none is enabled at reset. Window 0 is made direct-mapped:
 * WSBA0 = 0x80000000 | ENA, WSM0 = 0x7ff00000 (2 GiB), TBA0 = 0, so bus
 * address = physical + 0x80000000 for the first 2 GiB of RAM (21272 HRM
 * 10.1.4, "PCI-to-system address translation"). virtio devices without
 * VIRTIO_F_ACCESS_PLATFORM bypass the windows and take physical addresses
 * (QEMU uses address_space_memory for them; virtio 1.1 section 6.1).
 *
 * Interrupts: bus_irq_attach unmasks the line's DRIR bit in DIM0; the
 * handlers run from entInt (trap.c).
 */
#include "kernel/arch_pci.h"
#include "kernel/bus.h"
#include "kernel/kerr.h"
#include "kernel/log.h"
#include "alpha.h"

#define WSBA_ENA 1ull
#define DRIR_ISA 55 /* the ISA bridge's 8259 output (console.c) */

#define PVPANIC_VENDOR 0x1b36 /* Red Hat, QEMU docs/specs/pvpanic.rst */
#define PVPANIC_DEVICE 0x0011

static volatile uint8_t *pvpanic_reg;

static uintptr_t cfg_va(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    return (uintptr_t)(KSEG_IO + TYPHOON_PCI_CONF + ((uint64_t)bus << 16) +
                       ((uint64_t)(dev & 31) << 11) + ((uint64_t)(fn & 7) << 8) + (off & 0xff));
}

uint32_t arch_pci_cfg_read(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width)
{
    if (width == 1)
        return *(volatile uint8_t *)cfg_va(bus, dev, fn, off);
    if (width == 2)
        return *(volatile uint16_t *)cfg_va(bus, dev, fn, off & 0xfe);
    return *(volatile uint32_t *)cfg_va(bus, dev, fn, off & 0xfc);
}

void arch_pci_cfg_write(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width,
                        uint32_t v)
{
    if (width == 1)
        *(volatile uint8_t *)cfg_va(bus, dev, fn, off) = (uint8_t)v;
    else if (width == 2)
        *(volatile uint16_t *)cfg_va(bus, dev, fn, off & 0xfe) = (uint16_t)v;
    else
        *(volatile uint32_t *)cfg_va(bus, dev, fn, off & 0xfc) = v;
    __asm__ volatile("mb" ::: "memory");
}

int arch_pci_map_mmio(uint64_t bus_addr, uint64_t size, uintptr_t *cpu_addr)
{
    if (bus_addr + size > 0x100000000ull)
        return -KE_NOMEM; /* beyond hose 0's 4 GiB memory window */
    *cpu_addr = (uintptr_t)(KSEG_IO + TYPHOON_PCI_MEM + bus_addr);
    return 0;
}

static void dma_window_init(void)
{
    pchip_write(PCHIP_WSBA(0), ALPHA_DMA_WINDOW_BASE | WSBA_ENA); /* direct-mapped */
    pchip_write(PCHIP_WSM(0), (ALPHA_DMA_WINDOW_SIZE - 1) & 0xfff00000ull);
    pchip_write(PCHIP_TBA(0), 0);
    kprintf("alpha: Pchip window 0: bus 0x%08llx-0x%08llx -> physical 0x0 (WSBA0 %llx WSM0 %llx "
            "TBA0 %llx)\n",
            (unsigned long long)ALPHA_DMA_WINDOW_BASE,
            (unsigned long long)(ALPHA_DMA_WINDOW_BASE + ALPHA_DMA_WINDOW_SIZE - 1),
            (unsigned long long)pchip_read(PCHIP_WSBA(0)),
            (unsigned long long)pchip_read(PCHIP_WSM(0)),
            (unsigned long long)pchip_read(PCHIP_TBA(0)));
}

/* pci_enumerate's per-function step: QEMU's pvpanic-pci is how a failure status leaves. */
static void find_pvpanic(const struct bus_device *d)
{
    if (d->vendor_id != PVPANIC_VENDOR || d->device_id != PVPANIC_DEVICE)
        return;
    struct bus_bar bar;
    if (bus_map_bar(d, 0, &bar) == 0 && bar.kind == BUS_BAR_MMIO)
        pvpanic_reg = (volatile uint8_t *)bar.base;
    kprintf("pci %02x:%02x.%x   pvpanic: failure exits through it%s\n", d->bus, d->dev, d->fn,
            pvpanic_reg ? "" : " (BAR0 unusable!)");
}

void alpha_pci_init(void)
{
    dma_window_init();
    pci_enumerate(find_pvpanic);
}

volatile uint8_t *alpha_pvpanic(void)
{
    return pvpanic_reg;
}

static inline uintptr_t reg_va(const struct bus_bar *b, uint32_t off)
{
    if (b->kind == BUS_BAR_PIO)
        return (uintptr_t)(KSEG_IO + TYPHOON_PCI_IO + b->base + off);
    return b->base + off;
}

uint8_t bus_read8(const struct bus_bar *b, uint32_t off)
{
    uint8_t v = *(volatile uint8_t *)reg_va(b, off);
    __asm__ volatile("mb" ::: "memory");
    return v;
}

uint16_t bus_read16(const struct bus_bar *b, uint32_t off)
{
    uint16_t v = *(volatile uint16_t *)reg_va(b, off);
    __asm__ volatile("mb" ::: "memory");
    return v;
}

uint32_t bus_read32(const struct bus_bar *b, uint32_t off)
{
    uint32_t v = *(volatile uint32_t *)reg_va(b, off);
    __asm__ volatile("mb" ::: "memory");
    return v;
}

void bus_write8(const struct bus_bar *b, uint32_t off, uint8_t v)
{
    __asm__ volatile("mb" ::: "memory");
    *(volatile uint8_t *)reg_va(b, off) = v;
}

void bus_write16(const struct bus_bar *b, uint32_t off, uint16_t v)
{
    __asm__ volatile("mb" ::: "memory");
    *(volatile uint16_t *)reg_va(b, off) = v;
}

void bus_write32(const struct bus_bar *b, uint32_t off, uint32_t v)
{
    __asm__ volatile("mb" ::: "memory");
    *(volatile uint32_t *)reg_va(b, off) = v;
}

void bus_mb(void)
{
    __asm__ volatile("mb" ::: "memory");
}
void bus_rmb(void)
{
    __asm__ volatile("mb" ::: "memory");
}
void bus_wmb(void)
{
    __asm__ volatile("wmb" ::: "memory");
}

void *arch_pci_dma_pages(size_t size, size_t align, uint64_t *phys)
{
    void *p = alpha_pages_alloc((size + ALPHA_PAGE_SIZE - 1) / ALPHA_PAGE_SIZE,
                                align < ALPHA_PAGE_SIZE ? ALPHA_PAGE_SIZE : align);
    *phys = p ? kseg_pa(p) : 0;
    return p;
}

uint64_t bus_dma_addr(const struct bus_device *d, const void *virt, bool physical)
{
    (void)d;
    uint64_t pa = kseg_pa(virt);
    if (physical)
        return pa;
    if (pa >= ALPHA_DMA_WINDOW_SIZE)
        klog(KLOG_ERR, "alpha", "bus_dma_addr: %p is beyond the 2 GiB DMA window", virt);
    return ALPHA_DMA_WINDOW_BASE + pa;
}

int arch_pci_irq_line(const struct bus_device *d)
{
    unsigned bit = d->irq_line;
    if (d->irq_pin == 0 || bit >= ARCH_PCI_IRQ_LINES || bit == DRIR_ISA)
        return -KE_NODEV;
    return (int)bit;
}

void arch_pci_irq_route(unsigned line, void (*dispatch)(unsigned line))
{
    alpha_irq_set_handler(line, dispatch);
    alpha_irq_unmask(line);
}

uint64_t arch_pci_irq_save(void)
{
    return pal_swpipl(IPL_HIGH);
}

void arch_pci_irq_restore(uint64_t saved)
{
    pal_swpipl(saved);
}

/* The clipper's PALcode assigns every BAR (notes: qemu-targets.md). */
int arch_pci_windows(struct arch_pci_windows *w)
{
    (void)w;
    return -KE_NOTSUP;
}
