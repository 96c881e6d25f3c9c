/*
 * apps/video-client/vclient_cmd.c — the console command "video-client stats
 * [ID]": the counters of every video-client instance, or of instance ID
 * (the id "extension list" shows).
 */
#include "apps/console/command.h"
#include "apps/video-client/vclient_ext.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "netgraph/instances.h"

/* Room for one instance's text: a header line and about 30 counter lines. */
#define VCLIENT_CMD_TEXT 2048u

struct stats_walk {
    struct console_session *s;
    uint64_t id; /* 0: every instance */
    unsigned shown;
    char *text;
};

static void stats_one(const struct kext *x, void *ctx)
{
    struct stats_walk *w = ctx;
    if (x->cls != &vclient_extension || (w->id != 0 && x->id != w->id))
        return;
    vclient_ext_format(x, w->text, VCLIENT_CMD_TEXT);
    console_puts(w->s, w->text);
    w->shown++;
}

static enum console_status cmd_video_client_stats(struct console_session *s,
                                                  const struct console_args *a)
{
    struct stats_walk w = { .s = s };
    if (a->argc == 1 && (kparse_u64(a->argv[0], strlen(a->argv[0]), &w.id) < 0 || w.id == 0))
        return console_fail(s, a, "'%s' is not an instance id (see extension list)", a->argv[0]);
    if ((w.text = kmalloc(VCLIENT_CMD_TEXT)) == NULL)
        return console_fail(s, a, "out of memory");
    netgraph_ext_foreach(stats_one, &w);
    kfree(w.text);
    if (w.shown == 0)
        return w.id ? console_fail(s, a, "no video-client instance %llu", (unsigned long long)w.id)
                    : console_fail(s, a, "no video-client installed");
    return CONSOLE_OK;
}

static const struct console_cmd video_client_stats_cmd = {
    "video-client stats",
    "[ID]",
    "frames shown and dropped, packets lost and reordered, decode time (ns) of video clients",
    0,
    1,
    cmd_video_client_stats,
    CONSOLE_CMD_READONLY,
};
KCONSOLE_COMMAND(video_client_stats_cmd);
