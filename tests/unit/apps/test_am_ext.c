/*
 * tests/unit/apps/test_am_ext.c — the "am" extension in a whole appliance
 * (conskit.h: configuration text, loop interfaces): active messages in UDP
 * datagrams and in AAL5 PDUs answered through the real receive and send
 * paths, duplicates answered once, malformed messages counted by reason
 * and dropped with every buffer back, the "am" domain reached through the
 * name service with a grant limiting handler indices, configuration errors
 * refused with a reason, and "am stats" on the console.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"
#include "../console/conskit.h"
#include "../protocols/aal5/sarkit.h"

#include "apps/am/am.h"
#include "kernel/capability.h"
#include "kernel/domain.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/nameservice.h"
#include "kernel/stats.h"
#include "netgraph/instances.h"

#define PEER_PORT 40000

static struct netif *ifp;
static struct sk k;
static uint8_t msg[AM_MSG_MAX];
static uint8_t frame[AM_MSG_MAX + 64];

static const char conf[] = "interface eth0 driver=loop mac=02:00:00:00:00:01\n"
                           "address eth0 10.0.0.1/24\n"
                           "extension am port=9000\n"
                           "extension am vc=0/40 window=8\n";

static void setup(void)
{
    ifp = ck_appliance(conf);
    ck_console(0);
    sk_setup(&k, sk_params(), 16, 2);
    uint8_t f[64];
    ck_inject(ifp, f, ck_arp_request(f, CK_OUR_IP)); /* ARP learns the peer */
    ck_poll();
    ck_sent_drain(ifp);
}

static void teardown(void)
{
    testkit_drain(ifp);
    ck_finish(); /* first: ARP's queue holds buffers until shutdown */
    sk_teardown(&k);
}

TestSuite(am_ext, .init = setup, .fini = teardown);

static uint64_t ctr(const char *node, const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find(node, name, &v), 0, "no counter %s.%s", node, name);
    return v;
}

/* build - message @h (data from @data for STORE) into msg; returns its length. */
static size_t build(const struct am_hdr *h, const uint8_t *data)
{
    size_t n = am_wire_build(msg, sizeof msg, h);
    cr_assert_gt(n, 0);
    if (am_type_has_data(h->type))
        memcpy(msg + n, data, h->length);
    return am_wire_len(h);
}

static void send_udp(const struct am_hdr *h, const uint8_t *data)
{
    size_t n = build(h, data);
    ck_inject(ifp, frame, ck_udp(frame, sizeof frame, PEER_PORT, 9000, msg, n));
    ck_poll();
}

/* take_udp - the one datagram sent to the peer's port, parsed; false when none. */
static bool take_udp(struct am_hdr *h)
{
    static struct ck_sent s;
    if (!ck_take(ifp, &s))
        return false;
    cr_assert_eq(s.proto, 17);
    cr_assert_eq(load_be16(s.l4), 9000);
    cr_assert_eq(load_be16(s.l4 + 2), PEER_PORT);
    cr_assert_eq(am_wire_parse(s.l4 + 8, s.l4_len - 8, h), AM_W_OK);
    return true;
}

Test(am_ext, udp_request_reply_and_duplicate)
{
    struct am_hdr q = { .type = AM_REQUEST,
                        .handler = AM_H_ECHO,
                        .nargs = 2,
                        .epoch = 77,
                        .seq = 1,
                        .args = { 11, 22 } };
    struct am_hdr r;
    for (int i = 0; i < 2; i++) {
        send_udp(&q, NULL);
        cr_assert(take_udp(&r), "an answer to copy %d", i + 1);
        cr_assert_eq(r.type, AM_REPLY);
        cr_assert_eq(r.epoch, 77);
        cr_assert_eq(r.seq, 1);
        cr_assert_eq(r.nargs, 2);
        cr_assert_eq(r.args[1], 22);
        cr_assert_not(take_udp(&r));
    }
    cr_assert_eq(ctr("am:udp-9000", "handler_runs"), 1, "the duplicate did not run again");
    cr_assert_eq(ctr("am:udp-9000", "dup_answered"), 1);
    cr_assert_eq(ctr("udp", "no_port"), 0);
}

Test(am_ext, udp_store_into_segment_then_sum)
{
    static uint8_t data[1000];
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 3);
    struct am_hdr q = { .type = AM_STORE,
                        .handler = AM_H_SUM,
                        .epoch = 5,
                        .seq = 1,
                        .flags = AM_F_LAST,
                        .length = 1000,
                        .base = 100,
                        .pos = 0,
                        .total = 1000 };
    send_udp(&q, data);
    struct am_hdr r;
    cr_assert(take_udp(&r));
    cr_assert_eq(r.type, AM_REPLY);
    cr_assert_eq(r.args[0], 100);
    cr_assert_eq(r.args[1], 1000);
    cr_assert_eq(r.args[2], am_fnv1a(data, sizeof data));
    struct am_hdr g = { .type = AM_GET,
                        .epoch = 5,
                        .seq = 2,
                        .flags = AM_F_LAST,
                        .length = 10,
                        .base = 100,
                        .pos = 990,
                        .total = 1000 };
    send_udp(&g, NULL);
    cr_assert(take_udp(&r));
    cr_assert_eq(r.type, AM_GET_REPLY);
    cr_assert_eq(r.length, 10);
    cr_assert_arr_eq(r.data, data + 990, 10);
    cr_assert_eq(ctr("am:udp-9000", "stored_bytes"), 1000);
}

