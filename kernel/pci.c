/*
 * kernel/pci.c — the portable half of kernel/bus.h on the bare-metal
 * targets: enumeration, configuration space, BAR sizing and mapping, bus
 * mastering (PCI Local Bus Specification 3.0). The target reaches
 * configuration space and maps memory BARs through kernel/arch_pci.h.
 *
 * Enumeration starts at bus 0 and follows PCI-PCI bridges (header type 1,
 * secondary bus at 0x19, at most 8 deep; each bus is scanned once); a
 * device whose header type has bit 7 set is multi-function (functions
 * 0..7), otherwise only function 0 exists (PCI 3.0, 6.2.1). Firmware (x86_64:
 * SeaBIOS; alpha: QEMU's PALcode) has assigned BARs and interrupt lines.
 * BARs are sized by writing all ones with decoding off and reading back
 * the mask (PCI 3.0, 6.2.5.1); the original value and command register are
 * put back. An I/O BAR's base is a port number (PCI I/O space, 64 KiB); a
 * memory BAR's base goes through arch_pci_map_mmio().
 *
 * INTx lines are level-triggered and may be shared (PCI 3.0, 2.2.6): up to
 * IRQ_SLOTS handlers per line, all run on every interrupt of the line.
 */
#include "kernel/arch_pci.h"
#include "kernel/bus.h"
#include "kernel/kerr.h"
#include "kernel/log.h"

#define PCI_MAX_DEVICES 64
#define PCI_VENDOR_ID 0x00 /* 32 bits: vendor (low), device (high) */
#define PCI_CMD 0x04
#define PCI_CMD_IO 0x1
#define PCI_CMD_MEM 0x2
#define PCI_CMD_MASTER 0x4
#define PCI_CLASS_REV 0x08   /* 32 bits: class, subclass, prog-if, revision */
#define PCI_HEADER_WORD 0x0c /* 32 bits: header type in bits 16..23 */
#define PCI_BUS_NUMBERS 0x18 /* header type 1: secondary bus in bits 8..15 */
#define PCI_BAR0 0x10
#define PCI_INTERRUPT 0x3c /* 32 bits: line (low byte), pin (next) */
#define PCI_CLASS_NETWORK 0x02
#define PCI_BRIDGE_DEPTH 8
#define IRQ_SLOTS 4

struct irq_slot {
    void (*fn)(void *ctx);
    void *ctx;
};
static struct irq_slot irq_slots[ARCH_PCI_IRQ_LINES][IRQ_SLOTS];

static struct bus_device devs[PCI_MAX_DEVICES];
static unsigned ndevs;
static bool bus_seen[256];

static uint32_t raw_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    return arch_pci_cfg_read(bus, dev, fn, off, 4);
}

uint32_t bus_cfg_read32(const struct bus_device *d, uint16_t off)
{
    return arch_pci_cfg_read(d->bus, d->dev, d->fn, off, 4);
}

uint16_t bus_cfg_read16(const struct bus_device *d, uint16_t off)
{
    return (uint16_t)arch_pci_cfg_read(d->bus, d->dev, d->fn, off, 2);
}

uint8_t bus_cfg_read8(const struct bus_device *d, uint16_t off)
{
    return (uint8_t)arch_pci_cfg_read(d->bus, d->dev, d->fn, off, 1);
}

void bus_cfg_write32(const struct bus_device *d, uint16_t off, uint32_t v)
{
    arch_pci_cfg_write(d->bus, d->dev, d->fn, off, 4, v);
}

void bus_cfg_write16(const struct bus_device *d, uint16_t off, uint16_t v)
{
    arch_pci_cfg_write(d->bus, d->dev, d->fn, off, 2, v);
}

void bus_cfg_write8(const struct bus_device *d, uint16_t off, uint8_t v)
{
    arch_pci_cfg_write(d->bus, d->dev, d->fn, off, 1, v);
}

/* Vendor 0xffff: nothing answered; 0x0000 is not a valid vendor either. */
static bool absent(uint32_t id)
{
    return (id & 0xffff) == 0xffff || (id & 0xffff) == 0;
}

static void scan_bus(uint8_t bus, unsigned depth);

