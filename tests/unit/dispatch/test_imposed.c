/*
 * tests/unit/dispatch/test_imposed.c — imposed guards (SPIN's
 * Ethernet.PacketArrived example): UDP's install procedure
 * udp_install_granted() ANDs "destination port within the granted ports"
 * onto the client's guard, so a handler cannot see datagrams for ports it
 * was not granted, whatever its own guard asks for; and the extensions'
 * grants from their configuration (apps/extension.h).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "testkit.h"
#include "../protocols/udp/udpkit.h"

#include "netgraph/extension.h"
#include "kernel/capability.h"
#include "kernel/domain.h"
#include "kernel/event.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/nameservice.h"
#include "protocols/udp/udp.h"

static uint16_t seen_ports[16];
static unsigned nseen;

static int spy(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    struct udp_info in;
    udp_parse(p, &in);
    if (nseen < 16)
        seen_ports[nseen++] = in.dport;
    return KH_TAKEN;
}

static void send_to(struct netif *ifp, uint16_t dport)
{
    static const uint8_t junk[8] = { 1, 2, 3 };
    struct uk_dgram d = { .sport = 30000, .dport = dport, .payload = junk, .payload_len = 8 };
    udpkit_inject(ifp, &d);
}

static struct kcapset *grant(const char *spec)
{
    struct kcapset *s = kcapset_create();
    cr_assert_not_null(s);
    char err[96] = "";
    cr_assert_eq(kns_grant(s, spec, err, sizeof err), 0, "%s: %s", spec, err);
    return s;
}

static void setup(void)
{
    nseen = 0;
}

TestSuite(imposed, .init = setup);

Test(imposed, a_client_asking_for_everything_sees_only_its_granted_port)
{
    struct netif *ifp = udpkit_setup();
    struct kcapset *caps = grant("udp:7");
    struct khandler *h;
    /* no guard at all: the client asks for every datagram */
    cr_assert_eq(udp_install_granted(caps, spy, NULL, NULL, NULL, &h), 0);
    send_to(ifp, 9);
    send_to(ifp, 7);
    send_to(ifp, 5000);
    cr_assert_eq(nseen, 1, "only the granted port reached the handler");
    cr_assert_eq(seen_ports[0], 7);
    cr_assert_eq(udpkit_counter("udp", "unreach_sent"), 2,
                 "the others were nobody's: ICMP port unreachable");
    cr_assert_eq(testkit_drain(ifp), 2);
    kevent_uninstall(h);
    kcapset_destroy(caps);
    cr_assert(pktpool_all_full());
}

Test(imposed, the_client_guard_is_anded_not_replaced)
{
    struct netif *ifp = udpkit_setup();
    struct kcapset *caps = grant("udp:5000-5001");
    /* the client's own guard: source port 30000 only */
    struct kguard g = { 0 };
    kguard_add_test(&g, KGUARD_FIELD(PKT_L4, 0, 2, 0xffff, KG_EQ, 30000));
    struct khandler *h;
    cr_assert_eq(udp_install_granted(caps, spy, NULL, &g, NULL, &h), 0);
    cr_assert_eq(h->guard.ntests, 3, "its test and the two bounds of the grant");
    send_to(ifp, 4999);
    send_to(ifp, 5000);
    send_to(ifp, 5001);
    send_to(ifp, 5002);
    struct uk_dgram other = { .sport = 30001, .dport = 5000 };
    udpkit_inject(ifp, &other);
    cr_assert_eq(nseen, 2);
    cr_assert_eq(seen_ports[0], 5000);
    cr_assert_eq(seen_ports[1], 5001);
    testkit_drain(ifp);
    kevent_uninstall(h);
    kcapset_destroy(caps);
    cr_assert(pktpool_all_full());
}

