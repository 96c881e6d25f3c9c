/*
 * drivers/virtio/virtqueue.c — split virtqueue bookkeeping (virtio 1.x
 * section 2.6). Pure functions over memory; see virtqueue.h for the barrier
 * protocol the caller follows.
 */
#include "drivers/virtio/virtqueue.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

/* Descriptor: le64 addr @0, le32 len @8, le16 flags @12, le16 next @14. */
#define VQ_DESC_BYTES 16u
#define VQD_ADDR 0u
#define VQD_LEN 8u
#define VQD_FLAGS 12u
#define VQD_NEXT 14u
/* Ring headers: le16 flags @0, le16 idx @2, entries from @4. */
#define VQR_FLAGS 0u
#define VQR_IDX 2u
#define VQR_RING 4u
#define VQ_USED_ELEM_BYTES 8u

/*
 * Indices shared with the device: one naturally aligned volatile 16-bit
 * access, converted from/to little-endian through bytes so no host byte
 * order is assumed.
 */
union le16_bytes {
    uint16_t v;
    uint8_t b[2];
};

static uint16_t shared_load16(const uint8_t *p)
{
    union le16_bytes u;
    u.v = *(const volatile uint16_t *)(const void *)p;
    return load_le16(u.b); /* the bytes as they were in memory, read as little-endian */
}

static void shared_store16(uint8_t *p, uint16_t v)
{
    union le16_bytes u;
    store_le16(u.b, v);
    *(volatile uint16_t *)(void *)p = u.v;
}

static uint8_t *desc_at(const struct virtqueue *vq, uint16_t i)
{
    return vq->desc + (size_t)i * VQ_DESC_BYTES;
}

static uint8_t *used_event_ptr(const struct virtqueue *vq)
{
    return vq->avail + VQR_RING + 2u * (size_t)vq->size;
}

static uint8_t *avail_event_ptr(const struct virtqueue *vq)
{
    return vq->used + VQR_RING + VQ_USED_ELEM_BYTES * (size_t)vq->size;
}

static bool is_pow2(size_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

int vring_layout(uint16_t size, size_t used_align, struct vring_layout *out)
{
    if (!out || !is_pow2(size) || size > VQ_SIZE_MAX || !is_pow2(used_align) || used_align < 4)
        return -KE_INVAL;
    out->desc_off = 0;
    out->avail_off = (size_t)size * VQ_DESC_BYTES;
    size_t avail_end = out->avail_off + 6u + 2u * (size_t)size;
    out->used_off = (avail_end + used_align - 1) & ~(used_align - 1);
    out->bytes = out->used_off + 6u + VQ_USED_ELEM_BYTES * (size_t)size;
    return 0;
}

int vq_init(struct virtqueue *vq, uint16_t index, uint16_t size, void *mem,
            const struct vring_layout *l, void **cookie, bool event_idx)
{
    if (!vq || !mem || !l || !cookie || !is_pow2(size) || size > VQ_SIZE_MAX)
        return -KE_INVAL;
    uint8_t *base = mem;
    memset(base, 0, l->bytes);
    vq->desc = base + l->desc_off;
    vq->avail = base + l->avail_off;
    vq->used = base + l->used_off;
    vq->cookie = cookie;
    vq->size = size;
    vq->index = index;
    vq->event_idx = event_idx;
    for (uint16_t i = 0; i < size; i++) {
        /* The free list runs 0 -> 1 -> ... -> size-1 through `next`. */
        store_le16(desc_at(vq, i) + VQD_NEXT, (uint16_t)(i + 1u));
        cookie[i] = NULL;
    }
    vq->free_head = 0;
    vq->num_free = size;
    vq->avail_idx = 0;
    vq->kicked_idx = 0;
    vq->last_used = 0;
    vq->in_flight = 0;
    return 0;
}

int vq_add(struct virtqueue *vq, const struct vq_seg *seg, unsigned n, void *cookie)
{
    if (n == 0 || !seg || !cookie)
        return -KE_INVAL;
    bool writable = false;
    for (unsigned i = 0; i < n; i++) {
        if (seg[i].len == 0 || (writable && !seg[i].device_writes))
            return -KE_INVAL;
        writable = seg[i].device_writes;
    }
    if (n > vq->num_free)
        return -KE_AGAIN;

    uint16_t head = vq->free_head;
    uint16_t d = head;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *p = desc_at(vq, d);
        uint16_t next = load_le16(p + VQD_NEXT); /* free-list link, or the chain's next */
        store_le32(p + VQD_ADDR, (uint32_t)seg[i].addr);
        store_le32(p + VQD_ADDR + 4, (uint32_t)(seg[i].addr >> 32));
        store_le32(p + VQD_LEN, seg[i].len);
        uint16_t flags = (uint16_t)((seg[i].device_writes ? VRING_DESC_F_WRITE : 0u) |
                                    (i + 1 < n ? VRING_DESC_F_NEXT : 0u));
        store_le16(p + VQD_FLAGS, flags);
        if (i + 1 < n)
            d = next;
        else
            vq->free_head = next;
    }
    vq->num_free = (uint16_t)(vq->num_free - n);
    vq->cookie[head] = cookie;
    vq->in_flight++;

    uint16_t slot = (uint16_t)(vq->avail_idx & (vq->size - 1u));
    store_le16(vq->avail + VQR_RING + 2u * (size_t)slot, head);
    vq->avail_idx++;
    return 0;
}

