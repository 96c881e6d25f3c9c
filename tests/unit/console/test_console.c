/*
 * tests/unit/console/test_console.c — the operator console
 * (apps/console/console.h): line editing and the command parser, then every
 * command on a loop-driver appliance configured from text, its output and
 * its effect on the graph, and its errors (which change nothing).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "conskit.h"
#include "apps/console/command.h"
#include "netgraph/apply.h"
#include "netgraph/instances.h"
#include "netgraph/runtime.h"
#include "kernel/kerr.h"
#include "kernel/log.h"
#include "kernel/stats.h"
#include "protocols/arp/arp.h"
#include "protocols/ipv4/ipv4.h"

#define OUT_HAS(needle) \
    cr_expect(strstr(ck_out(), (needle)) != NULL, "no '%s' in:\n%s", (needle), ck_out())
#define OUT_LACKS(needle) \
    cr_expect(strstr(ck_out(), (needle)) == NULL, "'%s' in:\n%s", (needle), ck_out())
#define OUT_IS(text) cr_expect_str_eq(ck_out(), (text))

static unsigned count_of(const char *hay, const char *needle)
{
    unsigned n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static uint64_t stat_of(const char *node, const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find(node, name, &v), 0, "no counter %s.%s", node, name);
    return v;
}

/* --------------------------------------------- line editing (no appliance) */

Test(console_line, backspace_enter_crlf_and_ctrl_u_edit_the_line)
{
    struct console_session *s = ck_console(0);
    /* "hepl" DEL DEL "lp" must run "help" */
    const char typed[] = "hepl\x7f\x7flp\r\n";
    cr_expect_eq(console_feed(s, typed, sizeof typed - 1), CONSOLE_OK);
    OUT_HAS("commands:\n");
    cr_expect_eq(s->lines, 1, "CR LF ends one line, not two");
    ck_clear();
    const char killed[] = "garbage\x15help quit\n";
    cr_expect_eq(console_feed(s, killed, sizeof killed - 1), CONSOLE_OK);
    OUT_HAS("  quit\n");
    OUT_LACKS("garbage");
    ck_clear();
    /* backspace on an empty line does nothing; CR alone ends a line */
    const char empty[] = "\b\bhelp log\r";
    cr_expect_eq(console_feed(s, empty, sizeof empty - 1), CONSOLE_OK);
    OUT_HAS("  log level [LEVEL]\n");
    cr_expect_eq(s->lines, 3);
}

Test(console_line, arrow_keys_and_control_bytes_are_ignored)
{
    struct console_session *s = ck_console(0);
    const char typed[] = "he\x1b[A\x1b[1;5Clp\x01\x02 quit\n";
    cr_expect_eq(console_feed(s, typed, sizeof typed - 1), CONSOLE_OK);
    OUT_HAS("  quit\n      close this console session");
}

Test(console_line, echo_prompt_and_erase_on_a_raw_terminal)
{
    struct console_session *s = ck_console(CONSOLE_ECHO | CONSOLE_SHOW_PROMPT);
    console_prompt(s);
    OUT_IS(CONSOLE_PROMPT);
    ck_clear();
    const char typed[] = "ab\x7fz";
    console_feed(s, typed, sizeof typed - 1);
    OUT_IS("ab\b \bz");
    ck_clear();
    console_feed(s, "\x03", 1);
    OUT_IS("^C\n" CONSOLE_PROMPT);
    ck_clear();
    console_feed(s, "\n", 1);
    OUT_IS("\n" CONSOLE_PROMPT);
    cr_expect_eq(s->lines, 0, "an abandoned line and an empty line run nothing");
}

Test(console_line, a_too_long_line_is_refused_whole)
{
    struct console_session *s = ck_console(0);
    char line[CONSOLE_LINE_MAX + 50];
    memset(line, 'x', sizeof line);
    line[sizeof line - 1] = '\n';
    cr_expect_eq(console_feed(s, line, sizeof line), CONSOLE_FAILED);
    OUT_IS("line too long (more than 512 bytes); ignored\n");
    cr_expect_eq(s->failed, 1);
    ck_clear();
    cr_expect_eq(console_feed(s, "help quit\n", 10), CONSOLE_OK, "the next line is fine");
    OUT_HAS("  quit");
}

