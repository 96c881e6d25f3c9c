/*
 * drivers/virtio/virtio_pci.c — the virtio PCI transport, modern (virtio
 * 1.x capabilities, section 4.1.4) with the legacy I/O BAR0 layout (section
 * 4.1.4.8) as a fallback. Only kernel/bus.h reaches the hardware.
 */
#include "drivers/virtio/virtio_pci.h"

#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

/* PCI configuration header (PCI Local Bus 3.0 section 6.1, 6.7). */
#define PCI_STATUS 0x06u
#define PCI_STATUS_CAP_LIST 0x10u
#define PCI_CAP_PTR 0x34u
#define PCI_CAP_ID_VNDR 0x09u
#define PCI_CAP_ID_MSIX 0x11u
#define PCI_MSIX_ENABLE 0x8000u /* message control bit 15 */

/* struct virtio_pci_cap (section 4.1.4): byte offsets inside the capability. */
#define VCAP_CFG_TYPE 3u
#define VCAP_BAR 4u
#define VCAP_OFFSET 8u
#define VCAP_LENGTH 12u
#define VCAP_NOTIFY_MULT 16u /* struct virtio_pci_notify_cap only */
#define VIRTIO_PCI_CAP_COMMON_CFG 1u
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2u
#define VIRTIO_PCI_CAP_ISR_CFG 3u
#define VIRTIO_PCI_CAP_DEVICE_CFG 4u

/* struct virtio_pci_common_cfg (section 4.1.4.3): byte offsets. */
#define VCOM_DFSELECT 0x00u /* le32 device_feature_select */
#define VCOM_DF 0x04u       /* le32 device_feature */
#define VCOM_GFSELECT 0x08u /* le32 driver_feature_select */
#define VCOM_GF 0x0Cu       /* le32 driver_feature */
#define VCOM_MSIX 0x10u     /* le16 msix_config */
#define VCOM_NUMQ 0x12u     /* le16 num_queues */
#define VCOM_STATUS 0x14u   /* u8 device_status */
#define VCOM_CFGGEN 0x15u   /* u8 config_generation */
#define VCOM_Q_SELECT 0x16u /* le16 queue_select */
#define VCOM_Q_SIZE 0x18u   /* le16 queue_size */
#define VCOM_Q_MSIX 0x1Au   /* le16 queue_msix_vector */
#define VCOM_Q_ENABLE 0x1Cu /* le16 queue_enable */
#define VCOM_Q_NOFF 0x1Eu   /* le16 queue_notify_off */
#define VCOM_Q_DESCLO 0x20u /* le64 queue_desc */
#define VCOM_Q_DESCHI 0x24u
#define VCOM_Q_AVAILLO 0x28u /* le64 queue_driver */
#define VCOM_Q_AVAILHI 0x2Cu
#define VCOM_Q_USEDLO 0x30u /* le64 queue_device */
#define VCOM_Q_USEDHI 0x34u
#define VCOM_BYTES 0x38u
#define VIRTIO_MSI_NO_VECTOR 0xffffu

/* Legacy I/O BAR0 registers (section 4.1.4.8). */
#define VLEG_HOST_FEATURES 0x00u  /* le32 */
#define VLEG_GUEST_FEATURES 0x04u /* le32 */
#define VLEG_QUEUE_PFN 0x08u      /* le32: physical address >> 12 */
#define VLEG_QUEUE_SIZE 0x0Cu     /* le16, read only */
#define VLEG_QUEUE_SELECT 0x0Eu   /* le16 */
#define VLEG_QUEUE_NOTIFY 0x10u   /* le16 */
#define VLEG_STATUS 0x12u         /* u8 */
#define VLEG_ISR 0x13u            /* u8, read clears */
#define VLEG_CONFIG 0x14u         /* device configuration without MSI-X */
#define VLEG_CONFIG_MSIX 0x18u    /* ... with MSI-X enabled */
#define VLEG_PFN_SHIFT 12u

#define VIRTIO_RESET_TIMEOUT_NS (100ull * KNS_PER_MS)

static void set_err(char *err, size_t errlen, const char *who, const char *why)
{
    if (err && errlen)
        ksnprintf(err, errlen, "%s: %s", who, why);
}

/* ---- register windows ---- */

