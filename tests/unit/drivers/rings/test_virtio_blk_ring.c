/*
 * tests/unit/drivers/rings/test_virtio_blk_ring.c — virtio-blk requests
 * (drivers/virtio/virtio_blk_ring.c) against a model of the block device
 * written from virtio 1.1 section 5.2.6: it takes a published chain, checks
 * its shape (header readable, data, status writable), parses the header,
 * reads or writes its own disk image through the descriptor addresses (CPU
 * pointers: the test's dma_addr is the identity), writes the status byte
 * and a used element. Also vblk_geometry against section 5.2.4.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio_blk_ring.h"
#include "drivers/virtio/virtqueue.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

#define DISK_SECTORS 256u

struct tb {
    struct virtqueue vq;
    struct vring_layout l;
    uint8_t *mem;
    void **cookie;
    uint8_t *slots;
    struct vblk_ring r;
    uint16_t dev_avail, dev_used;
    uint8_t disk[DISK_SECTORS * 512];
};

/* One descriptor of a chain as the device sees it. */
struct tdesc {
    uint8_t *p;
    uint32_t len;
    uint16_t flags;
};

static uint64_t ident(const void *ctx, const void *p)
{
    (void)ctx;
    return (uint64_t)(uintptr_t)p;
}

static struct vblk_geom geom_of(uint64_t features, uint32_t blk_size, uint32_t size_max,
                                uint16_t qsize)
{
    struct vblk_config c = {
        .capacity = DISK_SECTORS, .size_max = size_max, .seg_max = 126, .blk_size = blk_size
    };
    struct vblk_geom g;
    cr_assert_eq(vblk_geometry(features, &c, qsize, &g), 0);
    return g;
}

static struct tb *tb_make(uint16_t qsize, uint16_t nslots, const struct vblk_geom *g,
                          bool check_len)
{
    struct tb *t = calloc(1, sizeof *t);
    cr_assert(t);
    cr_assert_eq(vring_layout(qsize, 4, &t->l), 0);
    t->mem = aligned_alloc(4096, (t->l.bytes + 4095) & ~(size_t)4095);
    t->cookie = calloc(qsize, sizeof(void *));
    t->slots = aligned_alloc(16, (size_t)nslots * VBLK_SLOT_BYTES);
    cr_assert(t->mem && t->cookie && t->slots);
    cr_assert_eq(vq_init(&t->vq, 0, qsize, t->mem, &t->l, t->cookie, true), 0);
    cr_assert_eq(vblk_ring_init(&t->r, &t->vq, t->slots, nslots, g, check_len, ident, NULL), 0);
    for (size_t i = 0; i < sizeof t->disk; i++)
        t->disk[i] = (uint8_t)(i * 7u + i / 512u);
    return t;
}

static void tb_free(struct tb *t)
{
    free(t->mem);
    free(t->cookie);
    free(t->slots);
    free(t);
}

static int submit(struct tb *t, void *req, uint32_t type, uint64_t lba, void *buf, uint32_t n)
{
    int rc = vblk_ring_add(&t->r, req, type, lba, buf, n);
    if (rc == 0)
        vq_publish(&t->vq);
    return rc;
}

/* Device: the next published chain's head, or -1. */
static int dev_fetch(struct tb *t)
{
    if (t->dev_avail == load_le16(t->mem + t->l.avail_off + 2))
        return -1;
    uint16_t head = load_le16(t->mem + t->l.avail_off + 4 + 2u * (t->dev_avail % t->vq.size));
    t->dev_avail++;
    return head;
}

/* Device: the descriptors of the chain at @head; returns how many. */
static unsigned dev_chain(struct tb *t, uint16_t head, struct tdesc *d, unsigned max)
{
    unsigned n = 0;
    uint16_t i = head;
    while (n < max) {
        const uint8_t *p = t->mem + t->l.desc_off + 16u * i;
        uint64_t addr = load_le32(p) | ((uint64_t)load_le32(p + 4) << 32);
        d[n] = (struct tdesc){ (uint8_t *)(uintptr_t)addr, load_le32(p + 8), load_le16(p + 12) };
        n++;
        if (!(d[n - 1].flags & VRING_DESC_F_NEXT))
            break;
        i = load_le16(p + 14);
    }
    return n;
}

