/* tools/bench/dispatch/bench_pcap.c — make and load the benchmark pcap (bench_pcap.h). */
#include "bench_pcap.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* RFC 1071 checksum of the IPv4 header. */
static uint16_t csum(const uint8_t *p, unsigned n)
{
    uint32_t s = 0;
    for (unsigned i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

int bench_pcap_make(const char *path, const struct bench_addrs *a, const uint16_t *ports,
                    unsigned nports, unsigned count)
{
    pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *w = pd ? pcap_dump_open(pd, path) : NULL;
    if (!w) {
        fprintf(stderr, "dispatch-bench: cannot write %s: %s\n", path, pd ? pcap_geterr(pd) : "");
        if (pd)
            pcap_close(pd);
        return -1;
    }
    unsigned *perm = malloc(sizeof *perm * nports);
    if (!perm) {
        pcap_dump_close(w);
        pcap_close(pd);
        return -1;
    }
    for (unsigned i = 0; i < nports; i++)
        perm[i] = i;
    uint64_t x = 0x2545f4914f6cdd1dull;
    for (unsigned i = nports; i > 1; i--) { /* Fisher-Yates with xorshift64 */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned j = (unsigned)(x % i);
        unsigned t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    for (unsigned j = 0; j < count; j++) {
        uint8_t f[60];
        memset(f, 0, sizeof f);
        memcpy(f, a->dst_mac, 6);
        memcpy(f + 6, a->src_mac, 6);
        put16(f + 12, 0x0800);
        uint8_t *ip = f + 14;
        ip[0] = 0x45;
        put16(ip + 2, 20 + 8 + 18);
        put16(ip + 4, (uint16_t)j);
        ip[8] = 64;
        ip[9] = 17;
        put32(ip + 12, a->src_ip);
        put32(ip + 16, a->dst_ip);
        put16(ip + 10, csum(ip, 20));
        uint8_t *u = ip + 20;
        put16(u, a->sport);
        put16(u + 2, ports[perm[j % nports]]);
        put16(u + 4, 8 + 18);
        for (unsigned i = 0; i < 18; i++)
            u[8 + i] = (uint8_t)(j + i);
        struct pcap_pkthdr h = { .caplen = sizeof f, .len = sizeof f };
        h.ts.tv_sec = 1700000000 + j / 100000;
        h.ts.tv_usec = j % 100000 * 10;
        pcap_dump((u_char *)w, &h, f);
    }
    free(perm);
    pcap_dump_close(w);
    pcap_close(pd);
    return 0;
}

int bench_pcap_load(const char *path, struct bench_frame *out, unsigned max)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc) {
        fprintf(stderr, "dispatch-bench: %s\n", err);
        return -1;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    unsigned n = 0;
    while (n < max && pcap_next_ex(pc, &h, &d) == 1) {
        if (h->caplen > sizeof out[n].data)
            continue;
        out[n].len = (uint16_t)h->caplen;
        memcpy(out[n].data, d, h->caplen);
        n++;
    }
    pcap_close(pc);
    return (int)n;
}
