/* apps/video-client/hosted/y4m.c — YUV4MPEG2 file sink (y4m.h). */
#include "apps/video-client/hosted/y4m.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kerr.h"

struct y4m_sink {
    struct vsink base;
    FILE *f;
    uint32_t rate_num, rate_den; /* 0/0 until known */
    bool header_done;
    uint32_t width, height; /* of the stream, set by the first frame */
    unsigned char *cur;     /* the buffer begin() lends */
    unsigned char *held;    /* the first frame, while the rate is unknown */
    bool have_held;
    uint32_t held_ts;
    size_t frame_len;
    uint64_t frames;
    bool failed;
};

static uint32_t gcd32(uint32_t a, uint32_t b)
{
    while (b) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static bool write_header(struct y4m_sink *y)
{
    y->header_done = true;
    return fprintf(y->f, "YUV4MPEG2 W%u H%u F%u:%u Ip A1:1 C420jpeg XCOLORRANGE=FULL\n", y->width,
                   y->height, y->rate_num, y->rate_den) > 0;
}

static bool write_frame(struct y4m_sink *y, const unsigned char *pix)
{
    if (fputs("FRAME\n", y->f) < 0 || fwrite(pix, 1, y->frame_len, y->f) != y->frame_len)
        return false;
    y->frames++;
    return true;
}

static int y4m_begin(struct vsink *s, uint32_t width, uint32_t height, struct vimage *dst)
{
    struct y4m_sink *y = (struct y4m_sink *)s;
    if (y->failed)
        return -KE_IO;
    if (!y->cur) {
        y->width = width;
        y->height = height;
        y->frame_len = vimage_bytes(VIMAGE_I420, width, height);
        if (y->frame_len == 0)
            return -KE_TOOBIG;
        y->cur = malloc(y->frame_len);
        y->held = malloc(y->frame_len);
        if (!y->cur || !y->held)
            return -KE_NOMEM;
    } else if (width != y->width || height != y->height) {
        return -KE_TOOBIG;
    }
    return vimage_layout(dst, VIMAGE_I420, width, height, y->cur, y->frame_len);
}

static int y4m_show(struct vsink *s, uint32_t width, uint32_t height, uint32_t timestamp)
{
    struct y4m_sink *y = (struct y4m_sink *)s;
    (void)width;
    (void)height;
    if (!y->header_done && y->rate_num == 0) {
        if (!y->have_held) {
            memcpy(y->held, y->cur, y->frame_len);
            y->have_held = true;
            y->held_ts = timestamp;
            return 0;
        }
        uint32_t delta = timestamp - y->held_ts; /* 90 kHz ticks per frame */
        if (delta == 0 || delta > 0x7fffffffu)
            delta = 3000; /* no usable spacing: 30/s */
        uint32_t g = gcd32(90000, delta);
        y->rate_num = 90000 / g;
        y->rate_den = delta / g;
    }
    bool ok = true;
    if (!y->header_done)
        ok = write_header(y);
    if (ok && y->have_held) {
        ok = write_frame(y, y->held);
        y->have_held = false;
    }
    ok = ok && write_frame(y, y->cur) && fflush(y->f) == 0;
    if (!ok) {
        y->failed = true;
        return -KE_IO;
    }
    return 0;
}

static void y4m_destroy(struct vsink *s)
{
    struct y4m_sink *y = (struct y4m_sink *)s;
    if (y->have_held && !y->failed) {
        y->rate_num = 30;
        y->rate_den = 1;
        if (write_header(y))
            write_frame(y, y->held);
    }
    fclose(y->f);
    free(y->cur);
    free(y->held);
    free(y);
}

static const struct vsink_ops y4m_ops = { .begin = y4m_begin,
                                          .show = y4m_show,
                                          .destroy = y4m_destroy };

struct vsink *y4m_sink_create(const char *path, uint32_t rate_num, uint32_t rate_den)
{
    struct y4m_sink *y = calloc(1, sizeof *y);
    if (!y)
        return NULL;
    y->f = fopen(path, "wb");
    if (!y->f) {
        free(y);
        return NULL;
    }
    if (rate_num && rate_den) {
        y->rate_num = rate_num;
        y->rate_den = rate_den;
    }
    y->base = (struct vsink){ .name = "y4m", .format = VIMAGE_I420, .ops = &y4m_ops };
    return &y->base;
}

uint64_t y4m_sink_frames(const struct vsink *s)
{
    return ((const struct y4m_sink *)s)->frames;
}
