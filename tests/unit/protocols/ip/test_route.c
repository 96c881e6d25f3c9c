/*
 * Unit tests of the IPv4 routing table (RFC 1812 5.2.4.3 longest match):
 * connected subnets, static routes, the default route, replacement,
 * deletion, errors, gateway resolution, enumeration.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "ipkit.h"
#include "kernel/kerr.h"
#include "protocols/ipv4/ipv4.h"
#include "testkit.h"

TestSuite(route);

static const uint8_t MAC2[6] = { 0x02, 0, 0, 0, 0, 0x21 };

static struct ipv4_route lookup_ok(const char *dst)
{
    struct ipv4_route r;
    memset(&r, 0xee, sizeof r);
    cr_assert_eq(ipv4_route_lookup(testkit_ip(dst), &r), 0, "no route to %s", dst);
    return r;
}

Test(route, connected_subnets_of_interface_addresses)
{
    struct netif *ifp = ipkit_setup();
    struct netif *if1 = testkit_netif("eth1", MAC2, "192.168.7.1/16");
    struct ipv4_route r = lookup_ok("10.0.0.77");
    cr_assert_eq(r.prefix, testkit_ip("10.0.0.0"));
    cr_assert_eq(r.plen, 24);
    cr_assert_eq(r.gateway, 0);
    cr_assert_eq(r.ifindex, ifp->index);
    r = lookup_ok("192.168.200.3");
    cr_assert_eq(r.plen, 16);
    cr_assert_eq(r.ifindex, if1->index);
    cr_assert_eq(ipv4_route_lookup(testkit_ip("172.16.0.1"), &r), -KE_UNREACH);
    ipkit_end(ifp);
}

Test(route, default_route_catches_everything_else)
{
    struct netif *ifp = ipkit_setup();
    struct ipv4_route d = ik_route("0.0.0.0", 0, "10.0.0.254", ifp->index);
    cr_assert_eq(ipv4_route_add(&d), 0);
    struct ipv4_route r = lookup_ok("8.8.8.8");
    cr_assert_eq(r.plen, 0);
    cr_assert_eq(r.gateway, testkit_ip("10.0.0.254"));
    r = lookup_ok("10.0.0.5");
    cr_assert_eq(r.gateway, 0, "the connected /24 is longer than the default");
    ipkit_end(ifp);
}

Test(route, longest_prefix_wins)
{
    struct netif *ifp = ipkit_setup();
    struct ipv4_route a = ik_route("172.16.0.0", 16, "10.0.0.2", ifp->index);
    struct ipv4_route b = ik_route("172.16.2.0", 24, "10.0.0.3", ifp->index);
    struct ipv4_route c = ik_route("172.16.2.128", 25, "10.0.0.4", ifp->index);
    struct ipv4_route h = ik_route("172.16.2.200", 32, "10.0.0.5", ifp->index);
    /* Added out of order, so the scan cannot just take the last match. */
    cr_assert_eq(ipv4_route_add(&c), 0);
    cr_assert_eq(ipv4_route_add(&a), 0);
    cr_assert_eq(ipv4_route_add(&h), 0);
    cr_assert_eq(ipv4_route_add(&b), 0);
    cr_assert_eq(lookup_ok("172.16.9.9").gateway, testkit_ip("10.0.0.2"));
    cr_assert_eq(lookup_ok("172.16.2.9").gateway, testkit_ip("10.0.0.3"));
    cr_assert_eq(lookup_ok("172.16.2.129").gateway, testkit_ip("10.0.0.4"));
    cr_assert_eq(lookup_ok("172.16.2.200").gateway, testkit_ip("10.0.0.5"));
    cr_assert_eq(lookup_ok("172.16.2.201").gateway, testkit_ip("10.0.0.4"));
    ipkit_end(ifp);
}

Test(route, static_wins_a_tie_with_connected_and_loses_to_a_longer_one)
{
    struct netif *ifp = ipkit_setup();
    struct ipv4_route same = ik_route("10.0.0.0", 24, "10.0.0.2", ifp->index);
    struct ipv4_route shorter = ik_route("10.0.0.0", 8, "10.0.0.3", ifp->index);
    cr_assert_eq(ipv4_route_add(&shorter), 0);
    cr_assert_eq(lookup_ok("10.0.0.5").gateway, 0, "connected /24 beats static /8");
    cr_assert_eq(lookup_ok("10.9.0.5").gateway, testkit_ip("10.0.0.3"));
    cr_assert_eq(ipv4_route_add(&same), 0);
    cr_assert_eq(lookup_ok("10.0.0.5").gateway, testkit_ip("10.0.0.2"));
    ipkit_end(ifp);
}

