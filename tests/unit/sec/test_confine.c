/*
 * Regression tests of grants and confinement: an extension's grant is
 * checked against what its class declares (the router started with
 * grant=bogus:1 and, with grant=udp:7, forwarded everything); the router
 * with an ipv4-forward grant sees and sends only on the granted
 * interfaces; two instances take one port only when both say shared=yes
 * (several udp-echo on one port each answered); every instance's counters
 * carry its id (they were under one indistinguishable name); a loop cable
 * has two ends (a chain read freed memory).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../console/conskit.h"
#include "seckit.h"
#include "testkit.h"
#include "drivers/loop/loop.h"
#include "kernel/kerr.h"
#include "kernel/stats.h"
#include "netgraph/apply.h"
#include "netgraph/config.h"
#include "netgraph/instances.h"
#include "netgraph/runtime.h"
#include "protocols/ipv4/ipv4.h"
#include "apps/router/router_impl.h"
#include "kernel/capability.h"
#include "kernel/nameservice.h"

static struct config cfg;
static struct config_error err;

static void setup(void)
{
    cr_assert_eq(netgraph_init(256), 0);
    cr_assert_eq(kdriver_register(&loop_driver), 0);
}

static int configure(const char *text)
{
    cr_assert_eq(config_parse(text, strlen(text), "c.conf", &cfg, &err), 0, "%s", err.msg);
    return netgraph_configure(&cfg, &err);
}

static void finish(void)
{
    netgraph_shutdown();
    config_free(&cfg);
    cr_assert(testkit_pool_full());
}

static uint64_t ctr(const char *node, const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find(node, name, &v), 0, "no counter %s.%s", node, name);
    return v;
}

TestSuite(confine, .init = setup);

Test(confine, a_chain_of_loop_cables_is_refused_and_frees_nothing_twice)
{
    cr_assert_eq(configure("interface a driver=loop\n"
                           "interface b driver=loop peer=a\n"
                           "interface c driver=loop peer=b\n"),
                 -KE_INVAL, "a configuration error (exit 2), not a device's (exit 3)");
    cr_expect_eq(err.line, 3);
    cr_expect(strstr(err.msg, "peer b is already joined to a") != NULL, "%s", err.msg);
    cr_expect_eq(netif_count(), 0, "everything undone");
    finish();
}

Test(confine, a_rejoined_loop_port_leaves_no_dangling_peer)
{
    static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
    struct kport *a = loop_port_create("a", mac, NULL);
    struct kport *b = loop_port_create("b", mac, NULL);
    struct kport *c = loop_port_create("c", mac, NULL);
    loop_join(a, b);
    loop_join(c, b);  /* b now joined to c: a is cut */
    b->ops->close(b); /* ASan: nothing reads b afterwards */
    a->ops->close(a);
    c->ops->close(c);
}

Test(confine, router_grant_of_nothing_published_is_refused_at_its_column)
{
    cr_assert_eq(configure("interface eth0 driver=loop\nextension router grant=bogus:1\n"),
                 -KE_NOENT);
    cr_expect_eq(err.line, 2);
    cr_expect_eq(err.col, 18, "the grant= parameter is blamed: %u %s", err.col, err.msg);
    config_free(&cfg);
    cr_assert_eq(configure("interface eth0 driver=loop\nextension router grant=udp:7\n"), -KE_PERM);
    cr_expect_eq(err.line, 2);
    cr_expect_eq(err.col, 18, "%u %s", err.col, err.msg);
    cr_expect(strstr(err.msg, "router needs nothing of it") != NULL, "%s", err.msg);
    cr_expect_eq(ipv4_PacketArrived.nhandlers, 0, "no router installed");
    finish();
}

Test(confine, a_udp_grant_wider_than_the_port_is_refused)
{
    cr_assert_eq(configure("interface eth0 driver=loop\nextension udp-echo port=7 grant=udp:*\n"),
                 -KE_PERM);
    cr_expect(strstr(err.msg, "too wide") != NULL, "%s", err.msg);
    cr_expect_eq(err.col, 27, "grant= is blamed: %u", err.col);
    finish();
}

static const uint8_t PEER1_MAC[6] = { 2, 0, 0, 0, 1, 2 };
static const uint8_t PEER2_MAC[6] = { 2, 0, 0, 0, 2, 2 };

/* forward_one - inject on @in a datagram 10.0.0.2 -> @dst (our MAC); frames sent on @out. */
static unsigned forward_one(struct netif *in, const uint8_t *in_mac, uint32_t src, uint32_t dst,
                            struct netif *out)
{
    struct sk_dgram d = { .eth_dst = in_mac, .eth_src = PEER1_MAC, .src = src, .dst = dst };
    uint8_t f[128];
    testkit_drain(out);
    testkit_inject(in, f, sk_udp(f, &d, 1000, 2000, "fwd", 3));
    return testkit_drain(out);
}

/* three links, a router granted to forward on eth0 and eth1 only */
#define THREE_LINKS_ROUTER                               \
    "interface eth0 driver=loop mac=02:00:00:00:00:01\n" \
    "interface eth1 driver=loop mac=02:00:00:00:00:11\n" \
    "interface eth2 driver=loop mac=02:00:00:00:00:21\n" \
    "address eth0 10.0.0.1/24\n"                         \
    "address eth1 10.1.0.1/24\n"                         \
    "address eth2 10.2.0.1/24\n"                         \
    "extension router grant=ipv4-forward:0-1\n"

