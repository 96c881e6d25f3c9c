/*
 * apps/video-server/server.h — the video server: a media disk, a table of
 * streams and the control requests on them (play, join, leave, stop, sdp),
 * shared by the extension line, the console commands and the "video"
 * configuration lines (apps/video-server/README.md).
 *
 * It joins SPIN's three extensions (Bershad et al. SOSP 1995 section 5):
 * the disk extension (frame_read.h) reads frames into packet buffers, the
 * RTP/JPEG extension (stream.h) paces and sends them, and the fan-out
 * extension (fanout.h) is the server's handler on ipv4.SendPacket that copies
 * each send to every client. Its other handlers: icmp.ErrorArrived and
 * arp.ResolveFailed (errors about the datagrams sent to a client, which drop
 * it after a bound) and udp.PacketArrived on its own ports (RTCP from
 * receivers: counted, and so not answered with port unreachable).
 *
 * Stream N sends RTP from source port base + 2(N - 1) and RTCP from the next
 * (base = port=, default VS_DEFAULT_PORT). One server runs at a time.
 * Requests that cannot be done (unknown file, full table, bad address, no
 * such stream) change nothing, return -KE_* with a one-line message and are
 * counted (requests_refused).
 */
#ifndef SPINDLE_APPS_VIDEO_SERVER_H
#define SPINDLE_APPS_VIDEO_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "apps/video-server/frame_read.h"
#include "apps/video-server/media.h"
#include "apps/video-server/stream.h"
#include "kernel/timer.h"

/** Streams one server plays at once. */
#define VS_MAX_STREAMS 32u
/** Destinations one request may name. */
#define VS_MAX_DESTS 16u
/** First source port when port= is not given. */
#define VS_DEFAULT_PORT 5000u
/** Buffers of the video pool when pool= is not given. */
#define VS_DEFAULT_POOL 2048u
/** TTL of datagrams to a multicast group when ttl= is not given (RFC 1112 6.1). */
#define VS_DEFAULT_TTL 1u

/** A destination: IPv4 address (unicast or group) and RTP port, host order. */
struct vs_dest {
    uint32_t addr;
    uint16_t port;
};

/** What the server is opened with. */
struct vs_server_params {
    const char *media;    /* "disk0" or (hosted) an archive path */
    uint32_t pool;        /* video pool buffers; 0: VS_DEFAULT_POOL */
    uint32_t max_payload; /* RTP payload bytes; 0: RTP_JPEG_DEFAULT_PAYLOAD */
    uint8_t ttl;          /* multicast TTL; 0: VS_DEFAULT_TTL */
    uint16_t base_port;   /* first source port; 0: VS_DEFAULT_PORT */
};

/** The server. */
struct vs_server {
    struct vs_media media;
    struct vs_disk disk;
    struct pktpool *pool;
    uint32_t pool_count; /* its buffers */
    uint16_t base_port;
    uint8_t mcast_ttl;
    uint64_t *ctr; /* enum vs_ctr */
    struct vs_stream *streams[VS_MAX_STREAMS];
    bool direct;        /* a send the fan-out must not copy */
    struct ktimer reap; /* frees streams that ended or lost every client */
    uint64_t rng;       /* RTP identifiers (rtp.h: the caller draws them) */
};

/**
 * vs_server_open - open the media, create the video pool, and make @s the
 * current server. @ctr: VS_NCTR counters. Returns 0, or -KE_EXIST (a server
 * runs already), vs_media_open's codes, -KE_INVAL (a bad parameter), -KE_NOMEM,
 * with a message in @err.
 */
int vs_server_open(struct vs_server *s, const struct vs_server_params *p, uint64_t *ctr, char *err,
                   size_t errlen);

/**
 * vs_server_close - stop every stream (no BYE), release the media and the
 * pool; @s is no longer current. Handlers are the caller's (the extension
 * framework removes them with the instance).
 */
void vs_server_close(struct vs_server *s);

/** vs_server_current - the open server, or NULL. */
struct vs_server *vs_server_current(void);

/** vs_server_stream - stream @id (1..VS_MAX_STREAMS), or NULL. */
struct vs_stream *vs_server_stream(struct vs_server *s, unsigned id);

/**
 * vs_parse_dest - "A.B.C.D:PORT" (@n bytes at @text) into @d. Returns 0 or
 * -KE_INVAL with a message in @err.
 */
int vs_parse_dest(const char *text, size_t n, struct vs_dest *d, char *err, size_t errlen);

/**
 * vs_parse_dests - "A.B.C.D:PORT[,A.B.C.D:PORT...]" into @d (room for
 * VS_MAX_DESTS), *@n of them. 0 or -KE_INVAL / -KE_TOOBIG with @err.
 */
int vs_parse_dests(const char *text, struct vs_dest *d, unsigned *n, char *err, size_t errlen);

/**
 * vs_play - start streaming video @file to the @n destinations @d (the first
 * receives the stream's own sends, the others copies), looping when @loop.
 * Returns 0 and *@id, or -KE_NOENT (no such video), -KE_INVAL (the video was
 * refused at open, a destination is bad: odd port, broadcast, duplicate),
 * -KE_UNREACH (no route to a destination), -KE_TOOBIG (every stream in use,
 * or a frame too large), -KE_NOMEM; @err says which.
 */
int vs_play(struct vs_server *s, const char *file, const struct vs_dest *d, unsigned n, bool loop,
            unsigned *id, char *err, size_t errlen);

/** vs_join - add destination @d to stream @id (it gets an RTCP SR at once); 0 or -KE_* with @err. */
int vs_join(struct vs_server *s, unsigned id, const struct vs_dest *d, char *err, size_t errlen);

/**
 * vs_leave - remove destination @d from stream @id; a stream left without
 * destinations ends (with a BYE to nobody: it simply stops). 0 or -KE_*.
 */
int vs_leave(struct vs_server *s, unsigned id, const struct vs_dest *d, char *err, size_t errlen);

/** vs_stop - end stream @id now: RTCP BYE to its destinations, then it is freed. */
int vs_stop(struct vs_server *s, unsigned id, char *err, size_t errlen);

/**
 * vs_sdp - the SDP (sdp.h) a player opens to receive stream @id at
 * destination @d (NULL: its first), into @buf. Returns its length or -KE_*.
 */
int vs_sdp(struct vs_server *s, unsigned id, const struct vs_dest *d, char *buf, size_t cap,
           char *err, size_t errlen);

/**
 * vs_drop_client - remove client @i of @st for @why (logged, counted
 * clients_dropped); a stream left without clients is freed from a timer.
 */
void vs_drop_client(struct vs_server *s, struct vs_stream *st, uint32_t i, const char *why);

/** vs_stream_of_port - the stream whose RTP or RTCP source port is @sport, or NULL. */
struct vs_stream *vs_stream_of_port(struct vs_server *s, uint16_t sport);

#endif
