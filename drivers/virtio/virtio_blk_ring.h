/*
 * drivers/virtio/virtio_blk_ring.h — the virtio block device's requests on
 * a split virtqueue (OASIS virtio-v1.1 section 5.2), as pure functions over
 * memory: no bus and no transport, so it compiles hosted and is unit-tested
 * there (tests/unit/drivers/rings). drivers/virtio/virtio_blk.c puts it on
 * the PCI transport.
 *
 * A request (section 5.2.6) is one descriptor chain:
 *   header   16 bytes, device-readable: le32 type, le32 reserved, le64 sector
 *   data     the caller's buffer, device-writable for a read (VIRTIO_BLK_T_IN),
 *            device-readable for a write (VIRTIO_BLK_T_OUT), absent for a flush;
 *            split into descriptors of at most size_max bytes when
 *            VIRTIO_BLK_F_SIZE_MAX is negotiated, at most seg_max of them
 *   status   1 byte, device-writable: VIRTIO_BLK_S_OK, _IOERR or _UNSUPP
 * Header and status live in a per-request "slot" of device-reachable
 * memory the ring owns; the header, data and status each get their own
 * descriptor, as the legacy interface requires without VIRTIO_F_ANY_LAYOUT
 * (section 5.2.6.3), which serves modern devices as well.
 *
 * `sector` always counts 512-byte units (section 5.2.6), whatever the
 * device's logical block size; so does the configuration's `capacity`
 * (section 5.2.4). The ring works in the disk's own sectors (vblk_geom) and
 * scales.
 */
#ifndef SPINDLE_DRIVERS_VIRTIO_BLK_RING_H
#define SPINDLE_DRIVERS_VIRTIO_BLK_RING_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "drivers/virtio/virtqueue.h"

/* Device type and PCI ids (sections 4.1.2, 5.2.1). */
#define VIRTIO_ID_BLOCK 2u
#define VIRTIO_PCI_DEV_BLK_TRANSITIONAL 0x1001u
#define VIRTIO_PCI_DEV_BLK_MODERN 0x1042u /* 0x1040 + VIRTIO_ID_BLOCK */

/* Feature bits (section 5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX 1u /* size_max: largest data descriptor, bytes */
#define VIRTIO_BLK_F_SEG_MAX 2u  /* seg_max: most data descriptors per request */
#define VIRTIO_BLK_F_GEOMETRY 4u
#define VIRTIO_BLK_F_RO 5u       /* the device is read-only */
#define VIRTIO_BLK_F_BLK_SIZE 6u /* blk_size: the logical block size, bytes */
#define VIRTIO_BLK_F_FLUSH 9u    /* VIRTIO_BLK_T_FLUSH works (legacy name: WCE) */

/* struct virtio_blk_config (section 5.2.4): byte offsets, little-endian. */
#define VBLK_CFG_CAPACITY 0u  /* le64, 512-byte sectors */
#define VBLK_CFG_SIZE_MAX 8u  /* le32 */
#define VBLK_CFG_SEG_MAX 12u  /* le32 */
#define VBLK_CFG_BLK_SIZE 20u /* le32 */

/* Request types and status values (section 5.2.6). */
#define VIRTIO_BLK_T_IN 0u
#define VIRTIO_BLK_T_OUT 1u
#define VIRTIO_BLK_T_FLUSH 4u
#define VIRTIO_BLK_S_OK 0u
#define VIRTIO_BLK_S_IOERR 1u
#define VIRTIO_BLK_S_UNSUPP 2u

/** The unit of virtio_blk_req.sector and of capacity, bytes. */
#define VBLK_SECTOR 512u
/** Bytes of the request header. */
#define VBLK_HDR_BYTES 16u
/** Bytes of one slot: header, status byte, padding to keep slots 16-byte aligned. */
#define VBLK_SLOT_BYTES 32u
/** Most requests a ring tracks at once. */
#define VBLK_RING_SLOTS_MAX 64u
/** Most data descriptors the driver puts in one request. */
#define VBLK_SEGS_MAX 32u
/** Largest request the driver makes, bytes (1 MiB). */
#define VBLK_REQ_BYTES_MAX (1024u * 1024u)

/** The device configuration fields the driver uses, as read (host order). */
struct vblk_config {
    uint64_t capacity; /* 512-byte sectors */
    uint32_t size_max; /* valid with VIRTIO_BLK_F_SIZE_MAX */
    uint32_t seg_max;  /* valid with VIRTIO_BLK_F_SEG_MAX */
    uint32_t blk_size; /* valid with VIRTIO_BLK_F_BLK_SIZE */
};

