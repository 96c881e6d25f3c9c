/*
 * tests/fuzz/fuzz_arp.c — libFuzzer target over the ARP cache
 * (protocols/arp) under churn, never flushed: requests and replies from
 * many senders, datagrams sent to many next hops (queued while unresolved),
 * and time passing (retransmissions, give-ups raising arp.ResolveFailed,
 * expiry), on a cache that keeps its state from one input to the next, so
 * eviction of a full table runs again and again. After every input time
 * passes the retries (queues are emptied by resolution or give-up, not by
 * a flush) and every buffer must be back in its pool.
 *
 * Input: records of 4 bytes [op][a][b][c]: op % 4 = 0 a request from
 * 10.77.a.b (MAC from c) for us; 1 a reply from it; 2 a UDP datagram from
 * us to 10.77.a.b; 3 (c % 8) seconds pass. a is taken modulo 16 so the
 * 4096 addresses overflow the 256-entry cache.
 *
 * Run: build-fuzz/tests/fuzz/fuzz-arp CORPUS -max_len=4096
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzkit.h"
#include "kernel/pktbuf.h"
#include "netgraph/runtime.h"
#include "protocols/udp/udp.h"

static const char conf[] = "interface eth0 driver=loop mac=02:00:00:00:00:02\n"
                           "address eth0 10.77.0.2/16\n";
static struct netif *eth0;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (eth0 == NULL) {
        fk_appliance(conf, 512);
        eth0 = netif_find("eth0");
        if (eth0 == NULL)
            abort();
    }
    uint8_t f[64];
    for (size_t i = 0; i + 4 <= size; i += 4) {
        uint8_t op = data[i] & 3, a = data[i + 1] & 15, b = data[i + 2], c = data[i + 3];
        uint32_t ip = 0x0a4d0000u | (uint32_t)a << 8 | b;
        uint8_t mac[6] = { 2, 0x10, a, b, c, 1 };
        switch (op) {
        case 0:
        case 1: fk_inject(eth0, f, fk_arp(f, (uint16_t)(op + 1), mac, ip, 0x0a4d0002u)); break;
        case 2: {
            struct pktbuf *p = pkt_alloc(pktpool_default());
            if (p == NULL)
                break;
            p->data_off = (uint16_t)(p->data_off + 64);
            memcpy(pkt_append(p, 4), "arp!", 4);
            (void)udp_send(p, 0, ip, 9, 9);
            break;
        }
        default:
            fk_advance((uint64_t)(c & 7) * 1000000000ull);
            netgraph_poll(false);
            break;
        }
        fk_drain();
    }
    fk_settle(0); /* every ARP queue resolved or given up, not flushed */
    fk_check_pools("fuzz-arp");
    return 0;
}
