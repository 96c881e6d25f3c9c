/*
 * apps/video-server/stream.h — the RTP/JPEG extension of the video server
 * (SPIN's video server: "one sends them to the network"): one stream plays
 * one video of the media disk as RTP (RFC 3550) with the JPEG payload format
 * (RFC 2435), paced by kernel timers (kernel/timer.h) at the file's frame
 * rate, with RTCP sender reports (RFC 3550 6.4.1) so players synchronise.
 *
 * Timeline: at vs_stream_start() the stream sends an RTCP SR + SDES to its
 * clients (their ARP entries resolve meanwhile) and starts reading the first
 * VS_READ_AHEAD frames (frame_read.h). Frame 0 is due once every unicast
 * client's next hop has resolved (checked every VS_START_POLL_NS; at least
 * VS_START_DELAY_NS, at most VS_START_WAIT_NS after the start: ARP holds only
 * a few packets per unresolved address, arp.h, and a NIC may not receive for
 * a while after it is enabled, QEMU's e1000 about a second). Frame k is due at
 * t0 + k / rate; its packets carry the
 * timestamp k * 90000 / rate (plus the stream's random base), k counting on
 * across loops so timestamps never go back. At its due time a frame that has
 * been read is sent: each packet's RTP and RFC 2435 headers are written into
 * its headroom and it goes to UDP once, to the first client (the fan-out
 * handler copies it to the others, fanout.h). A burst stops while the output
 * interface's transmit queue could not take one packet per client, and goes
 * on VS_TX_WAIT_NS later. A frame not read by its due time is sent when its
 * read completes (late); one whose read failed is skipped. RTCP SR + SDES
 * every VS_RTCP_INTERVAL_NS; at the end (no loop) SR + SDES + BYE one frame
 * period after the last frame (apps/video-server/README.md: ffmpeg's reader
 * ends on a BYE).
 *
 * Freestanding; everything runs from the main loop (timers, disk completions).
 */
#ifndef SPINDLE_APPS_VIDEO_STREAM_H
#define SPINDLE_APPS_VIDEO_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "apps/video-server/fanout.h"
#include "apps/video-server/frame_read.h"
#include "apps/video-server/media.h"
#include "apps/video-server/rtp.h"
#include "kernel/timer.h"

/** Frames read ahead of the one being sent. */
#define VS_READ_AHEAD 3u
/** Shortest time from start to frame 0's due time: the first SR goes out, ns. */
#define VS_START_DELAY_NS (100ull * 1000000ull)
/** Longest wait for the clients' addresses to resolve before frame 0, ns. */
#define VS_START_WAIT_NS (3ull * 1000000000ull)
/** How often the start checks them, ns. */
#define VS_START_POLL_NS (10ull * 1000000ull)
/** RTCP report interval, ns (RFC 3550 6.2: 5 s minimum). */
#define VS_RTCP_INTERVAL_NS (5ull * 1000000000ull)
/** Pause of a send burst while the transmit queue drains, ns. */
#define VS_TX_WAIT_NS (100ull * 1000ull)
/** Transmit-queue entries a burst leaves free for other traffic. */
#define VS_TXQ_RESERVE 64u

struct vs_stream;
/** vs_stream_end_fn - a stream finished (after its BYE): its owner frees it. */
typedef void (*vs_stream_end_fn)(struct vs_stream *st, void *ctx);

/** Send path hooks, so the stream does not know the server. */
struct vs_stream_ops {
    vs_stream_end_fn ended;
    void *ctx;
};

/** One stream. Fields are read by the server and the console. */
struct vs_stream {
    unsigned id; /* 1.. (the server's slot + 1) */
    const struct vs_video *video;
    bool loop;
    struct vs_fanout fan; /* its clients */
    struct rtp_sender tx;
    char cname[64]; /* RTCP CNAME: "spindle-video-ID@A.B.C.D" */
    struct vs_disk *dk;
    struct vs_stream_ops ops;
    uint64_t *ctr; /* enum vs_ctr */
    /* pacing */
    struct ktimer frame_timer, pump_timer, rtcp_timer, end_timer;
    uint64_t t0;            /* due time of frame 0, kclock ns */
    uint64_t seq;           /* stream frame number of the next frame to send */
    uint64_t next_read_seq; /* stream frame number of the next frame to read */
    bool due;               /* frame seq's time has come */
    bool sending;           /* frame seq is being sent */
    uint32_t send_pkt;      /* its next packet */
    bool ending, ended;
    struct vs_frame slot[VS_READ_AHEAD]; /* stream frame k in slot[k % VS_READ_AHEAD] */
    uint64_t slot_seq[VS_READ_AHEAD];    /* the stream frame each slot holds, UINT64_MAX none */
    /* figures */
    uint64_t frames, late, skipped, packets, bytes, rtcp;
    uint64_t max_late_ns; /* worst lateness of a frame's last packet past the next due time */
    uint64_t started_ns;
};

/**
 * vs_stream_init - stream @id of video @v (indexed, ok) from source port
 * @sport (RTCP @sport + 1), reading through @dk, counting in @ctr;
 * @ssrc/@seq0/@ts_base are the caller's random RTP identifiers (RFC 3550
 * 5.1). Clients are added to st->fan before vs_stream_start. Returns 0,
 * -KE_TOOBIG (a frame needs more packets than VS_FRAME_MAX_PKTS), -KE_NOMEM.
 */
int vs_stream_init(struct vs_stream *st, unsigned id, const struct vs_video *v, bool loop,
                   uint16_t sport, uint8_t mcast_ttl, struct vs_disk *dk, uint64_t *ctr,
                   uint32_t ssrc, uint16_t seq0, uint32_t ts_base, const struct vs_stream_ops *ops);

/** Most packets of one frame (larger frames are refused at play). */
#define VS_FRAME_MAX_PKTS 512u

/** vs_stream_start - start sending (st->fan holds at least one client). */
void vs_stream_start(struct vs_stream *st);

/**
 * vs_stream_stop - stop now (no BYE): timers cancelled, reads waited for,
 * buffers freed. Then vs_stream_fini.
 */
void vs_stream_stop(struct vs_stream *st);

/** vs_stream_fini - free what init allocated (after stop). */
void vs_stream_fini(struct vs_stream *st);

/**
 * vs_stream_rtcp - send an RTCP compound packet (SR + SDES CNAME, + BYE if
 * @bye) once, to the first client (the fan-out copies it to the others).
 */
void vs_stream_rtcp(struct vs_stream *st, bool bye);

/**
 * vs_stream_rtcp_to - the same, to client @c only (a client that joins:
 * the caller keeps the fan-out out of it).
 */
void vs_stream_rtcp_to(struct vs_stream *st, const struct vs_client *c);

/** vs_stream_frame_ns - one frame period of the stream, ns. */
uint64_t vs_stream_frame_ns(const struct vs_stream *st);

#endif
