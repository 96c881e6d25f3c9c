/*
 * tests/unit/video-client/test_replay.c — the capture of ffmpeg sending an
 * MJPEG clip over RTP (tests/traces/rtp-jpeg-client.pcap) replayed into the
 * whole client: every frame it shows must equal libjpeg-turbo's decoding of
 * the clip's own JPEG exactly, and losses, reordering and duplicates made
 * from the same capture must be repaired or counted as the client promises.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/video-client/hosted/y4m.h"
#include "apps/video-client/vclient.h"
#include "apps/video-client/vdec.h"
#include "kernel/kerr.h"
#include "kernel/mem.h"
#include "vckit.h"

#define CAPTURE TESTKIT_TRACES "/rtp-jpeg-client.pcap"
#define CLIP TESTKIT_TRACES "/rtp-jpeg-client.mjpeg"
#define NFRAMES 10
#define NPACKETS 60
#define MS 1000000ull

/* A sink that keeps a copy of every frame shown. */
struct keep_sink {
    struct vsink base;
    struct vckit_pic work;
    struct vckit_pic shown[NFRAMES + 4];
    uint32_t ts[NFRAMES + 4];
    size_t n;
};

static int keep_begin(struct vsink *s, uint32_t w, uint32_t h, struct vimage *dst)
{
    struct keep_sink *k = (struct keep_sink *)s;
    if (!k->work.mem)
        vckit_pic_alloc(&k->work, s->format, w, h);
    *dst = k->work.img;
    return 0;
}

static int keep_show(struct vsink *s, uint32_t w, uint32_t h, uint32_t ts)
{
    struct keep_sink *k = (struct keep_sink *)s;
    cr_assert_lt(k->n, NFRAMES + 4);
    struct vckit_pic *p = &k->shown[k->n];
    vckit_pic_alloc(p, s->format, w, h);
    memcpy(p->mem, k->work.mem, p->len);
    k->ts[k->n++] = ts;
    return 0;
}

static void keep_destroy(struct vsink *s)
{
    struct keep_sink *k = (struct keep_sink *)s;
    for (size_t i = 0; i < k->n; i++)
        vckit_pic_free(&k->shown[i]);
    vckit_pic_free(&k->work);
    free(k);
}

static const struct vsink_ops keep_ops = { keep_begin, keep_show, keep_destroy };

static struct keep_sink *keep_sink(enum vimage_format f)
{
    struct keep_sink *k = calloc(1, sizeof *k);
    k->base = (struct vsink){ .name = "keep", .format = f, .ops = &keep_ops };
    return k;
}

static struct vckit_capture cap;
static struct vckit_clip clip;
static uint64_t live_before;

static void setup(void)
{
    live_before = kmem_live();
    vckit_read_capture(CAPTURE, 5004, &cap);
    vckit_read_clip(CLIP, &clip);
    cr_assert_eq(cap.n, NPACKETS, "the capture holds %zu RTP datagrams", cap.n);
    cr_assert_eq(clip.nframes, NFRAMES);
}

static void teardown(void)
{
    vckit_free_capture(&cap);
    vckit_free_clip(&clip);
    cr_assert_eq(kmem_live(), live_before, "every kmalloc of the client freed");
}

TestSuite(replay, .init = setup, .fini = teardown);

static uint16_t seq_of(size_t i)
{
    return (uint16_t)((cap.d[i].data[2] << 8) | cap.d[i].data[3]);
}

/* Clip frame index of RTP timestamp @ts: frames are 3000 ticks apart (30/s). */
static size_t frame_of(uint32_t ts)
{
    uint32_t ts0 = ((uint32_t)cap.d[0].data[4] << 24) | ((uint32_t)cap.d[0].data[5] << 16) |
                   ((uint32_t)cap.d[0].data[6] << 8) | cap.d[0].data[7];
    return (ts - ts0) / 3000;
}

/* Every shown frame equals the reference decoding of its clip frame. */
static void check_frames_exact(const struct keep_sink *k, enum vimage_format f)
{
    for (size_t i = 0; i < k->n; i++) {
        size_t fi = frame_of(k->ts[i]);
        cr_assert_lt(fi, NFRAMES);
        struct vckit_pic want;
        cr_assert(vckit_turbo_decode(clip.frame[fi], clip.len[fi], f, &want));
        cr_assert(vckit_equal(&want.img, &k->shown[i].img), "frame %zu differs", fi);
        vckit_pic_free(&want);
    }
}

