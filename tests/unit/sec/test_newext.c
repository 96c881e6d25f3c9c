/*
 * The receive and confinement policies (test_policy.c, test_confine.c) for
 * the extensions of active messages and ONC RPC: their UDP endpoints ignore
 * datagrams sent to a broadcast or multicast address unless bcast=yes (an
 * RPC server or AM endpoint answering a subnet broadcast is an amplifier),
 * take a UDP port another extension holds only when both say shared=yes,
 * count under their instance's id, and are granted no more than they
 * declare. A VC endpoint holds no UDP port.
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
#include "netgraph/extension.h"
#include "netgraph/runtime.h"

static const uint8_t BCAST_MAC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST_MAC[6] = { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 };

static uint64_t ctr(const char *node, const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find(node, name, &v), 0, "no counter %s.%s", node, name);
    return v;
}

/* appliance - eth0 10.0.0.1/24, an AM endpoint on 9000 and rpc-echo on 40001 (+ @extra each). */
static struct netif *appliance(const char *extra)
{
    static char text[512];
    snprintf(text, sizeof text,
             "interface eth0 driver=loop mac=02:00:00:00:00:01\n"
             "address eth0 10.0.0.1/24\n"
             "extension am port=9000%s\n"
             "extension rpc-echo port=40001 mode=sync%s\n",
             extra, extra);
    struct netif *ifp = ck_appliance(text);
    /* the peer is known, so a reply leaves at once instead of waiting for ARP */
    uint8_t f[60];
    ck_inject(ifp, f, ck_arp_request(f, CK_OUR_IP));
    ck_poll();
    ck_sent_drain(ifp);
    return ifp;
}

/* send_to - a datagram from the peer to @dst:@dport in a frame to @mac; frames sent in answer. */
static unsigned send_to(struct netif *ifp, const uint8_t *mac, uint32_t dst, uint16_t dport,
                        const uint8_t *payload, size_t len)
{
    struct sk_dgram d = { .eth_dst = mac, .eth_src = CK_PEER_MAC, .src = CK_PEER_IP, .dst = dst };
    uint8_t f[256];
    ck_inject(ifp, f, sk_udp(f, &d, 40000, dport, payload, len));
    ck_poll();
    return ck_sent_drain(ifp);
}

/* An ONC RPC call (RFC 5531 section 9): xid 7, program 537198593 (rpcecho)
 * version 1, procedure 0 (NULL), AUTH_NONE credential and verifier. */
static const uint8_t RPC_NULL_CALL[40] = {
    0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 2, 0x20, 0x05, 0x00, 0x01, 0, 0, 0, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,    0,    0,    0,    0, 0, 0, 0,
};
/* Two bytes: shorter than any active-message header (what the endpoint counts). */
static const uint8_t AM_SHORT[2] = { 1, 2 };

Test(newext_bcast, rpc_and_am_endpoints_ignore_broadcast_and_multicast)
{
    struct netif *ifp = appliance("");
    const uint8_t *call = RPC_NULL_CALL;
    cr_expect_eq(send_to(ifp, BCAST_MAC, 0x0a0000ffu, 40001, call, 40), 0, "subnet broadcast");
    cr_expect_eq(send_to(ifp, BCAST_MAC, 0xffffffffu, 40001, call, 40), 0, "limited broadcast");
    cr_expect_eq(send_to(ifp, MCAST_MAC, 0xe0010203u, 40001, call, 40), 0, "multicast");
    cr_expect_eq(send_to(ifp, BCAST_MAC, CK_OUR_IP, 40001, call, 40), 0, "link broadcast");
    cr_expect_eq(ctr("rpc-echo:40001", "rx"), 0, "the server never saw them");
    cr_expect_eq(send_to(ifp, BCAST_MAC, 0x0a0000ffu, 9000, AM_SHORT, 2), 0);
    cr_expect_eq(send_to(ifp, MCAST_MAC, 0xe0010203u, 9000, AM_SHORT, 2), 0);
    cr_expect_eq(ctr("am:udp-9000", "rx") + ctr("am:udp-9000", "malformed"), 0,
                 "the AM endpoint never saw them");
    cr_expect_eq(ctr("udp", "unreach_sent"), 0, "and no port unreachable either");

    cr_expect_eq(send_to(ifp, CK_OUR_MAC, CK_OUR_IP, 40001, call, 40), 1, "unicast is answered");
    cr_expect_eq(ctr("rpc-echo:40001", "rx"), 1);
    cr_expect_eq(send_to(ifp, CK_OUR_MAC, CK_OUR_IP, 9000, AM_SHORT, 2), 0);
    cr_expect_eq(ctr("am:udp-9000", "malformed"), 1, "unicast reaches the AM endpoint");
    ck_finish();
}

Test(newext_bcast, bcast_yes_lets_them_see_broadcast)
{
    struct netif *ifp = appliance(" bcast=yes");
    cr_expect_eq(send_to(ifp, BCAST_MAC, 0x0a0000ffu, 40001, RPC_NULL_CALL, 40), 1,
                 "configured to answer");
    cr_expect_eq(send_to(ifp, BCAST_MAC, 0x0a0000ffu, 9000, AM_SHORT, 2), 0);
    cr_expect_eq(ctr("am:udp-9000", "malformed"), 1, "configured to see it");
    ck_finish();
}

