/*
 * tests/fuzz/fuzz_rpc_node.c — libFuzzer target over the RPC node on the
 * graph (apps/rpc/rpc_node.h) and spindle's RPC client (apps/rpc-ping): an
 * appliance on a loop port with the portmapper, rpc-echo (async),
 * rpc-latrpc (bounded), rpc-stats (sync), rpc-echo on VC 0/40 (async) and
 * an rpc-ping calling 10.77.0.1:40001, which keeps retransmitting. Each
 * input is one or more RPC messages, each wrapped by the target in a valid
 * frame (so the fuzzer spends its time on RPC, not on checksums):
 *
 *   byte 0  bits 0-2 where to: 0 portmap 111, 1 rpc-echo 40001, 2 rpc-latrpc
 *           40002, 3 rpc-stats 40003, 4 rpc-echo on VC 0/40 (one AAL5 PDU),
 *           5 rpc-ping's port from the peer it calls (a reply, or not),
 *           6 and 7 as 1 and 4; bits 3-4 the client's port (so the
 *           duplicate-request caches see retransmissions); bit 5 run the
 *           strands before the next message (else they pile up)
 *   byte 1  the length of the message that follows (0: the rest)
 *   ...     the message, then the next byte 0, ...
 *
 * Before every input the peer announces itself (ARP); after it the strands
 * run (the async calls are answered), the test clock jumps a second (the
 * client retransmits, reassembly expires), the ARP cache is flushed, and
 * every buffer must be back in its pool: a leak aborts.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true -Dsanitize=true
 * Run:   build-fuzz/tests/fuzz/fuzz-rpc-node CORPUS_DIR -max_total_time=60
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzkit.h"
#include "drivers/loop/loop.h"
#include "kernel/klib.h"
#include "kernel/port.h"
#include "kernel/strand.h"
#include "netgraph/netif.h"
#include "netgraph/runtime.h"
#include "protocols/aal5/aal5_sar.h"
#include "protocols/arp/arp.h"

static const char config_text[] =
    "interface eth0 driver=loop mac=02:00:00:00:00:02\n"
    "address eth0 10.77.0.2/24\n"
    "extension portmap\n"
    "extension rpc-echo mode=async\n"
    "extension rpc-latrpc\n"
    "extension rpc-stats mode=sync\n"
    "extension rpc-echo vc=0/40 mode=async\n"
    "extension rpc-ping peer=10.77.0.1:40001 port=700 count=200000 timeout=600000 retry=1000\n";

static const uint8_t OUR_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static struct netif *eth0;
static uint8_t frame[14 + 20 + 8 + 1600];

static void setup(void)
{
    fk_appliance(config_text, 512);
    eth0 = netif_find("eth0");
    if (!eth0)
        abort();
}

/* announce - the peer's ARP request for us (RFC 826): ARP learns it, so
 * replies and calls leave at once rather than wait in ARP's queue. */
static void announce(void)
{
    uint8_t arp[64];
    size_t n = fk_arp(arp, 1, PEER_MAC, 0x0a4d0001u, 0x0a4d0002u);
    fk_inject(eth0, arp, n);
    fk_drain();
}

/* udp - the datagram 10.77.0.1:@sport -> 10.77.0.2:@dport carrying @p. */
static void udp(uint16_t sport, uint16_t dport, const uint8_t *p, size_t n)
{
    uint8_t *ip = frame + 14, *u = ip + 20;
    memcpy(frame, OUR_MAC, 6);
    memcpy(frame + 6, PEER_MAC, 6);
    store_be16(frame + 12, 0x0800);
    memset(ip, 0, 20);
    ip[0] = 0x45;
    store_be16(ip + 2, (uint16_t)(28 + n));
    ip[8] = 64;
    ip[9] = 17;
    store_be32(ip + 12, 0x0a4d0001);
    store_be32(ip + 16, 0x0a4d0002);
    store_be16(ip + 10, inet_csum_fold(inet_csum_add(0, ip, 20)));
    store_be16(u, sport);
    store_be16(u + 2, dport);
    store_be16(u + 4, (uint16_t)(8 + n));
    store_be16(u + 6, 0);
    memcpy(u + 8, p, n);
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 17;
    store_be16(pseudo + 10, (uint16_t)(8 + n));
    uint16_t c = inet_csum_fold(inet_csum_add(inet_csum_add(0, pseudo, 12), u, 8 + n));
    store_be16(u + 6, c ? c : 0xffff);
    loop_inject(eth0->port, frame, 42 + n);
}

/* vc - @p as one AAL5 PDU on VC 0/40 from the peer. */
static void vc(const uint8_t *p, size_t n)
{
    struct aal5_seg s;
    struct atm_cell_hdr h = { .vpi = 0, .vci = 40 };
    if (n == 0 || aal5_seg_start(&s, &h, 0, p, (uint32_t)n) != 0)
        return;
    memcpy(frame, OUR_MAC, 6);
    memcpy(frame + 6, PEER_MAC, 6);
    store_be16(frame + 12, 0x88b5);
    size_t len;
    while ((len = aal5_seg_frame(&s, frame + 14, AAL5_FRAME_MAX)) > 0) {
        loop_inject(eth0->port, frame, 14 + len);
        netgraph_poll(false);
        fk_drain();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!eth0)
        setup();
    if (size > 9000)
        return 0;
    announce();
    size_t i = 0;
    while (i + 2 <= size) {
        uint8_t sel = data[i], want = data[i + 1];
        i += 2;
        size_t n = want == 0 || want > size - i ? size - i : want;
        if (n > 1472)
            n = 1472;
        const uint8_t *m = data + i;
        i += n;
        uint16_t sport = (uint16_t)(41000 + ((sel >> 3) & 3));
        switch (sel & 7) {
        case 0: udp(sport, 111, m, n); break;
        case 2: udp(sport, 40002, m, n); break;
        case 3: udp(sport, 40003, m, n); break;
        case 5: udp(40001, 700, m, n); break;
        case 4:
        case 7: vc(m, n); break;
        default: udp(sport, 40001, m, n); break;
        }
        netgraph_poll(false);
        if (sel & 0x20)
            ksched_run(64);
        fk_drain();
    }
    /* the strands run, the client retransmits and reassembly expires */
    ksched_run(1000);
    fk_advance(1000000000ull);
    netgraph_poll(false);
    ksched_run(1000);
    fk_drain();
    arp_flush(); /* what waits for the peer's MAC (its entry may have aged out) */
    fk_drain();
    if (!pktpool_all_full()) {
        fprintf(stderr, "fuzz: buffers leaked by this input\n");
        abort();
    }
    return 0;
}
