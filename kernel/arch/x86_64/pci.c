/*
 * kernel/arch/x86_64/pci.c — kernel/bus.h on x86_64.
 *
 * Configuration space through configuration mechanism #1 (PCI Local Bus
 * Specification 3.0, 3.2.2.3.2): write 0x80000000 | bus << 16 | dev << 11
 * | fn << 8 | reg to CONFIG_ADDRESS (0xCF8), then access CONFIG_DATA
 * (0xCFC + (reg & 3)). Enumeration starts at bus 0 and follows PCI-PCI
 * bridges (header type 1, secondary bus at 0x19); the firmware (SeaBIOS)
 * has already assigned BARs and interrupt lines. BARs are sized by the
 * write-all-ones method (PCI 3.0, 6.2.5.1) with decoding off. Memory BARs
 * are mapped uncached (paging.c), identity: CPU address = bus address.
 * INTx goes through the 8259 line in config 0x3C (pic.c); DMA memory is
 * identity-mapped RAM, so bus address = physical = virtual.
 */
#include "kernel/bus.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "x86.h"

#define PCI_ADDR 0xCF8
#define PCI_DATA 0xCFC
#define PCI_MAX_DEVICES 64
#define PCI_CMD 0x04
#define PCI_CMD_IO 0x1
#define PCI_CMD_MEM 0x2
#define PCI_CMD_MASTER 0x4
#define PCI_HEADER_TYPE 0x0E
#define PCI_SECONDARY_BUS 0x19
#define PCI_BAR0 0x10
#define IRQ_SLOTS 4

static struct bus_device devs[PCI_MAX_DEVICES];
static unsigned ndevs;
static bool bus_seen[256];

struct irq_slot { void (*fn)(void *ctx); void *ctx; };
static struct irq_slot irq_slots[X86_NIRQ][IRQ_SLOTS];

static uint32_t cfg_addr(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)(dev & 31) << 11 |
           (uint32_t)(fn & 7) << 8 | (off & 0xFC);
}

static uint32_t raw_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    uint64_t f = irq_save();
    outl(PCI_ADDR, cfg_addr(bus, dev, fn, off));
    uint32_t v = inl(PCI_DATA);
    irq_restore(f);
    return v;
}

uint32_t bus_cfg_read32(const struct bus_device *d, uint16_t off)
{
    return raw_read32(d->bus, d->dev, d->fn, off);
}

uint16_t bus_cfg_read16(const struct bus_device *d, uint16_t off)
{
    uint64_t f = irq_save();
    outl(PCI_ADDR, cfg_addr(d->bus, d->dev, d->fn, off));
    uint16_t v = inw((uint16_t)(PCI_DATA + (off & 2)));
    irq_restore(f);
    return v;
}

uint8_t bus_cfg_read8(const struct bus_device *d, uint16_t off)
{
    uint64_t f = irq_save();
    outl(PCI_ADDR, cfg_addr(d->bus, d->dev, d->fn, off));
    uint8_t v = inb((uint16_t)(PCI_DATA + (off & 3)));
    irq_restore(f);
    return v;
}

void bus_cfg_write32(const struct bus_device *d, uint16_t off, uint32_t v)
{
    uint64_t f = irq_save();
    outl(PCI_ADDR, cfg_addr(d->bus, d->dev, d->fn, off));
    outl(PCI_DATA, v);
    irq_restore(f);
}

void bus_cfg_write16(const struct bus_device *d, uint16_t off, uint16_t v)
{
    uint64_t f = irq_save();
    outl(PCI_ADDR, cfg_addr(d->bus, d->dev, d->fn, off));
    outw((uint16_t)(PCI_DATA + (off & 2)), v);
    irq_restore(f);
}

void bus_cfg_write8(const struct bus_device *d, uint16_t off, uint8_t v)
{
    uint64_t f = irq_save();
    outl(PCI_ADDR, cfg_addr(d->bus, d->dev, d->fn, off));
    outb((uint16_t)(PCI_DATA + (off & 3)), v);
    irq_restore(f);
}

static void scan_bus(uint8_t bus, unsigned depth);
static int bar_probe(const struct bus_device *d, int index, enum bus_bar_kind *kind,
                     uint64_t *base, uint64_t *size, int *width);

