/*
 * Unit tests of netgraph/config.c: the accepted language (the documented
 * example, comments, blank lines, quotes, CRLF) and every error, each with
 * the line and column it must name.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "kernel/kerr.h"
#include "kernel/mem.h"
#include "kernel/lib/inet.h"
#include "netgraph/config.h"
#include "netgraph/stage.h"

static struct config cfg;
static struct config_error err;

static int parse(const char *text)
{
    return config_parse(text, strlen(text), "t.conf", &cfg, &err);
}

/* expect_error - @text fails at @line:@col with a message containing @part,
 * and leaves nothing allocated. */
static void expect_error(const char *text, unsigned line, unsigned col, const char *part)
{
    uint64_t live = kmem_live();
    int rc = parse(text);
    cr_assert_eq(rc, -KE_INVAL, "accepted: %s", text);
    cr_expect_eq(err.line, line, "line %u, expected %u: %s", err.line, line, err.msg);
    cr_expect_eq(err.col, col, "column %u, expected %u: %s", err.col, col, err.msg);
    cr_expect_str_eq(err.file, "t.conf");
    cr_expect(strstr(err.msg, part) != NULL, "message '%s' lacks '%s'", err.msg, part);
    cr_expect_null(cfg.interfaces);
    cr_expect_null(cfg.strings);
    cr_expect_eq(cfg.ninterfaces + cfg.naddresses + cfg.nroutes + cfg.nextensions, 0);
    cr_expect_eq(kmem_live(), live, "a failed parse kept memory");
}

static const char *param(const struct kparams *p, const char *key)
{
    return kparams_get(p, key);
}

static const char example[] =
    "# the documented example\n"
    "interface eth0 driver=pcap device=veth-app mac=02:00:00:00:00:02\n"
    "interface eth1 driver=pcap-file in=trace.pcap out=sent.pcap mac=02:00:00:00:00:02\n"
    "address eth0 10.77.0.2/24\n"
    "route 0.0.0.0/0 via 10.77.0.1 dev eth0\n"
    "extension udp-echo port=7\n"
    "extension udp-count\n"
    "extension sockperf port=11111\n";

Test(config, accepts_the_documented_example)
{
    uint64_t live = kmem_live();
    cr_assert_eq(parse(example), 0, "%u:%u: %s", err.line, err.col, err.msg);
    cr_assert_eq(cfg.ninterfaces, 2);
    cr_assert_eq(cfg.naddresses, 1);
    cr_assert_eq(cfg.nroutes, 1);
    cr_assert_eq(cfg.nextensions, 3);
    cr_expect_str_eq(cfg.filename, "t.conf");

    const struct cfg_interface *e0 = &cfg.interfaces[0], *e1 = &cfg.interfaces[1];
    cr_expect_str_eq(e0->name, "eth0");
    cr_expect_str_eq(e0->driver, "pcap");
    cr_expect(e0->has_mac);
    const uint8_t mac[6] = { 2, 0, 0, 0, 0, 2 };
    cr_expect_arr_eq(e0->mac, mac, 6);
    cr_expect_str_eq(param(&e0->params, "device"), "veth-app");
    cr_expect_eq(e0->pos.line, 2);
    cr_expect_eq(e0->pos.col, 11);
    /* driver= and mac= stay in params, with positions, for later errors */
    cr_expect_eq(e0->params.n, 3);
    cr_expect_str_eq(e0->params.key[0], "driver");
    cr_expect_eq(e0->param_pos[0].col, 16);
    cr_expect_eq(e0->param_pos[1].col, 28);
    cr_expect_str_eq(e1->driver, "pcap-file");
    cr_expect_str_eq(param(&e1->params, "in"), "trace.pcap");
    cr_expect_str_eq(param(&e1->params, "out"), "sent.pcap");

    cr_expect_str_eq(cfg.addresses[0].ifname, "eth0");
    cr_expect_eq(cfg.addresses[0].addr, 0x0a4d0002u);
    cr_expect_eq(cfg.addresses[0].plen, 24);
    cr_expect_eq(cfg.addresses[0].pos.line, 4);

    const struct cfg_route *r = &cfg.routes[0];
    cr_expect_eq(r->prefix, 0);
    cr_expect_eq(r->plen, 0);
    cr_expect_eq(r->gateway, 0x0a4d0001u);
    cr_expect(r->has_dev);
    cr_expect_str_eq(r->dev, "eth0");

    cr_expect_str_eq(cfg.extensions[0].name, "udp-echo");
    cr_expect_str_eq(param(&cfg.extensions[0].params, "port"), "7");
    cr_expect_eq(cfg.extensions[0].param_pos[0].col, 20);
    cr_expect_str_eq(cfg.extensions[1].name, "udp-count");
    cr_expect_eq(cfg.extensions[1].params.n, 0);
    cr_expect_str_eq(param(&cfg.extensions[2].params, "port"), "11111");

    config_free(&cfg);
    cr_expect_null(cfg.interfaces);
    cr_expect_eq(kmem_live(), live);
}

