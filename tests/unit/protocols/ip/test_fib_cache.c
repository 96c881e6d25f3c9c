/*
 * tests/unit/protocols/ip/test_fib_cache.c — the one-entry destination
 * cache of ipv4_fib_lookup (protocols/ipv4/route.c): a destination looked
 * up again gets the answer the table gives now, after routes are added,
 * replaced or removed, after an address or an interface is added and after
 * the table is reset; the handle it gives counts on the route that matched.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "ipkit.h"
#include "kernel/kerr.h"
#include "netgraph/netif.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/lpm_fib.h"
#include "testkit.h"

TestSuite(fib_cache);

static const uint8_t MAC2[6] = { 0x02, 0, 0, 0, 0, 0x21 };
static const uint8_t MAC3[6] = { 0x02, 0, 0, 0, 0, 0x31 };

/* lookup - ipv4_fib_lookup of @dst twice (the second from the cache): both must agree. */
static int lookup(const char *dst, struct ipv4_route *out)
{
    struct ipv4_route a, b;
    uint32_t ha, hb;
    memset(&a, 0xee, sizeof a);
    memset(&b, 0xee, sizeof b);
    int ra = ipv4_fib_lookup(testkit_ip(dst), &a, &ha);
    int rb = ipv4_fib_lookup(testkit_ip(dst), &b, &hb);
    cr_assert_eq(ra, rb, "%s: the repeated lookup answers alike", dst);
    cr_assert_eq(ha, hb);
    if (ra == 0)
        cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
    else
        cr_assert_eq(hb, IPV4_FIB_NO_HANDLE);
    *out = b;
    return rb;
}

static uint32_t gateway_to(const char *dst)
{
    struct ipv4_route r;
    cr_assert_eq(lookup(dst, &r), 0, "a route to %s", dst);
    return r.gateway;
}

Test(fib_cache, routes_added_replaced_and_removed_are_seen)
{
    struct netif *ifp = ipkit_setup();
    struct ipv4_route r;
    cr_assert_eq(lookup("172.16.1.1", &r), -KE_UNREACH);
    struct ipv4_route wide = ik_route("172.16.0.0", 16, "10.0.0.2", ifp->index);
    cr_assert_eq(ipv4_route_add(&wide), 0);
    cr_assert_eq(gateway_to("172.16.1.1"), testkit_ip("10.0.0.2"));
    struct ipv4_route narrow = ik_route("172.16.1.0", 24, "10.0.0.3", ifp->index);
    cr_assert_eq(ipv4_route_add(&narrow), 0);
    cr_assert_eq(gateway_to("172.16.1.1"), testkit_ip("10.0.0.3"), "the longer prefix added");
    narrow.gateway = testkit_ip("10.0.0.4");
    cr_assert_eq(ipv4_route_add(&narrow), 0);
    cr_assert_eq(gateway_to("172.16.1.1"), testkit_ip("10.0.0.4"), "the route replaced");
    cr_assert_eq(ipv4_route_del(testkit_ip("172.16.1.0"), 24), 0);
    cr_assert_eq(gateway_to("172.16.1.1"), testkit_ip("10.0.0.2"), "the longer one removed");
    cr_assert_eq(ipv4_route_del(testkit_ip("172.16.0.0"), 16), 0);
    cr_assert_eq(lookup("172.16.1.1", &r), -KE_UNREACH, "no route left");
    ipkit_end(ifp);
}

Test(fib_cache, an_address_added_makes_a_destination_connected)
{
    struct netif *ifp = ipkit_setup();
    struct ipv4_route st = ik_route("192.168.9.0", 24, "10.0.0.2", ifp->index);
    cr_assert_eq(ipv4_route_add(&st), 0);
    cr_assert_eq(gateway_to("192.168.9.5"), testkit_ip("10.0.0.2"));
    cr_assert_eq(netif_add_addr(ifp, testkit_ip("192.168.9.1"), 25), 0);
    struct ipv4_route r;
    cr_assert_eq(lookup("192.168.9.5", &r), 0);
    cr_assert_eq(r.gateway, 0, "the connected /25 is longer than the static /24");
    cr_assert_eq(r.plen, 25);
    ipkit_end(ifp);
}

Test(fib_cache, a_new_interface_resolves_a_route_without_interface_again)
{
    struct netif *ifp = ipkit_setup();
    struct netif *if1 = testkit_netif("eth1", MAC2, "192.168.7.1/24");
    struct ipv4_route any = ik_route("172.16.0.0", 16, "192.168.7.200", 0xffff);
    cr_assert_eq(ipv4_route_add(&any), 0);
    struct ipv4_route r;
    cr_assert_eq(lookup("172.16.3.3", &r), 0);
    cr_assert_eq(r.ifindex, if1->index);
    /* the gateway's longest connected subnet is now on eth2 */
    struct netif *if2 = testkit_netif("eth2", MAC3, "192.168.7.129/25");
    cr_assert_eq(lookup("172.16.3.3", &r), 0);
    cr_assert_eq(r.ifindex, if2->index);
    ipkit_end(ifp);
}

Test(fib_cache, a_reset_table_forgets_the_cached_answer)
{
    struct netif *ifp = ipkit_setup();
    struct ipv4_route a = ik_route("172.16.0.0", 16, "10.0.0.2", ifp->index);
    cr_assert_eq(ipv4_route_add(&a), 0);
    cr_assert_eq(gateway_to("172.16.0.1"), testkit_ip("10.0.0.2"));
    ipv4_fini();
    cr_assert_eq(ipv4_init(), 0);
    struct ipv4_route r;
    cr_assert_eq(lookup("172.16.0.1", &r), -KE_UNREACH);
    ipkit_end(ifp);
}

struct counted {
    uint32_t prefix;
    uint64_t packets, bytes;
};
static void find_counts(const struct ipv4_fib_entry *e, void *ctx)
{
    struct counted *c = ctx;
    if (!e->connected && e->route.prefix == c->prefix) {
        c->packets = e->packets;
        c->bytes = e->bytes;
    }
}

Test(fib_cache, a_cached_handle_counts_on_the_route_and_a_stale_one_is_ignored)
{
    struct netif *ifp = ipkit_setup();
    struct ipv4_route a = ik_route("172.16.0.0", 16, "10.0.0.2", ifp->index);
    cr_assert_eq(ipv4_route_add(&a), 0);
    struct ipv4_route r;
    uint32_t h1, h2;
    cr_assert_eq(ipv4_fib_lookup(testkit_ip("172.16.0.1"), &r, &h1), 0);
    cr_assert_eq(ipv4_fib_lookup(testkit_ip("172.16.0.1"), &r, &h2), 0);
    ipv4_fib_count(h1, 100);
    ipv4_fib_count(h2, 50);
    struct counted c = { .prefix = testkit_ip("172.16.0.0") };
    ipv4_fib_foreach(find_counts, &c);
    cr_assert_eq(c.packets, 2);
    cr_assert_eq(c.bytes, 150);
    a.gateway = testkit_ip("10.0.0.3"); /* replaced: the old handles are stale */
    cr_assert_eq(ipv4_route_add(&a), 0);
    ipv4_fib_count(h2, 50);
    uint32_t h3;
    cr_assert_eq(ipv4_fib_lookup(testkit_ip("172.16.0.1"), &r, &h3), 0);
    cr_assert_neq(h3, h2, "a fresh handle after the change");
    ipv4_fib_count(h3, 7);
    ipv4_fib_foreach(find_counts, &c);
    cr_assert_eq(c.bytes, 150 + 7, "the stale handle counted nothing");
    ipkit_end(ifp);
}
