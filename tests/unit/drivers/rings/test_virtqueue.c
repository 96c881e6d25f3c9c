/*
 * tests/unit/drivers/rings/test_virtqueue.c — the split virtqueue
 * (drivers/virtio/virtqueue.c) against a model of the device side written
 * from virtio 1.1 section 2.6: it reads avail.idx and the available ring,
 * walks each chain, writes used elements and used.idx, and publishes
 * avail_event when asked to.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtqueue.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"

struct tq {
    struct virtqueue vq;
    struct vring_layout l;
    uint8_t *mem;
    void **cookie;
    uint16_t dev_avail; /* device: next available entry to consume */
    uint16_t dev_used;  /* device: its used.idx */
};

static void tq_make(struct tq *t, uint16_t size, size_t align, bool event_idx)
{
    memset(t, 0, sizeof *t);
    cr_assert_eq(vring_layout(size, align, &t->l), 0);
    t->mem = aligned_alloc(4096, (t->l.bytes + 4095) & ~(size_t)4095);
    t->cookie = calloc(size, sizeof(void *));
    cr_assert(t->mem && t->cookie);
    memset(t->mem, 0xEE, t->l.bytes);
    cr_assert_eq(vq_init(&t->vq, 3, size, t->mem, &t->l, t->cookie, event_idx), 0);
}

static void tq_free(struct tq *t)
{
    free(t->mem);
    free(t->cookie);
}

static uint8_t *dsc(struct tq *t, uint16_t i)
{
    return t->mem + t->l.desc_off + 16u * i;
}
static uint8_t *avail(struct tq *t)
{
    return t->mem + t->l.avail_off;
}
static uint8_t *used(struct tq *t)
{
    return t->mem + t->l.used_off;
}
static uint16_t size_of(struct tq *t)
{
    return t->vq.size;
}

/* Device: the avail.idx it can see (only what vq_publish stored). */
static uint16_t dev_avail_idx(struct tq *t)
{
    return load_le16(avail(t) + 2);
}

/*
 * Device: consume one available chain, report @written bytes for it (or the
 * sum of the device-writable lengths when @written < 0). Returns the head, or
 * -1 when nothing is available.
 */
static int dev_consume(struct tq *t, long written)
{
    if (t->dev_avail == dev_avail_idx(t))
        return -1;
    uint16_t n = size_of(t);
    uint16_t head = load_le16(avail(t) + 4 + 2u * (t->dev_avail % n));
    t->dev_avail++;
    uint32_t wsum = 0;
    uint16_t d = head;
    for (unsigned hops = 0; hops < n; hops++) {
        uint16_t flags = load_le16(dsc(t, d) + 12);
        if (flags & VRING_DESC_F_WRITE)
            wsum += load_le32(dsc(t, d) + 8);
        if (!(flags & VRING_DESC_F_NEXT))
            break;
        d = load_le16(dsc(t, d) + 14);
    }
    uint8_t *e = used(t) + 4 + 8u * (t->dev_used % n);
    store_le32(e, head);
    store_le32(e + 4, written < 0 ? wsum : (uint32_t)written);
    t->dev_used++;
    store_le16(used(t) + 2, t->dev_used);
    return head;
}

/* Device: publish avail_event (the driver should kick when avail.idx passes it). */
static void dev_set_avail_event(struct tq *t, uint16_t v)
{
    store_le16(used(t) + 4 + 8u * size_of(t), v);
}

static int add1(struct tq *t, uint64_t addr, uint32_t len, bool w, void *cookie)
{
    struct vq_seg s = { addr, len, w };
    return vq_add(&t->vq, &s, 1, cookie);
}

