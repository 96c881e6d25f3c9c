/*
 * tests/unit/video/vskit.h — what the video server's extension tests share:
 * media archives made by GNU tar from the traces, a disk in memory with a
 * chosen sector size (to reach the bounce path and the busy and error
 * paths), the RTP packets of ffmpeg's capture, and a run loop on the test
 * clock that collects what the server sent.
 */
#ifndef SPINDLE_TESTS_VSKIT_H
#define SPINDLE_TESTS_VSKIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/blk.h"
#include "netgraph/netif.h"

/** The 10-frame clip ffmpeg's capture carries (tests/traces/README.md). */
#define VSK_CLIP "rtp-jpeg-clip@30.mjpeg"

/**
 * vsk_archive - a ustar archive made by GNU tar in a fresh directory, holding
 * for each pair of @members ("NAME", "TRACE" ...; NULL-terminated) the trace
 * file tests/traces/TRACE as NAME. Returns its path (static storage).
 */
const char *vsk_archive(const char *const *members);

/** vsk_file - the whole file at @path (malloc'd); *@len its bytes. */
uint8_t *vsk_file(const char *path, size_t *len);

/** A disk in memory (kernel/blk.h), completing requests from kblk_poll. */
struct vsk_disk {
    struct kblk dev;
    uint8_t *data; /* capacity * sector_size bytes */
    struct kblk_req *queue[64];
    unsigned nq;
    unsigned depth;    /* queue depth: more is -KE_AGAIN */
    uint64_t fail_lba; /* a read of this sector fails (-KE_IO); UINT64_MAX none */
    unsigned reads;
};

/**
 * vsk_disk_open - register @d as disk @name over a copy of the file at @path
 * with sectors of @sector_size bytes and a queue of @depth requests.
 */
void vsk_disk_open(struct vsk_disk *d, const char *name, const char *path, uint32_t sector_size,
                   unsigned depth);
/** vsk_disk_close - unregister and free it. */
void vsk_disk_close(struct vsk_disk *d);

/** A UDP datagram the server sent, read from its frame. */
struct vsk_dgram {
    uint8_t eth_dst[6];
    uint32_t src, dst;
    uint16_t sport, dport;
    uint8_t ttl;
    bool ip_csum_ok, udp_csum_ok;
    uint64_t at_ns;      /* test clock when it was collected */
    const void *segment; /* the chained payload segment it was sent with, or NULL */
    size_t n;            /* UDP payload bytes */
    uint8_t d[1500];
};

/** Datagrams collected by vsk_run. */
struct vsk_sink {
    struct vsk_dgram *g;
    unsigned n, cap;
};

/** vsk_sink_new - a sink for up to @cap datagrams. */
struct vsk_sink *vsk_sink_new(unsigned cap);
/** vsk_sink_free - free it. */
void vsk_sink_free(struct vsk_sink *s);

/**
 * vsk_run - advance the test clock @ns in 1 ms steps, completing disk
 * requests (kblk_poll_all) and running timers each step, and move every
 * frame @ifp sent into @sink (NULL: freed). Fails the test when the sink is
 * full.
 */
void vsk_run(struct netif *ifp, uint64_t ns, struct vsk_sink *sink);

/** The RTP (port 5004) and RTCP (5005) payloads of tests/traces/rtp-jpeg-ffmpeg.pcap. */
struct vsk_capture {
    unsigned nrtp, nrtcp;
    struct {
        size_t n;
        uint8_t d[1500];
    } rtp[64], rtcp[4];
};
/** vsk_load_capture - read the capture into @c. */
void vsk_load_capture(struct vsk_capture *c);

/** vsk_counter - counter @name of the video-server node. */
uint64_t vsk_counter(const char *name);

#endif
