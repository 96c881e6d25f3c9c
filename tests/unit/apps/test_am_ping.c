/*
 * tests/unit/apps/test_am_ping.c — the am-ping extension in a whole
 * appliance (conskit.h), the test playing the peer spindle: it answers the
 * requests and stores am-ping sends over UDP and over AAL5 as an endpoint
 * would, and checks what am-ping counts and prints; configuration errors.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"
#include "../console/conskit.h"
#include "../protocols/aal5/sarkit.h"

#include "apps/am/am.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/stats.h"
#include "netgraph/instances.h"

static struct netif *ifp;
static struct sk k;
static uint8_t msg[AM_MSG_MAX];
static uint8_t frame[AM_MSG_MAX + 64];
static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static unsigned answered, stores_seen, drop_first;

static const char conf[] = "interface eth0 driver=loop mac=02:00:00:00:00:01\n"
                           "address eth0 10.0.0.1/24\n"
                           "extension am port=9000 rto=2000\n"
                           "extension am vc=0/40 rto=2000\n";

static void setup(void)
{
    ifp = ck_appliance(conf);
    ck_console(0);
    sk_setup(&k, sk_params(), 16, 2);
    uint8_t f[64];
    ck_inject(ifp, f, ck_arp_request(f, CK_OUR_IP));
    ck_poll();
    ck_sent_drain(ifp);
    answered = stores_seen = drop_first = 0;
}

static void teardown(void)
{
    testkit_drain(ifp);
    ck_finish(); /* first: ARP's queue holds buffers until shutdown */
    sk_teardown(&k);
}

TestSuite(am_ping, .init = setup, .fini = teardown);

static uint64_t ctr(const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find("am-ping", name, &v), 0, "no counter am-ping.%s", name);
    return v;
}

/* response - what an endpoint answers to request @q (echo: its args; store: ACK). */
static size_t response(const struct am_hdr *q)
{
    struct am_hdr r = { .type = AM_ACK, .epoch = q->epoch, .seq = q->seq };
    if (q->type == AM_REQUEST) {
        cr_assert_eq(q->handler, AM_H_ECHO);
        cr_assert_eq(q->nargs, 0, "a 0-argument round trip");
        r.type = AM_REPLY;
    } else {
        cr_assert_eq(q->type, AM_STORE);
        cr_assert_eq(q->segment, 0);
        stores_seen++;
    }
    return am_wire_build(msg, sizeof msg, &r);
}

/* peer_udp - answer what the appliance sent to 10.0.0.2:9000; returns the count. */
static unsigned peer_udp(void)
{
    static struct ck_sent s;
    unsigned n = 0;
    while (ck_take(ifp, &s)) {
        if (s.proto != 17 || load_be16(s.l4 + 2) != 9000)
            continue;
        struct am_hdr q;
        cr_assert_eq(am_wire_parse(s.l4 + 8, s.l4_len - 8, &q), AM_W_OK);
        if (drop_first > 0) {
            drop_first--; /* lost on the way: am-ping's endpoint sends it again */
            continue;
        }
        size_t len = response(&q);
        ck_inject(ifp, frame, ck_udp(frame, sizeof frame, 9000, 9000, msg, len));
        n++;
    }
    answered += n;
    return n;
}

/* peer_aal5 - answer the PDUs the appliance sent to PEER_MAC on VC 0/40. */
static unsigned peer_aal5(void)
{
    struct pktbuf *f;
    unsigned n = 0;
    while ((f = testkit_sent(ifp)) != NULL) {
        sk_input_frame(&k, f, PEER_MAC, CK_OUR_MAC);
        pkt_free(f);
    }
    while (k.n > 0) {
        struct aal5_pdu_info info;
        struct pktbuf *p = sk_take(&k, &info);
        cr_assert_eq(info.last.vci, 40);
        struct am_hdr q;
        cr_assert_eq(am_wire_parse(pkt_data(p), p->len, &q), AM_W_OK);
        pkt_free(p);
        size_t len = response(&q);
        struct sk_cells c = sk_segment(msg, (uint32_t)len, 0, 40, 0);
        ck_inject(ifp, frame, sk_frame(frame, CK_OUR_MAC, PEER_MAC, &c, 0, c.n));
        free(c.b);
        n++;
    }
    answered += n;
    return n;
}

static void install(const char *a, const char *b, const char *c, const char *d)
{
    const char *kv[4] = { a, b, c, d };
    static char buf[4][64];
    struct kparams p = { 0 };
    for (unsigned i = 0; i < 4 && kv[i] != NULL; i++) {
        kstrlcpy(buf[i], kv[i], sizeof buf[i]);
        char *eq = strchr(buf[i], '=');
        *eq = '\0';
        p.key[p.n] = buf[i];
        p.value[p.n++] = eq + 1;
    }
    char err[256] = "";
    cr_assert_eq(netgraph_ext_install("am-ping", &p, NULL, err, sizeof err), 0, "%s", err);
}

/* drain_all - the unanswering peer. */
static unsigned drain_all(void)
{
    ck_sent_drain(ifp);
    return 0;
}