Test(console_line, feed_stops_at_quit_and_shutdown)
{
    struct console_session *s = ck_console(0);
    const char two[] = "quit\nhelp\n";
    cr_expect_eq(console_feed(s, two, sizeof two - 1), CONSOLE_QUIT);
    OUT_IS("bye (the appliance keeps running)\n");
    ck_clear();
    s = ck_console(CONSOLE_SHOW_PROMPT);
    const char down[] = "shutdown\nhelp\n";
    cr_expect_eq(console_feed(s, down, sizeof down - 1), CONSOLE_SHUTDOWN);
    OUT_IS("shutting down\n");
    s = ck_console(CONSOLE_PERMANENT);
    cr_expect_eq(ck_run("quit"), CONSOLE_OK, "a permanent console cannot be quit");
    OUT_HAS("'shutdown' stops the appliance");
}

/* ------------------------------------------------------------ the parser */

Test(console_parser, unknown_commands_say_what_exists)
{
    ck_console(0);
    cr_expect_eq(ck_run("frobnicate now"), CONSOLE_FAILED);
    OUT_IS("unknown command 'frobnicate' (type 'help' for the list)\n");
    cr_expect_eq(ck_run("show"), CONSOLE_FAILED);
    OUT_IS("show: expected graph, counters, pools, arp, routes, interfaces, nodes\n");
    cr_expect_eq(ck_run("  show   bogus "), CONSOLE_FAILED);
    OUT_IS(
        "show: unknown 'bogus'; expected graph, counters, pools, arp, routes, interfaces, nodes\n");
    cr_expect_eq(ck_run("extension"), CONSOLE_FAILED);
    OUT_IS("extension: expected list, install, remove\n");
    cr_expect_eq(ck_run(""), CONSOLE_OK);
    OUT_IS("");
    cr_expect_eq(ck_run("   # a comment"), CONSOLE_OK);
    OUT_IS("");
}

Test(console_parser, argument_counts_are_checked_against_the_syntax)
{
    ck_console(0);
    cr_expect_eq(ck_run("route del"), CONSOLE_FAILED);
    OUT_IS("route del: missing argument (usage: route del A.B.C.D/LEN)\n");
    cr_expect_eq(ck_run("show pools now"), CONSOLE_FAILED);
    OUT_IS("show pools: unexpected 'now' (usage: show pools)\n");
    cr_expect_eq(ck_run("quit please"), CONSOLE_FAILED);
    OUT_IS("quit: unexpected 'please' (usage: quit)\n");
    char many[CONSOLE_LINE_MAX];
    many[0] = '\0';
    for (int i = 0; i < CONSOLE_ARGS_MAX + 1; i++)
        strcat(many, "w ");
    cr_expect_eq(ck_run(many), CONSOLE_FAILED);
    OUT_IS("too many words (at most 32)\n");
}

Test(console_parser, help_documents_every_command)
{
    static const char *const commands[] = {
        "help [COMMAND]",
        "show graph [dot]",
        "show counters [NODE]",
        "show pools",
        "show arp",
        "show routes",
        "show interfaces",
        "show nodes",
        "route add A.B.C.D/LEN via A.B.C.D [dev NAME]",
        "route del A.B.C.D/LEN",
        "arp flush",
        "extension list",
        "extension install NAME [key=value ...]",
        "extension remove ID",
        "log level [LEVEL]",
        "quit",
        "shutdown",
    };
    ck_console(0);
    cr_expect_eq(ck_run("help"), CONSOLE_OK);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "\n  %s", commands[i]);
        OUT_HAS(line);
    }
    /* every command has a help line under it, the registered ones too */
    cr_expect_eq(count_of(ck_out(), "\n      "),
                 sizeof commands / sizeof commands[0] + KSET_COUNT(cmds));
    cr_expect_eq(ck_run("help route"), CONSOLE_OK);
    OUT_HAS("  route add ");
    OUT_HAS("  route del ");
    OUT_LACKS("show");
    cr_expect_eq(ck_run("help extension remove"), CONSOLE_OK);
    cr_expect_eq(count_of(ck_out(), "\n      "), 1);
    cr_expect_eq(ck_run("help nothing"), CONSOLE_FAILED);
    OUT_IS("help: no command 'nothing' (type 'help' for the list)\n");
}

