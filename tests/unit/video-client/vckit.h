/*
 * tests/unit/video-client/vckit.h — what the video client tests share: the
 * RTP datagrams of a capture (libpcap), the JPEGs of an MJPEG clip, JPEG
 * encoding and decoding with libjpeg-turbo, an RFC 2435 packetizer for
 * frames the tests make themselves, RTP header building, and picture
 * comparison. Hosted test code.
 */
#ifndef SPINDLE_TESTS_VCKIT_H
#define SPINDLE_TESTS_VCKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apps/video-client/vimage.h"

/** The source folder of the traces: TESTKIT_TRACES (tests/unit/meson.build unit_traces_args). */
#ifndef TESTKIT_TRACES
#error "TESTKIT_TRACES must name tests/traces"
#endif

/** One datagram: UDP payload and its capture time. */
struct vckit_dgram {
    uint64_t ts_ns;
    size_t len;
    uint8_t *data;
};

/** The datagrams of a capture to one UDP port, in capture order. */
struct vckit_capture {
    struct vckit_dgram *d;
    size_t n;
};

/** vckit_read_capture - UDP payloads to @dport in pcap @path (aborts the test on error). */
void vckit_read_capture(const char *path, uint16_t dport, struct vckit_capture *out);
void vckit_free_capture(struct vckit_capture *c);

/** The JPEG files of an MJPEG clip (concatenated JPEGs). */
struct vckit_clip {
    uint8_t *buf;
    size_t nframes;
    const uint8_t *frame[64];
    size_t len[64];
};

/** vckit_read_clip - split the MJPEG file @path at SOI/EOI (T.81 B.2.1). */
void vckit_read_clip(const char *path, struct vckit_clip *out);
void vckit_free_clip(struct vckit_clip *c);

/** A decoded picture in malloc'd memory, tightly packed. */
struct vckit_pic {
    struct vimage img;
    uint8_t *mem;
    size_t len;
};

/** vckit_pic_alloc - a @format picture buffer of @w x @h; free with vckit_pic_free. */
void vckit_pic_alloc(struct vckit_pic *p, enum vimage_format format, uint32_t w, uint32_t h);
void vckit_pic_free(struct vckit_pic *p);

/** vckit_turbo_decode - decode @jpeg with libjpeg-turbo into a new picture; false if it fails. */
bool vckit_turbo_decode(const uint8_t *jpeg, size_t len, enum vimage_format format,
                        struct vckit_pic *out);

/** Options of vckit_encode (libjpeg's compressor). */
struct vckit_enc {
    uint32_t width, height;    /* multiples of 16 */
    bool yuv422;               /* else 4:2:0 */
    int quality;               /* jpeg_set_quality, baseline */
    unsigned restart_interval; /* MCUs, 0: none */
    uint32_t seed;             /* picture content */
};

/** vckit_encode - a JPEG with the standard Huffman tables; malloc'd, *@len bytes. */
uint8_t *vckit_encode(const struct vckit_enc *e, size_t *len);

/** Scan data of a JPEG: the bytes after the SOS segment up to (not with) EOI. */
bool vckit_scan_data(const uint8_t *jpeg, size_t len, const uint8_t **scan, size_t *scan_len);

/** vckit_dqt - the 8-bit table with destination @tq from the JPEG's DQT segments (zigzag). */
bool vckit_dqt(const uint8_t *jpeg, size_t len, unsigned tq, uint8_t table[64]);

/** RTP/JPEG packetizing options for vckit_packetize. */
struct vckit_pkt {
    uint8_t type, q;
    uint16_t restart_interval; /* types 64/65 */
    bool send_tables;          /* Q >= 128: tables in the first packet */
    const uint8_t *tables;     /* 128 bytes: luminance then chrominance, zigzag */
    size_t mtu;                /* largest RTP payload */
    uint16_t seq;
    uint32_t ts, ssrc;
};

/** Up to 64 RTP datagrams of one frame (malloc'd). */
struct vckit_packets {
    size_t n;
    uint8_t *data[64];
    size_t len[64];
};

/** vckit_packetize - cut the scan data of @jpeg into RTP/JPEG datagrams (RFC 2435). */
void vckit_packetize(const uint8_t *jpeg, size_t len, uint16_t width, uint16_t height,
                     const struct vckit_pkt *o, struct vckit_packets *out);
void vckit_free_packets(struct vckit_packets *p);

/** vckit_rtp_header - write a 12-byte RTP header (RFC 3550 5.1) at @p. */
void vckit_rtp_header(uint8_t *p, bool marker, uint8_t pt, uint16_t seq, uint32_t ts,
                      uint32_t ssrc);

/** Largest absolute sample difference of two pictures of one format and size (XRGB's X ignored). */
unsigned vckit_max_diff(const struct vimage *a, const struct vimage *b);
/** PSNR in dB of two RGB24 pictures (100 when identical). */
double vckit_psnr_rgb(const struct vimage *a, const struct vimage *b);
/** vckit_equal - the pictures hold the same samples. */
bool vckit_equal(const struct vimage *a, const struct vimage *b);

#endif
