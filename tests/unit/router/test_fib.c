/*
 * Unit tests of the routing table behind ipv4.h's route API now that it is
 * a DIR-16-8-8 table (protocols/ipv4/route.c, lpm_fib.h): connected routes
 * follow interface addresses (added later, interfaces re-created), a full
 * table of random static routes against a naive longest match over the
 * same routes and the interfaces' subnets, per-route counters and stale
 * handles. The route API's own contract is tested in
 * tests/unit/protocols/ip/test_route.c.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../protocols/ip/ipkit.h"
#include "kernel/kerr.h"
#include "kernel/mem.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/lpm_fib.h"
#include "testkit.h"

static const uint8_t MAC1[6] = { 0x02, 0, 0, 0, 1, 1 };
static const uint8_t MAC2[6] = { 0x02, 0, 0, 0, 2, 1 };

TestSuite(fib);

static int lookup_if(const char *dst)
{
    struct ipv4_route r;
    if (ipv4_route_lookup(testkit_ip(dst), &r) < 0)
        return -1;
    return r.ifindex;
}

Test(fib, connected_routes_follow_addresses_added_later)
{
    struct netif *eth0 = ipkit_setup();
    cr_assert_eq(lookup_if("10.0.0.5"), eth0->index);
    cr_assert_eq(lookup_if("192.168.5.5"), -1);
    struct netif *eth1 = testkit_netif("eth1", MAC1, NULL);
    cr_assert_eq(lookup_if("192.168.5.5"), -1);
    cr_assert_eq(netif_add_addr(eth1, testkit_ip("192.168.5.1"), 24), 0);
    cr_assert_eq(lookup_if("192.168.5.5"), eth1->index, "a new address is a new connected route");
    cr_assert_eq(netif_add_addr(eth1, testkit_ip("10.0.0.200"), 25), 0);
    cr_assert_eq(lookup_if("10.0.0.201"), eth1->index, "a longer connected prefix wins");
    cr_assert_eq(lookup_if("10.0.0.5"), eth0->index);
    ipkit_end(eth0);
}

Test(fib, interfaces_recreated_with_other_addresses_replace_the_connected_routes)
{
    struct netif *eth0 = ipkit_setup(); /* 10.0.0.1/24 and 10.0.0.9/24 */
    cr_assert_eq(lookup_if("10.0.0.5"), eth0->index);
    testkit_drain(eth0);
    netif_destroy_all();
    /* No lookup in between: the same count of interfaces and of addresses. */
    struct netif *a = testkit_netif("eth0", MAC1, "172.20.0.1/16");
    cr_assert_eq(netif_add_addr(a, testkit_ip("172.21.0.1"), 16), 0);
    cr_assert_eq(lookup_if("10.0.0.5"), -1, "the old connected route is gone");
    cr_assert_eq(lookup_if("172.20.3.3"), a->index);
    cr_assert_eq(lookup_if("172.21.3.3"), a->index);
    netif_destroy_all();
    cr_assert_eq(lookup_if("172.20.3.3"), -1, "no interface, no connected route");
    ipv4_fini();
    cr_assert(pktpool_all_full());
}

Test(fib, a_static_route_shadowing_a_connected_one_and_its_removal)
{
    struct netif *eth0 = ipkit_setup();
    struct netif *eth1 = testkit_netif("eth1", MAC1, "10.1.0.1/24");
    struct ipv4_route r = { .prefix = testkit_ip("10.0.0.0"),
                            .plen = 24,
                            .gateway = testkit_ip("10.1.0.2"),
                            .ifindex = eth1->index };
    cr_assert_eq(ipv4_route_add(&r), 0);
    cr_assert_eq(lookup_if("10.0.0.5"), eth1->index, "the static one wins the tie");
    cr_assert_eq(ipv4_route_del(r.prefix, 24), 0);
    cr_assert_eq(lookup_if("10.0.0.5"), eth0->index, "the connected one is back");
    cr_assert_eq(ipv4_route_del(r.prefix, 24), -KE_NOENT, "a connected route is not deletable");
    cr_assert_eq(lookup_if("10.0.0.5"), eth0->index);
    ipkit_end(eth0);
}

/* ---- a full random table against a naive longest match ------------------- */

static uint32_t rng = 0xfeed5u;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static uint32_t mask(unsigned plen)
{
    return plen == 0 ? 0 : 0xffffffffu << (32 - plen);
}

static struct ipv4_route table[IPV4_MAX_ROUTES];
static unsigned ntable;

/* The old route.c: every static route, then the interfaces' subnets; longer wins, static wins ties. */
static int naive(uint32_t dst, struct ipv4_route *out)
{
    const struct ipv4_route *best = NULL;
    for (unsigned i = 0; i < ntable; i++)
        if ((dst & mask(table[i].plen)) == table[i].prefix && (!best || table[i].plen > best->plen))
            best = &table[i];
    int cbest = -1;
    struct ipv4_route conn = { 0 };
    for (unsigned i = 0; i < netif_count(); i++) {
        const struct netif *ifp = netif_get((uint16_t)i);
        for (unsigned a = 0; a < ifp->naddrs; a++) {
            uint32_t m = mask(ifp->plen[a]);
            if ((dst & m) == (ifp->addr[a] & m) && (int)ifp->plen[a] > cbest) {
                cbest = ifp->plen[a];
                conn.prefix = ifp->addr[a] & m;
                conn.plen = ifp->plen[a];
                conn.ifindex = ifp->index;
            }
        }
    }
    if (best == NULL || (cbest >= 0 && cbest > best->plen)) {
        if (cbest < 0)
            return -KE_UNREACH;
        *out = conn;
        return 0;
    }
    *out = *best;
    return 0;
}

