/*
 * kernel/arch/x86_64/pci.c — the x86_64 side of kernel/bus.h: the hooks of
 * kernel/arch_pci.h (enumeration, BAR sizing and configuration-space
 * accessors are portable, kernel/pci.c), register access, DMA memory and
 * interrupts.
 *
 * Configuration space through configuration mechanism #1 (PCI Local Bus
 * Specification 3.0, 3.2.2.3.2): write 0x80000000 | bus << 16 | dev << 11
 * | fn << 8 | reg to CONFIG_ADDRESS (0xCF8), then access CONFIG_DATA
 * (0xCFC + (reg & 3)), with interrupts masked so the pair is not split.
 * The firmware (SeaBIOS) has assigned BARs and interrupt lines. Memory BARs
 * are mapped uncached (paging.c), identity: CPU address = bus address; I/O
 * BARs are reached with in/out. INTx goes through the 8259 line in config
 * 0x3C (pic.c); DMA memory is identity-mapped RAM, so bus address =
 * physical = virtual.
 */
#include "kernel/arch_pci.h"
#include "kernel/bus.h"
#include "kernel/kerr.h"
#include "x86.h"

#define PCI_ADDR 0xCF8
#define PCI_DATA 0xCFC

static uint32_t cfg_addr(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)(dev & 31) << 11 |
           (uint32_t)(fn & 7) << 8 | (off & 0xFC);
}

uint32_t arch_pci_cfg_read(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width)
{
    uint64_t f = irq_save();
    outl(PCI_ADDR, cfg_addr(bus, dev, fn, off));
    uint32_t v;
    if (width == 1)
        v = inb((uint16_t)(PCI_DATA + (off & 3)));
    else if (width == 2)
        v = inw((uint16_t)(PCI_DATA + (off & 2)));
    else
        v = inl(PCI_DATA);
    irq_restore(f);
    return v;
}

void arch_pci_cfg_write(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width,
                        uint32_t v)
{
    uint64_t f = irq_save();
    outl(PCI_ADDR, cfg_addr(bus, dev, fn, off));
    if (width == 1)
        outb((uint16_t)(PCI_DATA + (off & 3)), (uint8_t)v);
    else if (width == 2)
        outw((uint16_t)(PCI_DATA + (off & 2)), (uint16_t)v);
    else
        outl(PCI_DATA, v);
    irq_restore(f);
}

int arch_pci_map_mmio(uint64_t bus_addr, uint64_t size, uintptr_t *cpu_addr)
{
    if (x86_map_mmio(bus_addr, size) != 0)
        return -KE_NOMEM;
    *cpu_addr = (uintptr_t)bus_addr; /* identity */
    return 0;
}

uint8_t bus_read8(const struct bus_bar *b, uint32_t off)
{
    if (b->kind == BUS_BAR_PIO)
        return inb((uint16_t)(b->base + off));
    return *(volatile uint8_t *)(b->base + off);
}

uint16_t bus_read16(const struct bus_bar *b, uint32_t off)
{
    if (b->kind == BUS_BAR_PIO)
        return inw((uint16_t)(b->base + off));
    return *(volatile uint16_t *)(b->base + off);
}

uint32_t bus_read32(const struct bus_bar *b, uint32_t off)
{
    if (b->kind == BUS_BAR_PIO)
        return inl((uint16_t)(b->base + off));
    return *(volatile uint32_t *)(b->base + off);
}

void bus_write8(const struct bus_bar *b, uint32_t off, uint8_t v)
{
    if (b->kind == BUS_BAR_PIO)
        outb((uint16_t)(b->base + off), v);
    else
        *(volatile uint8_t *)(b->base + off) = v;
}

void bus_write16(const struct bus_bar *b, uint32_t off, uint16_t v)
{
    if (b->kind == BUS_BAR_PIO)
        outw((uint16_t)(b->base + off), v);
    else
        *(volatile uint16_t *)(b->base + off) = v;
}

void bus_write32(const struct bus_bar *b, uint32_t off, uint32_t v)
{
    if (b->kind == BUS_BAR_PIO)
        outl((uint16_t)(b->base + off), v);
    else
        *(volatile uint32_t *)(b->base + off) = v;
}

void bus_mb(void)
{
    __asm__ volatile("mfence" ::: "memory");
}
void bus_rmb(void)
{
    __asm__ volatile("lfence" ::: "memory");
}
void bus_wmb(void)
{
    __asm__ volatile("sfence" ::: "memory");
}

void *arch_pci_dma_pages(size_t size, size_t align, uint64_t *phys)
{
    void *p = x86_pages_alloc((size + 4095) / 4096, align < 4096 ? 4096 : align);
    *phys = (uint64_t)(uintptr_t)p; /* identity map */
    return p;
}

uint64_t bus_dma_addr(const struct bus_device *d, const void *virt, bool physical)
{
    (void)d;
    (void)physical;
    return (uint64_t)(uintptr_t)virt; /* identity map, no IOMMU */
}

int arch_pci_irq_line(const struct bus_device *d)
{
    unsigned irq = d->irq_line;
    if (d->irq_pin == 0 || irq == 0 || irq == 2 || irq >= X86_NIRQ)
        return -KE_NODEV;
    return (int)irq;
}

void arch_pci_irq_route(unsigned line, void (*dispatch)(unsigned line))
{
    x86_irq_set_handler(line, dispatch);
    x86_pic_set_level(line);
    x86_pic_unmask(line);
}

uint64_t arch_pci_irq_save(void)
{
    return irq_save();
}

void arch_pci_irq_restore(uint64_t saved)
{
    irq_restore(saved);
}

/*
 * The PCI hole of QEMU's q35 and pc machines with up to 2.75 GiB of RAM:
 * memory BARs between 0xC0000000 (above q35's ECAM at 0xB0000000) and the
 * I/O APIC at 0xFEC00000; I/O BARs in 0xC000-0xFFFF (above the chipset's
 * fixed ports). What SeaBIOS uses too; qboot leaves some BARs unassigned.
 */
int arch_pci_windows(struct arch_pci_windows *w)
{
    w->mmio_base = 0xC0000000ull;
    w->mmio_limit = 0xFEC00000ull;
    w->io_base = 0xC000u;
    w->io_limit = 0x10000u;
    return 0;
}
