/*
 * apps/rpc-echo/rpc_echo.c — the rpc-echo extension: ONC RPC's test
 * program rpcecho (tools/rpc/rpcecho.x: program 537198593 = 0x20050001,
 * version 1; procedure 0 NULL, procedure 1 ECHO returns its opaque<8192>
 * argument) served by the RPC node (apps/rpc/rpc_node.h).
 *
 * Configuration: "extension rpc-echo [port=N | vc=VPI/VCI]
 * [mode=bounded[:US]|sync|async] [grant=SPEC]": on UDP port N (default
 * 40001), registered with the portmapper's registry, or on a VC of the AAL5
 * raw path. Counters under node "rpc-echo#ID:N" or "rpc-echo#ID:VPI/VCI". The client is
 * rpcgen's (tools/rpc/rpcecho-client) or spindle's rpc-ping.
 */
#include "apps/rpc/programs.h"
#include "apps/rpc/rpc_node.h"
#include "protocols/udp/udp.h"

/** The default UDP port (the one tools/rpc's baseline server uses). */
#define RPC_ECHO_PORT 40001

static int rpc_echo_install(struct kext *x, char *err, size_t errlen)
{
    static const struct rpc_program *const progs[] = { &rpcecho_program };
    return rpc_node_install(x, progs, 1, err, errlen);
}

static const struct kextension rpc_echo_ext = {
    .name = "rpc-echo",
    .usage = "rpc-echo [port=N [bcast=yes] | vc=VPI/VCI] [mode=bounded[:US]|sync|async] "
             "[grant=SPEC]",
    .summary = "ONC RPC program 537198593 v1 (rpcecho.x): NULL, ECHO of opaque<8192>",
    .event = &udp_PacketArrived,
    .guard = "udp dst port PORT (vc=: aal5 vc == VPI/VCI)",
    .common = RPC_NODE_EXT_COMMON,
    .default_port = RPC_ECHO_PORT,
    .grant_domain = NULL, /* derived for UDP only: rpc_node_udp_grant */
    .needs = rpc_node_ext_needs,
    .params = rpc_node_ext_params,
    .state_size = sizeof(struct rpc_node_ep),
    .counters = rpc_node_counters,
    .install = rpc_echo_install,
    .remove = rpc_node_remove,
};
KEXTENSION_REGISTER(rpc_echo_ext);
