/*
 * apps/video-client/vdec.h — the one small interface the video client's JPEG
 * decoders share: a complete baseline JPEG (ITU-T T.81 / ISO 10918-1,
 * interchange format, as apps/video-client/jpeg_rebuild.h writes it) in
 * memory in, a picture in a caller's buffer out.
 *
 * Two implementations:
 *  - vdec_turbo (hosted only): libjpeg-turbo's TurboJPEG API; I420, RGB24
 *    and XRGB8888, written straight into the destination.
 *  - vdec_stb (freestanding, any target): stb_image's JPEG decoder with its
 *    allocations on kmalloc; RGB24 and XRGB8888 (stb_image gives RGB; the
 *    conversion writes the destination rows once).
 * Both do the ISLOW integer IDCT and triangular ("fancy") chroma
 * upsampling; their outputs differ only by rounding (tests/unit/video-client
 * asserts the bound).
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_VDEC_H
#define SPINDLE_APPS_VIDEO_CLIENT_VDEC_H

#include <stddef.h>
#include <stdint.h>
#include "apps/video-client/vimage.h"

struct vdec;

/** A decoder's entry points. */
struct vdec_ops {
    /**
     * decode - decode @jpeg (@len bytes, read only, the caller's) into the
     * top-left corner of @dst (the caller's memory; its width/height are the
     * capacity) and give the picture's size in *@width, *@height.
     * Returns 0; -KE_INVAL when @jpeg is not a decodable baseline JPEG
     * (corrupt, truncated: the destination may then hold part of a
     * picture); -KE_TOOBIG when the picture exceeds @dst; -KE_NOTSUP when
     * this decoder cannot produce @dst->format from this JPEG (e.g. 4:4:4
     * into I420); -KE_NOMEM.
     */
    int (*decode)(struct vdec *d, const uint8_t *jpeg, size_t len, const struct vimage *dst,
                  uint32_t *width, uint32_t *height);
    /** destroy - release the decoder and everything it holds. */
    void (*destroy)(struct vdec *d);
};

/** A decoder instance: its name ("libjpeg-turbo", "stb_image") and entry points. */
struct vdec {
    const char *name;
    const struct vdec_ops *ops;
};

/** vdec_decode - @d->ops->decode (see struct vdec_ops). */
static inline int vdec_decode(struct vdec *d, const uint8_t *jpeg, size_t len,
                              const struct vimage *dst, uint32_t *width, uint32_t *height)
{
    return d->ops->decode(d, jpeg, len, dst, width, height);
}

/** vdec_destroy - @d->ops->destroy; NULL is ignored. */
static inline void vdec_destroy(struct vdec *d)
{
    if (d)
        d->ops->destroy(d);
}

/**
 * vdec_stb_create - the stb_image decoder (freestanding; apps/video-client/
 * vdec_stb.c). Pictures larger than VDEC_STB_MAX_DIM either way are refused.
 * Returns NULL when memory is exhausted.
 */
struct vdec *vdec_stb_create(void);

/** Largest width or height vdec_stb accepts: RFC 2435's limit, 255 x 8. */
#define VDEC_STB_MAX_DIM 2040u

/**
 * vdec_turbo_create - the libjpeg-turbo decoder (hosted only;
 * apps/video-client/hosted/vdec_turbo.c). Returns NULL when TurboJPEG
 * cannot be initialised.
 */
struct vdec *vdec_turbo_create(void);

#endif
