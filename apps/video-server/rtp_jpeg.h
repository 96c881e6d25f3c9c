/*
 * apps/video-server/rtp_jpeg.h — the RTP payload format for JPEG video
 * (RFC 2435): a frame's entropy-coded scan data cut into packets of at most
 * a given RTP payload, each led by the RTP header (RFC 3550 5.1), the main
 * JPEG header (RFC 2435 3.1), the restart marker header for types 64-127
 * (3.1.7) and, in the packet at fragment offset 0, the quantization table
 * header and tables (3.1.8) — Q is 255 (tables in-band, free to change every
 * frame), as ffmpeg's RTP muxer sends. The marker bit is set on a frame's last
 * packet (3.2.1: "the end of the frame"); the timestamp is the frame's
 * presentation time on the 90 kHz clock.
 *
 * The packetiser works on headers only, so that scan bytes never have to be
 * copied by it: rtp_jpeg_plan() says which scan bytes a packet carries and
 * how many header bytes go in front of them; rtp_jpeg_write_headers() writes
 * those headers. A kernel fills a packet buffer's payload with the scan bytes
 * (by DMA from the disk, say) and writes the headers into its headroom.
 * rtp_jpeg_send_frame() does both into one flat buffer for a hosted sender.
 *
 * Packet sizes match ffmpeg's (libavformat rtpenc_jpeg.c): with a maximum
 * RTP payload P (ffmpeg: 1460, for 1472-byte UDP payloads, 1500-byte IPv4
 * MTU), each packet carries min(rest, P - headers) scan bytes.
 */
#ifndef SPINDLE_APPS_VIDEO_RTP_JPEG_H
#define SPINDLE_APPS_VIDEO_RTP_JPEG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "apps/video-server/mjpeg.h"
#include "apps/video-server/rtp.h"

/** Bytes of the main JPEG header (RFC 2435 3.1). */
#define RTP_JPEG_MAIN_LEN 8u
/** Bytes of the restart marker header (RFC 2435 3.1.7). */
#define RTP_JPEG_RESTART_LEN 4u
/** Bytes of the quantization table header, tables excluded (RFC 2435 3.1.8). */
#define RTP_JPEG_QT_LEN 4u
/** Q value meaning "tables in-band, may change every frame" (RFC 2435 3.1.4). */
#define RTP_JPEG_Q_DYNAMIC 255u
/** Restart Count for "intervals not aligned with packets" (RFC 2435 3.1.7). */
#define RTP_JPEG_RESTART_COUNT_ANY 0x3fffu
/** Default maximum RTP payload: ffmpeg's 1472-byte UDP payload less the RTP header. */
#define RTP_JPEG_DEFAULT_PAYLOAD 1460u
/** Smallest maximum RTP payload accepted: the largest first-packet header set
 *  (8 + 4 + 4 + 128 bytes) and some scan bytes. */
#define RTP_JPEG_MIN_PAYLOAD 256u
/** Largest header run before the scan bytes of a packet: RTP, main, restart,
 *  quantization table header and two tables. */
#define RTP_JPEG_MAX_HDR \
    (RTP_HEADER_LEN + RTP_JPEG_MAIN_LEN + RTP_JPEG_RESTART_LEN + RTP_JPEG_QT_LEN + 128u)

/** What the packetiser needs of one frame. */
struct rtp_jpeg_frame {
    uint32_t ticks;                   /* presentation time, 90 kHz ticks from stream start */
    uint32_t scan_len;                /* entropy-coded bytes (at most MJPEG_MAX_SCAN) */
    uint16_t width;                   /* pixels (at most MJPEG_MAX_DIM) */
    uint16_t height;                  /* pixels */
    uint16_t restart_interval;        /* MCUs, for types 64-127 */
    uint8_t type;                     /* RFC 2435 type: 0, 1, 64, 65 */
    const struct mjpeg_qset *qtables; /* sent in-band at offset 0 */
};

/**
 * rtp_jpeg_frame_init - describe frame @f (tables @q, as mjpeg_index_build
 * found them) due at @ticks for the packetiser.
 */
void rtp_jpeg_frame_init(struct rtp_jpeg_frame *rf, const struct mjpeg_frame *f,
                         const struct mjpeg_qset *q, uint32_t ticks);

/** One packet of a frame. */
struct rtp_jpeg_pkt {
    uint32_t off;     /* fragment offset: its first scan byte, from the scan start */
    uint32_t len;     /* scan bytes it carries, >= 1 */
    uint16_t hdr_len; /* header bytes in front of them: RTP + RFC 2435 headers */
    bool last;        /* the frame's last packet (RTP marker bit) */
};

/**
 * rtp_jpeg_plan - the packet of frame @f that starts at scan offset @off when
 * at most @max_payload bytes follow the RTP header. Returns 1 with @pkt
 * filled, 0 when @off is at or past the end of the scan (the frame is done),
 * or -KE_INVAL when @max_payload < RTP_JPEG_MIN_PAYLOAD. Iterate with
 * off = 0, then off += pkt.len.
 */
int rtp_jpeg_plan(const struct rtp_jpeg_frame *f, uint32_t max_payload, uint32_t off,
                  struct rtp_jpeg_pkt *pkt);

/** rtp_jpeg_packets - how many packets frame @f takes (0 if @max_payload is too small). */
uint32_t rtp_jpeg_packets(const struct rtp_jpeg_frame *f, uint32_t max_payload);

/**
 * rtp_jpeg_write_headers - write @pkt's pkt->hdr_len header bytes at @dst:
 * RTP (sender @tx: next sequence number, timestamp ts_base + f->ticks, marker
 * = pkt->last; counted as sent with pkt->hdr_len - 12 + pkt->len payload
 * octets), main JPEG header (type-specific 0, fragment offset, type, Q 255,
 * width/8 and height/8 rounded up), restart marker header for types 64-127
 * (interval, F = L = 1, count 0x3FFF: receivers reassemble whole frames) and,
 * at offset 0, the quantization table header (MBZ 0, precision 0: 8-bit,
 * length 64 per table) with the tables. The scan bytes
 * [pkt->off, pkt->off + pkt->len) go right after. Returns pkt->hdr_len.
 */
size_t rtp_jpeg_write_headers(struct rtp_sender *tx, const struct rtp_jpeg_frame *f,
                              const struct rtp_jpeg_pkt *pkt, uint8_t *dst);

/**
 * rtp_jpeg_emit_fn - called with each packet (RTP header first, @len bytes)
 * of a frame; returns 0 or a negative -KE_* code that stops the frame.
 */
typedef int (*rtp_jpeg_emit_fn)(void *ctx, const uint8_t *pkt, size_t len, bool last);

/**
 * rtp_jpeg_send_frame - packetise frame @f whose scan bytes are @scan (f->
 * scan_len of them): each packet is assembled in @buf (@cap bytes, at least
 * RTP_HEADER_LEN + @max_payload) and handed to @emit. Returns the number of
 * packets, -KE_INVAL for a bad @max_payload or too small @buf, or @emit's error.
 */
int rtp_jpeg_send_frame(struct rtp_sender *tx, const struct rtp_jpeg_frame *f, const uint8_t *scan,
                        uint32_t max_payload, uint8_t *buf, size_t cap, rtp_jpeg_emit_fn emit,
                        void *ctx);

#endif
