/*
 * Unit tests of apps/video-server/mjpeg.h on frames it must refuse, each with
 * a message that says why: frames made by real encoders that RFC 2435 cannot
 * carry (tests/traces/video/: ffmpeg's default optimal Huffman tables, its
 * 4:4:4 and 4:2:2, libjpeg-turbo's grayscale, optimised, progressive and
 * arithmetic-coded frames), truncated files, and frames of the mkmedia clip
 * damaged on purpose (each case says what is wrong with it).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "videokit.h"
#include "apps/video-server/mjpeg.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

#define CLIP "rtp-jpeg-clip@30.mjpeg"

static struct mjpeg_scratch scratch;

/* Index [@p, @p + @n) and return the result; @err gets the message. */
static int index_mem(const uint8_t *p, size_t n, uint32_t cap, uint32_t *count, char *err,
                     size_t errlen)
{
    struct vk_dev dev = vk_dev(p, n);
    struct mjpeg_index ix;
    struct mjpeg_frame *frames = calloc(cap, sizeof *frames);
    err[0] = '\0';
    int rc = mjpeg_index_build(&ix, frames, cap, vk_read, &dev, 0, n, &scratch, err, errlen);
    *count = ix.count;
    free(frames);
    return rc;
}

/* @p must be refused with -KE_INVAL and a message containing @why. */
static void refused(const uint8_t *p, size_t n, const char *why, const char *what)
{
    char err[400];
    uint32_t count;
    int rc = index_mem(p, n, 64, &count, err, sizeof err);
    cr_assert_eq(rc, -KE_INVAL, "%s: accepted (rc %d)", what, rc);
    cr_assert_eq(count, 0, "%s: a refused file keeps no frames", what);
    cr_assert_not_null(strstr(err, why), "%s: message '%s' lacks '%s'", what, err, why);
    cr_assert_not_null(strstr(err, "frame "), "%s: message names no frame: %s", what, err);
}

static void sample_refused(const char *name, const char *why)
{
    char rel[128];
    size_t n;
    snprintf(rel, sizeof rel, "video/%s", name);
    uint8_t *p = vk_read_file(rel, &n);
    refused(p, n, why, name);
    free(p);
}

Test(mjpeg_bad, frames_rfc2435_cannot_carry_are_refused_with_the_reason)
{
    sample_refused("ffmpeg-optimal-huffman@30.mjpeg", "not the standard table");
    sample_refused("ffmpeg-optimal-huffman@30.mjpeg", "-huffman default");
    sample_refused("cjpeg-optimize.jpg", "not the standard table");
    sample_refused("ffmpeg-yuvj444p@30.mjpeg", "sampling factors");
    sample_refused("ffmpeg-yuvj422p@30.mjpeg", "sampling factors Y 2x2, Cb 1x2");
    sample_refused("cjpeg-grayscale.jpg", "grayscale");
    sample_refused("jpegtran-progressive.jpg", "progressive DCT (SOF2)");
    sample_refused("jpegtran-arithmetic.jpg", "arithmetic coding");
}

Test(mjpeg_bad, truncated_files_are_refused_or_end_at_a_frame_boundary)
{
    size_t n;
    uint8_t *p = vk_read_file(CLIP, &n);
    /* frame ends, from a full index */
    uint32_t count;
    char err[400];
    struct vk_dev dev = vk_dev(p, n);
    struct mjpeg_index ix;
    struct mjpeg_frame frames[16];
    cr_assert_eq(mjpeg_index_build(&ix, frames, 16, vk_read, &dev, 0, n, &scratch, err, sizeof err),
                 0);
    size_t cuts[128], ncuts = 0;
    for (size_t cut = 1; cut < n && ncuts < 110; cut += 97)
        cuts[ncuts++] = cut;
    for (uint32_t i = 0; i + 1 < ix.count; i++) /* and at every frame's end */
        cuts[ncuts++] = frames[i].offset + frames[i].length;
    unsigned boundaries = 0;
    for (size_t c = 0; c < ncuts; c++) {
        size_t cut = cuts[c];
        uint32_t whole = 0;
        bool boundary = false;
        for (uint32_t i = 0; i < ix.count; i++) {
            if (frames[i].offset + frames[i].length <= cut)
                whole = i + 1;
            if (frames[i].offset + frames[i].length == cut)
                boundary = true;
        }
        int rc = index_mem(p, cut, 16, &count, err, sizeof err);
        if (boundary) {
            boundaries++;
            cr_assert_eq(rc, 0, "cut at a frame end %zu: %s", cut, err);
            cr_assert_eq(count, whole);
        } else {
            cr_assert_eq(rc, -KE_INVAL, "cut at %zu accepted", cut);
            cr_assert_not_null(strstr(err, "truncated"), "cut %zu: %s", cut, err);
        }
    }
    cr_assert_geq(boundaries, 9, "every frame end was tried");
    free(p);
}