Test(config, quoted_values_comments_blank_lines_tabs)
{
    const char *text =
        "\n"
        "   # indented comment\n"
        "\t\n"
        "extension udp-count guard=\"udp dst port 5000\" note=\"a \\\"b\\\" \\\\ # c\"   # tail\n"
        "extension\tudp-echo\tport=7#comment right after\n"
        "extension x mixed=ab\"c d\"e empty=\"\"";
    cr_assert_eq(parse(text), 0, "%u:%u: %s", err.line, err.col, err.msg);
    cr_assert_eq(cfg.nextensions, 3);
    const struct kparams *p = &cfg.extensions[0].params;
    cr_assert_eq(p->n, 2);
    cr_expect_str_eq(p->key[0], "guard");
    cr_expect_str_eq(p->value[0], "udp dst port 5000");
    cr_expect_str_eq(p->value[1], "a \"b\" \\ # c");
    cr_expect_eq(cfg.extensions[0].pos.line, 4);
    cr_expect_str_eq(param(&cfg.extensions[1].params, "port"), "7");
    cr_expect_eq(cfg.extensions[1].params.n, 1);
    cr_expect_str_eq(param(&cfg.extensions[2].params, "mixed"), "abc de");
    cr_expect_str_eq(param(&cfg.extensions[2].params, "empty"), "");
    config_free(&cfg);
}

Test(config, crlf_line_ends)
{
    const char *text = "interface eth0 driver=loop\r\n"
                       "address eth0 10.0.0.1/8\r\n"
                       "extension udp-echo port=7\r\n";
    cr_assert_eq(parse(text), 0, "%u:%u: %s", err.line, err.col, err.msg);
    cr_expect_str_eq(cfg.interfaces[0].driver, "loop");
    cr_expect_eq(cfg.addresses[0].plen, 8);
    cr_expect_str_eq(param(&cfg.extensions[0].params, "port"), "7");
    config_free(&cfg);
    /* and positions after CRLF lines stay right */
    expect_error("interface eth0 driver=loop\r\n\r\n  bogus\r\n", 3, 3, "unknown keyword");
}

Test(config, route_forms)
{
    const char *text = "interface eth0 driver=loop\n"
                       "route 10.0.0.0/8 dev eth0\n"
                       "route 192.168.0.0/16 dev eth0 via 10.0.0.1\n"
                       "route 0.0.0.0/0 via 10.0.0.1\n";
    cr_assert_eq(parse(text), 0, "%u:%u: %s", err.line, err.col, err.msg);
    cr_assert_eq(cfg.nroutes, 3);
    cr_expect_eq(cfg.routes[0].gateway, 0);
    cr_expect(cfg.routes[0].has_dev);
    cr_expect_eq(cfg.routes[1].prefix, 0xc0a80000u);
    cr_expect_eq(cfg.routes[1].gateway, 0x0a000001u);
    cr_expect(!cfg.routes[2].has_dev);
    cr_expect_eq(cfg.routes[2].pos.col, 7);
    config_free(&cfg);
}

