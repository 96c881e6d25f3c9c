/*
 * apps/video-server/rtp.h — the sending side of RTP (RFC 3550): the fixed
 * header (section 5.1), a sender's state (sequence numbers, timestamps, the
 * counts its sender reports give) and RTCP sender reports with a CNAME
 * (sections 6.4.1, 6.5.1, 6.6), as one compound packet (section 6.1).
 *
 * All multi-byte fields are written in network byte order; no buffer is
 * allocated: the caller passes the bytes to write into (the headroom of a
 * packet buffer, say).
 */
#ifndef SPINDLE_APPS_VIDEO_RTP_H
#define SPINDLE_APPS_VIDEO_RTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** RTP version (RFC 3550 5.1). */
#define RTP_VERSION 2u
/** Bytes of the fixed RTP header without CSRCs (RFC 3550 5.1). */
#define RTP_HEADER_LEN 12u
/** Static payload type of JPEG video (RFC 3551 section 6, table 5). */
#define RTP_PT_JPEG 26u
/** The RTP clock of JPEG video, Hz (RFC 2435 section 3, RFC 3551 table 5). */
#define RTP_JPEG_CLOCK_HZ 90000u

/** RTCP packet types (RFC 3550 12.1). */
#define RTCP_SR 200u
#define RTCP_SDES 202u
#define RTCP_BYE 203u
/** SDES item CNAME (RFC 3550 6.5.1). */
#define RTCP_SDES_CNAME 1u
/** Bytes of a sender report without report blocks (RFC 3550 6.4.1). */
#define RTCP_SR_LEN 28u
/** Longest CNAME, bytes (an SDES item's 8-bit length). */
#define RTCP_CNAME_MAX 255u
/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01). */
#define RTP_NTP_UNIX_OFFSET 2208988800ull

/** One RTP sender (one SSRC). Fields may be read; change them through the functions. */
struct rtp_sender {
    uint32_t ssrc;         /* synchronisation source identifier */
    uint32_t ts_base;      /* random offset added to every timestamp */
    uint16_t seq;          /* sequence number of the next packet */
    uint8_t pt;            /* payload type */
    uint32_t packet_count; /* RTP data packets sent (RFC 3550 6.4.1) */
    uint32_t octet_count;  /* payload octets sent, headers excluded (6.4.1) */
};

/**
 * rtp_sender_init - a sender of payload type @pt with SSRC @ssrc, first
 * sequence number @seq0 and timestamp offset @ts_base. RFC 3550 5.1 asks for
 * random @ssrc, @seq0 and @ts_base: the caller draws them (the kernel has no
 * random source of its own). Counts start at 0.
 */
void rtp_sender_init(struct rtp_sender *s, uint8_t pt, uint32_t ssrc, uint16_t seq0,
                     uint32_t ts_base);

/**
 * rtp_write_header - the 12-byte fixed header of the sender's next packet at
 * @dst: version 2, no padding, no extension, no CSRC, marker @marker,
 * timestamp @ts_base + @ticks (mod 2^32), sequence number s->seq, which then
 * advances. Counts the packet and its @payload_len payload octets for
 * sender reports, so call it once per packet sent. Returns RTP_HEADER_LEN.
 */
size_t rtp_write_header(struct rtp_sender *s, uint8_t *dst, uint32_t ticks, bool marker,
                        uint32_t payload_len);

/**
 * rtp_ntp_from_unix_ns - a 64-bit NTP timestamp (RFC 3550 4: seconds since
 * 1900 in the high 32 bits, fraction in the low 32) from a time in ns since
 * the Unix epoch. A sender without wall-clock time may pass any clock it
 * keeps (RFC 3550 6.4.1 asks only that it be the same for every stream that
 * should be synchronised).
 */
uint64_t rtp_ntp_from_unix_ns(uint64_t unix_ns);

/**
 * rtcp_write_sr - an RTCP compound packet at @dst (@cap bytes): a sender
 * report without report blocks (RFC 3550 6.4.1: @ntp, RTP timestamp
 * @ts_base + @ticks for that same instant, s's packet and octet counts)
 * followed by an SDES chunk with the CNAME @cname (6.5.1, items padded to a
 * 32-bit boundary) and, if @bye, a BYE for s->ssrc (6.6) for a stream that
 * ends. Returns its length in bytes (a multiple of 4), or 0 when @cap is too
 * small or @cname is empty or longer than RTCP_CNAME_MAX.
 */
size_t rtcp_write_sr(const struct rtp_sender *s, uint8_t *dst, size_t cap, uint64_t ntp,
                     uint32_t ticks, const char *cname, bool bye);

#endif
