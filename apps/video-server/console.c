/*
 * apps/video-server/console.c — the video server's console commands
 * (apps/console/command.h), on the current server (server.h):
 *
 *   video list                                   videos of the media disk, streams
 *   video play FILE to A.B.C.D:PORT[,...] [loop] start a stream; prints its id
 *   video join ID A.B.C.D:PORT                   add a destination
 *   video leave ID A.B.C.D:PORT                  remove one
 *   video stop ID                                end a stream (RTCP BYE)
 *   video sdp ID [A.B.C.D:PORT]                  the SDP a player opens
 *
 * An error is one line "video play: what is wrong"; nothing changes then.
 */
#include "apps/console/command.h"
#include "apps/video-server/server.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"

/* server_or_fail - the current server, or NULL after printing why not. */
static struct vs_server *server_or_fail(struct console_session *s, const struct console_args *a)
{
    struct vs_server *srv = vs_server_current();
    if (srv == NULL)
        console_fail(s, a, "no video server (extension install video-server media=...)");
    return srv;
}

/* parse_id - a stream id 1..VS_MAX_STREAMS. */
static bool parse_id(const char *w, unsigned *id)
{
    uint64_t v;
    if (kparse_u64(w, strlen(w), &v) < 0 || v == 0 || v > VS_MAX_STREAMS)
        return false;
    *id = (unsigned)v;
    return true;
}

static void list_video(struct console_session *s, const struct vs_video *v)
{
    if (!v->ok) {
        console_printf(s, "  %s  refused: ", v->name);
        console_puts(s, v->why);
        console_puts(s, "\n");
        return;
    }
    uint64_t ms = vs_video_duration_ms(v);
    console_printf(s,
                   "  %s  %u frames  %ux%u  %u/%u fps  %llu.%01llu s  %llu bytes  "
                   "largest frame scan %u bytes\n",
                   v->name, v->ix.count, v->ix.frames[0].width, v->ix.frames[0].height, v->rate.num,
                   v->rate.den, (unsigned long long)(ms / 1000u),
                   (unsigned long long)(ms % 1000u / 100u), (unsigned long long)v->size,
                   v->max_scan);
}

static enum console_status cmd_list(struct console_session *s, const struct console_args *a)
{
    struct vs_server *srv = server_or_fail(s, a);
    if (srv == NULL)
        return CONSOLE_FAILED;
    const struct vs_media *m = &srv->media;
    console_printf(s, "media %s (%s, %s): %u video(s), %u other file(s)\n", m->spec, m->disk->name,
                   m->disk->driver, m->nvideos, m->nother);
    for (uint32_t i = 0; i < m->nvideos; i++)
        list_video(s, &m->videos[i]);
    unsigned n = 0;
    for (unsigned id = 1; id <= VS_MAX_STREAMS; id++) {
        const struct vs_stream *st = vs_server_stream(srv, id);
        if (st == NULL)
            continue;
        if (n++ == 0)
            console_puts(s, "streams:\n");
        char a0[INET_IPV4_STRLEN];
        const struct vs_client *c = st->fan.n ? &st->fan.clients[0] : NULL;
        console_printf(s,
                       "  %u  %s%s  port %u  %u destination(s), first %s:%u  frames %llu "
                       "late %llu skipped %llu  packets %llu\n",
                       st->id, st->video->name, st->loop ? " (loop)" : "", st->fan.sport, st->fan.n,
                       c ? inet_fmt_ipv4(c->addr, a0) : "-", c ? c->port : 0,
                       (unsigned long long)st->frames, (unsigned long long)st->late,
                       (unsigned long long)st->skipped, (unsigned long long)st->packets);
    }
    if (n == 0)
        console_puts(s, "no streams\n");
    return CONSOLE_OK;
}

static enum console_status cmd_play(struct console_session *s, const struct console_args *a)
{
    struct vs_server *srv = server_or_fail(s, a);
    if (srv == NULL)
        return CONSOLE_FAILED;
    bool loop = a->argc == 4 && strcmp(a->argv[3], "loop") == 0;
    if (strcmp(a->argv[1], "to") != 0 || (a->argc == 4 && !loop))
        return console_fail(s, a, "usage: video play FILE to A.B.C.D:PORT[,...] [loop]");
    struct vs_dest d[VS_MAX_DESTS];
    unsigned n, id;
    char err[400];
    if (vs_parse_dests(a->argv[2], d, &n, err, sizeof err) < 0 ||
        vs_play(srv, a->argv[0], d, n, loop, &id, err, sizeof err) < 0)
        return console_fail(s, a, "%s", err);
    const struct vs_stream *st = vs_server_stream(srv, id);
    console_printf(s, "stream %u: %s to %u destination(s) from port %u%s\n", id, st->video->name,
                   st->fan.n, st->fan.sport, loop ? ", looping" : "");
    return CONSOLE_OK;
}

