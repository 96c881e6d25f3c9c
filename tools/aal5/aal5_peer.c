/*
 * tools/aal5/aal5_peer.c — a Linux peer of spindle's AAL5 raw path.
 *
 *   aal5-peer --if IF --dst MAC --vc VPI/VCI ping [-c N] [-s BYTES] [-i MS] [-W MS]
 *       send N PDUs (default 5) of BYTES payload (default 56; 1..65535) on
 *       the VC to MAC, one at a time, each waiting up to -W ms (default
 *       1000) for the same payload back on the same VC, -i ms apart
 *       (default 200); prints one line per answer, then the losses and the
 *       round-trip times (min, p50, p99, max, in microseconds).
 *   aal5-peer --if IF [--dst MAC] [--vc VPI/VCI] listen [-c N] [-t SECONDS]
 *       print every PDU received (from MAC and on the VC when given) until
 *       N PDUs (default: no limit) or SECONDS (default 10) have passed.
 *   aal5-peer --if IF [--dst MAC] --vc VPI/VCI echo [-c N] [-t SECONDS]
 *       answer every PDU on the VC with the same payload and CPCS-UU, as
 *       spindle's aal5-echo does (to MAC, or broadcast without --dst), for
 *       the same N or SECONDS: a Linux user-level baseline for ping.
 *
 * A ping payload is an 8-byte sequence number (big-endian) then bytes
 * (seq + 7 i) mod 256; a shorter payload is just those bytes. Exit status:
 * 0 every answer arrived intact (listen: always 0 after the time), 1 a loss
 * or a wrong answer, 2 usage or socket error. Needs CAP_NET_RAW.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/aal5/aal5_sock.h"

struct opts {
    const char *ifname;
    uint8_t dst[6];
    bool has_dst;
    uint8_t vpi;
    uint16_t vci;
    bool has_vc;
    const char *cmd;
    long count;       /* -c */
    long size;        /* -s */
    long interval_ms; /* -i */
    long wait_ms;     /* -W */
    long seconds;     /* -t */
};

static void usage(void)
{
    fprintf(
        stderr,
        "usage: aal5-peer --if IF --dst MAC --vc VPI/VCI ping [-c N] [-s BYTES] [-i MS] [-W MS]\n"
        "       aal5-peer --if IF [--dst MAC] [--vc VPI/VCI] listen [-c N] [-t SECONDS]\n"
        "       aal5-peer --if IF [--dst MAC] --vc VPI/VCI echo [-c N] [-t SECONDS]\n");
    exit(2);
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
    unsigned b[6];
    char tail;
    if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
        return false;
    for (int i = 0; i < 6; i++) {
        if (b[i] > 255)
            return false;
        mac[i] = (uint8_t)b[i];
    }
    return true;
}

static bool parse_vc(const char *s, uint8_t *vpi, uint16_t *vci)
{
    unsigned p, c;
    char tail;
    if (sscanf(s, "%u/%u%c", &p, &c, &tail) != 2 || p > 255 || c < 1 || c > 65535)
        return false;
    *vpi = (uint8_t)p;
    *vci = (uint16_t)c;
    return true;
}

