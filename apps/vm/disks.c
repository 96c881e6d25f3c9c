/*
 * apps/vm/disks.c — the VM kernels' disks: every virtio-blk PCI function is
 * probed at boot and registered as disk0, disk1, ... (kernel/blk.h), where
 * the extensions that read media find them. With the boot word "disk-check"
 * each disk is also read and reported, for tests/vm/disk-test.sh: its size,
 * sector 0 in hexadecimal, an FNV-1a 64 hash of the whole disk read with
 * four asynchronous requests in flight, and its completion interrupts.
 */
#include "apps/vm/disks.h"

#include "drivers/virtio/virtio_blk.h"
#include "kernel/bootcfg.h"
#include "kernel/blk.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/stats.h"

#define CHECK_CHUNK_SECTORS 8u
#define CHECK_INFLIGHT 4u

static void check_done(struct kblk_req *r)
{
    (void)r;
}

static uint64_t check_fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* check_hash - FNV-1a 64 of the whole of @d, read with CHECK_INFLIGHT requests in flight
 * (they complete in any order; the hash is in disk order). */
static int check_hash(struct kblk *d, uint64_t *out)
{
    struct kblk_req req[CHECK_INFLIGHT];
    uint8_t *buf = kmalloc((size_t)CHECK_INFLIGHT * CHECK_CHUNK_SECTORS * d->sector_size);
    if (!buf)
        return -KE_NOMEM;
    uint64_t chunks = (d->capacity + CHECK_CHUNK_SECTORS - 1u) / CHECK_CHUNK_SECTORS;
    uint64_t h = 0xcbf29ce484222325ull, deadline = kclock_now_ns() + 10ull * KNS_PER_S;
    int rc = 0;
    for (uint64_t c = 0; c < chunks + CHECK_INFLIGHT && !rc; c++) {
        struct kblk_req *r = &req[c % CHECK_INFLIGHT];
        if (c >= CHECK_INFLIGHT) { /* chunk c - INFLIGHT is in this request: wait, hash */
            while (r->pending && kclock_now_ns() < deadline)
                kblk_poll(d, CHECK_INFLIGHT);
            if (r->pending) {
                kblk_abort(d);
                rc = -KE_IO;
                break;
            }
            if (r->status) {
                rc = r->status;
                break;
            }
            h = check_fnv1a(h, r->buf, (size_t)r->nsect * d->sector_size);
        }
        if (c < chunks) {
            uint64_t lba = c * CHECK_CHUNK_SECTORS;
            *r = (struct kblk_req){
                .op = KBLK_READ,
                .lba = lba,
                .nsect = (uint32_t)(d->capacity - lba < CHECK_CHUNK_SECTORS ? d->capacity - lba
                                                                            : CHECK_CHUNK_SECTORS),
                .buf = buf + (size_t)(c % CHECK_INFLIGHT) * CHECK_CHUNK_SECTORS * d->sector_size,
                .done = check_done,
            };
            rc = kblk_submit(d, r);
        }
    }
    if (rc && d->inflight)
        kblk_abort(d);
    kfree(buf);
    *out = h;
    return rc;
}

static void check_disk(struct kblk *d, void *ctx)
{
    (void)ctx;
    kprintf("vm: %s %s %llu sectors (%s, %u-byte sectors%s)\n", d->name, d->driver,
            (unsigned long long)d->capacity, d->where, d->sector_size,
            d->read_only ? ", read-only" : "");
    uint8_t *buf = kmalloc(d->sector_size);
    int rc = buf ? kblk_read_sync(d, 0, 1, buf, 2 * KNS_PER_S) : -KE_NOMEM;
    if (rc) {
        kprintf("vm: %s sector 0: read failed: %s\n", d->name, kerr_str(rc));
    } else {
        for (unsigned off = 0; off < 512; off += 32) {
            char hex[65];
            for (unsigned i = 0; i < 32; i++)
                ksnprintf(hex + 2 * i, 3, "%02x", buf[off + i]);
            kprintf("vm: %s sector 0 +%03x: %s\n", d->name, off, hex);
        }
    }
    kfree(buf);
    uint64_t h;
    rc = check_hash(d, &h);
    if (rc)
        kprintf("vm: %s hash: read failed: %s\n", d->name, kerr_str(rc));
    else
        kprintf("vm: %s fnv1a64 %016llx over %llu sectors\n", d->name, (unsigned long long)h,
                (unsigned long long)d->capacity);
    char node[32];
    uint64_t irqs = 0;
    ksnprintf(node, sizeof node, "virtio-%s", d->name);
    (void)kstats_find(node, "irqs", &irqs);
    kprintf("vm: %s interrupts %llu, reads %llu\n", d->name, (unsigned long long)irqs,
            (unsigned long long)d->ctr[KBLK_READS]);
}

void vm_disks_probe(void)
{
    if (virtio_blk_probe_all() > 0 && arch_boot_flag("disk-check"))
        kblk_foreach(check_disk, NULL);
}
