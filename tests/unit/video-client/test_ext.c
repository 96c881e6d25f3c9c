/*
 * tests/unit/video-client/test_ext.c — `extension video-client` on an
 * appliance (loop driver, the configuration language, the console): the
 * capture's datagrams sent to its port through Ethernet, IPv4 and UDP are
 * shown in a y4m file equal to libjpeg-turbo's decoding; a frame whose end
 * never comes is dropped by the instance's timer alone; datagrams to other
 * ports do not reach it; parameters and displays the hosted program lacks
 * are refused with a clear message; "video-client stats [ID]".
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../console/conskit.h"
#include "apps/video-client/vclient_ext.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/stats.h"
#include "netgraph/instances.h"
#include "vckit.h"

#define MS 1000000ull

static uint64_t fake_now = 5000000000ull;

static uint64_t test_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

static struct vckit_capture cap;
static struct vckit_clip clip;
static char y4m[64];

static void setup(void)
{
    kclock_set_source(test_clock, NULL);
    vckit_read_capture(TESTKIT_TRACES "/rtp-jpeg-client.pcap", 5004, &cap);
    vckit_read_clip(TESTKIT_TRACES "/rtp-jpeg-client.mjpeg", &clip);
    snprintf(y4m, sizeof y4m, "/tmp/spindle-test-ext-%d.y4m", (int)getpid());
}

static void teardown(void)
{
    unlink(y4m);
    vckit_free_capture(&cap);
    vckit_free_clip(&clip);
    kclock_set_source(NULL, NULL);
}

/* an appliance on loop eth0 10.0.0.1/24 with @ext_line ("" for none) */
static struct netif *appliance(const char *ext_line)
{
    static char conf[512];
    snprintf(conf, sizeof conf,
             "interface eth0 driver=loop mac=02:00:00:00:00:01\n"
             "address eth0 10.0.0.1/24\n%s\n",
             ext_line);
    struct netif *ifp = ck_appliance(conf);
    ck_console(0);
    return ifp;
}

/* datagram @i of the capture to @dport at the capture's pace, run through the graph */
static void send_dgram(struct netif *ifp, size_t i, uint16_t dport)
{
    static uint8_t frame[2048];
    fake_now = 5000000000ull + (cap.d[i].ts_ns - cap.d[0].ts_ns);
    size_t n = ck_udp(frame, sizeof frame, 40020, dport, cap.d[i].data, cap.d[i].len);
    ck_inject(ifp, frame, n);
    ck_poll();
}

static uint64_t counter(const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find("video-client", name, &v), 0, "counter %s", name);
    return v;
}

Test(video_client_ext, plays_the_capture_through_the_graph_into_y4m_equal_to_libjpeg_turbo,
     .init = setup, .fini = teardown)
{
    char line[128];
    snprintf(line, sizeof line, "extension video-client port=5004 display=%s", y4m);
    struct netif *ifp = appliance(line);
    for (size_t i = 0; i < cap.n; i++)
        send_dgram(ifp, i, 5004);
    cr_expect_eq(counter("packets"), cap.n);
    cr_expect_eq(counter("frames_shown"), clip.nframes);
    cr_expect_eq(
        counter("dropped_incomplete") + counter("dropped_corrupt") + counter("dropped_late"), 0);
    cr_expect_eq(counter("decoded"), clip.nframes);
    cr_expect_gt(counter("decode_ns_total"), 0, "decode time is measured");
    cr_assert_eq(ck_run("video-client stats"), CONSOLE_OK, "%s", ck_out());
    cr_expect(strstr(ck_out(), "video-client 1: port 5004, display y4m ") != NULL, "%s", ck_out());
    cr_expect(strstr(ck_out(), ", decoder libjpeg-turbo\n") != NULL, "%s", ck_out());
    cr_expect(strstr(ck_out(), "\nframes_shown 10\n") != NULL, "%s", ck_out());
    cr_expect(strstr(ck_out(), "\ndecode_ns_mean ") != NULL, "%s", ck_out());
    ck_finish(); /* removes the instance: the y4m file is complete */

    FILE *f = fopen(y4m, "rb");
    cr_assert_not_null(f);
    char header[128];
    cr_assert_not_null(fgets(header, sizeof header, f));
    cr_expect(strncmp(header, "YUV4MPEG2 W320 H240 F30:1 ", 26) == 0, "%s", header);
    struct vckit_pic got;
    vckit_pic_alloc(&got, VIMAGE_I420, 320, 240);
    for (size_t i = 0; i < clip.nframes; i++) {
        char tag[8];
        cr_assert_eq(fread(tag, 1, 6, f), 6);
        cr_assert_eq(memcmp(tag, "FRAME\n", 6), 0);
        cr_assert_eq(fread(got.mem, 1, got.len, f), got.len);
        struct vckit_pic want;
        cr_assert(vckit_turbo_decode(clip.frame[i], clip.len[i], VIMAGE_I420, &want));
        cr_expect(vckit_equal(&want.img, &got.img), "frame %zu", i);
        vckit_pic_free(&want);
    }
    cr_expect_eq(fgetc(f), EOF, "nothing after the last frame");
    vckit_pic_free(&got);
    fclose(f);
}

