/*
 * apps/router/state.c — the router's state and its counter names
 * (apps/router/router_impl.h), the bottom of the router's files: every
 * other file uses it, it uses none of them.
 */
#include "apps/router/router_impl.h"

#include "kernel/klib.h"

struct router router;

const char *const router_ctr_names[RT_NCTR] = {
    "rx",          "forwarded",    "forwarded_bytes", "in_place",
    "copied",      "fragmented",   "l2_bcast",        "dst_mcast",
    "link_local",  "src_local",    "source_routed",   "bad_options",
    "no_route",    "ttl_exceeded", "frag_needed",     "host_unreach",
    "redirects",   "icmp_sent",    "icmp_not_sent",   "no_if",
    "nomem",       "tx_errors",    "not_granted",     "gro_merged",
    "gro_flushes", "gro_bad_csum", "gro_checked",
};
static const char *const router_if_ctr_names[RIF_NCTR] = {
    "rx", "rx_bytes", "tx", "tx_bytes", "dropped",
};

uint64_t *router_if_ctr_slow(uint16_t ifindex)
{
    static uint64_t nowhere[RIF_NCTR];
    struct netif *ifp = ifindex < NETIF_MAX ? netif_get(ifindex) : NULL;
    if (ifp == NULL)
        return nowhere;
    struct router_if *ri = &router.ifs[ifindex];
    if (!ri->registered) {
        ksnprintf(ri->node, sizeof ri->node, "router.%s", ifp->name);
        ri->stats.node = ri->node;
        ri->stats.names = router_if_ctr_names;
        ri->stats.values = ri->ctr;
        ri->stats.n = RIF_NCTR;
        kstats_register(&ri->stats);
        ri->registered = true;
    }
    return ri->ctr;
}
