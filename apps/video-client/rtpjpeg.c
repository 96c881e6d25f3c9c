/*
 * apps/video-client/rtpjpeg.c — RTP/JPEG payload headers and quantization
 * tables (RFC 2435 section 3.1 and appendix A; rtpjpeg.h).
 */
#include "apps/video-client/rtpjpeg.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

const uint8_t rtpjpeg_zigzag[64] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

/* ITU-T T.81 table K.1, luminance, natural (row-major) order. */
static const uint8_t k1_luminance[64] = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
};

/* ITU-T T.81 table K.2, chrominance, natural order. */
static const uint8_t k2_chrominance[64] = {
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99,
    99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
};

int rtpjpeg_parse(const uint8_t *p, size_t len, struct rtpjpeg_header *out)
{
    memset(out, 0, sizeof *out);
    if (len < RTPJPEG_MAIN_LEN)
        return -KE_INVAL;
    out->type_specific = p[0];
    out->fragment_offset = ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    out->type = p[4];
    out->q = p[5];
    out->width = (uint16_t)(p[6] * 8u);
    out->height = (uint16_t)(p[7] * 8u);
    size_t off = RTPJPEG_MAIN_LEN;

    if (out->q == 0 || (out->q >= 100 && out->q < 128))
        return -KE_INVAL; /* 3.1.4: 0 and 100..127 reserved */
    if (out->width == 0 || out->height == 0)
        return -KE_INVAL;
    if (out->type >= 64 && out->type < 128) {
        if (len - off < RTPJPEG_RESTART_LEN)
            return -KE_INVAL;
        out->has_restart = true;
        out->restart_interval = load_be16(p + off);
        out->restart_first = (p[off + 2] & 0x80) != 0;
        out->restart_last = (p[off + 2] & 0x40) != 0;
        out->restart_count = (uint16_t)(load_be16(p + off + 2) & 0x3fff);
        off += RTPJPEG_RESTART_LEN;
    }
    if ((out->type & 0x3f) > 1 || out->type >= 128)
        return -KE_NOTSUP; /* 3.1.3: only types 0 and 1 are defined */
    if (out->q >= 128 && out->fragment_offset == 0) {
        if (len - off < RTPJPEG_QT_HDR_LEN)
            return -KE_INVAL;
        out->has_qt = true; /* p[off] is MBZ: ignored, as receivers should */
        out->qt_precision = p[off + 1];
        out->qt_length = load_be16(p + off + 2);
        off += RTPJPEG_QT_HDR_LEN;
        if (out->qt_length > len - off)
            return -KE_INVAL;
        if (out->q == 255 && out->qt_length == 0)
            return -KE_INVAL; /* 3.1.8: MUST NOT */
        out->qt_data = p + off;
        off += out->qt_length;
    }
    out->data = p + off;
    out->data_len = len - off;
    if (out->data_len > RTPJPEG_OFFSET_LIMIT - out->fragment_offset)
        return -KE_INVAL;
    return 0;
}

void rtpjpeg_qtables_from_q(unsigned q, struct rtpjpeg_qtables *out)
{
    unsigned factor = q < 1 ? 1 : q > 99 ? 99 : q;
    unsigned scale = factor < 50 ? 5000 / factor : 200 - factor * 2;
    out->n = 2;
    out->precision16[0] = out->precision16[1] = false;
    for (unsigned k = 0; k < 64; k++) {
        unsigned lq = (k1_luminance[rtpjpeg_zigzag[k]] * scale + 50) / 100;
        unsigned cq = (k2_chrominance[rtpjpeg_zigzag[k]] * scale + 50) / 100;
        out->q[0][k] = (uint16_t)(lq < 1 ? 1 : lq > 255 ? 255 : lq);
        out->q[1][k] = (uint16_t)(cq < 1 ? 1 : cq > 255 ? 255 : cq);
    }
}

int rtpjpeg_qtables_from_header(const struct rtpjpeg_header *h, struct rtpjpeg_qtables *out)
{
    memset(out, 0, sizeof *out);
    if (!h->has_qt || h->qt_length == 0)
        return -KE_INVAL;
    const uint8_t *d = h->qt_data;
    size_t left = h->qt_length;
    unsigned i = 0;
    while (left > 0) {
        if (i == 4)
            return -KE_INVAL; /* more than T.81's four tables */
        bool wide = (h->qt_precision >> i) & 1;
        size_t size = wide ? 128 : 64;
        if (left < size)
            return -KE_INVAL;
        if (i < 2) {
            out->precision16[i] = wide;
            for (unsigned k = 0; k < 64; k++) {
                uint16_t v = wide ? load_be16(d + 2 * k) : d[k];
                if (v == 0)
                    return -KE_INVAL; /* T.81 B.2.4.1: Qk is 1..255 (1..65535) */
                out->q[i][k] = v;
            }
        }
        d += size;
        left -= size;
        i++;
    }
    out->n = i < 2 ? i : 2;
    return 0;
}