/** What the driver makes of the configuration: the disk as kernel/blk.h sees it. */
struct vblk_geom {
    uint32_t sector_size; /* bytes: blk_size when offered and a power of two in
                              [512, 65536], else 512 */
    uint8_t sector_shift; /* log2(sector_size / 512): disk sector -> virtio sector */
    uint64_t capacity;    /* disk sectors (whole ones: a partial last block is dropped) */
    uint32_t seg_bytes;   /* largest data descriptor, bytes, a multiple of sector_size */
    uint16_t max_segs;    /* most data descriptors per request */
    uint32_t max_sectors; /* largest request, disk sectors (>= 1) */
    bool read_only;       /* VIRTIO_BLK_F_RO negotiated */
    bool can_flush;       /* VIRTIO_BLK_F_FLUSH negotiated */
};

/**
 * vblk_geometry - the disk that @cfg describes under negotiated @features,
 * on a queue of @queue_size descriptors (a request needs 2 + data
 * descriptors, no indirect descriptors are used). Returns 0, or -KE_NOTSUP
 * when no request can be made: size_max below the sector size, seg_max 0,
 * a queue under 3 descriptors, a capacity under one sector.
 */
int vblk_geometry(uint64_t features, const struct vblk_config *cfg, uint16_t queue_size,
                  struct vblk_geom *out);

/** The address the device must be given for CPU memory @p (physical for virtio). */
typedef uint64_t (*vblk_dma_addr_fn)(const void *ctx, const void *p);

/** Requests on one virtqueue: slots, the request each carries, the disk's geometry. */
struct vblk_ring {
    struct virtqueue *vq; /* initialised by the transport (vq_init) */
    uint8_t *slots;       /* nslots * VBLK_SLOT_BYTES, device-reachable */
    uint16_t nslots;
    uint16_t nfree;
    uint16_t free[VBLK_RING_SLOTS_MAX];  /* stack of free slot numbers */
    void *req[VBLK_RING_SLOTS_MAX];      /* the request in each slot; NULL when free */
    uint32_t bytes[VBLK_RING_SLOTS_MAX]; /* its data bytes */
    struct vblk_geom geom;
    bool check_len; /* trust used.len (modern); legacy devices often set it
                                    wrong (section 2.6.8, its legacy-interface note) */
    vblk_dma_addr_fn dma_addr;
    const void *dma_ctx;
};

/**
 * vblk_ring_init - set up @r over virtqueue @vq (already vq_init'ed) and
 * @slot_mem (@nslots * VBLK_SLOT_BYTES bytes of device-reachable memory,
 * 16-byte aligned; @nslots 1..VBLK_RING_SLOTS_MAX). @dma_addr(@dma_ctx, p)
 * turns a CPU pointer into the address the device uses. @check_len: reject
 * a read whose used.len says the device wrote less than data + status
 * (virtio 1.x devices must set used.len exactly, section 2.6.8.1). Returns 0
 * or -KE_INVAL.
 */
int vblk_ring_init(struct vblk_ring *r, struct virtqueue *vq, void *slot_mem, uint16_t nslots,
                   const struct vblk_geom *g, bool check_len, vblk_dma_addr_fn dma_addr,
                   const void *dma_ctx);

/**
 * vblk_ring_add - put a request on the available ring (not yet published:
 * the caller does bus_wmb(); vq_publish(); ...): @type VIRTIO_BLK_T_IN,
 * _OUT or _FLUSH, @lba in disk sectors, @bytes of data at @buf (a multiple
 * of the sector size; 0 and NULL for a flush), carrying @req (non-NULL,
 * returned by vblk_ring_take). The status byte is preset to 0xff, which no
 * device writes, so a chain the device never finished reads as an error.
 * Returns 0, -KE_AGAIN (no free slot or too few descriptors: nothing
 * queued), -KE_TOOBIG (more data descriptors than max_segs), -KE_INVAL.
 */
int vblk_ring_add(struct vblk_ring *r, void *req, uint32_t type, uint64_t lba, void *buf,
                  uint32_t bytes);

/**
 * vblk_ring_take - take the next completed request (after vq_used_pending()
 * and bus_rmb()): *@req gets it and *@status 0 (VIRTIO_BLK_S_OK), -KE_IO
 * (S_IOERR, an unknown status, a status never written, or with check_len a
 * read the device reports as short), -KE_NOTSUP (S_UNSUPP). Its slot is
 * free again. Returns 0, -KE_AGAIN (nothing completed), -KE_IO (the device
 * returned a chain that is not out: consumed, *@req = NULL).
 */
int vblk_ring_take(struct vblk_ring *r, void **req, int *status);

/**
 * vblk_ring_detach - after a device reset: take back one request still out,
 * whatever the rings say. Returns it, or NULL when none is left.
 */
void *vblk_ring_detach(struct vblk_ring *r);

/** vblk_ring_inflight - requests given to the device and not taken back. */
uint16_t vblk_ring_inflight(const struct vblk_ring *r);

#endif
