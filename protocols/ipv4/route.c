/*
 * protocols/ipv4/route.c — the IPv4 routing table (RFC 1812 5.2.4.3:
 * longest-prefix match) behind ipv4.h's route API and lpm_fib.h.
 *
 * Every distinct prefix, static or connected, has a slot; a DIR-16-8-8
 * table (lpm.h) maps an address to the slot of its longest prefix in at
 * most three reads, whatever the number of routes. A slot may hold a
 * static route and a connected one for the same prefix: the static one
 * wins the tie (the operator said so); a longer prefix always wins.
 *
 * Connected routes are the subnets of the interfaces' addresses (netif
 * addr/plen: prefix = addr & mask, gateway 0; the first interface holding
 * a prefix wins). Every lookup compares netif_generation() with the one
 * the connected prefixes were built from and, when interfaces or addresses
 * changed, replaces the connected prefixes in the table. A static route with
 * ifindex 0xffff (no "dev") takes the interface of the connected subnet
 * that holds its gateway at lookup time, so it follows address changes.
 *
 * If memory for the table runs out, the slots stay right and lookups scan
 * them linearly (counted as algorithm "linear") until a later change
 * rebuilds the table; no route is lost and no error is returned.
 */
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/ipv4_impl.h"
#include "protocols/ipv4/lpm.h"
#include "protocols/ipv4/lpm_fib.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "kernel/log.h"

#define ROUTE_IFINDEX_ANY 0xffffu
#define ROUTE_SLOTS (IPV4_MAX_ROUTES + NETIF_MAX * NETIF_MAX_ADDRS)
#define ROUTE_L1_BITS 16
#define ROUTE_SLOT_BITS 11 /* ROUTE_SLOTS <= 2^11 */
_Static_assert(ROUTE_SLOTS <= (1u << ROUTE_SLOT_BITS), "slot numbers fit the handle");

/** A prefix of the table. */
struct route_slot {
    uint32_t prefix;
    uint8_t plen;
    bool used;
    bool has_static;
    bool has_conn;
    uint16_t conn_ifindex; /* first interface holding the connected prefix */
    struct ipv4_route st;  /* the static route, when has_static */
    uint32_t gen;          /* bumped when the slot's routes change: stale handles */
    uint64_t st_packets, st_bytes, conn_packets, conn_bytes;
};

/** The interfaces and addresses the connected prefixes were taken from. */

static struct route_slot slots[ROUTE_SLOTS];
static unsigned nstatic;  /* slots with a static route */
static struct lpm *fib;   /* NULL: not built yet, or degraded */
static bool fib_degraded; /* out of memory: lookups scan the slots */

/*
 * The table's storage is static, so that routing never allocates (and
 * kmem_live() is not changed by the first lookup): the first level, and
 * groups for ROUTE_STATIC_GROUPS prefixes longer than /16 (one group per
 * /16 they fall in, one more per /24 for those longer than /24). Larger
 * tables move their groups to kmalloc memory (lpm_init).
 */
#define ROUTE_STATIC_GROUPS 64
static struct lpm fib_store;
static uint32_t fib_l1[1u << ROUTE_L1_BITS];
static uint32_t fib_groups[ROUTE_STATIC_GROUPS * 256];
static uint32_t fib_free[ROUTE_STATIC_GROUPS];
static struct lpm_rule fib_rules[ROUTE_SLOTS];
static uint64_t synced_gen; /* netif_generation() the connected prefixes reflect */
static bool synced;

/*
 * The last successful lookup (a one-entry destination cache: consecutive
 * datagrams of a burst mostly go to one destination). Its answer stands
 * while the table is unchanged -- every change of a slot calls
 * fib_last_forget() -- and the interfaces too (netif_generation(): the
 * connected prefixes, and the interface a static route without one
 * resolves to).
 */
static struct {
    bool valid;
    uint32_t dst;         /* host order */
    uint64_t netif_gen;   /* netif_generation() when it was looked up */
    struct ipv4_route rt; /* the answer */
    uint32_t handle;      /* its handle for ipv4_fib_count */
} fib_last;

