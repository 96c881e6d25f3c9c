/*
 * apps/spindle/main.c — the hosted appliance: a Linux process running the
 * portable core on the ports of the drivers linked into it (pcap, pcap-file,
 * loop; each registers itself, kernel/port.h).
 *
 *   spindle --config FILE [--stats-json FILE] [--log LEVEL] [--pool N] [--dot FILE]
 *           [--console stdin|unix:PATH|none]... [--help]
 *
 * Reads and parses FILE (netgraph/config.h), brings the appliance up
 * (netgraph/runtime.h, netgraph/apply.h), runs the main loop until SIGINT or SIGTERM, a console
 * 'shutdown' (apps/spindle/console.h), or until every port is a finished
 * replay, then shuts down and reports every node's counters and the pools
 * on standard error.
 *
 * Exit status: 0 success; 1 packet buffers leaked (a pool not full after
 * shutdown); 2 usage or configuration error ("FILE:LINE:COL: message" on
 * standard error; nothing was started); 3 a device failed to open or start.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netgraph/apply.h"
#include "netgraph/instances.h"
#include "netgraph/runtime.h"
#include "apps/spindle/console.h"
#include "guards/pcap_expr.h"
#include "kernel/kerr.h"
#include "kernel/log.h"
#include "kernel/pktbuf.h"
#include "netgraph/config.h"
#include "netgraph/haltpoll.h"
#include "netgraph/introspect.h"

enum {
    EXIT_LEAK = 1,
    EXIT_CONFIG = 2,
    EXIT_DEVICE = 3,
};

#define CONFIG_MAX_BYTES (16u << 20)
#define POOL_MAX_BUFFERS (1u << 18)

struct options {
    const char *config;
    const char *stats_json;
    const char *dot;
    enum klog_level log_level;
    uint32_t pool;
    const char *console[CONSOLE_MAX_SPECS]; /* --console, in order */
    unsigned nconsole;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int signo)
{
    stop_signal = signo;
}

static void usage(FILE *f)
{
    fputs("usage: spindle --config FILE [--stats-json FILE] [--log LEVEL] [--pool N]\n"
          "               [--dot FILE] [--console stdin|unix:PATH|none]...\n"
          "               [--console-ro unix:PATH]... [--help]\n"
          "\n"
          "Run the spindle network appliance described by the configuration FILE until\n"
          "SIGINT/SIGTERM, or until every interface is a finished pcap-file replay.\n"
          "\n"
          "  --config FILE      the appliance configuration (interfaces, addresses,\n"
          "                     routes, extensions)\n"
          "  --stats-json FILE  at exit, write node counters, pools and events as JSON\n"
          "  --log LEVEL        err, warn, info (default) or debug\n"
          "  --pool N           packet buffers in the default pool (default 4096)\n"
          "  --dot FILE         at exit, write the protocol graph in Graphviz DOT\n"
          "  --console SPEC     operator console: 'stdin', 'unix:PATH[,mode=OCTAL]\n"
          "                     [,group=G][,ro][,idle=SECONDS]' (a UNIX socket, mode 0600\n"
          "                     unless mode=; connect with socat - UNIX-CONNECT:PATH) or\n"
          "                     'none'; may be given twice; default: stdin on a terminal\n"
          "  --console-ro SPEC  a read-only socket console: unix:PATH[,options]\n"
          "  --help             show this text\n"
          "\n"
          "Exit status: 0 ok, 1 packet buffers leaked, 2 usage or configuration error,\n"
          "3 a device failed to open or start.\n",
          f);
}

static int parse_level(const char *s, enum klog_level *out)
{
    static const struct {
        const char *name;
        enum klog_level level;
    } levels[] = {
        { "err", KLOG_ERR },      { "error", KLOG_ERR }, { "warn", KLOG_WARN },
        { "warning", KLOG_WARN }, { "info", KLOG_INFO }, { "debug", KLOG_DEBUG },
        { "0", KLOG_ERR },        { "1", KLOG_WARN },    { "2", KLOG_INFO },
        { "3", KLOG_DEBUG },
    };
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        if (strcmp(s, levels[i].name) == 0) {
            *out = levels[i].level;
            return 0;
        }
    }
    return -1;
}

