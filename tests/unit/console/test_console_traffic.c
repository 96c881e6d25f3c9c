/*
 * tests/unit/console/test_console_traffic.c — installing and removing an
 * extension from the console while traffic flows:
 * UDP echo requests and pings arrive in bursts; between bursts, and in the
 * middle of a burst (from a handler, while the UDP event is being raised),
 * "extension install udp-echo" and "extension remove ID" run. Every request
 * must get exactly one answer consistent with the state when the appliance
 * processed it: an echo while udp-echo is installed, an ICMP port
 * unreachable (RFC 1122 4.1.3.1) while it is not; every ping exactly one
 * echo reply; nothing lost or duplicated; every buffer back at the end.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "conskit.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/stats.h"
#include "protocols/icmp/icmp.h"
#include "protocols/udp/udp.h"

#define ROUNDS 60
#define UDP_PER_ROUND 8 /* of which at most ICMP_ERR_BURST unreachables per round */
#define PINGS_PER_ROUND 3
#define CONTROL_PORT 9   /* a datagram here toggles udp-echo from inside the raise */
#define SPORT_BASE 20000 /* request n comes from port SPORT_BASE + n */

static uint64_t fake_now = 1000000000ull;

static uint64_t test_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

/* The udp-echo state and what each request should get. */
static struct {
    bool installed;
    unsigned id; /* console id of the installed instance */
    unsigned installs, removes;
} echo;

enum expect { EXPECT_NONE, EXPECT_ECHO, EXPECT_UNREACH };
static enum expect expected[ROUNDS * UDP_PER_ROUND];
static unsigned answers[ROUNDS * UDP_PER_ROUND];
static unsigned ping_answers[ROUNDS * PINGS_PER_ROUND];

/* toggle - install or remove udp-echo through the console, as an operator would. */
static void toggle(void)
{
    char line[64];
    if (echo.installed) {
        snprintf(line, sizeof line, "extension remove %u", echo.id);
        cr_assert_eq(ck_run(line), CONSOLE_OK, "%s", ck_out());
        echo.installed = false;
        echo.removes++;
    } else {
        cr_assert_eq(ck_run("extension install udp-echo port=7"), CONSOLE_OK, "%s", ck_out());
        cr_assert_eq(sscanf(ck_out(), "extension %u installed: udp-echo port=7", &echo.id), 1, "%s",
                     ck_out());
        echo.installed = true;
        echo.installs++;
    }
}

/* The control handler: a datagram to CONTROL_PORT toggles udp-echo while udp.PacketArrived runs. */
static unsigned control_hits;
static int on_control(void *ctx, struct pktbuf *pkt)
{
    (void)ctx;
    (void)pkt;
    control_hits++;
    toggle();
    return KH_TAKEN;
}

static unsigned request_no(uint16_t sport)
{
    cr_assert_geq(sport, SPORT_BASE);
    unsigned n = sport - SPORT_BASE;
    cr_assert_lt(n, ROUNDS * UDP_PER_ROUND);
    return n;
}

/* collect - read every frame sent and account it against the requests. */
static void collect(struct netif *eth0)
{
    struct ck_sent s;
    while (ck_take(eth0, &s)) {
        cr_assert_eq(s.ethertype, 0x0800, "only IPv4 answers (ARP was learned at the start)");
        cr_assert_eq(s.dst, CK_PEER_IP);
        if (s.proto == 17) {
            cr_assert_eq(load_be16(s.l4), 7, "an echo comes from port 7");
            unsigned n = request_no(load_be16(s.l4 + 2));
            char want[16];
            snprintf(want, sizeof want, "req %u", n);
            cr_assert_eq(load_be16(s.l4 + 4), 8 + strlen(want));
            cr_assert(memcmp(s.l4 + 8, want, strlen(want)) == 0, "the request's payload");
            cr_assert_eq(expected[n], EXPECT_ECHO, "request %u echoed while udp-echo was removed",
                         n);
            answers[n]++;
        } else if (s.proto == 1 && s.l4[0] == 3) {
            cr_assert_eq(s.l4[1], 3, "port unreachable");
            cr_assert_eq(ck_csum(s.l4, s.l4_len), 0, "ICMP checksum");
            const uint8_t *quoted = s.l4 + 8; /* the request's IPv4 header */
            const uint8_t *udp = quoted + (quoted[0] & 15) * 4;
            cr_assert_eq(load_be16(udp + 2), 7);
            unsigned n = request_no(load_be16(udp));
            cr_assert_eq(expected[n], EXPECT_UNREACH,
                         "request %u got port unreachable while udp-echo was installed", n);
            answers[n]++;
        } else if (s.proto == 1 && s.l4[0] == 0) {
            unsigned seq = load_be16(s.l4 + 6);
            cr_assert_eq(load_be16(s.l4 + 4), 0x5eed, "ping id");
            cr_assert_lt(seq, ROUNDS * PINGS_PER_ROUND);
            ping_answers[seq]++;
        } else {
            cr_assert_fail("unexpected frame: proto %u type %u", s.proto, s.l4 ? s.l4[0] : 0);
        }
    }
}