static void add_function(uint8_t bus, uint8_t dev, uint8_t fn, unsigned depth)
{
    uint32_t id = raw_read32(bus, dev, fn, 0x00);
    if ((id & 0xFFFF) == 0xFFFF)
        return;
    uint32_t cls = raw_read32(bus, dev, fn, 0x08);
    uint32_t intr = raw_read32(bus, dev, fn, 0x3C);
    if (ndevs < PCI_MAX_DEVICES) {
        struct bus_device *d = &devs[ndevs++];
        d->bus = bus;
        d->dev = dev;
        d->fn = fn;
        d->vendor_id = (uint16_t)id;
        d->device_id = (uint16_t)(id >> 16);
        d->class_code = (uint8_t)(cls >> 24);
        d->subclass = (uint8_t)(cls >> 16);
        d->prog_if = (uint8_t)(cls >> 8);
        d->irq_line = (uint8_t)intr;
        d->irq_pin = (uint8_t)(intr >> 8);
        d->arch = NULL;
    }
    uint8_t htype = (uint8_t)(raw_read32(bus, dev, fn, 0x0C) >> 16) & 0x7F;
    if (htype == 1 && depth < 8) {
        uint8_t sec = (uint8_t)(raw_read32(bus, dev, fn, 0x18) >> 8);
        if (sec != 0)
            scan_bus(sec, depth + 1);
    }
}

static void scan_bus(uint8_t bus, unsigned depth)
{
    if (bus_seen[bus])
        return;
    bus_seen[bus] = true;
    for (uint8_t dev = 0; dev < 32; dev++) {
        uint32_t id = raw_read32(bus, dev, 0, 0x00);
        if ((id & 0xFFFF) == 0xFFFF)
            continue;
        bool multi = (raw_read32(bus, dev, 0, 0x0C) >> 16) & 0x80;
        for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++)
            add_function(bus, dev, fn, depth);
    }
}

static uint32_t geo(const struct bus_device *d)
{
    return (uint32_t)d->bus << 8 | (uint32_t)d->dev << 3 | d->fn;
}

void x86_pci_init(void)
{
    ndevs = 0;
    scan_bus(0, 0);
    /* Insertion sort into bus/device/function order. */
    for (unsigned i = 1; i < ndevs; i++) {
        struct bus_device t = devs[i];
        unsigned j = i;
        while (j > 0 && geo(&devs[j - 1]) > geo(&t)) {
            devs[j] = devs[j - 1];
            j--;
        }
        devs[j] = t;
    }
    for (unsigned i = 0; i < ndevs; i++) {
        const struct bus_device *d = &devs[i];
        kprintf("pci %02x:%02x.%x %04x:%04x class %02x.%02x.%02x irq %u pin %u%s\n",
                d->bus, d->dev, d->fn, d->vendor_id, d->device_id, d->class_code,
                d->subclass, d->prog_if, d->irq_line, d->irq_pin,
                d->class_code == 0x02 ? " (network)" : "");
        if (d->class_code != 0x02)
            continue;
        for (int b = 0; b < 6; b++) {
            enum bus_bar_kind kind;
            uint64_t base, size;
            int width;
            if (bar_probe(d, b, &kind, &base, &size, &width) == 0)
                kprintf("pci %02x:%02x.%x   bar %d %s 0x%llx size 0x%llx\n", d->bus, d->dev,
                        d->fn, b, kind == BUS_BAR_PIO ? "io " : "mem", (unsigned long long)base,
                        (unsigned long long)size);
            b += width - 1;
        }
    }
}

int bus_foreach(int (*cb)(struct bus_device *dev, void *ctx), void *ctx)
{
    for (unsigned i = 0; i < ndevs; i++) {
        int r = cb(&devs[i], ctx);
        if (r)
            return r;
    }
    return 0;
}

/*
 * bar_probe - read BAR @index of @d: its kind, base address and size in
 * bytes. Returns 0, or -KE_NODEV when unimplemented, unassigned or the
 * upper half of a 64-bit BAR. *@width gets 1 or 2 (registers used).
 */
