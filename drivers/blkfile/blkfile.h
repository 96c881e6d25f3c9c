/*
 * drivers/blkfile/blkfile.h — a kernel/blk.h disk over an image file, for
 * the hosted target (the Linux program): the same interface the VMs get
 * from virtio-blk, so a client such as the video server reads "disk0"
 * alike on every target. QEMU's raw format seen from inside the VM and this
 * driver agree: 512-byte sectors, capacity rounded up to whole sectors, the
 * bytes past the end of the file read as zeros.
 *
 * Requests are queued by kblk_submit() and done by kblk_poll(), one pread()
 * or pwrite() (or fdatasync() for a flush) per unit of budget, so they
 * complete from the main loop like the device's; kblk_work_pending() is
 * true while any is queued. Hosted only: uses POSIX file I/O.
 */
#ifndef SPINDLE_DRIVERS_BLKFILE_H
#define SPINDLE_DRIVERS_BLKFILE_H

#include <stddef.h>
#include <stdbool.h>

/** Requests one image file queues at once (kblk queue_depth). */
#define BLKFILE_QUEUE_DEPTH 64u
/** Largest request, sectors (1 MiB of 512-byte sectors). */
#define BLKFILE_MAX_SECTORS 2048u

/**
 * blkfile_open - register the regular file at @path as the read-only disk
 * @name ("disk0", < KBLK_NAME_MAX bytes): sector size 512, capacity the
 * file size rounded up to whole sectors. The file is opened now and kept
 * open until kblk_close(kblk_find(@name)). Returns 0, or -KE_* with a
 * message in @err (@errlen bytes) naming the path: -KE_NOENT (no such file),
 * -KE_PERM (not readable), -KE_INVAL (a directory or other non-regular
 * file, an empty file, a bad name), -KE_EXIST (@name is taken), -KE_NOMEM,
 * -KE_IO.
 */
int blkfile_open(const char *name, const char *path, char *err, size_t errlen);

/**
 * blkfile_open_writable - as blkfile_open(), but opened for reading and
 * writing: KBLK_WRITE pwrite()s into the file (a write covering a partial
 * last sector extends the file to whole sectors) and KBLK_FLUSH runs
 * fdatasync(). -KE_PERM when the file is not writable.
 */
int blkfile_open_writable(const char *name, const char *path, char *err, size_t errlen);

#endif
