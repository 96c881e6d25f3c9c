/*
 * Unit tests of apps/appliance.c and netgraph/introspect.c: a small appliance
 * configured from text on loop ports (and on a scripted "fake" driver for
 * failures), frames moved through netgraph_poll, the JSON and DOT output
 * shapes, and the pools full again after shutdown.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testkit.h"
#include "netgraph/apply.h"
#include "netgraph/instances.h"
#include "netgraph/runtime.h"
#include "drivers/loop/loop.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/stats.h"
#include "netgraph/config.h"
#include "netgraph/introspect.h"
#include "protocols/ipv4/ipv4.h"

/* ------------------------------------------------- a scripted driver */

/* "fake": start fails when fail=1 (port->error "no carrier"); the port is a
 * finished replay when done=1; rx hands out `frames` copies of a 60-byte frame. */
static struct {
    unsigned opens, starts, stops, closes;
    struct kparams last_params;
    char last_keys[KPARAM_MAX][16];
} fake;

struct fake_priv {
    bool fail;
    unsigned frames;
};

static int fake_start(struct kport *port)
{
    struct fake_priv *fp = port->priv;
    fake.starts++;
    if (fp->fail) {
        ksnprintf(port->error, sizeof port->error, "no carrier");
        return -KE_IO;
    }
    return 0;
}

static void fake_stop(struct kport *port)
{
    fake.stops++;
}

static uint16_t fake_rx(struct kport *port, struct pktbuf **pkts, uint16_t max)
{
    struct fake_priv *fp = port->priv;
    uint16_t n = 0;
    while (n < max && fp->frames > 0) {
        struct pktbuf *p = pkt_alloc(port->pool);
        if (!p)
            break;
        memset(pkt_append(p, 60), 0xee, 60);
        pkts[n++] = p;
        fp->frames--;
    }
    return n;
}

static uint16_t fake_tx(struct kport *port, struct pktbuf **pkts, uint16_t n)
{
    for (uint16_t i = 0; i < n; i++)
        pkt_free(pkts[i]);
    return n;
}

static void fake_close(struct kport *port)
{
    fake.closes++;
    kfree(port->priv);
    kfree(port);
}

static const struct kport_ops fake_ops = {
    .start = fake_start,
    .stop = fake_stop,
    .rx_burst = fake_rx,
    .tx_burst = fake_tx,
    .close = fake_close,
};

static int fake_open(const struct kdriver_args *a, struct kport **out, char *err, size_t errlen)
{
    fake.opens++;
    fake.last_params = *a->params;
    uint64_t fail, done, frames;
    if (kparams_get_u64(a->params, "fail", 0, 0, 1, &fail) ||
        kparams_get_u64(a->params, "done", 0, 0, 1, &done) ||
        kparams_get_u64(a->params, "frames", 0, 0, 1000, &frames)) {
        ksnprintf(err, errlen, "fake %s: bad parameter", a->ifname);
        return -KE_INVAL;
    }
    struct kport *port = kmalloc(sizeof *port);
    struct fake_priv *fp = kmalloc(sizeof *fp);
    fp->fail = fail;
    fp->frames = (unsigned)frames;
    port->ops = &fake_ops;
    port->priv = fp;
    port->driver = "fake";
    kstrlcpy(port->name, a->ifname, sizeof port->name);
    const uint8_t mac[6] = { 2, 0xfa, 0xce, 0, 0, (uint8_t)a->instance };
    memcpy(port->mac, mac, 6);
    port->mtu = 1500;
    port->done = done;
    port->wait_fd = -1;
    port->pool = a->pool ? a->pool : pktpool_default();
    *out = port;
    return 0;
}

static const struct kdriver fake_driver = { .name = "fake", .open = fake_open };

/* ------------------------------------------------------------ helpers */

static struct config cfg;
static struct config_error err;

