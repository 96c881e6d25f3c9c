/*
 * tools/rpc/latrpc_client.c — latrpc-client: the call lmbench's lat_rpc
 * makes (program 404040 version 1, RPC_XACT: the char 1 in, the char 123
 * expected back; tools/rpc/latrpc.x), through rpcgen's stub and libtirpc,
 * timed.
 *
 *   latrpc-client HOST [--proto udp|tcp] [-n N] [--port PORT] [--timeout-ms MS]
 *
 * Exit status: 0 every answer was 123, 1 otherwise, 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "latrpc.h"
#include "rpcutil.h"

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "proto", required_argument, NULL, 'p' },
        { "port", required_argument, NULL, 'P' },
        { "timeout-ms", required_argument, NULL, 't' },
        { NULL, 0, NULL, 0 },
    };
    const char *proto = "udp";
    long n = 1000, port = 0, timeout_ms = 5000;
    int c;
    while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
        switch (c) {
        case 'p': proto = optarg; break;
        case 'n': n = rpcu_number(optarg, 1, 10000000, "-n"); break;
        case 'P': port = rpcu_number(optarg, 1, 65535, "--port"); break;
        case 't': timeout_ms = rpcu_number(optarg, 1, 600000, "--timeout-ms"); break;
        default: n = -1;
        }
    }
    if (n < 0 || optind != argc - 1) {
        fprintf(
            stderr,
            "usage: latrpc-client HOST [--proto udp|tcp] [-n N] [--port PORT] [--timeout-ms MS]\n");
        return 2;
    }
    const char *host = argv[optind];
    CLIENT *cl = rpcu_open(host, XACT_PROG, XACT_VERS, proto, (int)port, (int)timeout_ms, 500);
    if (!cl)
        return 1;
    double *t = calloc((size_t)n, sizeof *t);
    if (!t)
        return 1;
    long i;
    for (i = 0; i < n; i++) {
        char arg = 1;
        double t0 = rpcu_now_ns();
        char *res = rpc_xact_1(&arg, cl);
        t[i] = rpcu_now_ns() - t0;
        if (!res) {
            clnt_perror(cl, "RPC_XACT");
            break;
        }
        if (*res != 123) {
            fprintf(stderr, "RPC_XACT: answer %d, not 123\n", *res);
            break;
        }
    }
    printf("lat_rpc %s %s\n", host, proto);
    rpcu_report("RPC_XACT", t, i == n ? (size_t)n : 0);
    clnt_destroy(cl);
    free(t);
    return i == n ? 0 : 1;
}