Test(confine, router_sees_and_sends_only_on_granted_interfaces)
{
    cr_assert_eq(configure(THREE_LINKS_ROUTER), 0, "%s", err.msg);
    struct netif *e0 = netif_find("eth0"), *e1 = netif_find("eth1"), *e2 = netif_find("eth2");
    static const uint8_t m0[6] = { 2, 0, 0, 0, 0, 1 }, m2[6] = { 2, 0, 0, 0, 0, 0x21 };
    testkit_teach_peer(e1, PEER2_MAC, 0x0a010002u, 0x0a010001u);
    testkit_teach_peer(e2, PEER2_MAC, 0x0a020002u, 0x0a020001u);
    cr_expect_eq(forward_one(e0, m0, 0x0a000002u, 0x0a010002u, e1), 1, "eth0 -> eth1: granted");
    cr_expect_eq(ctr("router", "forwarded"), 1);
    cr_expect_eq(forward_one(e0, m0, 0x0a000002u, 0x0a020002u, e2), 0, "eth0 -> eth2: not");
    cr_expect_eq(ctr("router", "not_granted"), 1);
    uint64_t rx = ctr("router", "rx");
    cr_expect_eq(forward_one(e2, m2, 0x0a020002u, 0x0a010002u, e1), 0, "from eth2: not seen");
    cr_expect_eq(ctr("router", "rx"), rx, "the router never saw what arrived on eth2");
    testkit_drain(e0);
    finish();
}

Test(confine, a_grant_added_after_forwarding_began_is_honoured)
{
    /* the router remembers which interfaces it may send on; a capability
     * added to its set afterwards must be seen at the next datagram */
    cr_assert_eq(configure(THREE_LINKS_ROUTER), 0, "%s", err.msg);
    struct netif *e0 = netif_find("eth0"), *e1 = netif_find("eth1"), *e2 = netif_find("eth2");
    static const uint8_t m0[6] = { 2, 0, 0, 0, 0, 1 };
    testkit_teach_peer(e1, PEER2_MAC, 0x0a010002u, 0x0a010001u);
    testkit_teach_peer(e2, PEER2_MAC, 0x0a020002u, 0x0a020001u);
    cr_expect_eq(forward_one(e0, m0, 0x0a000002u, 0x0a010002u, e1), 1, "eth0 -> eth1: granted");
    cr_expect_eq(forward_one(e0, m0, 0x0a000002u, 0x0a020002u, e2), 0, "eth0 -> eth2: not yet");
    struct kcap *c = NULL;
    cr_assert_eq(kns_subscribe("ipv4-forward", KCAP_IMPORT, 2, 2, &c), 0);
    cr_assert_eq(kcapset_add((struct kcapset *)router.caps, c), 0);
    cr_expect_eq(forward_one(e0, m0, 0x0a000002u, 0x0a020002u, e2), 1, "eth0 -> eth2: now granted");
    cr_expect_eq(ctr("router", "not_granted"), 1);
    testkit_drain(e0);
    finish();
}

Test(confine, two_instances_share_a_port_only_when_both_say_shared)
{
    cr_assert_eq(configure("interface eth0 driver=loop\n"
                           "extension udp-echo port=7\n"
                           "extension udp-echo port=7\n"),
                 -KE_EXIST);
    cr_expect_eq(err.line, 3);
    cr_expect_eq(err.col, 20, "port= is blamed: %u %s", err.col, err.msg);
    cr_expect(strstr(err.msg, "port 7 is taken by udp-echo (id 1)") != NULL, "%s", err.msg);
    config_free(&cfg);
    cr_assert_eq(configure("interface eth0 driver=loop\n"
                           "extension udp-echo port=7 shared=yes\n"
                           "extension udp-echo port=7\n"),
                 -KE_EXIST, "one saying it is not enough");
    config_free(&cfg);
    cr_assert_eq(configure("interface eth0 driver=loop\n"
                           "extension udp-echo port=7 shared=yes\n"
                           "extension udp-echo port=7 shared=yes\n"
                           "extension sockperf port=7\n"),
                 -KE_EXIST, "a third, of another class, may not join without shared=yes");
    cr_expect_eq(err.line, 4);
    finish();
}

Test(confine, every_instance_counts_under_its_own_id)
{
    cr_assert_eq(configure("interface eth0 driver=loop\n"
                           "extension udp-echo port=7 shared=yes\n"
                           "extension udp-echo port=7 shared=yes\n"
                           "extension udp-echo port=8\n"),
                 0, "%s", err.msg);
    uint64_t v;
    cr_expect_eq(kstats_find("udp-echo#1", "rx", &v), 0, "each instance's counters carry its id");
    cr_expect_eq(kstats_find("udp-echo#2", "rx", &v), 0);
    cr_expect_eq(kstats_find("udp-echo#3", "rx", &v), 0);
    cr_expect_eq(kstats_find("udp-echo", "rx", &v), 0, "the class name finds the first");
    finish();
}

Test(confine, show_counters_by_class_finds_every_instance)
{
    ck_appliance("interface eth0 driver=loop\n"
                 "extension udp-echo port=7\n"
                 "extension udp-echo port=9\n"
                 "extension udp-count port=5000\n");
    ck_console(0);
    cr_expect_eq(ck_run("show counters udp-echo"), CONSOLE_OK);
    cr_expect(strstr(ck_out(), "udp-echo#1:\n") != NULL, "%s", ck_out());
    cr_expect(strstr(ck_out(), "udp-echo#2:\n") != NULL, "%s", ck_out());
    cr_expect_eq(ck_run("show counters udp-echo#2"), CONSOLE_OK);
    cr_expect(strstr(ck_out(), "udp-echo#1:") == NULL, "%s", ck_out());
    cr_expect_eq(ck_run("show counters udp-count"), CONSOLE_OK);
    cr_expect(strstr(ck_out(), "udp-count#3:5000:\n") != NULL, "%s", ck_out());
    ck_finish();
}
