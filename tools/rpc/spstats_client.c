/*
 * tools/rpc/spstats_client.c — spstats-client: reads spindle's counters over
 * ONC RPC (tools/rpc/spstats.x) through rpcgen's stubs and libtirpc.
 *
 *   spstats-client HOST [--port PORT]          the nodes that keep counters
 *   spstats-client HOST [--port PORT] NODE     "NODE.COUNTER VALUE" per counter
 *
 * Exit status: 0, 1 (call failed, or no such node), 2 usage.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpcutil.h"
#include "spstats.h"

int main(int argc, char **argv)
{
    static const struct option opts[] = { { "port", required_argument, NULL, 'P' },
                                          { NULL, 0, NULL, 0 } };
    long port = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'P') {
            fprintf(stderr, "usage: spstats-client HOST [--port PORT] [NODE]\n");
            return 2;
        }
        port = rpcu_number(optarg, 1, 65535, "--port");
    }
    if (optind != argc - 1 && optind != argc - 2) {
        fprintf(stderr, "usage: spstats-client HOST [--port PORT] [NODE]\n");
        return 2;
    }
    const char *host = argv[optind], *node = optind == argc - 2 ? argv[optind + 1] : NULL;
    CLIENT *cl = rpcu_open(host, SPSTATS_PROG, SPSTATS_VERS, "udp", (int)port, 5000, 500);
    if (!cl)
        return 1;
    int rc = 0;
    if (!node) {
        spstats_nodes_res *r = spstats_nodes_1(NULL, cl);
        if (!r) {
            clnt_perror(cl, "SPSTATS_NODES");
            return 1;
        }
        if (r->status != SPSTATS_OK) {
            fprintf(stderr, "SPSTATS_NODES: status %d\n", r->status);
            rc = 1;
        } else {
            for (u_int i = 0; i < r->spstats_nodes_res_u.nodes.nodes_len; i++)
                printf("%s\n", r->spstats_nodes_res_u.nodes.nodes_val[i]);
        }
        xdr_free((xdrproc_t)xdr_spstats_nodes_res, (char *)r);
    } else {
        spstats_name arg = (char *)node;
        spstats_get_res *r = spstats_get_1(&arg, cl);
        if (!r) {
            clnt_perror(cl, "SPSTATS_GET");
            return 1;
        }
        if (r->status != SPSTATS_OK) {
            fprintf(stderr, "%s: %s\n", node,
                    r->status == SPSTATS_NOENT ? "no such node" : "too many counters");
            rc = 1;
        } else {
            for (u_int i = 0; i < r->spstats_get_res_u.counters.counters_len; i++) {
                spstats_counter *k = &r->spstats_get_res_u.counters.counters_val[i];
                printf("%s.%s %" PRIu64 "\n", node, k->name, (uint64_t)k->value);
            }
        }
        xdr_free((xdrproc_t)xdr_spstats_get_res, (char *)r);
    }
    clnt_destroy(cl);
    return rc;
}