static struct vclient *client(struct vdec *d, struct keep_sink *k)
{
    struct vclient_config cfg;
    vclient_config_default(&cfg);
    struct vclient *vc = vclient_create(&cfg, d, &k->base);
    cr_assert_not_null(vc);
    return vc;
}

Test(replay, every_frame_equals_libjpeg_turbo_decoding_of_the_clip)
{
    bool wrapped = false;
    for (size_t i = 1; i < cap.n; i++)
        wrapped |= seq_of(i) < seq_of(i - 1);
    cr_assert(wrapped, "the capture crosses the 16-bit sequence wrap");

    struct vdec *d = vdec_turbo_create();
    struct keep_sink *k = keep_sink(VIMAGE_I420);
    struct vclient *vc = client(d, k);
    for (size_t i = 0; i < cap.n; i++)
        cr_assert_eq(vclient_rx(vc, cap.d[i].data, cap.d[i].len, cap.d[i].ts_ns), 0);
    vclient_flush(vc);
    const uint64_t *c = vclient_counters(vc);
    cr_assert_eq(c[VC_PACKETS], NPACKETS);
    cr_assert_eq(c[VC_FRAMES_COMPLETE], NFRAMES);
    cr_assert_eq(c[VC_FRAMES_SHOWN], NFRAMES);
    cr_assert_eq(c[VC_LOST] + c[VC_REORDERED] + c[VC_DUPLICATES], 0);
    cr_assert_eq(c[VC_DROP_LATE] + c[VC_DROP_INCOMPLETE] + c[VC_DROP_CORRUPT], 0);
    cr_assert_eq(c[VC_DECODED], NFRAMES);
    cr_assert_gt(c[VC_DECODE_NS_TOTAL], 0);
    cr_assert_eq(k->n, NFRAMES);
    for (size_t i = 0; i < NFRAMES; i++)
        cr_assert_eq(frame_of(k->ts[i]), i, "in order");
    check_frames_exact(k, VIMAGE_I420);

    char text[2048];
    int n = vclient_stats_format(vc, text, sizeof text);
    cr_assert(n > 0 && (size_t)n < sizeof text);
    cr_assert_not_null(strstr(text, "frames_shown 10\n"));
    cr_assert_not_null(strstr(text, "decode_ns_mean "));
    vclient_destroy(vc);
    vsink_destroy(&k->base);
    vdec_destroy(d);
}

/*
 * stb_image against libjpeg-turbo on the same frames, RGB. Both use the
 * ISLOW integer IDCT and triangular chroma upsampling; they differ in the
 * fixed-point rounding of the IDCT and of YCbCr->RGB (stb_image 12-bit
 * constants, libjpeg 16-bit). Measured on the capture: at most 3, PSNR
 * 61.4 dB at worst. Asserted: no sample differs by more than 4,
 * and PSNR >= 50 dB per frame.
 */
#define STB_MAX_DIFF 4u
#define STB_MIN_PSNR 50.0

Test(replay, stb_image_agrees_with_libjpeg_turbo_within_rounding)
{
    struct vdec *d = vdec_stb_create();
    struct keep_sink *k = keep_sink(VIMAGE_RGB24);
    struct vclient *vc = client(d, k);
    for (size_t i = 0; i < cap.n; i++)
        vclient_rx(vc, cap.d[i].data, cap.d[i].len, cap.d[i].ts_ns);
    vclient_flush(vc);
    cr_assert_eq(vclient_counters(vc)[VC_FRAMES_SHOWN], NFRAMES);
    unsigned worst = 0;
    double worst_psnr = 100;
    for (size_t i = 0; i < k->n; i++) {
        struct vckit_pic want;
        cr_assert(vckit_turbo_decode(clip.frame[i], clip.len[i], VIMAGE_RGB24, &want));
        unsigned m = vckit_max_diff(&want.img, &k->shown[i].img);
        double p = vckit_psnr_rgb(&want.img, &k->shown[i].img);
        worst = m > worst ? m : worst;
        worst_psnr = p < worst_psnr ? p : worst_psnr;
        vckit_pic_free(&want);
    }
    cr_log_info("stb_image vs libjpeg-turbo: max |diff| %u, min PSNR %.1f dB", worst, worst_psnr);
    cr_assert_leq(worst, STB_MAX_DIFF);
    cr_assert_geq(worst_psnr, STB_MIN_PSNR);
    vclient_destroy(vc);
    vsink_destroy(&k->base);
    vdec_destroy(d);
}

