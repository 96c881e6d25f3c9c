/*
 * drivers/virtio/virtio_blk.c — the virtio block device (virtio 1.1
 * section 5.2) on the PCI transport of virtio_pci.c, as kernel/blk.h disks.
 * The request layout and the ring bookkeeping are virtio_blk_ring.c (pure,
 * unit-tested hosted); this file binds the PCI function, negotiates, reads
 * the device configuration, sets up queue 0 and moves requests.
 *
 * Device initialisation follows section 3.1.1: reset, ACKNOWLEDGE, DRIVER,
 * features (VERSION_1 on the modern transport, RO, BLK_SIZE, SIZE_MAX,
 * SEG_MAX, FLUSH, EVENT_IDX; never ACCESS_PLATFORM, so every address handed
 * to the device is physical), FEATURES_OK, configuration, queue, DRIVER_OK.
 * The interrupt handler only reads the ISR (acknowledging the device, which
 * deasserts INTx) and notes it; completions are reaped by kblk_poll().
 */
#include "drivers/virtio/virtio_blk.h"

#include "drivers/bm/pci_bind.h"
#include "drivers/virtio/virtio_blk_ring.h"
#include "drivers/virtio/virtio_pci.h"
#include "drivers/virtio/virtqueue.h"
#include "kernel/bus.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/stats.h"

#define VBLK_TAG "virtio-blk"
#define PCI_SUBSYSTEM_ID 0x2Eu /* transitional devices name their type here (4.1.2.1) */
#define VBLK_QUEUE 0u          /* requestq (section 5.2.2) */
#define VBLK_QUEUE_WANT 128u   /* descriptors asked of a modern device */

/** Driver counters beyond the disk's (kstat group "virtio-DISK"). */
enum vblk_ctr {
    VBLK_BAD_ID,
    VBLK_KICKS,
    VBLK_KICKS_SAVED,
    VBLK_IRQS,
    VBLK_CONFIG_CHANGES,
    VBLK_NCTR
};
static const char *const vblk_ctr_names[VBLK_NCTR] = { "bad_id", "kicks", "kicks_saved", "irqs",
                                                       "config_changes" };

/*
 * A device's permanent state. bus.h can neither free DMA memory nor detach
 * an interrupt handler (drivers/bm/pci_bind.h), so everything lives here,
 * is never freed, and is reused when the function is opened again.
 * vblk_devs[i] belongs to vblk_pci[i].
 */
struct vblk_dev {
    struct pci_bind_slot *pci; /* the function and its name "virtio-blk 00:04.0" */
    struct virtio_pci vp;
    volatile uint8_t isr_noted; /* ISR bits the handler saw since the main loop looked */
    volatile uint64_t irqs;
    uint16_t qsize;  /* descriptors in queue 0 (fixed at the first open) */
    uint16_t nslots; /* requests the ring tracks */
    struct bus_dma qmem, slot_mem;
    void **cookie; /* qsize entries */
    struct virtqueue vq;
    struct vblk_ring ring;
    uint64_t features; /* negotiated */
    struct vblk_geom geom;
    bool running; /* DRIVER_OK and the ring usable */
    struct kblk blk;
    char ctr_node[KBLK_NAME_MAX + 8];
    uint64_t ctr[VBLK_NCTR];
    struct kstat_group stats;
};
static struct pci_bind_slot vblk_pci[VIRTIO_BLK_DEVICES];
static struct vblk_dev vblk_devs[VIRTIO_BLK_DEVICES];

static bool has_feature(uint64_t f, unsigned bit)
{
    return (f >> bit) & 1u;
}

/* ---- binding ---- */

static bool is_virtio_blk(const struct bus_device *d)
{
    if (d->vendor_id != VIRTIO_PCI_VENDOR)
        return false;
    if (d->device_id == VIRTIO_PCI_DEV_BLK_MODERN)
        return true;
    return d->device_id == VIRTIO_PCI_DEV_BLK_TRANSITIONAL &&
           bus_cfg_read16(d, PCI_SUBSYSTEM_ID) == VIRTIO_ID_BLOCK;
}

static const struct pci_bind_class vblk_class = {
    .driver = "virtio-blk",
    .device = "virtio-blk",
    .match = is_virtio_blk,
    .slots = vblk_pci,
    .nslots = VIRTIO_BLK_DEVICES,
};

static uint64_t dma_phys(const void *ctx, const void *p)
{
    return bus_dma_addr(ctx, p, true); /* no ACCESS_PLATFORM: physical (section 6.1) */
}

/* ---- interrupt: note and acknowledge only ---- */

