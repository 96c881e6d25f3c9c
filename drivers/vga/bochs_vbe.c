/* drivers/vga/bochs_vbe.c — QEMU standard VGA linear framebuffer (bochs_vbe.h). */
#include "drivers/vga/bochs_vbe.h"

#include "drivers/bm/pci_bind.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

#define VGA_SLOTS 2u

static struct pci_bind_slot vga_slots[VGA_SLOTS];

static bool vga_match(const struct bus_device *d)
{
    return d->vendor_id == BOCHS_VBE_VENDOR && d->device_id == BOCHS_VBE_DEVICE;
}

static const struct pci_bind_class vga_class = {
    .driver = "vga",
    .device = "standard VGA",
    .match = vga_match,
    .slots = vga_slots,
    .nslots = VGA_SLOTS,
};

static uint16_t dispi_read(const struct bochs_vbe *v, unsigned index)
{
    return bus_read16(&v->mmio, VBE_DISPI_MMIO_BASE + 2 * index);
}

static void dispi_write(const struct bochs_vbe *v, unsigned index, uint16_t val)
{
    bus_write16(&v->mmio, VBE_DISPI_MMIO_BASE + 2 * index, val);
}

static uint8_t vga_read(const struct bochs_vbe *v, unsigned port)
{
    return bus_read8(&v->mmio, VGA_MMIO_PORTS + (port - VGA_ATT_W));
}

static void vga_write(const struct bochs_vbe *v, unsigned port, uint8_t val)
{
    bus_write8(&v->mmio, VGA_MMIO_PORTS + (port - VGA_ATT_W), val);
}

static struct pci_bind_slot *slot_of(const struct bochs_vbe *v)
{
    return KCONTAINER_OF(v->dev, struct pci_bind_slot, dev);
}

int bochs_vbe_open(unsigned instance, struct bochs_vbe *v, char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    int i = pci_bind(&vga_class, instance, err, errlen);
    if (i < 0)
        return i;
    struct pci_bind_slot *s = &vga_slots[i];
    v->dev = &s->dev;
    int rc = bus_map_bar(&s->dev, 0, &v->fb_bar);
    if (rc == 0 && v->fb_bar.kind != BUS_BAR_MMIO)
        rc = -KE_NODEV;
    if (rc < 0) {
        ksnprintf(err, errlen, "%s: framebuffer BAR0: %s", s->name, kerr_str(rc));
        return rc;
    }
    rc = bus_map_bar(&s->dev, 2, &v->mmio);
    if (rc == 0 && (v->mmio.kind != BUS_BAR_MMIO || v->mmio.size < 0x600))
        rc = -KE_NODEV;
    if (rc < 0) {
        ksnprintf(err, errlen, "%s: no register BAR2 (QEMU 1.3 or later has it): %s", s->name,
                  kerr_str(rc));
        return rc;
    }
    v->id = dispi_read(v, VBE_DISPI_INDEX_ID);
    if ((v->id & 0xfff0) != VBE_DISPI_ID0) {
        ksnprintf(err, errlen, "%s: DISPI ID 0x%x is not a Bochs VBE interface", s->name, v->id);
        return -KE_NODEV;
    }
    v->fb = (uint8_t *)v->fb_bar.base;
    v->fb_size = v->fb_bar.size;
    s->in_use = true;
    return 0;
}

int bochs_vbe_set_mode(struct bochs_vbe *v, uint32_t width, uint32_t height)
{
    if (width < 8 || height < 8 || width % 8 || height % 8 || width > 0xffff || height > 0xffff)
        return -KE_INVAL;
    if ((uint64_t)width * height * 4 > v->fb_size)
        return -KE_TOOBIG;
    dispi_write(v, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_DISABLED);
    dispi_write(v, VBE_DISPI_INDEX_XRES, (uint16_t)width);
    dispi_write(v, VBE_DISPI_INDEX_YRES, (uint16_t)height);
    dispi_write(v, VBE_DISPI_INDEX_BPP, 32);
    dispi_write(v, VBE_DISPI_INDEX_BANK, 0);
    dispi_write(v, VBE_DISPI_INDEX_VIRT_WIDTH, (uint16_t)width);
    dispi_write(v, VBE_DISPI_INDEX_X_OFFSET, 0);
    dispi_write(v, VBE_DISPI_INDEX_Y_OFFSET, 0);
    dispi_write(v, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
    if (dispi_read(v, VBE_DISPI_INDEX_XRES) != width ||
        dispi_read(v, VBE_DISPI_INDEX_YRES) != height || dispi_read(v, VBE_DISPI_INDEX_BPP) != 32) {
        v->width = v->height = 0;
        return -KE_IO;
    }
    uint16_t virt = dispi_read(v, VBE_DISPI_INDEX_VIRT_WIDTH);
    /* Display on: colour I/O addressing, reset the attribute flip-flop to
     * "index", then an index with PAS set (IBM VGA attribute controller). */
    vga_write(v, VGA_MIS_W, VGA_MIS_COLOR);
    (void)vga_read(v, VGA_IS1_RC);
    vga_write(v, VGA_ATT_W, VGA_ATT_PAS);
    v->width = width;
    v->height = height;
    v->bpp = 32;
    v->pitch = (size_t)(virt >= width ? virt : width) * 4;
    return 0;
}

void bochs_vbe_close(struct bochs_vbe *v)
{
    if (!v->dev)
        return;
    dispi_write(v, VBE_DISPI_INDEX_ENABLE, VBE_DISPI_DISABLED);
    slot_of(v)->in_use = false;
    v->dev = NULL;
    v->width = v->height = 0;
}