/** parse_options - 0 to run, 1 when --help was shown, -1 on a usage error (reported). */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "config", required_argument, NULL, 'c' },
        { "stats-json", required_argument, NULL, 's' },
        { "log", required_argument, NULL, 'l' },
        { "pool", required_argument, NULL, 'p' },
        { "dot", required_argument, NULL, 'd' },
        { "console", required_argument, NULL, 'C' },
        { "console-ro", required_argument, NULL, 'R' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof(*o));
    o->log_level = KLOG_INFO;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "c:s:l:p:d:hC:R:", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 's': o->stats_json = optarg; break;
        case 'd': o->dot = optarg; break;
        case 'C':
            if (o->nconsole == CONSOLE_MAX_SPECS) {
                fprintf(stderr, "spindle: --console: at most %u\n", CONSOLE_MAX_SPECS);
                return -1;
            }
            o->console[o->nconsole++] = optarg;
            break;
        case 'R': {
            static char ro_specs[CONSOLE_MAX_SPECS][300];
            if (o->nconsole == CONSOLE_MAX_SPECS || strncmp(optarg, "unix:", 5) != 0 ||
                strlen(optarg) + 4 > sizeof ro_specs[0]) {
                fprintf(stderr,
                        "spindle: --console-ro %s: expected unix:PATH[,options] "
                        "(at most %u consoles)\n",
                        optarg, CONSOLE_MAX_SPECS);
                return -1;
            }
            snprintf(ro_specs[o->nconsole], sizeof ro_specs[0], "ro:%s", optarg);
            o->console[o->nconsole] = ro_specs[o->nconsole];
            o->nconsole++;
            break;
        }
        case 'h': usage(stdout); return 1;
        case 'l':
            if (parse_level(optarg, &o->log_level) < 0) {
                fprintf(stderr, "spindle: --log %s: expected err, warn, info or debug\n", optarg);
                return -1;
            }
            break;
        case 'p': {
            char *end;
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || v == 0 || v > POOL_MAX_BUFFERS) {
                fprintf(stderr, "spindle: --pool %s: expected a number of buffers in [1, %u]\n",
                        optarg, POOL_MAX_BUFFERS);
                return -1;
            }
            o->pool = (uint32_t)v;
            break;
        }
        default:
            if (optopt)
                fprintf(stderr, "spindle: option -%c: %s\n", optopt,
                        strchr("csldpC", optopt) ? "needs an argument" : "unknown");
            else
                fprintf(stderr, "spindle: %s: unknown option or missing argument\n",
                        argv[optind - 1]);
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "spindle: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return -1;
    }
    if (!o->config) {
        fputs("spindle: --config FILE is required\n", stderr);
        usage(stderr);
        return -1;
    }
    return 0;
}

/** read_file - the whole of @path (at most CONFIG_MAX_BYTES) into a malloc'd buffer. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "spindle: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(CONFIG_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, CONFIG_MAX_BYTES + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        fprintf(stderr, "spindle: %s: %s\n", path, buf ? "read error" : "out of memory");
        free(buf);
        return NULL;
    }
    if (n > CONFIG_MAX_BYTES) {
        fprintf(stderr, "spindle: %s: larger than %u bytes\n", path, CONFIG_MAX_BYTES);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: poll() in arch_idle returns EINTR so the loop sees the
     * flag at once. SIGINT with SA_RESETHAND: an operator's second Ctrl-C
     * during shutdown kills. SIGTERM without it: a supervisor that signals
     * both the process and its group (GNU timeout does) delivers it twice,
     * and the second must not cut the orderly shutdown and its pool report
     * short. */
    struct sigaction term = sa;
    sa.sa_flags = SA_RESETHAND;
    term.sa_flags = 0;
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &term, NULL) < 0) {
        perror("spindle: sigaction");
        return -1;
    }
    return 0;
}

static void file_write(void *ctx, const char *s, size_t n)
{
    fwrite(s, 1, n, ctx);
}

/** write_dot - the protocol graph into @path; 0 or -1 (reported). */
static int write_dot(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "spindle: --dot %s: %s\n", path, strerror(errno));
        return -1;
    }
    introspect_dot_write(file_write, f);
    if (fclose(f) != 0) {
        fprintf(stderr, "spindle: --dot %s: write error\n", path);
        return -1;
    }
    return 0;
}