/* ---- damaged copies of the clip's first frame ---------------------------- */

struct buf {
    uint8_t *p;
    size_t n;
};

static struct buf first_frame(void)
{
    size_t n;
    uint8_t *clip = vk_read_file(CLIP, &n);
    struct mjpeg_frame f;
    struct mjpeg_qset q;
    char err[400];
    /* the first frame ends at the first EOI */
    size_t end = 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (clip[i] == 0xff && clip[i + 1] == 0xd9) {
            end = i + 2;
            break;
        }
    cr_assert_eq(mjpeg_parse_frame(clip, end, &f, &q, err, sizeof err), 0, "%s", err);
    struct buf b = { malloc(3 * end + 4096), end };
    memcpy(b.p, clip, end);
    free(clip);
    return b;
}

static size_t marker_at(const struct buf *b, uint8_t m)
{
    for (size_t i = 0; i + 1 < b->n; i++)
        if (b->p[i] == 0xff && b->p[i + 1] == m)
            return i;
    cr_assert_fail("no marker 0xFF%02X", m);
    return 0;
}

/* Replace @del bytes at @at by @ins (@nins bytes). */
static void splice(struct buf *b, size_t at, size_t del, const void *ins, size_t nins)
{
    memmove(b->p + at + nins, b->p + at + del, b->n - at - del);
    if (nins)
        memcpy(b->p + at, ins, nins);
    b->n = b->n - del + nins;
}

static void frame_refused(struct buf *b, const char *why, const char *what)
{
    refused(b->p, b->n, why, what);
    free(b->p);
}

