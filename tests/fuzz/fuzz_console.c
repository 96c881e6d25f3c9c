/*
 * tests/fuzz/fuzz_console.c — libFuzzer target over the operator console
 * (apps/console) with traffic in between: an appliance on two loop ports
 * (router, udp-echo, udp-count, sockperf) receives frames while console
 * lines run (show, route add/del, arp flush, extension install/remove, log
 * level, read-only sessions). State carries over from one input to the
 * next except that extensions an input installed are removed at its end.
 * After every input every buffer must be back in its pool.
 *
 * Input: records [tag (1)][length (1)][length bytes]. Tag bit 0: the bytes
 * are console input (fed as typed: editing, escapes, line ends), else a
 * frame received on interface (tag >> 1) & 1; bit 2: the session is
 * read-only; bits 4-7: seconds of time to pass before the record.
 *
 * Run: build-fuzz/tests/fuzz/fuzz-console CORPUS -max_len=4096
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzkit.h"
#include "apps/console/console.h"
#include "kernel/log.h"
#include "netgraph/instances.h"
#include "netgraph/runtime.h"
#include "protocols/arp/arp.h"

static const char conf[] = "interface eth0 driver=loop mac=02:00:00:00:00:01\n"
                           "interface eth1 driver=loop mac=02:00:00:00:00:11\n"
                           "address eth0 10.0.0.1/24\n"
                           "address eth1 10.1.0.1/24\n"
                           "route 0.0.0.0/0 via 10.0.0.254\n"
                           "extension router\n"
                           "extension udp-echo port=7\n"
                           "extension udp-count\n"
                           "extension sockperf port=11111\n";

static bool up;
static size_t out_bytes;

static void sink(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    /* every byte of output must be readable */
    for (size_t i = 0; i < n; i++)
        out_bytes += (unsigned char)s[i] != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!up) {
        fk_appliance(conf, 256);
        up = true;
    }
    if (size > 4096)
        return 0;
    unsigned keep = netgraph_ext_count();
    struct console_session rw, ro;
    console_session_init(&rw, sink, NULL, CONSOLE_ECHO | CONSOLE_SHOW_PROMPT);
    console_session_init(&ro, sink, NULL, CONSOLE_READONLY);
    size_t i = 0;
    while (i + 2 <= size) {
        uint8_t tag = data[i], len = data[i + 1];
        i += 2;
        if (len > size - i)
            len = (uint8_t)(size - i);
        const uint8_t *b = data + i;
        i += len;
        fk_advance((uint64_t)(tag >> 4) * 1000000000ull);
        if (tag & 1) {
            if (!fk_safe_text(b, len))
                continue;
            (void)console_feed((tag & 4) ? &ro : &rw, (const char *)b, len);
            klog_set_level(KLOG_ERR); /* "log level debug" would drown the run */
        } else {
            struct netif *ifp = netif_get((uint16_t)((tag >> 1) & 1));
            if (ifp != NULL)
                fk_inject(ifp, b, len);
        }
        netgraph_poll(false);
        fk_drain();
    }
    (void)console_feed(&rw, "\n", 1);
    netgraph_ext_remove_since(keep);
    fk_settle(300000000000ull); /* every timeout: reassembly, ARP retries */
    arp_flush();
    fk_drain();
    fk_check_pools("fuzz-console");
    return 0;
}