static void dev_used_push(struct tb *t, uint32_t id, uint32_t len)
{
    uint8_t *e = t->mem + t->l.used_off + 4 + 8u * (t->dev_used % t->vq.size);
    store_le32(e, id);
    store_le32(e + 4, len);
    t->dev_used++;
    store_le16(t->mem + t->l.used_off + 2, t->dev_used);
}

/*
 * Device: carry out the chain at @head (section 5.2.6). @status < 0: the
 * real outcome; else write that status byte (256: write none). @len < 0:
 * used.len = bytes written; else that value.
 */
static void dev_execute(struct tb *t, uint16_t head, int status, long len)
{
    struct tdesc d[VBLK_SEGS_MAX + 2];
    unsigned n = dev_chain(t, head, d, VBLK_SEGS_MAX + 2);
    cr_assert_geq(n, 2);
    cr_assert_eq(d[0].len, VBLK_HDR_BYTES, "header alone in the first descriptor");
    cr_assert_eq(d[0].flags & VRING_DESC_F_WRITE, 0, "header is device-readable");
    cr_assert_eq(d[n - 1].len, 1, "status alone in the last descriptor");
    cr_assert(d[n - 1].flags & VRING_DESC_F_WRITE, "status is device-writable");
    uint32_t type = load_le32(d[0].p);
    uint64_t sector = load_le32(d[0].p + 8) | ((uint64_t)load_le32(d[0].p + 12) << 32);
    cr_assert_eq(load_le32(d[0].p + 4), 0, "reserved is zero");
    uint32_t written = 1;
    uint64_t off = sector * 512u;
    for (unsigned i = 1; i + 1 < n; i++) {
        bool w = d[i].flags & VRING_DESC_F_WRITE;
        cr_assert_eq(w, type == VIRTIO_BLK_T_IN, "data direction follows the request type");
        cr_assert_leq(off + d[i].len, sizeof t->disk);
        if (type == VIRTIO_BLK_T_IN) {
            memcpy(d[i].p, t->disk + off, d[i].len);
            written += d[i].len;
        } else {
            memcpy(t->disk + off, d[i].p, d[i].len);
        }
        off += d[i].len;
    }
    if (status < 0)
        *d[n - 1].p = VIRTIO_BLK_S_OK;
    else if (status < 256)
        *d[n - 1].p = (uint8_t)status;
    dev_used_push(t, head, len < 0 ? written : (uint32_t)len);
}

static int take(struct tb *t, void **req, int *status)
{
    if (!vq_used_pending(&t->vq))
        return -KE_AGAIN;
    return vblk_ring_take(&t->r, req, status);
}

Test(virtio_blk_geometry, defaults_without_optional_features)
{
    struct vblk_config c = { .capacity = 100, .size_max = 512, .seg_max = 1, .blk_size = 4096 };
    struct vblk_geom g;
    cr_assert_eq(vblk_geometry(0, &c, 128, &g), 0);
    cr_assert_eq(g.sector_size, 512, "blk_size counts only when BLK_SIZE is negotiated");
    cr_assert_eq(g.sector_shift, 0);
    cr_assert_eq(g.capacity, 100);
    cr_assert_eq(g.seg_bytes, VBLK_REQ_BYTES_MAX, "size_max ignored without SIZE_MAX");
    cr_assert_eq(g.max_segs, VBLK_SEGS_MAX, "seg_max ignored without SEG_MAX");
    cr_assert_eq(g.max_sectors, VBLK_REQ_BYTES_MAX / 512);
    cr_assert_not(g.read_only);
    cr_assert_not(g.can_flush);
    cr_assert_eq(vblk_geometry((1u << VIRTIO_BLK_F_RO) | (1u << VIRTIO_BLK_F_FLUSH), &c, 128, &g),
                 0);
    cr_assert(g.read_only);
    cr_assert(g.can_flush);
}

