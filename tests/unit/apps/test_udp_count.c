/*
 * tests/unit/apps/test_udp_count.c — the udp-count extension: counting per
 * destination port with and without port=, "other" beyond the table, N
 * instances, listener versus observer (ICMP port unreachable), remove().
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testkit.h"
#include "../protocols/udp/udpkit.h"

#include "netgraph/extension.h"
#include "apps/udp-count/udp_count.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/stats.h"

static void *install_count(const char *port)
{
    const struct kextension *e = kext_class_find("udp-count");
    cr_assert_not_null(e);
    struct kparams p = { 0 };
    if (port) {
        p.n = 1;
        p.key[0] = "port";
        p.value[0] = port;
    }
    void *state = NULL;
    char err[128] = "";
    cr_assert_eq(kext_create(e, &p, (struct kext **)&state, err, sizeof err), 0, "install: %s",
                 err);
    return state;
}

static void send_to(struct netif *ifp, uint16_t dport, size_t payload_len)
{
    static const uint8_t junk[64] = { 1, 2, 3 };
    struct uk_dgram d = {
        .sport = 30000, .dport = dport, .payload = junk, .payload_len = payload_len
    };
    udpkit_inject(ifp, &d);
}

Test(udp_count, with_port_listens_and_counts)
{
    struct netif *ifp = udpkit_setup();
    void *st = install_count("9000");
    send_to(ifp, 9000, 10);
    send_to(ifp, 9000, 20);
    send_to(ifp, 9001, 5);
    cr_assert_eq(udpkit_counter("udp-count:9000", "datagrams"), 2);
    cr_assert_eq(udpkit_counter("udp-count:9000", "bytes"), 30);
    cr_assert_eq(udpkit_counter("udp-count:9000", "port9000_datagrams"), 2);
    cr_assert_eq(udpkit_counter("udp-count:9000", "port9000_bytes"), 30);
    uint64_t v;
    cr_assert_eq(kstats_find("udp-count:9000", "port9001_datagrams", &v), -KE_NOENT,
                 "the guard keeps other ports away");
    /* 9000 is listened to: only 9001 gets port unreachable */
    struct uk_sent s;
    cr_assert(udpkit_take(ifp, &s));
    cr_assert_eq(s.proto, 1);
    cr_assert_eq(load_be16(s.l4 + 8 + 20 + 2), 9001, "the quoted datagram is the one to 9001");
    udpkit_sent_free(&s);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

