/*
 * drivers/virtio/virtio_blk_ring.c — virtio-blk requests on a split
 * virtqueue (virtio 1.1 section 5.2.6). Pure functions over memory; see
 * virtio_blk_ring.h.
 */
#include "drivers/virtio/virtio_blk_ring.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

/* struct virtio_blk_req header (5.2.6): le32 type @0, le32 reserved @4, le64 sector @8. */
#define VBLK_HDR_TYPE 0u
#define VBLK_HDR_RESERVED 4u
#define VBLK_HDR_SECTOR 8u
/* Offset of the status byte in a slot. */
#define VBLK_SLOT_STATUS VBLK_HDR_BYTES
/* A status value no device writes: the chain was not finished. */
#define VBLK_STATUS_UNSET 0xffu

static bool is_pow2(uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

static bool has(uint64_t f, unsigned bit)
{
    return (f >> bit) & 1u;
}

int vblk_geometry(uint64_t features, const struct vblk_config *cfg, uint16_t queue_size,
                  struct vblk_geom *out)
{
    memset(out, 0, sizeof *out);
    uint32_t ss = VBLK_SECTOR;
    if (has(features, VIRTIO_BLK_F_BLK_SIZE) && is_pow2(cfg->blk_size) &&
        cfg->blk_size >= VBLK_SECTOR && cfg->blk_size <= 65536u)
        ss = cfg->blk_size;
    uint8_t shift = 0;
    while ((VBLK_SECTOR << shift) < ss)
        shift++;
    out->sector_size = ss;
    out->sector_shift = shift;
    out->capacity = cfg->capacity >> shift;
    out->read_only = has(features, VIRTIO_BLK_F_RO);
    out->can_flush = has(features, VIRTIO_BLK_F_FLUSH);

    uint32_t seg = VBLK_REQ_BYTES_MAX;
    if (has(features, VIRTIO_BLK_F_SIZE_MAX) && cfg->size_max < seg)
        seg = cfg->size_max;
    seg -= seg % ss; /* whole sectors per descriptor */
    uint32_t segs = VBLK_SEGS_MAX;
    if (has(features, VIRTIO_BLK_F_SEG_MAX) && cfg->seg_max < segs)
        segs = cfg->seg_max;
    if (queue_size < 3)
        return -KE_NOTSUP;
    if ((uint32_t)queue_size - 2u < segs)
        segs = (uint32_t)queue_size - 2u; /* header and status take two */
    if (seg == 0 || segs == 0 || out->capacity == 0)
        return -KE_NOTSUP;
    uint64_t bytes = (uint64_t)seg * segs;
    if (bytes > VBLK_REQ_BYTES_MAX)
        bytes = VBLK_REQ_BYTES_MAX;
    out->seg_bytes = seg;
    out->max_segs = (uint16_t)segs;
    out->max_sectors = (uint32_t)(bytes / ss);
    return 0;
}

int vblk_ring_init(struct vblk_ring *r, struct virtqueue *vq, void *slot_mem, uint16_t nslots,
                   const struct vblk_geom *g, bool check_len, vblk_dma_addr_fn dma_addr,
                   const void *dma_ctx)
{
    if (!r || !vq || !slot_mem || !g || !dma_addr || nslots == 0 || nslots > VBLK_RING_SLOTS_MAX ||
        ((uintptr_t)slot_mem & 15u) || g->seg_bytes == 0 || g->max_segs == 0)
        return -KE_INVAL;
    memset(r, 0, sizeof *r);
    r->vq = vq;
    r->slots = slot_mem;
    r->nslots = nslots;
    r->geom = *g;
    r->check_len = check_len;
    r->dma_addr = dma_addr;
    r->dma_ctx = dma_ctx;
    memset(slot_mem, 0, (size_t)nslots * VBLK_SLOT_BYTES);
    /* Free stack: slot 0 on top. */
    for (uint16_t i = 0; i < nslots; i++)
        r->free[i] = (uint16_t)(nslots - 1u - i);
    r->nfree = nslots;
    return 0;
}

static uint8_t *slot_at(const struct vblk_ring *r, uint16_t i)
{
    return r->slots + (size_t)i * VBLK_SLOT_BYTES;
}

int vblk_ring_add(struct vblk_ring *r, void *req, uint32_t type, uint64_t lba, void *buf,
                  uint32_t bytes)
{
    bool flush = type == VIRTIO_BLK_T_FLUSH;
    if (!req || (type != VIRTIO_BLK_T_IN && type != VIRTIO_BLK_T_OUT && !flush))
        return -KE_INVAL;
    if (flush ? (bytes != 0) : (!buf || bytes == 0 || bytes % r->geom.sector_size))
        return -KE_INVAL;
    unsigned nseg = flush ? 0u : (bytes + r->geom.seg_bytes - 1u) / r->geom.seg_bytes;
    if (nseg > r->geom.max_segs)
        return -KE_TOOBIG;
    if (lba > (UINT64_MAX >> r->geom.sector_shift))
        return -KE_INVAL;
    if (r->nfree == 0 || r->vq->num_free < nseg + 2u)
        return -KE_AGAIN;

    uint16_t s = r->free[r->nfree - 1u];
    uint8_t *slot = slot_at(r, s);
    store_le32(slot + VBLK_HDR_TYPE, type);
    store_le32(slot + VBLK_HDR_RESERVED, 0);
    uint64_t sector = flush ? 0 : lba << r->geom.sector_shift;
    store_le32(slot + VBLK_HDR_SECTOR, (uint32_t)sector);
    store_le32(slot + VBLK_HDR_SECTOR + 4u, (uint32_t)(sector >> 32));
    slot[VBLK_SLOT_STATUS] = VBLK_STATUS_UNSET;

    struct vq_seg seg[VBLK_SEGS_MAX + 2u];
    unsigned n = 0;
    seg[n++] = (struct vq_seg){ r->dma_addr(r->dma_ctx, slot), VBLK_HDR_BYTES, false };
    uint8_t *p = buf;
    uint32_t left = bytes;
    while (left > 0) {
        uint32_t len = left < r->geom.seg_bytes ? left : r->geom.seg_bytes;
        seg[n++] = (struct vq_seg){ r->dma_addr(r->dma_ctx, p), len, type == VIRTIO_BLK_T_IN };
        p += len;
        left -= len;
    }
    seg[n++] = (struct vq_seg){ r->dma_addr(r->dma_ctx, slot + VBLK_SLOT_STATUS), 1, true };
    /* The cookie is the slot itself: non-NULL and maps back to the slot number. */
    int rc = vq_add(r->vq, seg, n, slot);
    if (rc)
        return rc;
    r->nfree--;
    r->req[s] = req;
    r->bytes[s] = bytes;
    return 0;
}

/* Slot number of a cookie vq_get returned, or -1 if it is not one of ours. */
static int slot_of(const struct vblk_ring *r, const void *cookie)
{
    const uint8_t *c = cookie;
    if (c < r->slots || c >= r->slots + (size_t)r->nslots * VBLK_SLOT_BYTES)
        return -1;
    size_t off = (size_t)(c - r->slots);
    if (off % VBLK_SLOT_BYTES)
        return -1;
    return (int)(off / VBLK_SLOT_BYTES);
}

/* Give slot @s back; returns the request it carried. */
static void *release(struct vblk_ring *r, uint16_t s)
{
    void *req = r->req[s];
    r->req[s] = NULL;
    r->free[r->nfree++] = s;
    return req;
}

static int status_to_kerr(uint8_t st)
{
    switch (st) {
    case VIRTIO_BLK_S_OK: return 0;
    case VIRTIO_BLK_S_UNSUPP: return -KE_NOTSUP;
    default: /* S_IOERR, unknown values, and a status never written */ return -KE_IO;
    }
}

int vblk_ring_take(struct vblk_ring *r, void **req, int *status)
{
    *req = NULL;
    *status = -KE_IO;
    void *cookie;
    uint32_t used_len;
    int rc = vq_get(r->vq, &cookie, &used_len);
    if (rc == -KE_AGAIN)
        return rc;
    int s = rc ? -1 : slot_of(r, cookie);
    if (s < 0 || !r->req[s])
        return -KE_IO;
    uint8_t *slot = slot_at(r, (uint16_t)s);
    *status = status_to_kerr(slot[VBLK_SLOT_STATUS]);
    if (*status == 0 && r->check_len && load_le32(slot + VBLK_HDR_TYPE) == VIRTIO_BLK_T_IN &&
        used_len < r->bytes[s] + 1u)
        *status = -KE_IO; /* the device says it wrote less than data and status (2.6.8) */
    *req = release(r, (uint16_t)s);
    return 0;
}

void *vblk_ring_detach(struct vblk_ring *r)
{
    for (;;) {
        void *cookie = vq_detach(r->vq);
        if (!cookie)
            return NULL;
        int s = slot_of(r, cookie);
        if (s >= 0 && r->req[s])
            return release(r, (uint16_t)s);
    }
}

uint16_t vblk_ring_inflight(const struct vblk_ring *r)
{
    return (uint16_t)(r->nslots - r->nfree);
}
