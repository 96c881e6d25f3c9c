/*
 * drivers/vga/bochs_vbe.h — QEMU's standard VGA (PCI 1234:1111, `-device
 * VGA`, `-vga std`) as a linear framebuffer: the Bochs VBE "DISPI"
 * interface sets a 32-bpp mode, BAR0 is the framebuffer.
 *
 * Source: QEMU docs/specs/standard-vga.rst (BAR0 framebuffer, 16 MiB by
 * default; BAR2 a 4 KiB MMIO region with the VGA ports 0x3c0-0x3df at
 * 0x400 and the DISPI registers, 16 bits each, at 0x500 + 2 x index); the
 * DISPI register numbers and bits of Bochs' vbe.h (VBE_DISPI_INDEX_*,
 * VBE_DISPI_ENABLED, VBE_DISPI_LFB_ENABLED); IBM VGA attribute controller
 * (index register bit 5, PAS, turns the display on).
 *
 * The registers are reached through BAR2 only (no port I/O), so one source
 * serves x86_64 and Alpha; a device without BAR2 (the ISA variant, QEMU
 * before 1.3) is refused. Portable bare-metal code: kernel/bus.h and the
 * PCI binding of drivers/bm only.
 */
#ifndef SPINDLE_DRIVERS_VGA_BOCHS_VBE_H
#define SPINDLE_DRIVERS_VGA_BOCHS_VBE_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/bus.h"

#define BOCHS_VBE_VENDOR 0x1234
#define BOCHS_VBE_DEVICE 0x1111

/* DISPI registers (index; MMIO offset 0x500 + 2 x index) and values. */
#define VBE_DISPI_MMIO_BASE 0x500u
#define VBE_DISPI_INDEX_ID 0x0
#define VBE_DISPI_INDEX_XRES 0x1
#define VBE_DISPI_INDEX_YRES 0x2
#define VBE_DISPI_INDEX_BPP 0x3
#define VBE_DISPI_INDEX_ENABLE 0x4
#define VBE_DISPI_INDEX_BANK 0x5
#define VBE_DISPI_INDEX_VIRT_WIDTH 0x6
#define VBE_DISPI_INDEX_VIRT_HEIGHT 0x7
#define VBE_DISPI_INDEX_X_OFFSET 0x8
#define VBE_DISPI_INDEX_Y_OFFSET 0x9
#define VBE_DISPI_ID0 0xb0c0 /* IDs 0xb0c0..0xb0c5 are the interface's versions */
#define VBE_DISPI_DISABLED 0x00
#define VBE_DISPI_ENABLED 0x01
#define VBE_DISPI_LFB_ENABLED 0x40
/* The VGA ports in BAR2: port P at 0x400 + (P - 0x3c0). */
#define VGA_MMIO_PORTS 0x400u
#define VGA_ATT_W 0x3c0    /* attribute controller index/data */
#define VGA_MIS_W 0x3c2    /* miscellaneous output, write */
#define VGA_IS1_RC 0x3da   /* input status 1 (colour): resets the flip-flop */
#define VGA_MIS_COLOR 0x01 /* I/O address select: ports at 0x3dx */
#define VGA_ATT_PAS 0x20   /* palette address source: display on */

/** An opened device and its mode. */
struct bochs_vbe {
    const struct bus_device *dev; /* the bound PCI function (permanent slot) */
    struct bus_bar fb_bar, mmio;
    uint16_t id;            /* DISPI interface version */
    uint8_t *fb;            /* CPU address of the framebuffer (BAR0) */
    uint64_t fb_size;       /* bytes */
    uint32_t width, height; /* current mode, pixels; 0 when disabled */
    uint32_t bpp;           /* 32 */
    size_t pitch;           /* bytes per row */
};

/**
 * bochs_vbe_open - bind the @instance-th (0 = first) standard VGA in bus
 * order, map BAR0 and BAR2 and check the DISPI ID. Returns 0 or, with a
 * message in @err (@errlen bytes): -KE_NODEV (none found, no BAR2, not a
 * DISPI interface), -KE_NOMEM (cannot map), -KE_EXIST (already open).
 */
int bochs_vbe_open(unsigned instance, struct bochs_vbe *v, char *err, size_t errlen);

/**
 * bochs_vbe_set_mode - a @width x @height (multiples of 8, at least 8)
 * 32-bpp linear framebuffer mode, cleared to black by the device, display
 * on. Pixels are little-endian 0xXXRRGGBB words (XRGB8888). Returns 0,
 * -KE_INVAL (size), -KE_TOOBIG (does not fit BAR0) or -KE_IO (the device
 * did not take the mode).
 */
int bochs_vbe_set_mode(struct bochs_vbe *v, uint32_t width, uint32_t height);

/** bochs_vbe_close - turn DISPI off (back to VGA text) and release the binding. */
void bochs_vbe_close(struct bochs_vbe *v);

#endif
