/*
 * apps/video-server/media.c — opening the media disk: the archive's list and
 * every video's frame index (media.h).
 *
 * The tar reader and the frame index read bytes at any offset
 * (ustar_read_fn, mjpeg_read_fn); the disk reads whole sectors. A cache of
 * VS_MEDIA_CACHE bytes of consecutive sectors sits between them: indexing
 * reads a file front to back in MJPEG_CHUNK pieces, so one synchronous disk
 * request serves sixteen of them.
 */
#include "apps/video-server/media.h"

#include "drivers/blkfile/blkfile.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"

/* The hosted target links drivers/blkfile; the VM images do not, and there the
 * weak reference is NULL: a path is refused (media.h). */
#pragma weak blkfile_open

/* A byte reader over the disk with a sector cache. */
struct media_rd {
    struct kblk *disk;
    uint8_t *cache;
    uint64_t lba;   /* first cached sector */
    uint32_t nsect; /* cached sectors, 0: none */
};

/* media_read_at - ustar_read_fn/mjpeg_read_fn over the cache. */
static int media_read_at(void *ctx, uint64_t off, void *buf, uint32_t len)
{
    struct media_rd *r = ctx;
    struct kblk *d = r->disk;
    uint64_t ss = d->sector_size;
    uint8_t *out = buf;
    while (len > 0) {
        uint64_t lba = off / ss;
        if (r->nsect == 0 || lba < r->lba || lba >= r->lba + r->nsect) {
            if (lba >= d->capacity)
                return -KE_IO;
            uint64_t n = VS_MEDIA_CACHE / ss;
            if (n > d->capacity - lba)
                n = d->capacity - lba;
            r->nsect = 0;
            int rc = kblk_read_sync(d, lba, (uint32_t)n, r->cache, VS_MEDIA_READ_TIMEOUT_NS);
            if (rc < 0)
                return rc;
            r->lba = lba;
            r->nsect = (uint32_t)n;
        }
        uint64_t at = off - r->lba * ss, avail = (uint64_t)r->nsect * ss - at;
        uint32_t n = avail < len ? (uint32_t)avail : len;
        memcpy(out, r->cache + at, n);
        out += n;
        off += n;
        len -= n;
    }
    return 0;
}

/* media_attach - find or open the disk of @spec into m->disk. */
static int media_attach(struct vs_media *m, const char *spec, char *err, size_t errlen)
{
    m->disk = kblk_find(spec);
    if (m->disk != NULL)
        return 0;
    if (blkfile_open == NULL) {
        ksnprintf(err, errlen,
                  "no disk '%s' (a file path works on the hosted target only; "
                  "a VM names its virtio-blk disks disk0, disk1, ...)",
                  spec);
        return -KE_NOENT;
    }
    char name[KBLK_NAME_MAX], why[160];
    kblk_unused_name(name);
    int rc = blkfile_open(name, spec, why, sizeof why);
    if (rc < 0) {
        ksnprintf(err, errlen, "%s", why);
        return rc;
    }
    m->disk = kblk_find(name);
    m->own_disk = true;
    return m->disk != NULL ? 0 : -KE_IO;
}

/* index_video - build @v's frame index (frames kmalloc'ed, shrunk to fit). */
static void index_video(struct vs_video *v, struct media_rd *rd, struct mjpeg_scratch *scratch)
{
    if (mjpeg_rate_from_name(v->name, &v->rate) < 0) {
        ksnprintf(v->why, sizeof v->why,
                  "the name gives no frame rate (NAME@FPS.mjpeg, FPS 1..%u, at most 3 decimals)",
                  MJPEG_MAX_FPS);
        return;
    }
    /* A guess, then room for the smallest frames (a few hundred bytes). */
    uint64_t caps[2] = { v->size / 1024u + 64u, v->size / 128u + 64u };
    int rc = -KE_TOOBIG;
    for (unsigned i = 0; i < 2 && rc == -KE_TOOBIG; i++) {
        uint32_t cap = caps[i] > VS_MEDIA_MAX_FRAMES ? VS_MEDIA_MAX_FRAMES : (uint32_t)caps[i];
        struct mjpeg_frame *fr = kmalloc((size_t)cap * sizeof *fr);
        if (fr == NULL) {
            ksnprintf(v->why, sizeof v->why, "no memory for the index of %u frames", cap);
            return;
        }
        rc = mjpeg_index_build(&v->ix, fr, cap, media_read_at, rd, v->data_off, v->size, scratch,
                               v->why, sizeof v->why);
        if (rc < 0) {
            kfree(fr);
            v->ix.frames = NULL;
        }
    }
    if (rc < 0)
        return;
    if (v->ix.count == 0) {
        ksnprintf(v->why, sizeof v->why, "no frames");
        kfree(v->ix.frames);
        v->ix.frames = NULL;
        return;
    }
    struct mjpeg_frame *exact = kmalloc((size_t)v->ix.count * sizeof *exact);
    if (exact != NULL) {
        memcpy(exact, v->ix.frames, (size_t)v->ix.count * sizeof *exact);
        kfree(v->ix.frames);
        v->ix.frames = exact;
    }
    v->ix.cap = v->ix.count;
    for (uint32_t i = 0; i < v->ix.count; i++) {
        uint32_t s = v->ix.frames[i].scan_len;
        if (s > v->max_scan)
            v->max_scan = s;
        v->scan_bytes += s;
    }
    v->why[0] = '\0';
    v->ok = true;
}

