/*
 * netgraph/addrcache.c — which IPv4 addresses are ours: a hash of every
 * interface address and every directed broadcast address (RFC 1122
 * 3.2.1.3; RFC 3021: /31 and /32 have none), rebuilt when
 * netif_generation() changes, so the per-packet question "local, broadcast
 * or neither" is one probe instead of a scan of every interface.
 */
#include "netgraph/netif.h"

#include "kernel/klib.h"
#include "kernel/lib/inet.h"

#define SLOTS 512u /* power of two, more than twice NETIF_MAX * NETIF_MAX_ADDRS * 2 */
#define V_USED 1u
#define V_LOCAL 2u
#define V_BCAST 4u

static struct {
    uint64_t generation; /* of the interfaces the table was built from; 0: never */
    uint32_t key[SLOTS];
    uint32_t val[SLOTS]; /* V_* | ifindex << 8 (of the interface holding a local address) */
} cache;

static inline unsigned slot_of(uint32_t addr)
{
    return (addr * 2654435761u) >> 23; /* Knuth's multiplicative hash, 9 bits */
}

static void put(uint32_t addr, uint32_t bits)
{
    unsigned i = slot_of(addr);
    while ((cache.val[i] & V_USED) && cache.key[i] != addr)
        i = (i + 1) & (SLOTS - 1);
    if (!(cache.val[i] & V_USED)) {
        cache.key[i] = addr;
        cache.val[i] = V_USED | bits;
    } else if ((bits & V_LOCAL) && !(cache.val[i] & V_LOCAL)) {
        cache.val[i] = (cache.val[i] & V_BCAST) | V_USED | bits; /* first local holder wins */
    } else {
        cache.val[i] |= bits & V_BCAST;
    }
}

static void rebuild(void)
{
    memset(cache.val, 0, sizeof cache.val);
    for (unsigned i = 0; i < netif_count(); i++) {
        const struct netif *ifp = netif_get((uint16_t)i);
        for (unsigned a = 0; ifp != NULL && a < ifp->naddrs; a++) {
            put(ifp->addr[a], V_LOCAL | (uint32_t)ifp->index << 8);
            if (ifp->plen[a] < 31)
                put(ifp->addr[a] | ~inet_plen_mask(ifp->plen[a]), V_BCAST);
        }
    }
    cache.generation = netif_generation();
}

enum netif_addr_kind netif_addr_kind(uint32_t addr, uint16_t *ifindex)
{
    if (cache.generation != netif_generation())
        rebuild();
    unsigned i = slot_of(addr);
    while (cache.val[i] & V_USED) {
        if (cache.key[i] == addr) {
            uint32_t v = cache.val[i];
            if (ifindex != NULL && (v & V_LOCAL))
                *ifindex = (uint16_t)(v >> 8);
            return (v & V_BCAST) ? NETIF_ADDR_BCAST : NETIF_ADDR_LOCAL;
        }
        i = (i + 1) & (SLOTS - 1);
    }
    return addr == 0xffffffffu ? NETIF_ADDR_BCAST : NETIF_ADDR_OTHER;
}

bool netif_local_addr(uint32_t addr, struct netif **ifp_out)
{
    if (cache.generation != netif_generation())
        rebuild();
    unsigned i = slot_of(addr);
    while (cache.val[i] & V_USED) {
        if (cache.key[i] == addr && (cache.val[i] & V_LOCAL)) {
            if (ifp_out != NULL)
                *ifp_out = netif_get((uint16_t)(cache.val[i] >> 8));
            return true;
        }
        i = (i + 1) & (SLOTS - 1);
    }
    return false;
}

bool netif_bcast_addr(uint32_t addr)
{
    return netif_addr_kind(addr, NULL) == NETIF_ADDR_BCAST;
}
