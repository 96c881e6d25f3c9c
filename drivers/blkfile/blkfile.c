/*
 * drivers/blkfile/blkfile.c — a disk over an image file (blkfile.h):
 * requests wait on a FIFO and are done with pread()/pwrite() from
 * kblk_poll().
 */
#include "drivers/blkfile/blkfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/blk.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"

#define BLKFILE_TAG "blkfile"
#define BLKFILE_SECTOR 512u

struct blkfile {
    struct kblk blk;
    int fd;
    uint64_t file_bytes;          /* size of the file when opened (writes may grow it) */
    struct kblk_req *head, *tail; /* queued requests, oldest first */
    unsigned queued;
};

static int kerr_of_errno(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR: return -KE_NOENT;
    case EACCES:
    case EPERM:
    case EROFS: return -KE_PERM;
    case ENOMEM: return -KE_NOMEM;
    default: return -KE_IO;
    }
}

/* pread the whole range, zero-filling past the end of the file. 0 or -errno. */
static int read_all(int fd, uint8_t *p, size_t n, uint64_t off)
{
    while (n > 0) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (r == 0) { /* end of file: the rest of the last sector reads as zeros */
            memset(p, 0, n);
            return 0;
        }
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
    while (n > 0) {
        ssize_t r = pwrite(fd, p, n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

static int bf_submit(struct kblk *b, struct kblk_req *req)
{
    struct blkfile *f = b->priv;
    if (f->fd < 0)
        return -KE_IO;
    if (f->queued >= b->queue_depth)
        return -KE_AGAIN;
    req->next = NULL;
    if (f->tail)
        f->tail->next = req;
    else
        f->head = req;
    f->tail = req;
    f->queued++;
    return 0;
}

/* Do one request; 0 or -KE_*. */
static int do_one(struct blkfile *f, struct kblk_req *req)
{
    const struct kblk *b = &f->blk;
    size_t n = (size_t)req->nsect * b->sector_size;
    uint64_t off = req->lba * b->sector_size;
    int rc;
    switch (req->op) {
    case KBLK_READ: rc = read_all(f->fd, req->buf, n, off); break;
    case KBLK_WRITE: rc = write_all(f->fd, req->buf, n, off); break;
    default: rc = fdatasync(f->fd) == 0 ? 0 : -errno; break;
    }
    if (rc) {
        KWARN(BLKFILE_TAG, "%s: %s of %u sectors at %llu: %s", b->name,
              req->op == KBLK_READ    ? "read"
              : req->op == KBLK_WRITE ? "write"
                                      : "flush",
              req->nsect, (unsigned long long)req->lba, strerror(-rc));
        return -KE_IO;
    }
    return 0;
}

static struct kblk_req *dequeue(struct blkfile *f)
{
    struct kblk_req *req = f->head;
    if (!req)
        return NULL;
    f->head = req->next;
    if (!f->head)
        f->tail = NULL;
    req->next = NULL;
    f->queued--;
    return req;
}

static unsigned bf_poll(struct kblk *b, unsigned budget)
{
    struct blkfile *f = b->priv;
    unsigned n = 0;
    while (n < budget) {
        struct kblk_req *req = dequeue(f);
        if (!req)
            break;
        kblk_complete(req, do_one(f, req)); /* may submit again: the FIFO is consistent */
        n++;
    }
    return n;
}

static bool bf_ready(const struct kblk *b)
{
    const struct blkfile *f = b->priv;
    return f->head != NULL; /* no interrupt will come: queued work is ready work */
}

static void bf_abort(struct kblk *b)
{
    struct blkfile *f = b->priv;
    struct kblk_req *req;
    while ((req = dequeue(f)) != NULL)
        kblk_complete(req, -KE_IO);
}

static void bf_close(struct kblk *b)
{
    struct blkfile *f = b->priv;
    bf_abort(b);
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    kfree(f);
}

static const struct kblk_ops bf_ops = {
    .submit = bf_submit,
    .poll = bf_poll,
    .ready = bf_ready,
    .abort = bf_abort,
    .close = bf_close,
};

static int open_file(const char *name, const char *path, bool writable, char *err, size_t errlen)
{
    if (!name || !name[0] || strlen(name) >= KBLK_NAME_MAX || !path) {
        ksnprintf(err, errlen, "blkfile: bad disk name or path");
        return -KE_INVAL;
    }
    if (kblk_find(name)) {
        ksnprintf(err, errlen, "%s: disk %s exists already", path, name);
        return -KE_EXIST;
    }
    int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        ksnprintf(err, errlen, "%s: %s", path, strerror(e));
        return kerr_of_errno(e);
    }
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (st.st_size <= 0)
        why = "empty file";
    if (why) {
        ksnprintf(err, errlen, "%s: %s", path, why);
        close(fd);
        return -KE_INVAL;
    }
    struct blkfile *f = kmalloc(sizeof *f);
    if (!f) {
        close(fd);
        ksnprintf(err, errlen, "%s: out of memory", path);
        return -KE_NOMEM;
    }
    f->fd = fd;
    f->file_bytes = (uint64_t)st.st_size;
    struct kblk *b = &f->blk;
    kblk_init(b, &bf_ops, f, "blkfile", name);
    kstrlcpy(b->where, path, sizeof b->where);
    b->sector_size = BLKFILE_SECTOR;
    b->capacity = (f->file_bytes + BLKFILE_SECTOR - 1u) / BLKFILE_SECTOR;
    b->max_sectors = BLKFILE_MAX_SECTORS;
    b->queue_depth = BLKFILE_QUEUE_DEPTH;
    b->read_only = !writable;
    b->can_flush = writable;
    int rc = kblk_register(b);
    if (rc) {
        ksnprintf(err, errlen, "%s: cannot register disk %s: %s", path, name, kerr_str(rc));
        close(fd);
        kfree(f);
        return rc;
    }
    return 0;
}

int blkfile_open(const char *name, const char *path, char *err, size_t errlen)
{
    return open_file(name, path, false, err, errlen);
}

int blkfile_open_writable(const char *name, const char *path, char *err, size_t errlen)
{
    return open_file(name, path, true, err, errlen);
}
