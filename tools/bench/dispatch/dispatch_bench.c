/*
 * tools/bench/dispatch/dispatch_bench.c — per-packet cost of dispatching UDP
 * datagrams to N handlers on distinct destination ports.
 *
 * The whole hosted receive path runs: a pcap of UDP datagrams (made by
 * bench_pcap.c, every datagram to one of the N installed ports) is loaded
 * into memory and each frame is copied into a fresh buffer and given to
 * netif_input (dev → ether → ipv4 → udp.PacketArrived → one handler that
 * counts like udp-count). Plans compared, on the same traffic:
 *   tree    declarative guards udp_guard_dport(port) under guard_tree_dispatch
 *   linear  the same guards evaluated one by one (guard_linear_dispatch)
 *   bpf     one classic-BPF program per handler, tcpdump "udp dst port P"
 *           compiled by libpcap and kept as BPF (not lowered)
 *
 * Output, one line: plan, handlers, packets, ns per packet (wall clock,
 * CLOCK_MONOTONIC over the measured loop; the fastest of --repeat runs, so
 * other load on the machine inflates it less). Under
 *   valgrind --tool=callgrind --instr-atstart=no
 * only the measured loop is instrumented (CALLGRIND_START/STOP_INSTRUMENTATION),
 * so the Ir total of the output file divided by the packets is the
 * instruction count per packet. tools/bench/dispatch/run.sh drives it.
 *
 * usage: dispatch-bench --plan tree|linear|bpf --handlers N --packets P --pcap FILE [--repeat R]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_pcap.h"
#include "drivers/loop/loop.h"
#include "guards/dispatch.h"
#include "guards/event_facts.h"
#include "guards/pcap_expr.h"
#include "guards/tree.h"
#include "kernel/event.h"
#include "kernel/log.h"
#include "kernel/pktbuf.h"
#include "netgraph/netif.h"
#include "protocols/arp/arp.h"
#include "protocols/ether/ether.h"
#include "protocols/icmp/icmp.h"
#include "protocols/udp/udp.h"

#ifdef HAVE_CALLGRIND
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

/* protocols/ipv4/ipv4.h is not included next to <pcap/pcap.h> users; only this is needed */
int ipv4_init(void);

#define BASE_PORT 10000u
#define MAX_HANDLERS 100000u
/* Distinct destination ports used; handlers beyond them also test the source port. */
#define PORT_SPAN 50000u
#define MAX_FRAMES 20000u

/* What one udp-count listener does per datagram (apps/udp-count): parse and count. */
struct counter {
    uint64_t datagrams, bytes;
};