Test(route, add_replaces_and_del_removes)
{
    struct netif *ifp = ipkit_setup();
    struct ipv4_route a = ik_route("172.16.0.0", 16, "10.0.0.2", ifp->index);
    cr_assert_eq(ipv4_route_add(&a), 0);
    a.gateway = testkit_ip("10.0.0.3");
    cr_assert_eq(ipv4_route_add(&a), 0);
    cr_assert_eq(lookup_ok("172.16.1.1").gateway, testkit_ip("10.0.0.3"));
    cr_assert_eq(ipv4_route_del(testkit_ip("172.16.0.0"), 16), 0);
    struct ipv4_route r;
    cr_assert_eq(ipv4_route_lookup(testkit_ip("172.16.1.1"), &r), -KE_UNREACH);
    cr_assert_eq(ipv4_route_del(testkit_ip("172.16.0.0"), 16), -KE_NOENT);
    cr_assert_eq(ipv4_route_del(testkit_ip("172.16.0.0"), 15), -KE_NOENT);
    ipkit_end(ifp);
}

Test(route, invalid_routes_are_refused)
{
    struct netif *ifp = ipkit_setup();
    struct ipv4_route hostbits = ik_route("172.16.0.1", 16, "10.0.0.2", ifp->index);
    struct ipv4_route plen = ik_route("172.16.0.0", 33, "10.0.0.2", ifp->index);
    cr_assert_eq(ipv4_route_add(&hostbits), -KE_INVAL);
    cr_assert_eq(ipv4_route_add(&plen), -KE_INVAL);
    struct ipv4_route r;
    cr_assert_eq(ipv4_route_lookup(testkit_ip("172.16.0.1"), &r), -KE_UNREACH);
    ipkit_end(ifp);
}

Test(route, table_is_bounded)
{
    struct netif *ifp = ipkit_setup();
    for (unsigned i = 0; i < IPV4_MAX_ROUTES; i++) {
        struct ipv4_route r = { .prefix = 0xac000000u + (i << 8),
                                .plen = 24,
                                .gateway = IK_PEER_IP,
                                .ifindex = ifp->index };
        cr_assert_eq(ipv4_route_add(&r), 0, "route %u", i);
    }
    struct ipv4_route more = ik_route("192.0.2.0", 24, "10.0.0.2", ifp->index);
    cr_assert_eq(ipv4_route_add(&more), -KE_TOOBIG);
    struct ipv4_route again = {
        .prefix = 0xac000000u, .plen = 24, .gateway = IK_PEER_IP, .ifindex = ifp->index
    };
    cr_assert_eq(ipv4_route_add(&again), 0, "replacing needs no room");
    ipkit_end(ifp);
}

Test(route, route_without_interface_takes_the_gateways_subnet)
{
    struct netif *ifp = ipkit_setup();
    struct netif *if1 = testkit_netif("eth1", MAC2, "192.168.7.1/24");
    struct ipv4_route r = ik_route("172.16.0.0", 16, "192.168.7.50", 0xffff);
    cr_assert_eq(ipv4_route_add(&r), 0);
    cr_assert_eq(lookup_ok("172.16.3.3").ifindex, if1->index);
    struct ipv4_route lost = ik_route("172.17.0.0", 16, "203.0.113.1", 0xffff);
    cr_assert_eq(ipv4_route_add(&lost), 0);
    struct ipv4_route out;
    cr_assert_eq(ipv4_route_lookup(testkit_ip("172.17.0.1"), &out), -KE_UNREACH);
    ipkit_end(ifp);
}

struct walk {
    unsigned n, statics, connected;
    bool static_after_connected;
};
static void walker(const struct ipv4_route *r, bool connected, void *ctx)
{
    struct walk *w = ctx;
    (void)r;
    w->n++;
    if (connected)
        w->connected++;
    else {
        w->statics++;
        if (w->connected)
            w->static_after_connected = true;
    }
}

Test(route, foreach_lists_static_then_connected)
{
    struct netif *ifp = ipkit_setup(); /* two addresses on eth0 */
    struct ipv4_route a = ik_route("172.16.0.0", 16, "10.0.0.2", ifp->index);
    struct ipv4_route b = ik_route("0.0.0.0", 0, "10.0.0.2", ifp->index);
    cr_assert_eq(ipv4_route_add(&a), 0);
    cr_assert_eq(ipv4_route_add(&b), 0);
    struct walk w = { 0 };
    ipv4_route_foreach(walker, &w);
    cr_assert_eq(w.statics, 2);
    cr_assert_eq(w.connected, 2);
    cr_assert_not(w.static_after_connected);
    ipkit_end(ifp);
}

Test(route, fini_forgets_static_routes)
{
    struct netif *ifp = ipkit_setup();
    struct ipv4_route a = ik_route("172.16.0.0", 16, "10.0.0.2", ifp->index);
    cr_assert_eq(ipv4_route_add(&a), 0);
    ipv4_fini();
    cr_assert_eq(ipv4_init(), 0);
    struct ipv4_route r;
    cr_assert_eq(ipv4_route_lookup(testkit_ip("172.16.0.1"), &r), -KE_UNREACH);
    ipkit_end(ifp);
}
