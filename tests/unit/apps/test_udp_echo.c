/*
 * tests/unit/apps/test_udp_echo.c — the udp-echo extension (RFC 862):
 * replies with ports swapped, payload equal and a valid checksum; large
 * payloads arrive reassembled and leave fragmented; parameters; remove().
 */
#include <criterion/criterion.h>
#include <string.h>

#include "testkit.h"
#include "../protocols/udp/udpkit.h"

#include "netgraph/extension.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/stats.h"
#include "protocols/udp/udp.h"

static void *install(const char *name, const char *key, const char *value)
{
    const struct kextension *e = kext_class_find(name);
    cr_assert_not_null(e);
    struct kparams p = { 0 };
    if (key) {
        p.n = 1;
        p.key[0] = key;
        p.value[0] = value;
    }
    void *state = NULL;
    char err[128] = "";
    cr_assert_eq(kext_create(e, &p, (struct kext **)&state, err, sizeof err), 0, "install: %s",
                 err);
    cr_assert_not_null(state);
    return state;
}

static const uint8_t text[] = "The quick brown fox jumps over the lazy dog";

Test(udp_echo, answers_on_port_7_with_the_same_payload)
{
    struct netif *ifp = udpkit_setup();
    void *st = install("udp-echo", NULL, NULL);
    struct uk_dgram d = { .sport = 41000, .dport = 7, .payload = text, .payload_len = sizeof text };
    udpkit_inject(ifp, &d);
    struct uk_sent r;
    cr_assert(udpkit_take(ifp, &r), "an echo reply");
    cr_assert_eq(r.proto, 17);
    cr_assert_eq(r.src, UK_OUR_IP);
    cr_assert_eq(r.dst, UK_PEER_IP);
    cr_assert(memcmp(r.eth, UK_PEER_MAC, 6) == 0);
    cr_assert_eq(load_be16(r.l4), 7, "source port = the request's destination port");
    cr_assert_eq(load_be16(r.l4 + 2), 41000, "destination port = the request's source port");
    cr_assert_eq(load_be16(r.l4 + 4), 8 + sizeof text);
    cr_assert_eq(r.l4_len, 8 + sizeof text);
    cr_assert_arr_eq(r.l4 + 8, text, sizeof text);
    cr_assert(udpkit_udp_csum_ok(r.src, r.dst, r.l4, r.l4_len));
    udpkit_sent_free(&r);
    cr_assert_eq(testkit_sent_count(ifp), 0);
    cr_assert_eq(udpkit_counter("udp-echo", "rx"), 1);
    cr_assert_eq(udpkit_counter("udp-echo", "tx"), 1);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

Test(udp_echo, empty_datagram_gets_an_empty_reply)
{
    struct netif *ifp = udpkit_setup();
    void *st = install("udp-echo", NULL, NULL);
    struct uk_dgram d = { .sport = 41000, .dport = 7 };
    udpkit_inject(ifp, &d);
    struct uk_sent r;
    cr_assert(udpkit_take(ifp, &r));
    cr_assert_eq(r.l4_len, 8);
    cr_assert_eq(load_be16(r.l4 + 4), 8);
    cr_assert(udpkit_udp_csum_ok(r.src, r.dst, r.l4, r.l4_len));
    udpkit_sent_free(&r);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

Test(udp_echo, listens_only_on_its_configured_port)
{
    struct netif *ifp = udpkit_setup();
    void *st = install("udp-echo", "port", "7007");
    struct uk_dgram d = { .sport = 41000, .dport = 7007, .payload = text, .payload_len = 9 };
    udpkit_inject(ifp, &d);
    struct uk_sent r;
    cr_assert(udpkit_take(ifp, &r));
    cr_assert_eq(r.proto, 17);
    cr_assert_eq(load_be16(r.l4), 7007);
    udpkit_sent_free(&r);
    /* port 7 is not ours now: ICMP port unreachable */
    d.dport = 7;
    udpkit_inject(ifp, &d);
    cr_assert(udpkit_take(ifp, &r));
    cr_assert_eq(r.proto, 1);
    udpkit_sent_free(&r);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

Test(udp_echo, refuses_source_ports_that_would_loop)
{
    struct netif *ifp = udpkit_setup();
    void *st = install("udp-echo", NULL, NULL);
    struct uk_dgram d = { .sport = 19, .dport = 7, .payload = text, .payload_len = 9 };
    udpkit_inject(ifp, &d); /* chargen */
    d.sport = 7;
    udpkit_inject(ifp, &d); /* another echo server */
    d.sport = 0;
    udpkit_inject(ifp, &d); /* no port to answer */
    cr_assert_eq(testkit_sent_count(ifp), 0, "no reply, and no ICMP: the port is ours");
    cr_assert_eq(udpkit_counter("udp-echo", "loop_refused"), 2);
    cr_assert_eq(udpkit_counter("udp-echo", "bad_sport"), 1);
    cr_assert_eq(udpkit_counter("udp-echo", "tx"), 0);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

/* Reassemble the fragments sent on @ifp into @buf; returns the datagram's data bytes. */
static size_t collect_fragments(struct netif *ifp, uint8_t *buf, size_t cap, unsigned *nfrags,
                                struct uk_sent *first)
{
    size_t total = 0;
    bool last_seen = false;
    uint16_t id = 0;
    *nfrags = 0;
    struct uk_sent s;
    while (udpkit_take(ifp, &s)) {
        cr_assert_eq(s.proto, 17);
        cr_assert(udpkit_ip_csum_ok(s.ip));
        cr_assert_leq(s.ip_total, 1500, "every fragment fits the MTU");
        uint16_t this_id = load_be16(s.ip + 4);
        if (*nfrags == 0)
            id = this_id;
        cr_assert_eq(this_id, id, "one datagram");
        size_t off = (size_t)(s.frag & 0x1fff) * 8;
        cr_assert_leq(off + s.l4_len, cap);
        memcpy(buf + off, s.l4, s.l4_len);
        if (!(s.frag & 0x2000)) {
            last_seen = true;
            total = off + s.l4_len;
        }
        if (off == 0)
            *first = s;
        else
            udpkit_sent_free(&s);
        (*nfrags)++;
    }
    cr_assert(last_seen);
    return total;
}

Test(udp_echo, large_payload_arrives_reassembled_and_leaves_fragmented)
{
    struct netif *ifp = udpkit_setup();
    void *st = install("udp-echo", NULL, NULL);
    static uint8_t big[3000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + (i >> 8));
    struct uk_dgram d = { .sport = 42000, .dport = 7, .payload = big, .payload_len = sizeof big };
    udpkit_inject_frags(ifp, &d, 1500);
    cr_assert_eq(udpkit_counter("udp-echo", "rx_bytes"), sizeof big);

    static uint8_t got[65536];
    unsigned nfrags;
    struct uk_sent first;
    size_t n = collect_fragments(ifp, got, sizeof got, &nfrags, &first);
    cr_assert_eq(nfrags, 3, "3008 bytes of UDP over a 1500-byte MTU: 3 fragments");
    cr_assert_eq(n, 8 + sizeof big);
    cr_assert_eq(load_be16(got), 7);
    cr_assert_eq(load_be16(got + 2), 42000);
    cr_assert_eq(load_be16(got + 4), 8 + sizeof big);
    cr_assert_arr_eq(got + 8, big, sizeof big);
    cr_assert(udpkit_udp_csum_ok(first.src, first.dst, got, n));
    udpkit_sent_free(&first);
    cr_assert_eq(udpkit_counter("udp-echo", "tx"), 1);
    kext_destroy(st);
    cr_assert(pktpool_all_full());
}

Test(udp_echo, bad_parameters_are_named)
{
    udpkit_setup();
    uint64_t live = kmem_live();
    const struct kextension *e = kext_class_find("udp-echo");
    struct kparams p = { .n = 1, .key = { "port" }, .value = { "seven" } };
    void *st = NULL;
    char err[128] = "";
    cr_assert_eq(kext_create(e, &p, (struct kext **)&st, err, sizeof err), -KE_INVAL);
    cr_assert_not_null(strstr(err, "port"), "%s", err);
    p.value[0] = "70000";
    cr_assert_eq(kext_create(e, &p, (struct kext **)&st, err, sizeof err), -KE_RANGE);
    cr_assert_not_null(strstr(err, "port"), "%s", err);
    p.value[0] = "0";
    cr_assert_eq(kext_create(e, &p, (struct kext **)&st, err, sizeof err), -KE_RANGE);
    p.key[0] = "prot";
    p.value[0] = "7";
    cr_assert_eq(kext_create(e, &p, (struct kext **)&st, err, sizeof err), -KE_INVAL);
    cr_assert_not_null(strstr(err, "prot"), "%s", err);
    cr_assert_null(st);
    cr_assert_eq(kmem_live(), live, "a refused install keeps nothing");
    cr_assert(pktpool_all_full());
}

Test(udp_echo, remove_uninstalls_and_frees)
{
    struct netif *ifp = udpkit_setup();
    uint64_t live = kmem_live();
    void *st = install("udp-echo", NULL, NULL);
    kext_destroy(st);
    cr_assert_eq(kmem_live(), live, "remove() frees what install() took");
    uint64_t v;
    cr_assert_eq(kstats_find("udp-echo", "rx", &v), -KE_NOENT, "counters unregistered");
    struct uk_dgram d = { .sport = 41000, .dport = 7, .payload = text, .payload_len = 4 };
    udpkit_inject(ifp, &d);
    struct uk_sent r;
    cr_assert(udpkit_take(ifp, &r));
    cr_assert_eq(r.proto, 1, "port unreachable once removed");
    udpkit_sent_free(&r);
    cr_assert(pktpool_all_full());
}
