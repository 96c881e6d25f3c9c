/*
 * apps/video-client/hosted/vdec_turbo.c — the hosted JPEG decoder (vdec.h):
 * libjpeg-turbo's TurboJPEG API (Debian's libturbojpeg0-dev).
 *
 * I420: the component planes as the JPEG holds them (tjDecompressToYUVPlanes,
 * no upsampling), so a 4:2:0 frame is exactly its decoded samples; a 4:2:2
 * frame (RFC 2435 type 0) is decoded to 4:2:2 and its chroma rows are
 * averaged in pairs. RGB24 and XRGB8888: tjDecompress2 with the ISLOW IDCT
 * and fancy upsampling (libjpeg's defaults), straight into the destination.
 * TJFLAG_STOPONWARNING: a corrupt or truncated JPEG is an error, not a
 * picture with grey blocks.
 */
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "apps/video-client/vdec.h"
#include "kernel/kerr.h"

struct vdec_turbo {
    struct vdec base;
    tjhandle tj;
    unsigned char *tmp; /* 4:2:2 chroma planes for the I420 conversion */
    size_t tmp_len;
};

/* Average 4:2:2 chroma rows in pairs into the I420 planes of @dst. */
static void chroma_422_to_420(const unsigned char *const src[2], int cw, int h,
                              const struct vimage *dst)
{
    for (int c = 0; c < 2; c++) {
        for (int y = 0; y < (h + 1) / 2; y++) {
            const unsigned char *a = src[c] + (size_t)(2 * y) * (size_t)cw;
            const unsigned char *b = 2 * y + 1 < h ? a + cw : a;
            unsigned char *d = dst->plane[1 + c] + (size_t)y * dst->stride[1 + c];
            for (int x = 0; x < cw; x++)
                d[x] = (unsigned char)((a[x] + b[x] + 1) >> 1);
        }
    }
}

static int decode_i420(struct vdec_turbo *t, const uint8_t *jpeg, size_t len, int w, int h,
                       int subsamp, const struct vimage *dst)
{
    if (subsamp == TJSAMP_420) {
        unsigned char *planes[3] = { dst->plane[0], dst->plane[1], dst->plane[2] };
        int strides[3] = { (int)dst->stride[0], (int)dst->stride[1], (int)dst->stride[2] };
        return tjDecompressToYUVPlanes(t->tj, jpeg, len, planes, w, strides, h,
                                       TJFLAG_STOPONWARNING) == 0
                   ? 0
                   : -KE_INVAL;
    }
    if (subsamp != TJSAMP_422)
        return -KE_NOTSUP;
    int cw = (w + 1) / 2;
    size_t need = (size_t)cw * (size_t)h * 2;
    if (need > t->tmp_len) {
        unsigned char *n = realloc(t->tmp, need);
        if (!n)
            return -KE_NOMEM;
        t->tmp = n;
        t->tmp_len = need;
    }
    unsigned char *planes[3] = { dst->plane[0], t->tmp, t->tmp + (size_t)cw * (size_t)h };
    int strides[3] = { (int)dst->stride[0], cw, cw };
    if (tjDecompressToYUVPlanes(t->tj, jpeg, len, planes, w, strides, h, TJFLAG_STOPONWARNING))
        return -KE_INVAL;
    const unsigned char *chroma[2] = { planes[1], planes[2] };
    chroma_422_to_420(chroma, cw, h, dst);
    return 0;
}

static int turbo_decode(struct vdec *d, const uint8_t *jpeg, size_t len, const struct vimage *dst,
                        uint32_t *width, uint32_t *height)
{
    struct vdec_turbo *t = (struct vdec_turbo *)d;
    int w, h, subsamp, colorspace;
    if (tjDecompressHeader3(t->tj, jpeg, len, &w, &h, &subsamp, &colorspace) != 0)
        return -KE_INVAL;
    if ((uint32_t)w > dst->width || (uint32_t)h > dst->height)
        return -KE_TOOBIG;
    int rc;
    switch (dst->format) {
    case VIMAGE_I420: rc = decode_i420(t, jpeg, len, w, h, subsamp, dst); break;
    case VIMAGE_RGB24:
    case VIMAGE_XRGB8888:
        rc = tjDecompress2(t->tj, jpeg, len, dst->plane[0], w, (int)dst->stride[0], h,
                           dst->format == VIMAGE_RGB24 ? TJPF_RGB : TJPF_BGRX,
                           TJFLAG_STOPONWARNING) == 0
                 ? 0
                 : -KE_INVAL;
        break;
    default: rc = -KE_NOTSUP; break;
    }
    if (rc == 0) {
        *width = (uint32_t)w;
        *height = (uint32_t)h;
    }
    return rc;
}

static void turbo_destroy(struct vdec *d)
{
    struct vdec_turbo *t = (struct vdec_turbo *)d;
    tjDestroy(t->tj);
    free(t->tmp);
    free(t);
}

static const struct vdec_ops turbo_ops = { .decode = turbo_decode, .destroy = turbo_destroy };

struct vdec *vdec_turbo_create(void)
{
    struct vdec_turbo *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->tj = tjInitDecompress();
    if (!t->tj) {
        free(t);
        return NULL;
    }
    t->base.name = "libjpeg-turbo";
    t->base.ops = &turbo_ops;
    return &t->base;
}