Test(virtio_blk_geometry, block_size_scales_capacity_and_drops_a_partial_block)
{
    struct vblk_config c = { .capacity = 100, .blk_size = 4096 };
    struct vblk_geom g;
    cr_assert_eq(vblk_geometry(1u << VIRTIO_BLK_F_BLK_SIZE, &c, 128, &g), 0);
    cr_assert_eq(g.sector_size, 4096);
    cr_assert_eq(g.sector_shift, 3);
    cr_assert_eq(g.capacity, 12, "100 512-byte sectors hold 12 whole 4 KiB blocks");
    cr_assert_eq(g.max_sectors, VBLK_REQ_BYTES_MAX / 4096);
    const uint32_t bad[] = { 0, 256, 3000, 131072 };
    for (unsigned i = 0; i < 4; i++) {
        c.blk_size = bad[i];
        cr_assert_eq(vblk_geometry(1u << VIRTIO_BLK_F_BLK_SIZE, &c, 128, &g), 0);
        cr_assert_eq(g.sector_size, 512, "blk_size %u is unusable: 512", bad[i]);
    }
}

Test(virtio_blk_geometry, segment_limits)
{
    uint64_t f = (1u << VIRTIO_BLK_F_SIZE_MAX) | (1u << VIRTIO_BLK_F_SEG_MAX);
    struct vblk_config c = { .capacity = 1000, .size_max = 4096 + 100, .seg_max = 4 };
    struct vblk_geom g;
    cr_assert_eq(vblk_geometry(f, &c, 128, &g), 0);
    cr_assert_eq(g.seg_bytes, 4096, "whole sectors per descriptor");
    cr_assert_eq(g.max_segs, 4);
    cr_assert_eq(g.max_sectors, 32);
    c.seg_max = 126;
    cr_assert_eq(vblk_geometry(f, &c, 8, &g), 0);
    cr_assert_eq(g.max_segs, 6, "an 8-entry queue holds header + 6 data + status");
}

Test(virtio_blk_geometry, refuses_what_cannot_carry_a_request)
{
    struct vblk_config c = { .capacity = 1000, .size_max = 100, .seg_max = 0, .blk_size = 4096 };
    struct vblk_geom g;
    cr_assert_eq(vblk_geometry(1u << VIRTIO_BLK_F_SIZE_MAX, &c, 128, &g), -KE_NOTSUP);
    cr_assert_eq(vblk_geometry(1u << VIRTIO_BLK_F_SEG_MAX, &c, 128, &g), -KE_NOTSUP);
    cr_assert_eq(vblk_geometry(0, &c, 2, &g), -KE_NOTSUP);
    c.capacity = 7;
    cr_assert_eq(vblk_geometry(1u << VIRTIO_BLK_F_BLK_SIZE, &c, 128, &g), -KE_NOTSUP,
                 "less than one 4 KiB block");
    c.capacity = 0;
    cr_assert_eq(vblk_geometry(0, &c, 128, &g), -KE_NOTSUP);
}

Test(virtio_blk_ring, read_lands_in_the_callers_buffer)
{
    struct vblk_geom g = geom_of(0, 0, 0, 16);
    struct tb *t = tb_make(16, 8, &g, true);
    uint8_t buf[1024];
    memset(buf, 0xAA, sizeof buf);
    int tok;
    cr_assert_eq(submit(t, &tok, VIRTIO_BLK_T_IN, 3, buf, sizeof buf), 0);
    cr_assert_eq(vblk_ring_inflight(&t->r), 1);
    int head = dev_fetch(t);
    cr_assert_geq(head, 0);
    struct tdesc d[4];
    cr_assert_eq(dev_chain(t, (uint16_t)head, d, 4), 3, "header, one data, status");
    cr_assert_eq(d[1].p, buf, "the device writes straight into the caller's buffer");
    cr_assert_eq(d[1].len, 1024);
    const uint8_t want_hdr[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0 };
    cr_assert_arr_eq(d[0].p, want_hdr, 16, "type IN, reserved 0, sector 3 (le)");
    dev_execute(t, (uint16_t)head, -1, -1);
    void *req;
    int st;
    cr_assert_eq(take(t, &req, &st), 0);
    cr_assert_eq(req, &tok);
    cr_assert_eq(st, 0);
    cr_assert_arr_eq(buf, t->disk + 3 * 512, 1024);
    cr_assert_eq(vblk_ring_inflight(&t->r), 0);
    cr_assert_eq(t->vq.num_free, 16, "every descriptor back");
    cr_assert_eq(take(t, &req, &st), -KE_AGAIN);
    tb_free(t);
}

