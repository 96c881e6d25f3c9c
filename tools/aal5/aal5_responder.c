/*
 * tools/aal5/aal5_responder.c — the hosted spindle with the AAL5 node and
 * aal5-echo, for captures and replays while neither is registered with the
 * appliance yet: it brings an appliance up from a configuration file like
 * build/apps/spindle does, then calls aal5_init() and installs aal5-echo
 * through its class directly.
 *
 *   aal5-responder --config FILE --vc VPI/VCI [--vc ...] [--time SECONDS] [--stats FILE]
 *
 * Runs until SIGINT or SIGTERM, --time seconds (default 60), or, on
 * pcap-file ports, the end of the input. Then writes every counter as
 * "node.name value" lines to --stats (if given), shuts down, and exits 0,
 * 1 when a packet buffer leaked, 2 on a usage or configuration error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/aal5-echo/aal5_echo.h"
#include "apps/appliance.h"
#include "drivers/hosted_drivers.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/pktbuf.h"
#include "kernel/stats.h"
#include "netgraph/config.h"
#include "protocols/aal5/aal5.h"

#define MAX_VCS 8
#define CONFIG_MAX_BYTES (1u << 20) /* a configuration file larger than this is refused */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    stop = sig;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(CONFIG_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, CONFIG_MAX_BYTES + 1, f) : 0;
    fclose(f);
    if (buf == NULL || n > CONFIG_MAX_BYTES) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static void write_group(const struct kstat_group *g, void *ctx)
{
    for (unsigned i = 0; i < g->n; i++)
        fprintf(ctx, "%s.%s %llu\n", g->node, g->names[i], (unsigned long long)g->values[i]);
}

static int usage(void)
{
    fprintf(stderr, "usage: aal5-responder --config FILE --vc VPI/VCI [--vc ...] [--time SECONDS] "
                    "[--stats FILE]\n");
    return 2;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        { "config", required_argument, NULL, 'c' }, { "vc", required_argument, NULL, 'v' },
        { "time", required_argument, NULL, 't' }, { "stats", required_argument, NULL, 's' }, { 0 },
    };
    const char *config = NULL, *stats = NULL, *vcs[MAX_VCS];
    unsigned nvcs = 0;
    long seconds = 60;
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'v':
            if (nvcs == MAX_VCS)
                return usage();
            vcs[nvcs++] = optarg;
            break;
        case 't': seconds = strtol(optarg, NULL, 10); break;
        case 's': stats = optarg; break;
        default: return usage();
        }
    }
    if (config == NULL || nvcs == 0 || optind != argc || seconds <= 0)
        return usage();
    size_t len;
    char *text = read_file(config, &len);
    if (text == NULL) {
        fprintf(stderr, "aal5-responder: cannot read %s\n", config);
        return 2;
    }
    struct config cfg;
    struct config_error cerr;
    char msg[sizeof cerr.file + sizeof cerr.msg + 32];
    if (config_parse(text, len, config, &cfg, &cerr) < 0) {
        config_error_format(&cerr, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
        free(text);
        return 2;
    }
    int status = 2;
    if (appliance_init(0) < 0 || aal5_init() < 0) {
        fprintf(stderr, "aal5-responder: initialisation failed\n");
        goto out;
    }
    kdriver_register(&pcap_driver);
    kdriver_register(&pcap_file_driver);
    kdriver_register(&loop_driver);
    if (appliance_configure(&cfg, &cerr) < 0) {
        config_error_format(&cerr, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
        goto shutdown;
    }
    void *echo[MAX_VCS];
    for (unsigned i = 0; i < nvcs; i++) {
        struct kparams p = { .n = 1, .key = { "vc" }, .value = { vcs[i] } };
        char err[200];
        if (aal5_echo_extension.install(&p, &echo[i], err, sizeof err) < 0) {
            fprintf(stderr, "aal5-responder: %s\n", err);
            while (i > 0)
                aal5_echo_extension.remove(echo[--i]);
            goto shutdown;
        }
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    uint64_t end = kclock_now_ns() + (uint64_t)seconds * 1000000000ull;
    while (!stop && !appliance_done() && kclock_now_ns() < end)
        appliance_poll(true);
    if (stats != NULL) {
        FILE *f = fopen(stats, "w");
        if (f == NULL) {
            fprintf(stderr, "aal5-responder: %s: %s\n", stats, strerror(errno));
        } else {
            kstats_foreach(write_group, f);
            fclose(f);
        }
    }
    for (unsigned i = 0; i < nvcs; i++)
        aal5_echo_extension.remove(echo[i]);
    status = 0;
shutdown:
    aal5_fini();
    appliance_shutdown();
    if (!pktpool_all_full()) {
        fprintf(stderr, "aal5-responder: packet buffers leaked\n");
        status = 1;
    }
out:
    config_free(&cfg);
    free(text);
    return status;
}
