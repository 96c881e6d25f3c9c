/*
 * tests/fuzz/fuzz_router_gro.c — libFuzzer target over the router's
 * receive coalescing (apps/router/gro.c, which reads the IPv4 and TCP
 * headers of forwarded datagrams): bursts of TCP/IPv4 segments with
 * fuzzed sequence numbers, flags, lengths, options, identifications,
 * acks, windows, TOS/TTL/DF/MF, IP options and checksums arrive on eth0
 * and leave by eth1 (its loop port made to take TSO4, partial checksums
 * and chains, as virtio-net's) or eth2 (no TSO). Every payload byte is
 * the low byte of its sequence number, except in segments sent with a
 * wrong TCP checksum, whose bytes are changed too. Every super-frame that
 * leaves must have the IPv4 length of its bytes and cut back in software
 * (netgraph/offload.c) into segments whose TCP checksums are right and
 * whose bytes match their sequence numbers: segments merged in order, and
 * never one with a wrong checksum. After every input every buffer must be
 * back in its pool.
 *
 * Input: records of 12 bytes, one segment each:
 *   [0] bit 0: sequence number = the connection's next + (int8)[1], else the next;
 *       bit 1: the last segment of the burst (the burst also ends every 32)
 *   [2] TCP flags   [3] payload bytes / 8 (at most 1448)   [4] bits 0-1: port
 *   [5] bits 0-1: TCP option words (0, 3: timestamps, 1, 2: NOPs)   [6] TSval
 *   [7] identification step - 1 (0: +1)
 *   [8] bit 0 DF clear, 1 MF, 2 TOS 1, 3 TTL 63, 4 wrong TCP checksum,
 *       5 an IP option (NOP, IHL 6), 6 to 10.2.0.2 (eth2), 7 offset 8
 *   [9] ack step   [10] window step   [11] unused
 *
 * Run: build-fuzz/tests/fuzz/fuzz-router-gro CORPUS -max_len=8192
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/loop/loop.h"
#include "fuzzkit.h"
#include "kernel/klib.h"
#include "netgraph/runtime.h"

static const char conf[] = "interface eth0 driver=loop mac=02:00:00:00:00:01\n"
                           "interface eth1 driver=loop mac=02:00:00:00:00:11\n"
                           "interface eth2 driver=loop mac=02:00:00:00:00:21\n"
                           "address eth0 10.0.0.1/24\n"
                           "address eth1 10.1.0.1/24\n"
                           "address eth2 10.2.0.1/24\n"
                           "extension router\n";
static struct netif *ifs[3];

/* Per connection (port chooser): the next sequence number, identification, ack, window. */
static struct conn {
    uint32_t seq, ack;
    uint16_t id, win;
} conns[4];

/* tcp_sum_ok - the TCP checksum of IPv4 datagram @ip is right (RFC 9293 3.1). */
static int tcp_sum_ok(const uint8_t *ip)
{
    unsigned hlen = (ip[0] & 15u) * 4u;
    uint16_t total = load_be16(ip + 2);
    uint32_t s = inet_csum_add(0, ip + 12, 8) + 6u + (uint32_t)(total - hlen);
    s = inet_csum_add(s, ip + hlen, total - hlen);
    return inet_csum_fold(s) == 0;
}

