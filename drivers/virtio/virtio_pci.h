/*
 * drivers/virtio/virtio_pci.h — the virtio PCI transport shared by every
 * virtio device driver (virtio_net.c, virtio_blk.c: each adds only its own
 * file). Source: OASIS virtio-v1.1 section 4.1 "Virtio Over PCI Bus":
 * 4.1.4 the modern capabilities (common, notify, ISR, device configuration),
 * 4.1.4.8 the legacy I/O-BAR0 register layout, 4.1.5 device initialisation,
 * and section 3.1 (the status sequence RESET, ACKNOWLEDGE, DRIVER,
 * FEATURES_OK, DRIVER_OK).
 *
 * The modern transport is preferred; the legacy one is the fallback for a
 * device without the capabilities. Everything goes through kernel/bus.h, so
 * the same source serves every target.
 *
 * DMA addressing: without VIRTIO_F_ACCESS_PLATFORM (never negotiated here)
 * the device uses physical addresses and bypasses any host-bridge window
 * (section 6.1), so ring and buffer addresses come from
 * bus_dma_addr(dev, virt, true). bus_dma_addr works on any kernel pointer
 * (on both bare-metal targets all kernel memory is physically contiguous
 * and identity/KSEG mapped: a property of the bus interface).
 */
#ifndef SPINDLE_DRIVERS_VIRTIO_PCI_H
#define SPINDLE_DRIVERS_VIRTIO_PCI_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/bus.h"
#include "drivers/virtio/virtqueue.h"

/* Vendor and device IDs (section 4.1.2). */
#define VIRTIO_PCI_VENDOR 0x1af4u
#define VIRTIO_PCI_DEV_LEGACY_MIN 0x1000u /* transitional: 0x1000..0x103f */
#define VIRTIO_PCI_DEV_LEGACY_MAX 0x103fu
#define VIRTIO_PCI_DEV_MODERN_BASE 0x1040u /* modern: 0x1040 + virtio device id */

/* Device status bits (section 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

/* Device-independent feature bits (section 6). */
#define VIRTIO_F_INDIRECT_DESC 28u
#define VIRTIO_F_EVENT_IDX 29u /* VIRTIO_RING_F_EVENT_IDX */
#define VIRTIO_F_VERSION_1 32u
#define VIRTIO_F_ACCESS_PLATFORM 33u

/* ISR status bits (section 4.1.4.5). */
#define VIRTIO_ISR_QUEUE 1u  /* a used ring changed */
#define VIRTIO_ISR_CONFIG 2u /* device configuration changed */

/** Queues a device may use through this transport (net: rx 0, tx 1; blk: 1). */
#define VIRTIO_PCI_MAX_QUEUES 16u

/** A register window: a mapped BAR and a byte offset into it. */
struct virtio_pci_region {
    const struct bus_bar *bar; /* NULL when absent */
    uint32_t off;              /* bytes from the BAR start */
    uint32_t len;              /* bytes */
};

/** One virtio PCI function and how to reach it. */
struct virtio_pci {
    struct bus_device *dev;
    bool modern;                                /* virtio 1.x capabilities in use */
    struct bus_bar bars[6];                     /* BARs mapped so far (kind NONE when not) */
    struct virtio_pci_region common;            /* modern: struct virtio_pci_common_cfg */
    struct virtio_pci_region notify;            /* modern: doorbells */
    uint32_t notify_mult;                       /* modern: notify_off_multiplier, bytes */
    struct virtio_pci_region isr;               /* ISR status byte, both transports */
    struct virtio_pci_region device;            /* device-specific configuration, both transports */
    struct virtio_pci_region legacy;            /* legacy: I/O BAR0 registers */
    uint16_t notify_off[VIRTIO_PCI_MAX_QUEUES]; /* modern: each queue's queue_notify_off */
    char name[24];                              /* "virtio 00:04.0" for messages */
};

/**
 * virtio_pci_open - map @dev's registers into @vp: the modern capabilities
 * when all of common, notify, ISR and device configuration are present
 * (section 4.1.4), else the legacy I/O BAR0 (section 4.1.4.8). Enables bus
 * mastering. Returns 0, or -KE_NODEV / -KE_NOTSUP with a reason in @err.
 */
