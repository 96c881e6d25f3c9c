/*
 * tests/fuzz/fuzz_router.c — libFuzzer target over the router's
 * forwarding path (apps/router: forward.c, output.c, unreach.c): frames
 * with fuzzed IPv4 headers and options arrive on one of three interfaces
 * of a router granted two of them (ipv4-forward:0-1), with peers known on
 * some subnets and not on others (ARP queues, host unreachable), small MTUs
 * (fragmentation, fragmentation needed), TTL expiry and redirects. After
 * every input time passes every ARP retry and every buffer must be back in
 * its pool.
 *
 * Input: records [ctl (1)][n (1)][n bytes]: ctl bits 0-1 the interface,
 * bit 2: the n bytes are a whole frame, else the IPv4 payload of a datagram
 * whose header comes from the first 8 bytes (source and destination
 * choosers, TTL, protocol, identification, flags/offset); bits 4-7:
 * seconds to pass first.
 *
 * Run: build-fuzz/tests/fuzz/fuzz-router CORPUS -max_len=8192
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzkit.h"
#include "netgraph/runtime.h"

static const char conf[] = "interface eth0 driver=loop mac=02:00:00:00:00:01\n"
                           "interface eth1 driver=loop mac=02:00:00:00:00:11 mtu=576\n"
                           "interface eth2 driver=loop mac=02:00:00:00:00:21\n"
                           "address eth0 10.0.0.1/24\n"
                           "address eth1 10.1.0.1/24\n"
                           "address eth2 10.2.0.1/24\n"
                           "route 10.9.0.0/16 via 10.1.0.9\n"
                           "route 0.0.0.0/0 via 10.0.0.254\n"
                           "extension router grant=ipv4-forward:0-1\n";
static struct netif *ifs[3];

/* pick - an address for chooser @c: peers, unknown hosts, ours, broadcasts, martians. */
static uint32_t pick(uint8_t c)
{
    static const uint32_t a[16] = {
        0x0a000002u, 0x0a010002u, 0x0a020002u, 0x0a000077u, 0x0a010077u, 0x0a090101u,
        0x08080808u, 0x0a000001u, 0x0a0100ffu, 0xffffffffu, 0xe0000001u, 0x7f000001u,
        0xa9fe0001u, 0x00000000u, 0x0a020001u, 0xc0a80101u,
    };
    return a[c & 15];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t macs[3][6] = { { 2, 0, 0, 0, 0, 1 },
                                        { 2, 0, 0, 0, 0, 0x11 },
                                        { 2, 0, 0, 0, 0, 0x21 } };
    uint8_t f[1600];
    if (ifs[0] == NULL) {
        fk_router_lab(conf, ifs);
    }
    size_t i = 0;
    while (i + 2 <= size) {
        uint8_t ctl = data[i], n = data[i + 1];
        i += 2;
        if (n > size - i)
            n = (uint8_t)(size - i);
        const uint8_t *b = data + i;
        i += n;
        fk_advance((uint64_t)(ctl >> 4) * 1000000000ull);
        unsigned k = (ctl & 3) % 3;
        if (ctl & 4) {
            fk_inject(ifs[k], b, n);
        } else if (n >= 8) {
            uint16_t frag = (uint16_t)(b[6] << 8 | b[7]);
            size_t len = fk_ipv4(f, macs[k], pick(b[0]), pick(b[1]), b[3],
                                 (uint16_t)(b[4] << 8 | b[5]), frag, b[2], b + 8, n - 8u);
            /* sometimes a big datagram, to be fragmented on eth1 */
            if ((b[2] & 0x80) && len + 800 <= sizeof f) {
                memset(f + len, 0x5a, 800);
                f[16] = (uint8_t)((20 + n - 8 + 800) >> 8);
                f[17] = (uint8_t)(20 + n - 8 + 800);
                f[24] = f[25] = 0;
                uint32_t sum = 0;
                for (int j = 14; j < 34; j += 2)
                    sum += (uint32_t)(f[j] << 8 | f[j + 1]);
                while (sum >> 16)
                    sum = (sum & 0xffff) + (sum >> 16);
                f[24] = (uint8_t)(~sum >> 8);
                f[25] = (uint8_t)~sum;
                len += 800;
            }
            fk_inject(ifs[k], f, len);
        }
        netgraph_poll(false);
        fk_drain();
    }
    fk_settle(300000000000ull); /* reassembly, then every ARP queue resolved or given up */
    fk_check_pools("fuzz-router");
    return 0;
}
