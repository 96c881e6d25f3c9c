/*
 * apps/video-server/mjpeg_std.c — whether a DHT table is one of the standard
 * Huffman tables of ITU-T T.81 annex K.3.3 (kernel/lib/t81_huffman.h), which
 * RFC 2435 section 3.1 makes every receiver assume: a frame is carried only
 * if its DHT segments hold exactly these.
 */
#include "apps/video-server/mjpeg.h"
#include "kernel/klib.h"
#include "kernel/lib/t81_huffman.h"

bool mjpeg_huffman_is_standard(unsigned tc, unsigned th, const uint8_t bits[16],
                               const uint8_t *vals, size_t nvals)
{
    if (tc > 1 || th > 1)
        return false;
    const struct t81_huffman_table *t = &t81_std_huffman[tc << 1 | th];
    return nvals == t->nvals && !memcmp(bits, t->bits, 16) && !memcmp(vals, t->vals, nvals);
}
