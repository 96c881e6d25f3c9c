/*
 * apps/portmap/portmap_ext.c — the portmap extension: the portmapper
 * (RFC 1833: program 100000 version 2, and rpcbind versions 3 and 4;
 * apps/rpc/portmap.h says what each procedure answers, as Debian's rpcbind
 * does) on UDP port 111, answering from the registry the RPC node keeps of
 * the programs installed on this appliance (apps/rpc/rpc_node.h: each
 * program extension registers itself when installed and unregisters when
 * removed). Stock `rpcinfo -T udp HOST`, `rpcinfo -T udp -s HOST` and
 * `rpcinfo -u HOST PROG [VERS]`, and every libtirpc clnt_create over UDP,
 * find spindle's programs through it. (`rpcinfo -p HOST` and plain
 * `rpcinfo HOST` use TCP, which spindle does not speak.)
 *
 * Configuration: "extension portmap [port=N] [mode=bounded[:US]|sync|async]
 * [grant=SPEC]" (port default 111; one portmapper per appliance). Counters
 * under node "portmap#ID:111".
 */
#include "apps/rpc/rpc_node.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "protocols/udp/udp.h"

static int portmap_install(struct kext *x, char *err, size_t errlen)
{
    if (kparams_get(x->params, "vc") != NULL) {
        ksnprintf(err, errlen, "the portmapper answers on UDP only (its addresses are UDP ports)");
        return -KE_INVAL;
    }
    if (rpc_node_registry_claim(x->port) < 0) {
        ksnprintf(err, errlen, "a portmapper is installed already");
        return -KE_EXIST;
    }
    struct rpc_pmap *m = rpc_node_registry();
    const struct rpc_program *const progs[] = { &m->v2, &m->v3, &m->v4 };
    int rc = rpc_node_install(x, progs, 3, err, errlen);
    if (rc < 0)
        rpc_node_registry_release();
    return rc;
}

static void portmap_remove(struct kext *x)
{
    rpc_node_remove(x);
    rpc_node_registry_release();
}

static const struct kextension portmap_ext = {
    .name = "portmap",
    .usage = "portmap [port=N] [bcast=yes] [mode=bounded[:US]|sync|async] [grant=SPEC]",
    .summary = "the portmapper, program 100000 v2-4 (RFC 1833), listing the RPC programs installed",
    .event = &udp_PacketArrived,
    .guard = "udp dst port PORT",
    .common = RPC_NODE_EXT_COMMON,
    .default_port = PMAP_PORT,
    .grant_domain = NULL, /* derived for UDP only: rpc_node_udp_grant */
    .needs = rpc_node_ext_needs,
    .params = rpc_node_ext_params,
    .state_size = sizeof(struct rpc_node_ep),
    .counters = rpc_node_counters,
    .install = portmap_install,
    .remove = portmap_remove,
};
KEXTENSION_REGISTER(portmap_ext);