/* frame - the segment of record @r into @f; its length. */
static size_t frame(uint8_t *f, const uint8_t *r)
{
    struct conn *c = &conns[r[4] & 3];
    unsigned optw = r[5] & 3, ipopt = (r[8] & 0x20) ? 4u : 0u, payload = r[3] * 8u;
    if (payload > 1448)
        payload = 1448;
    unsigned hlen = 20 + ipopt, thlen = 20 + optw * 4u, total = hlen + thlen + payload;
    memset(f, 0, 14 + total);
    static const uint8_t router_mac[6] = { 2, 0, 0, 0, 0, 1 }, peer[6] = { 2, 0, 0, 0, 0, 0x99 };
    memcpy(f, router_mac, 6);
    memcpy(f + 6, peer, 6);
    store_be16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *tcp = ip + hlen;
    ip[0] = (uint8_t)(0x40 | hlen / 4);
    ip[1] = (r[8] & 4) ? 1 : 0;
    store_be16(ip + 2, (uint16_t)total);
    store_be16(ip + 4, c->id);
    c->id = (uint16_t)(c->id + 1u + r[7]);
    store_be16(ip + 6, (uint16_t)(((r[8] & 1) ? 0 : 0x4000) | ((r[8] & 2) ? 0x2000 : 0) |
                                  ((r[8] & 0x80) ? 1 : 0)));
    ip[8] = (r[8] & 8) ? 63 : 64;
    ip[9] = 6;
    store_be32(ip + 12, 0x0a000002u);
    store_be32(ip + 16, (r[8] & 0x40) ? 0x0a020002u : 0x0a010002u);
    if (ipopt)
        ip[20] = 1; /* NOP, then EOL */
    store_be16(ip + 10, inet_csum_fold(inet_csum_add(0, ip, hlen)));
    store_be16(tcp, (uint16_t)(40000 + (r[4] & 3)));
    store_be16(tcp + 2, 5201);
    uint32_t seq = c->seq + ((r[0] & 1) ? (uint32_t)(int32_t)(int8_t)r[1] : 0u);
    store_be32(tcp + 4, seq);
    c->seq = seq + payload;
    c->ack += r[9];
    c->win = (uint16_t)(c->win + r[10]);
    store_be32(tcp + 8, c->ack);
    tcp[12] = (uint8_t)((thlen / 4) << 4);
    tcp[13] = r[2];
    store_be16(tcp + 14, c->win);
    for (unsigned k = 0; k < optw * 4u; k++)
        tcp[20 + k] = 1; /* NOPs */
    if (optw == 3) {
        tcp[22] = 8; /* timestamps */
        tcp[23] = 10;
        store_be32(tcp + 24, r[6]);
    }
    for (unsigned k = 0; k < payload; k++)
        tcp[thlen + k] = (uint8_t)((seq + k) ^ ((r[8] & 0x10) ? 0x5au : 0u));
    uint32_t s = inet_csum_add(0, ip + 12, 8) + 6u + thlen + payload;
    uint16_t sum = inet_csum_fold(inet_csum_add(s, tcp, thlen + payload));
    store_be16(tcp + 16, (uint16_t)(sum + ((r[8] & 0x10) ? 1 : 0)));
    return 14 + total;
}

/* check_sent - every frame eth1 sent: a super-frame must be whole and cut into good segments. */
static void check_sent(void)
{
    struct pktbuf *p;
    while ((p = loop_take_tx(ifs[1]->port)) != NULL) {
        if (!(p->flags & PKT_F_GSO_TCPV4)) {
            pkt_free(p);
            continue;
        }
        if (p->len < 34 || pkt_total_len(p) != 14u + load_be16(pkt_data(p) + 16)) {
            fprintf(stderr, "fuzz-router-gro: super-frame length wrong\n");
            abort();
        }
        ifs[2]->port->tx_tso4 = 0; /* eth2 cuts in software */
        struct pktbuf *list = netif_offload(ifs[2], p);
        if (list == NULL) {
            fprintf(stderr, "fuzz-router-gro: a super-frame that cannot be cut\n");
            abort();
        }
        while (list != NULL) {
            struct pktbuf *next = list->next;
            const uint8_t *ip = pkt_data(list) + 14, *tcp = ip + (ip[0] & 15u) * 4u;
            unsigned off = (unsigned)(tcp - pkt_data(list)) + (tcp[12] >> 4) * 4u;
            uint32_t seq = load_be32(tcp + 4);
            if (!tcp_sum_ok(ip)) {
                fprintf(stderr, "fuzz-router-gro: software segmentation left a wrong checksum\n");
                abort();
            }
            for (unsigned k = 0; off + k < list->len; k++)
                if (pkt_data(list)[off + k] != (uint8_t)(seq + k)) {
                    fprintf(stderr, "fuzz-router-gro: merged out of order, or a bad segment\n");
                    abort();
                }
            pkt_free(list);
            list = next;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t f[1600];
    if (ifs[0] == NULL) {
        fk_router_lab(conf, ifs); /* eth0's peer takes the ICMP errors */
        struct kport *tso = ifs[1]->port;
        tso->tx_tso4 = tso->tx_csum = tso->tx_gather = 1;
    }
    memset(conns, 0, sizeof conns);
    unsigned queued = 0;
    for (size_t i = 0; i + 12 <= size; i += 12) {
        const uint8_t *r = data + i;
        if (loop_inject(ifs[0]->port, f, frame(f, r)) == 0)
            queued++;
        if ((r[0] & 2) || queued == NETGRAPH_BURST || i + 24 > size) {
            netgraph_poll(false); /* one receive burst */
            check_sent();
            fk_drain();
            queued = 0;
        }
    }
    netgraph_poll(false);
    check_sent();
    fk_drain();
    fk_settle(0); /* whatever waits for ARP resolves or is given up */
    fk_check_pools("fuzz-router-gro");
    return 0;
}
