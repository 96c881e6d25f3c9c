/*
 * Unit tests of apps/video-server/mjpeg.h on frames RFC 2435 can carry: the
 * clip tools/video/mkmedia made (tests/traces/rtp-jpeg-clip@30.mjpeg, ffmpeg
 * -huffman default), libjpeg-turbo's baseline 4:2:0, 4:2:2 (Y 2x1) and
 * restart-marker frames (tests/traces/video/), and the frame rate carried by
 * a file's name.
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

/* The offset of the first 0xFF @m marker in [@p, @p + @n), or -1. */
static long find_marker(const uint8_t *p, size_t n, uint8_t m)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == 0xff && p[i + 1] == m)
            return (long)i;
    return -1;
}

Test(mjpeg, indexes_the_mkmedia_clip_frame_by_frame)
{
    size_t n;
    uint8_t *data = vk_read_file(CLIP, &n);
    struct vk_dev dev = vk_dev(data, n);
    struct mjpeg_index ix;
    struct mjpeg_frame frames[64];
    char err[256] = "";
    cr_assert_eq(mjpeg_index_build(&ix, frames, 64, vk_read, &dev, 0, n, &scratch, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(ix.count, 10, "mkmedia --frames 10");
    cr_assert_eq(ix.nqsets, 1, "one fixed quality: one set of tables");
    cr_assert_eq(ix.qsets[0].count, 2, "Y's table and Cb/Cr's");
    cr_assert_leq(dev.max_read, MJPEG_CHUNK, "reads are bounded by the scratch buffer");
    uint64_t expect_off = 0;
    for (uint32_t i = 0; i < ix.count; i++) {
        const struct mjpeg_frame *f = &frames[i];
        const uint8_t *p = data + f->offset;
        cr_assert_eq(f->offset, expect_off, "frames are back to back");
        cr_assert(p[0] == 0xff && p[1] == 0xd8, "frame %u starts with SOI", i);
        cr_assert(p[f->length - 2] == 0xff && p[f->length - 1] == 0xd9, "ends with EOI");
        cr_assert_eq(f->scan_off + f->scan_len + 2, f->length, "scan runs up to the EOI");
        /* the scan follows the SOS segment of 3 components (length 12) */
        long sos = find_marker(p, f->length, 0xda);
        cr_assert_eq((long)f->scan_off, sos + 2 + 12);
        cr_assert_eq(f->width, 160);
        cr_assert_eq(f->height, 120);
        cr_assert_eq(f->type, 1, "yuvj420p: RFC 2435 type 1");
        cr_assert_eq(f->restart_interval, 0);
        cr_assert_eq(f->qset, 0);
        /* the tables are the DQT's (zigzag order) that SOF0 gives Y and Cb */
        long dqt = find_marker(p, f->scan_off, 0xdb), sof = find_marker(p, f->scan_off, 0xc0);
        cr_assert(dqt >= 0 && sof >= 0);
        cr_assert_eq(load_be16(p + dqt + 2), 2 + 2 * 65, "one DQT with two tables");
        cr_assert_eq(p[dqt + 4], 0x00);
        cr_assert_eq(p[dqt + 69], 0x01);
        for (unsigned t = 0; t < 2; t++) {
            unsigned tq = p[sof + 12 + 3 * t]; /* Y's, then Cb's table selector */
            cr_assert_leq(tq, 1);
            cr_assert_eq(memcmp(ix.qsets[0].table[t], p + dqt + 5 + 65 * tq, 64), 0);
        }
        expect_off += f->length;
    }
    cr_assert_eq(expect_off, n, "the frames cover the whole file");
    free(data);
}

Test(mjpeg, parse_frame_in_memory_agrees_with_the_index)
{
    size_t n;
    uint8_t *data = vk_read_file(CLIP, &n);
    struct vk_dev dev = vk_dev(data, n);
    struct mjpeg_index ix;
    struct mjpeg_frame frames[16];
    char err[256] = "";
    cr_assert_eq(mjpeg_index_build(&ix, frames, 16, vk_read, &dev, 0, n, &scratch, err, sizeof err),
                 0, "%s", err);
    for (uint32_t i = 0; i < ix.count; i++) {
        struct mjpeg_frame f;
        struct mjpeg_qset q;
        cr_assert_eq(
            mjpeg_parse_frame(data + frames[i].offset, frames[i].length, &f, &q, err, sizeof err),
            0, "%s", err);
        cr_assert_eq(f.offset, 0);
        cr_assert_eq(f.length, frames[i].length);
        cr_assert_eq(f.scan_off, frames[i].scan_off);
        cr_assert_eq(f.scan_len, frames[i].scan_len);
        cr_assert_eq(f.type, frames[i].type);
        cr_assert_eq(memcmp(&q, &ix.qsets[0], sizeof q), 0);
    }
    free(data);
}

Test(mjpeg, a_file_inside_a_device_is_read_at_its_offset)
{
    size_t n;
    uint8_t *clip = vk_read_file(CLIP, &n);
    size_t pre = 1536, post = 700;
    uint8_t *disk = calloc(1, pre + n + post);
    memset(disk, 0xff, pre);
    memcpy(disk + pre, clip, n);
    struct vk_dev dev = vk_dev(disk, pre + n + post);
    struct mjpeg_index ix;
    struct mjpeg_frame frames[16];
    char err[256] = "";
    cr_assert_eq(
        mjpeg_index_build(&ix, frames, 16, vk_read, &dev, pre, n, &scratch, err, sizeof err), 0,
        "%s", err);
    cr_assert_eq(ix.count, 10);
    cr_assert_eq(ix.file_size, n);
    cr_assert_eq(frames[0].offset, 0, "offsets are from the file's start");
    free(disk);
    free(clip);
}

/* One libjpeg-turbo frame (tests/traces/video/@name) parsed. */
static struct mjpeg_frame parse_sample(const char *name, struct mjpeg_qset *q)
{
    char rel[128], err[256] = "";
    size_t n;
    snprintf(rel, sizeof rel, "video/%s", name);
    uint8_t *data = vk_read_file(rel, &n);
    struct mjpeg_frame f;
    cr_assert_eq(mjpeg_parse_frame(data, n, &f, q, err, sizeof err), 0, "%s: %s", name, err);
    cr_assert_eq(f.length, n);
    free(data);
    return f;
}

Test(mjpeg, libjpeg_baseline_420_is_type_1)
{
    struct mjpeg_qset q;
    struct mjpeg_frame f = parse_sample("cjpeg-420.jpg", &q);
    cr_assert_eq(f.type, 1);
    cr_assert_eq(f.width, 64);
    cr_assert_eq(f.height, 48);
    cr_assert_eq(q.count, 2);
    cr_assert_neq(memcmp(q.table[0], q.table[1], 64), 0, "libjpeg: Y and CbCr tables differ");
}

Test(mjpeg, libjpeg_422_with_y_2x1_is_type_0)
{
    struct mjpeg_qset q;
    struct mjpeg_frame f = parse_sample("cjpeg-422-h2v1.jpg", &q);
    cr_assert_eq(f.type, 0);
    cr_assert_eq(f.restart_interval, 0);
}

Test(mjpeg, restart_interval_gives_type_64_plus)
{
    struct mjpeg_qset q;
    struct mjpeg_frame f = parse_sample("cjpeg-restart.jpg", &q);
    cr_assert_eq(f.type, 1 + MJPEG_TYPE_RESTART, "4:2:0 with DRI: type 65");
    /* cjpeg -restart 1: one MCU row; 4:2:0 MCUs are 16 pixels wide */
    cr_assert_eq(f.restart_interval, (f.width + 15) / 16);
}

Test(mjpeg, huffman_standard_tables_are_recognised_only_as_themselves)
{
    /* Table K.3 (DC luminance) is not the DC chrominance table K.4. */
    static const uint8_t bits_k3[16] = { 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0 };
    uint8_t vals[12];
    for (int i = 0; i < 12; i++)
        vals[i] = (uint8_t)i;
    cr_assert(mjpeg_huffman_is_standard(0, 0, bits_k3, vals, 12));
    cr_assert_not(mjpeg_huffman_is_standard(0, 1, bits_k3, vals, 12));
    cr_assert_not(mjpeg_huffman_is_standard(1, 0, bits_k3, vals, 12));
    cr_assert_not(mjpeg_huffman_is_standard(0, 0, bits_k3, vals, 11));
    vals[11] = 12;
    cr_assert_not(mjpeg_huffman_is_standard(0, 0, bits_k3, vals, 12));
    cr_assert_not(mjpeg_huffman_is_standard(2, 0, bits_k3, vals, 12));
}

/* ---- frame rates from names --------------------------------------------- */

static void rate_is(const char *name, uint32_t num, uint32_t den)
{
    struct mjpeg_rate r = { 0, 0 };
    cr_assert_eq(mjpeg_rate_from_name(name, &r), 0, "%s", name);
    cr_assert(r.num == num && r.den == den, "%s: %u/%u, want %u/%u", name, r.num, r.den, num, den);
}

static void rate_refused(const char *name)
{
    struct mjpeg_rate r;
    cr_assert_eq(mjpeg_rate_from_name(name, &r), -KE_INVAL, "%s accepted", name);
}

Test(mjpeg_rate, names_give_rates)
{
    rate_is("clip@30.mjpeg", 30, 1);
    rate_is("media/clip@25.mjpg", 25, 1);
    rate_is("clip@29.97.mjpeg", 2997, 100);
    rate_is("clip@30.0.mjpeg", 30, 1);
    rate_is("clip@12.5.mjpeg", 125, 10);
    rate_is("clip@240", 240, 1);
    rate_is("clip.mjpeg", MJPEG_DEFAULT_FPS, 1);
    rate_is("dir@10/clip.mjpeg", MJPEG_DEFAULT_FPS, 1);
    rate_is("a@b@15.mjpeg", 15, 1);
}

Test(mjpeg_rate, malformed_rates_are_refused)
{
    rate_refused("clip@.mjpeg");
    rate_refused("clip@0.mjpeg");
    rate_refused("clip@0.5.mjpeg");
    rate_refused("clip@241.mjpeg");
    rate_refused("clip@30fps.mjpeg");
    rate_refused("clip@30.1234.mjpeg");
    rate_refused("clip@30.mp4");
    rate_refused("clip@-30.mjpeg");
    rate_refused("clip@9999999999.mjpeg");
}

Test(mjpeg_rate, video_names)
{
    cr_assert(mjpeg_is_video_name("a@30.mjpeg"));
    cr_assert(mjpeg_is_video_name("x.mjpg"));
    cr_assert_not(mjpeg_is_video_name("x.mjpeg.txt"));
    cr_assert_not(mjpeg_is_video_name("mjpeg"));
}

Test(mjpeg_rate, frame_times_are_exact_and_do_not_overflow)
{
    struct mjpeg_rate r30 = { 30, 1 }, ntsc = { 2997, 100 }, fast = { 240, 1 }, slow = { 1, 1 };
    cr_assert_eq(mjpeg_frame_time_ns(&r30, 3), 100000000ull);
    cr_assert_eq(mjpeg_frame_rtp_ticks(&r30, 1), 3000, "90 kHz / 30");
    cr_assert_eq(mjpeg_frame_time_ns(&ntsc, 2997), 100000000000ull);
    cr_assert_eq(mjpeg_frame_rtp_ticks(&ntsc, 1), 3003, "90000 * 100 / 2997, rounded down");
    const struct mjpeg_rate *rates[] = { &r30, &ntsc, &fast, &slow };
    const uint64_t ns[] = { 0, 1, 2996, 2997, 123456789, 0xffffffffull };
    for (unsigned a = 0; a < 4; a++)
        for (unsigned b = 0; b < 6; b++) {
            unsigned __int128 want =
                (unsigned __int128)ns[b] * 1000000000u * rates[a]->den / rates[a]->num;
            unsigned __int128 ticks =
                (unsigned __int128)ns[b] * 90000u * rates[a]->den / rates[a]->num;
            cr_assert_eq(mjpeg_frame_time_ns(rates[a], ns[b]), (uint64_t)want);
            cr_assert_eq(mjpeg_frame_rtp_ticks(rates[a], ns[b]), (uint64_t)ticks);
        }
}

Test(mjpeg, fill_bytes_before_eoi_are_not_scan_data)
{
    size_t n;
    uint8_t *clip = vk_read_file(CLIP, &n);
    struct mjpeg_frame f, g;
    struct mjpeg_qset q;
    char err[256] = "";
    long eoi = find_marker(clip, n, 0xd9);
    cr_assert_gt(eoi, 0);
    cr_assert_eq(mjpeg_parse_frame(clip, (size_t)eoi + 2, &f, &q, err, sizeof err), 0, "%s", err);
    /* T.81 B.1.1.2: any marker may be preceded by fill bytes 0xFF */
    uint8_t *p = malloc((size_t)eoi + 5);
    memcpy(p, clip, (size_t)eoi);
    memcpy(p + eoi, "\xff\xff\xff\xff\xd9", 5);
    cr_assert_eq(mjpeg_parse_frame(p, (size_t)eoi + 5, &g, &q, err, sizeof err), 0, "%s", err);
    cr_assert_eq(g.scan_len, f.scan_len);
    cr_assert_eq(g.length, f.length + 3);
    free(p);
    free(clip);
}