static int bar_probe(const struct bus_device *d, int index, enum bus_bar_kind *kind,
                     uint64_t *base, uint64_t *size, int *width)
{
    *width = 1;
    if (index < 0 || index > 5)
        return -KE_NODEV;
    uint16_t off = (uint16_t)(PCI_BAR0 + 4 * index);
    uint32_t lo = bus_cfg_read32(d, off);
    bool io = lo & 1;
    bool is64 = !io && ((lo >> 1) & 3) == 2;
    if (is64 && index == 5)
        return -KE_NODEV;
    uint32_t hi = is64 ? bus_cfg_read32(d, (uint16_t)(off + 4)) : 0;

    /* Size with decoding off, then put everything back. */
    uint16_t cmd = bus_cfg_read16(d, PCI_CMD);
    bus_cfg_write16(d, PCI_CMD, (uint16_t)(cmd & ~(PCI_CMD_IO | PCI_CMD_MEM)));
    bus_cfg_write32(d, off, 0xFFFFFFFFu);
    uint32_t mlo = bus_cfg_read32(d, off);
    bus_cfg_write32(d, off, lo);
    uint32_t mhi = 0xFFFFFFFFu;
    if (is64) {
        bus_cfg_write32(d, (uint16_t)(off + 4), 0xFFFFFFFFu);
        mhi = bus_cfg_read32(d, (uint16_t)(off + 4));
        bus_cfg_write32(d, (uint16_t)(off + 4), hi);
    }
    bus_cfg_write16(d, PCI_CMD, cmd);

    if (io) {
        uint32_t mask = (mlo & ~3u) | 0xFFFF0000u;
        *size = (uint32_t)(~mask + 1);
        *base = lo & ~3u & 0xFFFFu;
        *kind = BUS_BAR_PIO;
    } else {
        uint64_t mask = ((uint64_t)mhi << 32) | (mlo & ~0xFu);
        *size = ~mask + 1;
        *base = ((uint64_t)hi << 32) | (lo & ~0xFu);
        *kind = BUS_BAR_MMIO;
        *width = is64 ? 2 : 1;
    }
    if ((mlo & ~0xFu) == 0 || *size == 0 || *base == 0)
        return -KE_NODEV;               /* unimplemented, or never assigned */
    return 0;
}

int bus_map_bar(const struct bus_device *d, int index, struct bus_bar *out)
{
    out->kind = BUS_BAR_NONE;
    out->base = 0;
    out->size = 0;
    enum bus_bar_kind kind;
    uint64_t base, size;
    int width;
    int r = bar_probe(d, index, &kind, &base, &size, &width);
    if (r)
        return r;
    if (kind == BUS_BAR_MMIO && x86_map_mmio(base, size) != 0)
        return -KE_NOMEM;
    out->kind = kind;
    out->base = (uintptr_t)base;
    out->size = size;
    uint16_t cmd = bus_cfg_read16(d, PCI_CMD);
    bus_cfg_write16(d, PCI_CMD, (uint16_t)(cmd | (kind == BUS_BAR_PIO ? PCI_CMD_IO : PCI_CMD_MEM)));
    return 0;
}

void bus_enable_master(const struct bus_device *d)
{
    uint16_t cmd = bus_cfg_read16(d, PCI_CMD);
    bus_cfg_write16(d, PCI_CMD, (uint16_t)(cmd | PCI_CMD_MASTER));
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

void bus_mb(void) { __asm__ volatile("mfence" ::: "memory"); }
void bus_rmb(void) { __asm__ volatile("lfence" ::: "memory"); }
void bus_wmb(void) { __asm__ volatile("sfence" ::: "memory"); }

int bus_dma_alloc(size_t size, size_t align, struct bus_dma *out)
{
    out->virt = NULL;
    out->phys = 0;
    out->size = 0;
    if (size == 0 || (align & (align - 1)))
        return -KE_NOMEM;
    void *p = x86_pages_alloc((size + 4095) / 4096, align < 4096 ? 4096 : align);
    if (!p)
        return -KE_NOMEM;
    out->virt = p;
    out->phys = (uint64_t)(uintptr_t)p;
    out->size = size;
    return 0;
}

uint64_t bus_dma_addr(const struct bus_device *d, const void *virt, bool physical)
{
    (void)d;
    (void)physical;
    return (uint64_t)(uintptr_t)virt;   /* identity map, no IOMMU */
}

static void irq_dispatch(unsigned irq)
{
    for (unsigned i = 0; i < IRQ_SLOTS; i++)
        if (irq_slots[irq][i].fn)
            irq_slots[irq][i].fn(irq_slots[irq][i].ctx);
}

int bus_irq_attach(struct bus_device *d, void (*fn)(void *ctx), void *ctx)
{
    unsigned irq = d->irq_line;
    if (d->irq_pin == 0 || irq == 0 || irq == 2 || irq >= X86_NIRQ)
        return -KE_NODEV;
    uint64_t f = irq_save();
    unsigned i = 0;
    while (i < IRQ_SLOTS && irq_slots[irq][i].fn)
        i++;
    if (i == IRQ_SLOTS) {
        irq_restore(f);
        return -KE_NOMEM;
    }
    irq_slots[irq][i].ctx = ctx;
    irq_slots[irq][i].fn = fn;
    if (i == 0) {
        x86_irq_set_handler(irq, irq_dispatch);
        x86_pic_set_level(irq);
        x86_pic_unmask(irq);
    }
    irq_restore(f);
    return 0;
}