/* id_and_dest - ID and (when @need) A.B.C.D:PORT from the arguments. */
static struct vs_server *id_and_dest(struct console_session *s, const struct console_args *a,
                                     unsigned *id, struct vs_dest *d, bool need)
{
    struct vs_server *srv = server_or_fail(s, a);
    if (srv == NULL)
        return NULL;
    char err[400];
    if (!parse_id(a->argv[0], id)) {
        console_fail(s, a, "'%s': a stream id is 1..%u", a->argv[0], VS_MAX_STREAMS);
        return NULL;
    }
    if (need && vs_parse_dest(a->argv[1], strlen(a->argv[1]), d, err, sizeof err) < 0) {
        console_fail(s, a, "%s", err);
        return NULL;
    }
    return srv;
}

static enum console_status cmd_join(struct console_session *s, const struct console_args *a)
{
    unsigned id;
    struct vs_dest d;
    char err[400];
    struct vs_server *srv = id_and_dest(s, a, &id, &d, true);
    if (srv == NULL)
        return CONSOLE_FAILED;
    if (vs_join(srv, id, &d, err, sizeof err) < 0)
        return console_fail(s, a, "%s", err);
    console_printf(s, "stream %u: %s joined\n", id, a->argv[1]);
    return CONSOLE_OK;
}

static enum console_status cmd_leave(struct console_session *s, const struct console_args *a)
{
    unsigned id;
    struct vs_dest d;
    char err[400];
    struct vs_server *srv = id_and_dest(s, a, &id, &d, true);
    if (srv == NULL)
        return CONSOLE_FAILED;
    if (vs_leave(srv, id, &d, err, sizeof err) < 0)
        return console_fail(s, a, "%s", err);
    console_printf(s, "stream %u: %s left%s\n", id, a->argv[1],
                   vs_server_stream(srv, id) ? "" : "; the stream ended (no destination left)");
    return CONSOLE_OK;
}

static enum console_status cmd_stop(struct console_session *s, const struct console_args *a)
{
    unsigned id;
    char err[400];
    struct vs_server *srv = id_and_dest(s, a, &id, NULL, false);
    if (srv == NULL)
        return CONSOLE_FAILED;
    if (vs_stop(srv, id, err, sizeof err) < 0)
        return console_fail(s, a, "%s", err);
    console_printf(s, "stream %u stopped\n", id);
    return CONSOLE_OK;
}

static enum console_status cmd_sdp(struct console_session *s, const struct console_args *a)
{
    unsigned id;
    struct vs_dest d;
    char err[400], sdp[512];
    struct vs_server *srv = id_and_dest(s, a, &id, &d, a->argc == 2);
    if (srv == NULL)
        return CONSOLE_FAILED;
    if (vs_sdp(srv, id, a->argc == 2 ? &d : NULL, sdp, sizeof sdp, err, sizeof err) < 0)
        return console_fail(s, a, "%s", err);
    console_puts(s, sdp);
    return CONSOLE_OK;
}

static const struct console_cmd video_list_cmd = {
    "video list",
    "",
    "the videos of the media disk and the streams playing",
    0,
    0,
    cmd_list,
    CONSOLE_CMD_READONLY,
};
static const struct console_cmd video_play_cmd = {
    "video play",
    "FILE to A.B.C.D:PORT[,A.B.C.D:PORT...] [loop]",
    "stream a video as RTP/JPEG to destinations (unicast or multicast)",
    3,
    4,
    cmd_play,
    0,
};
static const struct console_cmd video_join_cmd = {
    "video join", "ID A.B.C.D:PORT", "add a destination to a stream", 2, 2, cmd_join, 0,
};
static const struct console_cmd video_leave_cmd = {
    "video leave", "ID A.B.C.D:PORT", "remove a destination from a stream", 2, 2, cmd_leave, 0,
};
static const struct console_cmd video_stop_cmd = {
    "video stop", "ID", "end a stream (RTCP BYE to its destinations)", 1, 1, cmd_stop, 0,
};
static const struct console_cmd video_sdp_cmd = {
    "video sdp", "ID [A.B.C.D:PORT]",  "the SDP a player opens for a stream", 1, 2,
    cmd_sdp,     CONSOLE_CMD_READONLY,
};
KCONSOLE_COMMAND(video_list_cmd);
KCONSOLE_COMMAND(video_play_cmd);
KCONSOLE_COMMAND(video_join_cmd);
KCONSOLE_COMMAND(video_leave_cmd);
KCONSOLE_COMMAND(video_stop_cmd);
KCONSOLE_COMMAND(video_sdp_cmd);
