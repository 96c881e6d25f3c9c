/*
 * kernel/arch_pci.h — the seam between the portable PCI code (kernel/pci.c)
 * and a bare-metal target (kernel/arch/x86_64, kernel/arch/alpha).
 *
 * kernel/pci.c implements, once for every bare-metal target, the parts of
 * kernel/bus.h that follow the PCI Local Bus Specification 3.0 alone:
 * enumeration (bus_foreach), configuration space (bus_cfg_read* and
 * bus_cfg_write*), BAR sizing and mapping (bus_map_bar), bus mastering
 * (bus_enable_master), DMA allocation (bus_dma_alloc) and handlers sharing
 * an interrupt line (bus_irq_attach). What differs between CPUs and host
 * bridges is asked of the target through the hooks below; the target
 * itself implements register access (bus_read*, bus_write*), the barriers
 * (bus_mb & co.) and DMA addressing (bus_dma_addr).
 *
 * Freestanding C11; the hosted target has no PCI and provides none of this.
 */
#ifndef SPINDLE_KERNEL_ARCH_PCI_H
#define SPINDLE_KERNEL_ARCH_PCI_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/bus.h"

/*
 * ---- hooks: implemented by each bare-metal target ----
 */

/**
 * arch_pci_cfg_read - read @width bytes (1, 2 or 4) at byte offset @off of
 * the configuration header (type 0 or 1, 256 bytes) of function @fn (0..7)
 * of device @dev (0..31) on bus @bus. @off is naturally aligned for @width;
 * the value is returned in host byte order in the low @width bytes.
 * x86_64: configuration mechanism #1, ports 0xCF8/0xCFC (PCI 3.0,
 * 3.2.2.3.2). alpha: the Typhoon's memory-mapped configuration window
 * (21272 HRM, "PCI configuration space"). Never fails: an absent function
 * reads as all ones (PCI 3.0, 6.1).
 */
uint32_t arch_pci_cfg_read(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width);

/**
 * arch_pci_cfg_write - write the low @width bytes (1, 2 or 4) of @v at byte
 * offset @off of function @bus/@dev/@fn's configuration header; the write
 * has reached the device when this returns. Same addressing as
 * arch_pci_cfg_read(). Never fails.
 */
void arch_pci_cfg_write(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width,
                        uint32_t v);

/**
 * arch_pci_map_mmio - make the memory BAR range [@bus_addr, @bus_addr +
 * @size) (PCI memory addresses, @size in bytes) reachable by the CPU,
 * uncached, and give its CPU virtual address in *@cpu_addr.
 * x86_64: identity mapping with PCD|PWT pages (CPU address = bus address).
 * alpha: hose 0 PCI memory through KSEG (KSEG_IO + bus address, 4 GiB).
 * Returns 0, or a negative KE_* code when the target cannot map the range
 * (bus_map_bar then reports -KE_NOMEM).
 */
int arch_pci_map_mmio(uint64_t bus_addr, uint64_t size, uintptr_t *cpu_addr);

/**
 * arch_pci_dma_pages - @size bytes (> 0) of zeroed, physically contiguous
 * whole pages aligned to @align bytes (a power of two) and to the page
 * size; *@phys gets the physical address of the first byte. Returns the
 * CPU address, or NULL when memory is exhausted.
 * x86_64: 4 KiB pages, identity mapped (physical = virtual). alpha: 8 KiB
 * pages reached through KSEG (physical = virtual - KSEG_BASE).
 */
void *arch_pci_dma_pages(size_t size, size_t align, uint64_t *phys);

/** Interrupt lines a target may number (alpha: Cchip DRIR bits 0..63). */
#define ARCH_PCI_IRQ_LINES 64

/**
 * arch_pci_irq_line - the target's interrupt line for @d's INTx pin, from
 * the line firmware wrote to config 0x3C: 0..ARCH_PCI_IRQ_LINES-1, or
 * -KE_NODEV when @d has no pin or the line cannot be used.
 * x86_64: the 8259 IRQ (0..15; not 0, the timer, or 2, the cascade).
 * alpha: the Cchip DRIR bit (not 55, the ISA bridge's 8259 output).
 */
int arch_pci_irq_line(const struct bus_device *d);

/**
 * arch_pci_irq_route - make @line level-triggered, run @dispatch(@line)
 * from the interrupt path whenever it is asserted, and unmask it. Called
 * once per line, with interrupts masked (arch_pci_irq_save()).
 * x86_64: 8259 ELCR and mask register. alpha: Cchip DIM0.
 */
void arch_pci_irq_route(unsigned line, void (*dispatch)(unsigned line));

/** arch_pci_irq_save - mask the CPU's interrupts; returns what arch_pci_irq_restore() needs. */
uint64_t arch_pci_irq_save(void);

/** arch_pci_irq_restore - put back the interrupt mask arch_pci_irq_save() returned as @saved. */
void arch_pci_irq_restore(uint64_t saved);

/** Address windows the kernel may give to BARs the firmware left unassigned. */
struct arch_pci_windows {
    uint64_t mmio_base, mmio_limit; /* bus addresses [base, limit) for memory BARs */
    uint32_t io_base, io_limit;     /* port numbers [base, limit) for I/O BARs */
};

/**
 * arch_pci_windows - fill @w with the windows of this machine's root bus
 * for BARs nobody assigned (a minimal firmware such as qboot leaves them
 * at 0). Returns 0, or -KE_NOTSUP when the firmware always assigns them
 * (then pci_enumerate() assigns nothing).
 */
int arch_pci_windows(struct arch_pci_windows *w);

/*
 * ---- portable side (kernel/pci.c), called by the target's boot code ----
 */

/**
 * pci_enumerate - find every PCI function from bus 0, following PCI-PCI
 * bridges (header type 1, secondary bus number at 0x19), keep them in
 * bus/device/function order for bus_foreach(), and list them on the
 * console: one line per function ("pci BB:DD.F VVVV:DDDD class CC.SS.PP irq
 * N pin N"), then the BARs of network controllers (class 0x02). @each, when
 * not NULL, is called for every function right after its line (alpha uses
 * it to find its pvpanic device). At most 64 functions are kept; a
 * function that reads vendor 0xffff or 0x0000 is absent. Interrupt lines
 * come from the firmware; BARs it left unassigned on bus 0 get addresses
 * from arch_pci_windows() (naturally aligned, above every BAR already
 * assigned there) and their decoding enabled. Call once, at boot.
 */
void pci_enumerate(void (*each)(const struct bus_device *d));

#endif
