/*
 * tests/unit/video/test_video_parts.c — the video server's pure parts:
 * where a packet's disk read lands in its buffer (vs_place) for every lead
 * and length the packetiser can produce; the incremental checksum update
 * (RFC 1624) against a full recomputation; the per-client datagram the
 * fan-out makes (addresses, port, TTL, both checksums); the error bound that
 * drops a client; destination parsing.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"
#include "../protocols/udp/udpkit.h"
#include "apps/video-server/counters.h"
#include "apps/video-server/fanout.h"
#include "apps/video-server/frame_read.h"
#include "apps/video-server/server.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "protocols/ipv4/ipv4.h"

Test(video_parts, every_packet_of_a_1460_byte_payload_lands_in_place_with_512_byte_sectors)
{
    /* RTP + RFC 2435 header bytes: plain, restart, first with two tables, both */
    const uint32_t hdrs[] = { 12 + 8, 12 + 8 + 4, 12 + 8 + 4 + 128, 12 + 8 + 4 + 4 + 128 };
    for (unsigned h = 0; h < 4; h++) {
        uint32_t need = VS_NET_HDRS + hdrs[h];
        for (uint32_t len = 1; len + hdrs[h] <= 12 + RTP_JPEG_DEFAULT_PAYLOAD; len += 7) {
            for (uint32_t lead = 0; lead < 512; lead++) {
                struct vs_place pl;
                uint64_t off = 4096u * 3 + lead;
                cr_assert_eq(vs_place(off, len, 512, need, 2048, &pl), 0);
                cr_assert(pl.in_place, "hdr %u len %u lead %u", need, len, lead);
                cr_assert_eq(pl.lba, off / 512);
                cr_assert_eq(pl.payload_off - pl.read_off, lead, "the scan byte lands at payload");
                cr_assert_geq(pl.payload_off, need, "room for every header");
                cr_assert_leq(pl.read_off + pl.nsect * 512u, 2048u, "the read stays in the block");
                cr_assert_geq(pl.nsect * 512u, lead + len, "the read covers the bytes");
                cr_assert_lt(pl.nsect * 512u, lead + len + 512u, "and no more sectors");
            }
        }
    }
}

Test(video_parts, large_sectors_or_tight_blocks_are_read_elsewhere_and_copied)
{
    struct vs_place pl;
    cr_assert_eq(vs_place(4096 * 5 + 100, 1400, 4096, 62, 2048, &pl), 0);
    cr_assert(!pl.in_place);
    cr_assert_eq(pl.payload_off, 62);
    cr_assert_eq(pl.lead, 100);
    cr_assert_eq(pl.nsect, 1);
    cr_assert_eq(pl.lba, 5);
    cr_assert_eq(vs_place(0, 2000, 512, 62, 2048, &pl), -KE_TOOBIG, "cannot fit at all");
    /* small lead, long payload: the span needs the whole block from 0 */
    cr_assert_eq(vs_place(600, 1440, 512, 62, 2048, &pl), 0);
    cr_assert(pl.in_place);
    cr_assert_eq(pl.read_off, 0);
    cr_assert_eq(pl.payload_off, 88);
}

/* full_sum - the Internet checksum of @n bytes, as the receiver checks it. */
static uint16_t full_sum(const uint8_t *p, size_t n)
{
    return inet_csum_fold(inet_csum_add(0, p, n));
}

Test(video_parts, incremental_checksum_update_equals_recomputation)
{
    srand(2435);
    uint8_t d[64];
    for (unsigned round = 0; round < 20000; round++) {
        for (unsigned i = 0; i < sizeof d; i++)
            d[i] = (uint8_t)rand();
        if (round % 7 == 0)
            memset(d, round % 14 ? 0xff : 0, sizeof d); /* the +0 / -0 corners */
        store_be16(d, 0);
        uint16_t hc = full_sum(d, sizeof d);
        unsigned w = 1 + (unsigned)rand() % 31;
        uint16_t old = load_be16(d + 2 * w), nw = (uint16_t)rand();
        if (round % 5 == 0)
            nw = (uint16_t)~old;
        store_be16(d + 2 * w, nw);
        uint16_t inc = vs_csum_update16(hc, old, nw);
        store_be16(d, inc);
        cr_assert_eq(full_sum(d, sizeof d), 0, "round %u: the updated sum checks", round);
    }
}