Test(am_ext, malformed_messages_are_counted_and_dropped)
{
    struct am_hdr q = { .type = AM_REQUEST, .handler = AM_H_ECHO, .epoch = 1, .seq = 1 };
    size_t n = build(&q, NULL);
    const struct {
        size_t off;
        uint8_t val;
        const char *counter;
    } bad[] = {
        { AM_OFF_VERSION, 9, "mal_version" }, { AM_OFF_TYPE, 0, "mal_type" },
        { AM_OFF_FLAGS, 1, "mal_flags" },     { AM_OFF_NARGS, 5, "mal_nargs" },
        { AM_OFF_STATUS, 2, "mal_status" },   { AM_OFF_RESERVED, 1, "mal_reserved" },
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        build(&q, NULL);
        msg[bad[i].off] = bad[i].val;
        ck_inject(ifp, frame, ck_udp(frame, sizeof frame, PEER_PORT, 9000, msg, n));
        ck_poll();
        cr_assert_eq(ctr("am:udp-9000", bad[i].counter), 1, "%s", bad[i].counter);
    }
    ck_inject(ifp, frame, ck_udp(frame, sizeof frame, PEER_PORT, 9000, msg, 7));
    ck_poll();
    cr_assert_eq(ctr("am:udp-9000", "mal_short"), 1);
    cr_assert_eq(ctr("am:udp-9000", "malformed"), 7);
    cr_assert_eq(ctr("am:udp-9000", "rx"), 0);
    struct am_hdr r;
    cr_assert_not(take_udp(&r), "no answer to a malformed message");
    cr_assert_eq(ctr("udp", "unreach_sent"), 0, "the port is the endpoint's: no ICMP error");
}

/* ------------------------------------------------------------ AAL5 */

static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static void send_aal5(const struct am_hdr *h, const uint8_t *data, uint16_t vci)
{
    size_t n = build(h, data);
    struct sk_cells c = sk_segment(msg, (uint32_t)n, 0, vci, 0);
    for (size_t i = 0; i < c.n; i += AAL5_CELLS_PER_FRAME) {
        size_t m = c.n - i < AAL5_CELLS_PER_FRAME ? c.n - i : AAL5_CELLS_PER_FRAME;
        ck_inject(ifp, frame, sk_frame(frame, CK_OUR_MAC, PEER_MAC, &c, i, m));
    }
    free(c.b);
    ck_poll();
}

/* take_aal5 - the PDU the appliance sent back, parsed into @h (data copied to msg). */
static bool take_aal5(struct am_hdr *h)
{
    struct pktbuf *f;
    int pdus = 0;
    while ((f = testkit_sent(ifp)) != NULL) {
        pdus += sk_input_frame(&k, f, PEER_MAC, CK_OUR_MAC);
        pkt_free(f);
    }
    if (pdus == 0)
        return false;
    struct aal5_pdu_info info;
    struct pktbuf *p = sk_take(&k, &info);
    cr_assert_eq(info.last.vci, 40);
    memcpy(msg, pkt_data(p), p->len);
    int e = am_wire_parse(msg, p->len, h);
    pkt_free(p);
    cr_assert_eq(e, AM_W_OK);
    return true;
}

Test(am_ext, aal5_request_reply_and_large_store)
{
    struct am_hdr q = {
        .type = AM_REQUEST, .handler = AM_H_ECHO, .nargs = 1, .epoch = 3, .seq = 1, .args = { 99 }
    };
    send_aal5(&q, NULL, 40);
    struct am_hdr r;
    cr_assert(take_aal5(&r));
    cr_assert_eq(r.type, AM_REPLY);
    cr_assert_eq(r.args[0], 99);
    send_aal5(&q, NULL, 41); /* another VC: not the endpoint's */
    cr_assert_not(take_aal5(&r));
    static uint8_t data[AM_CHUNK_MAX];
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i ^ (i >> 8));
    struct am_hdr s = { .type = AM_STORE,
                        .handler = AM_H_SUM,
                        .epoch = 3,
                        .seq = 2,
                        .flags = AM_F_LAST,
                        .length = AM_CHUNK_MAX,
                        .base = 0,
                        .pos = 0,
                        .total = AM_CHUNK_MAX };
    send_aal5(&s, data, 40);
    cr_assert(take_aal5(&r));
    cr_assert_eq(r.type, AM_REPLY);
    cr_assert_eq(r.args[2], am_fnv1a(data, sizeof data));
    cr_assert_eq(ctr("am:aal5-0-40", "replies"), 2);
}

