/*
 * apps/am/am_console.c — the console command "am stats": every
 * active-message endpoint (am.h) with its peers, what it has in flight and
 * its non-zero counters. Registered with KCONSOLE_COMMAND; only reads.
 */
#include "apps/am/am.h"
#include "apps/console/command.h"

struct am_show {
    struct console_session *s;
    unsigned n;
};

static void am_show_ep(struct am_ep *ep, void *ctx)
{
    struct am_show *sh = ctx;
    unsigned reqs, xfers;
    am_ep_outstanding(ep, &reqs, &xfers);
    console_printf(sh->s, "%s: %u peers, %u requests in flight, %u transfers\n", am_ep_name(ep),
                   am_ep_peers(ep), reqs, xfers);
    const uint64_t *c = am_ep_counters(ep);
    unsigned col = 0;
    for (unsigned i = 0; i < AM_NCTR; i++) {
        if (c[i] == 0)
            continue;
        console_printf(sh->s, "%s%s %llu", col == 0 ? "  " : ", ", am_ctr_names[i],
                       (unsigned long long)c[i]);
        if (++col == 6) {
            console_puts(sh->s, "\n");
            col = 0;
        }
    }
    if (col != 0)
        console_puts(sh->s, "\n");
    sh->n++;
}

static enum console_status cmd_am_stats(struct console_session *s, const struct console_args *a)
{
    (void)a;
    struct am_show sh = { .s = s };
    am_ep_foreach(am_show_ep, &sh);
    if (sh.n == 0)
        console_puts(s, "no active-message endpoints (extension am port=N | vc=VPI/VCI)\n");
    return CONSOLE_OK;
}

static const struct console_cmd am_stats_cmd = {
    "am stats",
    "",
    "active-message endpoints: peers, requests in flight, counters",
    0,
    0,
    cmd_am_stats,
    CONSOLE_CMD_READONLY,
};
KCONSOLE_COMMAND(am_stats_cmd);