Test(virtqueue, layout_matches_the_spec_formulas)
{
    struct vring_layout l;
    /* Legacy, 256 entries: 4096 + 518, used on the next 4 KiB page, + 2054. */
    cr_assert_eq(vring_layout(256, 4096, &l), 0);
    cr_assert_eq(l.desc_off, 0);
    cr_assert_eq(l.avail_off, 4096);
    cr_assert_eq(l.used_off, 8192);
    cr_assert_eq(l.bytes, 10246);
    /* Modern, used ring 4-byte aligned. */
    cr_assert_eq(vring_layout(256, 4, &l), 0);
    cr_assert_eq(l.used_off, 4616);
    cr_assert_eq(l.bytes, 4616 + 6 + 8 * 256);
    cr_assert_eq(vring_layout(1, 4, &l), 0);
    cr_assert_eq(l.avail_off, 16);
    cr_assert_eq(l.used_off, 24);
    cr_assert_eq(l.bytes, 38);
    cr_assert_eq(vring_layout(0, 4, &l), -KE_INVAL);
    cr_assert_eq(vring_layout(48, 4, &l), -KE_INVAL, "size must be a power of two");
    cr_assert_eq(vring_layout(256, 2, &l), -KE_INVAL);
    cr_assert_eq(vring_layout(256, 12, &l), -KE_INVAL);
}

Test(virtqueue, init_clears_rings_and_frees_every_descriptor)
{
    struct tq t;
    tq_make(&t, 16, 4, true);
    cr_assert_eq(t.vq.num_free, 16);
    cr_assert_eq(t.vq.index, 3);
    cr_assert_eq(dev_avail_idx(&t), 0);
    cr_assert_eq(load_le16(used(&t) + 2), 0);
    cr_assert_eq(vq_in_flight(&t.vq), 0);
    cr_assert_not(vq_used_pending(&t.vq));
    tq_free(&t);
}

Test(virtqueue, add_writes_descriptor_but_device_sees_it_only_after_publish)
{
    struct tq t;
    tq_make(&t, 8, 4, true);
    int tok;
    cr_assert_eq(add1(&t, 0x0102030405060708ull, 1526, true, &tok), 0);
    const uint8_t want[16] = {
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0xF6, 0x05, 0x00, 0x00, VRING_DESC_F_WRITE,
        0x00
    };
    cr_assert_arr_eq(dsc(&t, 0), want, 14);
    cr_assert_eq(load_le16(avail(&t) + 4), 0, "head 0 in avail.ring[0]");
    cr_assert_eq(dev_avail_idx(&t), 0, "not published yet");
    cr_assert_eq(dev_consume(&t, -1), -1);
    vq_publish(&t.vq);
    cr_assert_eq(dev_avail_idx(&t), 1);
    cr_assert_eq(dev_consume(&t, -1), 0);
    cr_assert_eq(t.vq.num_free, 7);
    tq_free(&t);
}

Test(virtqueue, chain_links_flags_and_frees_whole_chain)
{
    struct tq t;
    tq_make(&t, 8, 4, false);
    int tok;
    struct vq_seg seg[3] = {
        { 0x1000, 12, false },
        { 0x2000, 100, false },
        { 0x3000, 1500, true },
    };
    cr_assert_eq(vq_add(&t.vq, seg, 3, &tok), 0);
    cr_assert_eq(t.vq.num_free, 5);
    cr_assert_eq(load_le16(dsc(&t, 0) + 12), VRING_DESC_F_NEXT);
    cr_assert_eq(load_le16(dsc(&t, 1) + 12), VRING_DESC_F_NEXT);
    cr_assert_eq(load_le16(dsc(&t, 2) + 12), VRING_DESC_F_WRITE);
    cr_assert_eq(load_le16(dsc(&t, 0) + 14), 1);
    cr_assert_eq(load_le16(dsc(&t, 1) + 14), 2);
    vq_publish(&t.vq);
    cr_assert_eq(dev_consume(&t, -1), 0);
    cr_assert(vq_used_pending(&t.vq));
    void *c;
    uint32_t len;
    cr_assert_eq(vq_get(&t.vq, &c, &len), 0);
    cr_assert_eq(c, &tok);
    cr_assert_eq(len, 1500, "used.len: bytes written to the writable part");
    cr_assert_eq(t.vq.num_free, 8);
    cr_assert_eq(vq_get(&t.vq, &c, &len), -KE_AGAIN);
    tq_free(&t);
}

