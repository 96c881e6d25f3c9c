/* apps/video-client/vimage.c — picture buffer sizes and layouts (vimage.h). */
#include "apps/video-client/vimage.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

size_t vimage_bytes(enum vimage_format format, uint32_t w, uint32_t h)
{
    uint64_t px = (uint64_t)w * h, n;
    switch (format) {
    case VIMAGE_I420: n = px + 2 * (uint64_t)vimage_chroma_dim(w) * vimage_chroma_dim(h); break;
    case VIMAGE_RGB24: n = px * 3; break;
    case VIMAGE_XRGB8888: n = px * 4; break;
    default: return 0;
    }
    return n > 0x7fffffffull ? 0 : (size_t)n;
}

int vimage_layout(struct vimage *img, enum vimage_format format, uint32_t w, uint32_t h, void *buf,
                  size_t len)
{
    if (w == 0 || h == 0)
        return -KE_INVAL;
    size_t need = vimage_bytes(format, w, h);
    if (need == 0)
        return -KE_INVAL;
    if (len < need)
        return -KE_TOOBIG;
    memset(img, 0, sizeof *img);
    img->format = format;
    img->width = w;
    img->height = h;
    uint8_t *p = buf;
    switch (format) {
    case VIMAGE_I420: {
        size_t cw = vimage_chroma_dim(w), ch = vimage_chroma_dim(h);
        img->plane[0] = p;
        img->stride[0] = w;
        img->plane[1] = p + (size_t)w * h;
        img->stride[1] = cw;
        img->plane[2] = img->plane[1] + cw * ch;
        img->stride[2] = cw;
        break;
    }
    case VIMAGE_RGB24:
        img->plane[0] = p;
        img->stride[0] = (size_t)w * 3;
        break;
    default:
        img->plane[0] = p;
        img->stride[0] = (size_t)w * 4;
        break;
    }
    return 0;
}
