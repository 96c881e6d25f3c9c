/*
 * tests/unit/video-client/test_vdec.c — the two decoders behind vdec.h:
 * formats, destinations with strides and offsets (a framebuffer), 4:2:2,
 * and refusals of bad input.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "apps/video-client/vdec.h"
#include "apps/video-client/vsink_fb.h"
#include "kernel/kerr.h"
#include "kernel/mem.h"
#include "vckit.h"

static uint8_t *jpeg;
static size_t jpeg_len;

static void setup(void)
{
    struct vckit_enc e = { .width = 64, .height = 48, .quality = 80, .seed = 5 };
    jpeg = vckit_encode(&e, &jpeg_len);
}

static void teardown(void)
{
    free(jpeg);
}

TestSuite(vdec, .init = setup, .fini = teardown);

static void decode_ok(struct vdec *d, const uint8_t *j, size_t n, const struct vimage *dst,
                      uint32_t w, uint32_t h)
{
    uint32_t gw = 0, gh = 0;
    cr_assert_eq(vdec_decode(d, j, n, dst, &gw, &gh), 0, "%s", d->name);
    cr_assert(gw == w && gh == h);
}

Test(vdec, xrgb_is_rgb_in_little_endian_words_for_both)
{
    struct vdec *decs[2] = { vdec_turbo_create(), vdec_stb_create() };
    for (int i = 0; i < 2; i++) {
        struct vckit_pic rgb, xrgb;
        vckit_pic_alloc(&rgb, VIMAGE_RGB24, 64, 48);
        vckit_pic_alloc(&xrgb, VIMAGE_XRGB8888, 64, 48);
        memset(xrgb.mem, 0x5a, xrgb.len);
        decode_ok(decs[i], jpeg, jpeg_len, &rgb.img, 64, 48);
        decode_ok(decs[i], jpeg, jpeg_len, &xrgb.img, 64, 48);
        for (size_t p = 0; p < 64 * 48; p++) {
            /* the X byte is unused: any value */
            uint32_t word = (uint32_t)xrgb.mem[4 * p] | (uint32_t)xrgb.mem[4 * p + 1] << 8 |
                            (uint32_t)xrgb.mem[4 * p + 2] << 16;
            uint32_t want = (uint32_t)rgb.mem[3 * p] << 16 | (uint32_t)rgb.mem[3 * p + 1] << 8 |
                            rgb.mem[3 * p + 2];
            cr_assert_eq(word, want, "%s pixel %zu", decs[i]->name, p);
        }
        vckit_pic_free(&rgb);
        vckit_pic_free(&xrgb);
        vdec_destroy(decs[i]);
    }
}

Test(vdec, decoding_into_a_framebuffer_rectangle_touches_nothing_else)
{
    /* a 128x96 XRGB "framebuffer" with 16 bytes of row padding */
    struct vfb fb = { .width = 128, .height = 96, .pitch = 128 * 4 + 16 };
    size_t fb_len = fb.pitch * fb.height;
    fb.base = malloc(fb_len);
    struct vdec *decs[2] = { vdec_turbo_create(), vdec_stb_create() };
    struct vckit_pic ref;
    cr_assert(vckit_turbo_decode(jpeg, jpeg_len, VIMAGE_XRGB8888, &ref));
    for (int i = 0; i < 2; i++) {
        memset(fb.base, 0xee, fb_len);
        struct vimage rect;
        cr_assert_eq(vsink_fb_rect(&fb, 64, 48, &rect), 0);
        cr_assert_eq(rect.plane[0], fb.base + 24 * fb.pitch + 32 * 4, "centred");
        decode_ok(decs[i], jpeg, jpeg_len, &rect, 64, 48);
        for (uint32_t y = 0; y < fb.height; y++) {
            for (size_t x = 0; x < fb.pitch; x++) {
                uint8_t v = fb.base[y * fb.pitch + x];
                bool inside = y >= 24 && y < 72 && x >= 32 * 4 && x < 96 * 4;
                if (!inside)
                    cr_assert_eq(v, 0xee, "%s wrote outside at (%zu, %u)", decs[i]->name, x, y);
                else if (i == 0 && x % 4 != 3)
                    cr_assert_eq(v, ref.mem[(y - 24) * 64 * 4 + (x - 128)]);
            }
        }
        vdec_destroy(decs[i]);
    }
    vckit_pic_free(&ref);
    free(fb.base);
    struct vimage r;
    cr_assert_eq(vsink_fb_rect(&fb, 130, 10, &r), -KE_TOOBIG);
}