/* media_list - list the archive and index its videos; on error nothing is kept. */
static int media_list(struct vs_media *m, struct media_rd *rd, char *err, size_t errlen)
{
    struct ustar_reader *ur = kmalloc(sizeof *ur);
    struct ustar_entry *files = kmalloc(VS_MEDIA_MAX_FILES * sizeof *files);
    struct mjpeg_scratch *scratch = kmalloc(sizeof *scratch);
    int rc = -KE_NOMEM;
    uint32_t n = 0;
    if (ur == NULL || files == NULL || scratch == NULL) {
        ksnprintf(err, errlen, "no memory to read the archive");
        goto out;
    }
    uint64_t dev_size = m->disk->capacity * m->disk->sector_size;
    char why[240];
    rc =
        ustar_list(ur, media_read_at, rd, dev_size, files, VS_MEDIA_MAX_FILES, &n, why, sizeof why);
    if (rc < 0) {
        ksnprintf(err, errlen, "%s (%s): not a usable tar archive: %s", m->spec, m->disk->name,
                  why);
        goto out;
    }
    for (uint32_t i = 0; i < n; i++)
        if (mjpeg_is_video_name(files[i].name))
            m->nvideos++;
    m->nother = n - m->nvideos;
    if (m->nvideos == 0) {
        ksnprintf(err, errlen, "%s (%s): the archive holds no .mjpeg file (%u other members)",
                  m->spec, m->disk->name, m->nother);
        rc = -KE_INVAL;
        goto out;
    }
    m->videos = kmalloc((size_t)m->nvideos * sizeof *m->videos);
    if (m->videos == NULL) {
        ksnprintf(err, errlen, "no memory for %u videos", m->nvideos);
        m->nvideos = 0;
        rc = -KE_NOMEM;
        goto out;
    }
    memset(m->videos, 0, (size_t)m->nvideos * sizeof *m->videos);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!mjpeg_is_video_name(files[i].name))
            continue;
        struct vs_video *v = &m->videos[k++];
        kstrlcpy(v->name, files[i].name, sizeof v->name);
        v->data_off = files[i].data_off;
        v->size = files[i].size;
        index_video(v, rd, scratch);
        if (!v->ok)
            KWARN("video", "%s: %s refused: %s", m->spec, v->name, v->why);
    }
    rc = 0;
out:
    kfree(ur);
    kfree(files);
    kfree(scratch);
    return rc;
}

int vs_media_open(struct vs_media *m, const char *spec, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    if (spec == NULL || spec[0] == '\0') {
        ksnprintf(err, errlen, "media= names no disk or file");
        return -KE_INVAL;
    }
    kstrlcpy(m->spec, spec, sizeof m->spec);
    int rc = media_attach(m, spec, err, errlen);
    if (rc < 0)
        return rc;
    struct media_rd rd = { .disk = m->disk, .cache = kmalloc(VS_MEDIA_CACHE) };
    if (rd.cache == NULL) {
        ksnprintf(err, errlen, "no memory for the sector cache");
        vs_media_close(m);
        return -KE_NOMEM;
    }
    rc = media_list(m, &rd, err, errlen);
    kfree(rd.cache);
    if (rc < 0)
        vs_media_close(m);
    return rc;
}

void vs_media_close(struct vs_media *m)
{
    for (uint32_t i = 0; m->videos != NULL && i < m->nvideos; i++)
        kfree(m->videos[i].ix.frames);
    kfree(m->videos);
    m->videos = NULL;
    m->nvideos = 0;
    if (m->own_disk && m->disk != NULL)
        kblk_close(m->disk);
    m->disk = NULL;
    m->own_disk = false;
}

const struct vs_video *vs_media_find(const struct vs_media *m, const char *name)
{
    if (name[0] == '.' && name[1] == '/')
        name += 2;
    for (uint32_t i = 0; i < m->nvideos; i++) {
        const char *n = m->videos[i].name;
        if (n[0] == '.' && n[1] == '/')
            n += 2;
        if (strcmp(n, name) == 0)
            return &m->videos[i];
    }
    return NULL;
}

uint64_t vs_video_duration_ms(const struct vs_video *v)
{
    if (!v->ok || v->rate.num == 0)
        return 0;
    return mjpeg_frame_time_ns(&v->rate, v->ix.count) / 1000000u;
}