Test(virtio_blk_ring, large_sectors_scale_the_header_sector)
{
    struct vblk_geom g = geom_of(1u << VIRTIO_BLK_F_BLK_SIZE, 4096, 0, 16);
    struct tb *t = tb_make(16, 8, &g, true);
    uint8_t *buf = malloc(4096);
    int tok;
    cr_assert_eq(submit(t, &tok, VIRTIO_BLK_T_IN, 5, buf, 4096), 0);
    int head = dev_fetch(t);
    struct tdesc d[4];
    dev_chain(t, (uint16_t)head, d, 4);
    cr_assert_eq(load_le32(d[0].p + 8), 40, "disk block 5 of 4 KiB is 512-byte sector 40");
    dev_execute(t, (uint16_t)head, -1, -1);
    void *req;
    int st;
    cr_assert_eq(take(t, &req, &st), 0);
    cr_assert_eq(st, 0);
    cr_assert_arr_eq(buf, t->disk + 40 * 512, 4096);
    cr_assert_eq(submit(t, &tok, VIRTIO_BLK_T_IN, 0, buf, 512), -KE_INVAL,
                 "not a whole 4 KiB sector");
    free(buf);
    tb_free(t);
}

Test(virtio_blk_ring, write_data_is_device_readable_and_flush_has_no_data)
{
    struct vblk_geom g = geom_of(1u << VIRTIO_BLK_F_FLUSH, 0, 0, 16);
    struct tb *t = tb_make(16, 8, &g, true);
    uint8_t buf[512];
    memset(buf, 0x5C, sizeof buf);
    int w, f;
    cr_assert_eq(submit(t, &w, VIRTIO_BLK_T_OUT, 9, buf, 512), 0);
    cr_assert_eq(submit(t, &f, VIRTIO_BLK_T_FLUSH, 0, NULL, 0), 0);
    int h1 = dev_fetch(t), h2 = dev_fetch(t);
    struct tdesc d[4];
    cr_assert_eq(dev_chain(t, (uint16_t)h2, d, 4), 2, "flush: header and status only");
    cr_assert_eq(load_le32(d[0].p), VIRTIO_BLK_T_FLUSH);
    dev_execute(t, (uint16_t)h1, -1, -1); /* asserts the data descriptor is device-readable */
    dev_execute(t, (uint16_t)h2, -1, -1);
    cr_assert_arr_eq(t->disk + 9 * 512, buf, 512, "the device wrote the caller's bytes");
    void *req;
    int st;
    cr_assert_eq(take(t, &req, &st), 0);
    cr_assert_eq(req, &w);
    cr_assert_eq(take(t, &req, &st), 0);
    cr_assert_eq(req, &f);
    cr_assert_eq(st, 0);
    cr_assert_eq(submit(t, &f, VIRTIO_BLK_T_FLUSH, 0, buf, 512), -KE_INVAL,
                 "flush carries no data");
    tb_free(t);
}

Test(virtio_blk_ring, size_max_splits_data_into_contiguous_descriptors)
{
    uint64_t feat = (1u << VIRTIO_BLK_F_SIZE_MAX) | (1u << VIRTIO_BLK_F_SEG_MAX);
    struct vblk_config c = { .capacity = DISK_SECTORS, .size_max = 1024, .seg_max = 4 };
    struct vblk_geom g;
    cr_assert_eq(vblk_geometry(feat, &c, 16, &g), 0);
    cr_assert_eq(g.max_sectors, 8);
    struct tb *t = tb_make(16, 8, &g, true);
    uint8_t buf[4096 + 512];
    int tok;
    cr_assert_eq(submit(t, &tok, VIRTIO_BLK_T_IN, 10, buf, 4096 + 512), -KE_TOOBIG);
    cr_assert_eq(t->vq.num_free, 16, "nothing queued");
    cr_assert_eq(vblk_ring_inflight(&t->r), 0);
    cr_assert_eq(submit(t, &tok, VIRTIO_BLK_T_IN, 10, buf, 3584), 0);
    int head = dev_fetch(t);
    struct tdesc d[8];
    cr_assert_eq(dev_chain(t, (uint16_t)head, d, 8), 6, "header, 4 data, status");
    for (unsigned i = 1; i <= 4; i++)
        cr_assert_eq(d[i].p, buf + (i - 1) * 1024);
    cr_assert_eq(d[4].len, 512, "the last piece holds the rest");
    dev_execute(t, (uint16_t)head, -1, -1);
    void *req;
    int st;
    cr_assert_eq(take(t, &req, &st), 0);
    cr_assert_eq(st, 0);
    cr_assert_arr_eq(buf, t->disk + 10 * 512, 3584);
    tb_free(t);
}