static void setup(void)
{
    cr_assert_eq(netgraph_init(256), 0);
    cr_assert(kdriver_register(&loop_driver) == 0);
    cr_assert(kdriver_register(&fake_driver) == 0);
}

TestSuite(appliance, .init = setup);

static int configure(const char *text)
{
    cr_assert_eq(config_parse(text, strlen(text), "a.conf", &cfg, &err), 0, "%u:%u: %s", err.line,
                 err.col, err.msg);
    return netgraph_configure(&cfg, &err);
}

static void finish(void)
{
    netgraph_shutdown();
    config_free(&cfg);
    cr_assert(testkit_pool_full());
}

static uint64_t stat_of(const char *node, const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find(node, name, &v), 0, "no counter %s.%s", node, name);
    return v;
}

/* An ARP request (RFC 826) from 10.0.0.2 / 02:00:00:00:00:99 for @target. */
static size_t arp_request(uint8_t *f, uint32_t target)
{
    static const uint8_t head[] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2,  0, 0, 0, 0, 0x99, 0x08, 0x06, /* Ethernet */
        0,    1,    0x08, 0,    6,    4,    0,  1,       /* Ethernet/IPv4, request */
        2,    0,    0,    0,    0,    0x99, 10, 0, 0, 2, /* sender */
        0,    0,    0,    0,    0,    0,                 /* target MAC */
    };
    memset(f, 0, 60);
    memcpy(f, head, sizeof head);
    store_be32(f + 38, target);
    return 60;
}

/* ------------------------------------------------ a tiny JSON checker */

struct js {
    const char *s;
    bool ok;
};

static void ws(struct js *j)
{
    while (*j->s == ' ' || *j->s == '\n' || *j->s == '\t' || *j->s == '\r')
        j->s++;
}

static void value(struct js *j);

static void string(struct js *j)
{
    if (*j->s != '"') {
        j->ok = false;
        return;
    }
    for (j->s++; *j->s && *j->s != '"'; j->s++) {
        if ((unsigned char)*j->s < 0x20)
            j->ok = false;
        if (*j->s == '\\' && j->s[1])
            j->s++;
    }
    if (*j->s != '"')
        j->ok = false;
    else
        j->s++;
}

static void compound(struct js *j, char close, bool object)
{
    j->s++;
    ws(j);
    if (*j->s == close) {
        j->s++;
        return;
    }
    while (j->ok) {
        ws(j);
        if (object) {
            string(j);
            ws(j);
            if (*j->s != ':') {
                j->ok = false;
                return;
            }
            j->s++;
        }
        value(j);
        ws(j);
        if (*j->s == ',') {
            j->s++;
            continue;
        }
        if (*j->s != close)
            j->ok = false;
        else
            j->s++;
        return;
    }
}

static void value(struct js *j)
{
    ws(j);
    if (*j->s == '{')
        compound(j, '}', true);
    else if (*j->s == '[')
        compound(j, ']', false);
    else if (*j->s == '"')
        string(j);
    else if (*j->s >= '0' && *j->s <= '9')
        while (*j->s >= '0' && *j->s <= '9')
            j->s++;
    else
        j->ok = false;
}

static bool json_valid(const char *s)
{
    struct js j = { s, true };
    value(&j);
    ws(&j);
    return j.ok && *j.s == '\0';
}

/* -------------------------------------------------------------- tests */

static const char loop_conf[] = "interface lo0 driver=loop mac=02:00:00:00:00:01\n"
                                "address lo0 10.0.0.1/24\n"
                                "route 0.0.0.0/0 via 10.0.0.254\n"
                                "extension udp-count port=5000\n";