static void vblk_irq(void *ctx)
{
    struct vblk_dev *s = ctx;
    uint8_t isr = virtio_pci_isr(&s->vp); /* reading deasserts INTx */
    if (isr) {
        s->isr_noted = (uint8_t)(s->isr_noted | isr);
        s->irqs = s->irqs + 1;
    }
}

/* ---- bring-up ---- */

static uint64_t wanted_features(const struct virtio_pci *vp)
{
    uint64_t f = (1ull << VIRTIO_BLK_F_RO) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
                 (1ull << VIRTIO_BLK_F_SIZE_MAX) | (1ull << VIRTIO_BLK_F_SEG_MAX) |
                 (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_F_EVENT_IDX);
    if (vp->modern)
        f |= 1ull << VIRTIO_F_VERSION_1;
    return f;
}

/* Section 3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK. */
static int negotiate(struct vblk_dev *s, char *err, size_t errlen)
{
    struct virtio_pci *vp = &s->vp;
    if (virtio_pci_reset(vp) != 0) {
        ksnprintf(err, errlen, "%s: reset did not complete", s->pci->name);
        return -KE_IO;
    }
    virtio_pci_add_status(vp, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_pci_add_status(vp, VIRTIO_STATUS_DRIVER);
    uint64_t offered = virtio_pci_device_features(vp);
    if (vp->modern && !has_feature(offered, VIRTIO_F_VERSION_1)) {
        ksnprintf(err, errlen, "%s: modern transport without VIRTIO_F_VERSION_1", s->pci->name);
        virtio_pci_add_status(vp, VIRTIO_STATUS_FAILED);
        return -KE_NOTSUP;
    }
    uint64_t f = offered & wanted_features(vp);
    if (virtio_pci_set_features(vp, f) != 0) {
        ksnprintf(
            err, errlen, "%s: device refused FEATURES_OK%s", s->pci->name,
            has_feature(offered, VIRTIO_F_ACCESS_PLATFORM)
                ? " (it requires VIRTIO_F_ACCESS_PLATFORM: iommu_platform=on is not supported)"
                : "");
        virtio_pci_add_status(vp, VIRTIO_STATUS_FAILED);
        return -KE_NOTSUP;
    }
    s->features = f;
    return 0;
}

/* struct virtio_blk_config (5.2.4), consistent under the configuration generation (4.1.4.3). */
static void read_config(struct virtio_pci *vp, struct vblk_config *c)
{
    for (unsigned tries = 0; tries < 8; tries++) {
        uint8_t gen = virtio_pci_config_gen(vp);
        uint64_t lo = virtio_pci_config_read32(vp, VBLK_CFG_CAPACITY);
        uint64_t hi = virtio_pci_config_read32(vp, VBLK_CFG_CAPACITY + 4u);
        c->capacity = lo | (hi << 32);
        c->size_max = virtio_pci_config_read32(vp, VBLK_CFG_SIZE_MAX);
        c->seg_max = virtio_pci_config_read32(vp, VBLK_CFG_SEG_MAX);
        c->blk_size = virtio_pci_config_read32(vp, VBLK_CFG_BLK_SIZE);
        if (virtio_pci_config_gen(vp) == gen)
            return;
    }
}

/* One-time per device: queue size, ring and slot memory, the cookie table. */
static int prepare_memory(struct vblk_dev *s, char *err, size_t errlen)
{
    uint16_t n = virtio_pci_queue_size(&s->vp, VBLK_QUEUE, VBLK_QUEUE_WANT);
    if (n < 3) {
        ksnprintf(err, errlen, "%s: no usable request queue", s->pci->name);
        return -KE_NOTSUP;
    }
    if (s->qsize) {
        if (n != s->qsize) {
            ksnprintf(err, errlen, "%s: queue size %u differs from the first open (%u)",
                      s->pci->name, n, s->qsize);
            return -KE_INVAL;
        }
        return 0;
    }
    /* Every request takes at least two descriptors (a flush), a read three. */
    uint16_t nslots = (uint16_t)(n / 2u < VBLK_RING_SLOTS_MAX ? n / 2u : VBLK_RING_SLOTS_MAX);
    s->cookie = kmalloc(sizeof(void *) * n);
    if (!s->cookie || virtio_pci_queue_alloc(&s->vp, n, &s->qmem) != 0 ||
        bus_dma_alloc((size_t)nslots * VBLK_SLOT_BYTES, 16u, &s->slot_mem) != 0) {
        kfree(s->cookie);
        s->cookie = NULL;
        ksnprintf(err, errlen, "%s: out of DMA memory for the queue", s->pci->name);
        return -KE_NOMEM;
    }
    s->qsize = n;
    s->nslots = nslots;
    return 0;
}

/*
 * Negotiate, read the geometry, set up queue 0 and the ring, DRIVER_OK.
 * The device is reset (quiet) on failure.
 */
static int start(struct vblk_dev *s, char *err, size_t errlen)
{
    struct virtio_pci *vp = &s->vp;
    s->running = false;
    int rc = negotiate(s, err, errlen);
    if (rc)
        return rc;
    rc = prepare_memory(s, err, errlen);
    if (rc)
        goto fail;
    struct vblk_config cfg;
    read_config(vp, &cfg);
    rc = vblk_geometry(s->features, &cfg, s->qsize, &s->geom);
    if (rc) {
        ksnprintf(err, errlen, "%s: unusable geometry (capacity %llu, size_max %u, seg_max %u)",
                  s->pci->name, (unsigned long long)cfg.capacity, cfg.size_max, cfg.seg_max);
        goto fail;
    }
    bool ev = has_feature(s->features, VIRTIO_F_EVENT_IDX);
    rc = virtio_pci_queue_setup(vp, VBLK_QUEUE, s->qsize, &s->qmem, s->cookie, ev, &s->vq);
    if (!rc)
        rc = vblk_ring_init(&s->ring, &s->vq, s->slot_mem.virt, s->nslots, &s->geom, vp->modern,
                            dma_phys, &s->pci->dev);
    if (rc) {
        ksnprintf(err, errlen, "%s: queue setup failed: %s", s->pci->name, kerr_str(rc));
        goto fail;
    }
    vq_enable_intr(&s->vq);
    s->isr_noted = 0;
    virtio_pci_add_status(vp, VIRTIO_STATUS_DRIVER_OK);
    uint8_t st = virtio_pci_get_status(vp);
    if (st & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED)) {
        ksnprintf(err, errlen, "%s: device failed after DRIVER_OK (status 0x%02x)", s->pci->name,
                  st);
        rc = -KE_IO;
        goto fail;
    }
    s->running = true;
    return 0;
fail:
    virtio_pci_add_status(vp, VIRTIO_STATUS_FAILED);
    (void)virtio_pci_reset(vp);
    return rc;
}