static void add_function(uint8_t bus, uint8_t dev, uint8_t fn, unsigned depth)
{
    uint32_t id = raw_read32(bus, dev, fn, PCI_VENDOR_ID);
    if (absent(id))
        return;
    uint32_t cls = raw_read32(bus, dev, fn, PCI_CLASS_REV);
    uint32_t intr = raw_read32(bus, dev, fn, PCI_INTERRUPT);
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
    uint8_t htype = (uint8_t)(raw_read32(bus, dev, fn, PCI_HEADER_WORD) >> 16) & 0x7f;
    if (htype == 1 && depth < PCI_BRIDGE_DEPTH) {
        uint8_t sec = (uint8_t)(raw_read32(bus, dev, fn, PCI_BUS_NUMBERS) >> 8);
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
        if (absent(raw_read32(bus, dev, 0, PCI_VENDOR_ID)))
            continue;
        bool multi = (raw_read32(bus, dev, 0, PCI_HEADER_WORD) >> 16) & 0x80;
        for (uint8_t fn = 0; fn < (multi ? 8 : 1); fn++)
            add_function(bus, dev, fn, depth);
    }
}

/*
 * What sizing found, per function and BAR (PCI Local Bus Specification
 * 3.0, 6.2.5.1: the value a BAR reads back after all ones are written):
 * a BAR's size never changes, so each is sized once. Sizing needs decoding
 * off, and turning a function's decoding off and on is a memory-map change
 * that a hypervisor pays for (under QEMU's TCG about 0.3 ms each, which
 * made listing and mapping the BARs most of the VM's boot).
 */
struct bar_memo {
    uint32_t geo;  /* bus << 8 | dev << 3 | fn */
    uint8_t known; /* bit i: BAR i sized */
    uint32_t mlo[6], mhi[6];
};
static struct bar_memo memos[PCI_MAX_DEVICES];
static unsigned nmemos;

static uint32_t geo(const struct bus_device *d)
{
    return (uint32_t)d->bus << 8 | (uint32_t)d->dev << 3 | d->fn;
}

/* memo_of - @d's entry (made on first use), NULL when the table is full. */
static struct bar_memo *memo_of(const struct bus_device *d)
{
    for (unsigned i = 0; i < nmemos; i++)
        if (memos[i].geo == geo(d))
            return &memos[i];
    if (nmemos == PCI_MAX_DEVICES)
        return NULL;
    memos[nmemos].geo = geo(d);
    memos[nmemos].known = 0;
    return &memos[nmemos++];
}

/* The words of one BAR: its registers now and what sizing read back. */
struct bar_words {
    uint32_t lo, hi, mlo, mhi;
    int width; /* registers it takes: 2 for a 64-bit memory BAR below BAR 5 */
};

/*
 * bar_read - BAR @index of @d into @w, sized the first time only. Decoding
 * must be off while a BAR is sized: unless *@off says the caller turned it
 * off, it is turned off here (from @cmd) and *@off set, and the caller
 * writes @cmd back when it is done.
 */
static void bar_read(const struct bus_device *d, int index, uint16_t cmd, bool *off,
                     struct bar_words *w)
{
    uint16_t reg = (uint16_t)(PCI_BAR0 + 4 * index);
    w->lo = bus_cfg_read32(d, reg);
    bool is64 = !(w->lo & 1) && ((w->lo >> 1) & 3) == 2;
    w->width = is64 && index < 5 ? 2 : 1;
    w->hi = w->width == 2 ? bus_cfg_read32(d, (uint16_t)(reg + 4)) : 0;
    struct bar_memo *m = memo_of(d);
    if (m != NULL && (m->known >> index) & 1) {
        w->mlo = m->mlo[index];
        w->mhi = m->mhi[index];
        return;
    }
    if (!*off) {
        bus_cfg_write16(d, PCI_CMD, (uint16_t)(cmd & ~(PCI_CMD_IO | PCI_CMD_MEM)));
        *off = true;
    }
    bus_cfg_write32(d, reg, 0xffffffffu);
    w->mlo = bus_cfg_read32(d, reg);
    bus_cfg_write32(d, reg, w->lo);
    w->mhi = 0xffffffffu;
    if (w->width == 2) {
        bus_cfg_write32(d, (uint16_t)(reg + 4), 0xffffffffu);
        w->mhi = bus_cfg_read32(d, (uint16_t)(reg + 4));
        bus_cfg_write32(d, (uint16_t)(reg + 4), w->hi);
    }
    if (m != NULL) {
        m->mlo[index] = w->mlo;
        m->mhi[index] = w->mhi;
        m->known |= (uint8_t)(1u << index);
    }
}

