/* tests/unit/video/vskit.c — see vskit.h. */
#include <criterion/criterion.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vskit.h"
#include "videokit.h"
#include "testkit.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/stats.h"

/* The directories vsk_archive made, removed when the test's process exits. */
static char made[16][PATH_MAX];
static unsigned nmade;

static void remove_made(void)
{
    char cmd[PATH_MAX + 16];
    while (nmade > 0) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", made[--nmade]);
        if (system(cmd) != 0)
            fprintf(stderr, "vskit: could not remove %s\n", made[nmade]);
    }
}

const char *vsk_archive(const char *const *members)
{
    static char dir[PATH_MAX], path[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/vskit-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_lt(nmade, 16);
    if (nmade == 0)
        atexit(remove_made);
    snprintf(made[nmade++], PATH_MAX, "%s", dir);
    char cmd[8192];
    int n = snprintf(cmd, sizeof cmd, "cd %s", dir);
    for (unsigned i = 0; members[i] != NULL; i += 2)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " && cp '%s/%s' '%s'", testkit_traces(),
                      members[i + 1], members[i]);
    n += snprintf(cmd + n, sizeof cmd - (size_t)n, " && tar --format=ustar -cf media.tar");
    for (unsigned i = 0; members[i] != NULL; i += 2)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " '%s'", members[i]);
    cr_assert_lt((size_t)n, sizeof cmd);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    snprintf(path, sizeof path, "%s/media.tar", dir);
    return path;
}

uint8_t *vsk_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* ---- a disk in memory ---------------------------------------------- */

static int md_submit(struct kblk *dev, struct kblk_req *r)
{
    struct vsk_disk *d = dev->priv;
    if (d->nq == d->depth)
        return -KE_AGAIN;
    d->queue[d->nq++] = r;
    return 0;
}

static void md_finish(struct vsk_disk *d, struct kblk_req *r, int status)
{
    if (status == 0 && r->op == KBLK_READ) {
        if (d->fail_lba >= r->lba && d->fail_lba < r->lba + r->nsect)
            status = -KE_IO;
        else
            memcpy(r->buf, d->data + r->lba * d->dev.sector_size,
                   (size_t)r->nsect * d->dev.sector_size);
        d->reads++;
    }
    kblk_complete(r, status);
}

static unsigned md_poll(struct kblk *dev, unsigned budget)
{
    struct vsk_disk *d = dev->priv;
    unsigned done = 0;
    while (d->nq > 0 && done < budget) {
        struct kblk_req *r = d->queue[0];
        memmove(d->queue, d->queue + 1, (d->nq - 1) * sizeof d->queue[0]);
        d->nq--;
        md_finish(d, r, 0);
        done++;
    }
    return done;
}

static bool md_ready(const struct kblk *dev)
{
    return ((const struct vsk_disk *)dev->priv)->nq > 0;
}

static void md_abort(struct kblk *dev)
{
    struct vsk_disk *d = dev->priv;
    while (d->nq > 0)
        md_finish(d, d->queue[--d->nq], -KE_IO);
}

static void md_close(struct kblk *dev)
{
    (void)dev;
}

static const struct kblk_ops md_ops = {
    .submit = md_submit,
    .poll = md_poll,
    .ready = md_ready,
    .abort = md_abort,
    .close = md_close,
};

void vsk_disk_open(struct vsk_disk *d, const char *name, const char *path, uint32_t sector_size,
                   unsigned depth)
{
    memset(d, 0, sizeof *d);
    size_t n;
    uint8_t *file = vsk_file(path, &n);
    uint64_t sectors = (n + sector_size - 1) / sector_size;
    d->data = calloc(sectors, sector_size);
    memcpy(d->data, file, n);
    free(file);
    d->depth = depth < 64 ? depth : 64;
    d->fail_lba = UINT64_MAX;
    kblk_init(&d->dev, &md_ops, d, "memdisk", name);
    d->dev.sector_size = sector_size;
    d->dev.capacity = sectors;
    d->dev.max_sectors = 128;
    d->dev.queue_depth = (uint16_t)d->depth;
    d->dev.read_only = true;
    cr_assert_eq(kblk_register(&d->dev), 0);
}