/* ----------------------------------------------- commands on an appliance */

Test(console_show, nodes_come_from_the_descriptors)
{
    ck_appliance(ck_conf);
    ck_console(0);
    cr_expect_eq(ck_run("show nodes"), CONSOLE_OK);
    const char *o = ck_out();
    cr_expect(strncmp(o, "nodes (bring-up order):\n  ether  on dev.PacketArrived", 52) == 0,
              "the link layer first:\n%s", o);
    OUT_HAS("\n  ipv4   on ether.PacketArrived [type == 0x0800] raises ipv4.PacketArrived");
    OUT_HAS("\n  udp    on ipv4.LocalArrived [ip proto == 17] raises udp.PacketArrived "
            "udp.PortUnreachable\n");
    OUT_HAS("\nextension classes:\n  udp-echo     on udp.PacketArrived [udp dst port PORT]: "
            "udp-echo [port=N]\n");
    OUT_HAS("\n  router       on ipv4.PacketArrived [destination not local, arrival interface "
            "granted]");
}

Test(console_show, graph_is_a_tree_from_the_driver_event)
{
    ck_appliance(ck_conf);
    ck_console(0);
    cr_expect_eq(ck_run("extension install udp-echo port=7"), CONSOLE_OK, "%s", ck_out());
    cr_expect_eq(ck_run("show graph"), CONSOLE_OK);
    const char *o = ck_out();
    cr_expect(strncmp(o, "dev.PacketArrived (raised 0, unhandled 0)\n  ether [true] calls 0", 63) ==
                  0,
              "the root first:\n%s", o);
    OUT_HAS("\n    ether.PacketArrived (raised 0, unhandled 0)\n");
    OUT_HAS("\n      arp [L2[12:2]==0x806] calls 0 taken 0 errors 0\n");
    OUT_HAS("\n      ipv4 [L2[12:2]==0x800] calls 0");
    OUT_HAS("\n        ipv4.LocalArrived (raised 0, unhandled 0)\n");
    OUT_HAS("\n          udp [L3[9:1]==0x11]");
    OUT_HAS("\n            udp.PacketArrived (raised 0, unhandled 0)\n");
    OUT_HAS(
        "\n              udp-count [L4[2:2]==0x1388 && pred] calls 0"); /* pred: not broadcast */
    OUT_HAS("\n              udp-echo [L4[2:2]==0x7 && pred] calls 0");
    cr_expect_eq(count_of(o, "udp.PacketArrived"), 1, "each event once");
    cr_expect_eq(ck_run("show graph dot"), CONSOLE_OK);
    cr_expect(strncmp(ck_out(), "digraph spindle {\n", 18) == 0, "%s", ck_out());
    OUT_HAS("label=\"udp-echo\\ncalls 0 taken 0\"");
    cr_expect_eq(ck_run("show graph svg"), CONSOLE_FAILED);
    OUT_IS("show graph: unknown 'svg' (expected nothing or 'dot')\n");
    ck_finish();
}

