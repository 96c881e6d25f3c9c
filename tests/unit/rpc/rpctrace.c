/* tests/unit/rpc/rpctrace.c — see rpctrace.h. */
#include "rpctrace.h"

#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/klib.h"
#include "testkit.h"

/* A datagram being reassembled from fragments (RFC 791 section 3.2). */
struct frag {
    uint32_t src, dst;
    uint16_t id;
    uint8_t buf[65536];
    uint8_t have[65536 / 8]; /* 8-byte blocks received */
    size_t total;            /* payload bytes, known once the last fragment came (0 before) */
    bool used;
};

static void add(struct rt_trace *t, unsigned frame, const uint8_t *eth, uint32_t src, uint32_t dst,
                const uint8_t *udp, size_t len)
{
    if (len < 8)
        return;
    size_t ulen = load_be16(udp + 4);
    if (ulen < 8 || ulen > len)
        return;
    t->d = realloc(t->d, (t->n + 1) * sizeof *t->d);
    cr_assert_not_null(t->d);
    struct rt_dgram *d = &t->d[t->n++];
    d->frame = frame;
    memcpy(d->src_mac, eth + 6, 6);
    d->src = src;
    d->dst = dst;
    d->sport = load_be16(udp);
    d->dport = load_be16(udp + 2);
    d->len = ulen - 8;
    d->data = malloc(d->len ? d->len : 1);
    cr_assert_not_null(d->data);
    memcpy(d->data, udp + 8, d->len);
}

void rt_load(struct rt_trace *t, const char *name)
{
    char path[4096], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/%s", testkit_traces(), name);
    pcap_t *p = pcap_open_offline(path, err);
    cr_assert_not_null(p, "%s: %s", path, err);
    cr_assert_eq(pcap_datalink(p), DLT_EN10MB);
    memset(t, 0, sizeof *t);
    static struct frag fr[4];
    memset(fr, 0, sizeof fr);
    struct pcap_pkthdr *h;
    const uint8_t *b;
    unsigned frame = 0;
    while (pcap_next_ex(p, &h, &b) == 1) {
        unsigned k = frame++;
        if (h->caplen < 34 || load_be16(b + 12) != 0x0800)
            continue;
        const uint8_t *ip = b + 14;
        size_t ihl = (size_t)(ip[0] & 15) * 4, tot = load_be16(ip + 2);
        if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || 14 + tot > h->caplen || ip[9] != 17)
            continue;
        uint32_t src = load_be32(ip + 12), dst = load_be32(ip + 16);
        uint16_t id = load_be16(ip + 4), off = load_be16(ip + 6);
        bool mf = off & 0x2000;
        size_t foff = (size_t)(off & 0x1fff) * 8;
        const uint8_t *pl = ip + ihl;
        size_t plen = tot - ihl;
        if (!mf && foff == 0) {
            add(t, k, b, src, dst, pl, plen);
            continue;
        }
        struct frag *f = NULL;
        for (size_t i = 0; i < 4 && !f; i++)
            if (fr[i].used && fr[i].src == src && fr[i].dst == dst && fr[i].id == id)
                f = &fr[i];
        for (size_t i = 0; i < 4 && !f; i++)
            if (!fr[i].used) {
                f = &fr[i];
                memset(f, 0, sizeof *f);
                f->used = true;
                f->src = src;
                f->dst = dst;
                f->id = id;
            }
        cr_assert_not_null(f, "more than 4 datagrams in reassembly");
        cr_assert_leq(foff + plen, sizeof f->buf);
        memcpy(f->buf + foff, pl, plen);
        for (size_t blk = foff / 8; blk < (foff + plen + 7) / 8; blk++)
            f->have[blk] = 1;
        if (!mf)
            f->total = foff + plen;
        if (f->total) {
            bool all = true;
            for (size_t blk = 0; blk < (f->total + 7) / 8 && all; blk++)
                all = f->have[blk];
            if (all) {
                add(t, k, b, src, dst, f->buf, f->total);
                f->used = false;
            }
        }
    }
    t->frames = frame;
    pcap_close(p);
}

void rt_free(struct rt_trace *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->d[i].data);
    free(t->d);
    memset(t, 0, sizeof *t);
}

uint32_t rt_xid(const struct rt_dgram *d)
{
    return d->len >= 4 ? load_be32(d->data) : 0;
}