static uint8_t reg_r8(const struct virtio_pci_region *r, uint32_t off)
{
    return bus_read8(r->bar, r->off + off);
}
static uint16_t reg_r16(const struct virtio_pci_region *r, uint32_t off)
{
    return bus_read16(r->bar, r->off + off);
}
static uint32_t reg_r32(const struct virtio_pci_region *r, uint32_t off)
{
    return bus_read32(r->bar, r->off + off);
}
static void reg_w8(const struct virtio_pci_region *r, uint32_t off, uint8_t v)
{
    bus_write8(r->bar, r->off + off, v);
}
static void reg_w16(const struct virtio_pci_region *r, uint32_t off, uint16_t v)
{
    bus_write16(r->bar, r->off + off, v);
}
static void reg_w32(const struct virtio_pci_region *r, uint32_t off, uint32_t v)
{
    bus_write32(r->bar, r->off + off, v);
}

/* Map BAR @index once; 0 or -KE_*. */
static int map_bar(struct virtio_pci *vp, unsigned index)
{
    if (index > 5)
        return -KE_NODEV;
    if (vp->bars[index].kind != BUS_BAR_NONE)
        return 0;
    return bus_map_bar(vp->dev, (int)index, &vp->bars[index]);
}

/* The capability after @pos (0: the first), or 0 at the end of a well-formed list. */
static uint8_t next_cap(const struct bus_device *d, uint8_t pos, unsigned *guard)
{
    if (pos == 0) {
        if (!(bus_cfg_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
            return 0;
        pos = bus_cfg_read8(d, PCI_CAP_PTR);
    } else {
        pos = bus_cfg_read8(d, (uint16_t)(pos + 1u));
    }
    pos &= 0xFCu;
    /* 48 capabilities fill the 192 bytes after the header: more is a loop. */
    if (pos < 0x40u || ++*guard > 48u)
        return 0;
    return pos;
}

/* Fill @r from the vendor capability at @pos if its BAR maps and the window fits. */
static bool take_cap(struct virtio_pci *vp, uint8_t pos, struct virtio_pci_region *r)
{
    const struct bus_device *d = vp->dev;
    unsigned bar = bus_cfg_read8(d, (uint16_t)(pos + VCAP_BAR));
    uint32_t off = bus_cfg_read32(d, (uint16_t)(pos + VCAP_OFFSET));
    uint32_t len = bus_cfg_read32(d, (uint16_t)(pos + VCAP_LENGTH));
    if (map_bar(vp, bar) != 0)
        return false;
    const struct bus_bar *b = &vp->bars[bar];
    if ((uint64_t)off + len > b->size)
        return false;
    r->bar = b;
    r->off = off;
    r->len = len;
    return true;
}

static bool find_modern(struct virtio_pci *vp)
{
    const struct bus_device *d = vp->dev;
    unsigned guard = 0;
    for (uint8_t pos = next_cap(d, 0, &guard); pos; pos = next_cap(d, pos, &guard)) {
        if (bus_cfg_read8(d, pos) != PCI_CAP_ID_VNDR)
            continue;
        uint8_t type = bus_cfg_read8(d, (uint16_t)(pos + VCAP_CFG_TYPE));
        /* The first capability of each type the driver can use wins (4.1.4). */
        switch (type) {
        case VIRTIO_PCI_CAP_COMMON_CFG:
            if (!vp->common.bar && take_cap(vp, pos, &vp->common) && vp->common.len < VCOM_BYTES)
                vp->common.bar = NULL;
            break;
        case VIRTIO_PCI_CAP_NOTIFY_CFG:
            if (!vp->notify.bar && take_cap(vp, pos, &vp->notify))
                vp->notify_mult = bus_cfg_read32(d, (uint16_t)(pos + VCAP_NOTIFY_MULT));
            break;
        case VIRTIO_PCI_CAP_ISR_CFG:
            if (!vp->isr.bar)
                (void)take_cap(vp, pos, &vp->isr);
            break;
        case VIRTIO_PCI_CAP_DEVICE_CFG:
            if (!vp->device.bar)
                (void)take_cap(vp, pos, &vp->device);
            break;
        default: break;
        }
    }
    return vp->common.bar && vp->notify.bar && vp->isr.bar && vp->device.bar;
}

static bool msix_enabled(const struct bus_device *d)
{
    unsigned guard = 0;
    for (uint8_t pos = next_cap(d, 0, &guard); pos; pos = next_cap(d, pos, &guard))
        if (bus_cfg_read8(d, pos) == PCI_CAP_ID_MSIX)
            return (bus_cfg_read16(d, (uint16_t)(pos + 2u)) & PCI_MSIX_ENABLE) != 0;
    return false;
}

int virtio_pci_open(struct virtio_pci *vp, struct bus_device *dev, char *err, size_t errlen)
{
    memset(vp, 0, sizeof *vp);
    vp->dev = dev;
    ksnprintf(vp->name, sizeof vp->name, "virtio %02x:%02x.%x", dev->bus, dev->dev, dev->fn);

    if (find_modern(vp)) {
        vp->modern = true;
    } else {
        /* A transitional device: legacy registers in I/O BAR0. */
        if (dev->device_id > VIRTIO_PCI_DEV_LEGACY_MAX) {
            set_err(err, errlen, vp->name, "modern device without usable virtio capabilities");
            return -KE_NOTSUP;
        }
        memset(&vp->common, 0, sizeof vp->common);
        memset(&vp->notify, 0, sizeof vp->notify);
        memset(&vp->isr, 0, sizeof vp->isr);
        memset(&vp->device, 0, sizeof vp->device);
        if (map_bar(vp, 0) != 0 || vp->bars[0].size < VLEG_CONFIG) {
            set_err(err, errlen, vp->name, "legacy BAR0 cannot be mapped");
            return -KE_NODEV;
        }
        vp->legacy.bar = &vp->bars[0];
        vp->legacy.off = 0;
        vp->legacy.len = (uint32_t)vp->bars[0].size;
        vp->isr.bar = &vp->bars[0];
        vp->isr.off = VLEG_ISR;
        vp->isr.len = 1;
        uint32_t cfg = msix_enabled(dev) ? VLEG_CONFIG_MSIX : VLEG_CONFIG;
        vp->device.bar = &vp->bars[0];
        vp->device.off = cfg;
        vp->device.len = vp->legacy.len > cfg ? vp->legacy.len - cfg : 0;
    }
    bus_enable_master(dev);
    return 0;
}

uint8_t virtio_pci_get_status(struct virtio_pci *vp)
{
    return vp->modern ? reg_r8(&vp->common, VCOM_STATUS) : reg_r8(&vp->legacy, VLEG_STATUS);
}

static void put_status(struct virtio_pci *vp, uint8_t s)
{
    if (vp->modern)
        reg_w8(&vp->common, VCOM_STATUS, s);
    else
        reg_w8(&vp->legacy, VLEG_STATUS, s);
}

void virtio_pci_add_status(struct virtio_pci *vp, uint8_t bits)
{
    put_status(vp, (uint8_t)(virtio_pci_get_status(vp) | bits));
}

int virtio_pci_reset(struct virtio_pci *vp)
{
    put_status(vp, 0);
    uint64_t deadline = kclock_now_ns() + VIRTIO_RESET_TIMEOUT_NS;
    for (unsigned spins = 0; spins < 10000000u; spins++) {
        if (virtio_pci_get_status(vp) == 0)
            return 0;
        if (kclock_now_ns() > deadline)
            break;
    }
    return -KE_IO;
}

uint64_t virtio_pci_device_features(struct virtio_pci *vp)
{
    if (!vp->modern)
        return reg_r32(&vp->legacy, VLEG_HOST_FEATURES);
    reg_w32(&vp->common, VCOM_DFSELECT, 0);
    uint64_t lo = reg_r32(&vp->common, VCOM_DF);
    reg_w32(&vp->common, VCOM_DFSELECT, 1);
    uint64_t hi = reg_r32(&vp->common, VCOM_DF);
    return lo | (hi << 32);
}

int virtio_pci_set_features(struct virtio_pci *vp, uint64_t f)
{
    if (!vp->modern) {
        reg_w32(&vp->legacy, VLEG_GUEST_FEATURES, (uint32_t)f);
        return 0; /* legacy has no FEATURES_OK handshake */
    }
    reg_w32(&vp->common, VCOM_GFSELECT, 0);
    reg_w32(&vp->common, VCOM_GF, (uint32_t)f);
    reg_w32(&vp->common, VCOM_GFSELECT, 1);
    reg_w32(&vp->common, VCOM_GF, (uint32_t)(f >> 32));
    virtio_pci_add_status(vp, VIRTIO_STATUS_FEATURES_OK);
    if (!(virtio_pci_get_status(vp) & VIRTIO_STATUS_FEATURES_OK))
        return -KE_NOTSUP;
    return 0;
}

static bool is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1u)) == 0;
}