void vq_publish(struct virtqueue *vq)
{
    shared_store16(vq->avail + VQR_IDX, vq->avail_idx);
}

bool vq_kick_prepare(struct virtqueue *vq)
{
    uint16_t old = vq->kicked_idx;
    uint16_t now = vq->avail_idx;
    vq->kicked_idx = now;
    if (vq->event_idx)
        return vring_need_event(shared_load16(avail_event_ptr(vq)), now, old);
    if (now == old)
        return false;
    return !(shared_load16(vq->used + VQR_FLAGS) & VRING_USED_F_NO_NOTIFY);
}

bool vq_used_pending(const struct virtqueue *vq)
{
    return shared_load16(vq->used + VQR_IDX) != vq->last_used;
}

/* Return the chain starting at @head to the free list. */
static void free_chain(struct virtqueue *vq, uint16_t head)
{
    uint16_t d = head;
    uint16_t n = 1;
    /* Bounded walk: a chain never holds more than size descriptors. */
    while ((load_le16(desc_at(vq, d) + VQD_FLAGS) & VRING_DESC_F_NEXT) && n < vq->size) {
        d = load_le16(desc_at(vq, d) + VQD_NEXT);
        if (d >= vq->size)
            break;
        n++;
    }
    store_le16(desc_at(vq, d) + VQD_FLAGS, 0);
    store_le16(desc_at(vq, d) + VQD_NEXT, vq->free_head);
    vq->free_head = head;
    vq->num_free = (uint16_t)(vq->num_free + n);
    vq->cookie[head] = NULL;
    vq->in_flight--;
}

int vq_get(struct virtqueue *vq, void **cookie, uint32_t *len)
{
    *cookie = NULL;
    *len = 0;
    if (!vq_used_pending(vq))
        return -KE_AGAIN;
    uint16_t slot = (uint16_t)(vq->last_used & (vq->size - 1u));
    const uint8_t *e = vq->used + VQR_RING + VQ_USED_ELEM_BYTES * (size_t)slot;
    uint32_t id = load_le32(e);
    uint32_t n = load_le32(e + 4);
    vq->last_used++;
    if (id >= vq->size || !vq->cookie[id])
        return -KE_IO;
    *cookie = vq->cookie[id];
    *len = n;
    free_chain(vq, (uint16_t)id);
    return 0;
}

void vq_enable_intr(struct virtqueue *vq)
{
    if (vq->event_idx)
        shared_store16(used_event_ptr(vq), vq->last_used);
    else
        shared_store16(vq->avail + VQR_FLAGS, 0);
}

void vq_enable_intr_delayed(struct virtqueue *vq)
{
    if (vq->event_idx)
        shared_store16(used_event_ptr(vq), (uint16_t)(vq->avail_idx - 1u));
    else
        shared_store16(vq->avail + VQR_FLAGS, 0);
}

void vq_disable_intr(struct virtqueue *vq)
{
    if (vq->event_idx)
        shared_store16(used_event_ptr(vq), (uint16_t)(vq->last_used - 1u));
    else
        shared_store16(vq->avail + VQR_FLAGS, VRING_AVAIL_F_NO_INTERRUPT);
}

void *vq_detach(struct virtqueue *vq)
{
    for (uint16_t i = 0; i < vq->size; i++) {
        void *c = vq->cookie[i];
        if (c) {
            free_chain(vq, i);
            return c;
        }
    }
    return NULL;
}

uint16_t vq_in_flight(const struct virtqueue *vq)
{
    return vq->in_flight;
}

uint16_t vq_avail_event(const struct virtqueue *vq)
{
    return shared_load16(avail_event_ptr(vq));
}

uint16_t vq_used_event(const struct virtqueue *vq)
{
    return shared_load16(used_event_ptr(vq));
}