/* ---- kblk operations ---- */

static void kick(struct vblk_dev *s)
{
    bus_wmb(); /* descriptors and the available entry before avail.idx */
    vq_publish(&s->vq);
    bus_mb(); /* avail.idx before reading the device's avail_event / flags */
    if (vq_kick_prepare(&s->vq)) {
        virtio_pci_notify(&s->vp, VBLK_QUEUE);
        s->ctr[VBLK_KICKS]++;
    } else {
        s->ctr[VBLK_KICKS_SAVED]++;
    }
}

static int vblk_submit(struct kblk *b, struct kblk_req *req)
{
    struct vblk_dev *s = b->priv;
    if (!s->running)
        return -KE_IO;
    uint32_t type = req->op == KBLK_READ    ? VIRTIO_BLK_T_IN
                    : req->op == KBLK_WRITE ? VIRTIO_BLK_T_OUT
                                            : VIRTIO_BLK_T_FLUSH;
    uint32_t bytes = type == VIRTIO_BLK_T_FLUSH ? 0u : req->nsect * b->sector_size;
    void *buf = type == VIRTIO_BLK_T_FLUSH ? NULL : req->buf;
    int rc = vblk_ring_add(&s->ring, req, type, req->lba, buf, bytes);
    if (rc)
        return rc == -KE_AGAIN ? rc : -KE_INVAL;
    kick(s);
    return 0;
}

static void take_noted(struct vblk_dev *s)
{
    uint8_t noted = s->isr_noted;
    if (!noted)
        return;
    s->isr_noted = 0;
    if (noted & VIRTIO_ISR_CONFIG)
        s->ctr[VBLK_CONFIG_CHANGES]++;
}

static unsigned vblk_poll(struct kblk *b, unsigned budget)
{
    struct vblk_dev *s = b->priv;
    if (!s->running)
        return 0;
    take_noted(s);
    s->ctr[VBLK_IRQS] = s->irqs;
    unsigned n = 0;
    for (unsigned pass = 0; pass < 2 && n < budget; pass++) {
        while (n < budget && vq_used_pending(&s->vq)) {
            void *req;
            int status;
            bus_rmb(); /* used.idx before the entry, the status and the data */
            if (vblk_ring_take(&s->ring, &req, &status) != 0) {
                s->ctr[VBLK_BAD_ID]++;
                continue;
            }
            kblk_complete(req, status);
            n++;
            if (!s->running) /* the callback aborted or closed the disk */
                return n;
        }
        /* Drained: interrupt at the next completion, then look once more
         * for one that came before the device saw the request (2.6.7). */
        vq_enable_intr(&s->vq);
        bus_mb();
    }
    return n;
}

