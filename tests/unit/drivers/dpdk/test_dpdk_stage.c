/*
 * tests/unit/drivers/dpdk/test_dpdk_stage.c — the "dpdk eal=..." configuration
 * keyword (drivers/dpdk/dpdk_stage.c): what the parser refuses and where it
 * points, at most one line, EAL started with the line's arguments before the
 * interfaces open, EAL's refusal a device failure that starts nothing, and
 * other arguments once EAL runs refused. Criterion runs each test in its own
 * process, so each has EAL down at its start.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dpdkkit.h"
#include "kernel/pktbuf.h"
#include "netgraph/apply.h"
#include "netgraph/config.h"
#include "netgraph/netif.h"
#include "netgraph/runtime.h"
#include "netgraph/stage.h"

static struct config cfg;
static struct config_error err;

/* Parse @text (file "d.conf"); the parser's code. */
static int parse(const char *text)
{
    return config_parse(text, strlen(text), "d.conf", &cfg, &err);
}

/* @text refused at parse time at @line:@col with @what in the message. */
static void refused(const char *text, unsigned line, unsigned col, const char *what)
{
    cr_assert_eq(parse(text), -KE_INVAL, "'%s' was accepted", text);
    cr_expect_eq(err.line, line, "'%s': line %u", text, err.line);
    cr_expect_eq(err.col, col, "'%s': column %u (%s)", text, err.col, err.msg);
    cr_expect(strstr(err.msg, what) != NULL, "'%s': %s", text, err.msg);
    cr_expect(strstr(err.msg, "usage: dpdk eal=") != NULL, "%s", err.msg);
}

/* Parse and apply @text; the code of netgraph_configure. */
static int configure(const char *text)
{
    cr_assert_eq(netgraph_init(0), 0);
    cr_assert_eq(parse(text), 0, "%u:%u: %s", err.line, err.col, err.msg);
    return netgraph_configure(&cfg, &err);
}

static void finish(void)
{
    netgraph_shutdown();
    config_free(&cfg);
    cr_assert(pktpool_all_full(), "every buffer home");
}

Test(dpdk_stage, parser_keeps_one_eal_line_for_the_stage)
{
    cr_assert_eq(parse("dpdk eal=\"--no-huge -m 256 --vdev='net_tap0,iface=a b'\"\n"), 0, "%s",
                 err.msg);
    cr_assert_eq(cfg.nlines, 1);
    cr_expect_eq(cfg.lines[0].owner, &dpdk_stage);
    cr_expect_str_eq(kparams_get(&cfg.lines[0].params, "eal"),
                     "--no-huge -m 256 --vdev='net_tap0,iface=a b'");
    config_free(&cfg);
}

Test(dpdk_stage, parser_points_at_what_is_wrong)
{
    refused("dpdk eal=x\ndpdk now eal=x\n", 2, 6, "unexpected word 'now'");
    refused("dpdk eal=x  lcores=2\n", 1, 13, "unknown parameter lcores=");
    refused("dpdk\n", 1, 1, "missing eal=");
    /* the configuration's quotes are balanced, the EAL words' are not */
    refused("dpdk eal=\"--vdev='net_tap0\"\n", 1, 6, "unbalanced quote");
}

Test(dpdk_stage, a_second_line_is_refused_before_eal_starts)
{
    cr_assert_eq(configure("dpdk eal=\"--no-huge\"\ninterface eth0 driver=loop\n"
                           "  dpdk eal=\"--no-huge\"\n"),
                 -KE_INVAL);
    cr_expect_eq(err.line, 3);
    cr_expect_eq(err.col, 3);
    cr_expect(strstr(err.msg, "second dpdk line (the first is on line 1)") != NULL, "%s", err.msg);
    cr_expect(!dpdk_eal_initialised());
    cr_expect_eq(netif_count(), 0);
    finish();
}

Test(dpdk_stage, eal_starts_with_the_lines_arguments_before_the_interfaces)
{
    char args[400], text[600];
    int rc;

    /* the defaults, given on the line: what a machine without hugepages runs */
    dpdk_eal_default_args(args, sizeof(args));
    snprintf(text, sizeof(text),
             "interface eth0 driver=dpdk dev=net_ring0 mac=02:00:00:00:00:01\n"
             "dpdk eal=\"%s\"\n",
             args);
    rc = configure(text);
    if (rc == -KE_IO && !dpdk_eal_initialised()) {
        finish();
        cr_skip_test("EAL does not start here: %s", err.msg);
    }
    cr_assert_eq(rc, 0, "%u:%u: %s", err.line, err.col, err.msg);
    cr_expect(dpdk_eal_initialised());
    cr_assert_eq(netif_count(), 1);
    cr_expect_str_eq(netif_get(0)->port->driver, "dpdk");
    finish();
}

Test(dpdk_stage, eal_refusing_the_arguments_is_a_device_failure_and_nothing_starts)
{
    cr_assert_eq(configure("interface eth0 driver=loop\naddress eth0 10.0.0.1/24\n"
                           "dpdk   eal=\"--no-huge --no-such-eal-option\"\n"),
                 -KE_IO);
    cr_expect_eq(err.line, 3);
    cr_expect_eq(err.col, 8, "at eal=");
    cr_expect(strstr(err.msg, "EAL initialisation with \"--no-huge --no-such-eal-option\" "
                              "failed") != NULL,
              "%s", err.msg);
    cr_expect(!dpdk_eal_initialised());
    cr_expect_eq(netif_count(), 0, "the dpdk stage runs before the interfaces");
    finish();
}

Test(dpdk_stage, other_arguments_once_eal_runs_are_refused)
{
    dpdkkit_eal(); /* an earlier configuration in this process started it */
    cr_assert_eq(configure("dpdk eal=\"--no-huge -m 128 --no-pci\"\n"), -KE_INVAL);
    cr_expect_eq(err.line, 1);
    cr_expect_eq(err.col, 6);
    cr_expect(strstr(err.msg, "EAL already runs with") != NULL, "%s", err.msg);
    finish();
}
