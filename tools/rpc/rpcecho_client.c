/*
 * tools/rpc/rpcecho_client.c — rpcecho-client: calls the rpcecho program
 * (tools/rpc/rpcecho.x) through the stubs Debian's rpcgen generates, with
 * libtirpc; checks every answer and prints round-trip percentiles.
 *
 *   rpcecho-client HOST [--proto udp|tcp] [-n N] [--size BYTES] [--port PORT]
 *                  [--timeout-ms MS] [--retry-ms MS] [--null-only] [--warmup N]
 *
 * Each of N rounds calls RPCECHO_NULL, then RPCECHO_ECHO with BYTES bytes
 * (a pattern that changes every round) and compares what comes back.
 * --null-only: the rounds call RPCECHO_NULL alone, back to back (the null
 * RPC of tools/bench/rpc). --warmup N: N rounds first that are not timed.
 * Without --port the client finds the program through HOST's portmapper
 * (clnt_create); with it, it calls that port directly. Exit status: 0 all
 * answers right, 1 a call failed or an answer differed, 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpcecho.h"
#include "rpcutil.h"

static void usage(void)
{
    fprintf(stderr,
            "usage: rpcecho-client HOST [--proto udp|tcp] [-n N] [--size BYTES] [--port PORT]\n"
            "                      [--timeout-ms MS] [--retry-ms MS] [--null-only] [--warmup N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "proto", required_argument, NULL, 'p' },
        { "size", required_argument, NULL, 's' },
        { "port", required_argument, NULL, 'P' },
        { "timeout-ms", required_argument, NULL, 't' },
        { "retry-ms", required_argument, NULL, 'r' },
        { "null-only", no_argument, NULL, 'N' },
        { "warmup", required_argument, NULL, 'w' },
        { NULL, 0, NULL, 0 },
    };
    const char *proto = "udp";
    long n = 100, size = 64, port = 0, timeout_ms = 5000, retry_ms = 500, warmup = 0;
    int null_only = 0;
    int c;
    while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
        switch (c) {
        case 'p': proto = optarg; break;
        case 'n': n = rpcu_number(optarg, 1, 10000000, "-n"); break;
        case 's': size = rpcu_number(optarg, 0, RPCECHO_MAXDATA, "--size"); break;
        case 'P': port = rpcu_number(optarg, 1, 65535, "--port"); break;
        case 't': timeout_ms = rpcu_number(optarg, 1, 600000, "--timeout-ms"); break;
        case 'r': retry_ms = rpcu_number(optarg, 1, 600000, "--retry-ms"); break;
        case 'N': null_only = 1; break;
        case 'w': warmup = rpcu_number(optarg, 0, 10000000, "--warmup"); break;
        default: usage();
        }
    }
    if (optind != argc - 1 || (strcmp(proto, "udp") != 0 && strcmp(proto, "tcp") != 0))
        usage();
    const char *host = argv[optind];
    CLIENT *cl = rpcu_open(host, RPCECHO_PROG, RPCECHO_VERS, proto, (int)port, (int)timeout_ms,
                           (int)retry_ms);
    if (!cl)
        return 1;
    double *t_null = calloc((size_t)n, sizeof *t_null), *t_echo = calloc((size_t)n, sizeof *t_echo);
    char *data = malloc((size_t)size + 1);
    if (!t_null || !t_echo || !data)
        return 1;
    long bad = 0;
    for (long i = 0; i < warmup && bad == 0; i++) {
        if (!rpcecho_null_1(NULL, cl)) {
            clnt_perror(cl, "RPCECHO_NULL (warm-up)");
            bad++;
        }
    }
    for (long i = 0; i < n && bad == 0; i++) {
        double t0 = rpcu_now_ns();
        if (!rpcecho_null_1(NULL, cl)) {
            clnt_perror(cl, "RPCECHO_NULL");
            bad++;
            break;
        }
        double t1 = rpcu_now_ns();
        t_null[i] = t1 - t0;
        if (null_only)
            continue;
        for (long k = 0; k < size; k++)
            data[k] = (char)(k * 7 + i);
        rpcecho_data arg = { .rpcecho_data_len = (u_int)size, .rpcecho_data_val = data };
        rpcecho_data *res = rpcecho_echo_1(&arg, cl);
        double t2 = rpcu_now_ns();
        if (!res) {
            clnt_perror(cl, "RPCECHO_ECHO");
            bad++;
            break;
        }
        if (res->rpcecho_data_len != (u_int)size ||
            (size && memcmp(res->rpcecho_data_val, data, (size_t)size))) {
            fprintf(stderr, "RPCECHO_ECHO: round %ld: %u bytes back, not the %ld sent\n", i,
                    res->rpcecho_data_len, size);
            bad++;
        }
        xdr_free((xdrproc_t)xdr_rpcecho_data, (char *)res);
        t_echo[i] = t2 - t1;
    }
    char label[64];
    printf("rpcecho %s %s", host, proto);
    if (port)
        printf(" port %ld", port);
    printf("\n");
    rpcu_report("null", t_null, bad ? 0 : (size_t)n);
    snprintf(label, sizeof label, "echo %ld B", size);
    if (!null_only)
        rpcu_report(label, t_echo, bad ? 0 : (size_t)n);
    printf("%s\n", bad ? "FAILED" : "all answers right");
    clnt_destroy(cl);
    free(t_null);
    free(t_echo);
    free(data);
    return bad ? 1 : 0;
}