Test(video_parts, fan_out_datagram_has_the_clients_address_port_ttl_and_right_checksums)
{
    struct netif *ifp = udpkit_setup();
    struct ipv4_route r = { .prefix = 0xe0000000u, .plen = 4, .ifindex = ifp->index };
    cr_assert_eq(ipv4_route_add(&r), 0);
    uint64_t ctr[VS_NCTR] = { 0 };
    struct vs_fanout fo;
    vs_fanout_init(&fo, 5000, 7, pktpool_default(), ctr);
    cr_assert_eq(vs_fanout_add(&fo, UK_PEER_IP, 5004), 0);
    cr_assert_eq(vs_fanout_add(&fo, 0x0a000042u, 6000), 0);
    cr_assert_eq(vs_fanout_add(&fo, 0xef000001u, 7000), 0);
    /* a datagram as ipv4.SendPacket shows it: from 10.0.0.1:5001 to the first client */
    struct pktbuf *o = pkt_alloc(pktpool_default());
    uint8_t *h = pkt_append(o, 20 + 8 + 333);
    memset(h, 0, 28);
    for (unsigned i = 0; i < 333; i++)
        h[28 + i] = (uint8_t)(i * 7 + 3);
    h[0] = 0x45;
    store_be16(h + 2, 20 + 8 + 333);
    h[8] = 64;
    h[9] = 17;
    store_be32(h + 12, UK_OUR_IP);
    store_be32(h + 16, UK_PEER_IP);
    store_be16(h + 10, full_sum(h, 20));
    store_be16(h + 20, 5001);
    store_be16(h + 22, 5005);
    store_be16(h + 24, 8 + 333);
    uint8_t ph[12];
    memcpy(ph, h + 12, 8);
    ph[8] = 0;
    ph[9] = 17;
    store_be16(ph + 10, 8 + 333);
    store_be16(h + 26, inet_csum_fold(inet_csum_add(inet_csum_add(0, ph, 12), h + 20, 341)));
    pkt_set_layer(o, PKT_L3);
    for (unsigned c = 1; c < 3; c++) {
        struct pktbuf *p = vs_fanout_make(&fo, o, &fo.clients[c]);
        cr_assert_not_null(p);
        const uint8_t *q = pkt_data(p);
        cr_assert_eq(p->len, o->len);
        cr_assert_eq(load_be32(q + 16), fo.clients[c].addr);
        cr_assert_eq(load_be32(q + 12), UK_OUR_IP);
        cr_assert_eq(load_be16(q + 22), fo.clients[c].port + 1, "RTCP to the client's port + 1");
        cr_assert_eq(load_be16(q + 20), 5001);
        cr_assert_eq(q[8], c == 2 ? 7 : 64, "TTL ttl= for the group only");
        cr_assert_eq(full_sum(q, 20), 0, "IPv4 header checksum");
        cr_assert(udpkit_udp_csum_ok(UK_OUR_IP, fo.clients[c].addr, q + 20, 341), "UDP checksum");
        cr_assert_eq(memcmp(q + 28, h + 28, 333), 0, "payload");
        pkt_free(p);
    }
    store_be16(h + 26, 0); /* sent without a checksum: the copies neither */
    struct pktbuf *p = vs_fanout_make(&fo, o, &fo.clients[1]);
    cr_assert_eq(load_be16(pkt_data(p) + 26), 0);
    pkt_free(p);
    pkt_free(o);
    vs_fanout_fini(&fo);
    cr_assert(pktpool_all_full());
}