Test(console_show, counters_pools_arp_and_flush)
{
    struct netif *eth0 = ck_appliance(ck_conf);
    ck_console(0);
    cr_expect_eq(ck_run("show arp"), CONSOLE_OK);
    OUT_IS("arp cache empty\n");
    uint8_t f[64];
    ck_inject(eth0, f, ck_arp_request(f, CK_OUR_IP));
    cr_expect_eq(ck_poll(), 1);
    struct ck_sent sent;
    cr_assert(ck_take(eth0, &sent), "an ARP reply");

    cr_expect_eq(ck_run("show counters"), CONSOLE_OK);
    OUT_HAS("\narp: rx=1 rx_request=1 created=1 tx_reply=1\n");
    OUT_HAS("\neth0: rx_frames=1 rx_bytes=60 tx_frames=1 tx_bytes=");
    OUT_HAS("\neth1: all zero\n");
    cr_expect_eq(ck_run("show counters arp"), CONSOLE_OK);
    OUT_HAS("arp:\n  rx                       1\n  rx_request               1\n");
    OUT_HAS("\n  bad_op                   0\n");
    cr_expect_eq(ck_run("show counters udp-count"), CONSOLE_OK, "an instance node by its class");
    OUT_HAS("udp-count#1:5000:\n  datagrams                0\n");
    cr_expect_eq(ck_run("show counters ipv5"), CONSOLE_FAILED);
    OUT_IS("show counters: no node 'ipv5' (nodes: dispatch, ether, aal5, arp, ipv4, icmp, udp, "
           "eth0, eth1, udp-count#1:5000)\n");

    cr_expect_eq(ck_run("show pools"), CONSOLE_OK);
    OUT_IS("pool default: count=256 out=0 low_water=254 allocs=2 alloc_fails=0\n");

    cr_expect_eq(ck_run("show arp"), CONSOLE_OK);
    OUT_HAS("interface  address         mac               state      expires   queued\n");
    OUT_HAS("\neth0       10.0.0.2        02:00:00:00:00:99 resolved   ");
    cr_expect_eq(ck_run("arp flush"), CONSOLE_OK);
    OUT_IS("arp cache flushed (1 entry)\n");
    uint8_t mac[6];
    cr_expect_eq(arp_lookup(eth0->index, CK_PEER_IP, mac), -KE_NOENT, "the entry is gone");
    cr_expect_eq(ck_run("show arp"), CONSOLE_OK);
    OUT_IS("arp cache empty\n");
    ck_finish();
}

Test(console_show, routes_and_interfaces)
{
    ck_appliance(ck_conf);
    ck_console(0);
    cr_expect_eq(ck_run("show routes"), CONSOLE_OK);
    OUT_IS("destination        gateway         interface  type\n"
           "0.0.0.0/0          10.0.0.254      eth0       static\n"
           "10.0.0.0/24        -               eth0       connected\n"
           "192.168.9.0/24     -               eth1       connected\n");
    cr_expect_eq(ck_run("show interfaces"), CONSOLE_OK);
    OUT_HAS("eth0: driver loop mac 02:00:00:00:00:01 mtu 1500 link ");
    OUT_HAS("\n  inet 10.0.0.1/24\n  rx 0 frames 0 bytes 0 dropped 0 errors; tx 0 frames 0 bytes 0 "
            "dropped 0 errors\n");
    OUT_HAS("eth1: driver loop mac 02:00:00:00:00:11 ");
    OUT_HAS("  inet 192.168.9.1/24\n");
    ck_finish();
}

Test(console_show, interfaces_with_the_drivers_counters)
{
    static const char *const names[] = { "ipackets", "imissed", "ierrors", "rx_nombuf" };
    static uint64_t values[] = { 5, 1, 0, 2 };
    static struct kstat_group dev = KSTAT_GROUP("loop:eth0", names, values);

    ck_appliance(ck_conf);
    ck_console(0);
    kstats_register(&dev); /* as a driver keeps them, under DRIVER:IFNAME */
    cr_expect_eq(ck_run("show interfaces"), CONSOLE_OK);
    OUT_HAS("errors\n  loop:eth0: ipackets=5 imissed=1 ierrors=0 rx_nombuf=2\neth1: ");
    kstats_unregister(&dev);
    ck_finish();
}

