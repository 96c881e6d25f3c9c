/*
 * tests/fuzz/fuzz_reasm.c — libFuzzer target over IPv4 reassembly
 * (protocols/ipv4/reasm.c, RFC 815) across datagrams and with controlled
 * time: each input is a sequence of fragments of several datagrams
 * (identification, offset, MF, length and protocol chosen by the input)
 * interleaved with time passing, so timeouts (ipv4.ReassemblyTimeout and
 * its ICMP error), the memory bound, overlaps, duplicates and completion
 * are all reachable within one input. At its end time passes every timeout
 * and every buffer must be back in its pool.
 *
 * Input: records [ctl (1)][id (1)][frag (2, big-endian: MF 0x2000 and the
 * offset in 8-byte units; DF 0x4000)][n (1)][n * 8 bytes of payload, cut
 * at the input's end]. ctl bits 0-1: the protocol (UDP, ICMP, 253, UDP);
 * bit 2: from a second source; bits 4-7: seconds to pass before it.
 *
 * Run: build-fuzz/tests/fuzz/fuzz-reasm CORPUS -max_len=16384
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzkit.h"
#include "netgraph/runtime.h"
#include "protocols/arp/arp.h"

static const char conf[] = "interface eth0 driver=loop mac=02:00:00:00:00:02\n"
                           "address eth0 10.77.0.2/24\n"
                           "extension udp-echo port=7\n"
                           "extension udp-count\n";
static struct netif *eth0;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (eth0 == NULL) {
        fk_appliance(conf, 512);
        eth0 = netif_find("eth0");
        if (eth0 == NULL)
            abort();
        /* the peers are known: answers leave at once */
        static const uint8_t m1[6] = { 2, 0, 0, 0, 0, 0x99 }, m2[6] = { 2, 0, 0, 0, 0, 0x98 };
        uint8_t f[64];
        fk_inject(eth0, f, fk_arp(f, 1, m1, 0x0a4d0001u, 0x0a4d0002u));
        fk_inject(eth0, f, fk_arp(f, 1, m2, 0x0a4d0003u, 0x0a4d0002u));
        fk_drain();
    }
    static const uint8_t us[6] = { 2, 0, 0, 0, 0, 2 };
    static const uint8_t protos[4] = { 17, 1, 253, 17 };
    uint8_t f[1600];
    size_t i = 0;
    while (i + 5 <= size) {
        uint8_t ctl = data[i], id = data[i + 1];
        uint16_t frag = (uint16_t)(data[i + 2] << 8 | data[i + 3]);
        size_t n = (size_t)data[i + 4] * 8;
        i += 5;
        if (n > size - i)
            n = size - i;
        if (n > 1480)
            n = 1480;
        fk_advance((uint64_t)(ctl >> 4) * 1000000000ull);
        uint32_t src = (ctl & 4) ? 0x0a4d0003u : 0x0a4d0001u;
        fk_inject(eth0, f,
                  fk_ipv4(f, us, src, 0x0a4d0002u, protos[ctl & 3], id, frag, 64, data + i, n));
        i += n;
        fk_drain();
    }
    fk_settle(300000000000ull); /* every queue resolved or given up, not flushed */
    fk_check_pools("fuzz-reasm");
    return 0;
}
