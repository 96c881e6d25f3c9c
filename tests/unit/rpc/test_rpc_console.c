/*
 * tests/unit/rpc/test_rpc_console.c — the console's RPC commands
 * (apps/rpc/rpc_console.c) on an appliance configured from text, as the
 * hosted program and the VMs bring it up: "rpc stats" shows each endpoint's
 * transport, mode, programs and counters, and each rpc-ping; "rpc programs"
 * lists the portmapper's registry; both follow installs and removals made
 * with "extension install/remove".
 */
#include <criterion/criterion.h>
#include <string.h>

#include "../console/conskit.h"
#include "rpckit.h"

#include "apps/rpc/programs.h"

static const char conf[] = "interface eth0 driver=loop mac=02:00:00:00:00:01\n"
                           "address eth0 10.0.0.1/24\n"
                           "extension portmap\n"
                           "extension rpc-echo mode=async\n"
                           "extension rpc-latrpc vc=0/40\n";

Test(rpc_console, stats_and_programs_follow_the_extensions)
{
    struct netif *eth0 = ck_appliance(conf);
    ck_console(0);
    uint8_t f[256], arp[60];
    ck_inject(eth0, arp, ck_arp_request(arp, CK_OUR_IP));
    struct rk_msg m;
    rk_call(&m, 77, RPCECHO_PROG, RPCECHO_VERS, RPCECHO_NULL);
    ck_inject(eth0, f, ck_udp(f, sizeof f, 900, 40001, m.b, m.n));
    ck_poll();
    ck_poll();
    struct ck_sent s;
    bool answered = false;
    while (ck_take(eth0, &s))
        answered |= s.proto == 17 && s.src == CK_OUR_IP;
    cr_assert(answered, "the NULL call was answered");

    cr_assert_eq(ck_run("rpc stats"), CONSOLE_OK);
    const char *out = ck_out();
    cr_assert(strstr(out, "portmap#1:111: udp port 111, bounded\n") != NULL, "%s", out);
    cr_assert(strstr(out, "rpc-echo#2:40001: udp port 40001, async\n") != NULL, "%s", out);
    cr_assert(strstr(out, "program 537198593 version 1 (rpcecho), registered") != NULL, "%s", out);
    cr_assert(strstr(out, "rpc-latrpc#3:0/40: vc 0/40, bounded\n") != NULL, "%s", out);
    cr_assert(strstr(out, "   rx 1  success 1  tx 1  queued 1\n") != NULL, "%s", out);

    cr_assert_eq(ck_run("rpc programs"), CONSOLE_OK);
    out = ck_out();
    cr_assert(strstr(out, "    100000       4   udp 0.0.0.0.0.111") != NULL, "%s", out);
    cr_assert(strstr(out, " 537198593       1   udp 0.0.0.0.156.65") != NULL, "%s", out);
    cr_assert(strstr(out, "404040") == NULL, "a VC program is not registered: %s", out);

    cr_assert_eq(ck_run("extension install rpc-ping peer=10.0.0.2:40001 count=1"), CONSOLE_OK);
    cr_assert_eq(ck_run("rpc stats"), CONSOLE_OK);
    cr_assert(strstr(ck_out(), ": rpc-ping, instance 4\n") != NULL, "%s", ck_out());
    cr_assert_eq(ck_run("extension remove 4"), CONSOLE_OK);
    cr_assert_eq(ck_run("extension remove 2"), CONSOLE_OK);
    cr_assert_eq(ck_run("rpc programs"), CONSOLE_OK);
    cr_assert(strstr(ck_out(), "537198593") == NULL, "%s", ck_out());
    ck_sent_drain(eth0);
    ck_finish();
}
