/*
 * apps/video-client/rtpjpeg_asm.h — the RTP/JPEG frame assembler: RTP
 * payloads in sequence order in, complete JPEG files out (RFC 2435).
 *
 * A frame is the run of packets with one RTP timestamp (RFC 2435 section
 * 3). Its first packet has fragment offset 0 and gives the headers (type,
 * Q, size, tables); every next packet's offset must equal the scan bytes
 * gathered so far; the packet with the RTP marker bit ends it. On that the
 * assembler has, in one buffer, the headers jpeg_rebuild.h writes, the scan
 * data and an EOI: a JPEG file. Any departure drops the whole frame, and
 * counts it once under one reason; a frame is never given out half:
 *  - incomplete: a gap or overlap in offsets, no offset-0 packet, packets
 *    lost in between (as the jitter buffer reports), a new timestamp before
 *    the marker, or rtpjpeg_asm_abort() (time-out, end of stream);
 *  - corrupt: a payload rtpjpeg_parse() rejects, header fields changing
 *    within the frame, unusable tables (Q 128..254 neither in band nor
 *    cached; see below), an unsupported type, or scan data that is not
 *    entropy-coded data (see below);
 *  - too big: more than max_frame_bytes, or wider or taller than allowed.
 *
 * Scan data: the JPEG's headers are ours, so the sender may put in the scan
 * only what ITU-T T.81 B.1.1.5 allows inside entropy-coded data: 0xFF
 * followed by 0x00 (stuffing), by RST0..RST7 when the frame has a restart
 * interval, by fill bytes 0xFF before one of those, and at the very end an
 * EOI. Any other marker (a DHT, DQT, SOF or SOS smuggled after our SOS)
 * drops the frame: decoders act on such markers, and stb_image 2.27 trusts
 * a DHT's code counts (it writes past its tables when they sum over 256).
 *
 * Tables for Q 128..254 are cached by Q when a frame carries them and used
 * for later frames that send none (RFC 2435 section 3.1.8); Q 255 never
 * uses the cache.
 *
 * Freestanding C11; the frame buffer comes from kmalloc at init.
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_RTPJPEG_ASM_H
#define SPINDLE_APPS_VIDEO_CLIENT_RTPJPEG_ASM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "apps/video-client/rtpjpeg.h"

/** Q values (128..254) whose tables are remembered at once. */
#define RTPJPEG_QCACHE 8

/** Why a frame was dropped. */
enum rtpjpeg_drop {
    RTPJPEG_DROP_NONE = 0,
    RTPJPEG_DROP_INCOMPLETE,
    RTPJPEG_DROP_CORRUPT,
    RTPJPEG_DROP_TOO_BIG,
};

/** A complete frame; its bytes stay valid until the next push or abort. */
struct rtpjpeg_frame {
    const uint8_t *jpeg;    /* SOI ... EOI */
    size_t len;             /* bytes */
    uint32_t timestamp;     /* RTP timestamp */
    uint16_t width, height; /* pixels */
    uint8_t type, q;        /* RFC 2435 type and Q */
};

/** Cumulative counts. */
struct rtpjpeg_asm_stats {
    uint64_t frames;                       /* complete frames given out */
    uint64_t incomplete, corrupt, too_big; /* frames dropped, by reason */
    uint64_t bad_payloads;                 /* payloads rtpjpeg_parse() rejected */
    uint64_t unknown_q;                    /* frames with Q 128..254, no tables and none cached */
    uint64_t bytes;                        /* scan bytes taken into frames */
    uint64_t bad_scan;                     /* frames whose scan data held a forbidden marker */
};

/** One remembered set of tables (private). */
struct rtpjpeg_qcache_entry {
    bool valid;
    uint8_t q;
    struct rtpjpeg_qtables t;
};

/** An assembler. Set up with rtpjpeg_asm_init(), released with rtpjpeg_asm_fini(). */
struct rtpjpeg_asm {
    uint8_t *buf;
    size_t cap; /* bytes of buf */
    uint16_t max_width, max_height;
    /* the frame in progress */
    bool active;            /* a timestamp is being gathered */
    bool started;           /* its offset-0 packet was taken */
    enum rtpjpeg_drop drop; /* NONE while it is still good */
    uint32_t ts;
    uint8_t type, q;
    uint16_t width, height, restart_interval;
    size_t hdr_len, scan_len;
    bool ff_pending;  /* the scan data so far ends with 0xFF */
    bool eoi_seen;    /* ... or with an EOI, which must be last */
    uint64_t last_ns; /* caller's time of its last packet */
    struct rtpjpeg_qcache_entry cache[RTPJPEG_QCACHE];
    unsigned cache_next;
    struct rtpjpeg_asm_stats st;
};

/**
 * rtpjpeg_asm_init - an assembler for frames of at most @max_frame_bytes
 * bytes of JPEG (headers, scan data and EOI; at least
 * JPEG_REBUILD_HEADER_MAX + 2) and at most @max_width x @max_height pixels.
 * Returns 0, -KE_INVAL or -KE_NOMEM.
 */
int rtpjpeg_asm_init(struct rtpjpeg_asm *a, size_t max_frame_bytes, uint16_t max_width,
                     uint16_t max_height);

/** rtpjpeg_asm_fini - free the frame buffer; idempotent. */
void rtpjpeg_asm_fini(struct rtpjpeg_asm *a);

/**
 * rtpjpeg_asm_push - take the next packet in sequence order: RTP
 * @timestamp and @marker, @lost_before packets lost right before it (from
 * the jitter buffer), its RTP payload [@payload, @payload + @len) (read
 * only, the caller's again on return), @now_ns the caller's time.
 * Returns 1 when it completed a frame (in *@out), 0 when it was taken,
 * -KE_INVAL or -KE_NOTSUP when the payload is malformed or of an unknown
 * type (its frame is then dropped as corrupt).
 */
int rtpjpeg_asm_push(struct rtpjpeg_asm *a, uint32_t timestamp, bool marker, uint64_t lost_before,
                     const uint8_t *payload, size_t len, uint64_t now_ns,
                     struct rtpjpeg_frame *out);

/**
 * rtpjpeg_asm_abort - drop the frame in progress, if any, counting it
 * (incomplete unless already condemned for another reason). For time-outs,
 * the end of a stream and sender restarts. Returns true if there was one.
 */
bool rtpjpeg_asm_abort(struct rtpjpeg_asm *a);

/** rtpjpeg_asm_busy - a frame is in progress; *@since_ns gets the time of its last packet. */
bool rtpjpeg_asm_busy(const struct rtpjpeg_asm *a, uint64_t *since_ns);

#endif
