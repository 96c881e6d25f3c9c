/*
 * tests/unit/video/test_video_control.c — controlling the video server the
 * way an operator does: "video ..." configuration lines that start streams at
 * bring-up (and the errors they give, with file:line:column), and the console
 * commands video list / play / join / leave / stop / sdp on a configured
 * appliance (loop interfaces, tests/unit/console/conskit.h).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../console/conskit.h"
#include "vskit.h"
#include "apps/video-server/server.h"
#include "kernel/kerr.h"
#include "netgraph/apply.h"
#include "netgraph/config.h"
#include "netgraph/runtime.h"

static const char *const media_set[] = {
    "clip@30.mjpeg", VSK_CLIP, "bad@30.mjpeg", "video/ffmpeg-optimal-huffman@30.mjpeg", NULL,
};

static char conf[4096];

/* with_video - ck_conf plus the video server on @media and the @extra lines. */
static const char *with_video(const char *media, const char *extra)
{
    snprintf(conf, sizeof conf, "%sextension video-server media=%s port=6000\n%s", ck_conf, media,
             extra);
    return conf;
}

static void out_has(const char *what)
{
    cr_assert_not_null(strstr(ck_out(), what), "'%s' in:\n%s", what, ck_out());
}

Test(video_control, configuration_lines_start_streams_at_bring_up)
{
    ck_appliance(with_video(vsk_archive(media_set),
                            "video play clip@30.mjpeg to 10.0.0.2:5004,10.0.0.3:5004 loop\n"
                            "video play clip@30.mjpeg to 239.9.9.9:7000 loop=yes\n"
                            "video join 1 10.0.0.4:5004\n"));
    struct vs_server *s = vs_server_current();
    cr_assert_not_null(s);
    struct vs_stream *a = vs_server_stream(s, 1), *b = vs_server_stream(s, 2);
    cr_assert(a != NULL && b != NULL, "two streams from two lines");
    cr_assert_eq(a->fan.n, 3, "two destinations and one joined");
    cr_assert(a->loop && b->loop);
    cr_assert_eq(a->fan.sport, 6000);
    cr_assert_eq(b->fan.sport, 6002);
    cr_assert_eq(b->fan.clients[0].addr, 0xef090909u);
    ck_poll();
    ck_finish();
}

/* bring_up - parse and configure @text; returns configure's code, @err filled. */
static int bring_up(const char *text, struct config *cfg, struct config_error *err)
{
    cr_assert_eq(netgraph_init(256), 0);
    int rc = config_parse(text, strlen(text), "v.conf", cfg, err);
    if (rc < 0)
        return rc;
    return netgraph_configure(cfg, err);
}

Test(video_control, configuration_errors_name_the_line_and_column_and_start_nothing)
{
    struct config cfg;
    struct config_error err;
    /* syntax, at parse time: the destination's column */
    snprintf(conf, sizeof conf, "video play clip@30.mjpeg to 10.0.0.2\n");
    cr_assert_eq(bring_up(conf, &cfg, &err), -KE_INVAL);
    cr_assert_eq(err.line, 1);
    cr_assert_eq(err.col, 29, "%u: %s", err.col, err.msg);
    cr_assert_not_null(strstr(err.msg, "A.B.C.D:PORT"), "%s", err.msg);
    snprintf(conf, sizeof conf, "video dance\n");
    cr_assert_eq(bring_up(conf, &cfg, &err), -KE_INVAL);
    cr_assert_not_null(strstr(err.msg, "video play FILE to"), "usage: %s", err.msg);
    netgraph_shutdown();

    /* at bring-up: no server, an unknown file (the first line's stream is undone) */
    cr_assert_eq(bring_up("video play clip@30.mjpeg to 10.0.0.2:5004\n", &cfg, &err), -KE_NOENT);
    cr_assert_not_null(strstr(err.msg, "no video server"), "%s", err.msg);
    config_free(&cfg);
    netgraph_shutdown();
    cr_assert_eq(
        bring_up(with_video(vsk_archive(media_set), "video play clip@30.mjpeg to 10.0.0.2:5004\n"
                                                    "video play nope.mjpeg to 10.0.0.2:5006\n"),
                 &cfg, &err),
        -KE_NOENT);
    cr_assert_eq(err.line, 9, "the second video line: %u", err.line);
    cr_assert_not_null(strstr(err.msg, "video play: no video 'nope.mjpeg'"), "%s", err.msg);
    cr_assert_null(vs_server_current(), "the extension stage was undone too");
    config_free(&cfg);
    netgraph_shutdown();
    cr_assert(pktpool_all_full());
}