/* bar_decode - @w's kind (*@io), bus address (*@cur) and size in bytes (0: unimplemented). */
static uint64_t bar_decode(const struct bar_words *w, bool *io, uint64_t *cur)
{
    *io = w->lo & 1;
    if (*io) {
        *cur = w->lo & ~3u & 0xffffu;
        uint32_t mask = (w->mlo & ~3u) | 0xffff0000u;
        return (w->mlo & ~3u) ? (uint32_t)(~mask + 1) : 0;
    }
    *cur = ((uint64_t)w->hi << 32) | (w->lo & ~0xfu);
    uint64_t mask = ((uint64_t)w->mhi << 32) | (w->mlo & ~0xfu);
    return (w->mlo & ~0xfu) ? ~mask + 1 : 0;
}

/*
 * bar_probe - BAR @index of @d: kind, bus address and size in bytes.
 * Returns 0, or -KE_NODEV when unimplemented, unassigned or the upper half
 * of a 64-bit BAR. *@width gets 1 or 2 (registers used).
 */
static int bar_probe(const struct bus_device *d, int index, enum bus_bar_kind *kind, uint64_t *base,
                     uint64_t *size, int *width)
{
    *width = 1;
    if (index < 0 || index > 5)
        return -KE_NODEV;
    uint16_t cmd = bus_cfg_read16(d, PCI_CMD);
    bool off = false, io;
    struct bar_words w;
    bar_read(d, index, cmd, &off, &w);
    if (off)
        bus_cfg_write16(d, PCI_CMD, cmd);
    if (index == 5 && !(w.lo & 1) && ((w.lo >> 1) & 3) == 2)
        return -KE_NODEV;
    *size = bar_decode(&w, &io, base);
    *kind = io ? BUS_BAR_PIO : BUS_BAR_MMIO;
    *width = w.width;
    return *size == 0 || *base == 0 ? -KE_NODEV : 0;
}

static void list_bars(const struct bus_device *d)
{
    for (int b = 0; b < 6; b++) {
        enum bus_bar_kind kind;
        uint64_t base, size;
        int width;
        if (bar_probe(d, b, &kind, &base, &size, &width) == 0)
            kprintf("pci %02x:%02x.%x   bar %d %s 0x%llx size 0x%llx\n", d->bus, d->dev, d->fn, b,
                    kind == BUS_BAR_PIO ? "io " : "mem", (unsigned long long)base,
                    (unsigned long long)size);
        b += width - 1;
    }
}

/*
 * BAR assignment (PCI Local Bus Specification 3.0, 6.2.5.1): a BAR's size is
 * what writing all ones reads back; its address must be aligned to its size.
 * Only bus 0, only what the firmware left at 0, in two bump allocators that
 * start above every address already assigned in their window.
 */
struct bar_alloc {
    uint64_t mmio_next, mmio_limit;
    uint32_t io_next, io_limit;
};