Test(newext_counters, instances_count_under_their_id)
{
    ck_appliance("interface eth0 driver=loop\n"
                 "extension am port=9000\n"
                 "extension am vc=0/40\n"
                 "extension rpc-echo\n"
                 "extension rpc-echo vc=0/41\n"
                 "extension portmap\n");
    uint64_t v;
    cr_expect_eq(kstats_find("am#1:udp-9000", "rx", &v), 0, "the id is in the node");
    cr_expect_eq(kstats_find("am#2:aal5-0-40", "rx", &v), 0);
    cr_expect_eq(kstats_find("rpc-echo#3:40001", "rx", &v), 0);
    cr_expect_eq(kstats_find("rpc-echo#4:0/41", "rx", &v), 0);
    cr_expect_eq(kstats_find("portmap#5:111", "rx", &v), 0);
    cr_expect_eq(kstats_find("rpc-echo:0/41", "rx", &v), 0, "found without the id too");
    cr_expect_eq(kstats_find("rpc-echo:40002", "rx", &v), -KE_NOENT, "but not another port");
    ck_finish();
}

static struct config cfg;
static struct config_error err;

/* configure - bring up @text; netgraph_configure's code (err holds the message). */
static int configure(const char *text)
{
    cr_assert_eq(netgraph_init(256), 0);
    cr_assert_eq(kdriver_register(&loop_driver), 0);
    cr_assert_eq(config_parse(text, strlen(text), "c.conf", &cfg, &err), 0, "%s", err.msg);
    return netgraph_configure(&cfg, &err);
}

static void finish(void)
{
    netgraph_shutdown();
    config_free(&cfg);
    cr_assert(testkit_pool_full());
}

Test(newext_ports, a_udp_port_is_shared_only_when_both_say_shared)
{
    cr_expect_eq(configure("interface eth0 driver=loop\n"
                           "extension udp-echo port=40001\n"
                           "extension rpc-echo\n"),
                 -KE_EXIST, "rpc-echo's default port is udp-echo's");
    cr_expect(strstr(err.msg, "port 40001 is taken by udp-echo (id 1)") != NULL, "%s", err.msg);
    finish();
    cr_expect_eq(configure("interface eth0 driver=loop\n"
                           "extension rpc-echo port=9000\n"
                           "extension am port=9000\n"),
                 -KE_EXIST, "an AM endpoint on an RPC server's port");
    cr_expect_eq(err.line, 3);
    finish();
    cr_expect_eq(configure("interface eth0 driver=loop\n"
                           "extension udp-echo port=40001 shared=yes\n"
                           "extension rpc-echo shared=yes\n"),
                 0, "%s", err.msg);
    finish();
    cr_expect_eq(configure("interface eth0 driver=loop\n"
                           "extension rpc-echo vc=0/40\n"
                           "extension udp-echo port=40001\n"),
                 0, "a VC endpoint holds no UDP port: %s", err.msg);
    finish();
}

Test(newext_grants, grants_are_bounded_by_what_the_classes_declare)
{
    cr_expect_eq(configure("interface eth0 driver=loop\n"
                           "extension am port=9000 grant=udp:9000-9001\n"),
                 -KE_PERM);
    cr_expect(strstr(err.msg, "too wide") != NULL, "%s", err.msg);
    finish();
    cr_expect_eq(configure("interface eth0 driver=loop\n"
                           "extension rpc-echo grant=ipv4-forward:0\n"),
                 -KE_PERM);
    cr_expect(strstr(err.msg, "rpc-echo needs nothing of it") != NULL, "%s", err.msg);
    finish();
    cr_expect_eq(configure("interface eth0 driver=loop\n"
                           "extension portmap grant=udp:1-1023\n"),
                 -KE_PERM);
    cr_expect(strstr(err.msg, "too wide") != NULL, "%s", err.msg);
    finish();
    cr_expect_eq(configure("interface eth0 driver=loop\n"
                           "extension rpc-echo port=40001 grant=udp:40001\n"),
                 0, "exactly its port: %s", err.msg);
    finish();
}

static void declared(const struct kextension *c, void *ctx)
{
    unsigned *n = ctx;
    (*n)++;
    cr_expect_not_null(c->needs, "%s declares no needs", c->name);
    cr_expect(c->common & KEXT_GRANT, "%s takes no grant=", c->name);
}

Test(newext_grants, every_class_declares_its_needs_and_takes_a_grant)
{
    static const char *const classes[] = { "aal5-echo", "am",         "am-ping",     "portmap",
                                           "rpc-echo",  "rpc-latrpc", "rpc-stats",   "rpc-ping",
                                           "router",    "udp-echo",   "video-server" };
    for (unsigned i = 0; i < sizeof classes / sizeof classes[0]; i++)
        cr_assert_not_null(kext_class_find(classes[i]), "%s is linked in", classes[i]);
    unsigned n = 0;
    kext_class_foreach(declared, &n);
    cr_expect_geq(n, sizeof classes / sizeof classes[0]);
}