Test(config, empty_text_is_an_empty_config)
{
    cr_assert_eq(config_parse("", 0, "t.conf", &cfg, &err), 0);
    cr_expect_eq(cfg.ninterfaces + cfg.naddresses + cfg.nroutes + cfg.nextensions, 0);
    config_free(&cfg);
    cr_assert_eq(parse("# only a comment"), 0);
    config_free(&cfg);
}

Test(config, error_unknown_keyword)
{
    expect_error("interface eth0 driver=loop\n  bogus eth0\n", 2, 3, "unknown keyword 'bogus'");
}

Test(config, error_missing_name)
{
    expect_error("interface\n", 1, 10, "missing interface name");
    expect_error("interface driver=loop\n", 1, 11, "missing interface name");
    expect_error("extension port=7\n", 1, 11, "missing extension name");
    expect_error("address\n", 1, 8, "missing interface name");
}

Test(config, error_bad_name)
{
    expect_error("interface eth/0 driver=loop\n", 1, 11, "bad interface name");
    expect_error("interface eth0123456789abcdef driver=loop\n", 1, 11, "too long");
}

Test(config, error_duplicate_interface)
{
    expect_error("interface eth0 driver=loop\n# again\ninterface eth0 driver=pcap\n", 3, 11,
                 "duplicate interface 'eth0' (first declared on line 1)");
}

Test(config, error_missing_driver)
{
    expect_error("interface eth0 mac=02:00:00:00:00:01\n", 1, 37, "missing driver=");
    expect_error("interface eth0 driver=\"\"\n", 1, 16, "bad driver name");
}

Test(config, error_bad_mac)
{
    expect_error("interface eth0 driver=loop mac=02:00:00:00:00\n", 1, 28, "bad MAC address");
    expect_error("interface eth0 driver=loop mac=02:00:00:00:00:0g\n", 1, 28, "bad MAC address");
    expect_error("interface eth0 driver=loop mac=02-00-00-00-00-01\n", 1, 28, "bad MAC address");
    expect_error("interface eth0 driver=loop mac=01:00:5e:00:00:01\n", 1, 28, "multicast");
}

Test(config, error_bad_address)
{
    const char *i = "interface eth0 driver=loop\n";
    char text[128];
    snprintf(text, sizeof text, "%saddress eth0 10.0.0.256/24\n", i);
    expect_error(text, 2, 14, "bad address");
    snprintf(text, sizeof text, "%saddress eth0 10.0.0.1\n", i);
    expect_error(text, 2, 14, "expected A.B.C.D/LEN");
    snprintf(text, sizeof text, "%saddress eth0 10.0.01.1/24\n", i);
    expect_error(text, 2, 14, "bad address");
    snprintf(text, sizeof text, "%saddress eth0\n", i);
    expect_error(text, 2, 13, "missing A.B.C.D/LEN");
    snprintf(text, sizeof text, "%saddress eth0 10.0.0.1/24 extra\n", i);
    expect_error(text, 2, 26, "unexpected 'extra'");
}

Test(config, error_bad_prefix_length)
{
    const char *i = "interface eth0 driver=loop\n";
    char text[128];
    snprintf(text, sizeof text, "%saddress eth0 10.0.0.1/33\n", i);
    expect_error(text, 2, 14, "bad prefix length");
    snprintf(text, sizeof text, "%saddress eth0 10.0.0.1/\n", i);
    expect_error(text, 2, 14, "bad prefix length");
    snprintf(text, sizeof text, "%sroute 10.0.0.0/x via 10.0.0.1\n", i);
    expect_error(text, 2, 7, "bad prefix length");
}

Test(config, error_route_host_bits_set)
{
    expect_error("interface eth0 driver=loop\nroute 10.0.0.1/8 via 10.0.0.254 dev eth0\n", 2, 7,
                 "host bits set (did you mean 10.0.0.0/8?)");
}