static uint32_t rnd_dst(void)
{
    uint32_t r = rnd();
    if ((r & 3) == 0)
        return rnd();
    if ((r & 3) == 1)
        return 0x0a000000u | (rnd() & 0x0003ffffu); /* near the connected subnets */
    const struct ipv4_route *t = &table[(r >> 2) % ntable];
    return t->prefix | (rnd() & ~mask(t->plen));
}

Test(fib, a_full_table_of_random_routes_matches_the_naive_scan)
{
    struct netif *eth0 = ipkit_setup();
    struct netif *eth1 = testkit_netif("eth1", MAC1, "10.1.0.1/24");
    struct netif *eth2 = testkit_netif("eth2", MAC2, "10.2.0.1/16");
    uint16_t ifs[3] = { eth0->index, eth1->index, eth2->index };
    while (ntable < IPV4_MAX_ROUTES) {
        uint8_t plen = (uint8_t)(rnd() % 100 < 50 ? 24 : rnd() % 33);
        uint32_t base = (rnd() & 1) ? 0x0a000000u | (rnd() & 0x0003ffffu) : rnd();
        struct ipv4_route r = { .prefix = base & mask(plen),
                                .plen = plen,
                                .gateway = 0x0a010000u | (rnd() & 0xff),
                                .ifindex = ifs[rnd() % 3] };
        /* a gateway is another host: never one of our addresses or a broadcast */
        bool dup = netif_addr_kind(r.gateway, NULL) != NETIF_ADDR_OTHER;
        for (unsigned i = 0; i < ntable && !dup; i++)
            dup = table[i].prefix == r.prefix && table[i].plen == r.plen;
        if (dup)
            continue;
        cr_assert_eq(ipv4_route_add(&r), 0);
        table[ntable++] = r;
    }
    struct ipv4_fib_info info;
    ipv4_fib_get_info(&info);
    cr_assert_str_eq(info.algorithm, "DIR-16-8-8");
    for (unsigned n = 0; n < 200000; n++) {
        uint32_t dst = rnd_dst();
        struct ipv4_route want, got;
        int rw = naive(dst, &want), rg = ipv4_route_lookup(dst, &got);
        cr_assert_eq(rg, rw, "lookup %08x: %d, naive %d", dst, rg, rw);
        if (rw == 0) {
            cr_assert_eq(got.prefix, want.prefix, "lookup %08x: prefix %08x/%u, naive %08x/%u", dst,
                         got.prefix, got.plen, want.prefix, want.plen);
            cr_assert_eq(got.plen, want.plen);
            cr_assert_eq(got.gateway, want.gateway);
            cr_assert_eq(got.ifindex, want.ifindex);
        }
        if (n % 1000 == 999) { /* delete one and re-add another, as an operator would */
            unsigned k = rnd() % ntable;
            cr_assert_eq(ipv4_route_del(table[k].prefix, table[k].plen), 0);
            table[k] = table[--ntable];
        }
    }
    ipkit_end(eth0);
}

/* ---- counters ------------------------------------------------------------ */

struct seen {
    uint64_t packets, bytes;
    unsigned n;
};

static void count_cb(const struct ipv4_fib_entry *e, void *ctx)
{
    struct seen *s = ctx;
    s->n++;
    if (!e->connected && e->route.prefix == 0xac100000u) {
        s->packets = e->packets;
        s->bytes = e->bytes;
    }
}

Test(fib, handles_count_against_their_route_and_go_stale_when_it_changes)
{
    struct netif *eth0 = ipkit_setup();
    struct ipv4_route r = {
        .prefix = 0xac100000u, .plen = 16, .gateway = IK_PEER_IP, .ifindex = eth0->index
    };
    cr_assert_eq(ipv4_route_add(&r), 0);
    struct ipv4_route out;
    uint32_t h;
    cr_assert_eq(ipv4_fib_lookup(0xac100505u, &out, &h), 0);
    ipv4_fib_count(h, 100);
    ipv4_fib_count(h, 50);
    struct seen s = { 0 };
    ipv4_fib_foreach(count_cb, &s);
    cr_assert_eq(s.packets, 2);
    cr_assert_eq(s.bytes, 150);
    cr_assert_eq(s.n, 2, "the static route and eth0's one connected prefix");
    cr_assert_eq(ipv4_route_del(r.prefix, r.plen), 0);
    cr_assert_eq(ipv4_route_add(&r), 0);
    ipv4_fib_count(h, 100); /* stale: the route was replaced */
    memset(&s, 0, sizeof s);
    ipv4_fib_foreach(count_cb, &s);
    cr_assert_eq(s.packets, 0, "a stale handle counted against a new route");
    ipv4_fib_count(IPV4_FIB_NO_HANDLE, 1);
    cr_assert_eq(ipv4_fib_lookup(0x08080808u, &out, &h), -KE_UNREACH);
    cr_assert_eq(h, IPV4_FIB_NO_HANDLE);
    ipkit_end(eth0);
}

Test(fib, routing_never_allocates)
{
    struct netif *eth0 = ipkit_setup();
    uint64_t live = kmem_live();
    struct ipv4_route r = {
        .prefix = 0xac100000u, .plen = 16, .gateway = IK_PEER_IP, .ifindex = eth0->index
    };
    cr_assert_eq(ipv4_route_add(&r), 0);
    struct ipv4_route out;
    cr_assert_eq(ipv4_route_lookup(0xac100101u, &out), 0);
    cr_assert_eq(ipv4_route_lookup(0x0a000002u, &out), 0);
    cr_assert_eq(kmem_live(), live, "the table lives in static storage");
    ipkit_end(eth0);
}