Test(appliance, loop_appliance_answers_arp_and_reports_json_and_dot)
{
    cr_assert_eq(configure(loop_conf), 0, "%s", err.msg);
    struct netif *ifp = netif_find("lo0");
    cr_assert_not_null(ifp);
    const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
    cr_expect_arr_eq(ifp->mac, mac, 6, "mac= overrides the port's own");
    struct ipv4_route r;
    cr_assert_eq(ipv4_route_lookup(0x08080808u, &r), 0);
    cr_expect_eq(r.gateway, 0x0a0000feu);
    cr_expect_eq(r.ifindex, ifp->index, "the gateway's connected subnet picks the interface");

    uint8_t f[60];
    cr_assert_eq(loop_inject(ifp->port, f, arp_request(f, 0x0a000001u)), 0);
    cr_assert_eq(netgraph_poll(false), 1);
    cr_expect_eq(netgraph_poll(false), 0);
    cr_expect_eq(stat_of("lo0", "rx_frames"), 1);
    cr_expect_eq(stat_of("arp", "rx_request"), 1);
    cr_expect_eq(loop_tx_pending(ifp->port), 1, "an ARP reply was sent");
    struct pktbuf *reply = loop_take_tx(ifp->port);
    cr_assert_not_null(reply);
    cr_expect_eq(load_be16(pkt_data(reply) + 20), 2, "ARP reply opcode");
    pkt_free(reply);
    cr_expect(!netgraph_done(), "a loop port is never a finished replay");

    char json[8192];
    size_t n = introspect_json(json, sizeof json);
    cr_assert_lt(n, sizeof json);
    cr_expect_eq(strlen(json), n);
    cr_expect(json_valid(json), "invalid JSON:\n%s", json);
    cr_expect(strncmp(json, "{\"nodes\": {", 11) == 0, "%s", json);
    cr_expect(strstr(json, "\"lo0\": {\"rx_frames\": 1, \"rx_bytes\": 60,") != NULL, "%s", json);
    cr_expect(strstr(json, "\"pools\": [") != NULL);
    cr_expect(strstr(json, "{\"name\": \"default\", \"count\": 256, \"out\": 0,") != NULL, "%s",
              json);
    cr_expect(strstr(json, "{\"name\": \"dev.PacketArrived\", \"handlers\": 1, \"raised\": 1,") !=
                  NULL,
              "%s", json);
    /* cut short: still NUL-terminated, full length reported */
    char small[16];
    cr_expect_eq(introspect_json(small, sizeof small), n);
    cr_expect_eq(strlen(small), sizeof small - 1);

    char dot[8192];
    n = introspect_dot(dot, sizeof dot);
    cr_assert_lt(n, sizeof dot);
    cr_expect(strncmp(dot, "digraph spindle {\n", 18) == 0, "%s", dot);
    cr_expect(strcmp(dot + n - 2, "}\n") == 0);
    cr_expect(strstr(dot, "label=\"dev.PacketArrived\\nraised 1\"") != NULL, "%s", dot);
    cr_expect(strstr(dot, "label=\"L2[12:2]==0x806\"") != NULL, "the ARP guard on its edge:\n%s",
              dot);
    cr_expect(strstr(dot, "shape=house, label=\"lo0\\nloop\"") != NULL, "%s", dot);
    unsigned open = 0, close = 0;
    for (const char *p = dot; *p; p++) {
        open += *p == '{';
        close += *p == '}';
    }
    cr_expect_eq(open, close);
    finish();
}

Test(appliance, json_escapes_names_and_keeps_duplicate_nodes_apart)
{
    static const char *const names[] = { "a\"b\\c\n" };
    static uint64_t v1[1] = { 7 }, v2[1] = { 8 };
    static struct kstat_group g1 = KSTAT_GROUP("dup", names, v1),
                              g2 = KSTAT_GROUP("dup", names, v2);
    /* the checker itself refuses what is not JSON */
    cr_assert(!json_valid("{\"a\": 1,}") && !json_valid("{\"a\" 1}") && !json_valid("[1 2]") &&
              !json_valid("{\"a\n\": 1}") && json_valid("{\"a\": [1, {}], \"b\": \"\\\"\"}"));
    kstats_register(&g1);
    kstats_register(&g2);
    char json[8192];
    introspect_json(json, sizeof json);
    cr_expect(json_valid(json), "%s", json);
    cr_expect(strstr(json, "\"dup\": {\"a\\\"b\\\\c\\u000a\": 7}") != NULL, "%s", json);
    cr_expect(strstr(json, "\"dup#2\": {\"a\\\"b\\\\c\\u000a\": 8}") != NULL, "%s", json);
    kstats_unregister(&g1);
    kstats_unregister(&g2);
    netgraph_shutdown();
    cr_assert(testkit_pool_full());
}

