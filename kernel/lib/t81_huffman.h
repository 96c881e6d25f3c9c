/*
 * kernel/lib/t81_huffman.h — the standard Huffman tables of ITU-T T.81
 * annex K.3.3 (tables K.3 to K.6), which RFC 2435 section 3.1 makes every
 * RTP/JPEG receiver assume: the video server carries a frame only when its
 * DHT segments hold exactly these, and the video client writes them into
 * the JPEG headers it rebuilds. Data only, freestanding.
 */
#ifndef SPINDLE_KERNEL_LIB_T81_HUFFMAN_H
#define SPINDLE_KERNEL_LIB_T81_HUFFMAN_H

#include <stdint.h>

/** One Huffman table as a DHT segment carries it (T.81 B.2.4.2). */
struct t81_huffman_table {
    uint8_t tc_th;    /* table class (0 DC, 1 AC) << 4 | destination (0 luminance, 1 chrominance) */
    uint8_t bits[16]; /* BITS: the number of codes of each length 1..16 */
    const uint8_t *vals; /* HUFFVAL: the symbols in order of increasing code length */
    unsigned nvals;      /* bytes at vals: 12 (DC) or 162 (AC) */
};

/** T81_DC_LUM .. T81_AC_CHR - the tables' indexes in t81_std_huffman, in the order DHT carries them. */
enum { T81_DC_LUM, T81_DC_CHR, T81_AC_LUM, T81_AC_CHR, T81_NTABLES };

/** The four tables: K.3 (DC luminance), K.4 (DC chrominance), K.5 and K.6 (AC). */
extern const struct t81_huffman_table t81_std_huffman[T81_NTABLES];

#endif
