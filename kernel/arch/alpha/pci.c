/*
 * kernel/arch/alpha/pci.c — kernel/bus.h on Alpha, through the 21272
 * (Typhoon) Pchip0 as QEMU models it (hw/alpha/typhoon.c).
 *
 * Configuration space is memory-mapped (21272 HRM, "PCI configuration
 * space"): type 0 cycles at KSEG_IO + 0x1fe000000 + (bus << 16 | devfn << 8
 * | register), any access width (EV67 BWX loads and stores); the 256-byte
 * conventional header only (no extended space). QEMU's PALcode
 * has assigned BARs (memory from 256 MiB, I/O from 0xc000), enabled I/O and
 * memory decoding and written the interrupt line as the Cchip DRIR bit,
 * (slot + 1) * 4 + (pin - 1) (qemu-palcode pci.c, sys-clipper.h); it does
 * not set bus mastering. Enumeration follows PCI-PCI bridges (header type
 * 1) in case one is added; BARs are sized by writing all ones with
 * decoding off (PCI 3.0, 6.2.5.1).
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
#include "kernel/bus.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "alpha.h"

#define PCI_MAX_DEVICES 64
#define PCI_CMD 0x04
#define PCI_CMD_IO 0x1
#define PCI_CMD_MEM 0x2
#define PCI_CMD_MASTER 0x4
#define PCI_BAR0 0x10
#define IRQ_SLOTS 4
#define NBITS 64
#define WSBA_ENA 1ull

#define PVPANIC_VENDOR 0x1b36       /* Red Hat, QEMU docs/specs/pvpanic.rst */
#define PVPANIC_DEVICE 0x0011

static struct bus_device devs[PCI_MAX_DEVICES];
static unsigned ndevs;
static bool bus_seen[256];
static volatile uint8_t *pvpanic_reg;

struct irq_slot { void (*fn)(void *ctx); void *ctx; };
static struct irq_slot irq_slots[NBITS][IRQ_SLOTS];

static uintptr_t cfg_va(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    return (uintptr_t)(KSEG_IO + TYPHOON_PCI_CONF + ((uint64_t)bus << 16) +
                       ((uint64_t)(dev & 31) << 11) + ((uint64_t)(fn & 7) << 8) + (off & 0xff));
}

static uint32_t raw_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    return *(volatile uint32_t *)cfg_va(bus, dev, fn, off & 0xfc);
}

uint32_t bus_cfg_read32(const struct bus_device *d, uint16_t off)
{
    return raw_read32(d->bus, d->dev, d->fn, off);
}

uint16_t bus_cfg_read16(const struct bus_device *d, uint16_t off)
{
    return *(volatile uint16_t *)cfg_va(d->bus, d->dev, d->fn, off & 0xfe);
}

uint8_t bus_cfg_read8(const struct bus_device *d, uint16_t off)
{
    return *(volatile uint8_t *)cfg_va(d->bus, d->dev, d->fn, off);
}

void bus_cfg_write32(const struct bus_device *d, uint16_t off, uint32_t v)
{
    *(volatile uint32_t *)cfg_va(d->bus, d->dev, d->fn, off & 0xfc) = v;
    __asm__ volatile("mb" ::: "memory");
}

void bus_cfg_write16(const struct bus_device *d, uint16_t off, uint16_t v)
{
    *(volatile uint16_t *)cfg_va(d->bus, d->dev, d->fn, off & 0xfe) = v;
    __asm__ volatile("mb" ::: "memory");
}

void bus_cfg_write8(const struct bus_device *d, uint16_t off, uint8_t v)
{
    *(volatile uint8_t *)cfg_va(d->bus, d->dev, d->fn, off) = v;
    __asm__ volatile("mb" ::: "memory");
}

static void scan_bus(uint8_t bus, unsigned depth);
static int bar_probe(const struct bus_device *d, int index, enum bus_bar_kind *kind,
                     uint64_t *base, uint64_t *size, int *width);

static void add_function(uint8_t bus, uint8_t dev, uint8_t fn, unsigned depth)
{
    uint32_t id = raw_read32(bus, dev, fn, 0x00);
    if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
        return;
    uint32_t cls = raw_read32(bus, dev, fn, 0x08);
    uint32_t intr = raw_read32(bus, dev, fn, 0x3c);
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
    uint8_t htype = (uint8_t)(raw_read32(bus, dev, fn, 0x0c) >> 16) & 0x7f;
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
        if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
            continue;
        bool multi = (raw_read32(bus, dev, 0, 0x0c) >> 16) & 0x80;
        for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++)
            add_function(bus, dev, fn, depth);
    }
}

static uint32_t geo(const struct bus_device *d)
{
    return (uint32_t)d->bus << 8 | (uint32_t)d->dev << 3 | d->fn;
}

static void dma_window_init(void)
{
    pchip_write(PCHIP_WSBA(0), ALPHA_DMA_WINDOW_BASE | WSBA_ENA);   /* direct-mapped */
    pchip_write(PCHIP_WSM(0), (ALPHA_DMA_WINDOW_SIZE - 1) & 0xfff00000ull);
    pchip_write(PCHIP_TBA(0), 0);
    kprintf("alpha: Pchip window 0: bus 0x%08llx-0x%08llx -> physical 0x0 (WSBA0 %llx WSM0 %llx TBA0 %llx)\n",
            (unsigned long long)ALPHA_DMA_WINDOW_BASE,
            (unsigned long long)(ALPHA_DMA_WINDOW_BASE + ALPHA_DMA_WINDOW_SIZE - 1),
            (unsigned long long)pchip_read(PCHIP_WSBA(0)),
            (unsigned long long)pchip_read(PCHIP_WSM(0)),
            (unsigned long long)pchip_read(PCHIP_TBA(0)));
}

