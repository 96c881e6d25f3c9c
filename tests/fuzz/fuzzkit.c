/* tests/fuzz/fuzzkit.c — shared by the appliance-level fuzz targets (fuzzkit.h). */
#include "fuzzkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/loop/loop.h"
#include "kernel/clock.h"
#include "kernel/log.h"
#include "kernel/pktbuf.h"
#include "kernel/stats.h"
#include "kernel/port.h"
#include "kernel/timer.h"
#include "netgraph/apply.h"
#include "netgraph/config.h"
#include "netgraph/runtime.h"

static uint64_t now_ns = 1000000000ull;

static uint64_t fk_clock(void *ctx)
{
    (void)ctx;
    return now_ns;
}

uint64_t fk_now(void)
{
    return now_ns;
}

void fk_advance(uint64_t ns)
{
    now_ns += ns;
    ktimer_run_due(now_ns);
}

void fk_appliance(const char *text, uint32_t pool)
{
    klog_set_level(KLOG_ERR);
    kclock_set_source(fk_clock, NULL);
    if (netgraph_init(pool) != 0)
        abort();
    kdriver_register(&loop_driver);
    struct config cfg;
    struct config_error err;
    if (config_parse(text, strlen(text), "fuzz.conf", &cfg, &err) != 0 ||
        netgraph_configure(&cfg, &err) != 0) {
        char msg[400];
        config_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "fuzz: %s\n", msg);
        abort();
    }
    config_free(&cfg);
}

bool fk_inject(struct netif *ifp, const uint8_t *frame, size_t len)
{
    if (len == 0 || len > 1600 || loop_inject(ifp->port, frame, len) != 0)
        return false;
    netgraph_poll(false);
    return true;
}

unsigned fk_drain(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < netif_count(); i++) {
        struct netif *ifp = netif_get((uint16_t)i);
        struct pktbuf *p;
        while (ifp != NULL && ifp->port != NULL && (p = loop_take_tx(ifp->port)) != NULL) {
            pkt_free(p);
            n++;
        }
    }
    return n;
}

void fk_settle(uint64_t big_ns)
{
    fk_advance(big_ns);
    netgraph_poll(false);
    fk_drain();
    for (int i = 0; i < 12; i++) {
        fk_advance(1000000000ull);
        netgraph_poll(false);
        fk_drain();
    }
}

static void print_pool(const struct pktpool *pool, void *ctx)
{
    (void)ctx;
    struct pktpool_stats st;
    pktpool_get_stats(pool, &st);
    if (st.out != 0)
        fprintf(stderr, "  pool %s: %u of %u buffers out\n", st.name ? st.name : "?", st.out,
                st.count);
}

static void print_counters(const struct kstat_group *g, void *ctx)
{
    (void)ctx;
    for (unsigned i = 0; i < g->n; i++)
        if (g->values[i] != 0)
            fprintf(stderr, "  %s.%s=%llu\n", g->node, g->names[i],
                    (unsigned long long)g->values[i]);
}

void fk_check_pools(const char *target)
{
    if (!pktpool_all_full()) {
        fprintf(stderr, "%s: buffers leaked by this input; the counters since the start:\n",
                target);
        kstats_foreach(print_counters, NULL);
        pktpool_foreach(print_pool, NULL);
        abort();
    }
}

bool fk_safe_text(const uint8_t *data, size_t size)
{
    static const char *const banned[] = { "pcap", "blk",  "disk", "video", "display",
                                          "dpdk", "file", "/",    "tap",   "vga" };
    for (size_t b = 0; b < sizeof banned / sizeof banned[0]; b++) {
        size_t n = strlen(banned[b]);
        for (size_t i = 0; i + n <= size; i++)
            if (memcmp(data + i, banned[b], n) == 0)
                return false;
    }
    for (size_t i = 0; i < size; i++)
        if (data[i] == 0)
            return false;
    return true;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

size_t fk_ipv4(uint8_t *f, const uint8_t dmac[6], uint32_t src, uint32_t dst, uint8_t proto,
               uint16_t id, uint16_t frag, uint8_t ttl, const uint8_t *payload, size_t len)
{
    static const uint8_t smac[6] = { 2, 0, 0, 0, 0, 0x99 };
    memcpy(f, dmac, 6);
    memcpy(f + 6, smac, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (uint16_t)(20 + len));
    put16(ip + 4, id);
    put16(ip + 6, frag);
    ip[8] = ttl;
    ip[9] = proto;
    put16(ip + 10, 0);
    put32(ip + 12, src);
    put32(ip + 16, dst);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(ip + 10, (uint16_t)~sum);
    if (len)
        memcpy(ip + 20, payload, len);
    return 34 + len;
}

size_t fk_arp(uint8_t *f, uint16_t op, const uint8_t sha[6], uint32_t spa, uint32_t tpa)
{
    memset(f, 0xff, 6);
    memcpy(f + 6, sha, 6);
    put16(f + 12, 0x0806);
    put16(f + 14, 1);
    put16(f + 16, 0x0800);
    f[18] = 6;
    f[19] = 4;
    put16(f + 20, op);
    memcpy(f + 22, sha, 6);
    put32(f + 28, spa);
    memset(f + 32, 0, 6);
    put32(f + 38, tpa);
    return 42;
}

void fk_router_lab(const char *text, struct netif *ifs[3])
{
    static const char *const names[3] = { "eth0", "eth1", "eth2" };
    static const uint8_t peer[6] = { 2, 0, 0, 0, 0, 0x99 };
    uint8_t f[64];
    fk_appliance(text, 1024);
    for (int k = 0; k < 3; k++)
        if ((ifs[k] = netif_find(names[k])) == NULL)
            abort();
    for (uint32_t k = 0; k < 3; k++)
        fk_inject(ifs[k], f, fk_arp(f, 1, peer, 0x0a000002u | k << 16, 0x0a000001u | k << 16));
    fk_drain();
}
