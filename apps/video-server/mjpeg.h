/*
 * apps/video-server/mjpeg.h — the frames of an MJPEG file (baseline JPEG
 * images back to back, as ffmpeg's "-f mjpeg" muxer writes them) and the
 * checks that each frame is one RFC 2435 (RTP Payload Format for
 * JPEG-compressed Video) can carry.
 *
 * A frame is accepted when it is (ITU-T T.81 and RFC 2435 section 3.1):
 *  - SOI, table/misc segments, SOF0 (baseline sequential DCT, Huffman), one
 *    scan, EOI: SOF1-SOF15 (extended, progressive, lossless, hierarchical,
 *    arithmetic coding), DNL and a second scan are refused;
 *  - 8-bit samples, three components (Y, Cb, Cr; RFC 2435 types 0-1 and
 *    64-65 are YCbCr only, so grayscale is refused) with Y sampled 2x1
 *    (4:2:2, type 0) or 2x2 (4:2:0, type 1) and Cb, Cr 1x1;
 *  - 8-bit quantization tables (Pq = 0), Cb and Cr using the same one
 *    (RFC 2435 sends two in-band: Y's, then the chrominance one);
 *  - Huffman tables, when the frame has any DHT, equal to the standard ones
 *    of T.81 Annex K.3 (RFC 2435 section 3.1 never sends Huffman tables: the
 *    receiver rebuilds the standard ones), Y using DC/AC table 0 and Cb, Cr
 *    table 1. ffmpeg's mjpeg encoder writes optimal tables unless given
 *    "-huffman default"; such a frame is refused with a message that says so;
 *  - one interleaved scan of the three components, Ss 0, Se 63, Ah Al 0;
 *  - at most 2040x2040 pixels (RFC 2435 3.1.5, 3.1.6: 8-bit width/8 and
 *    height/8; other sizes are rounded up to a multiple of 8 as ffmpeg does)
 *    and at most 2^24 - 1 bytes of scan data (the 24-bit fragment offset);
 *  - a DRI with a non-zero interval makes the type 64 + (0 or 1) (RFC 2435
 *    3.1.7).
 *
 * The file's frame rate is carried by its name (mjpeg_rate_from_name).
 */
#ifndef SPINDLE_APPS_VIDEO_MJPEG_H
#define SPINDLE_APPS_VIDEO_MJPEG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** Distinct sets of quantization tables one index keeps (a file encoded at a
 *  fixed quality, like mkmedia's, has exactly one). */
#define MJPEG_MAX_QSETS 16u
/** Largest table segment (DQT, DHT, SOF, SOS, DRI) parsed, bytes. */
#define MJPEG_SEG_MAX 1024u
/** Bytes read from the device at a time while indexing. */
#define MJPEG_CHUNK 4096u
/** Largest frame dimension in pixels that RFC 2435's 8-bit width/8 can say. */
#define MJPEG_MAX_DIM 2040u
/** Largest scan that RFC 2435's 24-bit fragment offset can address, bytes. */
#define MJPEG_MAX_SCAN 0xffffffu
/** RFC 2435 3.1.7: types 64-127 carry a restart marker header. */
#define MJPEG_TYPE_RESTART 64u

/**
 * mjpeg_read_fn - read exactly @len bytes at byte offset @off of the device
 * into @buf; 0 or a negative -KE_* code. Same contract as ustar_read_fn.
 */
typedef int (*mjpeg_read_fn)(void *ctx, uint64_t off, void *buf, uint32_t len);

/**
 * Quantization tables of a frame as RFC 2435 sends them in-band (3.1.8, and
 * the two-table layout of its Appendix A that receivers rebuild): table[0]
 * the one the frame's Y component uses, table[1] the one its Cb and Cr use
 * (the same bytes twice when the frame uses one table for all, as ffmpeg's
 * encoder does; with "-force_duplicated_matrix 1" it writes that table twice
 * too, so these are the bytes ffmpeg's RTP muxer sends).
 */
struct mjpeg_qset {
    uint8_t count;        /* tables to send: 2 from mjpeg_*; 1 also packetises */
    uint8_t table[2][64]; /* 8-bit entries in zigzag order, as in the DQT */
};

/** One frame of an MJPEG file: where it is and what RFC 2435 says about it. */
struct mjpeg_frame {
    uint64_t offset;           /* of its SOI, bytes from the start of the file */
    uint32_t length;           /* bytes from SOI to EOI inclusive */
    uint32_t scan_off;         /* first entropy-coded byte, bytes from the SOI */
    uint32_t scan_len;         /* entropy-coded bytes, RST markers included, up
                               to (not including) the EOI and any fill
                               bytes 0xFF before it */
    uint16_t width;            /* pixels (SOF0 X) */
    uint16_t height;           /* pixels (SOF0 Y) */
    uint16_t restart_interval; /* MCUs between RST markers (DRI), 0 none */
    uint8_t type;              /* RFC 2435 type: 0, 1, 64 or 65 */
    uint8_t qset;              /* index into mjpeg_index.qsets */
};