void alpha_pci_init(void)
{
    dma_window_init();
    ndevs = 0;
    scan_bus(0, 0);
    for (unsigned i = 1; i < ndevs; i++) {      /* bus/device/function order */
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
        if (d->vendor_id == PVPANIC_VENDOR && d->device_id == PVPANIC_DEVICE) {
            struct bus_bar bar;
            if (bus_map_bar(d, 0, &bar) == 0 && bar.kind == BUS_BAR_MMIO)
                pvpanic_reg = (volatile uint8_t *)bar.base;
            kprintf("pci %02x:%02x.%x   pvpanic: failure exits through it%s\n", d->bus,
                    d->dev, d->fn, pvpanic_reg ? "" : " (BAR0 unusable!)");
        }
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

volatile uint8_t *alpha_pvpanic(void)
{
    return pvpanic_reg;
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
 * bar_probe - BAR @index of @d: kind, bus address and size in bytes.
 * Returns 0, or -KE_NODEV when unimplemented, unassigned or the upper half
 * of a 64-bit BAR. *@width gets 1 or 2 (registers used).
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

    uint16_t cmd = bus_cfg_read16(d, PCI_CMD);
    bus_cfg_write16(d, PCI_CMD, (uint16_t)(cmd & ~(PCI_CMD_IO | PCI_CMD_MEM)));
    bus_cfg_write32(d, off, 0xffffffffu);
    uint32_t mlo = bus_cfg_read32(d, off);
    bus_cfg_write32(d, off, lo);
    uint32_t mhi = 0xffffffffu;
    if (is64) {
        bus_cfg_write32(d, (uint16_t)(off + 4), 0xffffffffu);
        mhi = bus_cfg_read32(d, (uint16_t)(off + 4));
        bus_cfg_write32(d, (uint16_t)(off + 4), hi);
    }
    bus_cfg_write16(d, PCI_CMD, cmd);

    if (io) {
        uint32_t mask = (mlo & ~3u) | 0xffff0000u;
        *size = (uint32_t)(~mask + 1);
        *base = lo & ~3u & 0xffffu;
        *kind = BUS_BAR_PIO;
    } else {
        uint64_t mask = ((uint64_t)mhi << 32) | (mlo & ~0xfu);
        *size = ~mask + 1;
        *base = ((uint64_t)hi << 32) | (lo & ~0xfu);
        *kind = BUS_BAR_MMIO;
        *width = is64 ? 2 : 1;
    }
    if ((mlo & ~0xfu) == 0 || *size == 0 || *base == 0)
        return -KE_NODEV;
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
    if (kind == BUS_BAR_MMIO) {
        if (base + size > 0x100000000ull)
            return -KE_NOMEM;           /* beyond hose 0's 4 GiB memory window */
        out->base = (uintptr_t)(KSEG_IO + TYPHOON_PCI_MEM + base);
    } else {
        out->base = (uintptr_t)base;
    }
    out->kind = kind;
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

void bus_mb(void) { __asm__ volatile("mb" ::: "memory"); }
void bus_rmb(void) { __asm__ volatile("mb" ::: "memory"); }
void bus_wmb(void) { __asm__ volatile("wmb" ::: "memory"); }

int bus_dma_alloc(size_t size, size_t align, struct bus_dma *out)
{
    out->virt = NULL;
    out->phys = 0;
    out->size = 0;
    if (size == 0 || (align & (align - 1)))
        return -KE_NOMEM;
    void *p = alpha_pages_alloc((size + ALPHA_PAGE_SIZE - 1) / ALPHA_PAGE_SIZE,
                                align < ALPHA_PAGE_SIZE ? ALPHA_PAGE_SIZE : align);
    if (!p)
        return -KE_NOMEM;
    out->virt = p;
    out->phys = kseg_pa(p);
    out->size = size;
    return 0;
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

static void irq_dispatch(unsigned bit)
{
    for (unsigned i = 0; i < IRQ_SLOTS; i++)
        if (irq_slots[bit][i].fn)
            irq_slots[bit][i].fn(irq_slots[bit][i].ctx);
}

int bus_irq_attach(struct bus_device *d, void (*fn)(void *ctx), void *ctx)
{
    unsigned bit = d->irq_line;
    if (d->irq_pin == 0 || bit >= NBITS || bit == 55)
        return -KE_NODEV;
    uint64_t ipl = pal_swpipl(IPL_HIGH);
    unsigned i = 0;
    while (i < IRQ_SLOTS && irq_slots[bit][i].fn)
        i++;
    if (i == IRQ_SLOTS) {
        pal_swpipl(ipl);
        return -KE_NOMEM;
    }
    irq_slots[bit][i].ctx = ctx;
    irq_slots[bit][i].fn = fn;
    if (i == 0) {
        alpha_irq_set_handler(bit, irq_dispatch);
        alpha_irq_unmask(bit);
    }
    pal_swpipl(ipl);
    return 0;
}