Test(mjpeg_bad, damaged_headers_are_refused)
{
    struct buf b;
    size_t at;

    b = first_frame(); /* 16-bit quantization table (Pq = 1) */
    b.p[marker_at(&b, 0xdb) + 4] = 0x10;
    frame_refused(&b, "16-bit", "Pq 1");

    b = first_frame(); /* the DQT turned into a comment: tables never defined */
    b.p[marker_at(&b, 0xdb) + 1] = 0xfe;
    frame_refused(&b, "quantization table 0 used but never defined", "no DQT");

    b = first_frame(); /* width 0 in SOF0 */
    at = marker_at(&b, 0xc0);
    store_be16(b.p + at + 7, 0);
    frame_refused(&b, "width 0", "width 0");

    b = first_frame(); /* height 0: to be given by a DNL marker */
    store_be16(b.p + marker_at(&b, 0xc0) + 5, 0);
    frame_refused(&b, "DNL", "height 0");

    b = first_frame(); /* 2048 pixels wide: more than width/8 in 8 bits says */
    store_be16(b.p + marker_at(&b, 0xc0) + 7, 2048);
    frame_refused(&b, "at most 2040x2040", "width 2048");

    b = first_frame(); /* 12-bit samples */
    b.p[marker_at(&b, 0xc0) + 4] = 12;
    frame_refused(&b, "12-bit samples", "P 12");

    b = first_frame(); /* Cb on table 0, Cr on table 1: two chrominance tables */
    at = marker_at(&b, 0xc0);
    b.p[at + 10 + 2 * 3 + 2] = 1;
    frame_refused(&b, "quantization tables Y 0, Cb 0, Cr 1", "tq mismatch");

    b = first_frame(); /* Y on table 2, which no DQT defines */
    b.p[marker_at(&b, 0xc0) + 12] = 2;
    frame_refused(&b, "quantization table 2 used but never defined", "tq 2");

    b = first_frame(); /* the Y component coded with the chrominance Huffman tables */
    b.p[marker_at(&b, 0xda) + 6] = 0x11;
    frame_refused(&b, "Huffman tables DC 1 AC 1", "Td/Ta");

    b = first_frame(); /* a scan ending at coefficient 62: not sequential */
    b.p[marker_at(&b, 0xda) + 12] = 62;
    frame_refused(&b, "not a sequential", "Se 62");

    b = first_frame(); /* a one-component scan (consistent length 8) */
    at = marker_at(&b, 0xda);
    static const uint8_t sos1[] = { 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00 };
    splice(&b, at, 14, sos1, sizeof sos1);
    frame_refused(&b, "a scan of 1 components", "Ns 1");

    b = first_frame(); /* a segment length of 1 (less than its own 2 bytes) */
    store_be16(b.p + marker_at(&b, 0xe0) + 2, 1);
    frame_refused(&b, "with length 1", "length 1");

    b = first_frame(); /* a DQT segment longer than any table segment can be */
    store_be16(b.p + marker_at(&b, 0xdb) + 2, 0x0500);
    frame_refused(&b, "at most 1024", "DQT 1278 bytes");

    b = first_frame(); /* the SOF0 segment twice */
    at = marker_at(&b, 0xc0);
    uint8_t sof[19];
    memcpy(sof, b.p + at, sizeof sof);
    splice(&b, at, 0, sof, sizeof sof);
    frame_refused(&b, "second frame header", "two SOF0");

    b = first_frame(); /* a second SOI right after the first */
    static const uint8_t soi[] = { 0xff, 0xd8 };
    splice(&b, 2, 0, soi, 2);
    frame_refused(&b, "SOI inside", "two SOI");

    b = first_frame(); /* a reserved marker among the headers */
    static const uint8_t res[] = { 0xff, 0x02, 0x00, 0x02 };
    splice(&b, 2, 0, res, sizeof res);
    frame_refused(&b, "reserved marker 0xFF02", "0xFF02");

    b = first_frame(); /* hierarchical: a DHP segment */
    static const uint8_t dhp[] = { 0xff, 0xde, 0x00, 0x02 };
    splice(&b, 2, 0, dhp, sizeof dhp);
    frame_refused(&b, "hierarchical", "DHP");

    b = first_frame(); /* EOI right after the tables: no scan */
    at = marker_at(&b, 0xda);
    static const uint8_t eoi[] = { 0xff, 0xd9 };
    splice(&b, at, b.n - at, eoi, 2);
    frame_refused(&b, "EOI before any scan", "no SOS");

    b = first_frame(); /* a byte that is not 0xFF where the next marker belongs */
    b.p[marker_at(&b, 0xdb)] = 0x00;
    frame_refused(&b, "where a marker (0xFF) belongs", "no marker");
}

Test(mjpeg_bad, damaged_scans_are_refused)
{
    struct buf b;
    size_t sos;

    b = first_frame(); /* no entropy-coded data at all */
    sos = marker_at(&b, 0xda);
    splice(&b, sos + 14, b.n - 2 - (sos + 14), NULL, 0);
    frame_refused(&b, "empty scan", "empty");

    b = first_frame(); /* a restart marker in a frame without DRI */
    sos = marker_at(&b, 0xda);
    static const uint8_t rst[] = { 0xff, 0xd3 };
    size_t mid = sos + 14 + 100;
    while (b.p[mid - 1] == 0xff)
        mid++;
    splice(&b, mid, 0, rst, 2);
    frame_refused(&b, "RST3", "RST without DRI");

    b = first_frame(); /* a second scan where EOI belongs (progressive-like) */
    sos = marker_at(&b, 0xda);
    uint8_t again[14 + 4];
    memcpy(again, b.p + sos, 14);
    memset(again + 14, 0x55, 4);
    splice(&b, b.n - 2, 0, again, sizeof again);
    frame_refused(&b, "more than one scan", "two scans");

    b = first_frame(); /* a DNL marker after the scan */
    static const uint8_t dnl[] = { 0xff, 0xdc, 0x00, 0x04, 0x00, 0x78 };
    splice(&b, b.n - 2, 0, dnl, sizeof dnl);
    frame_refused(&b, "marker 0xFFDC after the scan", "DNL after scan");
}

