/* tests/unit/common/testkit.c — see testkit.h. Hosted test code. */
#include "testkit.h"
#include "drivers/loop/loop.h"
#include "guards/dispatch.h"
#include "guards/pcap_expr.h"
#include "kernel/clock.h"
#include "kernel/log.h"
#include "kernel/klib.h"
#include "kernel/timer.h"
#include "protocols/arp/arp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t now_ns = 1000000000ull;

static uint64_t test_clock(void *ctx)
{
    (void)ctx;
    return now_ns;
}

void testkit_init(void)
{
    const char *lvl = getenv("SPINDLE_TEST_LOG");
    klog_set_level(lvl ? (enum klog_level)atoi(lvl) : KLOG_WARN);
    kclock_set_source(test_clock, NULL);
    guard_tcpdump_register();
    if (guards_init() != 0) {
        fprintf(stderr, "testkit: guards_init failed\n");
        abort();
    }
    struct pktpool *pool = pktpool_create("default", 1024, PKT_BLOCK_SIZE, NULL, NULL);
    if (!pool) {
        fprintf(stderr, "testkit: no memory for the default pool\n");
        abort();
    }
    pktpool_set_default(pool);
}

#ifndef TESTKIT_TRACES
#error "TESTKIT_TRACES must name tests/traces (tests/unit/meson.build: unit_traces_args)"
#endif

const char *testkit_traces(void)
{
    const char *env = getenv("SPINDLE_TRACES");
    return env != NULL ? env : TESTKIT_TRACES;
}

uint64_t testkit_now(void)
{
    return now_ns;
}

void testkit_advance(uint64_t ns)
{
    uint64_t target = now_ns + ns;
    /* step through deadlines so callbacks see the time they were due at */
    for (;;) {
        uint64_t d = ktimer_next_deadline();
        if (d > target)
            break;
        if (d > now_ns)
            now_ns = d;
        ktimer_run_due(now_ns);
    }
    now_ns = target;
    ktimer_run_due(now_ns);
}

struct netif *testkit_netif(const char *name, const uint8_t mac[6], const char *cidr)
{
    struct kport *port = loop_port_create(name, mac, pktpool_default());
    struct netif *ifp = NULL;
    if (!port || netif_create(port, name, mac, &ifp) != 0 || port->ops->start(port) != 0) {
        fprintf(stderr, "testkit: cannot create interface %s\n", name);
        abort();
    }
    if (cidr) {
        char buf[32];
        snprintf(buf, sizeof buf, "%s", cidr);
        char *slash = strchr(buf, '/');
        unsigned plen = 32;
        if (slash) {
            *slash = '\0';
            plen = (unsigned)atoi(slash + 1);
        }
        netif_add_addr(ifp, testkit_ip(buf), (uint8_t)plen);
    }
    return ifp;
}

void testkit_inject(struct netif *ifp, const void *frame, size_t len)
{
    if (loop_inject(ifp->port, frame, len) != 0) {
        fprintf(stderr, "testkit: cannot inject %zu bytes\n", len);
        abort();
    }
    struct pktbuf *pkts[32];
    uint16_t n;
    while ((n = ifp->port->ops->rx_burst(ifp->port, pkts, 32)) > 0)
        for (uint16_t i = 0; i < n; i++)
            netif_input(ifp, pkts[i]);
}

struct pktbuf *testkit_sent(struct netif *ifp)
{
    return loop_take_tx(ifp->port);
}

unsigned testkit_sent_count(struct netif *ifp)
{
    return loop_tx_pending(ifp->port);
}

unsigned testkit_drain(struct netif *ifp)
{
    unsigned n = 0;
    struct pktbuf *p;
    while ((p = loop_take_tx(ifp->port))) {
        pkt_free(p);
        n++;
    }
    return n;
}

size_t testkit_arp_frame(uint8_t f[60], const uint8_t eth_dst[6], uint16_t op, const uint8_t sha[6],
                         uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
    memset(f, 0, 60);
    memcpy(f, eth_dst, 6);
    memcpy(f + 6, sha, 6);
    store_be16(f + 12, 0x0806);
    store_be16(f + 14, 1);      /* htype: Ethernet */
    store_be16(f + 16, 0x0800); /* ptype: IPv4 */
    f[18] = 6;
    f[19] = 4;
    store_be16(f + 20, op);
    memcpy(f + 22, sha, 6);
    store_be32(f + 28, spa);
    if (tha)
        memcpy(f + 32, tha, 6);
    store_be32(f + 38, tpa);
    return 60;
}

unsigned testkit_teach_peer(struct netif *ifp, const uint8_t peer_mac[6], uint32_t peer_ip,
                            uint32_t our_ip)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    uint8_t f[60];
    testkit_inject(ifp, f, testkit_arp_frame(f, bcast, 1, peer_mac, peer_ip, NULL, our_ip));
    uint8_t mac[6];
    if (arp_lookup(ifp->index, peer_ip, mac) != 0 || memcmp(mac, peer_mac, 6) != 0) {
        fprintf(stderr, "testkit: ARP did not learn the peer\n");
        abort();
    }
    return testkit_drain(ifp);
}

static void report(const struct pktpool *pool, void *ctx)
{
    (void)ctx;
    struct pktpool_stats st;
    pktpool_get_stats(pool, &st);
    if (st.out)
        fprintf(stderr, "testkit: pool %s has %u of %u buffers out\n", st.name, st.out, st.count);
}

bool testkit_pool_full(void)
{
    if (pktpool_all_full())
        return true;
    pktpool_foreach(report, NULL);
    return false;
}

void testkit_fini_pool_full(void)
{
    if (testkit_pool_full())
        return;
    fprintf(stderr, "testkit: buffers leaked (checked at the suite's teardown)\n");
    exit(1);
}

uint32_t testkit_ip(const char *dotted)
{
    unsigned a, b, c, d;
    char extra;
    if (sscanf(dotted, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) != 4 || a > 255 || b > 255 ||
        c > 255 || d > 255) {
        fprintf(stderr, "testkit: bad address %s\n", dotted);
        abort();
    }
    return (a << 24) | (b << 16) | (c << 8) | d;
}