/* ------------------------------------------------------------ the am domain */

static unsigned user_runs;
static void user_handler(void *ctx, struct am_msg *m)
{
    (void)ctx;
    user_runs++;
    uint32_t v = m->args[0] * 2;
    am_reply(m, 0, &v, 1);
}

Test(am_ext, the_am_domain_through_the_name_service)
{
    struct kcapset *caps = kcapset_create();
    char why[96];
    cr_assert_eq(kns_grant(caps, "am:16-31", why, sizeof why), 0, "%s", why);
    const struct kiface *am = NULL;
    const struct kimport imp = { "am", &am };
    struct kdomain d;
    cr_assert_eq(kdomain_init(&d, "client", NULL, 0, &imp, 1), 0);
    cr_assert_eq(kdomain_link(&d, caps), 0);
    am_find_fn find = (am_find_fn)kiface_entry(am, "find");
    am_register_fn reg = (am_register_fn)kiface_entry(am, "register");
    am_unregister_fn unreg = (am_unregister_fn)kiface_entry(am, "unregister");
    cr_assert(find && reg && unreg);
    struct am_ep *ep = find("udp:9000");
    cr_assert_not_null(ep);
    cr_assert_eq(find("udp"), ep);
    cr_assert_not_null(find("aal5:0/40"));
    cr_assert_null(find("udp:1"));
    struct am_reg *r = NULL;
    cr_assert_eq(reg(ep, caps, 40, user_handler, NULL, NULL, &r), -KE_PERM, "index not granted");
    cr_assert_eq(reg(ep, NULL, 16, user_handler, NULL, NULL, &r), -KE_PERM, "no grant at all");
    cr_assert_eq(reg(ep, caps, 16, user_handler, NULL, NULL, &r), 0);
    struct am_hdr q = {
        .type = AM_REQUEST, .handler = 16, .nargs = 1, .epoch = 8, .seq = 1, .args = { 21 }
    };
    send_udp(&q, NULL);
    struct am_hdr a;
    cr_assert(take_udp(&a));
    cr_assert_eq(a.args[0], 42);
    cr_assert_eq(user_runs, 1);
    unreg(r);
    q.seq = 2;
    send_udp(&q, NULL);
    cr_assert(take_udp(&a));
    cr_assert_eq(a.type, AM_NACK);
    cr_assert_eq(a.status, AM_S_NO_HANDLER);
    kcapset_destroy(caps);
    /* with every endpoint gone the domain is withdrawn */
    netgraph_ext_remove_all();
    struct kcap *c = NULL;
    cr_assert_eq(kns_subscribe("am", KCAP_IMPORT, 0, 255, &c), -KE_NOENT);
}

/* ------------------------------------------------------------ configuration, console */

static void refused(const char *line, const char *why)
{
    struct kparams p = { 0 };
    char buf[256];
    kstrlcpy(buf, line, sizeof buf);
    for (char *s = strtok(buf, " "); s != NULL && p.n < KPARAM_MAX; s = strtok(NULL, " ")) {
        char *eq = strchr(s, '=');
        cr_assert_not_null(eq);
        *eq = '\0';
        p.key[p.n] = s;
        p.value[p.n++] = eq + 1;
    }
    char err[256] = "";
    cr_assert_lt(netgraph_ext_install("am", &p, NULL, err, sizeof err), 0, "%s accepted", line);
    cr_assert(strstr(err, why) != NULL, "%s: '%s' lacks '%s'", line, err, why);
}

Test(am_ext, configuration_errors)
{
    refused("port=9001 vc=0/41", "either port=N");
    refused("window=4", "either port=N");
    refused("vc=0/0", "out of range");
    refused("vc=zero", "not VPI/VCI");
    refused("port=9001 window=0", "window=0");
    refused("port=9001 window=33", "out of range");
    refused("port=9001 chunk=16385", "chunk");
    refused("port=9001 rto=5", "rto");
    refused("port=9000", "already exists");
    refused("vc=0/40", "already exists");
    refused("port=9001 mode=fast", "mode");
}

Test(am_ext, am_stats_on_the_console)
{
    struct am_hdr q = { .type = AM_REQUEST, .handler = AM_H_ECHO, .epoch = 1, .seq = 1 };
    send_udp(&q, NULL);
    struct am_hdr r;
    cr_assert(take_udp(&r));
    cr_assert_eq(ck_run("am stats"), CONSOLE_OK);
    const char *o = ck_out();
    cr_assert(strstr(o, "udp:9000: 1 peers, 0 requests in flight, 0 transfers") != NULL, "%s", o);
    cr_assert(strstr(o, "aal5:0/40: 0 peers") != NULL, "%s", o);
    cr_assert(strstr(o, "replies 1") != NULL, "%s", o);
    netgraph_ext_remove_all();
    cr_assert_eq(ck_run("am stats"), CONSOLE_OK);
    cr_assert(strstr(ck_out(), "no active-message endpoints") != NULL);
}