Test(mjpeg_bad, bytes_between_or_after_frames_are_refused)
{
    struct buf b = first_frame();
    size_t one = b.n;
    memcpy(b.p + one, b.p, one); /* two copies of the frame */
    b.n = 2 * one;
    static const uint8_t zero[] = { 0x00 };
    splice(&b, one, 0, zero, 1); /* a stray byte between them */
    refused(b.p, b.n, "not SOI", "byte between frames");
    b.n = one + 1; /* a stray byte after the last frame */
    refused(b.p, b.n, "not SOI", "byte after the last frame");
    char err[256];
    struct mjpeg_frame f;
    struct mjpeg_qset q;
    cr_assert_eq(mjpeg_parse_frame(b.p, b.n, &f, &q, err, sizeof err), -KE_INVAL);
    cr_assert_not_null(strstr(err, "1 bytes after the EOI"), "%s", err);
    free(b.p);
    uint32_t count;
    cr_assert_eq(index_mem((const uint8_t *)"", 0, 4, &count, err, sizeof err), -KE_INVAL);
    cr_assert_not_null(strstr(err, "empty"), "%s", err);
}

Test(mjpeg_bad, index_capacity_is_enforced)
{
    size_t n;
    uint8_t *p = vk_read_file(CLIP, &n);
    char err[400];
    uint32_t count;
    cr_assert_eq(index_mem(p, n, 5, &count, err, sizeof err), -KE_TOOBIG);
    cr_assert_eq(count, 0);
    cr_assert_not_null(strstr(err, "more than 5 frames"), "%s", err);
    free(p);
}

Test(mjpeg_bad, too_many_table_sets_are_refused)
{
    struct buf one = first_frame();
    size_t dqt = marker_at(&one, 0xdb);
    uint8_t *p = malloc(one.n * (MJPEG_MAX_QSETS + 1));
    for (unsigned i = 0; i <= MJPEG_MAX_QSETS; i++) {
        memcpy(p + i * one.n, one.p, one.n);
        p[i * one.n + dqt + 5 + 63] = (uint8_t)(1 + i); /* a different last entry each */
    }
    char err[400];
    uint32_t count;
    cr_assert_eq(index_mem(p, one.n * MJPEG_MAX_QSETS, 64, &count, err, sizeof err), 0, "%s", err);
    cr_assert_eq(count, MJPEG_MAX_QSETS);
    cr_assert_eq(index_mem(p, one.n * (MJPEG_MAX_QSETS + 1), 64, &count, err, sizeof err),
                 -KE_TOOBIG);
    cr_assert_not_null(strstr(err, "quantization tables"), "%s", err);
    free(p);
    free(one.p);
}

Test(mjpeg_bad, a_read_error_is_reported_not_hidden)
{
    size_t n;
    uint8_t *p = vk_read_file(CLIP, &n);
    struct vk_dev dev = vk_dev(p, n);
    dev.fail_at = n / 2;
    struct mjpeg_index ix;
    struct mjpeg_frame frames[16];
    char err[400] = "";
    cr_assert_eq(mjpeg_index_build(&ix, frames, 16, vk_read, &dev, 0, n, &scratch, err, sizeof err),
                 -KE_IO);
    cr_assert_eq(ix.count, 0);
    cr_assert_not_null(strstr(err, "failed"), "%s", err);
    free(p);
}