Test(virtio_blk_ring, status_byte_decides_the_outcome)
{
    struct vblk_geom g = geom_of(0, 0, 0, 32);
    struct tb *t = tb_make(32, 8, &g, true);
    const struct {
        int dev_status;
        int want;
    } cases[] = {
        { VIRTIO_BLK_S_IOERR, -KE_IO },
        { VIRTIO_BLK_S_UNSUPP, -KE_NOTSUP },
        { 7, -KE_IO },   /* a status the spec does not define */
        { 256, -KE_IO }, /* the device never wrote the status byte */
        { VIRTIO_BLK_S_OK, 0 },
    };
    uint8_t buf[512];
    for (unsigned i = 0; i < KARRAY_SIZE(cases); i++) {
        int tok;
        cr_assert_eq(submit(t, &tok, VIRTIO_BLK_T_IN, i, buf, 512), 0);
        dev_execute(t, (uint16_t)dev_fetch(t), cases[i].dev_status, -1);
        void *req;
        int st;
        cr_assert_eq(take(t, &req, &st), 0);
        cr_assert_eq(req, &tok);
        cr_assert_eq(st, cases[i].want, "device status %d", cases[i].dev_status);
    }
    tb_free(t);
}

Test(virtio_blk_ring, short_used_len_fails_a_modern_read_only)
{
    struct vblk_geom g = geom_of(0, 0, 0, 16);
    for (int modern = 0; modern < 2; modern++) {
        struct tb *t = tb_make(16, 8, &g, modern);
        uint8_t buf[1024];
        int tok;
        cr_assert_eq(submit(t, &tok, VIRTIO_BLK_T_IN, 0, buf, 1024), 0);
        dev_execute(t, (uint16_t)dev_fetch(t), -1, 100);
        void *req;
        int st;
        cr_assert_eq(take(t, &req, &st), 0);
        cr_assert_eq(st, modern ? -KE_IO : 0,
                     "used.len 100 < 1025: trusted on modern, ignored on legacy");
        tb_free(t);
    }
}

Test(virtio_blk_ring, out_of_order_completions_find_their_requests)
{
    struct vblk_geom g = geom_of(0, 0, 0, 32);
    struct tb *t = tb_make(32, 8, &g, true);
    uint8_t buf[3][512];
    int tok[3], head[3];
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(submit(t, &tok[i], VIRTIO_BLK_T_IN, 20u + (unsigned)i * 7u, buf[i], 512), 0);
        head[i] = dev_fetch(t);
    }
    for (int i = 2; i >= 0; i--)
        dev_execute(t, (uint16_t)head[i], -1, -1);
    for (int i = 2; i >= 0; i--) {
        void *req;
        int st;
        cr_assert_eq(take(t, &req, &st), 0);
        cr_assert_eq(req, &tok[i]);
        cr_assert_arr_eq(buf[i], t->disk + (20 + i * 7) * 512, 512);
    }
    cr_assert_eq(vblk_ring_inflight(&t->r), 0);
    tb_free(t);
}