Test(video_control, console_commands_list_play_join_leave_stop_and_sdp)
{
    ck_appliance(with_video(vsk_archive(media_set), ""));
    ck_console(0);
    cr_assert_eq(ck_run("video list"), CONSOLE_OK);
    out_has("2 video(s)");
    out_has("clip@30.mjpeg  10 frames  160x120  30/1 fps  0.3 s");
    out_has("bad@30.mjpeg  refused: frame 0");
    out_has("-huffman default");
    out_has("no streams");

    cr_assert_eq(ck_run("video play nope.mjpeg to 10.0.0.2:5004"), CONSOLE_FAILED);
    out_has("video play: no video 'nope.mjpeg'");
    cr_assert_eq(ck_run("video play clip@30.mjpeg to 10.0.0.2:5005"), CONSOLE_FAILED);
    out_has("even port");
    cr_assert_eq(ck_run("video play clip@30.mjpeg 10.0.0.2:5004"), CONSOLE_FAILED);
    out_has("usage: video play FILE to");
    cr_assert_eq(ck_run("video play clip@30.mjpeg to 10.0.0.2:5004 loop"), CONSOLE_OK);
    out_has("stream 1: clip@30.mjpeg to 1 destination(s) from port 6000, looping");

    cr_assert_eq(ck_run("video join 1 239.1.2.3:5008"), CONSOLE_OK);
    out_has("stream 1: 239.1.2.3:5008 joined");
    cr_assert_eq(ck_run("video join 1 239.1.2.3:5008"), CONSOLE_FAILED);
    out_has("already");
    cr_assert_eq(ck_run("video join x 10.0.0.2:5010"), CONSOLE_FAILED);
    out_has("a stream id is 1..32");
    cr_assert_eq(ck_run("video list"), CONSOLE_OK);
    out_has("1  clip@30.mjpeg (loop)  port 6000  2 destination(s), first 10.0.0.2:5004");

    cr_assert_eq(ck_run("video sdp 1"), CONSOLE_OK);
    out_has("m=video 5004 RTP/AVP 26\r\n");
    out_has("c=IN IP4 10.0.0.2\r\n");
    out_has("a=rtpmap:26 JPEG/90000\r\n");
    out_has("a=framerate:30\r\n");
    out_has("s=clip@30.mjpeg\r\n");
    cr_assert_eq(ck_run("video sdp 1 239.1.2.3:5008"), CONSOLE_OK);
    out_has("c=IN IP4 239.1.2.3/1\r\n");
    out_has("m=video 5008 RTP/AVP 26\r\n");
    cr_assert_eq(ck_run("video sdp 1 10.0.0.9:5004"), CONSOLE_FAILED);
    out_has("not a destination of stream 1");

    cr_assert_eq(ck_run("video leave 1 239.1.2.3:5008"), CONSOLE_OK);
    cr_assert_eq(ck_run("video leave 1 239.1.2.3:5008"), CONSOLE_FAILED);
    cr_assert_eq(ck_run("video stop 1"), CONSOLE_OK);
    out_has("stream 1 stopped");
    cr_assert_eq(ck_run("video stop 1"), CONSOLE_FAILED);
    out_has("video stop: no stream 1");
    cr_assert_eq(ck_run("help"), CONSOLE_OK);
    out_has("video play");
    out_has("video sdp");
    ck_poll();
    ck_finish();
}

Test(video_control, commands_without_a_server_say_how_to_get_one)
{
    ck_appliance(ck_conf);
    ck_console(0);
    cr_assert_eq(ck_run("video list"), CONSOLE_FAILED);
    out_has("no video server (extension install video-server media=...)");
    ck_finish();
}
