/*
 * tests/fuzz/fuzz_rx.c — libFuzzer target over the whole receive path: a raw
 * Ethernet frame enters a loop port of an appliance configured like the lab
 * server (udp-echo, udp-count, sockperf), runs through ether, arp, ipv4
 * (with reassembly), icmp, udp and the extensions. After every input the
 * test time jumps past every timeout and the ARP cache is flushed, so every
 * buffer must be back in its pool: a leak aborts the run.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true -Dsanitize=true
 * Run:   build-fuzz/tests/fuzz/fuzz-rx CORPUS_DIR -max_total_time=60
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netgraph/apply.h"
#include "netgraph/instances.h"
#include "netgraph/runtime.h"
#include "drivers/loop/loop.h"
#include "kernel/clock.h"
#include "kernel/log.h"
#include "kernel/port.h"
#include "kernel/timer.h"
#include "netgraph/config.h"
#include "netgraph/netif.h"
#include "protocols/arp/arp.h"

static uint64_t now_ns = 1000000000ull;
static uint64_t fuzz_clock(void *ctx)
{
    (void)ctx;
    return now_ns;
}

static const char config_text[] = "interface eth0 driver=loop mac=02:00:00:00:00:02\n"
                                  "address eth0 10.77.0.2/24\n"
                                  "route 0.0.0.0/0 via 10.77.0.1 dev eth0\n"
                                  "extension udp-echo port=7\n"
                                  "extension udp-count\n"
                                  "extension sockperf port=11111\n";

static struct netif *eth0;

static void setup(void)
{
    klog_set_level(KLOG_ERR);
    kclock_set_source(fuzz_clock, NULL);
    if (netgraph_init(256) != 0)
        abort();
    kdriver_register(&loop_driver);
    struct config cfg;
    struct config_error err;
    if (config_parse(config_text, sizeof config_text - 1, "fuzz.conf", &cfg, &err) != 0 ||
        netgraph_configure(&cfg, &err) != 0) {
        char msg[400];
        config_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "fuzz: %s\n", msg);
        abort();
    }
    config_free(&cfg);
    eth0 = netif_find("eth0");
    if (!eth0)
        abort();
}

static void drain(void)
{
    struct pktbuf *p;
    while ((p = loop_take_tx(eth0->port)))
        pkt_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!eth0)
        setup();
    if (size > 1600)
        return 0;
    /* A frame may be split into several by a 0xff 0x00 0xff 0x00 marker so the
     * fuzzer can build fragment sequences and ARP-then-IP exchanges. */
    size_t start = 0;
    for (size_t i = 0; i + 4 <= size + 4; i++) {
        bool end = i >= size;
        bool mark = !end && i + 4 <= size && data[i] == 0xff && data[i + 1] == 0 &&
                    data[i + 2] == 0xff && data[i + 3] == 0;
        if (!end && !mark)
            continue;
        if (i > start && loop_inject(eth0->port, data + start, i - start) == 0)
            netgraph_poll(false);
        drain();
        if (end)
            break;
        start = i + 4;
        i += 3;
    }
    /* let every timeout fire (reassembly, ARP retries), then forget the cache */
    now_ns += 300ull * 1000000000ull;
    ktimer_run_due(now_ns);
    netgraph_poll(false);
    drain();
    arp_flush();
    drain();
    if (!pktpool_all_full()) {
        fprintf(stderr, "fuzz: buffers leaked by this input\n");
        abort();
    }
    return 0;
}