Test(vdec, yuv422_frames_become_i420_by_averaging_chroma_rows)
{
    free(jpeg);
    struct vckit_enc e = { .width = 64, .height = 48, .quality = 80, .yuv422 = true, .seed = 6 };
    jpeg = vckit_encode(&e, &jpeg_len);
    struct vdec *d = vdec_turbo_create();
    struct vckit_pic got;
    vckit_pic_alloc(&got, VIMAGE_I420, 64, 48);
    decode_ok(d, jpeg, jpeg_len, &got.img, 64, 48);
    /* the reference: the 4:2:2 planes from TurboJPEG itself */
    tjhandle tj = tjInitDecompress();
    uint8_t *y422 = malloc(64 * 48 * 2);
    cr_assert_eq(tjDecompressToYUV2(tj, jpeg, jpeg_len, y422, 64, 1, 48, 0), 0);
    tjDestroy(tj);
    cr_assert_eq(memcmp(got.img.plane[0], y422, 64 * 48), 0, "luma untouched");
    for (int c = 0; c < 2; c++) {
        const uint8_t *src = y422 + 64 * 48 + (size_t)c * 32 * 48;
        for (int y = 0; y < 24; y++)
            for (int x = 0; x < 32; x++)
                cr_assert_eq(got.img.plane[1 + c][y * 32 + x],
                             (src[(2 * y) * 32 + x] + src[(2 * y + 1) * 32 + x] + 1) / 2);
    }
    free(y422);
    vckit_pic_free(&got);
    vdec_destroy(d);
}

Test(vdec, bad_input_and_small_destinations_are_refused)
{
    struct vdec *decs[2] = { vdec_turbo_create(), vdec_stb_create() };
    uint64_t live = kmem_live();
    for (int i = 0; i < 2; i++) {
        struct vdec *d = decs[i];
        struct vckit_pic small, rgb;
        uint32_t w, h;
        vckit_pic_alloc(&small, VIMAGE_RGB24, 63, 48);
        vckit_pic_alloc(&rgb, VIMAGE_RGB24, 64, 48);
        cr_assert_eq(vdec_decode(d, jpeg, jpeg_len, &small.img, &w, &h), -KE_TOOBIG, "%s", d->name);
        uint8_t junk[100];
        memset(junk, 0xab, sizeof junk);
        cr_assert_eq(vdec_decode(d, junk, sizeof junk, &rgb.img, &w, &h), -KE_INVAL);
        /* Truncated: libjpeg-turbo (TJFLAG_STOPONWARNING) refuses it; stb_image
         * reads past the end as zeros and may return a picture with a damaged
         * bottom, so for it only "no crash, no leak" holds. The assembler's
         * rule (never half a frame) is what keeps truncation from the VMs. */
        int rc = vdec_decode(d, jpeg, 300, &rgb.img, &w, &h);
        if (i == 0)
            cr_assert_eq(rc, -KE_INVAL, "truncated");
        else
            cr_assert(rc == 0 || rc == -KE_INVAL);
        vckit_pic_free(&small);
        vckit_pic_free(&rgb);
    }
    struct vckit_pic yuv;
    uint32_t w, h;
    vckit_pic_alloc(&yuv, VIMAGE_I420, 64, 48);
    cr_assert_eq(vdec_decode(decs[1], jpeg, jpeg_len, &yuv.img, &w, &h), -KE_NOTSUP,
                 "stb_image gives RGB only");
    vckit_pic_free(&yuv);
    cr_assert_eq(kmem_live(), live, "stb_image's allocations all returned");
    vdec_destroy(decs[0]);
    vdec_destroy(decs[1]);
}