int virtio_pci_open(struct virtio_pci *vp, struct bus_device *dev, char *err, size_t errlen);

/**
 * virtio_pci_reset - write 0 to device_status and wait (bounded, 100 ms) for
 * it to read back 0 (section 4.1.4.3.2). Stops all DMA. -KE_IO on timeout.
 */
int virtio_pci_reset(struct virtio_pci *vp);

/** virtio_pci_get_status - the device_status byte. */
uint8_t virtio_pci_get_status(struct virtio_pci *vp);
/** virtio_pci_add_status - OR @bits into device_status. */
void virtio_pci_add_status(struct virtio_pci *vp, uint8_t bits);

/** virtio_pci_device_features - the device's feature bits (legacy: the low 32 only). */
uint64_t virtio_pci_device_features(struct virtio_pci *vp);

/**
 * virtio_pci_set_features - write the driver's feature bits @f, then (modern)
 * set FEATURES_OK and read it back (section 3.1.1 steps 5-6). Returns 0, or
 * -KE_NOTSUP when the device did not keep FEATURES_OK.
 */
int virtio_pci_set_features(struct virtio_pci *vp, uint64_t f);

/**
 * virtio_pci_queue_size - the size to use for queue @q when the driver wants
 * @want entries: modern, the largest power of two <= min(@want, device
 * maximum); legacy, the device's fixed size whatever @want is. 0 when the
 * queue does not exist (or its size is not a power of two).
 */
uint16_t virtio_pci_queue_size(struct virtio_pci *vp, uint16_t q, uint16_t want);

/**
 * virtio_pci_queue_alloc - zeroed DMA memory for a @size-entry queue laid
 * out for this transport (vring_layout with the used ring 4-byte aligned on
 * modern, 4096 on legacy), 4096-byte aligned. Allocate once per device:
 * bus.h has no way to free DMA memory. Returns 0, -KE_INVAL, -KE_NOMEM.
 */
int virtio_pci_queue_alloc(struct virtio_pci *vp, uint16_t size, struct bus_dma *mem);

/**
 * virtio_pci_queue_setup - (re)initialise @vq over @mem (from
 * virtio_pci_queue_alloc with the same @size) and @cookie (@size pointers,
 * the caller's), then tell the device: modern, queue_size, queue_desc /
 * queue_driver / queue_device (physical addresses) and queue_enable = 1
 * (section 4.1.5.1.3); legacy, QueueAddress = physical address / 4096
 * (section 4.1.5.1.3.1). Call between FEATURES_OK and DRIVER_OK.
 * Returns 0, -KE_NODEV (no such queue), -KE_INVAL (size or queue number).
 */
int virtio_pci_queue_setup(struct virtio_pci *vp, uint16_t q, uint16_t size,
                           const struct bus_dma *mem, void **cookie, bool event_idx,
                           struct virtqueue *vq);

/** virtio_pci_notify - ring queue @q's doorbell (modern notify area or legacy QueueNotify). */
void virtio_pci_notify(struct virtio_pci *vp, uint16_t q);

/** virtio_pci_isr - read (and so clear, deasserting INTx) the ISR status: VIRTIO_ISR_* bits. */
uint8_t virtio_pci_isr(struct virtio_pci *vp);

/** virtio_pci_config_gen - the configuration generation (modern; legacy 0), section 4.1.4.3. */
uint8_t virtio_pci_config_gen(struct virtio_pci *vp);

/** Device-specific configuration reads at byte offset @off (little-endian fields). */
uint8_t virtio_pci_config_read8(struct virtio_pci *vp, uint32_t off);
/** virtio_pci_config_read16 - a naturally aligned le16 field of the device configuration. */
uint16_t virtio_pci_config_read16(struct virtio_pci *vp, uint32_t off);
/**
 * virtio_pci_config_read32 - a naturally aligned le32 field of the device
 * configuration; a le64 field is two of these, low word first, inside a
 * virtio_pci_config_gen() check (section 4.1.3.1: 32-bit accesses for 32-
 * and 64-bit fields).
 */
uint32_t virtio_pci_config_read32(struct virtio_pci *vp, uint32_t off);

#endif