Test(virtqueue, add_rejects_bad_chains)
{
    struct tq t;
    tq_make(&t, 8, 4, true);
    int tok;
    struct vq_seg bad_order[2] = { { 0x1000, 64, true }, { 0x2000, 64, false } };
    cr_assert_eq(vq_add(&t.vq, bad_order, 2, &tok), -KE_INVAL,
                 "device-readable after device-writable (2.6.4.2)");
    struct vq_seg zero = { 0x1000, 0, false };
    cr_assert_eq(vq_add(&t.vq, &zero, 1, &tok), -KE_INVAL);
    cr_assert_eq(vq_add(&t.vq, bad_order, 0, &tok), -KE_INVAL);
    cr_assert_eq(add1(&t, 0x1000, 64, false, NULL), -KE_INVAL, "NULL cookie marks free slots");
    cr_assert_eq(t.vq.num_free, 8);
    cr_assert_eq(t.vq.avail_idx, 0);
    tq_free(&t);
}

Test(virtqueue, exhaustion_and_partial_room)
{
    struct tq t;
    tq_make(&t, 8, 4, true);
    int tok[9];
    for (int i = 0; i < 7; i++)
        cr_assert_eq(add1(&t, 0x1000, 64, true, &tok[i]), 0);
    struct vq_seg two[2] = { { 0x1000, 12, false }, { 0x2000, 60, false } };
    cr_assert_eq(vq_add(&t.vq, two, 2, &tok[7]), -KE_AGAIN, "one descriptor left, two needed");
    cr_assert_eq(add1(&t, 0x1000, 64, true, &tok[7]), 0);
    cr_assert_eq(add1(&t, 0x1000, 64, true, &tok[8]), -KE_AGAIN);
    cr_assert_eq(vq_in_flight(&t.vq), 8);
    tq_free(&t);
}

Test(virtqueue, indices_wrap_past_65535_in_fifo_order)
{
    struct tq t;
    tq_make(&t, 4, 4, true);
    uintptr_t next = 1, expect = 1;
    for (unsigned round = 0; round < 200000; round++) {
        unsigned nseg = 1 + round % 3;
        struct vq_seg seg[3] = { { 0x10, 10, false }, { 0x20, 20, true }, { 0x30, 30, true } };
        if (vq_add(&t.vq, seg + (3 - nseg), nseg, (void *)next) == 0)
            next++;
        vq_publish(&t.vq);
        if (round % 3 != 2) /* the device lags now and then, so the queue fills */
            (void)dev_consume(&t, -1);
        void *c;
        uint32_t len;
        while (vq_get(&t.vq, &c, &len) == 0)
            cr_assert_eq((uintptr_t)c, expect++, "round %u", round);
    }
    while (dev_consume(&t, -1) >= 0)
        ;
    void *c;
    uint32_t len;
    while (vq_get(&t.vq, &c, &len) == 0)
        cr_assert_eq((uintptr_t)c, expect++);
    cr_assert_eq(expect, next);
    cr_assert_gt(next, 65536u, "the 16-bit indices wrapped");
    cr_assert_eq(dev_avail_idx(&t), t.vq.avail_idx);
    cr_assert_eq(t.vq.num_free, 4);
    cr_assert_eq(vq_in_flight(&t.vq), 0);
    tq_free(&t);
}

Test(virtqueue, vring_need_event_window)
{
    /* True exactly when event_idx lies in [old, new) modulo 2^16. */
    cr_assert(vring_need_event(5, 6, 5));
    cr_assert_not(vring_need_event(4, 6, 5), "event already passed before this advance");
    cr_assert_not(vring_need_event(6, 6, 5), "event not yet reached");
    cr_assert(vring_need_event(5, 10, 3));
    cr_assert(vring_need_event(3, 10, 3));
    cr_assert_not(vring_need_event(10, 10, 3));
    cr_assert(vring_need_event(0xffff, 1, 0xfffe), "window straddling the wrap");
    cr_assert(vring_need_event(0, 1, 0xfffe));
    cr_assert_not(vring_need_event(1, 1, 0xfffe));
    cr_assert_not(vring_need_event(7, 7, 7), "no advance, no event");
    /* Exhaustive check against the definition on a small window. */
    for (unsigned old = 65530; old < 65546; old++)
        for (unsigned adv = 0; adv < 8; adv++)
            for (unsigned ev = old - 3; ev < old + 12; ev++) {
                uint16_t o = (uint16_t)old, nw = (uint16_t)(old + adv), e = (uint16_t)ev;
                bool in = (uint16_t)(e - o) < (uint16_t)(nw - o);
                cr_assert_eq(vring_need_event(e, nw, o), in, "e=%u new=%u old=%u", e, nw, o);
            }
}

