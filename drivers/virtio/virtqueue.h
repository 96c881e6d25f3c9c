/*
 * drivers/virtio/virtqueue.h — the split virtqueue (virtio 1.x, OASIS
 * virtio-v1.1 section 2.6 "Split Virtqueues") as pure functions over memory:
 * no bus and no transport, so it compiles hosted and is unit-tested there
 * (tests/unit/drivers/rings). The transport (virtio_pci.h) allocates the
 * memory, tells the device where it is and rings the doorbell.
 *
 * A queue of `size` entries (a power of two) has three areas, all
 * little-endian:
 *   descriptor table  size * 16 bytes: { le64 addr; le32 len; le16 flags; le16 next; }
 *   available ring    6 + 2*size bytes: { le16 flags; le16 idx; le16 ring[size]; le16 used_event; }
 *   used ring         6 + 8*size bytes: { le16 flags; le16 idx; {le32 id; le32 len;} ring[size]; le16 avail_event; }
 * used_event / avail_event exist when VIRTIO_F_EVENT_IDX (bit 29) is
 * negotiated (section 2.6.7 and 2.6.10 "Notification suppression").
 *
 * Ordering is the caller's, with the bus barriers (the split lets these
 * functions stay pure):
 *   vq_add()...; bus_wmb(); vq_publish(); bus_mb(); if (vq_kick_prepare()) notify;
 *   if (vq_used_pending()) { bus_rmb(); vq_get(); }
 *   vq_enable_intr(); bus_mb(); vq_used_pending()   -- re-check closes the race
 * The indices the other side writes concurrently (avail.idx, used.idx,
 * used_event, avail_event) are read and written with naturally aligned
 * volatile 16-bit accesses, never torn; everything else with the byte-wise
 * little-endian helpers of kernel/klib.h.
 *
 * Addresses in descriptors are whatever the transport says the device uses:
 * for virtio without VIRTIO_F_ACCESS_PLATFORM, physical addresses
 * (bus_dma_addr(dev, virt, true)).
 */
#ifndef SPINDLE_DRIVERS_VIRTIO_VIRTQUEUE_H
#define SPINDLE_DRIVERS_VIRTIO_VIRTQUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** Largest queue size the split ring allows (section 2.6: 32768). */
#define VQ_SIZE_MAX 32768u
/** Legacy transport: the used ring starts on this boundary (section 4.1.5.1.4 / 2.6.2 legacy). */
#define VQ_LEGACY_ALIGN 4096u

/* Descriptor flags (section 2.6.5). */
#define VRING_DESC_F_NEXT 1u     /* the chain continues in `next` */
#define VRING_DESC_F_WRITE 2u    /* device writes this buffer (device-writable) */
#define VRING_DESC_F_INDIRECT 4u /* buffer holds a descriptor table (not used here) */
/* Available ring flags (section 2.6.6). */
#define VRING_AVAIL_F_NO_INTERRUPT 1u
/* Used ring flags (section 2.6.8). */
#define VRING_USED_F_NO_NOTIFY 1u

/** Byte offsets of the three areas inside one block, and its total size. */
struct vring_layout {
    size_t desc_off;  /* 0; 16-byte aligned */
    size_t avail_off; /* right after the table */
    size_t used_off;  /* aligned to the used-ring alignment asked for */
    size_t bytes;     /* total block size, bytes */
};

/** One buffer of a chain: a device address, a length in bytes, and its direction. */
struct vq_seg {
    uint64_t addr;      /* address the device uses (physical without ACCESS_PLATFORM) */
    uint32_t len;       /* bytes */
    bool device_writes; /* true: device-writable (VRING_DESC_F_WRITE), e.g. a receive buffer */
};

/** A split virtqueue: the rings in memory plus the driver's shadow state. */
struct virtqueue {
    uint8_t *desc;       /* descriptor table (CPU address) */
    uint8_t *avail;      /* available ring, driver-written */
    uint8_t *used;       /* used ring, device-written */
    void **cookie;       /* size entries, indexed by a chain's head descriptor; NULL = free */
    uint16_t size;       /* entries, a power of two */
    uint16_t index;      /* queue number on its device (for the transport) */
    bool event_idx;      /* VIRTIO_F_EVENT_IDX negotiated */
    uint16_t free_head;  /* first descriptor of the free list (linked through `next`) */
    uint16_t num_free;   /* descriptors on the free list */
    uint16_t avail_idx;  /* the driver's next avail.idx (published by vq_publish) */
    uint16_t kicked_idx; /* avail.idx at the last notification decision */
    uint16_t last_used;  /* next used-ring entry to consume */
    uint16_t in_flight;  /* chains given out, not yet taken back */
};