Test(console_route, add_and_del_change_the_table)
{
    ck_appliance(ck_conf);
    ck_console(0);
    struct ipv4_route r;
    cr_expect_eq(ck_run("route add 172.16.0.0/12 via 192.168.9.7"), CONSOLE_OK);
    OUT_IS("route 172.16.0.0/12 via 192.168.9.7 dev eth1 added\n");
    cr_assert_eq(ipv4_route_lookup(0xac100001u, &r), 0);
    cr_expect_eq(r.gateway, 0xc0a80907u);
    cr_expect_eq(r.ifindex, 1, "the gateway's subnet picked eth1");
    cr_expect_eq(ck_run("route add 172.16.0.0/12 via 10.0.0.9 dev eth0"), CONSOLE_OK);
    OUT_IS("route 172.16.0.0/12 via 10.0.0.9 dev eth0 replaced\n");
    cr_assert_eq(ipv4_route_lookup(0xac100001u, &r), 0);
    cr_expect_eq(r.ifindex, 0);
    cr_expect_eq(ck_run("route add 203.0.113.0/24 dev eth1"), CONSOLE_OK);
    OUT_IS("route 203.0.113.0/24 dev eth1 added\n");
    cr_assert_eq(ipv4_route_lookup(0xcb007101u, &r), 0);
    cr_expect_eq(r.gateway, 0);
    cr_expect_eq(ck_run("route add 198.51.100.1/32 dev eth0 via 10.0.0.5"), CONSOLE_OK,
                 "via and dev in either order");
    cr_expect_eq(ck_run("show routes"), CONSOLE_OK);
    OUT_HAS("\n172.16.0.0/12      10.0.0.9        eth0       static\n");
    OUT_HAS("\n203.0.113.0/24     -               eth1       static\n");
    OUT_HAS("\n198.51.100.1/32    10.0.0.5        eth0       static\n");

    cr_expect_eq(ck_run("route del 172.16.0.0/12"), CONSOLE_OK);
    OUT_IS("route 172.16.0.0/12 deleted\n");
    cr_expect_eq(ipv4_route_lookup(0xac100001u, &r), 0);
    cr_expect_eq(r.gateway, 0x0a0000feu, "the default route again");
    cr_expect_eq(ck_run("route del 172.16.0.0/12"), CONSOLE_FAILED);
    OUT_IS("route del: 172.16.0.0/12: no such route\n");
    cr_expect_eq(ck_run("route del 10.0.0.0/24"), CONSOLE_FAILED);
    OUT_IS("route del: 10.0.0.0/24 is the connected subnet of an interface address, not a static "
           "route\n");
    cr_expect_eq(ck_run("route del 0.0.0.0/0"), CONSOLE_OK);
    cr_expect_eq(ipv4_route_lookup(0x08080808u, &r), -KE_UNREACH, "no default route any more");
    ck_finish();
}

