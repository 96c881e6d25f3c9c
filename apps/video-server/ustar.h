/*
 * apps/video-server/ustar.h — read a tar archive on a block device: the
 * video server's media disk (apps/video-server/README.md).
 *
 * Formats accepted: POSIX ustar (IEEE Std 1003.1-2017, "pax" utility,
 * "ustar Interchange Format": magic "ustar\0", version "00"), GNU tar's
 * default format (magic "ustar ", version " \0", same header layout), pax
 * extended headers (typeflag 'x': keys "path" and "size" honoured, others
 * ignored; 'g' global headers skipped) and GNU long names (typeflag 'L').
 * Numeric fields are octal, or GNU base-256 when their first byte has bit 7
 * set. Header checksums are checked as POSIX defines them (unsigned byte sum
 * with the chksum field taken as eight spaces); the signed sum historical tars
 * wrote is accepted too.
 *
 * The archive is read through a callback, never mapped: every header is one
 * 512-byte read at a multiple of 512. Memory is bounded by the caller's
 * structures; nothing is allocated.
 *
 * A damaged archive — bad checksum, unknown magic, a numeric field that is not
 * a number, data running past the end of the device, no end-of-archive marker
 * — is refused with a message that names the entry (its number, counted from
 * 0, its name when readable, and the byte offset of its header) and why.
 */
#ifndef SPINDLE_APPS_VIDEO_USTAR_H
#define SPINDLE_APPS_VIDEO_USTAR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** Size of a tar block and header, bytes. */
#define USTAR_BLOCK 512u
/** Longest path kept, bytes without the NUL (prefix 155 + '/' + name 100). */
#define USTAR_NAME_MAX 256u
/** Largest pax extended header ('x') accepted, bytes. */
#define USTAR_PAX_MAX 2048u

/**
 * ustar_read_fn - read exactly @len bytes at byte offset @off of the device
 * (or file) into @buf. Returns 0, or a negative -KE_* code (-KE_IO for a
 * device error); a short read is an error.
 */
typedef int (*ustar_read_fn)(void *ctx, uint64_t off, void *buf, uint32_t len);

/** One archive member as ustar_next() reports it. */
struct ustar_entry {
    char name[USTAR_NAME_MAX + 1]; /* path, NUL-terminated */
    uint64_t header_off;           /* byte offset of its header (of the first
                                      pax/GNU header in front of it, if any) */
    uint64_t data_off;             /* byte offset of its first data byte */
    uint64_t size;                 /* data bytes */
    char typeflag;                 /* POSIX typeflag: '0' (or NUL) regular,
                                      '5' directory, '7' contiguous ... */
};

/** ustar_is_regular - true for the typeflags of a regular file ('0', NUL, '7'). */
static inline bool ustar_is_regular(const struct ustar_entry *e)
{
    return e->typeflag == '0' || e->typeflag == '\0' || e->typeflag == '7';
}

/** An archive being read, header after header. Fields are private. */
struct ustar_reader {
    ustar_read_fn read;
    void *ctx;
    uint64_t dev_size; /* bytes of the device */
    uint64_t off;      /* offset of the next header */
    uint32_t index;    /* members reported so far */
    bool end;          /* end-of-archive reached */
    uint8_t block[USTAR_BLOCK];
    char pax[USTAR_PAX_MAX];
};

/**
 * ustar_open - start reading the archive at offset 0 of a device of
 * @dev_size bytes through @read(@ctx, ...). Reads nothing yet.
 */
void ustar_open(struct ustar_reader *r, ustar_read_fn read, void *ctx, uint64_t dev_size);

/**
 * ustar_next - the next member of the archive into @e (pax and GNU long-name
 * headers are applied to the member they precede, never reported).
 * Returns 1 with @e filled, 0 at the end-of-archive marker (two zero blocks,
 * or one zero block that ends the device), -KE_INVAL for a damaged archive
 * (@err, @errlen bytes, says which entry and why), or the read callback's
 * error (also described in @err). After 0 or an error every later call
 * returns the same without reading.
 */
int ustar_next(struct ustar_reader *r, struct ustar_entry *e, char *err, size_t errlen);

/**
 * ustar_list - read the whole archive and keep its regular files, in archive
 * order, in @files (room for @cap); *@n is their count. A damaged archive is
 * refused as a whole (nothing half-listed is usable): returns 0, -KE_INVAL
 * or a read error as ustar_next() does, or -KE_TOOBIG when it holds more than
 * @cap regular files. @err is filled on every error. @r is scratch space
 * (its block buffers are too big for a small kernel stack).
 */
int ustar_list(struct ustar_reader *r, ustar_read_fn read, void *ctx, uint64_t dev_size,
               struct ustar_entry *files, uint32_t cap, uint32_t *n, char *err, size_t errlen);

/**
 * ustar_find - the entry named @name among @n entries, or NULL. Names compare
 * byte for byte; a leading "./" on either side is ignored.
 */
const struct ustar_entry *ustar_find(const struct ustar_entry *files, uint32_t n, const char *name);

#endif