Test(video_client_ext, a_frame_whose_end_never_comes_is_dropped_by_the_timer, .init = setup,
     .fini = teardown)
{
    struct netif *ifp = appliance("extension video-client port=5004 display=none");
    /* frames 0..8 whole, then the first 3 of frame 9's 6 fragments, then silence */
    for (size_t i = 0; i < cap.n - 3; i++)
        send_dgram(ifp, i, 5004);
    cr_expect_eq(counter("frames_shown"), clip.nframes - 1);
    cr_expect_eq(counter("dropped_incomplete"), 0, "not yet: the frame may still complete");
    fake_now += 600 * MS; /* past the 500 ms frame timeout; no datagram arrives */
    ck_poll();
    cr_expect_eq(counter("dropped_incomplete"), 1, "the timer gave the frame up");
    cr_expect_eq(counter("frames_shown"), clip.nframes - 1, "never shown half");
    ck_finish();
}

Test(video_client_ext, datagrams_to_other_ports_do_not_reach_it, .init = setup, .fini = teardown)
{
    struct netif *ifp = appliance("extension video-client port=6000 display=none");
    for (size_t i = 0; i < 12; i++)
        send_dgram(ifp, i, 5004);
    cr_expect_eq(counter("packets"), 0);
    for (size_t i = 0; i < 12; i++)
        send_dgram(ifp, i, 6000);
    cr_expect_eq(counter("packets"), 12);
    cr_expect_eq(counter("frames_shown"), 2);
    ck_sent_drain(ifp); /* the port unreachables for 5004 */
    ck_finish();
}

/* install through the console; returns its status, the message in ck_out() */
static enum console_status install(const char *args)
{
    char line[256];
    snprintf(line, sizeof line, "extension install video-client %s", args);
    return ck_run(line);
}

Test(video_client_ext, bad_parameters_and_missing_displays_are_refused_clearly, .init = setup,
     .fini = teardown)
{
    appliance("");
    static const struct {
        const char *args, *says;
    } bad[] = {
        { "port=5004 display=fb", "display=fb: not a display of the hosted program" },
        { "port=5004 display=fb:640x480", "display=fb:640x480: not a display of the hosted" },
        { "port=5004 display=vga", "display=vga: not a display of the hosted program" },
        { "port=5004 display=/nonexistent/dir/x.y4m",
          "display=/nonexistent/dir/x.y4m: cannot create the file" },
        { "port=5004 latency=0", "latency: out of range (expected 1..1000 ms)" },
        { "port=5004 latency=soon", "latency: not a number" },
        { "port=5004 colour=yes", "colour" },
        { "port=0", "port" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(install(bad[i].args), CONSOLE_FAILED, "%s", bad[i].args);
        cr_expect(strstr(ck_out(), bad[i].says) != NULL, "%s: %s", bad[i].args, ck_out());
    }
    cr_expect_eq(netgraph_ext_count(), 0, "nothing installed");
    ck_finish();
}

Test(video_client_ext, stats_lists_every_instance_or_the_one_asked_for, .init = setup,
     .fini = teardown)
{
    struct netif *ifp = appliance("extension udp-count port=9");
    cr_expect_eq(ck_run("video-client stats"), CONSOLE_FAILED);
    cr_expect_str_eq(ck_out(), "video-client stats: no video-client installed\n");
    cr_assert_eq(install("port=5004"), CONSOLE_OK, "%s", ck_out());
    cr_assert_eq(install("port=5006 display=none latency=50"), CONSOLE_OK, "%s", ck_out());
    for (size_t i = 0; i < 6; i++)
        send_dgram(ifp, i, 5006);
    cr_assert_eq(ck_run("video-client stats"), CONSOLE_OK);
    cr_expect(strstr(ck_out(), "video-client 2: port 5004, display none (headless)") != NULL, "%s",
              ck_out());
    cr_expect(strstr(ck_out(), "video-client 3: port 5006, display none (headless)") != NULL, "%s",
              ck_out());
    cr_assert_eq(ck_run("video-client stats 3"), CONSOLE_OK);
    cr_expect(strstr(ck_out(), "video-client 2:") == NULL, "%s", ck_out());
    cr_expect(strstr(ck_out(), "\npackets 6\n") != NULL, "%s", ck_out());
    cr_expect(strstr(ck_out(), "\nframes_shown 1\n") != NULL, "%s", ck_out());
    cr_expect_eq(ck_run("video-client stats 1"), CONSOLE_FAILED, "1 is udp-count");
    cr_expect_str_eq(ck_out(), "video-client stats: no video-client instance 1\n");
    cr_expect_eq(ck_run("video-client stats x"), CONSOLE_FAILED);
    cr_expect_eq(ck_run("extension remove 3"), CONSOLE_OK, "%s", ck_out());
    cr_assert_eq(ck_run("video-client stats"), CONSOLE_OK);
    cr_expect(strstr(ck_out(), "video-client 3:") == NULL, "%s", ck_out());
    ck_finish();
}

#ifdef VCKIT_HAVE_SDL
Test(video_client_ext, a_window_shows_the_stream, .init = setup, .fini = teardown)
{
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    struct netif *ifp = appliance("extension video-client port=5004 display=window");
    for (size_t i = 0; i < cap.n; i++)
        send_dgram(ifp, i, 5004);
    cr_expect_eq(counter("frames_shown"), clip.nframes);
    cr_expect_eq(counter("display_errors"), 0);
    cr_assert_eq(ck_run("video-client stats"), CONSOLE_OK);
    cr_expect(strstr(ck_out(), "display window (SDL2)") != NULL, "%s", ck_out());
    ck_finish();
}
#endif