void vsk_disk_close(struct vsk_disk *d)
{
    kblk_unregister(&d->dev);
    free(d->data);
    d->data = NULL;
}

/* ---- collecting what was sent --------------------------------------- */

struct vsk_sink *vsk_sink_new(unsigned cap)
{
    struct vsk_sink *s = calloc(1, sizeof *s);
    s->g = calloc(cap, sizeof *s->g);
    s->cap = cap;
    return s;
}

void vsk_sink_free(struct vsk_sink *s)
{
    free(s->g);
    free(s);
}

/* csum - RFC 1071 over @n bytes, continuing @sum (computed here, not by kernel/lib). */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}
static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void collect(struct netif *ifp, struct vsk_sink *sink)
{
    struct pktbuf *p;
    while ((p = testkit_sent(ifp)) != NULL) {
        const void *segment = p->frag; /* a port that gathers is given chains */
        if (segment != NULL && (p = pkt_linearize(p, NULL)) == NULL)
            cr_assert_fail("no buffer to read a chained frame");
        const uint8_t *f = pkt_data(p);
        if (sink == NULL || p->len < 42 || load_be16(f + 12) != 0x0800 || f[23] != 17) {
            pkt_free(p);
            continue;
        }
        cr_assert_lt(sink->n, sink->cap, "more datagrams than the sink holds");
        struct vsk_dgram *g = &sink->g[sink->n++];
        const uint8_t *ip = f + 14, *u = ip + (ip[0] & 15) * 4;
        memcpy(g->eth_dst, f, 6);
        g->src = load_be32(ip + 12);
        g->dst = load_be32(ip + 16);
        g->ttl = ip[8];
        g->ip_csum_ok = csum_fold(csum_add(0, ip, (ip[0] & 15) * 4u)) == 0;
        g->sport = load_be16(u);
        g->dport = load_be16(u + 2);
        size_t ulen = load_be16(u + 4);
        uint8_t ph[12];
        memcpy(ph, ip + 12, 8);
        ph[8] = 0;
        ph[9] = 17;
        store_be16(ph + 10, (uint16_t)ulen);
        g->udp_csum_ok =
            load_be16(u + 6) != 0 && csum_fold(csum_add(csum_add(0, ph, 12), u, ulen)) == 0;
        g->n = ulen - 8;
        cr_assert_leq(g->n, sizeof g->d);
        memcpy(g->d, u + 8, g->n);
        g->at_ns = testkit_now();
        g->segment = segment;
        pkt_free(p);
    }
}

void vsk_run(struct netif *ifp, uint64_t ns, struct vsk_sink *sink)
{
    for (uint64_t t = 0; t < ns; t += 1000000u) {
        while (kblk_poll_all(64) > 0)
            ;
        collect(ifp, sink);
        testkit_advance(1000000u);
        while (kblk_poll_all(64) > 0)
            ;
        collect(ifp, sink);
    }
}

void vsk_load_capture(struct vsk_capture *c)
{
    char path[4096], perr[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/rtp-jpeg-ffmpeg.pcap", testkit_traces());
    pcap_t *pc = pcap_open_offline(path, perr);
    cr_assert_not_null(pc, "%s", perr);
    struct pcap_pkthdr *h;
    const u_char *d;
    memset(c, 0, sizeof *c);
    while (pcap_next_ex(pc, &h, &d) == 1) {
        const u_char *ip = d + 14, *udp = ip + (ip[0] & 15) * 4;
        size_t n = load_be16(udp + 4) - 8u;
        uint16_t port = load_be16(udp + 2);
        if (port == 5004 && c->nrtp < 64) {
            memcpy(c->rtp[c->nrtp].d, udp + 8, n);
            c->rtp[c->nrtp++].n = n;
        } else if (port == 5005 && c->nrtcp < 4) {
            memcpy(c->rtcp[c->nrtcp].d, udp + 8, n);
            c->rtcp[c->nrtcp++].n = n;
        }
    }
    pcap_close(pc);
    cr_assert_eq(c->nrtp, 40, "the capture's 40 RTP packets (tests/traces/README.md)");
}

uint64_t vsk_counter(const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find("video-server", name, &v), 0, "counter video-server.%s", name);
    return v;
}
