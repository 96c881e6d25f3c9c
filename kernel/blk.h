/*
 * kernel/blk.h — the block-device interface: a disk of fixed-size sectors
 * read (and written) by asynchronous requests, in the style of the port
 * interface (kernel/port.h). Drivers: virtio-blk on the VMs
 * (drivers/virtio/virtio_blk.h), an image file on the hosted target
 * (drivers/blkfile/blkfile.h). Both register their disks here by name
 * ("disk0", "disk1", ...), so a client (the video server reading a ustar
 * archive) finds a disk by name and never knows which driver serves it.
 *
 * A request names a sector range and a caller buffer; the driver moves the
 * data straight between the device and that buffer (virtio-blk: the buffer
 * itself is the DMA target, no bounce copy). Requests complete from
 * kblk_poll() only, never from inside kblk_submit(), and may complete out of
 * submission order. The main loop calls kblk_poll_all() every round and must
 * not idle while kblk_work_pending() says so.
 *
 *   static void got(struct kblk_req *r) { ... r->status, r->buf ... }
 *   struct kblk *d = kblk_find("disk0");
 *   req->op = KBLK_READ; req->lba = 0; req->nsect = 8; req->buf = pkt_data(p);
 *   req->done = got; req->ctx = p;
 *   if (kblk_submit(d, req) == -KE_AGAIN) ... queue full: try again after a poll
 *
 * Counters: kstat group named after the disk ("disk0", kernel/stats.h).
 * Freestanding: the core of every target.
 */
#ifndef SPINDLE_KERNEL_BLK_H
#define SPINDLE_KERNEL_BLK_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/stats.h"

/** Bytes of a disk name with its NUL ("disk0"). */
#define KBLK_NAME_MAX 16
/** Smallest and largest sector size a disk may have, bytes (powers of two). */
#define KBLK_SECTOR_MIN 512u
#define KBLK_SECTOR_MAX 65536u

/** What a request does. */
enum kblk_op {
    KBLK_READ = 0,  /* device -> buf */
    KBLK_WRITE = 1, /* buf -> device; -KE_PERM on a read-only disk */
    KBLK_FLUSH = 2, /* make completed writes durable (lba, nsect, buf unused) */
};

struct kblk;
struct kblk_req;

/** Completion callback: runs in kblk_poll() (main loop, never an interrupt). */
typedef void (*kblk_done_fn)(struct kblk_req *req);

/**
 * A request. The caller owns it and its buffer; fill the first block of
 * fields and submit. From a successful kblk_submit() until @done runs, the
 * request and the buffer belong to the driver: do not touch, move or free
 * either (the device may be writing into the buffer). After @done the
 * request may be reused or freed, even from inside @done; @done may submit
 * (this or another request) but must not close the disk.
 */
struct kblk_req {
    /* set by the caller */
    enum kblk_op op;
    uint64_t lba;      /* first sector, in the disk's sector_size units */
    uint32_t nsect;    /* sectors, 1..max_sectors (0 for KBLK_FLUSH) */
    void *buf;         /* nsect * sector_size bytes of kernel memory the device can
                             reach: on the VMs any kernel memory (physically contiguous,
                             physical = virtual or KSEG), e.g. a pktbuf's data; no
                             alignment required */
    kblk_done_fn done; /* called once when the request completes (may be NULL) */
    void *ctx;         /* the caller's */
    /* set at completion, before @done */
    int status; /* 0, -KE_IO (device error, timeout, abort), -KE_NOTSUP
                             (the device refused the operation) */
    /* private to kernel/blk.c and the driver */
    struct kblk *dev;
    struct kblk_req *next; /* the driver's queue link */
    bool pending;          /* submitted, not yet completed */
};

/** Operations of a disk (the driver's). */
struct kblk_ops {
    /**
     * submit - queue @req, already checked against the disk's limits by
     * kblk_submit(). Returns 0, -KE_AGAIN when the device queue is full
     * (nothing queued), -KE_IO when the device is broken. Never completes
     * @req from here.
     */
    int (*submit)(struct kblk *dev, struct kblk_req *req);
    /**
     * poll - complete at most @budget finished requests with kblk_complete();
     * returns how many. Never blocks (the hosted image file does its
     * pread() here, one request per unit of budget).
     */
    unsigned (*poll)(struct kblk *dev, unsigned budget);
    /**
     * ready - true when poll() would complete something now without waiting
     * for an interrupt (the main loop must not idle). Cheap: no device
     * register access.
     */
    bool (*ready)(const struct kblk *dev);
    /**
     * abort - stop the device's access to every buffer (reset) and complete
     * every pending request with -KE_IO; the disk stays usable when the
     * device comes back, else later submits fail with -KE_IO.
     */
    void (*abort)(struct kblk *dev);
    /** close - release the device after kblk_close() aborted what was pending. */
    void (*close)(struct kblk *dev);
};

/** Counters of a disk (kstat group named after it). */
enum kblk_ctr {
    KBLK_READS,       /* read requests completed successfully */
    KBLK_READ_BYTES,  /* bytes they read */
    KBLK_WRITES,      /* write requests completed successfully */
    KBLK_WRITE_BYTES, /* bytes they wrote */
    KBLK_FLUSHES,     /* flushes completed successfully */
    KBLK_ERRORS,      /* requests completed with an error (device or abort) */
    KBLK_REJECTED,    /* submits refused: bad range, size, buffer, read-only */
    KBLK_BUSY,        /* submits refused with -KE_AGAIN (queue full) */
    KBLK_TIMEOUTS,    /* kblk_read_sync() deadlines missed (the disk was aborted) */
    KBLK_NCTR
};