static inline void fib_last_forget(void)
{
    fib_last.valid = false;
}

/* ---------------------------------------------------------------- slots */

static int slot_find(uint32_t prefix, uint8_t plen)
{
    if (fib != NULL) {
        uint32_t v;
        return lpm_get(fib, prefix, plen, &v) == 0 ? (int)v : -1;
    }
    for (unsigned i = 0; i < ROUTE_SLOTS; i++)
        if (slots[i].used && slots[i].prefix == prefix && slots[i].plen == plen)
            return (int)i;
    return -1;
}

/* fib_rebuild - a fresh table from the slots; on failure lookups stay linear. */
static void fib_rebuild(void)
{
    if (fib != NULL)
        lpm_fini(fib);
    fib = &fib_store;
    lpm_init(fib, ROUTE_L1_BITS, fib_l1, fib_groups, fib_free, ROUTE_STATIC_GROUPS, fib_rules,
             ROUTE_SLOTS);
    for (unsigned i = 0; fib != NULL && i < ROUTE_SLOTS; i++) {
        if (slots[i].used && lpm_add(fib, slots[i].prefix, slots[i].plen, i) < 0) {
            lpm_fini(fib);
            fib = NULL;
        }
    }
    bool was = fib_degraded;
    fib_degraded = fib == NULL;
    if (fib_degraded && !was)
        KWARN("ipv4", "no memory for the route lookup table: scanning routes linearly");
}

/* slot_new - a free slot for @prefix/@plen, entered in the table; -1 when all are taken. */
static int slot_new(uint32_t prefix, uint8_t plen)
{
    for (unsigned i = 0; i < ROUTE_SLOTS; i++) {
        struct route_slot *s = &slots[i];
        if (s->used)
            continue;
        uint32_t gen = s->gen + 1;
        memset(s, 0, sizeof *s);
        s->used = true;
        s->prefix = prefix;
        s->plen = plen;
        s->gen = gen;
        fib_last_forget();
        if (fib == NULL || lpm_add(fib, prefix, plen, i) < 0)
            fib_rebuild();
        return (int)i;
    }
    return -1;
}

/* slot_release - forget slot @i once it holds no route. */
static void slot_release(unsigned i)
{
    struct route_slot *s = &slots[i];
    if (s->has_static || s->has_conn)
        return;
    s->used = false;
    s->gen++;
    fib_last_forget();
    if (fib != NULL)
        lpm_del(fib, s->prefix, s->plen);
    else if (fib_degraded)
        fib_rebuild();
}

/* ----------------------------------------------------- connected routes */

/* conn_resync - replace the connected prefixes by those of the interfaces now. */
static void conn_resync(void)
{
    for (unsigned i = 0; i < ROUTE_SLOTS; i++) {
        if (slots[i].used && slots[i].has_conn) {
            slots[i].has_conn = false;
            slots[i].gen++;
            slot_release(i);
        }
    }
    unsigned n = netif_count();
    if (n > NETIF_MAX)
        n = NETIF_MAX;
    for (unsigned i = 0; i < n; i++) {
        const struct netif *ifp = netif_get((uint16_t)i);
        unsigned naddrs = ifp != NULL ? ifp->naddrs : 0;
        if (naddrs > NETIF_MAX_ADDRS)
            naddrs = NETIF_MAX_ADDRS;
        for (unsigned a = 0; a < naddrs; a++) {
            uint8_t plen = ifp->plen[a] <= 32 ? ifp->plen[a] : 32;
            uint32_t prefix = ifp->addr[a] & inet_plen_mask(plen);
            int k = slot_find(prefix, plen);
            if (k < 0)
                k = slot_new(prefix, plen);
            if (k < 0 || slots[k].has_conn)
                continue; /* cannot happen (slots are sized for it), or not the first */
            slots[k].has_conn = true;
            slots[k].conn_ifindex = ifp->index;
            slots[k].conn_packets = slots[k].conn_bytes = 0;
            slots[k].gen++;
        }
    }
    synced_gen = netif_generation();
    synced = true;
    fib_last_forget();
}