Test(virtqueue, kick_prepare_follows_avail_event)
{
    struct tq t;
    tq_make(&t, 8, 4, true);
    int tok[8];
    dev_set_avail_event(&t, 0); /* device: tell me when entry 0 is made available */
    cr_assert_eq(add1(&t, 0x1000, 64, true, &tok[0]), 0);
    vq_publish(&t.vq);
    cr_assert(vq_kick_prepare(&t.vq), "0 in [0, 1)");
    cr_assert_eq(add1(&t, 0x1000, 64, true, &tok[1]), 0);
    vq_publish(&t.vq);
    cr_assert_not(vq_kick_prepare(&t.vq), "device has not asked again");
    dev_set_avail_event(&t, 3);
    cr_assert_eq(add1(&t, 0x1000, 64, true, &tok[2]), 0);
    vq_publish(&t.vq);
    cr_assert_not(vq_kick_prepare(&t.vq), "idx 3, event 3: not passed");
    cr_assert_eq(add1(&t, 0x1000, 64, true, &tok[3]), 0);
    cr_assert_eq(add1(&t, 0x1000, 64, true, &tok[4]), 0);
    vq_publish(&t.vq);
    cr_assert(vq_kick_prepare(&t.vq), "3 in [3, 5)");
    cr_assert_not(vq_kick_prepare(&t.vq), "nothing new since the last decision");
    tq_free(&t);
}

Test(virtqueue, kick_prepare_without_event_idx_uses_no_notify)
{
    struct tq t;
    tq_make(&t, 8, 4, false);
    int tok[3];
    cr_assert_eq(add1(&t, 0x1000, 64, true, &tok[0]), 0);
    vq_publish(&t.vq);
    cr_assert(vq_kick_prepare(&t.vq));
    cr_assert_not(vq_kick_prepare(&t.vq), "nothing new");
    store_le16(used(&t), VRING_USED_F_NO_NOTIFY);
    cr_assert_eq(add1(&t, 0x1000, 64, true, &tok[1]), 0);
    vq_publish(&t.vq);
    cr_assert_not(vq_kick_prepare(&t.vq), "device said NO_NOTIFY");
    store_le16(used(&t), 0);
    cr_assert_eq(add1(&t, 0x1000, 64, true, &tok[2]), 0);
    vq_publish(&t.vq);
    cr_assert(vq_kick_prepare(&t.vq));
    tq_free(&t);
}

Test(virtqueue, interrupt_suppression_writes_used_event_or_flags)
{
    struct tq t;
    tq_make(&t, 8, 4, true);
    int tok[3];
    for (int i = 0; i < 3; i++)
        cr_assert_eq(add1(&t, 0x1000, 64, true, &tok[i]), 0);
    vq_publish(&t.vq);
    for (int i = 0; i < 2; i++)
        (void)dev_consume(&t, 60);
    void *c;
    uint32_t len;
    while (vq_get(&t.vq, &c, &len) == 0)
        ;
    vq_enable_intr(&t.vq);
    cr_assert_eq(vq_used_event(&t.vq), 2, "interrupt when used entry 2 is written");
    cr_assert_eq(load_le16(avail(&t) + 4 + 2 * 8), 2, "used_event sits after avail.ring[size]");
    /* The device's test for its next entry (old 2, new 3) fires. */
    cr_assert(vring_need_event(vq_used_event(&t.vq), 3, 2));
    vq_disable_intr(&t.vq);
    cr_assert_eq(vq_used_event(&t.vq), 1);
    cr_assert_not(vring_need_event(vq_used_event(&t.vq), 3, 2));
    cr_assert_eq(load_le16(avail(&t)), 0, "flags stay 0 with EVENT_IDX");
    tq_free(&t);

    tq_make(&t, 8, 4, false);
    vq_disable_intr(&t.vq);
    cr_assert_eq(load_le16(avail(&t)), VRING_AVAIL_F_NO_INTERRUPT);
    vq_enable_intr(&t.vq);
    cr_assert_eq(load_le16(avail(&t)), 0);
    tq_free(&t);
}

