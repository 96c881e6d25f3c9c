/*
 * protocols/ipv4/route.c — the IPv4 routing table (RFC 1812 5.2.4.3:
 * longest-prefix match).
 *
 * Static routes live in a table of IPV4_MAX_ROUTES entries; connected
 * routes are not stored but derived at lookup from the interfaces'
 * addresses (netif addr/plen: prefix = addr & mask, gateway 0). The match is
 * a linear scan, longest prefix first; between a static and a connected
 * route of the same length the static one wins (the operator said so). A
 * static route with ifindex 0xffff (configuration line without "dev") takes
 * the interface of the connected subnet that holds its gateway at lookup
 * time, so it follows address changes. A DIR-24-8 table can replace the scan
 * later behind the same functions.
 */
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/ipv4_impl.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

#define ROUTE_IFINDEX_ANY 0xffffu

static struct ipv4_route route_table[IPV4_MAX_ROUTES];
static unsigned route_count;

void ipv4_route_reset(void)
{
    route_count = 0;
}

int ipv4_route_add(const struct ipv4_route *r)
{
    if (r->plen > 32 || (r->prefix & ~ipv4_plen_mask(r->plen)) != 0)
        return -KE_INVAL;
    for (unsigned i = 0; i < route_count; i++) {
        if (route_table[i].prefix == r->prefix && route_table[i].plen == r->plen) {
            route_table[i] = *r;
            return 0;
        }
    }
    if (route_count == IPV4_MAX_ROUTES)
        return -KE_TOOBIG;
    route_table[route_count++] = *r;
    return 0;
}

int ipv4_route_del(uint32_t prefix, uint8_t plen)
{
    for (unsigned i = 0; i < route_count; i++) {
        if (route_table[i].prefix == prefix && route_table[i].plen == plen) {
            route_table[i] = route_table[--route_count];
            return 0;
        }
    }
    return -KE_NOENT;
}

/* route_connected - the longest connected subnet holding @dst: 0 and *@out, or -KE_UNREACH. */
static int route_connected(uint32_t dst, struct ipv4_route *out)
{
    int best = -1;
    unsigned n = netif_count();
    for (unsigned i = 0; i < n; i++) {
        const struct netif *ifp = netif_get((uint16_t)i);
        if (ifp == NULL)
            continue;
        for (unsigned a = 0; a < ifp->naddrs; a++) {
            uint32_t m = ipv4_plen_mask(ifp->plen[a]);
            if ((dst & m) == (ifp->addr[a] & m) && (int)ifp->plen[a] > best) {
                best = ifp->plen[a];
                out->prefix = ifp->addr[a] & m;
                out->plen = ifp->plen[a];
                out->gateway = 0;
                out->ifindex = ifp->index;
            }
        }
    }
    return best < 0 ? -KE_UNREACH : 0;
}

int ipv4_route_lookup(uint32_t dst, struct ipv4_route *out)
{
    const struct ipv4_route *best = NULL;
    for (unsigned i = 0; i < route_count; i++) {
        const struct ipv4_route *r = &route_table[i];
        if ((dst & ipv4_plen_mask(r->plen)) == r->prefix && (best == NULL || r->plen > best->plen))
            best = r;
    }
    struct ipv4_route conn;
    bool have_conn = route_connected(dst, &conn) == 0;
    if (best == NULL || (have_conn && conn.plen > best->plen)) {
        if (!have_conn)
            return -KE_UNREACH;
        *out = conn;
        return 0;
    }
    *out = *best;
    if (out->ifindex == ROUTE_IFINDEX_ANY || netif_get(out->ifindex) == NULL) {
        struct ipv4_route via;
        if (out->gateway == 0 || route_connected(out->gateway, &via) < 0)
            return -KE_UNREACH;
        out->ifindex = via.ifindex;
    }
    return 0;
}

void ipv4_route_foreach(void (*cb)(const struct ipv4_route *r, bool connected, void *ctx), void *ctx)
{
    for (unsigned i = 0; i < route_count; i++)
        cb(&route_table[i], false, ctx);
    unsigned n = netif_count();
    for (unsigned i = 0; i < n; i++) {
        const struct netif *ifp = netif_get((uint16_t)i);
        if (ifp == NULL)
            continue;
        for (unsigned a = 0; a < ifp->naddrs; a++) {
            struct ipv4_route r = {
                .prefix = ifp->addr[a] & ipv4_plen_mask(ifp->plen[a]),
                .plen = ifp->plen[a], .gateway = 0, .ifindex = ifp->index,
            };
            cb(&r, true, ctx);
        }
    }
}
