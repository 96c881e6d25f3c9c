/*
 * tests/unit/video-client/test_bochs_vbe.c — the Bochs VBE framebuffer
 * driver (drivers/vga) against a pretend PCI bus holding a NIC and a QEMU
 * standard VGA whose DISPI registers and VGA ports behave as QEMU
 * documents them (docs/specs/standard-vga.rst). This file implements the
 * parts of kernel/bus.h the driver and drivers/bm/pci_bind.c use.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vga/bochs_vbe.h"
#include "kernel/bus.h"
#include "kernel/kerr.h"

#define FB_SIZE (4u << 20)

static struct fake {
    bool has_vga, has_bar2;
    uint16_t id;
    uint16_t max_xres; /* larger modes read back clamped */
    uint16_t dispi[16];
    uint16_t log_index[64]; /* DISPI writes in order */
    uint16_t log_value[64];
    unsigned nlog;
    uint8_t misc, att_index;
    bool flip_reset; /* 0x3da read since the last attribute write */
    uint8_t *fb;
} F;

static uint8_t mmio_cookie; /* BAR2's "address": never dereferenced */

int bus_foreach(int (*cb)(struct bus_device *dev, void *ctx), void *ctx)
{
    struct bus_device devs[2] = {
        { .bus = 0, .dev = 2, .fn = 0, .vendor_id = 0x8086, .device_id = 0x100e },
        { .bus = 0, .dev = 3, .fn = 0, .vendor_id = 0x1234, .device_id = 0x1111 },
    };
    for (int i = 0; i < (F.has_vga ? 2 : 1); i++) {
        int rc = cb(&devs[i], ctx);
        if (rc)
            return rc;
    }
    return 0;
}

int bus_irq_attach(struct bus_device *d, void (*fn)(void *ctx), void *ctx)
{
    (void)d;
    (void)fn;
    (void)ctx;
    return -KE_NODEV;
}

int bus_map_bar(const struct bus_device *d, int index, struct bus_bar *out)
{
    cr_assert_eq(d->device_id, 0x1111, "only the VGA's BARs are mapped");
    memset(out, 0, sizeof *out);
    if (index == 0) {
        *out = (struct bus_bar){ .kind = BUS_BAR_MMIO, .base = (uintptr_t)F.fb, .size = FB_SIZE };
        return 0;
    }
    if (index == 2 && F.has_bar2) {
        *out =
            (struct bus_bar){ .kind = BUS_BAR_MMIO, .base = (uintptr_t)&mmio_cookie, .size = 4096 };
        return 0;
    }
    return -KE_NODEV;
}

static void check_bar2(const struct bus_bar *b)
{
    cr_assert_eq(b->base, (uintptr_t)&mmio_cookie, "registers only through BAR2");
}

uint16_t bus_read16(const struct bus_bar *b, uint32_t off)
{
    check_bar2(b);
    cr_assert(off >= 0x500 && off < 0x516 && off % 2 == 0, "DISPI read at 0x%x", off);
    unsigned idx = (off - 0x500) / 2;
    return idx == VBE_DISPI_INDEX_ID ? F.id : F.dispi[idx];
}

void bus_write16(const struct bus_bar *b, uint32_t off, uint16_t v)
{
    check_bar2(b);
    cr_assert(off >= 0x500 && off < 0x516 && off % 2 == 0, "DISPI write at 0x%x", off);
    unsigned idx = (off - 0x500) / 2;
    cr_assert_lt(F.nlog, 64);
    F.log_index[F.nlog] = (uint16_t)idx;
    F.log_value[F.nlog++] = v;
    if (idx == VBE_DISPI_INDEX_XRES && v > F.max_xres)
        v = F.max_xres; /* the device clamps */
    F.dispi[idx] = v;
    if (idx == VBE_DISPI_INDEX_ENABLE && (v & VBE_DISPI_ENABLED))
        F.dispi[VBE_DISPI_INDEX_VIRT_WIDTH] = F.dispi[VBE_DISPI_INDEX_XRES];
}

uint8_t bus_read8(const struct bus_bar *b, uint32_t off)
{
    check_bar2(b);
    cr_assert_eq(off, 0x400 + 0x1a, "only input status 1 is read");
    F.flip_reset = true;
    return 0;
}

void bus_write8(const struct bus_bar *b, uint32_t off, uint8_t v)
{
    check_bar2(b);
    if (off == 0x402) {
        F.misc = v;
    } else {
        cr_assert_eq(off, 0x400, "attribute controller");
        cr_assert(F.flip_reset, "flip-flop reset before the index write");
        F.att_index = v;
        F.flip_reset = false;
    }
}

