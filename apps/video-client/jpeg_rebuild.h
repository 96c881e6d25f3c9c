/*
 * apps/video-client/jpeg_rebuild.h — the JPEG interchange-format headers an
 * RTP/JPEG receiver puts in front of a frame's scan data (RFC 2435 section
 * 3.1 and appendix B): SOI, DQT, DRI (restart types only), SOF0 (SOF1 when a
 * table has 16-bit entries), DHT with the example Huffman tables of ITU-T
 * T.81 annex K.3 (RFC 2435 section 3.1.9: the only ones the format allows),
 * and SOS; the caller appends the scan data and EOI.
 *
 * Frame layout (RFC 2435 section 4.1): three components, ids 0 (Y), 1 (Cb),
 * 2 (Cr); chrominance 1x1; luminance 2x1 for types 0 and 64 (4:2:2) and 2x2
 * for types 1 and 65 (4:2:0); one interleaved scan, spectral selection 0-63.
 *
 * Freestanding C11; no allocation.
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_JPEG_REBUILD_H
#define SPINDLE_APPS_VIDEO_CLIENT_JPEG_REBUILD_H

#include <stddef.h>
#include <stdint.h>
#include "apps/video-client/rtpjpeg.h"

/** Bytes jpeg_rebuild_header() writes at most (two 16-bit tables and DRI: 727). */
#define JPEG_REBUILD_HEADER_MAX 768u

/** JPEG markers written or looked for (ITU-T T.81 table B.1). */
#define JPEG_SOI 0xd8
#define JPEG_EOI 0xd9
#define JPEG_SOF0 0xc0
#define JPEG_SOF1 0xc1
#define JPEG_DHT 0xc4
#define JPEG_DQT 0xdb
#define JPEG_DRI 0xdd
#define JPEG_SOS 0xda

/** What the headers describe. */
struct jpeg_rebuild_params {
    uint8_t type;              /* RFC 2435 type: 0, 1, 64 or 65 */
    uint16_t width, height;    /* pixels, 1..65535 */
    uint16_t restart_interval; /* MCUs; 0: no DRI segment */
    const struct rtpjpeg_qtables *qt;
};

/**
 * jpeg_rebuild_header - write the headers for @p into [@out, @out + @cap).
 * Returns the bytes written, -KE_INVAL for a type other than 0/1/64/65, a
 * zero size or a table count other than 1 or 2, or -KE_TOOBIG when @cap is
 * too small (nothing useful is then in @out).
 */
int jpeg_rebuild_header(const struct jpeg_rebuild_params *p, uint8_t *out, size_t cap);

#endif