static long parse_num(const char *s, long lo, long hi, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "aal5-peer: %s: '%s' is not a number in %ld..%ld\n", what, s, lo, hi);
        exit(2);
    }
    return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        { "if", required_argument, NULL, 'I' },
        { "dst", required_argument, NULL, 'D' },
        { "vc", required_argument, NULL, 'V' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    *o = (struct opts){
        .count = -1, .size = 56, .interval_ms = 200, .wait_ms = 1000, .seconds = 10
    };
    int c;
    /* "+": stop at the command; its options are parsed after it. */
    while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        switch (c) {
        case 'I': o->ifname = optarg; break;
        case 'D':
            if (!parse_mac(optarg, o->dst)) {
                fprintf(stderr, "aal5-peer: --dst: '%s' is not a MAC (xx:xx:xx:xx:xx:xx)\n",
                        optarg);
                exit(2);
            }
            o->has_dst = true;
            break;
        case 'V':
            if (!parse_vc(optarg, &o->vpi, &o->vci)) {
                fprintf(stderr, "aal5-peer: --vc: '%s' is not VPI/VCI (VPI 0..255, VCI 1..65535)\n",
                        optarg);
                exit(2);
            }
            o->has_vc = true;
            break;
        default: usage();
        }
    }
    if (optind >= argc || o->ifname == NULL)
        usage();
    o->cmd = argv[optind];
    optind++;
    while ((c = getopt(argc, argv, "c:s:i:W:t:")) != -1) {
        switch (c) {
        case 'c': o->count = parse_num(optarg, 1, 100000000, "-c"); break;
        case 's': o->size = parse_num(optarg, 1, 65535, "-s"); break;
        case 'i': o->interval_ms = parse_num(optarg, 0, 3600000, "-i"); break;
        case 'W': o->wait_ms = parse_num(optarg, 1, 3600000, "-W"); break;
        case 't': o->seconds = parse_num(optarg, 1, 86400, "-t"); break;
        default: usage();
        }
    }
    if (optind != argc)
        usage();
}