static uint64_t align_up64(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/*
 * bars_walk - every BAR of every bus-0 function: raise the allocators above
 * what is assigned (@assign false, which sizes them all), or assign what is
 * still 0 and enable decoding of what is assigned (@assign true). Decoding
 * is turned off only while a BAR is sized or written.
 */
static void bars_walk(struct bar_alloc *a, bool assign)
{
    for (unsigned i = 0; i < ndevs; i++) {
        const struct bus_device *d = &devs[i];
        uint8_t htype = (uint8_t)(bus_cfg_read32(d, PCI_HEADER_WORD) >> 16) & 0x7f;
        if (d->bus != 0 || htype != 0)
            continue;
        uint16_t cmd = bus_cfg_read16(d, PCI_CMD), enable = 0;
        bool off = false;
        for (int b = 0; b < 6;) {
            struct bar_words w;
            bool io;
            uint64_t cur;
            bar_read(d, b, cmd, &off, &w);
            uint64_t size = bar_decode(&w, &io, &cur);
            uint16_t reg = (uint16_t)(PCI_BAR0 + 4 * b);
            if (size != 0 && cur != 0 && !assign) {
                if (io && cur + size > a->io_next && cur < a->io_limit)
                    a->io_next = (uint32_t)(cur + size);
                if (!io && cur + size > a->mmio_next && cur < a->mmio_limit)
                    a->mmio_next = cur + size;
            } else if (size != 0 && cur != 0) {
                enable |= io ? PCI_CMD_IO : PCI_CMD_MEM;
            } else if (size != 0 && assign) {
                uint64_t at = io ? align_up64(a->io_next, size) : align_up64(a->mmio_next, size);
                bool fits = io ? at + size <= a->io_limit : at + size <= a->mmio_limit;
                if (fits && !off) {
                    bus_cfg_write16(d, PCI_CMD, (uint16_t)(cmd & ~(PCI_CMD_IO | PCI_CMD_MEM)));
                    off = true;
                }
                if (fits && io) {
                    bus_cfg_write32(d, reg, (uint32_t)at);
                    a->io_next = (uint32_t)(at + size);
                    enable |= PCI_CMD_IO;
                } else if (fits) {
                    bus_cfg_write32(d, reg, (uint32_t)at);
                    if (w.width == 2)
                        bus_cfg_write32(d, (uint16_t)(reg + 4), (uint32_t)(at >> 32));
                    a->mmio_next = at + size;
                    enable |= PCI_CMD_MEM;
                } else {
                    klog(KLOG_WARN, "pci", "%02x:%02x.%x bar %d: no room for 0x%llx bytes", d->bus,
                         d->dev, d->fn, b, (unsigned long long)size);
                }
            }
            b += w.width;
        }
        uint16_t want = assign ? (uint16_t)(cmd | enable) : cmd;
        if (off || want != cmd)
            bus_cfg_write16(d, PCI_CMD, want);
    }
}

static void bars_assign(void)
{
    struct arch_pci_windows w;
    if (arch_pci_windows(&w) != 0)
        return;
    struct bar_alloc a = { w.mmio_base, w.mmio_limit, w.io_base, w.io_limit };
    bars_walk(&a, false);
    bars_walk(&a, true);
}

void pci_enumerate(void (*each)(const struct bus_device *d))
{
    ndevs = 0;
    nmemos = 0;
    scan_bus(0, 0);
    bars_assign();
    for (unsigned i = 1; i < ndevs; i++) { /* insertion sort: bus/device/function order */
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
        kprintf("pci %02x:%02x.%x %04x:%04x class %02x.%02x.%02x irq %u pin %u%s\n", d->bus, d->dev,
                d->fn, d->vendor_id, d->device_id, d->class_code, d->subclass, d->prog_if,
                d->irq_line, d->irq_pin, d->class_code == PCI_CLASS_NETWORK ? " (network)" : "");
        if (each)
            each(d);
        if (d->class_code == PCI_CLASS_NETWORK)
            list_bars(d);
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
    uintptr_t cpu = (uintptr_t)base; /* I/O: the port number */
    if (kind == BUS_BAR_MMIO && arch_pci_map_mmio(base, size, &cpu) != 0)
        return -KE_NOMEM;
    out->kind = kind;
    out->base = cpu;
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

int bus_dma_alloc(size_t size, size_t align, struct bus_dma *out)
{
    out->virt = NULL;
    out->phys = 0;
    out->size = 0;
    if (size == 0 || (align & (align - 1)))
        return -KE_NOMEM;
    uint64_t phys;
    void *p = arch_pci_dma_pages(size, align, &phys);
    if (!p)
        return -KE_NOMEM;
    out->virt = p;
    out->phys = phys;
    out->size = size;
    return 0;
}

/* The interrupt path: every handler attached to @line. */
static void irq_dispatch(unsigned line)
{
    for (unsigned i = 0; i < IRQ_SLOTS; i++)
        if (irq_slots[line][i].fn)
            irq_slots[line][i].fn(irq_slots[line][i].ctx);
}

int bus_irq_attach(struct bus_device *d, void (*fn)(void *ctx), void *ctx)
{
    int line = arch_pci_irq_line(d);
    if (line < 0 || line >= ARCH_PCI_IRQ_LINES)
        return -KE_NODEV;
    uint64_t saved = arch_pci_irq_save();
    unsigned i = 0;
    while (i < IRQ_SLOTS && irq_slots[line][i].fn)
        i++;
    if (i == IRQ_SLOTS) {
        arch_pci_irq_restore(saved);
        return -KE_NOMEM;
    }
    irq_slots[line][i].ctx = ctx;
    irq_slots[line][i].fn = fn;
    if (i == 0)
        arch_pci_irq_route((unsigned)line, irq_dispatch);
    arch_pci_irq_restore(saved);
    return 0;
}