Test(virtqueue, delayed_interrupt_fires_only_when_the_last_chain_is_used)
{
    struct tq t;
    tq_make(&t, 8, 4, true);
    int tok[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(add1(&t, 0x1000, 64, false, &tok[i]), 0);
    vq_publish(&t.vq);
    vq_enable_intr_delayed(&t.vq);
    cr_assert_eq(vq_used_event(&t.vq), 3);
    /* The device uses 0..2 (old 0, new 3): no interrupt; then 3 (old 3, new 4): one. */
    cr_assert_not(vring_need_event(vq_used_event(&t.vq), 3, 0));
    cr_assert(vring_need_event(vq_used_event(&t.vq), 4, 3));
    cr_assert(vring_need_event(vq_used_event(&t.vq), 4, 0), "all four at once also fires");
    tq_free(&t);
}

Test(virtqueue, get_rejects_bogus_ids_from_the_device)
{
    struct tq t;
    tq_make(&t, 8, 4, true);
    int tok;
    cr_assert_eq(add1(&t, 0x1000, 64, true, &tok), 0);
    vq_publish(&t.vq);
    /* Device writes an out-of-range id, then one naming a free descriptor. */
    store_le32(used(&t) + 4, 8);
    store_le32(used(&t) + 12, 5);
    store_le16(used(&t) + 2, 2);
    void *c = &tok;
    uint32_t len = 99;
    cr_assert_eq(vq_get(&t.vq, &c, &len), -KE_IO);
    cr_assert_null(c);
    cr_assert_eq(vq_get(&t.vq, &c, &len), -KE_IO);
    cr_assert_eq(vq_get(&t.vq, &c, &len), -KE_AGAIN, "bad entries are consumed");
    cr_assert_eq(vq_in_flight(&t.vq), 1, "the real chain is still given out");
    cr_assert_eq(vq_detach(&t.vq), &tok);
    tq_free(&t);
}

Test(virtqueue, detach_after_reset_returns_every_pktbuf)
{
    struct pktpool *pool = pktpool_create("virtqueue-test", 32, 2048, NULL, NULL);
    cr_assert_not_null(pool);
    struct tq t;
    tq_make(&t, 16, 4096, true);
    for (;;) {
        struct pktbuf *p = pkt_alloc(pool);
        cr_assert_not_null(p);
        struct vq_seg s = { (uint64_t)(uintptr_t)(pkt_data(p) - 12), 12u + pkt_tailroom(p), true };
        if (vq_add(&t.vq, &s, 1, p) != 0) {
            pkt_free(p);
            break;
        }
    }
    vq_publish(&t.vq);
    cr_assert_eq(pktpool_out(pool), 16);
    for (int i = 0; i < 5; i++)
        cr_assert_geq(dev_consume(&t, 12 + 60), 0);
    void *c;
    uint32_t len;
    unsigned got = 0;
    while (vq_get(&t.vq, &c, &len) == 0) {
        struct pktbuf *p = c;
        cr_assert_eq(len, 72);
        p->len = (uint16_t)(len - 12);
        pkt_free(p);
        got++;
    }
    cr_assert_eq(got, 5);
    unsigned back = 0;
    while ((c = vq_detach(&t.vq)) != NULL) {
        pkt_free(c);
        back++;
    }
    cr_assert_eq(back, 11);
    cr_assert_eq(t.vq.num_free, 16);
    cr_assert(pktpool_all_full());
    cr_assert_eq(pktpool_destroy(pool), 0);
    tq_free(&t);
}