Test(appliance, json_in_parts_around_shutdown)
{
    cr_assert_eq(configure(loop_conf), 0, "%s", err.msg);
    struct introspect_buf b = { .buf = NULL, .size = 0, .len = 0 };
    static char out[8192];
    b.buf = out;
    b.size = sizeof out;
    struct introspect_json j;
    introspect_json_begin(&j, introspect_buf_write, &b);
    introspect_json_section(&j, INTROSPECT_NODES | INTROSPECT_EVENTS);
    netgraph_shutdown();
    introspect_json_section(&j, INTROSPECT_POOLS | INTROSPECT_NODES); /* nodes already written */
    introspect_json_end(&j);
    out[b.len < sizeof out ? b.len : sizeof out - 1] = '\0';
    cr_expect(json_valid(out), "%s", out);
    cr_expect(strstr(out, "\"lo0\"") != NULL, "counters taken before shutdown");
    const char *nodes = strstr(out, "\"nodes\"");
    cr_assert_not_null(nodes);
    cr_expect_null(strstr(nodes + 1, "\"nodes\""), "nodes written once:\n%s", out);
    cr_expect_not_null(
        strstr(out, "\"pools\": [\n  {\"name\": \"default\", \"count\": 256, \"out\": 0"), "%s",
        out);
    config_free(&cfg);
    cr_assert(testkit_pool_full());
}

Test(appliance, params_reach_the_driver_without_driver_and_mac)
{
    cr_assert_eq(configure("interface f0 driver=fake frames=3 mac=02:00:00:00:00:05 x=y\n"), 0,
                 "%s", err.msg);
    cr_assert_eq(fake.last_params.n, 2);
    cr_expect_str_eq(fake.last_params.key[0], "frames");
    cr_expect_str_eq(fake.last_params.key[1], "x");
    cr_expect_eq(fake.starts, 1);
    cr_expect_eq(netgraph_poll(false), 3);
    cr_expect_eq(stat_of("f0", "rx_frames"), 3);
    cr_expect_eq(stat_of("ether", "not_for_us"), 3, "0xee.. is not our address");
    finish();
    cr_expect_eq(fake.closes, 1);
}

Test(appliance, unknown_driver_points_at_driver_token)
{
    cr_assert_eq(configure("interface eth0 mac=02:00:00:00:00:01 driver=warp\n"), -KE_NOENT);
    cr_expect_eq(err.line, 1);
    cr_expect_eq(err.col, 38);
    cr_expect_str_eq(err.file, "a.conf");
    /* the linked-in classes sorted (the hosted image may add dpdk first), then run-time ones */
    cr_expect(strstr(err.msg, "unknown driver 'warp' (known: ") != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, "loop, pcap, pcap-file, fake)") != NULL, "%s", err.msg);
    cr_expect_eq(netif_count(), 0);
    finish();
}

Test(appliance, bad_driver_parameter_is_a_config_error)
{
    cr_assert_eq(configure("interface eth0 driver=loop\ninterface f0 driver=fake fail=2\n"),
                 -KE_INVAL);
    cr_expect_eq(err.line, 2);
    cr_expect(strstr(err.msg, "fake f0: bad parameter") != NULL, "%s", err.msg);
    cr_expect_eq(netif_count(), 0, "the loop interface opened before is gone again");
    finish();
}