Test(imposed, a_guard_naming_an_ungranted_port_is_refused)
{
    udpkit_setup();
    struct kcapset *caps = grant("udp:7");
    struct kguard g9 = udp_guard_dport(9);
    cr_assert_eq(udp_install_granted(caps, spy, NULL, &g9, NULL, NULL), -KE_PERM);
    struct kguard g7 = udp_guard_dport(7);
    struct khandler *h;
    cr_assert_eq(udp_install_granted(caps, spy, NULL, &g7, NULL, &h), 0);
    cr_assert_eq(h->guard.ntests, 1, "the client's pinned port implies the imposed guard");
    kevent_uninstall(h);
    /* no capability, or one for another domain under the same name: refused */
    cr_assert_eq(udp_install_granted(NULL, spy, NULL, NULL, NULL, NULL), -KE_PERM);
    struct kcapset *empty = kcapset_create();
    cr_assert_eq(udp_install_granted(empty, spy, NULL, NULL, NULL, NULL), -KE_PERM);
    struct kdomain fake;
    cr_assert_eq(kdomain_init(&fake, "udp", NULL, 0, NULL, 0), 0);
    cr_assert_eq(kcapset_add(empty, kcap_create(&fake, "udp", KCAP_ALL, 0, 65535)), 0);
    cr_assert_eq(udp_install_granted(empty, spy, NULL, NULL, NULL, NULL), -KE_PERM,
                 "a capability not issued for UDP's domain");
    cr_assert_eq(udp_PacketArrived.nhandlers, 0);
    kcapset_destroy(empty);
    kcapset_destroy(caps);
}

Test(imposed, several_grants_pick_the_one_covering_the_port)
{
    struct netif *ifp = udpkit_setup();
    struct kcapset *caps = grant("udp:7,udp:9");
    struct kguard g9 = udp_guard_dport(9);
    struct khandler *h;
    cr_assert_eq(udp_install_granted(caps, spy, NULL, &g9, NULL, &h), 0);
    send_to(ifp, 7);
    send_to(ifp, 9);
    cr_assert_eq(nseen, 1);
    cr_assert_eq(seen_ports[0], 9);
    testkit_drain(ifp);
    kevent_uninstall(h);
    kcapset_destroy(caps);
    cr_assert(pktpool_all_full());
}

Test(imposed, link_against_udp_through_the_name_service_and_install_through_the_table)
{
    struct netif *ifp = udpkit_setup();
    struct kcapset *caps = grant("udp:7");
    /* an extension's domain importing "udp" (granted) and "ipv4" (not) */
    const struct kiface *udp = NULL, *ipv4 = NULL;
    const struct kimport imports[] = { { "udp", &udp }, { "ipv4", &ipv4 } };
    struct kdomain ext;
    cr_assert_eq(kdomain_init(&ext, "ext", NULL, 0, imports, 2), 0);
    cr_assert_eq(kdomain_link(&ext, caps), -KE_PERM, "ipv4 was not granted");
    cr_assert_null(ipv4);
    cr_assert_not_null(udp);
    typedef int (*install_fn)(const struct kcapset *, udp_PacketArrived_fn, void *,
                              const struct kguard *, const struct khandler_props *,
                              struct khandler **);
    install_fn install = (install_fn)kiface_entry(udp, "install");
    cr_assert_not_null(install);
    struct khandler *h;
    cr_assert_eq(install(caps, spy, NULL, NULL, NULL, &h), 0);
    send_to(ifp, 8);
    send_to(ifp, 7);
    cr_assert_eq(nseen, 1);
    cr_assert_eq(seen_ports[0], 7);
    testkit_drain(ifp);
    kevent_uninstall(h);
    kcapset_destroy(caps);
    cr_assert(pktpool_all_full());
}

/* ------------------------------------------- extensions and their grants */

static int install(const char *name, struct kparams *p, void **st, char *err, size_t errlen)
{
    const struct kextension *e = kext_class_find(name);
    cr_assert_not_null(e);
    return kext_create(e, p, (struct kext **)st, err, errlen);
}