uint16_t virtio_pci_queue_size(struct virtio_pci *vp, uint16_t q, uint16_t want)
{
    if (q >= VIRTIO_PCI_MAX_QUEUES)
        return 0;
    if (!vp->modern) {
        reg_w16(&vp->legacy, VLEG_QUEUE_SELECT, q);
        uint16_t n = reg_r16(&vp->legacy, VLEG_QUEUE_SIZE);
        return is_pow2(n) ? n : 0;
    }
    if (q >= reg_r16(&vp->common, VCOM_NUMQ))
        return 0;
    reg_w16(&vp->common, VCOM_Q_SELECT, q);
    uint16_t max = reg_r16(&vp->common, VCOM_Q_SIZE);
    if (max == 0)
        return 0;
    uint32_t lim = want < max ? want : max;
    uint32_t n = 1;
    while (n * 2u <= lim && n * 2u <= VQ_SIZE_MAX)
        n *= 2u;
    return lim ? (uint16_t)n : 0;
}

static size_t used_align(const struct virtio_pci *vp)
{
    return vp->modern ? 4u : VQ_LEGACY_ALIGN;
}

int virtio_pci_queue_alloc(struct virtio_pci *vp, uint16_t size, struct bus_dma *mem)
{
    struct vring_layout l;
    int rc = vring_layout(size, used_align(vp), &l);
    if (rc)
        return rc;
    return bus_dma_alloc(l.bytes, 4096u, mem);
}