Test(console_route, errors_are_clear_and_change_nothing)
{
    static const struct {
        const char *line, *msg;
    } cases[] = {
        { "route add 10.0.0.0/33 via 10.0.0.2",
          "route add: 10.0.0.0/33: prefix length must be 0..32\n" },
        { "route add 10.0.0.0/x via 10.0.0.2",
          "route add: 10.0.0.0/x: prefix length must be 0..32\n" },
        { "route add 10.9.0.1/16 via 10.0.0.2",
          "route add: 10.9.0.1/16: host bits set (the network is 10.9.0.0/16)\n" },
        { "route add 10.9.0/16 via 10.0.0.2",
          "route add: 10.9.0/16: '10.9.0' is not an IPv4 address\n" },
        { "route add 10.9.0.1 via 10.0.0.2",
          "route add: 10.9.0.1: expected A.B.C.D/LEN (a host route is 10.9.0.1/32)\n" },
        { "route add 10.9.0.0/16 via 10.0.0.300",
          "route add: via 10.0.0.300: not an IPv4 address\n" },
        { "route add 10.9.0.0/16 via", "route add: 'via' needs an address\n" },
        { "route add 10.9.0.0/16 through 10.0.0.2",
          "route add: unexpected 'through' (expected 'via A.B.C.D' or 'dev NAME')\n" },
        { "route add 10.9.0.0/16 via 10.0.0.2 via 10.0.0.3", "route add: 'via' given twice\n" },
        { "route add 10.9.0.0/16 dev eth7",
          "route add: dev eth7: no such interface (interfaces: eth0, eth1)\n" },
        { "route add 10.9.0.0/16 via 172.31.0.1",
          "route add: gateway 172.31.0.1 is on no interface's subnet (add 'dev NAME')\n" },
        { "route add 10.9.0.0/16 via 0.0.0.0", "route add: via 0.0.0.0: not a usable gateway\n" },
        { "route del 10.9.0.0/40", "route del: 10.9.0.0/40: prefix length must be 0..32\n" },
    };
    ck_appliance(ck_conf);
    ck_console(0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_expect_eq(ck_run(cases[i].line), CONSOLE_FAILED, "%s", cases[i].line);
        cr_expect_str_eq(ck_out(), cases[i].msg, "%s", cases[i].line);
    }
    cr_expect_eq(ck_run("route add 10.9.0.0/16"), CONSOLE_FAILED);
    OUT_IS("route add: missing argument (usage: route add A.B.C.D/LEN via A.B.C.D [dev NAME] | "
           "A.B.C.D/LEN dev NAME)\n");
    cr_expect_eq(ck_run("show routes"), CONSOLE_OK);
    cr_expect_eq(count_of(ck_out(), "static"), 1, "only the configured route:\n%s", ck_out());
    ck_finish();
}

Test(console_extension, install_list_remove)
{
    ck_appliance(ck_conf);
    ck_console(0);
    cr_expect_eq(ck_run("extension list"), CONSOLE_OK);
    OUT_IS("id   extension        parameters\n"
           "1    udp-count        port=5000\n");
    cr_expect_eq(ck_run("extension install udp-echo port=7"), CONSOLE_OK);
    OUT_IS("extension 2 installed: udp-echo port=7\n");
    cr_expect_eq(ck_run("extension install  udp-count   port=\"5001\""), CONSOLE_OK,
                 "quotes as in a configuration file: %s", ck_out());
    OUT_IS("extension 3 installed: udp-count port=5001\n");
    cr_expect_eq(ck_run("extension install sockperf"), CONSOLE_OK);
    OUT_IS("extension 4 installed: sockperf\n");
    cr_expect_eq(ck_run("extension list"), CONSOLE_OK);
    OUT_IS("id   extension        parameters\n"
           "1    udp-count        port=5000\n"
           "2    udp-echo         port=7\n"
           "3    udp-count        port=5001\n"
           "4    sockperf         \n");
    uint64_t v;
    cr_expect_eq(kstats_find("udp-echo", "rx", &v), 0, "the instance's counters are registered");

    cr_expect_eq(ck_run("extension remove 2"), CONSOLE_OK);
    OUT_IS("extension 2 removed: udp-echo\n");
    cr_expect_eq(kstats_find("udp-echo", "rx", &v), -KE_NOENT, "and unregistered with it");
    cr_expect_eq(ck_run("extension remove 2"), CONSOLE_FAILED);
    OUT_IS("extension remove: no extension with id 2 (see 'extension list')\n");
    cr_expect_eq(ck_run("extension remove 1"), CONSOLE_OK, "a configured extension too");
    cr_expect_eq(ck_run("extension install udp-echo"), CONSOLE_OK);
    OUT_IS("extension 5 installed: udp-echo\n");
    cr_expect_eq(ck_run("extension list"), CONSOLE_OK);
    OUT_IS("id   extension        parameters\n"
           "3    udp-count        port=5001\n"
           "4    sockperf         \n"
           "5    udp-echo         \n");
    ck_finish();
}