static int count_rx(void *ctx, struct pktbuf *pkt)
{
    struct counter *c = ctx;
    struct udp_info in;
    udp_parse(pkt, &in);
    c->datagrams++;
    c->bytes += in.payload_len;
    return KH_TAKEN;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct netif *ifp;
static struct bench_frame frames[MAX_FRAMES];
static unsigned nframes;

/* replay - the measured loop: @n frames through the receive path. */
static __attribute__((noinline)) void replay(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        const struct bench_frame *f = &frames[i % nframes];
        struct pktbuf *p = pkt_alloc(pktpool_default());
        if (!p) {
            fprintf(stderr, "dispatch-bench: pool empty\n");
            exit(1);
        }
        memcpy(pkt_append(p, f->len), f->data, f->len);
        netif_input(ifp, p); /* frees p */
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: dispatch-bench --plan tree|linear|bpf --handlers N --packets P "
                    "--pcap FILE [--repeat R]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *plan = NULL, *pcap = NULL;
    unsigned nh = 0, np = 0, repeat = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--plan"))
            plan = argv[i + 1];
        else if (!strcmp(argv[i], "--handlers"))
            nh = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--packets"))
            np = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--pcap"))
            pcap = argv[i + 1];
        else if (!strcmp(argv[i], "--repeat"))
            repeat = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else
            usage();
    }
    if (!plan || !pcap || nh == 0 || nh > MAX_HANDLERS || np == 0 || repeat == 0 ||
        (strcmp(plan, "tree") && strcmp(plan, "linear") && strcmp(plan, "bpf")))
        usage();

    klog_set_level(KLOG_ERR);
    if (guards_init() != 0)
        return 1;
    struct pktpool *pool = pktpool_create("default", 1024, PKT_BLOCK_SIZE, NULL, NULL);
    if (!pool)
        return 1;
    pktpool_set_default(pool);
    static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
    struct kport *port = loop_port_create("bench0", mac, pool);
    if (!port || netif_create(port, "bench0", mac, &ifp) != 0 || port->ops->start(port) != 0 ||
        netif_add_addr(ifp, 0x0a000001u, 24) != 0)
        return 1;
    if (ether_init() || arp_init() || ipv4_init() || icmp_init() || udp_init())
        return 1;

    /* Install with the linear plan (cheap rebuilds), then choose the plan once. */
    kevent_set_dispatcher(&guard_linear_dispatch);
    static struct counter ctr[MAX_HANDLERS];
    static uint16_t ports[PORT_SPAN];
    static struct guard_tcpdump *tg[MAX_HANDLERS];
    struct guard_facts facts;
    guard_event_facts(&udp_PacketArrived, &facts);
    for (unsigned i = 0; i < nh; i++) {
        uint16_t dport = (uint16_t)(BASE_PORT + i % PORT_SPAN);
        if (i < PORT_SPAN)
            ports[i] = dport;
        struct kguard g = udp_guard_dport(dport);
        if (nh > PORT_SPAN) /* more handlers than ports: (dst port, src port) pairs */
            kguard_add_test(&g, KGUARD_FIELD(PKT_L4, 0, 2, 0xffffu, KG_EQ, 40000u + i / PORT_SPAN));
        const struct kguard *gp = &g;
        if (!strcmp(plan, "bpf")) {
            char expr[48], err[160];
            snprintf(expr, sizeof expr, "udp dst port %u", dport);
            if (guard_from_tcpdump_facts(expr, &facts, GUARD_TCPDUMP_KEEP_BPF, &tg[i], err,
                                         sizeof err)) {
                fprintf(stderr, "dispatch-bench: %s\n", err);
                return 1;
            }
            gp = &tg[i]->guard;
        }
        const struct khandler_props props = { .name = "udp-count" };
        if (udp_PacketArrived_install(count_rx, &ctr[i], gp, &props, NULL) != 0) {
            fprintf(stderr, "dispatch-bench: install %u failed\n", i);
            return 1;
        }
    }
    kevent_set_dispatcher(!strcmp(plan, "linear") ? &guard_linear_dispatch : &guard_tree_dispatch);

    if (access(pcap, R_OK) != 0) {
        struct bench_addrs a = { .dst_mac = { 0x02, 0, 0, 0, 0, 0x01 },
                                 .src_mac = { 0x02, 0, 0, 0, 0, 0x02 },
                                 .dst_ip = 0x0a000001u,
                                 .src_ip = 0x0a000002u,
                                 .sport = 40000 };
        if (bench_pcap_make(pcap, &a, ports, nh < PORT_SPAN ? nh : PORT_SPAN, MAX_FRAMES) != 0)
            return 1;
    }
    int n = bench_pcap_load(pcap, frames, MAX_FRAMES);
    if (n <= 0)
        return 1;
    nframes = (unsigned)n;

    replay(nframes < 2000 ? nframes : 2000); /* warm the caches and the ARP/route state */
    uint64_t before = 0;
    for (unsigned i = 0; i < nh; i++)
        before += ctr[i].datagrams;

    uint64_t best = UINT64_MAX;
    for (unsigned r = 0; r < repeat; r++) {
        CALLGRIND_START_INSTRUMENTATION;
        uint64_t t0 = now_ns();
        replay(np);
        uint64_t t1 = now_ns();
        CALLGRIND_STOP_INSTRUMENTATION;
        if (t1 - t0 < best)
            best = t1 - t0;
    }

    uint64_t delivered = 0;
    for (unsigned i = 0; i < nh; i++)
        delivered += ctr[i].datagrams;
    delivered -= before;
    np *= repeat;
    struct guard_tree_stats st = { 0 };
    guard_tree_stats(&udp_PacketArrived, &st);
    printf("plan=%s handlers=%u packets=%u ns_per_packet=%.1f delivered=%llu tree_depth=%u "
           "max_leaf=%u\n",
           plan, nh, np, (double)best / (np / repeat), (unsigned long long)delivered, st.max_depth,
           st.max_leaf);
    if (delivered != np) {
        fprintf(stderr, "dispatch-bench: %llu of %u datagrams delivered\n",
                (unsigned long long)delivered, np);
        return 1;
    }
    return 0;
}