Test(virtio_blk_ring, full_ring_says_again_and_keeps_its_slots)
{
    struct vblk_geom g = geom_of(0, 0, 0, 8);
    struct tb *t = tb_make(8, 2, &g, true);
    uint8_t buf[512];
    int a, b, c;
    cr_assert_eq(submit(t, &a, VIRTIO_BLK_T_IN, 0, buf, 512), 0);
    cr_assert_eq(submit(t, &b, VIRTIO_BLK_T_IN, 1, buf, 512), 0);
    cr_assert_eq(submit(t, &c, VIRTIO_BLK_T_IN, 2, buf, 512), -KE_AGAIN, "both slots out");
    dev_execute(t, (uint16_t)dev_fetch(t), -1, -1);
    void *req;
    int st;
    cr_assert_eq(take(t, &req, &st), 0);
    cr_assert_eq(submit(t, &c, VIRTIO_BLK_T_IN, 2, buf, 512), 0, "a slot came back");
    tb_free(t);

    /* Descriptors run out before slots: 8 entries, a 4-piece read takes 6. */
    uint64_t feat = 1u << VIRTIO_BLK_F_SIZE_MAX;
    struct vblk_config cfg = { .capacity = DISK_SECTORS, .size_max = 512 };
    cr_assert_eq(vblk_geometry(feat, &cfg, 8, &g), 0);
    t = tb_make(8, 4, &g, true);
    uint8_t big[2048];
    cr_assert_eq(submit(t, &a, VIRTIO_BLK_T_IN, 0, big, 2048), 0);
    cr_assert_eq(submit(t, &b, VIRTIO_BLK_T_IN, 0, buf, 512), -KE_AGAIN);
    cr_assert_eq(vblk_ring_inflight(&t->r), 1, "the refused request took no slot");
    tb_free(t);
}

Test(virtio_blk_ring, bad_requests_are_refused)
{
    struct vblk_geom g = geom_of(0, 0, 0, 16);
    struct tb *t = tb_make(16, 8, &g, true);
    uint8_t buf[512];
    int tok;
    cr_assert_eq(submit(t, NULL, VIRTIO_BLK_T_IN, 0, buf, 512), -KE_INVAL);
    cr_assert_eq(submit(t, &tok, 3, 0, buf, 512), -KE_INVAL, "unknown type");
    cr_assert_eq(submit(t, &tok, VIRTIO_BLK_T_IN, 0, buf, 100), -KE_INVAL, "partial sector");
    cr_assert_eq(submit(t, &tok, VIRTIO_BLK_T_IN, 0, NULL, 512), -KE_INVAL);
    cr_assert_eq(submit(t, &tok, VIRTIO_BLK_T_IN, 0, buf, 0), -KE_INVAL);
    cr_assert_eq(vblk_ring_inflight(&t->r), 0);
    cr_assert_eq(t->vq.num_free, 16);
    tb_free(t);
}

Test(virtio_blk_ring, a_used_entry_naming_no_request_is_an_error)
{
    struct vblk_geom g = geom_of(0, 0, 0, 16);
    struct tb *t = tb_make(16, 8, &g, true);
    uint8_t buf[512];
    int tok;
    cr_assert_eq(submit(t, &tok, VIRTIO_BLK_T_IN, 0, buf, 512), 0);
    int head = dev_fetch(t);
    dev_used_push(t, 99, 513);                  /* out of range */
    dev_used_push(t, (uint32_t)head + 1u, 513); /* in range, but not a chain's head */
    dev_execute(t, (uint16_t)head, -1, -1);
    void *req;
    int st;
    cr_assert_eq(take(t, &req, &st), -KE_IO);
    cr_assert_null(req);
    cr_assert_eq(take(t, &req, &st), -KE_IO);
    cr_assert_null(req);
    cr_assert_eq(take(t, &req, &st), 0, "the real completion still arrives");
    cr_assert_eq(req, &tok);
    tb_free(t);
}

Test(virtio_blk_ring, detach_after_reset_returns_every_request)
{
    struct vblk_geom g = geom_of(0, 0, 0, 32);
    struct tb *t = tb_make(32, 8, &g, true);
    uint8_t buf[512];
    int tok[3];
    for (int i = 0; i < 3; i++)
        cr_assert_eq(submit(t, &tok[i], VIRTIO_BLK_T_IN, (unsigned)i, buf, 512), 0);
    bool seen[3] = { false, false, false };
    void *r;
    while ((r = vblk_ring_detach(&t->r)) != NULL) {
        int i = (int)((int *)r - tok);
        cr_assert(i >= 0 && i < 3 && !seen[i]);
        seen[i] = true;
    }
    cr_assert(seen[0] && seen[1] && seen[2]);
    cr_assert_eq(vblk_ring_inflight(&t->r), 0);
    cr_assert_eq(t->vq.num_free, 32);
    tb_free(t);
}