Test(console_extension, install_errors_name_the_problem)
{
    ck_appliance(ck_conf);
    ck_console(0);
    cr_expect_eq(ck_run("extension install udp-ecco port=7"), CONSOLE_FAILED);
    OUT_HAS(
        "extension install: unknown extension 'udp-ecco' (known: udp-echo, udp-count, sockperf");
    cr_expect_eq(ck_run("extension install udp-echo port=99999"), CONSOLE_FAILED);
    OUT_IS("extension install: udp-echo: port: out of range (expected 1..65535); usage: udp-echo "
           "[port=N]\n");
    cr_expect_eq(ck_run("extension install udp-echo colour=red"), CONSOLE_FAILED);
    OUT_HAS("extension install: udp-echo: unknown parameter 'colour'");
    cr_expect_eq(ck_run("extension install udp-echo port=\"7"), CONSOLE_FAILED);
    OUT_IS("extension install: column 33: unterminated quote (opened here)\n");
    cr_expect_eq(ck_run("extension remove x1"), CONSOLE_FAILED);
    OUT_IS("extension remove: 'x1' is not an extension id (see 'extension list')\n");
    cr_expect_eq(ck_run("extension list"), CONSOLE_OK);
    cr_expect_eq(count_of(ck_out(), "\n"), 2, "nothing was installed:\n%s", ck_out());
    ck_finish();
}

Test(console_extension, an_installed_echo_answers_and_a_removed_one_does_not)
{
    struct netif *eth0 = ck_appliance(ck_conf);
    ck_console(0);
    uint8_t f[128];
    ck_inject(eth0, f, ck_arp_request(f, CK_OUR_IP));
    ck_poll();
    struct ck_sent s;
    while (ck_take(eth0, &s))
        ;
    cr_expect_eq(ck_run("extension install udp-echo port=7007"), CONSOLE_OK);
    ck_inject(eth0, f, ck_udp(f, sizeof f, 40000, 7007, "hi", 2));
    ck_poll();
    cr_assert(ck_take(eth0, &s));
    cr_expect_eq(s.proto, 17);
    cr_expect_eq(s.l4[1] | s.l4[0] << 8, 7007, "an echo from port 7007");
    cr_expect_eq(ck_run("extension remove 2"), CONSOLE_OK);
    ck_inject(eth0, f, ck_udp(f, sizeof f, 40000, 7007, "hi", 2));
    ck_poll();
    cr_assert(ck_take(eth0, &s));
    cr_expect_eq(s.proto, 1);
    cr_expect_eq(s.l4[0], 3, "destination unreachable");
    cr_expect_eq(s.l4[1], 3, "port unreachable");
    cr_expect(!ck_take(eth0, &s));
    cr_expect_eq(stat_of("udp", "no_port"), 1);
    ck_finish();
}

Test(console_misc, log_level_shows_and_sets)
{
    ck_console(0);
    klog_set_level(KLOG_INFO);
    cr_expect_eq(ck_run("log level"), CONSOLE_OK);
    OUT_IS("log level info\n");
    cr_expect_eq(ck_run("log level debug"), CONSOLE_OK);
    OUT_IS("log level debug\n");
    cr_expect_eq(klog_get_level(), KLOG_DEBUG);
    cr_expect_eq(ck_run("log level 1"), CONSOLE_OK);
    cr_expect_eq(klog_get_level(), KLOG_WARN);
    cr_expect_eq(ck_run("log level loud"), CONSOLE_FAILED);
    OUT_IS("log level: 'loud': expected err, warn, info or debug\n");
    cr_expect_eq(klog_get_level(), KLOG_WARN, "unchanged");
}

Test(console_misc, quit_and_shutdown_statuses)
{
    ck_console(0);
    cr_expect_eq(ck_run("quit"), CONSOLE_QUIT);
    cr_expect_eq(ck_run("shutdown"), CONSOLE_SHUTDOWN);
    OUT_IS("shutting down\n");
}
