/* kernel/blk.c — the disk registry, request checks and counters (kernel/blk.h). */
#include "kernel/blk.h"

#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

static const char *const kblk_ctr_names[KBLK_NCTR] = {
    "reads",  "read_bytes", "writes", "write_bytes", "flushes",
    "errors", "rejected",   "busy",   "timeouts",
};

static struct kblk *head, **tail = &head;

static bool is_pow2(uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

void kblk_init(struct kblk *dev, const struct kblk_ops *ops, void *priv, const char *driver,
               const char *name)
{
    memset(dev, 0, sizeof *dev);
    dev->ops = ops;
    dev->priv = priv;
    dev->driver = driver;
    kstrlcpy(dev->name, name ? name : "", sizeof dev->name);
}

int kblk_register(struct kblk *dev)
{
    if (dev->registered)
        return 0;
    if (!dev->name[0] || !dev->ops || !dev->ops->submit || !dev->ops->poll || !dev->ops->ready ||
        !dev->ops->abort || !dev->ops->close)
        return -KE_INVAL;
    if (!is_pow2(dev->sector_size) || dev->sector_size < KBLK_SECTOR_MIN ||
        dev->sector_size > KBLK_SECTOR_MAX || dev->capacity == 0 || dev->max_sectors == 0 ||
        dev->queue_depth == 0)
        return -KE_INVAL;
    if (kblk_find(dev->name))
        return -KE_EXIST;
    dev->stats = (struct kstat_group){
        .node = dev->name, .names = kblk_ctr_names, .values = dev->ctr, .n = KBLK_NCTR
    };
    kstats_register(&dev->stats);
    dev->next = NULL;
    *tail = dev;
    tail = &dev->next;
    dev->registered = true;
    return 0;
}

void kblk_unregister(struct kblk *dev)
{
    if (!dev->registered)
        return;
    for (struct kblk **pp = &head; *pp; pp = &(*pp)->next) {
        if (*pp == dev) {
            *pp = dev->next;
            if (tail == &dev->next)
                tail = pp;
            break;
        }
    }
    dev->next = NULL;
    dev->registered = false;
    kstats_unregister(&dev->stats);
}

struct kblk *kblk_find(const char *name)
{
    for (struct kblk *d = head; d; d = d->next)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

void kblk_foreach(void (*cb)(struct kblk *dev, void *ctx), void *ctx)
{
    struct kblk *next;
    for (struct kblk *d = head; d; d = next) {
        next = d->next; /* @cb may close @d */
        cb(d, ctx);
    }
}

void kblk_unused_name(char out[KBLK_NAME_MAX])
{
    for (unsigned n = 0;; n++) {
        ksnprintf(out, KBLK_NAME_MAX, "disk%u", n);
        if (!kblk_find(out))
            return;
    }
}

/* Why @req cannot go to @dev, or 0. */
static int check(const struct kblk *dev, const struct kblk_req *req)
{
    if (req->pending)
        return -KE_INVAL;
    switch (req->op) {
    case KBLK_FLUSH: return dev->can_flush ? 0 : -KE_NOTSUP;
    case KBLK_WRITE:
        if (dev->read_only)
            return -KE_PERM;
        break;
    case KBLK_READ: break;
    default: return -KE_INVAL;
    }
    if (!req->buf || req->nsect == 0)
        return -KE_INVAL;
    if (req->nsect > dev->max_sectors)
        return -KE_TOOBIG;
    if (req->lba >= dev->capacity || req->nsect > dev->capacity - req->lba)
        return -KE_RANGE;
    return 0;
}

int kblk_submit(struct kblk *dev, struct kblk_req *req)
{
    int rc = check(dev, req);
    if (rc) {
        dev->ctr[KBLK_REJECTED]++;
        return rc;
    }
    req->dev = dev;
    req->status = 0;
    req->next = NULL;
    req->pending = true;
    dev->inflight++;
    rc = dev->ops->submit(dev, req);
    if (rc) {
        req->pending = false;
        dev->inflight--;
        dev->ctr[rc == -KE_AGAIN ? KBLK_BUSY : KBLK_ERRORS]++;
    }
    return rc;
}

void kblk_complete(struct kblk_req *req, int status)
{
    struct kblk *dev = req->dev;
    req->status = status;
    req->pending = false;
    if (dev->inflight)
        dev->inflight--;
    uint64_t bytes = (uint64_t)req->nsect * dev->sector_size;
    if (status) {
        dev->ctr[KBLK_ERRORS]++;
    } else if (req->op == KBLK_READ) {
        dev->ctr[KBLK_READS]++;
        dev->ctr[KBLK_READ_BYTES] += bytes;
    } else if (req->op == KBLK_WRITE) {
        dev->ctr[KBLK_WRITES]++;
        dev->ctr[KBLK_WRITE_BYTES] += bytes;
    } else {
        dev->ctr[KBLK_FLUSHES]++;
    }
    if (req->done)
        req->done(req); /* last: it may free or resubmit @req */
}

unsigned kblk_poll(struct kblk *dev, unsigned budget)
{
    if (!budget || !dev->inflight)
        return 0;
    return dev->ops->poll(dev, budget);
}

unsigned kblk_poll_all(unsigned budget)
{
    unsigned n = 0;
    struct kblk *next;
    for (struct kblk *d = head; d; d = next) {
        next = d->next;
        n += kblk_poll(d, budget);
    }
    return n;
}

bool kblk_work_pending(void)
{
    for (struct kblk *d = head; d; d = d->next)
        if (d->inflight && d->ops->ready(d))
            return true;
    return false;
}

void kblk_abort(struct kblk *dev)
{
    dev->ops->abort(dev);
}

static void sync_done(struct kblk_req *req)
{
    *(bool *)req->ctx = true;
}

int kblk_read_sync(struct kblk *dev, uint64_t lba, uint32_t nsect, void *buf, uint64_t timeout_ns)
{
    uint64_t deadline = kclock_now_ns() + timeout_ns;
    uint8_t *p = buf;
    while (nsect > 0) {
        uint32_t n = nsect < dev->max_sectors ? nsect : dev->max_sectors;
        bool finished = false;
        struct kblk_req req = {
            .op = KBLK_READ, .lba = lba, .nsect = n, .buf = p, .done = sync_done, .ctx = &finished
        };
        int rc;
        /* A full queue drains as other requests complete. */
        while ((rc = kblk_submit(dev, &req)) == -KE_AGAIN) {
            kblk_poll(dev, dev->queue_depth);
            if (kclock_now_ns() > deadline) {
                dev->ctr[KBLK_TIMEOUTS]++;
                kblk_abort(dev);
                return -KE_IO;
            }
        }
        if (rc)
            return rc;
        while (!finished) {
            kblk_poll(dev, dev->queue_depth);
            if (!finished && kclock_now_ns() > deadline) {
                dev->ctr[KBLK_TIMEOUTS]++;
                kblk_abort(dev); /* fails req too: the device lets go of @buf */
                return -KE_IO;
            }
        }
        if (req.status)
            return req.status;
        lba += n;
        nsect -= n;
        p += (size_t)n * dev->sector_size;
    }
    return 0;
}

void kblk_close(struct kblk *dev)
{
    if (dev->inflight)
        kblk_abort(dev);
    kblk_unregister(dev);
    dev->ops->close(dev);
}
