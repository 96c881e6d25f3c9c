/* tools/rpc/rpcutil.c — see rpcutil.h. */
#include "rpcutil.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int resolve(const char *host, struct sockaddr_in *sin)
{
    struct addrinfo hints = { .ai_family = AF_INET }, *ai;
    if (getaddrinfo(host, NULL, &hints, &ai) != 0)
        return -1;
    memcpy(sin, ai->ai_addr, sizeof *sin);
    freeaddrinfo(ai);
    return 0;
}

CLIENT *rpcu_open(const char *host, unsigned long prog, unsigned long vers, const char *proto,
                  int port, int timeout_ms, int retry_ms)
{
    CLIENT *cl;
    struct timeval retry = { retry_ms / 1000, (retry_ms % 1000) * 1000 };
    if (port == 0) {
        cl = clnt_create(host, prog, vers, proto);
    } else {
        struct sockaddr_in sin;
        int sock = RPC_ANYSOCK;
        if (resolve(host, &sin) != 0) {
            fprintf(stderr, "%s: unknown host\n", host);
            return NULL;
        }
        sin.sin_port = htons((unsigned short)port);
        if (strcmp(proto, "udp") == 0)
            cl = clntudp_bufcreate(&sin, prog, vers, retry, &sock, 16384, 16384);
        else
            cl = clnttcp_create(&sin, prog, vers, &sock, 16384, 16384);
    }
    if (!cl) {
        clnt_pcreateerror(host);
        return NULL;
    }
    struct timeval total = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    clnt_control(cl, CLSET_TIMEOUT, (char *)&total);
    if (strcmp(proto, "udp") == 0)
        clnt_control(cl, CLSET_RETRY_TIMEOUT, (char *)&retry);
    return cl;
}

double rpcu_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

long rpcu_number(const char *s, long lo, long hi, const char *what)
{
    char *end;
    long v = strtol(s, &end, 0);
    if (!*s || *end || v < lo || v > hi) {
        fprintf(stderr, "bad %s '%s' (%ld..%ld)\n", what, s, lo, hi);
        exit(2);
    }
    return v;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void rpcu_report(const char *label, double *ns, size_t n)
{
    if (n == 0) {
        printf("%s: 0 calls\n", label);
        return;
    }
    qsort(ns, n, sizeof ns[0], cmp);
    /* nearest rank, ceil(p n / 100), as spindle's rpc-ping and tools/bench/lib */
    size_t p50 = (50 * n + 99) / 100 - 1, p99 = (99 * n + 99) / 100 - 1;
    printf("%s: %zu calls, p50 %.1f us, p99 %.1f us, min %.1f us, max %.1f us\n", label, n,
           ns[p50] / 1e3, ns[p99] / 1e3, ns[0] / 1e3, ns[n - 1] / 1e3);
}