Test(video_parts, client_list_rules_and_the_error_bound)
{
    udpkit_setup();
    uint64_t ctr[VS_NCTR] = { 0 };
    struct vs_fanout fo;
    vs_fanout_init(&fo, 5000, 1, pktpool_default(), ctr);
    cr_assert_eq(vs_fanout_add(&fo, UK_PEER_IP, 5004), 0);
    cr_assert_eq(vs_fanout_add(&fo, UK_PEER_IP, 5004), -KE_EXIST);
    cr_assert_eq(vs_fanout_add(&fo, UK_PEER_IP, 5005), -KE_INVAL, "odd: RTCP would be even");
    cr_assert_eq(vs_fanout_add(&fo, UK_PEER_IP, 5006), 0, "5006/5007 do not overlap 5004/5005");
    cr_assert_eq(vs_fanout_add(&fo, UK_BCAST_IP, 5004), -KE_INVAL, "broadcast");
    cr_assert_eq(vs_fanout_add(&fo, 0xf0000001u, 5004), -KE_INVAL, "class E");
    cr_assert_eq(vs_fanout_add(&fo, 0xc0a80101u, 5004), -KE_UNREACH, "no route");
    const uint64_t s = 1000000000ull;
    cr_assert_eq(vs_fanout_error(&fo, UK_PEER_IP, 6000, 10 * s), -2, "no such client");
    cr_assert_eq(vs_fanout_error(&fo, UK_PEER_IP, 5007, 10 * s), -1, "RTCP port counts");
    cr_assert_eq(vs_fanout_error(&fo, UK_PEER_IP, 5006, 10 * s), -1);
    cr_assert_eq(vs_fanout_error(&fo, UK_PEER_IP, 5006, 11 * s), -1, "3 errors in 1 s: stays");
    cr_assert_eq(vs_fanout_error(&fo, UK_PEER_IP, 5006, 12 * s), 1, "errors for 2 s: dropped");
    cr_assert_eq(vs_fanout_error(&fo, UK_PEER_IP, 5004, 20 * s), -1);
    cr_assert_eq(vs_fanout_error(&fo, UK_PEER_IP, 5004, 31 * s), -1, "11 s later: a new count");
    cr_assert_eq(vs_fanout_error(&fo, UK_PEER_IP, 5004, 32 * s), -1);
    cr_assert_eq(vs_fanout_error(&fo, UK_PEER_IP, 5004, 33 * s), 0);
    cr_assert_eq(vs_fanout_remove(&fo, UK_PEER_IP, 5004), 0);
    cr_assert_eq(fo.clients[0].port, 5006, "the next becomes the first");
    cr_assert_eq(vs_fanout_remove(&fo, UK_PEER_IP, 5004), -KE_NOENT);
    vs_fanout_fini(&fo);
}

Test(video_parts, destinations_parse_or_say_what_is_wrong)
{
    struct vs_dest d[VS_MAX_DESTS];
    unsigned n;
    char err[160];
    cr_assert_eq(vs_parse_dests("10.0.0.2:5004,239.1.2.3:6000", d, &n, err, sizeof err), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(d[0].addr, 0x0a000002u);
    cr_assert_eq(d[1].port, 6000);
    const char *bad[] = { "10.0.0.2",    "10.0.0.2:",      "10.0.0.2:0", "10.0.0.2:70000",
                          "10.0.0:5004", "10.0.0.2:5004,", "x:1" };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(vs_parse_dests(bad[i], d, &n, err, sizeof err), -KE_INVAL, "%s", bad[i]);
        cr_assert_not_null(strstr(err, "A.B.C.D:PORT"), "%s", err);
    }
    char many[400] = "";
    for (unsigned i = 0; i <= VS_MAX_DESTS; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s10.0.0.2:%u", i ? "," : "",
                 5000 + 2 * i);
    cr_assert_eq(vs_parse_dests(many, d, &n, err, sizeof err), -KE_TOOBIG);
}
