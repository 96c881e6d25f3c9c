/*
 * apps/video-client/vdec_stb.c — the freestanding JPEG decoder (vdec.h):
 * stb_image 2.27 from Debian's libstb-dev, built for JPEG only and without
 * stdio, floating point, SIMD or thread-local storage, its memory on
 * kmalloc/kfree.
 *
 * What stb_image needs here: memcpy and memset (kernel/klib.h) and the
 * compiler's own stddef.h, stdint.h, stdarg.h and limits.h. This file is
 * compiled with apps/video-client/stb/include first on the include path (stub
 * stdlib.h and string.h) and with -D_LIBC_LIMITS_H_, which keeps GCC's
 * limits.h from reaching for a C library's (none exists in the Alpha cross
 * compiler); see apps/video-client/meson.build.
 *
 * Floating point: with STBI_NO_LINEAR and STBI_NO_HDR the JPEG path is
 * integer only. Its IDCT (stbi__idct_block, the jidctint "ISLOW" algorithm)
 * and YCbCr->RGB conversion (stbi__YCbCr_to_RGB_row) spell their constants
 * as float expressions cast to int, which GCC folds at compile time, so the
 * file builds under -mgeneral-regs-only (x86_64) and -mno-fp-regs (Alpha).
 *
 * Hostile input: stb_image's IDCT and DC predictor add in int without
 * bounds, so crafted coefficients overflow; the file is built with -fwrapv,
 * which makes that wrap (pixels are clamped to 0..255 anyway) instead of
 * being undefined behaviour. A frame that reached the decoder is whole
 * (rtpjpeg_asm.h) but may still be garbage inside: stb_image then shows
 * garbage or fails, never reads or writes out of bounds (fuzzed with ASan).
 */
#include "apps/video-client/vdec.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

/* stb_image's realloc, given the old size (kernel/mem.h has no realloc);
 * its JPEG path happens not to call it today. */
__attribute__((unused)) static void *stb_realloc_sized(void *p, size_t oldsz, size_t newsz)
{
    void *n = kmalloc(newsz);
    if (!n)
        return NULL;
    if (p) {
        memcpy(n, p, oldsz < newsz ? oldsz : newsz);
        kfree(p);
    }
    return n;
}

#define STBI_ONLY_JPEG
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_NO_SIMD
#define STBI_NO_THREAD_LOCALS
#define STBI_NO_FAILURE_STRINGS
#define STBI_ASSERT(x) ((void)0)
#define STBI_MALLOC(sz) kmalloc(sz)
#define STBI_REALLOC_SIZED(p, oldsz, newsz) stb_realloc_sized((p), (oldsz), (newsz))
#define STBI_FREE(p) kfree(p)
#define STBI_MAX_DIMENSIONS VDEC_STB_MAX_DIM
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>

/* Copy stb_image's packed RGB rows (@w x @h) into @dst as RGB24 or XRGB8888. */
static void put_rgb(const uint8_t *rgb, uint32_t w, uint32_t h, const struct vimage *dst)
{
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *s = rgb + (size_t)y * w * 3;
        uint8_t *d = dst->plane[0] + (size_t)y * dst->stride[0];
        if (dst->format == VIMAGE_RGB24) {
            memcpy(d, s, (size_t)w * 3);
            continue;
        }
        for (uint32_t x = 0; x < w; x++, s += 3, d += 4) {
            d[0] = s[2];
            d[1] = s[1];
            d[2] = s[0];
            d[3] = 0;
        }
    }
}

static int stb_decode(struct vdec *d, const uint8_t *jpeg, size_t len, const struct vimage *dst,
                      uint32_t *width, uint32_t *height)
{
    (void)d;
    if (dst->format != VIMAGE_RGB24 && dst->format != VIMAGE_XRGB8888)
        return -KE_NOTSUP;
    if (len > 0x7fffffff)
        return -KE_TOOBIG;
    int w, h, comp;
    if (!stbi_info_from_memory(jpeg, (int)len, &w, &h, &comp))
        return -KE_INVAL;
    if ((uint32_t)w > dst->width || (uint32_t)h > dst->height)
        return -KE_TOOBIG;
    uint8_t *rgb = stbi_load_from_memory(jpeg, (int)len, &w, &h, &comp, 3);
    if (!rgb)
        return -KE_INVAL;
    if ((uint32_t)w > dst->width || (uint32_t)h > dst->height) {
        stbi_image_free(rgb);
        return -KE_TOOBIG;
    }
    put_rgb(rgb, (uint32_t)w, (uint32_t)h, dst);
    stbi_image_free(rgb);
    *width = (uint32_t)w;
    *height = (uint32_t)h;
    return 0;
}

static void stb_destroy(struct vdec *d)
{
    kfree(d);
}

static const struct vdec_ops stb_ops = { .decode = stb_decode, .destroy = stb_destroy };

struct vdec *vdec_stb_create(void)
{
    struct vdec *d = kmalloc(sizeof *d);
    if (!d)
        return NULL;
    d->name = "stb_image";
    d->ops = &stb_ops;
    return d;
}