/* run_until_done - poll and answer until am-ping says done (at most 10 s). */
static void run_until_done(unsigned (*peer)(void))
{
    uint64_t end = kclock_now_ns() + 10 * KNS_PER_S;
    while (kclock_now_ns() < end) {
        ck_poll();
        peer();
        uint64_t done = 0;
        kstats_find("am-ping", "done", &done);
        if (done)
            return;
    }
    cr_assert_fail("am-ping did not finish");
}

Test(am_ping, udp_round_trips_and_stores)
{
    install("peer=10.0.0.2", "count=5", "interval=0", "size=3000");
    run_until_done(peer_udp);
    cr_assert_eq(ctr("pings"), 5);
    cr_assert_eq(ctr("ping_ok"), 5);
    cr_assert_eq(ctr("stores"), 5);
    cr_assert_eq(ctr("store_ok"), 5);
    cr_assert_eq(ctr("store_bytes"), 15000);
    cr_assert_eq(stores_seen, 15, "3000 bytes in three 1408-byte chunks each");
    cr_assert_gt(ctr("rtt_p50_ns"), 0);
    cr_assert_leq(ctr("rtt_min_ns"), ctr("rtt_p50_ns"));
    cr_assert_leq(ctr("rtt_p50_ns"), ctr("rtt_p99_ns"));
    cr_assert_leq(ctr("rtt_p99_ns"), ctr("rtt_max_ns"));
    cr_assert_gt(ctr("store_kbit_s"), 0);
    cr_assert_eq(ck_run("am-ping stats"), CONSOLE_OK);
    const char *o = ck_out();
    cr_assert(strstr(o, "10.0.0.2:9000 via udp: done") != NULL, "%s", o);
    cr_assert(strstr(o, "round trips 5/5") != NULL, "%s", o);
    cr_assert(strstr(o, "stores 5/5 of 3000 B") != NULL, "%s", o);
}

Test(am_ping, a_lost_request_is_sent_again)
{
    drop_first = 1;
    install("peer=10.0.0.2:9000", "count=2", "interval=0", NULL);
    run_until_done(peer_udp);
    cr_assert_eq(ctr("ping_ok"), 2);
    cr_assert_eq(ctr("retransmits"), 1);
    uint64_t v = 0;
    cr_assert_eq(kstats_find("am:udp-9000", "retransmits", &v), 0);
    cr_assert_eq(v, 1);
}

Test(am_ping, aal5_round_trips_and_stores)
{
    install("mac=02:00:00:00:00:02", "vc=0/40", "count=3", "size=20000");
    run_until_done(peer_aal5);
    cr_assert_eq(ctr("ping_ok"), 3);
    cr_assert_eq(ctr("store_ok"), 3);
    cr_assert_eq(stores_seen, 9, "20000 bytes in three 8192-byte chunks each");
    cr_assert_eq(ck_run("am-ping stats"), CONSOLE_OK);
    cr_assert(strstr(ck_out(), "02:00:00:00:00:02 vc 0/40 via aal5:0/40: done") != NULL, "%s",
              ck_out());
}

Test(am_ping, unanswered_pings_fail_and_it_still_finishes)
{
    install("peer=10.0.0.9", "count=1", "interval=0", NULL);
    /* nobody answers (ARP for 10.0.0.9 goes unanswered too): the retries run out */
    run_until_done(drain_all);
    cr_assert_eq(ctr("done"), 1);
    cr_assert_eq(ctr("ping_failed"), 1);
    cr_assert_eq(ctr("ping_ok"), 0);
}

static void refused(const char *a, const char *b, const char *why)
{
    struct kparams p = { 0 };
    char buf[2][64];
    const char *kv[2] = { a, b };
    for (unsigned i = 0; i < 2 && kv[i] != NULL; i++) {
        kstrlcpy(buf[i], kv[i], sizeof buf[i]);
        char *eq = strchr(buf[i], '=');
        *eq = '\0';
        p.key[p.n] = buf[i];
        p.value[p.n++] = eq + 1;
    }
    char err[256] = "";
    cr_assert_lt(netgraph_ext_install("am-ping", &p, NULL, err, sizeof err), 0);
    cr_assert(strstr(err, why) != NULL, "'%s' lacks '%s'", err, why);
}

Test(am_ping, configuration_errors)
{
    refused("count=3", NULL, "give peer=");
    refused("peer=10.0.0.2", "mac=02:00:00:00:00:02", "give peer=");
    refused("mac=02:00:00:00:00:02", NULL, "give peer=");
    refused("peer=10.0.0.300", NULL, "expected A.B.C.D");
    refused("peer=10.0.0.2:0", NULL, "expected A.B.C.D");
    refused("peer=10.0.0.2", "via=udp:1234", "no active-message endpoint udp:1234");
    refused("mac=02:00:00:00:00:02", "vc=0/41", "no active-message endpoint aal5:0/41");
    refused("peer=10.0.0.2", "size=70000", "size=0..65536");
    netgraph_ext_remove_all();
    refused("peer=10.0.0.2", NULL, "grant=am:*");
}
