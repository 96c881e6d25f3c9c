/*
 * tools/am/spindle_am.c — spindle-am, a Linux peer for spindle's active
 * messages (apps/am/am.h, wire format apps/am/am_wire.h). It runs the very
 * same protocol engine as the kernel extension, on the host, bound to a
 * UDP socket or to the AAL5 raw path through a packet socket
 * (tools/aal5/aal5_sock.h), with the kernel's timers driving
 * retransmission (am_loop.c).
 *
 *   spindle-am --udp HOST:PORT [--lport PORT] CMD ...
 *   spindle-am --if IF --dst MAC --vc VPI/VCI CMD ...
 *   common:  [--window N] [--rto US] [--retries N] [--chunk BYTES] [--mode sync|async|bounded[:US]]
 *   CMD:
 *     ping [-c N] [-i US] [-W MS]   N requests (default 5) with no arguments to the peer's
 *                                   AM_H_ECHO, one at a time, US apart (default 200000);
 *                                   prints the round trips (min/p50/p99/max, microseconds)
 *     store BYTES [-o OFFSET]       store BYTES (1..65536) of a fixed pattern into the peer's
 *                                   segment 0 at OFFSET with AM_H_SUM, and check the sum it
 *                                   replies with against the bytes sent
 *     get BYTES [-o OFFSET] [--check]  read BYTES back; prints their sum; --check: they must be
 *                                   the pattern `store` writes
 *     serve [-t SECONDS] [-I MS]    be an endpoint (AM_H_ECHO, AM_H_SUM, a 64 KiB segment 0):
 *                                   over UDP bound to HOST:PORT, over AAL5 answering --dst;
 *                                   until SECONDS (default 10), SIGINT/SIGTERM, or (-I) MS
 *                                   without a message once one has arrived; then prints its
 *                                   counters
 *
 * The pattern: byte i of a transfer at offset o is (o + i) * 7 + 0x30 mod 256.
 * Exit status: 0 success; 1 a request failed, a loss, a wrong sum; 2 usage
 * or socket error. --udp needs nothing special; --if needs CAP_NET_RAW.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/am/am_loop.h"
#include "apps/am-ping/am_ping_stats.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/mem.h"

static void on_signal(int sig)
{
    (void)sig;
    am_loop_stopped = 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: spindle-am --udp HOST:PORT [--lport PORT] | --if IF --dst MAC --vc VPI/VCI\n"
            "                  [--window N] [--rto US] [--retries N] [--chunk BYTES]\n"
            "                  [--mode sync|async|bounded[:US]] CMD\n"
            "  CMD: ping [-c N] [-i US] [-W MS] | store BYTES [-o OFFSET]\n"
            "       | get BYTES [-o OFFSET] [--check] | serve [-t SECONDS] [-I MS]\n");
    exit(2);
}

static long num(const char *s, long lo, long hi, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) {
        fprintf(stderr, "spindle-am: %s: '%s' is not %ld..%ld\n", what, s, lo, hi);
        exit(2);
    }
    return v;
}

static void pattern(uint8_t *p, uint32_t len, uint32_t offset)
{
    for (uint32_t i = 0; i < len; i++)
        p[i] = (uint8_t)((offset + i) * 7u + 0x30u);
}

/* A transfer's result, waited for by the command. */
struct wait {
    bool done;
    struct am_result r;
};

static void on_done(void *ctx, const struct am_result *r)
{
    struct wait *w = ctx;
    w->done = true;
    w->r = *r;
}

static bool is_done(void *ctx)
{
    return ((struct wait *)ctx)->done;
}

/* finish - wait for @w, at most @ms; false (with a message) when it failed. */
static bool finish(struct am_loop *L, struct wait *w, long ms, const char *what)
{
    am_loop_run(L, is_done, w, (uint64_t)ms * 1000000ull);
    if (!w->done) {
        fprintf(stderr, "spindle-am: %s: no answer within %ld ms\n", what, ms);
        return false;
    }
    if (w->r.status != 0) {
        fprintf(stderr, "spindle-am: %s: %s (%s)\n", what, kerr_str(w->r.status),
                w->r.am_status ? am_status_name(w->r.am_status) : "no answer");
        return false;
    }
    return true;
}

