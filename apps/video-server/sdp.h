/*
 * apps/video-server/sdp.h — the session description (SDP, RFC 4566) a player
 * needs to receive one RTP/JPEG stream: what "ffplay x.sdp" or
 * "ffmpeg -protocol_whitelist file,udp,rtp -i x.sdp" opens. The same lines
 * ffmpeg's "-sdp_file" writes for its RTP muxer (v, o, s, c, t, m with static
 * payload type 26), plus a=rtpmap (RFC 4566 6, optional for a static type but
 * named for players that want it) and a=framerate.
 */
#ifndef SPINDLE_APPS_VIDEO_SDP_H
#define SPINDLE_APPS_VIDEO_SDP_H

#include <stddef.h>
#include <stdint.h>
#include "apps/video-server/mjpeg.h"

/** One RTP/JPEG stream to describe. Addresses are IPv4, host byte order. */
struct sdp_rtp_jpeg {
    uint32_t origin;        /* o=: the sender's address */
    uint32_t dest;          /* c=: where the stream goes (unicast client or group) */
    uint8_t ttl;            /* c= TTL for a multicast @dest (RFC 4566 5.7), 1..255 */
    uint16_t port;          /* m=: RTP port (RTCP on port + 1, RFC 3550 11) */
    uint64_t session_id;    /* o= sess-id and sess-version */
    const char *name;       /* s=: session name, one line, non-empty */
    struct mjpeg_rate rate; /* a=framerate (RFC 4566 6) */
};

/**
 * sdp_write_rtp_jpeg - the SDP text of @d in @buf (@cap bytes, always
 * NUL-terminated when @cap > 0), lines ended by CRLF (RFC 4566 5). Returns
 * its length in bytes, -KE_INVAL for an empty name or one with CR/LF, or
 * -KE_TOOBIG when @cap is too small.
 */
int sdp_write_rtp_jpeg(char *buf, size_t cap, const struct sdp_rtp_jpeg *d);

#endif