/* Replay with packet @skip left out; returns the sink (caller checks and frees). */
static struct keep_sink *replay_without(size_t skip, struct vclient **vcp, struct vdec **dp)
{
    *dp = vdec_turbo_create();
    struct keep_sink *k = keep_sink(VIMAGE_I420);
    *vcp = client(*dp, k);
    for (size_t i = 0; i < cap.n; i++) {
        vclient_poll(*vcp, cap.d[i].ts_ns);
        if (i != skip)
            vclient_rx(*vcp, cap.d[i].data, cap.d[i].len, cap.d[i].ts_ns);
    }
    vclient_poll(*vcp, cap.d[cap.n - 1].ts_ns + 1000 * MS);
    return k;
}

Test(replay, a_lost_fragment_drops_its_frame_and_no_other)
{
    struct vclient *vc;
    struct vdec *d;
    struct keep_sink *k = replay_without(8, &vc, &d); /* frame 1, third fragment */
    const uint64_t *c = vclient_counters(vc);
    cr_assert_eq(c[VC_LOST], 1);
    cr_assert_eq(c[VC_DROP_INCOMPLETE], 1);
    cr_assert_eq(c[VC_FRAMES_SHOWN], NFRAMES - 1);
    for (size_t i = 0; i < k->n; i++)
        cr_assert_neq(frame_of(k->ts[i]), 1, "the damaged frame is never shown");
    check_frames_exact(k, VIMAGE_I420);
    vclient_destroy(vc);
    vsink_destroy(&k->base);
    vdec_destroy(d);
}

Test(replay, a_lost_marker_packet_drops_its_frame)
{
    struct vclient *vc;
    struct vdec *d;
    struct keep_sink *k = replay_without(11, &vc, &d); /* frame 1's last fragment */
    const uint64_t *c = vclient_counters(vc);
    cr_assert_eq(c[VC_DROP_INCOMPLETE], 1);
    cr_assert_eq(c[VC_FRAMES_SHOWN], NFRAMES - 1);
    check_frames_exact(k, VIMAGE_I420);
    vclient_destroy(vc);
    vsink_destroy(&k->base);
    vdec_destroy(d);
}

Test(replay, the_last_frame_times_out_when_its_end_never_comes)
{
    struct vclient *vc;
    struct vdec *d;
    struct keep_sink *k = replay_without(NPACKETS - 1, &vc, &d);
    const uint64_t *c = vclient_counters(vc);
    cr_assert_eq(c[VC_DROP_INCOMPLETE], 1, "dropped by vclient_poll's frame time-out");
    cr_assert_eq(c[VC_FRAMES_SHOWN], NFRAMES - 1);
    cr_assert_eq(vclient_next_deadline(vc), UINT64_MAX);
    vclient_destroy(vc);
    vsink_destroy(&k->base);
    vdec_destroy(d);
}

Test(replay, reordering_within_the_latency_is_repaired)
{
    /* arrival order: some neighbours swapped, one packet three places late */
    size_t order[NPACKETS];
    for (size_t i = 0; i < NPACKETS; i++)
        order[i] = i;
    size_t swaps[][2] = { { 3, 4 }, { 5, 6 }, { 20, 21 }, { 40, 41 } };
    for (size_t s = 0; s < 4; s++) {
        size_t t = order[swaps[s][0]];
        order[swaps[s][0]] = order[swaps[s][1]];
        order[swaps[s][1]] = t;
    }
    size_t t = order[30]; /* 30 arrives after 33 */
    memmove(order + 30, order + 31, 3 * sizeof order[0]);
    order[33] = t;

    struct vdec *d = vdec_turbo_create();
    struct keep_sink *k = keep_sink(VIMAGE_I420);
    struct vclient *vc = client(d, k);
    for (size_t i = 0; i < NPACKETS; i++) {
        const struct vckit_dgram *g = &cap.d[order[i]];
        vclient_poll(vc, cap.d[i].ts_ns);
        cr_assert_eq(vclient_rx(vc, g->data, g->len, cap.d[i].ts_ns), 0);
    }
    vclient_flush(vc);
    const uint64_t *c = vclient_counters(vc);
    cr_assert_eq(c[VC_REORDERED], 5);
    cr_assert_eq(c[VC_LOST], 0);
    cr_assert_eq(c[VC_FRAMES_SHOWN], NFRAMES);
    check_frames_exact(k, VIMAGE_I420);
    vclient_destroy(vc);
    vsink_destroy(&k->base);
    vdec_destroy(d);
}

