/*
 * Regression tests of the console: a read-only session refuses every
 * command that changes state (and commands say which they are); ESC then
 * Enter still ends the line (it swallowed it); a quoted guard of many words
 * is one word (more than ~30 failed with "too many words"); a long grant=
 * error keeps its reason (it was cut); "route add ... via" one of our own
 * addresses is refused (it was accepted).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../console/conskit.h"
#include "testkit.h"
#include "apps/console/command.h"
#include "guards/pcap_expr.h"
#include "netgraph/instances.h"

#define OUT_HAS(s) cr_expect(strstr(ck_out(), (s)) != NULL, "output lacks '%s':\n%s", (s), ck_out())

Test(console_sec, read_only_session_refuses_every_state_change)
{
    ck_appliance(ck_conf);
    ck_console(CONSOLE_READONLY);
    const char *refused[] = {
        "route add 10.9.0.0/16 via 10.0.0.2",
        "route del 0.0.0.0/0",
        "arp flush",
        "extension install udp-echo port=9",
        "extension remove 1",
        "log level debug",
        "shutdown",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        cr_expect_eq(ck_run(refused[i]), CONSOLE_FAILED, "%s", refused[i]);
        OUT_HAS("refused: this console is read-only");
    }
    cr_expect_eq(netgraph_ext_count(), 1, "nothing installed or removed");
    const char *allowed[] = { "help",           "show counters", "show routes", "show graph",
                              "extension list", "log level",     "show pools" };
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        cr_expect_eq(ck_run(allowed[i]), CONSOLE_OK, "%s: %s", allowed[i], ck_out());
    ck_finish();
}

Test(console_sec, every_built_in_command_says_whether_it_changes_state)
{
    extern const struct console_cmd console_commands[];
    extern const unsigned console_ncommands;
    for (unsigned i = 0; i < console_ncommands; i++) {
        const struct console_cmd *c = &console_commands[i];
        bool changes = strncmp(c->words, "route ", 6) == 0 || strcmp(c->words, "arp flush") == 0 ||
                       strcmp(c->words, "extension install") == 0 ||
                       strcmp(c->words, "extension remove") == 0 ||
                       strcmp(c->words, "shutdown") == 0;
        cr_expect_eq(!(c->flags & CONSOLE_CMD_READONLY), changes, "%s", c->words);
    }
}

Test(console_sec, escape_then_enter_ends_the_line)
{
    ck_appliance(ck_conf);
    struct console_session *s = ck_console(0);
    static const char typed[] = "show pools\x1b\r";
    cr_expect_eq(console_feed(s, typed, sizeof typed - 1), CONSOLE_OK);
    OUT_HAS("pool ");
    ck_clear();
    static const char csi[] = "show \x1b[Aroutes\n"; /* an arrow key inside the line is dropped */
    cr_expect_eq(console_feed(s, csi, sizeof csi - 1), CONSOLE_OK);
    OUT_HAS("0.0.0.0/0");
    ck_finish();
}

Test(console_sec, a_quoted_guard_of_many_words_is_one_word)
{
    ck_appliance(ck_conf);
    guard_tcpdump_register();
    ck_console(0);
    char line[512] = "extension install udp-count guard=\"udp dst port 6000";
    for (int p = 6001; p < 6012; p++) /* 4 words each: 48 words in all */
        snprintf(line + strlen(line), sizeof line - strlen(line), " or udp dst port %d", p);
    strcat(line, "\"");
    cr_expect_eq(ck_run(line), CONSOLE_OK, "%s", ck_out());
    OUT_HAS("installed");
    ck_finish();
}

Test(console_sec, a_long_grant_error_keeps_its_reason)
{
    ck_appliance(ck_conf);
    ck_console(0);
    char line[512] = "extension install udp-count grant=";
    for (int p = 10000; p < 10015; p++) /* 15 capabilities of a set's 16, 225 bytes */
        snprintf(line + strlen(line), sizeof line - strlen(line), "udp:%d-%d,", p, p + 1);
    strcat(line, "bogus:1");
    cr_expect_eq(ck_run(line), CONSOLE_FAILED);
    OUT_HAS("'bogus:1': nothing is published under that name");
    ck_finish();
}

Test(console_sec, route_via_our_own_address_is_refused)
{
    ck_appliance(ck_conf);
    ck_console(0);
    cr_expect_eq(ck_run("route add 10.9.0.0/16 via 10.0.0.1"), CONSOLE_FAILED);
    OUT_HAS("via 10.0.0.1: one of our own addresses, not another host");
    cr_expect_eq(ck_run("route add 10.9.0.0/16 via 10.0.0.255"), CONSOLE_FAILED);
    OUT_HAS("a broadcast address");
    cr_expect_eq(ck_run("route add 10.9.0.0/16 via 10.0.0.2"), CONSOLE_OK, "%s", ck_out());
    ck_finish();
}
