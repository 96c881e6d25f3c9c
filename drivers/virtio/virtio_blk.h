/*
 * drivers/virtio/virtio_blk.h — the virtio block device (OASIS virtio-v1.1
 * section 5.2) as kernel/blk.h disks on the VMs: PCI 1af4:1042 (modern) or
 * 1af4:1001 (transitional; modern transport preferred, legacy I/O BAR0 as
 * the fallback), the Nth such function in bus order. Reaches hardware only
 * through kernel/bus.h, so one source serves x86_64 and Alpha.
 *
 * Reads (and writes, flushes when offered) go straight between the device
 * and the caller's buffer: every address given to the device is physical
 * (bus_dma_addr(dev, p, true); VIRTIO_F_ACCESS_PLATFORM is never
 * negotiated), which works for any kernel pointer on both targets. One
 * request queue (queue 0), split ring, event-index notification
 * suppression; completions are reaped by kblk_poll(), the interrupt only
 * acknowledges the device and wakes an idle CPU.
 *
 * QEMU: -drive file=IMG,if=none,format=raw,id=d0,readonly=on
 *       -device virtio-blk-pci,drive=d0   (disable-legacy=on: 1af4:1042 only)
 */
#ifndef SPINDLE_DRIVERS_VIRTIO_BLK_H
#define SPINDLE_DRIVERS_VIRTIO_BLK_H

#include <stddef.h>
#include "kernel/blk.h"

/** Most virtio-blk functions the driver keeps state for. */
#define VIRTIO_BLK_DEVICES 8u

/**
 * virtio_blk_open - bring up the @instance-th (0 = first) virtio-blk PCI
 * function in bus order and register it as disk @name (kblk_register):
 * reset, feature negotiation (VERSION_1 on the modern transport, RO,
 * BLK_SIZE, SIZE_MAX, SEG_MAX, FLUSH, EVENT_IDX), capacity from the device
 * configuration, queue 0, DRIVER_OK. *@out (may be NULL) gets the disk.
 * Returns 0, or -KE_* with a message in @err (@errlen bytes) naming the
 * device: -KE_NODEV "no virtio-blk device #N found (M virtio-blk devices
 * present)", -KE_EXIST (already open, or @name taken), -KE_NOTSUP (features
 * refused, no usable queue or geometry), -KE_NOMEM, -KE_IO (reset failed).
 * Close with kblk_close(): the device is reset and the function may be
 * opened again.
 */
int virtio_blk_open(unsigned instance, const char *name, struct kblk **out, char *err,
                    size_t errlen);

/**
 * virtio_blk_probe_all - open every virtio-blk function in bus order as the
 * first unused "diskN" names (disk0, disk1, ... on a fresh registry), each
 * announced on the log ("disk0: virtio-blk 00:04.0 modern, 20 sectors of 512
 * bytes, read-only"); a function that fails is logged and skipped. Returns
 * the number of disks registered. Call once at boot, after PCI enumeration.
 */
unsigned virtio_blk_probe_all(void);

#endif