static void route_sync(void)
{
    if (!synced || synced_gen != netif_generation())
        conn_resync();
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
            uint32_t m = inet_plen_mask(ifp->plen[a]);
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

/* ------------------------------------------------------------ the API */

void ipv4_route_reset(void)
{
    for (unsigned i = 0; i < ROUTE_SLOTS; i++) {
        uint32_t gen = slots[i].gen + 1; /* handles from before stay stale */
        memset(&slots[i], 0, sizeof slots[i]);
        slots[i].gen = gen;
    }
    nstatic = 0;
    if (fib != NULL)
        lpm_fini(fib);
    fib = NULL;
    fib_degraded = false;
    synced = false;
    fib_last_forget();
}

int ipv4_route_add(const struct ipv4_route *r)
{
    if (r->plen > 32 || (r->prefix & ~inet_plen_mask(r->plen)) != 0)
        return -KE_INVAL;
    /* A gateway is another host on a connected subnet (RFC 1812 5.2.4.3):
     * never one of our own addresses nor a broadcast address. */
    if (r->gateway != 0 && netif_addr_kind(r->gateway, NULL) != NETIF_ADDR_OTHER)
        return -KE_INVAL;
    route_sync();
    int k = slot_find(r->prefix, r->plen);
    if (k >= 0 && slots[k].has_static) {
        slots[k].st = *r;
        slots[k].gen++;
        fib_last_forget();
        return 0;
    }
    if (nstatic == IPV4_MAX_ROUTES)
        return -KE_TOOBIG;
    if (k < 0)
        k = slot_new(r->prefix, r->plen);
    if (k < 0)
        return -KE_TOOBIG;
    slots[k].has_static = true;
    slots[k].st = *r;
    slots[k].st_packets = slots[k].st_bytes = 0;
    slots[k].gen++;
    nstatic++;
    fib_last_forget();
    return 0;
}

int ipv4_route_del(uint32_t prefix, uint8_t plen)
{
    if (plen > 32)
        return -KE_NOENT;
    route_sync();
    int k = slot_find(prefix, plen);
    if (k < 0 || !slots[k].has_static)
        return -KE_NOENT;
    slots[k].has_static = false;
    slots[k].gen++;
    nstatic--;
    fib_last_forget();
    slot_release((unsigned)k);
    return 0;
}

/* slot_lookup - the slot of the longest prefix holding @dst, or LPM_NONE. */
static uint32_t slot_lookup(uint32_t dst)
{
    if (fib != NULL)
        return lpm_lookup(fib, dst);
    uint32_t best = LPM_NONE;
    for (unsigned i = 0; i < ROUTE_SLOTS; i++) {
        const struct route_slot *s = &slots[i];
        if (s->used && (dst & inet_plen_mask(s->plen)) == s->prefix &&
            (best == LPM_NONE || s->plen > slots[best].plen))
            best = i;
    }
    return best;
}

/* fib_lookup - ipv4_fib_lookup without the one-entry cache (not inlined: the hit stays lean). */
static __attribute__((noinline)) int fib_lookup(uint32_t dst, struct ipv4_route *out,
                                                uint32_t *handle)
{
    *handle = IPV4_FIB_NO_HANDLE;
    route_sync();
    uint32_t k = slot_lookup(dst);
    if (k == LPM_NONE)
        return -KE_UNREACH;
    const struct route_slot *s = &slots[k];
    if (!s->has_static) {
        out->prefix = s->prefix;
        out->plen = s->plen;
        out->gateway = 0;
        out->ifindex = s->conn_ifindex;
        *handle = (s->gen << (ROUTE_SLOT_BITS + 1)) | (k << 1) | 1u;
        return 0;
    }
    *out = s->st;
    if (out->ifindex == ROUTE_IFINDEX_ANY || netif_get(out->ifindex) == NULL) {
        struct ipv4_route via;
        if (out->gateway == 0 || route_connected(out->gateway, &via) < 0)
            return -KE_UNREACH;
        out->ifindex = via.ifindex;
    }
    *handle = (s->gen << (ROUTE_SLOT_BITS + 1)) | (k << 1);
    return 0;
}

int ipv4_fib_lookup(uint32_t dst, struct ipv4_route *out, uint32_t *handle)
{
    uint64_t gen = netif_generation();
    if (__builtin_expect(fib_last.valid && fib_last.dst == dst && fib_last.netif_gen == gen, 1)) {
        *out = fib_last.rt;
        *handle = fib_last.handle;
        return 0;
    }
    int rc = fib_lookup(dst, out, handle);
    if (rc == 0) { /* failures are not kept: a partial *out stays the slow path's */
        fib_last.rt = *out;
        fib_last.handle = *handle;
        fib_last.dst = dst;
        fib_last.netif_gen = netif_generation(); /* route_sync may have resynced */
        fib_last.valid = true;
    }
    return rc;
}

int ipv4_route_lookup(uint32_t dst, struct ipv4_route *out)
{
    uint32_t handle;
    return ipv4_fib_lookup(dst, out, &handle);
}

void ipv4_fib_count(uint32_t handle, uint32_t bytes)
{
    if (handle == IPV4_FIB_NO_HANDLE)
        return;
    uint32_t k = (handle >> 1) & ((1u << ROUTE_SLOT_BITS) - 1);
    uint32_t gen = handle >> (ROUTE_SLOT_BITS + 1);
    if (k >= ROUTE_SLOTS)
        return;
    struct route_slot *s = &slots[k];
    uint32_t genmask = 0xffffffffu >> (ROUTE_SLOT_BITS + 1);
    if (!s->used || (s->gen & genmask) != gen)
        return; /* the routes changed since the lookup */
    if (handle & 1u) {
        s->conn_packets++;
        s->conn_bytes += bytes;
    } else {
        s->st_packets++;
        s->st_bytes += bytes;
    }
}

void ipv4_route_foreach(void (*cb)(const struct ipv4_route *r, bool connected, void *ctx),
                        void *ctx)
{
    for (unsigned i = 0; i < ROUTE_SLOTS; i++)
        if (slots[i].used && slots[i].has_static)
            cb(&slots[i].st, false, ctx);
    unsigned n = netif_count();
    for (unsigned i = 0; i < n; i++) {
        const struct netif *ifp = netif_get((uint16_t)i);
        if (ifp == NULL)
            continue;
        for (unsigned a = 0; a < ifp->naddrs; a++) {
            struct ipv4_route r = {
                .prefix = ifp->addr[a] & inet_plen_mask(ifp->plen[a]),
                .plen = ifp->plen[a],
                .gateway = 0,
                .ifindex = ifp->index,
            };
            cb(&r, true, ctx);
        }
    }
}

void ipv4_fib_foreach(void (*cb)(const struct ipv4_fib_entry *e, void *ctx), void *ctx)
{
    route_sync();
    for (unsigned i = 0; i < ROUTE_SLOTS; i++) {
        const struct route_slot *s = &slots[i];
        if (s->used && s->has_static) {
            struct ipv4_fib_entry e = {
                .route = s->st, .connected = false, .packets = s->st_packets, .bytes = s->st_bytes
            };
            cb(&e, ctx);
        }
    }
    for (unsigned i = 0; i < ROUTE_SLOTS; i++) {
        const struct route_slot *s = &slots[i];
        if (s->used && s->has_conn) {
            struct ipv4_fib_entry e = {
                .route = { .prefix = s->prefix,
                           .plen = s->plen,
                           .gateway = 0,
                           .ifindex = s->conn_ifindex },
                .connected = true,
                .packets = s->conn_packets,
                .bytes = s->conn_bytes,
            };
            cb(&e, ctx);
        }
    }
}

void ipv4_fib_get_info(struct ipv4_fib_info *info)
{
    route_sync();
    unsigned n = 0;
    for (unsigned i = 0; i < ROUTE_SLOTS; i++)
        n += slots[i].used;
    info->prefixes = n;
    info->algorithm = fib != NULL ? "DIR-16-8-8" : "linear";
    info->memory = fib != NULL ? lpm_memory(fib) : sizeof slots;
}
