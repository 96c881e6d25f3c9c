/*
 * tests/fuzz/fuzz_config.c — libFuzzer target over the configuration
 * language and bring-up: the input is configuration text, parsed
 * (netgraph/config.h) and, when it parses, brought up on loop ports
 * (netgraph_configure: interfaces, addresses, routes, ports, extensions,
 * module keywords) and then taken down again; a failing line undoes every
 * stage done before it. One frame is received between bring-up and
 * shutdown. After every input every buffer must be back in its pool.
 * Inputs that name anything outside the process (another driver, a path,
 * a display) are skipped (fuzzkit.h fk_safe_text).
 *
 * Run: build-fuzz/tests/fuzz/fuzz-config CORPUS -max_len=4096
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzkit.h"
#include "drivers/loop/loop.h"
#include "kernel/log.h"
#include "kernel/port.h"
#include "netgraph/apply.h"
#include "netgraph/config.h"
#include "netgraph/runtime.h"

/* An ARP request for 10.0.0.1 from 10.0.0.2: something to receive once up. */
static const uint8_t arp[42] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2,  0, 0, 0, 0, 0x99, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1,
    2,    0,    0,    0,    0,    0x99, 10, 0, 0, 2, 0, 0,    0,    0,    0, 0, 10,   0, 0, 1,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096 || !fk_safe_text(data, size))
        return 0;
    klog_set_level(KLOG_ERR);
    struct config cfg;
    struct config_error err;
    if (config_parse((const char *)data, size, "fuzz.conf", &cfg, &err) != 0)
        return 0;
    if (netgraph_init(64) != 0)
        abort();
    kdriver_register(&loop_driver);
    if (netgraph_configure(&cfg, &err) == 0) {
        struct netif *ifp = netif_get(0);
        if (ifp != NULL)
            fk_inject(ifp, arp, sizeof arp);
        fk_advance(5000000000ull);
        netgraph_poll(false);
        fk_drain();
    } else if (err.line == 0 && err.msg[0] == '\0') {
        fprintf(stderr, "fuzz-config: an error without a message\n");
        abort();
    }
    netgraph_shutdown();
    config_free(&cfg);
    fk_check_pools("fuzz-config");
    return 0;
}