Test(appliance, start_failure_names_the_device_and_undoes_everything)
{
    const char *text = "interface eth0 driver=loop\n"
                       "address eth0 10.0.0.1/24\n"
                       "interface f0 driver=fake device=veth-app fail=1\n"
                       "route 10.9.0.0/16 via 10.0.0.9\n"
                       "extension udp-count\n";
    cr_assert_eq(configure(text), -KE_IO);
    char msg[400];
    config_error_format(&err, msg, sizeof msg);
    cr_expect_str_eq(msg, "a.conf:3:11: interface f0: driver fake device veth-app: no carrier");
    cr_expect_eq(netif_count(), 0);
    cr_expect_eq(fake.closes, 1);
    struct ipv4_route r;
    cr_expect_eq(ipv4_route_lookup(0x0a090001u, &r), -KE_UNREACH, "the route was removed again");
    uint64_t v;
    cr_expect_eq(kstats_find("udp-count", "datagrams", &v), -KE_NOENT, "no extension installed");
    finish();
}

Test(appliance, unknown_extension_lists_the_known_ones)
{
    cr_assert_eq(configure("interface eth0 driver=loop\nextension udp-ecco port=7\n"), -KE_NOENT);
    cr_expect_eq(err.line, 2);
    cr_expect_eq(err.col, 11);
    cr_expect(strstr(err.msg, "unknown extension 'udp-ecco' (known: ") != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, "udp-echo") != NULL, "%s", err.msg);
    cr_expect_eq(netif_count(), 0);
    finish();
}

Test(appliance, extension_error_points_at_the_parameter)
{
    cr_assert_lt(configure("interface eth0 driver=loop\nextension udp-echo port=99999999\n"), 0);
    cr_expect_eq(err.line, 2);
    cr_expect_eq(err.col, 20, "%u: %s", err.col, err.msg);
    cr_expect(strstr(err.msg, "extension udp-echo: ") == err.msg, "%s", err.msg);
    finish();
}

Test(appliance, gateway_on_no_subnet_is_an_error)
{
    cr_assert_eq(configure("interface eth0 driver=loop\naddress eth0 10.0.0.1/24\n"
                           "route 0.0.0.0/0 via 192.168.1.1\n"),
                 -KE_UNREACH);
    cr_expect_eq(err.line, 3);
    cr_expect_eq(err.col, 7);
    cr_expect(strstr(err.msg, "gateway 192.168.1.1 is on no interface's subnet") != NULL, "%s",
              err.msg);
    finish();
}

Test(appliance, route_dev_names_the_interface)
{
    cr_assert_eq(configure("interface eth0 driver=loop\ninterface eth1 driver=loop\n"
                           "address eth0 10.0.0.1/24\n"
                           "route 172.16.0.0/12 via 10.0.0.7 dev eth1\n"
                           "route 192.168.0.0/16 dev eth1\n"),
                 0, "%s", err.msg);
    struct ipv4_route r;
    cr_assert_eq(ipv4_route_lookup(0xac100001u, &r), 0);
    cr_expect_eq(r.ifindex, 1);
    cr_expect_eq(r.gateway, 0x0a000007u);
    cr_assert_eq(ipv4_route_lookup(0xc0a80101u, &r), 0);
    cr_expect_eq(r.gateway, 0);
    finish();
}

Test(appliance, done_when_every_port_is_a_finished_replay)
{
    cr_expect(!netgraph_done(), "no ports: not done");
    cr_assert_eq(configure("interface f0 driver=fake done=1 frames=5\n"
                           "interface f1 driver=fake done=1\n"),
                 0, "%s", err.msg);
    cr_expect(netgraph_done());
    cr_expect_eq(netgraph_poll(false), 0, "finished ports are not polled");
    finish();
}

Test(appliance, not_done_while_one_port_runs)
{
    cr_assert_eq(configure("interface f0 driver=fake done=1\ninterface f1 driver=fake\n"), 0, "%s",
                 err.msg);
    cr_expect(!netgraph_done());
    finish();
}