Test(config, error_route_via_missing)
{
    expect_error("route 10.0.0.0/8\n", 1, 17, "missing 'via GATEWAY'");
    expect_error("route 10.0.0.0/8 via\n", 1, 21, "missing gateway address");
    expect_error("route 10.0.0.0/8 via 10.0.0\n", 1, 22, "bad gateway");
    expect_error("route 10.0.0.0/8 through 10.0.0.1\n", 1, 18, "expected 'via' or 'dev'");
    expect_error("route 10.0.0.0/8 via 10.0.0.1 via 10.0.0.2\n", 1, 31, "'via' given twice");
}

Test(config, error_route_dev_unknown_interface)
{
    expect_error("interface eth0 driver=loop\nroute 0.0.0.0/0 via 10.0.0.1 dev eth9\n", 2, 34,
                 "unknown interface 'eth9'");
}

Test(config, error_address_unknown_interface)
{
    /* interfaces must be declared before they are used */
    expect_error("address eth1 10.0.0.1/24\ninterface eth1 driver=loop\n", 1, 9,
                 "unknown interface 'eth1'");
}

Test(config, error_key_without_equals)
{
    expect_error("interface eth0 driver=loop promisc\n", 1, 28,
                 "expected key=value, got 'promisc'");
    expect_error("extension udp-echo =7\n", 1, 20, "missing key before '='");
    expect_error("extension udp-echo port=\n", 1, 20, "has no value");
}

Test(config, error_duplicate_key)
{
    expect_error("extension udp-echo port=7 port=8\n", 1, 27,
                 "duplicate key 'port' (first given at column 20)");
    expect_error("interface eth0 driver=loop driver=pcap\n", 1, 28, "duplicate key 'driver'");
}

Test(config, error_unterminated_quote)
{
    expect_error("extension udp-count guard=\"udp dst port\n", 1, 27, "unterminated quote");
    expect_error("extension udp-count a=1\nextension x b=\"\\\"\n", 2, 15, "unterminated quote");
}

Test(config, error_too_many_params)
{
    char text[512];
    size_t n = (size_t)snprintf(text, sizeof text, "extension many");
    unsigned col17 = 0;
    for (unsigned i = 0; i <= KPARAM_MAX; i++) {
        if (i == KPARAM_MAX)
            col17 = (unsigned)n + 2;
        n += (size_t)snprintf(text + n, sizeof text - n, " k%u=%u", i, i);
    }
    snprintf(text + n, sizeof text - n, "\n");
    expect_error(text, 1, col17, "too many parameters (at most 16)");
}

Test(config, error_nul_byte)
{
    const char text[] = "extension a\0b\n";
    uint64_t live = kmem_live();
    cr_assert_eq(config_parse(text, sizeof text - 1, "t.conf", &cfg, &err), -KE_INVAL);
    cr_expect_eq(err.col, 12);
    cr_expect_eq(kmem_live(), live);
}

Test(config, error_format_names_file_line_column)
{
    expect_error("\n\n  frob\n", 3, 3, "unknown keyword");
    char buf[400], more[96], want[300];
    config_error_format(&err, buf, sizeof buf);
    /* the keywords of the modules this image links (drivers/dpdk's "dpdk" ...) come last */
    kconfig_keywords(more, sizeof more);
    snprintf(want, sizeof want,
             "t.conf:3:3: unknown keyword 'frob' (expected interface, address, "
             "route, extension%s mode%s%s)",
             more[0] ? "," : " or", more[0] ? " or " : "", more);
    cr_expect_str_eq(buf, want);
    struct cfg_pos pos = { 7, 9 };
    config_set_error(&err, "x.conf", pos, "driver %s: %d", "pcap", 5);
    config_error_format(&err, buf, sizeof buf);
    cr_expect_str_eq(buf, "x.conf:7:9: driver pcap: 5");
}