static int cmd_ping(struct am_loop *L, int argc, char **argv)
{
    long count = 5, interval_us = 200000, wait_ms = 5000;
    int c;
    optind = 0; /* glibc: 0 starts a fresh scan */
    while ((c = getopt(argc, argv, "c:i:W:")) != -1) {
        switch (c) {
        case 'c': count = num(optarg, 1, 1000000, "-c"); break;
        case 'i': interval_us = num(optarg, 0, 10000000, "-i"); break;
        case 'W': wait_ms = num(optarg, 1, 600000, "-W"); break;
        default: usage();
        }
    }
    struct amp_series rtt;
    if (amp_series_init(&rtt, (uint32_t)count) < 0)
        return 2;
    long ok = 0, failed = 0, retrans = 0;
    for (long i = 0; i < count && !am_loop_stopped; i++) {
        struct wait w = { 0 };
        int rc = am_request(L->ep, &L->peer, AM_H_ECHO, NULL, 0, on_done, &w);
        if (rc < 0) {
            fprintf(stderr, "spindle-am: ping: %s\n", kerr_str(rc));
            failed++;
        } else if (finish(L, &w, wait_ms, "ping") && w.r.type == AM_REPLY) {
            ok++;
            amp_series_add(&rtt, w.r.end_ns - w.r.start_ns);
        } else {
            failed++;
            if (!w.done)
                am_cancel(L->ep, &w);
        }
        retrans += w.r.retransmits;
        if (interval_us > 0 && i + 1 < count)
            am_loop_run(L, NULL, NULL, (uint64_t)interval_us * 1000u);
    }
    uint64_t p50 = amp_series_pct(&rtt, 50), p99 = amp_series_pct(&rtt, 99);
    printf("%ld requests, %ld replies, %ld failed, %ld retransmitted\n", ok + failed, ok, failed,
           retrans);
    if (ok > 0)
        printf("rtt min/p50/p99/max = %.1f/%.1f/%.1f/%.1f us\n", rtt.v[0] / 1000.0, p50 / 1000.0,
               p99 / 1000.0, rtt.v[rtt.n - 1] / 1000.0);
    amp_series_free(&rtt);
    return failed == 0 ? 0 : 1;
}

/* bulk_args - BYTES [-o OFFSET] [--check] */
static void bulk_args(int argc, char **argv, uint32_t *len, uint32_t *offset, bool *check)
{
    static const struct option lo[] = { { "check", no_argument, NULL, 'k' }, { 0 } };
    int c;
    optind = 0; /* glibc: 0 starts a fresh scan */
    while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
        switch (c) {
        case 'o': *offset = (uint32_t)num(optarg, 0, 0xfffffffL, "-o"); break;
        case 'k': *check = true; break;
        default: usage();
        }
    }
    if (optind != argc - 1)
        usage();
    *len = (uint32_t)num(argv[optind], 1, AM_BULK_MAX, "BYTES");
}

static void say_rate(const char *verb, uint32_t len, const struct am_result *r)
{
    double us = (double)(r->end_ns - r->start_ns) / 1000.0;
    printf("%s %u bytes in %.1f us (%.1f Mbit/s), %u retransmitted\n", verb, len, us,
           us > 0 ? len * 8.0 / us : 0.0, r->retransmits);
}

static int cmd_store(struct am_loop *L, int argc, char **argv)
{
    uint32_t len, offset = 0;
    bool check = false;
    bulk_args(argc, argv, &len, &offset, &check);
    uint8_t *buf = malloc(len);
    pattern(buf, len, offset);
    struct wait w = { 0 };
    int rc = am_store(L->ep, &L->peer, AM_H_SUM, 0, offset, buf, len, NULL, 0, on_done, &w);
    if (rc < 0 || !finish(L, &w, 30000, "store")) {
        if (rc < 0)
            fprintf(stderr, "spindle-am: store: %s\n", kerr_str(rc));
        free(buf);
        return 1;
    }
    uint32_t sum = am_fnv1a(buf, len);
    free(buf);
    say_rate("stored", len, &w.r);
    bool good = w.r.type == AM_REPLY && w.r.nargs == 3 && w.r.args[0] == offset &&
                w.r.args[1] == len && w.r.args[2] == sum;
    printf("sum 0x%08x, peer's 0x%08x: %s\n", sum, w.r.nargs == 3 ? w.r.args[2] : 0,
           good ? "ok" : "DIFFERENT");
    return good ? 0 : 1;
}

