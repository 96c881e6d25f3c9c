/*
 * tests/unit/video-client/test_sinks.c — display sinks: the YUV4MPEG2
 * writer's header and rate, the headless and framebuffer sinks through the
 * client, and the SDL2 window under SDL's dummy video driver.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/video-client/hosted/sdl_sink.h"
#include "apps/video-client/hosted/y4m.h"
#include "apps/video-client/vclient.h"
#include "apps/video-client/vsink_fb.h"
#include "kernel/kerr.h"
#include "kernel/mem.h"
#include "vckit.h"

/* Show one mid-grey I420 frame of @w x @h with timestamp @ts on @s. */
static int show_grey(struct vsink *s, uint32_t w, uint32_t h, uint32_t ts)
{
    struct vimage dst;
    int rc = s->ops->begin(s, w, h, &dst);
    if (rc < 0)
        return rc;
    cr_assert_eq(dst.format, VIMAGE_I420);
    for (int p = 0; p < 3; p++)
        for (uint32_t y = 0; y < (p ? (h + 1) / 2 : h); y++)
            memset(dst.plane[p] + y * dst.stride[p], 128, p ? (w + 1) / 2 : w);
    return s->ops->show(s, w, h, ts);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    char *b = calloc(1, 1 << 20);
    *len = fread(b, 1, (1 << 20) - 1, f);
    fclose(f);
    return b;
}

Test(y4m, rate_comes_from_the_first_two_timestamps)
{
    char path[] = "/tmp/vclient-y4m-XXXXXX";
    close(mkstemp(path));
    struct vsink *s = y4m_sink_create(path, 0, 0);
    cr_assert_eq(show_grey(s, 16, 8, 1000), 0);
    cr_assert_eq(y4m_sink_frames(s), 0, "first frame held until the rate is known");
    cr_assert_eq(show_grey(s, 16, 8, 1000 + 3754), 0); /* 90000/3754 = 45000/1877 */
    cr_assert_eq(show_grey(s, 16, 8, 1000 + 2 * 3754), 0);
    cr_assert_eq(show_grey(s, 32, 8, 1000 + 3 * 3754), -KE_TOOBIG, "a stream keeps its size");
    vsink_destroy(s);
    size_t len;
    char *b = slurp(path, &len);
    const char *hdr = "YUV4MPEG2 W16 H8 F45000:1877 Ip A1:1 C420jpeg XCOLORRANGE=FULL\n";
    cr_assert_eq(strncmp(b, hdr, strlen(hdr)), 0, "%.80s", b);
    cr_assert_eq(len, strlen(hdr) + 3 * (6 + 16 * 8 * 3 / 2));
    free(b);
    unlink(path);
}

Test(y4m, a_single_frame_or_a_given_rate)
{
    char path[] = "/tmp/vclient-y4m-XXXXXX";
    close(mkstemp(path));
    struct vsink *s = y4m_sink_create(path, 0, 0);
    cr_assert_eq(show_grey(s, 8, 8, 5), 0);
    vsink_destroy(s); /* writes the held frame */
    size_t len;
    char *b = slurp(path, &len);
    const char *hdr = "YUV4MPEG2 W8 H8 F30:1 Ip A1:1 C420jpeg XCOLORRANGE=FULL\n";
    cr_assert_eq(strncmp(b, hdr, strlen(hdr)), 0, "one frame: 30/s");
    cr_assert_eq(len, strlen(hdr) + 6 + 8 * 8 * 3 / 2);
    free(b);

    s = y4m_sink_create(path, 25, 1);
    cr_assert_eq(show_grey(s, 8, 8, 5), 0);
    cr_assert_eq(y4m_sink_frames(s), 1, "rate given: nothing held");
    vsink_destroy(s);
    b = slurp(path, &len);
    cr_assert_eq(strncmp(b, "YUV4MPEG2 W8 H8 F25:1 ", 22), 0);
    free(b);
    unlink(path);
    cr_assert_null(y4m_sink_create("/nonexistent-dir/x.y4m", 0, 0));
}

/* The client into the framebuffer sink, with stb_image: the VM's path. */
Test(sinks, stb_image_decodes_straight_into_a_framebuffer)
{
    struct vckit_capture cap;
    struct vckit_clip clip;
    vckit_read_capture(TESTKIT_TRACES "/rtp-jpeg-client.pcap", 5004, &cap);
    vckit_read_clip(TESTKIT_TRACES "/rtp-jpeg-client.mjpeg", &clip);
    uint64_t live = kmem_live();
    struct vfb fb = { .width = 640, .height = 480, .pitch = 640 * 4 };
    fb.base = calloc(1, fb.pitch * fb.height);
    struct vsink *s = vsink_fb_create(&fb);
    struct vdec *d = vdec_stb_create();
    struct vclient_config cfg;
    vclient_config_default(&cfg);
    struct vclient *vc = vclient_create(&cfg, d, s);
    for (size_t i = 0; i < cap.n; i++)
        vclient_rx(vc, cap.d[i].data, cap.d[i].len, cap.d[i].ts_ns);
    cr_assert_eq(vclient_counters(vc)[VC_FRAMES_SHOWN], clip.nframes);
    cr_assert_eq(vsink_shown(s), clip.nframes);
    /* the last frame, centred, against libjpeg-turbo's decoding of the clip */
    struct vckit_pic want;
    cr_assert(vckit_turbo_decode(clip.frame[clip.nframes - 1], clip.len[clip.nframes - 1],
                                 VIMAGE_XRGB8888, &want));
    struct vimage rect;
    vsink_fb_rect(&fb, 320, 240, &rect);
    cr_assert_leq(vckit_max_diff(&want.img, &rect), 3);
    cr_assert_eq(fb.base[0], 0, "outside the picture stays black");
    vckit_pic_free(&want);
    vclient_destroy(vc);
    vsink_destroy(s);
    vdec_destroy(d);
    cr_assert_eq(kmem_live(), live);
    free(fb.base);
    vckit_free_capture(&cap);
    vckit_free_clip(&clip);
}

Test(sinks, the_null_sink_counts_frames_in_its_own_buffer)
{
    uint64_t live = kmem_live();
    struct vsink *s = vsink_null_create(VIMAGE_I420);
    cr_assert_eq(show_grey(s, 32, 16, 1), 0);
    cr_assert_eq(show_grey(s, 64, 32, 2), 0, "grows for a bigger frame");
    cr_assert_eq(vsink_shown(s), 2);
    vsink_destroy(s);
    cr_assert_eq(kmem_live(), live);
    struct vfb bad = { .base = NULL, .width = 10, .height = 10, .pitch = 40 };
    cr_assert_null(vsink_fb_create(&bad));
}

Test(sinks, sdl_window_under_the_dummy_driver)
{
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    char err[200] = "";
    struct vsink *s = sdl_sink_create("spindle test", err, sizeof err);
#ifdef VCKIT_HAVE_SDL
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(show_grey(s, 64, 48, 1), 0);
    cr_assert_eq(show_grey(s, 64, 48, 2), 0);
    cr_assert_eq(show_grey(s, 32, 48, 3), -KE_TOOBIG);
    vsink_destroy(s);
#else
    cr_assert_null(s);
    cr_assert_not_null(strstr(err, "without SDL2"), "%s", err);
#endif
}
