/*
 * tests/unit/drivers/pcapkit.h — helpers for the pcap driver tests: a
 * scratch directory, test frames, pcap files written and read with libpcap,
 * and opening a port through its driver class. Header-only, hosted.
 */
#ifndef SPINDLE_TESTS_PCAPKIT_H
#define SPINDLE_TESTS_PCAPKIT_H

#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/clock.h"
#include "kernel/port.h"
#include "kernel/pktbuf.h"

extern const struct kdriver pcap_driver;
extern const struct kdriver pcap_file_driver;

/** The ethertype of test frames: IEEE 802 local experimental 1 (IEEE Std 802-2014 9.2.4). */
#define KIT_ETHERTYPE 0x88b5u
/** Frame bytes of a test frame made by kit_frame with the default length. */
#define KIT_FRAME_LEN 60u

/** A frame to write into a pcap: bytes, lengths, timestamp. */
struct kit_rec {
    uint64_t ts_ns;  /* ns since the epoch */
    uint32_t caplen; /* bytes stored */
    uint32_t len;    /* bytes on the wire (>= caplen) */
    uint8_t data[4096];
};

/** kit_frame - fill @r with a @len-byte Ethernet frame tagged @tag at @ts_ns. */
static inline void kit_frame(struct kit_rec *r, uint8_t tag, uint64_t ts_ns, uint32_t len)
{
    static const uint8_t dst[6] = { 0x02, 0, 0, 0x01, 0, 0 };
    static const uint8_t src[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };

    memset(r, 0, sizeof(*r));
    r->ts_ns = ts_ns;
    r->caplen = r->len = len;
    memcpy(r->data, dst, 6);
    memcpy(r->data + 6, src, 6);
    r->data[12] = KIT_ETHERTYPE >> 8;
    r->data[13] = KIT_ETHERTYPE & 0xff;
    for (uint32_t i = 14; i < len && i < sizeof(r->data); i++)
        r->data[i] = (uint8_t)(tag + i);
    if (len > 14)
        r->data[14] = tag;
}

/** A scratch directory under /tmp, removed with everything in it by kit_dir_remove. */
struct kit_dir {
    char path[64];
};

static inline void kit_dir_make(struct kit_dir *d)
{
    snprintf(d->path, sizeof(d->path), "/tmp/spindle-pcap-XXXXXX");
    cr_assert_not_null(mkdtemp(d->path), "mkdtemp");
}

/** kit_path - "@d/@name" in a static rotating buffer (4 live at once). */
static inline const char *kit_path(const struct kit_dir *d, const char *name)
{
    static char bufs[4][128];
    static unsigned next;
    char *b = bufs[next++ % 4];

    snprintf(b, sizeof(bufs[0]), "%s/%s", d->path, name);
    return b;
}

static inline void kit_dir_remove(struct kit_dir *d)
{
    char cmd[96];

    if (d->path[0] == '\0' || strncmp(d->path, "/tmp/spindle-pcap-", 18) != 0)
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", d->path);
}

/**
 * kit_write_pcap - write @n records to @path with link type @dlt and
 * timestamp precision @prec (PCAP_TSTAMP_PRECISION_MICRO or _NANO).
 */
static inline void kit_write_pcap(const char *path, int dlt, int prec, const struct kit_rec *r,
                                  unsigned n)
{
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(dlt, 65535, (u_int)prec);
    pcap_dumper_t *d;

    cr_assert_not_null(dead);
    d = pcap_dump_open(dead, path);
    cr_assert_not_null(d, "pcap_dump_open %s: %s", path, pcap_geterr(dead));
    for (unsigned i = 0; i < n; i++) {
        struct pcap_pkthdr h;

        memset(&h, 0, sizeof(h));
        h.ts.tv_sec = (time_t)(r[i].ts_ns / 1000000000u);
        h.ts.tv_usec =
            (suseconds_t)(prec == PCAP_TSTAMP_PRECISION_NANO ? r[i].ts_ns % 1000000000u
                                                             : r[i].ts_ns % 1000000000u / 1000u);
        h.caplen = r[i].caplen;
        h.len = r[i].len;
        pcap_dump((u_char *)d, &h, r[i].data);
    }
    pcap_dump_close(d);
    pcap_close(dead);
}

/**
 * kit_read_pcap - read up to @max records of @path with nanosecond
 * timestamps into @r; returns the count. Also gives the file's link type.
 */
static inline unsigned kit_read_pcap(const char *path, struct kit_rec *r, unsigned max, int *dlt)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned n = 0;

    cr_assert_not_null(p, "pcap_open_offline %s: %s", path, errbuf);
    if (dlt != NULL)
        *dlt = pcap_datalink(p);
    while (n < max && pcap_next_ex(p, &h, &data) == 1) {
        r[n].ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
        r[n].caplen = h->caplen;
        r[n].len = h->len;
        cr_assert_leq(h->caplen, sizeof(r[n].data));
        memcpy(r[n].data, data, h->caplen);
        n++;
    }
    pcap_close(p);
    return n;
}

/** Parameters for kit_open: up to 8 key=value pairs. */
struct kit_params {
    struct kparams kp;
};

static inline void kit_param(struct kit_params *p, const char *key, const char *value)
{
    cr_assert_lt(p->kp.n, KPARAM_MAX);
    p->kp.key[p->kp.n] = key;
    p->kp.value[p->kp.n] = value;
    p->kp.n++;
}

/**
 * kit_open - open a port of driver @d named @ifname with @params and @pool.
 * Returns the driver's status; *@port and @err as the driver left them.
 */
static inline int kit_open(const struct kdriver *d, const char *ifname, unsigned instance,
                           const struct kit_params *params, struct pktpool *pool,
                           struct kport **port, char *err, size_t errlen)
{
    struct kdriver_args a = {
        .ifname = ifname,
        .params = &params->kp,
        .instance = instance,
        .pool = pool,
    };

    *port = NULL;
    err[0] = '\0';
    return d->open(&a, port, err, errlen);
}

#endif
