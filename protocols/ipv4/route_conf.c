/*
 * protocols/ipv4/route_conf.c — the "routes" bring-up stage
 * (netgraph/stage.h): the configuration's route lines into the routing
 * table (route.c), after the interfaces have their addresses.
 *
 *   route A.B.C.D/LEN via A.B.C.D [dev NAME]
 *   route A.B.C.D/LEN dev NAME
 *
 * Without dev, the gateway must lie on the connected subnet of one of the
 * interfaces (the longest such prefix names the interface).
 */
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "netgraph/netif.h"
#include "netgraph/stage.h"
#include "protocols/ipv4/ipv4.h"

/* connected_ifindex - the interface whose connected subnet (longest) holds @addr; -1 none. */
static int connected_ifindex(uint32_t addr)
{
    int best = -1, best_plen = -1;
    for (unsigned i = 0; i < netif_count(); i++) {
        const struct netif *ifp = netif_get((uint16_t)i);
        for (unsigned k = 0; ifp != NULL && k < ifp->naddrs; k++) {
            uint8_t plen = ifp->plen[k];
            uint32_t mask = inet_plen_mask(plen);
            if ((addr & mask) == (ifp->addr[k] & mask) && (int)plen > best_plen) {
                best = (int)ifp->index;
                best_plen = plen;
            }
        }
    }
    return best;
}

static int add_route(const struct config *cfg, const struct cfg_route *cr, struct config_error *err)
{
    char pbuf[INET_IPV4_STRLEN], gbuf[INET_IPV4_STRLEN];
    struct ipv4_route r = { .prefix = cr->prefix, .plen = cr->plen, .gateway = cr->gateway };
    if (cr->has_dev) {
        struct netif *ifp = netif_find(cr->dev);
        if (ifp == NULL) {
            config_set_error(err, cfg->filename, cr->pos, "route %s/%u: unknown interface '%s'",
                             inet_fmt_ipv4(cr->prefix, pbuf), cr->plen, cr->dev);
            return -KE_NOENT;
        }
        r.ifindex = ifp->index;
    } else {
        int idx = connected_ifindex(cr->gateway);
        if (idx < 0) {
            config_set_error(err, cfg->filename, cr->pos,
                             "route %s/%u: gateway %s is on no interface's subnet (add 'dev NAME' "
                             "or an address line)",
                             inet_fmt_ipv4(cr->prefix, pbuf), cr->plen,
                             inet_fmt_ipv4(cr->gateway, gbuf));
            return -KE_UNREACH;
        }
        r.ifindex = (uint16_t)idx;
    }
    if (r.gateway != 0 && netif_addr_kind(r.gateway, NULL) != NETIF_ADDR_OTHER) {
        config_set_error(
            err, cfg->filename, cr->pos, "route %s/%u: via %s: %s, not another host",
            inet_fmt_ipv4(cr->prefix, pbuf), cr->plen, inet_fmt_ipv4(cr->gateway, gbuf),
            netif_addr_kind(r.gateway, NULL) == NETIF_ADDR_LOCAL ? "one of our own addresses"
                                                                 : "a broadcast address");
        return -KE_INVAL;
    }
    int rc = ipv4_route_add(&r);
    if (rc < 0) {
        config_set_error(err, cfg->filename, cr->pos, "route %s/%u: %s",
                         inet_fmt_ipv4(cr->prefix, pbuf), cr->plen,
                         rc == -KE_TOOBIG ? "routing table full" : kerr_str(rc));
        return rc;
    }
    return 0;
}

/* routes_remove - delete the routes of the first @n route lines. */
static void routes_remove(const struct config *cfg, unsigned n)
{
    while (n > 0) {
        const struct cfg_route *cr = &cfg->routes[--n];
        ipv4_route_del(cr->prefix, cr->plen);
    }
}

static int routes_apply(const struct config *cfg, struct config_error *err)
{
    for (unsigned i = 0; i < cfg->nroutes; i++) {
        int rc = add_route(cfg, &cfg->routes[i], err);
        if (rc < 0) {
            routes_remove(cfg, i);
            return rc;
        }
    }
    return 0;
}

static void routes_undo(const struct config *cfg)
{
    routes_remove(cfg, cfg->nroutes);
}

static const struct kconfig_stage routes_stage = {
    .name = "routes",
    .order = KSTAGE_ROUTES,
    .apply = routes_apply,
    .undo = routes_undo,
};
KCONFIG_STAGE(routes_stage);
