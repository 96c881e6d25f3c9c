/*
 * apps/video-client/vsink_fb.h — display sinks that need no host: a linear
 * framebuffer (the Bochs VBE one of drivers/vga, or any memory laid out
 * the same way) and a counted headless sink.
 *
 * The framebuffer sink lends the decoder the rectangle of the framebuffer
 * where the frame goes, centred, so the decoder writes each frame straight
 * into video memory; show() only counts. The null sink lends a buffer of
 * its own (grown on demand) and counts: what a VM without a display uses.
 *
 * Freestanding C11; the sinks come from kmalloc.
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_VSINK_FB_H
#define SPINDLE_APPS_VIDEO_CLIENT_VSINK_FB_H

#include <stddef.h>
#include <stdint.h>
#include "apps/video-client/vsink.h"

/** A linear framebuffer: XRGB8888 pixels (vimage.h), @pitch bytes per row. */
struct vfb {
    uint8_t *base;          /* CPU address of pixel (0, 0); the framebuffer's owner keeps it */
    uint32_t width, height; /* pixels */
    size_t pitch;           /* bytes per row, >= 4 x width */
};

/**
 * vsink_fb_create - a sink drawing into @fb (copied; the memory is not
 * owned). begin() refuses (-KE_TOOBIG) frames larger than the framebuffer.
 * Returns NULL when memory is exhausted or @fb is unusable.
 */
struct vsink *vsink_fb_create(const struct vfb *fb);

/**
 * vsink_fb_rect - the rectangle of @fb where a @width x @height frame is
 * drawn (centred; offsets rounded down), as a picture in *@out. Returns 0
 * or -KE_TOOBIG.
 */
int vsink_fb_rect(const struct vfb *fb, uint32_t width, uint32_t height, struct vimage *out);

/**
 * vsink_null_create - a headless sink of @format: buffers of its own,
 * frames counted and dropped. Returns NULL when memory is exhausted.
 */
struct vsink *vsink_null_create(enum vimage_format format);

/** vsink_shown - frames a fb or null sink was asked to show. */
uint64_t vsink_shown(const struct vsink *s);

#endif