Test(replay, a_packet_later_than_the_latency_is_lost_and_counted_late)
{
    struct vdec *d = vdec_turbo_create();
    struct keep_sink *k = keep_sink(VIMAGE_I420);
    struct vclient *vc = client(d, k);
    for (size_t i = 0; i < NPACKETS; i++) {
        vclient_poll(vc, cap.d[i].ts_ns);
        if (i == 14)
            continue; /* frame 2's third fragment ... */
        vclient_rx(vc, cap.d[i].data, cap.d[i].len, cap.d[i].ts_ns);
        if (i == 40) /* ... comes a second later */
            cr_assert_eq(vclient_rx(vc, cap.d[14].data, cap.d[14].len, cap.d[i].ts_ns), -KE_RANGE);
    }
    vclient_flush(vc);
    const uint64_t *c = vclient_counters(vc);
    cr_assert_eq(c[VC_LOST], 1);
    cr_assert_eq(c[VC_LATE_PACKETS], 1);
    cr_assert_eq(c[VC_DROP_INCOMPLETE], 1);
    cr_assert_eq(c[VC_FRAMES_SHOWN], NFRAMES - 1);
    vclient_destroy(vc);
    vsink_destroy(&k->base);
    vdec_destroy(d);
}

Test(replay, duplicates_are_dropped_and_counted)
{
    struct vdec *d = vdec_turbo_create();
    struct keep_sink *k = keep_sink(VIMAGE_I420);
    struct vclient *vc = client(d, k);
    for (size_t i = 0; i < NPACKETS; i++) {
        cr_assert_eq(vclient_rx(vc, cap.d[i].data, cap.d[i].len, cap.d[i].ts_ns), 0);
        cr_assert_eq(vclient_rx(vc, cap.d[i].data, cap.d[i].len, cap.d[i].ts_ns), -KE_EXIST);
    }
    vclient_flush(vc);
    const uint64_t *c = vclient_counters(vc);
    cr_assert_eq(c[VC_DUPLICATES], NPACKETS);
    cr_assert_eq(c[VC_FRAMES_SHOWN], NFRAMES);
    check_frames_exact(k, VIMAGE_I420);
    vclient_destroy(vc);
    vsink_destroy(&k->base);
    vdec_destroy(d);
}

Test(replay, y4m_file_holds_every_frame_at_the_stream_rate)
{
    char path[] = "/tmp/vclient-y4m-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    struct vdec *d = vdec_turbo_create();
    struct vsink *s = y4m_sink_create(path, 0, 0);
    cr_assert_not_null(s);
    struct vclient_config cfg;
    vclient_config_default(&cfg);
    struct vclient *vc = vclient_create(&cfg, d, s);
    for (size_t i = 0; i < cap.n; i++)
        vclient_rx(vc, cap.d[i].data, cap.d[i].len, cap.d[i].ts_ns);
    vclient_destroy(vc);
    cr_assert_eq(y4m_sink_frames(s), NFRAMES);
    vsink_destroy(s);
    vdec_destroy(d);

    FILE *f = fdopen(fd, "rb");
    char line[256];
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert_str_eq(line, "YUV4MPEG2 W320 H240 F30:1 Ip A1:1 C420jpeg XCOLORRANGE=FULL\n");
    struct vckit_pic got;
    vckit_pic_alloc(&got, VIMAGE_I420, 320, 240);
    for (size_t i = 0; i < NFRAMES; i++) {
        cr_assert_not_null(fgets(line, sizeof line, f));
        cr_assert_str_eq(line, "FRAME\n");
        cr_assert_eq(fread(got.mem, 1, got.len, f), got.len);
        struct vckit_pic want;
        cr_assert(vckit_turbo_decode(clip.frame[i], clip.len[i], VIMAGE_I420, &want));
        cr_assert(vckit_equal(&want.img, &got.img), "y4m frame %zu", i);
        vckit_pic_free(&want);
    }
    cr_assert_eq(fgetc(f), EOF, "nothing after the last frame");
    fclose(f);
    vckit_pic_free(&got);
    unlink(path);
}