/**
 * vring_need_event - the event-index test of section 2.6.7.2 / 2.6.10: true
 * when @event_idx lies in [@old_idx, @new_idx) modulo 2^16, i.e. the other
 * side asked to be told once the index passed @event_idx and the last
 * advance, from @old_idx to @new_idx, crossed it.
 */
static inline bool vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t)(new_idx - event_idx - 1u) < (uint16_t)(new_idx - old_idx);
}

/**
 * vring_layout - lay out a queue of @size entries in one block, the used ring
 * aligned to @used_align bytes (4 for virtio 1.x, 4096 for the legacy
 * transport). Returns 0 or -KE_INVAL (size not a power of two in
 * [1, 32768], @used_align not a power of two >= 4).
 */
int vring_layout(uint16_t size, size_t used_align, struct vring_layout *out);

/**
 * vq_init - set up @vq over @mem (layout @l of a @size-entry queue, @mem
 * aligned to 16 bytes and to the used alignment) and @cookie (@size
 * pointers). Zeroes the rings, puts every descriptor on the free list and
 * starts all indices at 0, as after a device reset. Returns 0 or -KE_INVAL.
 */
int vq_init(struct virtqueue *vq, uint16_t index, uint16_t size, void *mem,
            const struct vring_layout *l, void **cookie, bool event_idx);

/**
 * vq_add - make a chain of @n descriptors from @seg (device-readable ones
 * first, section 2.6.4.2) carrying @cookie (non-NULL) and place its head in
 * the next available-ring slot. The device sees it only after vq_publish().
 * Returns 0, -KE_AGAIN (fewer than @n descriptors free), -KE_INVAL (@n 0,
 * NULL cookie, a readable segment after a writable one, a zero length).
 */
int vq_add(struct virtqueue *vq, const struct vq_seg *seg, unsigned n, void *cookie);

/**
 * vq_next_head - the descriptor the next vq_add() makes the head of its
 * chain (meaningful while num_free > 0): a driver that keeps per-chain data
 * beside the ring (a transmit header) indexes it by this, as vq_get()'s
 * cookie is indexed.
 */
static inline uint16_t vq_next_head(const struct virtqueue *vq)
{
    return vq->free_head;
}

/** vq_publish - store avail.idx (call bus_wmb() between vq_add and this). */
void vq_publish(struct virtqueue *vq);

/**
 * vq_kick_prepare - after vq_publish() and bus_mb(): true when the device
 * must be notified of the entries published since the last decision. With
 * EVENT_IDX: vring_need_event(avail_event, avail.idx, previous); else unless
 * the device set VRING_USED_F_NO_NOTIFY. Records the decision point.
 */
bool vq_kick_prepare(struct virtqueue *vq);

/** vq_used_pending - true when the device has returned chains not yet taken (then bus_rmb()). */
bool vq_used_pending(const struct virtqueue *vq);

/**
 * vq_get - take the next used-ring entry: *@cookie gets the chain's cookie
 * and *@len the bytes the device wrote into it (used.len). The chain's
 * descriptors return to the free list. Returns 0, -KE_AGAIN (nothing
 * pending), or -KE_IO when the device named a head that is out of range or
 * not given out (the entry is consumed, *@cookie = NULL).
 */
int vq_get(struct virtqueue *vq, void **cookie, uint32_t *len);

/**
 * vq_enable_intr - ask for an interrupt at the next used entry: with
 * EVENT_IDX used_event = last_used, else clear VRING_AVAIL_F_NO_INTERRUPT.
 * Follow with bus_mb() and vq_used_pending() to catch entries that arrived meanwhile.
 */
void vq_enable_intr(struct virtqueue *vq);

/**
 * vq_disable_intr - ask for no interrupts: with EVENT_IDX used_event =
 * last_used - 1 (crossed only after 2^16 more entries; refreshed at every
 * call), else set VRING_AVAIL_F_NO_INTERRUPT. A hint the device may ignore.
 */
void vq_disable_intr(struct virtqueue *vq);

/**
 * vq_enable_intr_delayed - ask for one interrupt once the device has used
 * every chain published so far (with EVENT_IDX used_event = avail.idx - 1;
 * else clear VRING_AVAIL_F_NO_INTERRUPT): one interrupt per transmit burst,
 * so an idle CPU wakes to reclaim the buffers.
 */
void vq_enable_intr_delayed(struct virtqueue *vq);

/**
 * vq_detach - after the device is reset: take back one chain still given
 * out, whatever the rings say. Returns its cookie or NULL when none is left.
 */
void *vq_detach(struct virtqueue *vq);

/** vq_in_flight - chains given to the device and not yet taken back. */
uint16_t vq_in_flight(const struct virtqueue *vq);

/** Accessors of the device-written event index (for tests and transports). */
uint16_t vq_avail_event(const struct virtqueue *vq);
/** vq_used_event - the used_event the driver last published. */
uint16_t vq_used_event(const struct virtqueue *vq);

#endif
