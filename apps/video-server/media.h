/*
 * apps/video-server/media.h — the video server's media disk: a ustar archive
 * on a kblk disk (kernel/blk.h) whose MJPEG members are the videos
 * (apps/video-server/README.md "The media disk").
 *
 * vs_media_open() lists the archive and builds every video's frame index
 * once, at bring-up, with synchronous reads through a small sector cache
 * (kblk_read_sync: bring-up, not the data path). A damaged archive refuses
 * the whole disk; a video with a frame RFC 2435 cannot carry, or a name that
 * gives no frame rate, is kept in the list as refused, with the reason, and
 * is never streamed. The frames themselves are later read asynchronously
 * straight into packet buffers (frame_read.h).
 *
 * Freestanding; the memory is kmalloc'ed and released by vs_media_close().
 */
#ifndef SPINDLE_APPS_VIDEO_MEDIA_H
#define SPINDLE_APPS_VIDEO_MEDIA_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "apps/video-server/mjpeg.h"
#include "apps/video-server/ustar.h"
#include "kernel/blk.h"

/** Most members of one archive that are kept (regular files). */
#define VS_MEDIA_MAX_FILES 64u
/** Most frames of one video. */
#define VS_MEDIA_MAX_FRAMES (1u << 20)
/** Deadline of one synchronous read while opening the disk, ns. */
#define VS_MEDIA_READ_TIMEOUT_NS (5ull * 1000000000ull)
/** Bytes of the sector cache that serves the index's byte reads. */
#define VS_MEDIA_CACHE 65536u
/** Bytes of a refusal reason kept per video. */
#define VS_MEDIA_WHY 320u

/** One MJPEG member of the archive. */
struct vs_video {
    char name[USTAR_NAME_MAX + 1];
    uint64_t data_off; /* byte offset of the file's first byte on the disk */
    uint64_t size;     /* bytes */
    bool ok;           /* indexed and streamable; else @why says why not */
    char why[VS_MEDIA_WHY];
    struct mjpeg_rate rate; /* from the name (mjpeg_rate_from_name) */
    struct mjpeg_index ix;  /* ix.frames kmalloc'ed, ix.count frames */
    uint32_t max_scan;      /* largest frame's scan bytes */
    uint64_t scan_bytes;    /* every frame's scan bytes together */
};

/** An opened media disk. */
struct vs_media {
    struct kblk *disk;
    bool own_disk;  /* opened from a path here (hosted): closed with the media */
    char spec[128]; /* what media= said: "disk0" or a path */
    uint32_t nvideos;
    struct vs_video *videos; /* kmalloc'ed, nvideos of them */
    uint32_t nother;         /* regular members that are not videos */
};

/**
 * vs_media_open - open the media @spec: the name of a registered disk
 * ("disk0": the VMs' virtio-blk disks, apps/vm/disks.c) or, on the hosted
 * target, the path of an archive file, registered as the next free "diskN"
 * through drivers/blkfile (a VM image does not link it: a path is refused
 * there). Lists the archive and indexes every video. Returns 0, or -KE_*
 * with a message in @err naming the disk and, for a damaged archive, the
 * tar entry and why (ustar.h): -KE_NOENT (no such disk or file), -KE_INVAL
 * (damaged archive, no video in it), -KE_TOOBIG (more than
 * VS_MEDIA_MAX_FILES members), -KE_NOMEM, -KE_IO. On error nothing is kept.
 */
int vs_media_open(struct vs_media *m, const char *spec, char *err, size_t errlen);

/** vs_media_close - free the index and close a disk opened from a path. Idempotent. */
void vs_media_close(struct vs_media *m);

/**
 * vs_media_find - the video named @name (a leading "./" ignored), or NULL.
 * A refused video is returned too: check ->ok.
 */
const struct vs_video *vs_media_find(const struct vs_media *m, const char *name);

/** vs_video_duration_ms - the playing time of @v at its rate, milliseconds. */
uint64_t vs_video_duration_ms(const struct vs_video *v);

#endif