/** The frame index of one file. */
struct mjpeg_index {
    struct mjpeg_frame *frames; /* caller's array */
    uint32_t cap;               /* its room */
    uint32_t count;             /* frames found */
    uint32_t nqsets;
    struct mjpeg_qset qsets[MJPEG_MAX_QSETS];
    uint64_t file_size; /* bytes */
};

/** Scratch space for indexing (read buffer and one segment); no state kept. */
struct mjpeg_scratch {
    uint8_t buf[MJPEG_CHUNK];
    uint8_t seg[MJPEG_SEG_MAX];
};

/**
 * mjpeg_index_build - scan the MJPEG file of @size bytes at byte @base of the
 * device read by @read(@ctx, ...), fill @ix with up to @cap frames of
 * @frames, and check every frame (the list at the top of this file).
 * The whole file must be frames back to back: anything between or after them
 * is refused. Returns 0; -KE_INVAL for a frame RFC 2435 cannot carry or a
 * damaged file (@err, @errlen bytes, names the frame by number and byte
 * offset and says why); -KE_TOOBIG beyond @cap frames or MJPEG_MAX_QSETS
 * table sets; or the read callback's error. On error @ix->count is 0.
 */
int mjpeg_index_build(struct mjpeg_index *ix, struct mjpeg_frame *frames, uint32_t cap,
                      mjpeg_read_fn read, void *ctx, uint64_t base, uint64_t size,
                      struct mjpeg_scratch *scratch, char *err, size_t errlen);

/**
 * mjpeg_parse_frame - check the one frame in memory at [@buf, @buf + @len)
 * (SOI to EOI, nothing after) and describe it in @f (offset 0, qset 0) with
 * its tables in @q. Returns 0 or -KE_INVAL with @err set, as above.
 */
int mjpeg_parse_frame(const uint8_t *buf, size_t len, struct mjpeg_frame *f, struct mjpeg_qset *q,
                      char *err, size_t errlen);

/** mjpeg_frame_qset - the quantization tables of frame @f of @ix. */
static inline const struct mjpeg_qset *mjpeg_frame_qset(const struct mjpeg_index *ix,
                                                        const struct mjpeg_frame *f)
{
    return &ix->qsets[f->qset];
}

/**
 * mjpeg_huffman_is_standard - true when the Huffman table of class @tc
 * (0 DC, 1 AC) and identifier @th (0 luminance, 1 chrominance) with code
 * counts @bits[16] (codes of length 1..16) and @nvals symbols @vals is the
 * one of ITU-T T.81 Annex K.3 (tables K.3-K.6, section K.3.3).
 */
bool mjpeg_huffman_is_standard(unsigned tc, unsigned th, const uint8_t bits[16],
                               const uint8_t *vals, size_t nvals);

/* ---- frame rate ------------------------------------------------------- */

/** A frame rate: @num / @den frames per second. */
struct mjpeg_rate {
    uint32_t num;
    uint32_t den;
};

/** Frame rate of a file whose name carries none. */
#define MJPEG_DEFAULT_FPS 30u
/** Highest frame rate a name may give, frames per second (the lowest is 1). */
#define MJPEG_MAX_FPS 240u

/**
 * mjpeg_is_video_name - true when @name ends in ".mjpeg" or ".mjpg": the
 * archive members the video server serves.
 */
bool mjpeg_is_video_name(const char *name);

/**
 * mjpeg_rate_from_name - the frame rate a file's name gives: "NAME@R.mjpeg"
 * with R a decimal number of frames per second (up to three decimals,
 * 1 <= R <= MJPEG_MAX_FPS), e.g. "clip@30.mjpeg" -> 30/1,
 * "dir/clip@29.97.mjpeg" -> 2997/100 (the '@' is looked for in the last path
 * component only). A name without '@' gets MJPEG_DEFAULT_FPS. Returns 0, or
 * -KE_INVAL when the part after '@' is not such a number followed by the
 * extension (or nothing).
 */
int mjpeg_rate_from_name(const char *name, struct mjpeg_rate *rate);

/**
 * mjpeg_frame_time_ns - when frame @n is due, ns after frame 0, at @rate
 * (exact: n * 1e9 * den / num, rounded down, without overflow for any n
 * below 2^32).
 */
uint64_t mjpeg_frame_time_ns(const struct mjpeg_rate *rate, uint64_t n);

/**
 * mjpeg_frame_rtp_ticks - frame @n's presentation time in ticks of the 90 kHz
 * RTP clock of RFC 2435 section 3 (n * 90000 * den / num, rounded down), to
 * add to the stream's random timestamp base modulo 2^32.
 */
uint64_t mjpeg_frame_rtp_ticks(const struct mjpeg_rate *rate, uint64_t n);

#endif