Test(imposed, an_explicit_grant_limits_an_observer)
{
    struct netif *ifp = udpkit_setup();
    /* udp-count without port= observes every datagram — unless its grant says otherwise */
    struct kparams p = { .n = 1, .key = { "grant" }, .value = { "udp:5000" } };
    void *st = NULL;
    char err[160] = "";
    cr_assert_eq(install("udp-count", &p, &st, err, sizeof err), 0, "%s", err);
    send_to(ifp, 5000);
    send_to(ifp, 6000);
    send_to(ifp, 5000);
    cr_assert_eq(udpkit_counter("udp-count", "datagrams"), 2, "it cannot see port 6000");
    testkit_drain(ifp);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

Test(imposed, without_grant_the_configuration_keeps_its_meaning)
{
    struct netif *ifp = udpkit_setup();
    void *count = NULL, *echo = NULL;
    char err[160] = "";
    struct kparams none = { 0 };
    cr_assert_eq(install("udp-count", &none, &count, err, sizeof err), 0, "%s", err);
    struct kparams p7 = { .n = 1, .key = { "port" }, .value = { "7" } };
    cr_assert_eq(install("udp-echo", &p7, &echo, err, sizeof err), 0, "%s", err);
    send_to(ifp, 7);
    send_to(ifp, 6000);
    cr_assert_eq(udpkit_counter("udp-count", "datagrams"), 2, "udp:* derived: it sees all");
    cr_assert_eq(udpkit_counter("udp-echo", "tx"), 1);
    testkit_drain(ifp);
    kext_destroy(echo);
    kext_destroy(count);
    cr_assert(pktpool_all_full());
}

Test(imposed, an_extension_cannot_serve_a_port_it_was_not_granted)
{
    udpkit_setup();
    uint64_t live = kmem_live();
    struct kparams p = { .n = 2, .key = { "port", "grant" }, .value = { "9", "udp:7" } };
    void *st = NULL;
    char err[160] = "";
    cr_assert_eq(install("udp-echo", &p, &st, err, sizeof err), -KE_PERM);
    cr_assert_not_null(strstr(err, "port 9"), "%s", err);
    cr_assert_eq(install("sockperf", &p, &st, err, sizeof err), -KE_PERM);
    p.key[0] = "port";
    p.value[0] = "5000";
    cr_assert_eq(install("udp-count", &p, &st, err, sizeof err), -KE_PERM);
    cr_assert_null(st);
    cr_assert_eq(udp_PacketArrived.nhandlers, 0);
    /* a grant of something nobody published, or malformed */
    struct kparams q = { .n = 1, .key = { "grant" }, .value = { "ipv9:1" } };
    cr_assert_eq(install("udp-echo", &q, &st, err, sizeof err), -KE_NOENT);
    cr_assert_not_null(strstr(err, "grant=ipv9:1"), "%s", err);
    q.value[0] = "udp:7-3";
    cr_assert_eq(install("udp-echo", &q, &st, err, sizeof err), -KE_INVAL);
    q.value[0] = "udp:70000";
    cr_assert_eq(install("udp-echo", &q, &st, err, sizeof err), -KE_RANGE);
    cr_assert_eq(kmem_live(), live, "nothing kept from the refusals");
}

/* ------------------------------------------ grants in a configuration */

#include "netgraph/apply.h"
#include "netgraph/instances.h"
#include "netgraph/runtime.h"
#include "drivers/loop/loop.h"
#include "netgraph/config.h"

static struct config cfg;
static struct config_error cerr;

static void appliance_setup(void)
{
    cr_assert_eq(netgraph_init(256), 0);
    cr_assert_eq(kdriver_register(&loop_driver), 0);
}

static int configure(const char *text)
{
    cr_assert_eq(config_parse(text, strlen(text), "g.conf", &cfg, &cerr), 0, "%s", cerr.msg);
    return netgraph_configure(&cfg, &cerr);
}

Test(grant_config, a_configured_grant_is_enforced, .init = appliance_setup)
{
    cr_assert_eq(configure("interface lo0 driver=loop mac=02:00:00:00:00:01\n"
                           "address lo0 10.0.0.1/24\n"
                           "extension udp-echo port=7 grant=udp:7\n"
                           "extension udp-count grant=udp:5000-5001\n"),
                 0, "%s", cerr.msg);
    cr_assert_eq(udp_PacketArrived.nhandlers, 2);
    netgraph_shutdown();
    config_free(&cfg);
    cr_assert(pktpool_all_full());
}

Test(grant_config, a_port_outside_the_grant_names_the_line, .init = appliance_setup)
{
    cr_assert_eq(configure("interface lo0 driver=loop\n"
                           "extension udp-echo port=7\n"
                           "extension sockperf port=11111 grant=udp:7\n"),
                 -KE_PERM);
    cr_assert_eq(cerr.line, 3);
    cr_assert_not_null(strstr(cerr.msg, "not granted"), "%s", cerr.msg);
    cr_assert_eq(udp_PacketArrived.nhandlers, 0, "nothing stays installed");
    config_free(&cfg);
    cr_assert_eq(configure("interface lo0 driver=loop\n"
                           "extension udp-echo grant=tcp:7\n"),
                 -KE_NOENT);
    cr_assert_eq(cerr.line, 2);
    cr_assert_eq(cerr.col, 20, "the grant= parameter is blamed: %s", cerr.msg);
    netgraph_shutdown();
    config_free(&cfg);
    cr_assert(pktpool_all_full());
}
