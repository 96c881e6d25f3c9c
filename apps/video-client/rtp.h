/*
 * apps/video-client/rtp.h — the RTP fixed header (RFC 3550 section 5.1) of
 * a received datagram, parsed without copying.
 *
 * Freestanding C11; no allocation.
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_RTP_H
#define SPINDLE_APPS_VIDEO_CLIENT_RTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** RTP version this parser accepts (RFC 3550 section 5.1, field V). */
#define RTP_VERSION 2
/** Bytes of the fixed header without CSRCs (RFC 3550 section 5.1). */
#define RTP_FIXED_HEADER_LEN 12
/** Static payload type of JPEG (RFC 3551 section 6, table 5). */
#define RTP_PT_JPEG 26
/** RTP clock rate of JPEG video in Hz (RFC 3551 section 6, RFC 2435 section 3). */
#define RTP_JPEG_CLOCK_HZ 90000u

/**
 * What rtp_parse() found. Fields are in host order. The payload is
 * [payload_off, payload_off + payload_len) of the datagram: after the
 * CSRC list and any header extension (RFC 3550 section 5.3.1), before any
 * padding (RFC 3550 section 5.1, field P).
 */
struct rtp_header {
    bool padding, extension, marker;
    uint8_t csrc_count;   /* CC */
    uint8_t payload_type; /* PT, 0..127 */
    uint16_t seq;         /* sequence number */
    uint32_t timestamp;   /* media clock units (90 kHz for video) */
    uint32_t ssrc;
    size_t payload_off; /* bytes from the datagram's start */
    size_t payload_len; /* bytes */
};

/**
 * rtp_parse - parse the RTP header of the UDP payload [@pkt, @pkt + @len)
 * (network byte order; read only, stays the caller's) into @out.
 * Returns 0, or -KE_INVAL when the datagram is not RTP version 2 or is
 * shorter than its fixed header, CSRC list, header extension (4 bytes plus
 * 4 x its length field) or padding count say, or the padding count is 0
 * (RFC 3550 section 5.1: the last octet counts itself). An empty payload is
 * valid.
 */
int rtp_parse(const uint8_t *pkt, size_t len, struct rtp_header *out);

#endif
