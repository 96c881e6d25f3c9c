/*
 * kernel/bus.h — the one bus and DMA interface bare-metal drivers use.
 *
 * It names PCI (PCI Local Bus Specification 3.0, configuration header type 0)
 * but no CPU: x86_64 reaches configuration space through ports 0xCF8/0xCFC
 * (mechanism #1), alpha through the Typhoon's memory-mapped window. Drivers in
 * drivers/e1000 and drivers/virtio include only this and the core headers, so
 * one source serves both targets.
 *
 * Byte order: register accessors read and write little-endian device
 * registers and return host-order values (both targets are little-endian;
 * the accessors are where a big-endian port would swap).
 */
#ifndef SPINDLE_KERNEL_BUS_H
#define SPINDLE_KERNEL_BUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** A PCI function found by enumeration. */
struct bus_device {
    uint8_t bus, dev, fn;                  /* geographic address */
    uint16_t vendor_id, device_id;         /* config 0x00, 0x02 */
    uint8_t class_code, subclass, prog_if; /* config 0x0b, 0x0a, 0x09 */
    uint8_t irq_line;                      /* config 0x3c as firmware assigned it */
    uint8_t irq_pin;                       /* config 0x3d: 1=INTA#..4=INTD#, 0 none */
    void *arch;                            /* target private */
};

/** What a BAR decodes. */
enum bus_bar_kind { BUS_BAR_NONE = 0, BUS_BAR_MMIO, BUS_BAR_PIO };

/** A mapped BAR: registers are reached with bus_read32(bar, off) etc. */
struct bus_bar {
    enum bus_bar_kind kind;
    uintptr_t base; /* MMIO: CPU virtual address; PIO: port number */
    uint64_t size;  /* bytes decoded */
};

/** Physically contiguous DMA memory. */
struct bus_dma {
    void *virt;    /* CPU address */
    uint64_t phys; /* physical address */
    size_t size;   /* bytes */
};

/**
 * bus_foreach - call @cb for every PCI function, in bus/device/function
 * order (the order "driver=NAME" binds devices). Stops early and returns
 * @cb's value when it returns nonzero; returns 0 otherwise.
 */
int bus_foreach(int (*cb)(struct bus_device *dev, void *ctx), void *ctx);

/** Configuration space access; @off in bytes, naturally aligned. */
uint32_t bus_cfg_read32(const struct bus_device *d, uint16_t off);
uint16_t bus_cfg_read16(const struct bus_device *d, uint16_t off);
uint8_t bus_cfg_read8(const struct bus_device *d, uint16_t off);
void bus_cfg_write32(const struct bus_device *d, uint16_t off, uint32_t v);
void bus_cfg_write16(const struct bus_device *d, uint16_t off, uint16_t v);
void bus_cfg_write8(const struct bus_device *d, uint16_t off, uint8_t v);

/**
 * bus_map_bar - map BAR @index (0..5) of @d into @out.
 * Returns 0, -KE_NODEV if the BAR is unimplemented, -KE_NOMEM if the target
 * cannot map it. Also sets the memory/I-O decode bits in the command register.
 */
int bus_map_bar(const struct bus_device *d, int index, struct bus_bar *out);

/** bus_enable_master - set the command register's bus-master bit (PCI 6.2.2). */
void bus_enable_master(const struct bus_device *d);

/** Register access at byte offset @off of a mapped BAR. */
uint8_t bus_read8(const struct bus_bar *b, uint32_t off);
uint16_t bus_read16(const struct bus_bar *b, uint32_t off);
uint32_t bus_read32(const struct bus_bar *b, uint32_t off);
void bus_write8(const struct bus_bar *b, uint32_t off, uint8_t v);
void bus_write16(const struct bus_bar *b, uint32_t off, uint16_t v);
void bus_write32(const struct bus_bar *b, uint32_t off, uint32_t v);

/** Ordering of normal memory against device-visible memory (DMA rings). */
void bus_mb(void);  /* full barrier */
void bus_rmb(void); /* loads before later loads */
void bus_wmb(void); /* stores before later stores */

/**
 * bus_dma_alloc - @size bytes of zeroed, physically contiguous memory aligned
 * to @align bytes (power of two). Returns 0 or -KE_NOMEM.
 */
int bus_dma_alloc(size_t size, size_t align, struct bus_dma *out);

/**
 * bus_dma_addr - the address device @d must be given to reach CPU memory
 * @virt. @physical: true when the device bypasses the host bridge's DMA
 * windows and uses physical addresses (virtio without
 * VIRTIO_F_ACCESS_PLATFORM, virtio 1.x section 6.1); false for a normal bus
 * master (e1000), which goes through the target's translation (identity on
 * x86_64, the Typhoon Pchip window on alpha).
 */
uint64_t bus_dma_addr(const struct bus_device *d, const void *virt, bool physical);

/**
 * bus_irq_attach - run @fn(@ctx) from the interrupt path whenever @d raises
 * its interrupt (INTx via the line firmware assigned, or MSI where the target
 * supports it). Handlers run with interrupts masked and must only note work
 * and acknowledge the device; the main loop does the rest.
 * Returns 0, -KE_NODEV (no interrupt routed) or -KE_NOMEM.
 */
int bus_irq_attach(struct bus_device *d, void (*fn)(void *ctx), void *ctx);

#endif