static void setup(void)
{
    memset(&F, 0, sizeof F);
    F.has_vga = F.has_bar2 = true;
    F.id = 0xb0c5;
    F.max_xres = 1600;
    F.fb = calloc(1, FB_SIZE);
}

static void teardown(void)
{
    free(F.fb);
}

TestSuite(bochs_vbe, .init = setup, .fini = teardown);

Test(bochs_vbe, sets_a_32bpp_mode_and_turns_the_display_on)
{
    struct bochs_vbe v;
    char err[128] = "";
    cr_assert_eq(bochs_vbe_open(0, &v, err, sizeof err), 0, "%s", err);
    cr_assert(v.fb == F.fb && v.fb_size == FB_SIZE && v.id == 0xb0c5);
    cr_assert_eq(bochs_vbe_set_mode(&v, 640, 480), 0);
    cr_assert(v.width == 640 && v.height == 480 && v.bpp == 32 && v.pitch == 640 * 4);
    cr_assert_eq(F.log_index[0], VBE_DISPI_INDEX_ENABLE, "disabled first");
    cr_assert_eq(F.log_value[0], VBE_DISPI_DISABLED);
    cr_assert_eq(F.log_index[F.nlog - 1], VBE_DISPI_INDEX_ENABLE, "enabled last");
    cr_assert_eq(F.log_value[F.nlog - 1], VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
    cr_assert(F.dispi[VBE_DISPI_INDEX_XRES] == 640 && F.dispi[VBE_DISPI_INDEX_YRES] == 480 &&
              F.dispi[VBE_DISPI_INDEX_BPP] == 32);
    cr_assert_eq(F.misc, VGA_MIS_COLOR);
    cr_assert_eq(F.att_index, VGA_ATT_PAS, "display unblanked");
    bochs_vbe_close(&v);
    cr_assert_eq(F.dispi[VBE_DISPI_INDEX_ENABLE], VBE_DISPI_DISABLED);
    cr_assert_eq(bochs_vbe_open(0, &v, err, sizeof err), 0, "can be opened again");
    bochs_vbe_close(&v);
}

Test(bochs_vbe, refuses_modes_it_cannot_give)
{
    struct bochs_vbe v;
    char err[128];
    cr_assert_eq(bochs_vbe_open(0, &v, err, sizeof err), 0);
    cr_assert_eq(bochs_vbe_set_mode(&v, 644, 480), -KE_INVAL, "not a multiple of 8");
    cr_assert_eq(bochs_vbe_set_mode(&v, 0, 480), -KE_INVAL);
    cr_assert_eq(bochs_vbe_set_mode(&v, 1280, 1024), -KE_TOOBIG, "5 MiB > 4 MiB BAR0");
    F.max_xres = 320;
    cr_assert_eq(bochs_vbe_set_mode(&v, 640, 480), -KE_IO, "the device clamped the mode");
    cr_assert_eq(v.width, 0);
    bochs_vbe_close(&v);
}

Test(bochs_vbe, finds_no_device_or_the_wrong_one)
{
    struct bochs_vbe v;
    char err[128];
    F.has_vga = false;
    cr_assert_eq(bochs_vbe_open(0, &v, err, sizeof err), -KE_NODEV);
    cr_assert_str_eq(err, "no vga device #0 found (0 standard VGA devices present)");
    F.has_vga = true;
    cr_assert_eq(bochs_vbe_open(1, &v, err, sizeof err), -KE_NODEV, "there is one only");
    F.has_bar2 = false;
    cr_assert_eq(bochs_vbe_open(0, &v, err, sizeof err), -KE_NODEV);
    cr_assert_not_null(strstr(err, "no register BAR2"), "%s", err);
    F.has_bar2 = true;
    F.id = 0x1234;
    cr_assert_eq(bochs_vbe_open(0, &v, err, sizeof err), -KE_NODEV);
    cr_assert_not_null(strstr(err, "not a Bochs VBE interface"), "%s", err);
    F.id = 0xb0c0;
    cr_assert_eq(bochs_vbe_open(0, &v, err, sizeof err), 0, "the oldest interface version");
    struct bochs_vbe v2;
    cr_assert_eq(bochs_vbe_open(0, &v2, err, sizeof err), -KE_EXIST);
    bochs_vbe_close(&v);
}