static int cmd_get(struct am_loop *L, int argc, char **argv)
{
    uint32_t len, offset = 0;
    bool check = false;
    bulk_args(argc, argv, &len, &offset, &check);
    uint8_t *buf = calloc(1, len), *want = malloc(len);
    struct wait w = { 0 };
    int rc = am_get(L->ep, &L->peer, 0, offset, buf, len, on_done, &w);
    int status = 0;
    if (rc < 0 || !finish(L, &w, 30000, "get")) {
        if (rc < 0)
            fprintf(stderr, "spindle-am: get: %s\n", kerr_str(rc));
        status = 1;
    } else {
        say_rate("got", len, &w.r);
        pattern(want, len, offset);
        bool same = memcmp(buf, want, len) == 0;
        printf("sum 0x%08x%s\n", am_fnv1a(buf, len),
               check ? (same ? ": the pattern" : ": NOT the pattern") : "");
        status = check && !same ? 1 : 0;
    }
    free(buf);
    free(want);
    return status;
}

static uint64_t idle_ns;

/* is_idle - serve -I: a message came, then none for idle_ns. */
static bool is_idle(void *ctx)
{
    const struct am_loop *L = ctx;
    return idle_ns > 0 && L->last_rx_ns != 0 && kclock_now_ns() - L->last_rx_ns >= idle_ns;
}

static int cmd_serve(struct am_loop *L, int argc, char **argv)
{
    long seconds = 10;
    int c;
    optind = 0; /* glibc: 0 starts a fresh scan */
    while ((c = getopt(argc, argv, "t:I:")) != -1) {
        if (c == 't')
            seconds = num(optarg, 1, 86400, "-t");
        else if (c == 'I')
            idle_ns = (uint64_t)num(optarg, 1, 3600000, "-I") * 1000000u;
        else
            usage();
    }
    printf("serving %s\n", am_ep_name(L->ep));
    fflush(stdout);
    am_loop_run(L, is_idle, L, (uint64_t)seconds * 1000000000ull);
    am_loop_print_counters(L, stdout);
    return 0;
}

int main(int argc, char **argv)
{
    struct am_loop_opts o = { 0 };
    static const struct option lo[] = {
        { "udp", required_argument, NULL, 'u' },   { "lport", required_argument, NULL, 'l' },
        { "if", required_argument, NULL, 'I' },    { "dst", required_argument, NULL, 'd' },
        { "vc", required_argument, NULL, 'v' },    { "window", required_argument, NULL, 'w' },
        { "rto", required_argument, NULL, 'r' },   { "retries", required_argument, NULL, 'R' },
        { "chunk", required_argument, NULL, 'C' }, { "mode", required_argument, NULL, 'm' },
        { "help", no_argument, NULL, 'h' },        { 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        switch (c) {
        case 'u': o.udp = optarg; break;
        case 'l': o.lport = (uint16_t)num(optarg, 1, 65535, "--lport"); break;
        case 'I': o.ifname = optarg; break;
        case 'd': o.dst = optarg; break;
        case 'v': o.vc = optarg; break;
        case 'w': o.window = (unsigned)num(optarg, 1, AM_WINDOW_MAX, "--window"); break;
        case 'r': o.rto_us = (unsigned)num(optarg, 100, 10000000, "--rto"); break;
        case 'R': o.retries = (unsigned)num(optarg, 1, 50, "--retries"); break;
        case 'C': o.chunk = (unsigned)num(optarg, 1, AM_CHUNK_MAX, "--chunk"); break;
        case 'm': o.mode = optarg; break;
        default: usage();
        }
    }
    if (optind >= argc || (o.udp != NULL) == (o.ifname != NULL))
        usage();
    const char *cmd = argv[optind];
    o.serve = strcmp(cmd, "serve") == 0;
    struct am_loop *L = NULL;
    char err[256];
    if (am_loop_open(&L, &o, err, sizeof err) < 0) {
        fprintf(stderr, "spindle-am: %s\n", err);
        return 2;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    int sargc = argc - optind;
    char **sargv = argv + optind;
    int rc;
    if (strcmp(cmd, "ping") == 0)
        rc = cmd_ping(L, sargc, sargv);
    else if (strcmp(cmd, "store") == 0)
        rc = cmd_store(L, sargc, sargv);
    else if (strcmp(cmd, "get") == 0)
        rc = cmd_get(L, sargc, sargv);
    else if (o.serve)
        rc = cmd_serve(L, sargc, sargv);
    else
        usage();
    am_loop_close(L);
    return rc;
}