static void write64(const struct virtio_pci_region *r, uint32_t lo_off, uint64_t v)
{
    reg_w32(r, lo_off, (uint32_t)v);
    reg_w32(r, lo_off + 4u, (uint32_t)(v >> 32));
}

int virtio_pci_queue_setup(struct virtio_pci *vp, uint16_t q, uint16_t size,
                           const struct bus_dma *mem, void **cookie, bool event_idx,
                           struct virtqueue *vq)
{
    struct vring_layout l;
    if (q >= VIRTIO_PCI_MAX_QUEUES || vring_layout(size, used_align(vp), &l) != 0 ||
        mem->size < l.bytes)
        return -KE_INVAL;
    int rc = vq_init(vq, q, size, mem->virt, &l, cookie, event_idx);
    if (rc)
        return rc;
    const struct bus_device *d = vp->dev;
    uint64_t desc = bus_dma_addr(d, vq->desc, true);
    if (!vp->modern) {
        reg_w16(&vp->legacy, VLEG_QUEUE_SELECT, q);
        if (reg_r16(&vp->legacy, VLEG_QUEUE_SIZE) != size)
            return -KE_INVAL;
        uint64_t pfn = desc >> VLEG_PFN_SHIFT;
        if ((desc & (VQ_LEGACY_ALIGN - 1u)) || pfn > 0xffffffffull)
            return -KE_INVAL;
        reg_w32(&vp->legacy, VLEG_QUEUE_PFN, (uint32_t)pfn);
        return 0;
    }
    if (q >= reg_r16(&vp->common, VCOM_NUMQ))
        return -KE_NODEV;
    reg_w16(&vp->common, VCOM_Q_SELECT, q);
    uint16_t max = reg_r16(&vp->common, VCOM_Q_SIZE);
    if (max == 0)
        return -KE_NODEV;
    if (size > max)
        return -KE_INVAL;
    reg_w16(&vp->common, VCOM_Q_SIZE, size);
    reg_w16(&vp->common, VCOM_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
    write64(&vp->common, VCOM_Q_DESCLO, desc);
    write64(&vp->common, VCOM_Q_AVAILLO, bus_dma_addr(d, vq->avail, true));
    write64(&vp->common, VCOM_Q_USEDLO, bus_dma_addr(d, vq->used, true));
    vp->notify_off[q] = reg_r16(&vp->common, VCOM_Q_NOFF);
    reg_w16(&vp->common, VCOM_Q_ENABLE, 1);
    return 0;
}

void virtio_pci_notify(struct virtio_pci *vp, uint16_t q)
{
    if (!vp->modern) {
        reg_w16(&vp->legacy, VLEG_QUEUE_NOTIFY, q);
        return;
    }
    uint32_t off = (uint32_t)vp->notify_off[q % VIRTIO_PCI_MAX_QUEUES] * vp->notify_mult;
    reg_w16(&vp->notify, off, q);
}

uint8_t virtio_pci_isr(struct virtio_pci *vp)
{
    return reg_r8(&vp->isr, 0);
}

uint8_t virtio_pci_config_gen(struct virtio_pci *vp)
{
    return vp->modern ? reg_r8(&vp->common, VCOM_CFGGEN) : 0;
}

uint8_t virtio_pci_config_read8(struct virtio_pci *vp, uint32_t off)
{
    return reg_r8(&vp->device, off);
}

uint16_t virtio_pci_config_read16(struct virtio_pci *vp, uint32_t off)
{
    return reg_r16(&vp->device, off);
}

uint32_t virtio_pci_config_read32(struct virtio_pci *vp, uint32_t off)
{
    return reg_r32(&vp->device, off);
}
