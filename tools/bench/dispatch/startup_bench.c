/*
 * tools/bench/dispatch/startup_bench.c — how long an appliance with N
 * extension instances takes to start and stop (wall clock, CLOCK_MONOTONIC).
 *
 * For each N: a configuration of one loop interface and N lines
 * "extension udp-count port=P shared=yes" (ports 10000..59999, then the same
 * ports again, so N may exceed the 50,000 ports used) is parsed and
 * applied by netgraph_configure (one batch: every decision tree built once,
 * kernel/event.h kevent_batch_begin), then shut down. Beside it, in the same
 * run, the baseline: the same instances installed one by one with
 * netgraph_ext_install, as the console installs them (a tree rebuilt per
 * install), for the sizes where that finishes in reasonable time; and the
 * time of one more console install into the N-handler graph.
 *
 * usage: startup-bench [--sizes N,N,...] [--baseline-max N] [--json FILE]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/log.h"
#include "kernel/port.h"
#include "netgraph/apply.h"
#include "netgraph/config.h"
#include "netgraph/instances.h"
#include "netgraph/runtime.h"

#define PORT_SPAN 50000u

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* conf_text - the configuration with @n extension lines (malloc'd). */
static char *conf_text(unsigned n, size_t *len)
{
    size_t cap = 128 + (size_t)n * 48;
    char *t = malloc(cap);
    if (t == NULL)
        return NULL;
    size_t o = (size_t)snprintf(t, cap,
                                "interface lo0 driver=loop mac=02:00:00:00:00:01\n"
                                "address lo0 10.0.0.1/24\n");
    for (unsigned i = 0; i < n; i++)
        o += (size_t)snprintf(t + o, cap - o, "extension udp-count port=%u shared=yes\n",
                              10000u + i % PORT_SPAN);
    *len = o;
    return t;
}

struct result {
    unsigned n;
    double parse_s, configure_s, shutdown_s, one_more_s, one_by_one_s; /* one_by_one < 0: not run */
};

static int measure(unsigned n, unsigned baseline_max, struct result *r)
{
    size_t len;
    char *text = conf_text(n, &len);
    if (text == NULL)
        return -1;
    memset(r, 0, sizeof *r);
    r->n = n;
    r->one_by_one_s = -1;
    struct config cfg;
    struct config_error err;
    double t0 = now_s();
    if (config_parse(text, len, "startup.conf", &cfg, &err) < 0) {
        fprintf(stderr, "startup-bench: %s\n", err.msg);
        return -1;
    }
    double t1 = now_s();
    if (netgraph_init(0) < 0 || netgraph_configure(&cfg, &err) < 0) {
        fprintf(stderr, "startup-bench: %s:%u:%u: %s\n", err.file, err.line, err.col, err.msg);
        return -1;
    }
    double t2 = now_s();
    struct kparams p = { .n = 1, .key = { "port" }, .value = { "60001" } };
    char why[160];
    if (netgraph_ext_install("udp-count", &p, NULL, why, sizeof why) < 0) {
        fprintf(stderr, "startup-bench: %s\n", why);
        return -1;
    }
    double t3 = now_s();
    netgraph_shutdown();
    double t4 = now_s();
    r->parse_s = t1 - t0;
    r->configure_s = t2 - t1;
    r->one_more_s = t3 - t2;
    r->shutdown_s = t4 - t3;
    if (n <= baseline_max) {
        /* the baseline: only the interface from the configuration, then every
         * extension line installed on its own, as the console does */
        unsigned next = cfg.nextensions;
        cfg.nextensions = 0;
        if (netgraph_init(0) < 0 || netgraph_configure(&cfg, &err) < 0)
            return -1;
        double b0 = now_s();
        for (unsigned i = 0; i < next; i++)
            if (netgraph_ext_install(cfg.extensions[i].name, &cfg.extensions[i].params, NULL, why,
                                     sizeof why) < 0)
                return -1;
        r->one_by_one_s = now_s() - b0;
        cfg.nextensions = next;
        netgraph_shutdown();
    }
    config_free(&cfg);
    free(text);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned sizes[16] = { 1, 1000, 10000, 100000 }, nsizes = 4, baseline_max = 10000;
    const char *json = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
            nsizes = 0;
            for (char *s = strtok(argv[++i], ","); s && nsizes < 16; s = strtok(NULL, ","))
                sizes[nsizes++] = (unsigned)strtoul(s, NULL, 10);
        } else if (!strcmp(argv[i], "--baseline-max") && i + 1 < argc) {
            baseline_max = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
            json = argv[++i];
        } else {
            fprintf(stderr,
                    "usage: startup-bench [--sizes N,N,...] [--baseline-max N] [--json FILE]\n");
            return 2;
        }
    }
    klog_set_level(KLOG_ERR);
    struct result r[16];
    printf("start-up with N udp-count instances (wall clock, this machine):\n");
    printf("%9s %9s %11s %10s %12s %14s %8s\n", "N", "parse s", "configure s", "shutdown s",
           "1 more (ms)", "one by one s", "ratio");
    for (unsigned i = 0; i < nsizes; i++) {
        if (measure(sizes[i], baseline_max, &r[i]) < 0)
            return 1;
        char base[32] = "-", ratio[16] = "-";
        if (r[i].one_by_one_s >= 0) {
            snprintf(base, sizeof base, "%.3f", r[i].one_by_one_s);
            snprintf(ratio, sizeof ratio, "%.3fx", r[i].configure_s / r[i].one_by_one_s);
        }
        printf("%9u %9.3f %11.3f %10.3f %12.3f %14s %8s\n", r[i].n, r[i].parse_s, r[i].configure_s,
               r[i].shutdown_s, r[i].one_more_s * 1e3, base, ratio);
        fflush(stdout);
    }
    if (json != NULL) {
        FILE *f = fopen(json, "w");
        if (f == NULL)
            return 1;
        fprintf(f, "{\"startup\": [");
        for (unsigned i = 0; i < nsizes; i++)
            fprintf(f,
                    "%s{\"n\": %u, \"parse_s\": %.6f, \"configure_s\": %.6f, \"shutdown_s\": %.6f, "
                    "\"one_more_install_s\": %.6f, \"one_by_one_s\": %.6f}",
                    i ? ", " : "", r[i].n, r[i].parse_s, r[i].configure_s, r[i].shutdown_s,
                    r[i].one_more_s, r[i].one_by_one_s);
        fprintf(f, "]}\n");
        fclose(f);
    }
    return 0;
}