Test(udp_count, without_port_observes_everything_and_passes)
{
    struct netif *ifp = udpkit_setup();
    void *st = install_count(NULL);
    send_to(ifp, 53, 12);
    send_to(ifp, 123, 48);
    send_to(ifp, 53, 30);
    cr_assert_eq(udpkit_counter("udp-count", "datagrams"), 3);
    cr_assert_eq(udpkit_counter("udp-count", "bytes"), 90);
    cr_assert_eq(udpkit_counter("udp-count", "port53_datagrams"), 2);
    cr_assert_eq(udpkit_counter("udp-count", "port53_bytes"), 42);
    cr_assert_eq(udpkit_counter("udp-count", "port123_datagrams"), 1);
    cr_assert_eq(udpkit_counter("udp-count", "port123_bytes"), 48);
    /* an observer: nobody listens, so each datagram still gets port unreachable */
    cr_assert_eq(testkit_drain(ifp), 3);
    cr_assert_eq(udpkit_counter("udp", "unreach_sent"), 3);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

Test(udp_count, ports_beyond_the_table_count_as_other)
{
    struct netif *ifp = udpkit_setup();
    void *st = install_count(NULL);
    for (unsigned i = 0; i < UDP_COUNT_PORTS + 3; i++) {
        send_to(ifp, (uint16_t)(2000 + i), 1);
        testkit_drain(ifp);
        testkit_advance(200000000ull); /* refill the ICMP error bucket */
    }
    send_to(ifp, 2000, 4); /* a port in the table still counts there */
    testkit_drain(ifp);
    cr_assert_eq(udpkit_counter("udp-count", "datagrams"), UDP_COUNT_PORTS + 4);
    cr_assert_eq(udpkit_counter("udp-count", "port2000_datagrams"), 2);
    cr_assert_eq(udpkit_counter("udp-count", "port2000_bytes"), 5);
    char last[32];
    snprintf(last, sizeof last, "port%u_datagrams", 2000 + UDP_COUNT_PORTS - 1);
    cr_assert_eq(udpkit_counter("udp-count", last), 1);
    cr_assert_eq(udpkit_counter("udp-count", "other_datagrams"), 3);
    cr_assert_eq(udpkit_counter("udp-count", "other_bytes"), 3);
    uint64_t v;
    snprintf(last, sizeof last, "port%u_datagrams", 2000 + UDP_COUNT_PORTS);
    cr_assert_eq(kstats_find("udp-count", last, &v), -KE_NOENT);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

/* The groups registered under node @ctx->node, and the sum of their "datagrams". */
struct group_count {
    const char *node;
    unsigned n;
    uint64_t datagrams;
};
static void count_groups(const struct kstat_group *g, void *ctx)
{
    struct group_count *c = ctx;
    if (strcmp(g->node, c->node) != 0)
        return;
    c->n++;
    for (unsigned i = 0; i < g->n; i++)
        if (strcmp(g->names[i], "datagrams") == 0)
            c->datagrams += g->values[i];
}

Test(udp_count, n_lines_install_n_instances)
{
    struct netif *ifp = udpkit_setup();
    uint64_t live = kmem_live();
    void *a = install_count("1111");
    void *b = install_count("2222");
    void *c = install_count(NULL);
    void *d = install_count(NULL);
    send_to(ifp, 1111, 3);
    send_to(ifp, 2222, 4);
    send_to(ifp, 2222, 4);
    cr_assert_eq(udpkit_counter("udp-count:1111", "datagrams"), 1);
    cr_assert_eq(udpkit_counter("udp-count:2222", "datagrams"), 2);
    cr_assert_eq(udpkit_counter("udp-count:2222", "bytes"), 8);
    struct group_count gc = { .node = "udp-count" };
    kstats_foreach(count_groups, &gc);
    cr_assert_eq(gc.n, 2, "two observer instances");
    cr_assert_eq(gc.datagrams, 2 * 3, "each observer saw all three");
    cr_assert_eq(testkit_sent_count(ifp), 0, "1111 and 2222 have listeners");
    kext_destroy(a);
    kext_destroy(b);
    kext_destroy(c);
    kext_destroy(d);
    cr_assert_eq(kmem_live(), live, "remove() frees every instance");
    gc.n = 0;
    kstats_foreach(count_groups, &gc);
    cr_assert_eq(gc.n, 0);
    uint64_t v;
    cr_assert_eq(kstats_find("udp-count:1111", "datagrams", &v), -KE_NOENT);
    /* nothing listens any more */
    send_to(ifp, 1111, 3);
    cr_assert_eq(testkit_drain(ifp), 1);
    cr_assert(pktpool_all_full());
}

Test(udp_count, bad_parameters_are_named)
{
    udpkit_setup();
    const struct kextension *e = kext_class_find("udp-count");
    struct kparams p = { .n = 1, .key = { "port" }, .value = { "-1" } };
    void *st = NULL;
    char err[128] = "";
    cr_assert_lt(kext_create(e, &p, (struct kext **)&st, err, sizeof err), 0);
    cr_assert_not_null(strstr(err, "port"), "%s", err);
    p.key[0] = "ports";
    p.value[0] = "1";
    cr_assert_eq(kext_create(e, &p, (struct kext **)&st, err, sizeof err), -KE_INVAL);
    cr_assert_not_null(strstr(err, "ports"), "%s", err);
    cr_assert_null(st);
    cr_assert(pktpool_all_full());
}

static void *install_guarded(const char *guard, const char *port, char *err, size_t errlen, int *rc)
{
    const struct kextension *e = kext_class_find("udp-count");
    struct kparams p = { 0 };
    p.key[p.n] = "guard";
    p.value[p.n++] = guard;
    if (port) {
        p.key[p.n] = "port";
        p.value[p.n++] = port;
    }
    void *state = NULL;
    *rc = kext_create(e, &p, (struct kext **)&state, err, errlen);
    return state;
}

Test(udp_count, tcpdump_guard_selects_like_port_and_listens)
{
    struct netif *ifp = udpkit_setup();
    char err[200] = "";
    int rc;
    void *st = install_guarded("udp dst port 5000", NULL, err, sizeof err, &rc);
    cr_assert_eq(rc, 0, "install: %s", err);
    send_to(ifp, 5000, 10);
    send_to(ifp, 5001, 7);
    cr_assert_eq(udpkit_counter("udp-count:guard", "datagrams"), 1,
                 "only port 5000 passes the guard");
    cr_assert_eq(udpkit_counter("udp-count:guard", "bytes"), 10);
    /* the guarded instance listens for what it selects: only 5001 is unreachable */
    cr_assert_eq(testkit_drain(ifp), 1);
    cr_assert_eq(udpkit_counter("udp", "unreach_sent"), 1);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

Test(udp_count, tcpdump_guard_is_anded_with_port)
{
    struct netif *ifp = udpkit_setup();
    char err[200] = "";
    int rc;
    /* a disjunction stays a cBPF guard; port= adds a field test on top */
    void *st = install_guarded("udp port 5000 or udp port 6000", "6000", err, sizeof err, &rc);
    cr_assert_eq(rc, 0, "install: %s", err);
    send_to(ifp, 5000, 3);
    send_to(ifp, 6000, 4);
    cr_assert_eq(udpkit_counter("udp-count:6000", "datagrams"), 1);
    cr_assert_eq(udpkit_counter("udp-count:6000", "port6000_datagrams"), 1);
    testkit_drain(ifp);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

Test(udp_count, bad_tcpdump_guard_is_refused_with_the_compilers_reason)
{
    udpkit_setup();
    char err[200] = "";
    int rc;
    uint64_t live = kmem_live();
    install_guarded("udp dst prot 5000", NULL, err, sizeof err, &rc);
    cr_assert_eq(rc, -KE_INVAL);
    cr_assert(strstr(err, "udp-count: guard:") != NULL, "err: %s", err);
    install_guarded("tcp", NULL, err, sizeof err, &rc);
    cr_assert_eq(rc, -KE_RANGE, "tcp can never match udp.PacketArrived: %s", err);
    cr_assert_eq(kmem_live(), live, "a refused guard keeps no memory");
}
