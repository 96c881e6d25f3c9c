/*
 * apps/video-client/rtpjpeg.h — the RTP/JPEG payload headers (RFC 2435
 * section 3.1): the main JPEG header, the Restart Marker header (types
 * 64-127, section 3.1.7) and the Quantization Table header (Q 128-255 in
 * the packet at fragment offset 0, section 3.1.8), and the quantization
 * tables a frame decodes with (in-band, or derived from Q 1-99 as in
 * appendix A).
 *
 * Freestanding C11; no allocation.
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_RTPJPEG_H
#define SPINDLE_APPS_VIDEO_CLIENT_RTPJPEG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** Bytes of the main JPEG header (3.1). */
#define RTPJPEG_MAIN_LEN 8
/** Bytes of the Restart Marker header (3.1.7). */
#define RTPJPEG_RESTART_LEN 4
/** Bytes of the Quantization Table header before its data (3.1.8). */
#define RTPJPEG_QT_HDR_LEN 4
/** Largest fragment offset the 24-bit field can hold, + 1. */
#define RTPJPEG_OFFSET_LIMIT (1u << 24)

/** What rtpjpeg_parse() found in one payload. */
struct rtpjpeg_header {
    uint8_t type_specific;    /* 3.1.1: 0 progressive; 1..3 interlaced fields */
    uint32_t fragment_offset; /* 3.1.2: bytes into the frame's JPEG scan data */
    uint8_t type;             /* 3.1.3: 0, 1, 64 or 65 (the types this receiver knows) */
    uint8_t q;                /* 3.1.4: 1..99 derived tables, 128..255 in-band tables */
    uint16_t width, height;   /* 3.1.5, 3.1.6: pixels (the fields times 8) */
    /* Restart Marker header (type 64..127) */
    bool has_restart;
    uint16_t restart_interval;        /* MCUs between restart markers: the DRI value */
    bool restart_first, restart_last; /* F and L bits */
    uint16_t restart_count;           /* 14 bits */
    /* Quantization Table header (Q >= 128 at fragment offset 0) */
    bool has_qt;
    uint8_t qt_precision;   /* bit i set: table i has 16-bit entries */
    uint16_t qt_length;     /* bytes of table data; 0: none in this frame */
    const uint8_t *qt_data; /* into the payload */
    /* the JPEG scan data this packet carries */
    const uint8_t *data; /* into the payload */
    size_t data_len;
};

/**
 * rtpjpeg_parse - parse the RTP payload [@p, @p + @len) (read only, the
 * caller's; @out points into it) of an RTP/JPEG packet. Returns 0;
 * -KE_INVAL when a header is cut short, Q is 0 or reserved (100..127),
 * width or height is 0, the table data overruns the payload, Q is 255 with
 * table length 0 (3.1.8: MUST NOT), or offset + data length passes 2^24;
 * -KE_NOTSUP for a type other than 0, 1, 64, 65 (2..63 and 66..127 are
 * reserved, 128..255 dynamic, defined by no session protocol here).
 */
int rtpjpeg_parse(const uint8_t *p, size_t len, struct rtpjpeg_header *out);

/**
 * Quantization tables as a frame uses them: entries in zigzag order (the
 * order of a DQT segment, ITU-T T.81 B.2.4.1), table 0 for luminance and
 * table 1 for both chrominance components; with a single table (n = 1),
 * all three components use table 0 (what ffmpeg sends for its MJPEG).
 */
struct rtpjpeg_qtables {
    unsigned n;          /* 1 or 2 */
    bool precision16[2]; /* entries are 16-bit (T.81 Pq = 1) */
    uint16_t q[2][64];
};

/**
 * rtpjpeg_qtables_from_q - the tables for Q 1..99 (RFC 2435 appendix A):
 * the example tables of ITU-T T.81 annex K.1 (luminance) and K.2
 * (chrominance) scaled by S = 5000 / Q below 50 and 200 - 2Q from 50, each
 * entry (entry x S + 50) / 100 clamped to 1..255. Q outside 1..99 is
 * clamped into it.
 */
void rtpjpeg_qtables_from_q(unsigned q, struct rtpjpeg_qtables *out);

/**
 * rtpjpeg_qtables_from_header - the tables carried in a Quantization Table
 * header's data (@h->has_qt, @h->qt_length > 0): 64 bytes per 8-bit
 * table, 128 per 16-bit table (big-endian entries), table i's width from
 * precision bit i (3.1.8). One or two tables are used; the data must hold
 * whole tables and at most four (T.81 allows four destinations). Returns 0
 * or -KE_INVAL (a table cut short, no table, an entry of 0).
 */
int rtpjpeg_qtables_from_header(const struct rtpjpeg_header *h, struct rtpjpeg_qtables *out);

/** The natural (row-major) index of zigzag position k, 0..63 (ITU-T T.81 figure A.6). */
extern const uint8_t rtpjpeg_zigzag[64];

#endif