Test(config, ipv4_parse_addr_is_strict)
{
    uint32_t a = 1;
    cr_expect_eq(inet_parse_ipv4("0.0.0.0", 7, &a), 0);
    cr_expect_eq(a, 0);
    cr_expect_eq(inet_parse_ipv4("255.255.255.255", 15, &a), 0);
    cr_expect_eq(a, 0xffffffffu);
    cr_expect_eq(inet_parse_ipv4("10.77.0.2", 9, &a), 0);
    cr_expect_eq(a, 0x0a4d0002u);
    /* only the first n bytes count */
    cr_expect_eq(inet_parse_ipv4("1.2.3.4/24", 7, &a), 0);
    cr_expect_eq(a, 0x01020304u);
    const char *bad[] = { "",         "1.2.3",    "1.2.3.4.5",  "256.1.1.1", "1..2.3",  "1.2.3.4 ",
                          "01.2.3.4", "1.2.3.-4", "1.2.3.1234", "a.b.c.d",   "1.2.3.4." };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(inet_parse_ipv4(bad[i], strlen(bad[i]), &a), -KE_INVAL, "%s", bad[i]);
}

Test(config, mac_parse_is_strict)
{
    uint8_t m[6];
    cr_expect_eq(inet_parse_mac("02:aB:cd:EF:00:ff", 17, m), 0);
    const uint8_t want[6] = { 0x02, 0xab, 0xcd, 0xef, 0x00, 0xff };
    cr_expect_arr_eq(m, want, 6);
    const char *bad[] = { "",
                          "02:00:00:00:00",
                          "02:00:00:00:00:00:00",
                          "2:0:0:0:0:0",
                          "02:00:00:00:00:0x",
                          "02.00.00.00.00.00",
                          "0200:00:00:00:00:" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(inet_parse_mac(bad[i], strlen(bad[i]), m), -KE_INVAL, "%s", bad[i]);
}

Test(config, arbitrary_bytes_never_crash_or_leak)
{
    /* A fixed pseudo-random sequence over the language's own characters. */
    static const char alphabet[] = "interface addrsoutvxmp0123456789./:=\"\\# \t\r\n";
    uint32_t x = 12345;
    char text[256];
    uint64_t live = kmem_live();
    for (unsigned round = 0; round < 2000; round++) {
        size_t n = (x >> 8) % sizeof text;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            text[i] = alphabet[(x >> 16) % (sizeof alphabet - 1)];
        }
        int rc = config_parse(text, n, "fuzz.conf", &cfg, &err);
        cr_assert(rc == 0 || rc == -KE_INVAL);
        if (rc == 0)
            config_free(&cfg);
        else
            cr_assert(err.line >= 1 && err.col >= 1, "%u:%u %s", err.line, err.col, err.msg);
    }
    cr_expect_eq(kmem_live(), live);
}

Test(config, mode_poll_and_idle)
{
    cr_assert_eq(parse("mode poll\n"), 0);
    cr_assert(cfg.has_mode);
    cr_assert(cfg.poll_mode);
    config_free(&cfg);
    cr_assert_eq(parse("# default\ninterface e driver=loop\n"), 0);
    cr_assert_not(cfg.has_mode);
    cr_assert_not(cfg.poll_mode, "idle is the default");
    config_free(&cfg);
    cr_assert_eq(parse("mode idle\n"), 0);
    cr_assert_not(cfg.poll_mode);
    cr_assert_not(cfg.halt_poll);
    config_free(&cfg);
    cr_assert_eq(parse("mode haltpoll\n"), 0);
    cr_assert(cfg.halt_poll);
    cr_assert_not(cfg.poll_mode, "haltpoll still idles");
    config_free(&cfg);
}

Test(config, mode_errors)
{
    expect_error("mode fast\n", 1, 6, "expected poll, idle or haltpoll");
    expect_error("mode\n", 1, 5, "missing poll, idle or haltpoll");
    expect_error("mode poll\nmode idle\n", 2, 6, "given twice (first at line 1)");
    expect_error("mode poll now\n", 1, 11, "unexpected 'now'");
}
