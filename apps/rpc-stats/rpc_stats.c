/*
 * apps/rpc-stats/rpc_stats.c — the rpc-stats extension: spindle's own
 * counters (kernel/stats.h) over ONC RPC, the spstats program
 * (tools/rpc/spstats.x: program 537198594 = 0x20050002, version 1;
 * procedure 1 NODES lists the nodes that keep counters, 2 GET(node)
 * answers that node's counters) served by the RPC node
 * (apps/rpc/rpc_node.h). tools/rpc/spstats-client reads it.
 *
 * Configuration: "extension rpc-stats [port=N | vc=VPI/VCI]
 * [mode=bounded[:US]|sync|async] [grant=SPEC]" (UDP port default 40003,
 * registered with the portmapper's registry). Counters under node "rpc-stats#ID:N"
 * or "rpc-stats#ID:VPI/VCI".
 */
#include "apps/rpc/programs.h"
#include "apps/rpc/rpc_node.h"
#include "protocols/udp/udp.h"

/** The default UDP port. */
#define RPC_STATS_PORT 40003

static int rpc_stats_install(struct kext *x, char *err, size_t errlen)
{
    static const struct rpc_program *const progs[] = { &spstats_program };
    return rpc_node_install(x, progs, 1, err, errlen);
}

static const struct kextension rpc_stats_ext = {
    .name = "rpc-stats",
    .usage = "rpc-stats [port=N [bcast=yes] | vc=VPI/VCI] [mode=bounded[:US]|sync|async] "
             "[grant=SPEC]",
    .summary = "spindle's counters over ONC RPC: program 537198594 v1 (spstats.x)",
    .event = &udp_PacketArrived,
    .guard = "udp dst port PORT (vc=: aal5 vc == VPI/VCI)",
    .common = RPC_NODE_EXT_COMMON,
    .default_port = RPC_STATS_PORT,
    .grant_domain = NULL, /* derived for UDP only: rpc_node_udp_grant */
    .needs = rpc_node_ext_needs,
    .params = rpc_node_ext_params,
    .state_size = sizeof(struct rpc_node_ep),
    .counters = rpc_node_counters,
    .install = rpc_stats_install,
    .remove = rpc_node_remove,
};
KEXTENSION_REGISTER(rpc_stats_ext);