Test(console_traffic, install_and_remove_udp_echo_while_requests_and_pings_flow)
{
    kclock_set_source(test_clock, NULL);
    struct netif *eth0 = ck_appliance(ck_conf);
    ck_console(0);
    uint8_t f[256];
    /* The peer announces itself: replies leave at once, no ARP queueing. */
    ck_inject(eth0, f, ck_arp_request(f, CK_OUR_IP));
    ck_poll();
    cr_assert_eq(ck_sent_drain(eth0), 1, "one ARP reply");

    struct kguard g = udp_guard_dport(CONTROL_PORT);
    struct khandler *control;
    const struct khandler_props props = { .name = "test-control" };
    cr_assert_eq(udp_PacketArrived_install(on_control, NULL, &g, &props, &control), 0);

    unsigned req = 0, ping = 0, controls = 0;
    for (unsigned round = 0; round < ROUNDS; round++) {
        /* A burst: requests and pings interleaved, in odd rounds a control datagram inside. */
        bool state = echo.installed;
        unsigned control_at = round % 2 ? 1 + round % (UDP_PER_ROUND - 1) : UDP_PER_ROUND + 1;
        for (unsigned k = 0; k < UDP_PER_ROUND; k++) {
            if (k == control_at) {
                ck_inject(eth0, f, ck_udp(f, sizeof f, 30000, CONTROL_PORT, "toggle", 6));
                state = !state;
                controls++;
            }
            char payload[16];
            int len = snprintf(payload, sizeof payload, "req %u", req);
            ck_inject(eth0, f,
                      ck_udp(f, sizeof f, (uint16_t)(SPORT_BASE + req), 7, payload, (size_t)len));
            expected[req++] = state ? EXPECT_ECHO : EXPECT_UNREACH;
            if (k % 3 == 1 && ping < (round + 1) * PINGS_PER_ROUND)
                ck_inject(eth0, f, ck_ping(f, sizeof f, 0x5eed, (uint16_t)ping++));
        }
        while (ping < (round + 1) * PINGS_PER_ROUND)
            ck_inject(eth0, f, ck_ping(f, sizeof f, 0x5eed, (uint16_t)ping++));
        ck_poll();
        cr_assert_eq(echo.installed, state, "round %u: the control datagram was handled", round);
        collect(eth0);
        /* Between bursts, from the console: every third round. */
        if (round % 3 == 0)
            toggle();
        fake_now += 1000000000ull; /* refills ICMP's error token bucket (RFC 1812 4.3.2.8) */
    }
    cr_expect_eq(control_hits, controls);
    cr_expect_geq(echo.installs, 20);
    cr_expect_geq(echo.removes, 20);
    unsigned echoed = 0, unreached = 0;
    for (unsigned n = 0; n < req; n++) {
        cr_expect_eq(answers[n], 1, "request %u: %u answers", n, answers[n]);
        echoed += expected[n] == EXPECT_ECHO;
        unreached += expected[n] == EXPECT_UNREACH;
    }
    cr_expect_gt(echoed, ROUNDS, "both states were exercised");
    cr_expect_gt(unreached, ROUNDS);
    for (unsigned n = 0; n < ping; n++)
        cr_expect_eq(ping_answers[n], 1, "ping %u: %u replies", n, ping_answers[n]);
    uint64_t limited = 1;
    cr_assert_eq(kstats_find("icmp", "err_rate_limited", &limited), 0);
    cr_expect_eq(limited, 0);
    cr_expect_eq(ck_sent_drain(eth0), 0, "nothing left unaccounted");

    cr_assert_eq(kevent_uninstall(control), 0);
    ck_finish();
}