static void count_out(const struct pktpool *pool, void *ctx)
{
    *(uint64_t *)ctx += pktpool_out(pool);
}

/** run - bring up, loop, shut down; the exit status. */
static int run(const struct options *o, const struct config *cfg)
{
    struct config_error err;
    char msg[sizeof(err.file) + sizeof(err.msg) + 32];
    int rc = netgraph_init(o->pool);
    if (rc < 0) {
        fprintf(stderr, "spindle: initialisation failed: %s\n", kerr_str(rc));
        return EXIT_CONFIG;
    }
    guard_tcpdump_register(); /* guard="tcpdump expression" in configurations */
    rc = netgraph_configure(cfg, &err);
    if (rc < 0) {
        config_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
        netgraph_shutdown();
        return rc == -KE_IO ? EXIT_DEVICE : EXIT_CONFIG;
    }
    FILE *json = NULL;
    if (o->stats_json && !(json = fopen(o->stats_json, "w"))) {
        fprintf(stderr, "spindle: --stats-json %s: %s\n", o->stats_json, strerror(errno));
        netgraph_shutdown();
        return EXIT_CONFIG;
    }
    if (install_signals() < 0) {
        if (json)
            fclose(json);
        netgraph_shutdown();
        return EXIT_CONFIG;
    }
    char cerr[256];
    if (console_open(o->console, o->nconsole, cerr, sizeof(cerr)) < 0) {
        fprintf(stderr, "spindle: %s\n", cerr);
        if (json)
            fclose(json);
        netgraph_shutdown();
        return EXIT_CONFIG;
    }

    KINFO("spindle", "running (SIGINT or SIGTERM stops)");
    bool console_stop = false;
    if (cfg->halt_poll && !cfg->poll_mode)
        netgraph_set_halt_poll(HALTPOLL_MAX_NS);
    while (!stop_signal && !console_stop && !netgraph_done()) {
        /* mode poll: never idle; nor while a console has lines or output to handle */
        netgraph_poll(!cfg->poll_mode && !console_busy());
        console_stop = console_poll();
    }
    if (stop_signal)
        KINFO("spindle", "stopping on %s", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    else if (console_stop)
        KINFO("spindle", "stopping on the console's shutdown command");
    else
        KINFO("spindle", "every replay finished; stopping");
    console_close();

    /* Counters and events before shutdown unregisters them; pools after. */
    int status = 0;
    struct introspect_json jw;
    if (json) {
        introspect_json_begin(&jw, file_write, json);
        introspect_json_section(&jw, INTROSPECT_NODES | INTROSPECT_EVENTS);
    }
    if (o->dot && write_dot(o->dot) < 0)
        status = EXIT_CONFIG;
    kprintf("--- node counters\n");
    introspect_print_nodes();
    if (klog_get_level() >= KLOG_DEBUG) {
        kprintf("--- events\n");
        introspect_print_events();
    }
    netgraph_shutdown();
    kprintf("--- pools after shutdown\n");
    introspect_print_pools();
    if (json) {
        introspect_json_section(&jw, INTROSPECT_POOLS);
        introspect_json_end(&jw);
        if (fclose(json) != 0) {
            fprintf(stderr, "spindle: --stats-json %s: write error\n", o->stats_json);
            status = EXIT_CONFIG;
        }
    }
    if (!pktpool_all_full()) {
        uint64_t out = 0;
        pktpool_foreach(count_out, &out);
        fprintf(stderr, "spindle: %llu packet buffers leaked\n", (unsigned long long)out);
        return EXIT_LEAK;
    }
    return status;
}

int main(int argc, char **argv)
{
    struct options o;
    int r = parse_options(argc, argv, &o);
    if (r != 0)
        return r > 0 ? 0 : EXIT_CONFIG;
    klog_set_level(o.log_level);

    size_t len = 0;
    char *text = read_file(o.config, &len);
    if (!text)
        return EXIT_CONFIG;
    struct config cfg;
    struct config_error err;
    int rc = config_parse(text, len, o.config, &cfg, &err);
    if (rc < 0) {
        char msg[sizeof(err.file) + sizeof(err.msg) + 32];
        config_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
        free(text);
        return EXIT_CONFIG;
    }
    int status = run(&o, &cfg);
    config_free(&cfg);
    free(text);
    return status;
}
