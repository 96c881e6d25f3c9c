/*
 * apps/video-client/vimage.h — a picture in memory the caller owns: what the
 * video client's decoders write into and its display sinks read from.
 *
 * Pixel formats (names as in the FourCC and DRM conventions):
 *  - VIMAGE_I420: planar Y, Cb (U), Cr (V), chroma halved both ways with the
 *    odd column and row rounded up, full range (JFIF 1.02 YCbCr, as a JPEG
 *    decodes; YUV4MPEG2 calls it C420jpeg).
 *  - VIMAGE_RGB24: packed bytes R, G, B.
 *  - VIMAGE_XRGB8888: 32-bit little-endian words 0xXXRRGGBB, i.e. bytes B,
 *    G, R, X in memory, X unused (a decoder may leave any value there): the
 *    layout of a Bochs VBE 32-bpp framebuffer.
 *
 * Freestanding C11; no allocation.
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_VIMAGE_H
#define SPINDLE_APPS_VIDEO_CLIENT_VIMAGE_H

#include <stddef.h>
#include <stdint.h>

/** Pixel formats a vimage may hold (see the file comment). */
enum vimage_format {
    VIMAGE_I420 = 1,
    VIMAGE_RGB24 = 2,
    VIMAGE_XRGB8888 = 3,
};

/**
 * A picture buffer: @width x @height pixels the memory holds (its capacity
 * when it is a decoder's destination), plane pointers and row strides in
 * bytes. I420 uses plane[0..2] (Y, Cb, Cr); packed formats plane[0] only.
 * The memory belongs to whoever filled the structure in.
 */
struct vimage {
    enum vimage_format format;
    uint32_t width, height; /* pixels */
    uint8_t *plane[3];
    size_t stride[3]; /* bytes between the starts of two rows */
};

/** vimage_chroma_dim - an I420 chroma plane's width or height for luma size @n: ceil(n / 2). */
static inline uint32_t vimage_chroma_dim(uint32_t n)
{
    return (n + 1) / 2;
}

/**
 * vimage_bytes - bytes of a tightly packed @format picture of @w x @h
 * pixels (rows without padding, I420 planes one after the other), or 0 for
 * an unknown format or a size over 2^31 bytes.
 */
size_t vimage_bytes(enum vimage_format format, uint32_t w, uint32_t h);

/**
 * vimage_layout - describe in @img a tightly packed @format picture of @w x
 * @h pixels in [@buf, @buf + @len). Returns 0, -KE_INVAL (unknown format,
 * zero size) or -KE_TOOBIG (@len < vimage_bytes()). @buf stays the
 * caller's.
 */
int vimage_layout(struct vimage *img, enum vimage_format format, uint32_t w, uint32_t h, void *buf,
                  size_t len);

#endif
