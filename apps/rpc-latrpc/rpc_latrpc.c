/*
 * apps/rpc-latrpc/rpc_latrpc.c — the rpc-latrpc extension: lmbench's
 * lat_rpc program (tools/rpc/latrpc.x: program 404040, version 1;
 * procedure 1 RPC_XACT takes a char and answers the char 123; RPC_EXIT,
 * which stops lmbench's server, is PROC_UNAVAIL here) served by the RPC
 * node (apps/rpc/rpc_node.h), so that lat_rpc's well-known client shape
 * (tools/rpc/latrpc-client) measures spindle.
 *
 * Configuration: "extension rpc-latrpc [port=N | vc=VPI/VCI]
 * [mode=bounded[:US]|sync|async] [grant=SPEC]" (UDP port default 40002,
 * registered with the portmapper's registry). Counters under node "rpc-latrpc#ID:N"
 * or "rpc-latrpc#ID:VPI/VCI".
 */
#include "apps/rpc/programs.h"
#include "apps/rpc/rpc_node.h"
#include "protocols/udp/udp.h"

/** The default UDP port. */
#define RPC_LATRPC_PORT 40002

static int rpc_latrpc_install(struct kext *x, char *err, size_t errlen)
{
    static const struct rpc_program *const progs[] = { &latrpc_program };
    return rpc_node_install(x, progs, 1, err, errlen);
}

static const struct kextension rpc_latrpc_ext = {
    .name = "rpc-latrpc",
    .usage = "rpc-latrpc [port=N [bcast=yes] | vc=VPI/VCI] [mode=bounded[:US]|sync|async] "
             "[grant=SPEC]",
    .summary = "lmbench's lat_rpc program 404040 v1: RPC_XACT (a char in, 123 back)",
    .event = &udp_PacketArrived,
    .guard = "udp dst port PORT (vc=: aal5 vc == VPI/VCI)",
    .common = RPC_NODE_EXT_COMMON,
    .default_port = RPC_LATRPC_PORT,
    .grant_domain = NULL, /* derived for UDP only: rpc_node_udp_grant */
    .needs = rpc_node_ext_needs,
    .params = rpc_node_ext_params,
    .state_size = sizeof(struct rpc_node_ep),
    .counters = rpc_node_counters,
    .install = rpc_latrpc_install,
    .remove = rpc_node_remove,
};
KEXTENSION_REGISTER(rpc_latrpc_ext);
