/* apps/video-client/vsink_fb.c — framebuffer and headless sinks (vsink_fb.h). */
#include "apps/video-client/vsink_fb.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

/* Both sinks: the vsink first, so a struct vsink * is one of these. */
struct counted_sink {
    struct vsink base;
    uint64_t shown;
    struct vfb fb; /* fb sink */
    uint8_t *buf;  /* null sink */
    size_t buf_len;
};

int vsink_fb_rect(const struct vfb *fb, uint32_t width, uint32_t height, struct vimage *out)
{
    if (width == 0 || height == 0 || width > fb->width || height > fb->height)
        return -KE_TOOBIG;
    uint32_t x = (fb->width - width) / 2, y = (fb->height - height) / 2;
    memset(out, 0, sizeof *out);
    out->format = VIMAGE_XRGB8888;
    out->width = width;
    out->height = height;
    out->plane[0] = fb->base + (size_t)y * fb->pitch + (size_t)x * 4;
    out->stride[0] = fb->pitch;
    return 0;
}

static int fb_begin(struct vsink *s, uint32_t width, uint32_t height, struct vimage *dst)
{
    struct counted_sink *c = (struct counted_sink *)s;
    return vsink_fb_rect(&c->fb, width, height, dst);
}

static int counted_show(struct vsink *s, uint32_t width, uint32_t height, uint32_t timestamp)
{
    (void)width;
    (void)height;
    (void)timestamp;
    ((struct counted_sink *)s)->shown++;
    return 0;
}

static void counted_destroy(struct vsink *s)
{
    struct counted_sink *c = (struct counted_sink *)s;
    kfree(c->buf);
    kfree(c);
}

static const struct vsink_ops fb_ops = {
    .begin = fb_begin,
    .show = counted_show,
    .destroy = counted_destroy,
};

struct vsink *vsink_fb_create(const struct vfb *fb)
{
    if (!fb->base || fb->width == 0 || fb->height == 0 || fb->pitch < (size_t)fb->width * 4)
        return NULL;
    struct counted_sink *c = kmalloc(sizeof *c);
    if (!c)
        return NULL;
    c->base = (struct vsink){ .name = "fb", .format = VIMAGE_XRGB8888, .ops = &fb_ops };
    c->fb = *fb;
    return &c->base;
}

static int null_begin(struct vsink *s, uint32_t width, uint32_t height, struct vimage *dst)
{
    struct counted_sink *c = (struct counted_sink *)s;
    size_t need = vimage_bytes(s->format, width, height);
    if (need == 0)
        return -KE_TOOBIG;
    if (need > c->buf_len) {
        uint8_t *b = kmalloc(need);
        if (!b)
            return -KE_NOMEM;
        kfree(c->buf);
        c->buf = b;
        c->buf_len = need;
    }
    return vimage_layout(dst, s->format, width, height, c->buf, c->buf_len);
}

static const struct vsink_ops null_ops = {
    .begin = null_begin,
    .show = counted_show,
    .destroy = counted_destroy,
};

struct vsink *vsink_null_create(enum vimage_format format)
{
    if (vimage_bytes(format, 1, 1) == 0)
        return NULL;
    struct counted_sink *c = kmalloc(sizeof *c);
    if (!c)
        return NULL;
    c->base = (struct vsink){ .name = "null", .format = format, .ops = &null_ops };
    return &c->base;
}

uint64_t vsink_shown(const struct vsink *s)
{
    return ((const struct counted_sink *)s)->shown;
}