/** A disk. The driver fills it (kblk_init, then the geometry) and registers it. */
struct kblk {
    const struct kblk_ops *ops;
    void *priv;               /* driver state */
    const char *driver;       /* "virtio-blk", "blkfile" */
    char name[KBLK_NAME_MAX]; /* "disk0" */
    char where[64];           /* what serves it, for messages: "virtio 00:04.0", a path */
    uint32_t sector_size;     /* bytes per sector, a power of two in [512, 65536] */
    uint64_t capacity;        /* sectors */
    uint32_t max_sectors;     /* largest nsect of one request */
    uint16_t queue_depth;     /* requests the driver can hold at once (more: -KE_AGAIN) */
    bool read_only;
    bool can_flush;    /* KBLK_FLUSH is meaningful (else it is -KE_NOTSUP) */
    unsigned inflight; /* submitted and not completed (kernel/blk.c keeps it) */
    uint64_t ctr[KBLK_NCTR];
    struct kstat_group stats; /* node = name, over ctr */
    struct kblk *next;        /* registry link, private */
    bool registered;
};

/**
 * kblk_init - zero @dev and set its operations, driver state, driver name
 * (a string that outlives the disk) and @name (truncated to
 * KBLK_NAME_MAX - 1). The driver then sets sector_size, capacity,
 * max_sectors, queue_depth, read_only, can_flush and where.
 */
void kblk_init(struct kblk *dev, const struct kblk_ops *ops, void *priv, const char *driver,
               const char *name);

/**
 * kblk_register - make @dev findable by name and register its counters.
 * Returns 0, -KE_EXIST (the name is taken), -KE_INVAL (empty name, sector
 * size not a power of two in [512, 65536], zero capacity, max_sectors or
 * queue_depth, missing operations).
 */
int kblk_register(struct kblk *dev);
/** kblk_unregister - remove @dev from the registry and its counters (idempotent). */
void kblk_unregister(struct kblk *dev);
/** kblk_find - the registered disk named @name, or NULL. */
struct kblk *kblk_find(const char *name);
/** kblk_foreach - call @cb for every registered disk, in registration order. */
void kblk_foreach(void (*cb)(struct kblk *dev, void *ctx), void *ctx);
/**
 * kblk_unused_name - the first "diskN" (N = 0, 1, ...) no registered disk
 * has, into @out (KBLK_NAME_MAX bytes).
 */
void kblk_unused_name(char out[KBLK_NAME_MAX]);

/**
 * kblk_submit - start @req on @dev. Checks it first, counting a refusal
 * (KBLK_REJECTED): -KE_INVAL (NULL buffer, nsect 0, unknown op, @req still
 * pending), -KE_TOOBIG (nsect > max_sectors), -KE_RANGE (the range passes
 * the capacity), -KE_PERM (write to a read-only disk), -KE_NOTSUP (flush on
 * a disk without one). Then the driver: -KE_AGAIN when its queue is full
 * (KBLK_BUSY; submit again after a kblk_poll()), -KE_IO when the device is
 * broken. On 0 the driver owns @req and its buffer until @req->done runs
 * from a later kblk_poll(); on any error nothing was queued and @done will
 * not run.
 */
int kblk_submit(struct kblk *dev, struct kblk_req *req);

/**
 * kblk_complete - for drivers: finish @req with @status (0 or -KE_*):
 * count it, clear pending, then call @req->done. Call from poll() or
 * abort() only.
 */
void kblk_complete(struct kblk_req *req, int status);

/** kblk_poll - complete at most @budget finished requests of @dev; returns how many. Never blocks. */
unsigned kblk_poll(struct kblk *dev, unsigned budget);
/** kblk_poll_all - kblk_poll(every registered disk, @budget each); returns the total. */
unsigned kblk_poll_all(unsigned budget);
/**
 * kblk_work_pending - true when some disk has completions to reap without
 * waiting for an interrupt: the main loop must poll again instead of idling.
 */
bool kblk_work_pending(void);

/**
 * kblk_abort - make the device let go of every buffer and complete every
 * pending request of @dev with -KE_IO (their callbacks run from here).
 */
void kblk_abort(struct kblk *dev);

/**
 * kblk_read_sync - read @nsect sectors from @lba into @buf (nsect *
 * sector_size bytes), splitting into max_sectors requests, polling @dev
 * until done: for bring-up and tests, not the data path. Other requests of
 * @dev complete meanwhile. Bounded: when @timeout_ns (kclock ns from the
 * call) passes first, the disk is aborted (kblk_abort: every pending
 * request of @dev fails), KBLK_TIMEOUTS counts it and -KE_IO is returned.
 * Returns 0 or the first error (kblk_submit's, or a request's status).
 */
int kblk_read_sync(struct kblk *dev, uint64_t lba, uint32_t nsect, void *buf, uint64_t timeout_ns);

/**
 * kblk_close - abort what is pending, unregister @dev and let the driver
 * release it (@dev may be freed: do not use it afterwards).
 */
void kblk_close(struct kblk *dev);

#endif