static bool vblk_ready(const struct kblk *b)
{
    const struct vblk_dev *s = b->priv;
    if (!s->running)
        return false;
    /* Without an interrupt the device cannot wake an idle CPU: keep polling. */
    return vq_used_pending(&s->vq) || !s->pci->irq_attached;
}

/* Reset (the device lets go of every buffer), fail what was out. */
static void stop(struct vblk_dev *s)
{
    s->running = false;
    (void)virtio_pci_reset(&s->vp);
    void *req;
    while ((req = vblk_ring_detach(&s->ring)) != NULL)
        kblk_complete(req, -KE_IO);
}

static void vblk_abort(struct kblk *b)
{
    struct vblk_dev *s = b->priv;
    stop(s);
    char err[128];
    if (start(s, err, sizeof err) != 0)
        KWARN(VBLK_TAG, "%s: restart after abort failed: %s; the disk fails every request", b->name,
              err);
}

static void vblk_close(struct kblk *b)
{
    struct vblk_dev *s = b->priv;
    stop(s);
    kstats_unregister(&s->stats);
    KDEBUG(VBLK_TAG, "%s: closed: kicks %llu (%llu saved by event index), interrupts %llu", b->name,
           (unsigned long long)s->ctr[VBLK_KICKS], (unsigned long long)s->ctr[VBLK_KICKS_SAVED],
           (unsigned long long)s->irqs);
    s->pci->in_use = false;
}

static const struct kblk_ops vblk_ops = {
    .submit = vblk_submit,
    .poll = vblk_poll,
    .ready = vblk_ready,
    .abort = vblk_abort,
    .close = vblk_close,
};

/* ---- open ---- */

int virtio_blk_open(unsigned instance, const char *name, struct kblk **out, char *err,
                    size_t errlen)
{
    if (out)
        *out = NULL;
    if (!name || !name[0] || strlen(name) >= KBLK_NAME_MAX) {
        ksnprintf(err, errlen, "virtio-blk: bad disk name");
        return -KE_INVAL;
    }
    if (kblk_find(name)) {
        ksnprintf(err, errlen, "virtio-blk: disk %s exists already", name);
        return -KE_EXIST;
    }
    int i = pci_bind(&vblk_class, instance, err, errlen);
    if (i < 0)
        return i;
    struct vblk_dev *s = &vblk_devs[i];
    s->pci = &vblk_pci[i];
    if (!s->vp.dev) {
        int rc = virtio_pci_open(&s->vp, &s->pci->dev, err, errlen);
        if (rc) {
            s->vp.dev = NULL;
            return rc;
        }
    }
    int rc = start(s, err, errlen);
    if (rc)
        return rc;

    struct kblk *b = &s->blk;
    kblk_init(b, &vblk_ops, s, "virtio-blk", name);
    ksnprintf(b->where, sizeof b->where, "%s %s", s->pci->name, s->vp.modern ? "modern" : "legacy");
    b->sector_size = s->geom.sector_size;
    b->capacity = s->geom.capacity;
    b->max_sectors = s->geom.max_sectors;
    b->queue_depth = s->nslots;
    b->read_only = s->geom.read_only;
    b->can_flush = s->geom.can_flush;
    rc = kblk_register(b);
    if (rc) {
        ksnprintf(err, errlen, "%s: cannot register disk %s: %s", s->pci->name, name, kerr_str(rc));
        stop(s);
        return rc;
    }
    memset(s->ctr, 0, sizeof s->ctr);
    ksnprintf(s->ctr_node, sizeof s->ctr_node, "virtio-%s", name);
    s->stats = (struct kstat_group){
        .node = s->ctr_node, .names = vblk_ctr_names, .values = s->ctr, .n = VBLK_NCTR
    };
    kstats_register(&s->stats);
    pci_bind_irq(s->pci, vblk_irq, s, VBLK_TAG);
    s->pci->in_use = true;
    if (out)
        *out = b;
    return 0;
}

static int count_cb(struct bus_device *d, void *ctx)
{
    if (is_virtio_blk(d))
        (*(unsigned *)ctx)++;
    return 0;
}

unsigned virtio_blk_probe_all(void)
{
    unsigned present = 0, n = 0;
    char err[160];
    bus_foreach(count_cb, &present);
    for (unsigned inst = 0; inst < present; inst++) {
        char name[KBLK_NAME_MAX];
        kblk_unused_name(name);
        struct kblk *b;
        int rc = virtio_blk_open(inst, name, &b, err, sizeof err);
        if (rc) {
            KWARN(VBLK_TAG, "%s", err);
            continue;
        }
        KINFO(VBLK_TAG, "%s: %s, %llu sectors of %u bytes%s", b->name, b->where,
              (unsigned long long)b->capacity, b->sector_size, b->read_only ? ", read-only" : "");
        n++;
    }
    return n;
}
