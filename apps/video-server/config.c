/*
 * apps/video-server/config.c — the "video" configuration keyword
 * (netgraph/stage.h), so a VM streams from boot:
 *
 *   extension video-server media=disk0
 *   video play clip@30.mjpeg to 10.77.0.1:5004,239.1.2.3:5004 [loop] [loop=yes]
 *   video join 1 10.77.0.5:5004
 *
 * Lines are checked when the file is parsed (syntax, addresses) and applied
 * after the extensions (KSTAGE_AFTER_EXTENSIONS), in file order, on the
 * server the extension line opened; stream ids are 1, 2, ... in that order.
 * A failing line names file:line:column and undoes the streams of the lines
 * before it.
 */
#include "apps/video-server/server.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "netgraph/stage.h"

#define VIDEO_USAGE                                               \
    "video play FILE to A.B.C.D:PORT[,A.B.C.D:PORT...] [loop] | " \
    "video join ID A.B.C.D:PORT"

/* Streams this stage started, to undo. */
static unsigned started[VS_MAX_STREAMS], nstarted;

/* line_loop - "loop" as a last word or loop=yes|no; -1 when malformed. */
static int line_loop(const struct cfg_line *l, unsigned words)
{
    const char *v = kparams_get(&l->params, "loop");
    bool word = l->nwords == words + 1 && strcmp(l->word[words], "loop") == 0;
    if (l->nwords > words + (word ? 1u : 0u) || l->params.n > (v ? 1u : 0u))
        return -1;
    if (v == NULL)
        return word;
    if (strcmp(v, "yes") == 0 || strcmp(v, "1") == 0)
        return 1;
    if (strcmp(v, "no") == 0 || strcmp(v, "0") == 0)
        return word;
    return -1;
}

/* check_line - the syntax of one line; 0 or -KE_INVAL with @why and the word's column. */
static int check_line(const struct cfg_line *l, char *why, size_t whylen, unsigned *col,
                      struct vs_dest *d, unsigned *n, unsigned *id, int *loop)
{
    if (l->nwords >= 1 && strcmp(l->word[0], "play") == 0) {
        if (l->nwords < 4 || strcmp(l->word[2], "to") != 0 || (*loop = line_loop(l, 4)) < 0) {
            ksnprintf(why, whylen, "usage: %s", VIDEO_USAGE);
            return -KE_INVAL;
        }
        if (vs_parse_dests(l->word[3], d, n, why, whylen) < 0) {
            *col = l->word_pos[3].col;
            return -KE_INVAL;
        }
        return 0;
    }
    if (l->nwords == 3 && strcmp(l->word[0], "join") == 0 && l->params.n == 0) {
        uint64_t v;
        if (kparse_u64(l->word[1], strlen(l->word[1]), &v) < 0 || v == 0 || v > VS_MAX_STREAMS) {
            ksnprintf(why, whylen, "'%s': a stream id is 1..%u", l->word[1], VS_MAX_STREAMS);
            *col = l->word_pos[1].col;
            return -KE_INVAL;
        }
        *id = (unsigned)v;
        *n = 1;
        if (vs_parse_dest(l->word[2], strlen(l->word[2]), d, why, whylen) < 0) {
            *col = l->word_pos[2].col;
            return -KE_INVAL;
        }
        return 0;
    }
    ksnprintf(why, whylen, "usage: %s", VIDEO_USAGE);
    return -KE_INVAL;
}

static int video_check(const struct cfg_line *l, char *why, size_t whylen, unsigned *col)
{
    struct vs_dest d[VS_MAX_DESTS];
    unsigned n, id;
    int loop;
    return check_line(l, why, whylen, col, d, &n, &id, &loop);
}

static void video_undo(const struct config *cfg)
{
    (void)cfg;
    struct vs_server *s = vs_server_current();
    char err[80];
    while (nstarted > 0) {
        unsigned id = started[--nstarted];
        if (s != NULL && vs_server_stream(s, id) != NULL)
            vs_stop(s, id, err, sizeof err);
    }
}

static const struct kconfig_stage video_stage;

static int video_apply(const struct config *cfg, struct config_error *err)
{
    nstarted = 0;
    for (unsigned i = 0; i < cfg->nlines; i++) {
        const struct cfg_line *l = &cfg->lines[i];
        if (l->owner != &video_stage)
            continue;
        struct vs_server *s = vs_server_current();
        char why[200];
        unsigned col = 0, n = 0, id = 0;
        int loop = 0, rc = -KE_NOENT;
        struct vs_dest d[VS_MAX_DESTS];
        if (s == NULL) {
            ksnprintf(why, sizeof why,
                      "no video server: an 'extension video-server media=...' "
                      "line must come first");
        } else if ((rc = check_line(l, why, sizeof why, &col, d, &n, &id, &loop)) == 0) {
            if (strcmp(l->word[0], "play") == 0) {
                rc = vs_play(s, l->word[1], d, n, loop != 0, &id, why, sizeof why);
                if (rc == 0 && nstarted < VS_MAX_STREAMS)
                    started[nstarted++] = id;
            } else {
                rc = vs_join(s, id, d, why, sizeof why);
            }
        }
        if (rc < 0) {
            struct cfg_pos pos = l->pos;
            if (col)
                pos.col = col;
            config_set_error(err, cfg->filename, pos, "video %s: %s", l->nwords ? l->word[0] : "",
                             why);
            video_undo(cfg);
            return rc;
        }
    }
    return 0;
}

static const struct kconfig_stage video_stage = {
    .name = "video",
    .order = KSTAGE_AFTER_EXTENSIONS,
    .keyword = "video",
    .usage = VIDEO_USAGE,
    .check = video_check,
    .apply = video_apply,
    .undo = video_undo,
};
KCONFIG_STAGE(video_stage);