static void fill(uint8_t *p, size_t len, uint64_t seq)
{
    size_t i = 0;
    if (len >= 8) {
        for (; i < 8; i++)
            p[i] = (uint8_t)(seq >> (56 - 8 * i));
    }
    for (; i < len; i++)
        p[i] = (uint8_t)(seq + 7 * i);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void print_counters(const struct aal5_sock *s)
{
    const uint64_t *c = aal5_sock_counters(s);
    bool any = false;
    for (unsigned i = AAL5_BAD_FRAME_LEN; i < AAL5_RX_NCTR; i++) {
        if (c[i] == 0)
            continue;
        printf("%s%s %llu", any ? ", " : "dropped: ", aal5_rx_ctr_names[i],
               (unsigned long long)c[i]);
        any = true;
    }
    if (any)
        printf("\n");
}

static int ping(struct aal5_sock *s, const struct opts *o)
{
    long count = o->count < 0 ? 5 : o->count;
    size_t len = (size_t)o->size;
    uint8_t *out = malloc(len);
    uint64_t *rtt = calloc((size_t)count, sizeof *rtt);
    if (out == NULL || rtt == NULL) {
        fprintf(stderr, "aal5-peer: out of memory\n");
        return 2;
    }
    long got = 0, wrong = 0;
    printf("AAL5 PING %02x:%02x:%02x:%02x:%02x:%02x vc %u/%u: %zu bytes\n", o->dst[0], o->dst[1],
           o->dst[2], o->dst[3], o->dst[4], o->dst[5], o->vpi, o->vci, len);
    for (long seq = 1; seq <= count; seq++) {
        fill(out, len, (uint64_t)seq);
        uint64_t t0 = aal5_sock_now_ns();
        if (aal5_sock_send(s, o->vpi, o->vci, 0, out, len) < 0) {
            fprintf(stderr, "aal5-peer: send: %s\n", strerror(errno));
            return 2;
        }
        uint64_t end = t0 + (uint64_t)o->wait_ms * 1000000ull;
        bool answered = false;
        while (!answered) {
            uint64_t now = aal5_sock_now_ns();
            if (now >= end)
                break;
            struct aal5_sock_pdu pdu;
            int rc = aal5_sock_recv(s, &pdu, (int)((end - now + 999999) / 1000000));
            if (rc < 0) {
                fprintf(stderr, "aal5-peer: receive: %s\n", strerror(errno));
                return 2;
            }
            if (rc == 0)
                break;
            if (pdu.vpi == o->vpi && pdu.vci == o->vci) {
                bool same = pdu.len == len && memcmp(pdu.data, out, len) == 0;
                uint64_t us = (pdu.rx_ns - t0) / 1000;
                if (same) {
                    rtt[got++] = pdu.rx_ns - t0;
                    answered = true;
                    printf("%zu bytes from %02x:%02x:%02x:%02x:%02x:%02x vc %u/%u: seq=%ld "
                           "time=%llu us\n",
                           pdu.len, pdu.src[0], pdu.src[1], pdu.src[2], pdu.src[3], pdu.src[4],
                           pdu.src[5], pdu.vpi, pdu.vci, seq, (unsigned long long)us);
                } else {
                    wrong++;
                    printf("seq=%ld: a %zu-byte PDU that is not the one sent\n", seq, pdu.len);
                }
            }
            aal5_sock_pdu_free(&pdu);
        }
        if (!answered)
            printf("seq=%ld: no answer within %ld ms\n", seq, o->wait_ms);
        if (seq < count && o->interval_ms > 0)
            sleep_ms(o->interval_ms);
    }
    printf("--- %ld PDUs sent, %ld answered, %ld lost, %ld wrong\n", count, got, count - got,
           wrong);
    if (got > 0) {
        qsort(rtt, (size_t)got, sizeof *rtt, cmp_u64);
        size_t p50 = (size_t)(got - 1) / 2, p99 = (size_t)((got - 1) * 99 / 100);
        printf("rtt min/p50/p99/max = %.1f/%.1f/%.1f/%.1f us\n", rtt[0] / 1e3, rtt[p50] / 1e3,
               rtt[p99] / 1e3, rtt[got - 1] / 1e3);
    }
    print_counters(s);
    free(out);
    free(rtt);
    return got == count && wrong == 0 ? 0 : 1;
}

static int listen_pdus(struct aal5_sock *s, const struct opts *o, bool echo)
{
    uint64_t end = aal5_sock_now_ns() + (uint64_t)o->seconds * 1000000000ull;
    long n = 0;
    for (;;) {
        uint64_t now = aal5_sock_now_ns();
        if (now >= end || (o->count > 0 && n >= o->count))
            break;
        struct aal5_sock_pdu pdu;
        int rc = aal5_sock_recv(s, &pdu, (int)((end - now + 999999) / 1000000));
        if (rc < 0) {
            fprintf(stderr, "aal5-peer: receive: %s\n", strerror(errno));
            return 2;
        }
        if (rc == 0)
            continue;
        if (echo && pdu.vpi == o->vpi && pdu.vci == o->vci) {
            n++;
            if (aal5_sock_send(s, pdu.vpi, pdu.vci, pdu.uu, pdu.data, pdu.len) < 0)
                fprintf(stderr, "aal5-peer: echo: %s\n", strerror(errno));
        } else if (!echo && (!o->has_vc || (pdu.vpi == o->vpi && pdu.vci == o->vci))) {
            n++;
            printf("%02x:%02x:%02x:%02x:%02x:%02x vc %u/%u uu 0x%02x len %zu:", pdu.src[0],
                   pdu.src[1], pdu.src[2], pdu.src[3], pdu.src[4], pdu.src[5], pdu.vpi, pdu.vci,
                   pdu.uu, pdu.len);
            for (size_t i = 0; i < pdu.len && i < 16; i++)
                printf(" %02x", pdu.data[i]);
            printf("%s\n", pdu.len > 16 ? " ..." : "");
            fflush(stdout);
        }
        aal5_sock_pdu_free(&pdu);
    }
    printf("--- %ld PDUs\n", n);
    print_counters(s);
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    parse(argc, argv, &o);
    bool is_ping = strcmp(o.cmd, "ping") == 0, is_echo = strcmp(o.cmd, "echo") == 0;
    if (!is_ping && !is_echo && strcmp(o.cmd, "listen") != 0)
        usage();
    if (is_echo && !o.has_vc) {
        fprintf(stderr, "aal5-peer: echo needs --vc\n");
        return 2;
    }
    if (is_ping && (!o.has_dst || !o.has_vc)) {
        fprintf(stderr, "aal5-peer: ping needs --dst and --vc\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    char err[256];
    struct aal5_sock *s;
    if (aal5_sock_open(&s, o.ifname, o.has_dst ? o.dst : NULL, err, sizeof err) < 0) {
        fprintf(stderr, "aal5-peer: %s\n", err);
        return 2;
    }
    int rc = is_ping ? ping(s, &o) : listen_pdus(s, &o, is_echo);
    aal5_sock_close(s);
    return rc;
}
