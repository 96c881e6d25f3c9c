/*
 * apps/video-server/mjpeg.c — frame index and RFC 2435 checks of MJPEG
 * files (mjpeg.h). Marker syntax: ITU-T T.81 Annex B (B.1.1.2 markers and
 * fill bytes, B.1.1.5 byte stuffing in entropy-coded data, B.2.2 frame
 * header, B.2.3 scan header, B.2.4 table segments); what RFC 2435 can carry:
 * RFC 2435 section 3.1 and 4.1.
 */
#include "apps/video-server/mjpeg.h"
#include "kernel/klib.h"
#include "kernel/kerr.h"

/* T.81 Table B.1: marker codes used below (the byte after 0xFF). */
enum {
    M_SOF0 = 0xc0,
    M_DHT = 0xc4,
    M_JPG = 0xc8,
    M_DAC = 0xcc,
    M_RST0 = 0xd0,
    M_RST7 = 0xd7,
    M_SOI = 0xd8,
    M_EOI = 0xd9,
    M_SOS = 0xda,
    M_DQT = 0xdb,
    M_DNL = 0xdc,
    M_DRI = 0xdd,
    M_DHP = 0xde,
    M_EXP = 0xdf,
    M_APP0 = 0xe0,
    M_APP15 = 0xef,
    M_COM = 0xfe,
    M_TEM = 0x01
};

/* Bytes of the file, through a window that is either the whole file in
 * memory or a scratch buffer refilled by the read callback. */
struct src {
    mjpeg_read_fn read;
    void *ctx;
    uint64_t base;      /* file start on the device */
    uint64_t size;      /* file bytes */
    const uint8_t *buf; /* window */
    uint8_t *wbuf;      /* scratch window to refill, NULL in memory mode */
    uint32_t cap;       /* scratch size */
    uint64_t win;       /* file offset of buf[0] */
    uint64_t len;       /* valid bytes in the window */
    uint64_t pos;       /* file offset of the next byte */
    int rc;             /* the read callback's error, 0 */
};

enum { SRC_EOF = -1, SRC_ERR = -2 };

static int refill(struct src *s)
{
    if (s->pos >= s->size || !s->wbuf)
        return SRC_EOF;
    uint64_t n = s->size - s->pos;
    if (n > s->cap)
        n = s->cap;
    int rc = s->read(s->ctx, s->base + s->pos, s->wbuf, (uint32_t)n);
    if (rc < 0) {
        s->rc = rc;
        return SRC_ERR;
    }
    s->win = s->pos;
    s->len = n;
    return s->buf[s->pos++ - s->win];
}

/* The next byte, SRC_EOF or SRC_ERR. */
static inline int get(struct src *s)
{
    if (s->pos >= s->win && s->pos - s->win < s->len)
        return s->buf[s->pos++ - s->win];
    return refill(s);
}

/* Per-frame parsing state. */
struct frame {
    uint32_t no;    /* frame number in the file, from 0 */
    uint64_t start; /* file offset of its SOI */
    bool sof;
    uint16_t width, height;
    uint8_t ncomp;
    uint8_t comp_id[3], comp_hv[3], comp_tq[3];
    uint8_t qt_defined; /* bit t: table t defined */
    uint8_t qt[4][64];
    uint16_t dri;
    char *err;
    size_t errlen;
    struct src *s;
};

__attribute__((format(printf, 3, 4))) static int refuse(struct frame *fr, int code, const char *fmt,
                                                        ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (fr->err && fr->errlen)
        ksnprintf(fr->err, fr->errlen, "frame %u (at byte %llu of the file): %s", fr->no,
                  (unsigned long long)fr->start, why);
    return code;
}

/* A refusal for a failed or short read at the current position. */
static int refuse_read(struct frame *fr, int got)
{
    if (got == SRC_ERR)
        return refuse(fr, fr->s->rc, "reading byte %llu failed: %s", (unsigned long long)fr->s->pos,
                      kerr_str(fr->s->rc));
    return refuse(fr, -KE_INVAL, "the file ends inside the frame, at byte %llu: truncated",
                  (unsigned long long)fr->s->size);
}

static int get_bytes(struct frame *fr, uint8_t *dst, size_t n)
{
    memset(dst, 0, n); /* defined even when a read fails half way */
    for (size_t i = 0; i < n; i++) {
        int c = get(fr->s);
        if (c < 0)
            return refuse_read(fr, c);
        dst[i] = (uint8_t)c;
    }
    return 0;
}

static int skip(struct frame *fr, uint64_t n)
{
    if (n > fr->s->size - fr->s->pos)
        return refuse_read(fr, SRC_EOF);
    fr->s->pos += n;
    return 0;
}

static const char *sof_name(int m)
{
    switch (m) {
    case 0xc1: return "extended sequential DCT (SOF1)";
    case 0xc2: return "progressive DCT (SOF2)";
    case 0xc3: return "lossless (SOF3)";
    case 0xc5: return "differential sequential DCT (SOF5)";
    case 0xc6: return "differential progressive DCT (SOF6)";
    case 0xc7: return "differential lossless (SOF7)";
    case 0xc9: return "extended sequential DCT, arithmetic coding (SOF9)";
    case 0xca: return "progressive DCT, arithmetic coding (SOF10)";
    case 0xcb: return "lossless, arithmetic coding (SOF11)";
    case 0xcd: return "differential sequential, arithmetic coding (SOF13)";
    case 0xce: return "differential progressive, arithmetic coding (SOF14)";
    default: return "differential lossless, arithmetic coding (SOF15)";
    }
}

/* B.2.4.1: DQT. */
static int parse_dqt(struct frame *fr, const uint8_t *p, size_t n)
{
    while (n) {
        unsigned pq = p[0] >> 4, tq = p[0] & 15;
        if (pq != 0)
            return refuse(fr, -KE_INVAL,
                          "quantization table %u has %s precision: only "
                          "8-bit tables are carried",
                          tq, pq == 1 ? "16-bit" : "invalid");
        if (tq > 3 || n < 65)
            return refuse(fr, -KE_INVAL, "malformed DQT segment (table %u, %zu bytes left)", tq,
                          n - 1);
        memcpy(fr->qt[tq], p + 1, 64);
        fr->qt_defined |= (uint8_t)(1u << tq);
        p += 65;
        n -= 65;
    }
    return 0;
}

/* B.2.4.2: DHT; every table must be a standard one (RFC 2435 section 3.1). */
static int parse_dht(struct frame *fr, const uint8_t *p, size_t n)
{
    static const char *const cls[2] = { "DC", "AC" };
    while (n) {
        if (n < 17)
            return refuse(fr, -KE_INVAL, "malformed DHT segment (%zu bytes left)", n);
        unsigned tc = p[0] >> 4, th = p[0] & 15;
        size_t nvals = 0;
        for (unsigned i = 1; i <= 16; i++)
            nvals += p[i];
        if (tc > 1 || th > 1)
            return refuse(fr, -KE_INVAL,
                          "Huffman table class %u id %u: baseline allows "
                          "DC/AC tables 0 and 1 only",
                          tc, th);
        if (nvals > 256 || n < 17 + nvals)
            return refuse(fr, -KE_INVAL,
                          "malformed DHT segment (%s table %u: %zu symbols, "
                          "%zu bytes left)",
                          cls[tc], th, nvals, n - 17);
        if (!mjpeg_huffman_is_standard(tc, th, p + 1, p + 17, nvals))
            return refuse(fr, -KE_INVAL,
                          "Huffman table %s %u is not the standard table of "
                          "ITU-T T.81 Annex K.3; RFC 2435 carries only those (optimal "
                          "tables? encode with ffmpeg -huffman default, as mkmedia does)",
                          cls[tc], th);
        p += 17 + nvals;
        n -= 17 + nvals;
    }
    return 0;
}

/* B.2.2: the frame header of SOF0. */
static int parse_sof0(struct frame *fr, const uint8_t *p, size_t n)
{
    if (fr->sof)
        return refuse(fr, -KE_INVAL, "a second frame header (SOF0)");
    if (n < 6 || n != 6u + 3u * p[5])
        return refuse(fr, -KE_INVAL, "malformed SOF0 segment (%zu bytes)", n);
    unsigned prec = p[0], nf = p[5];
    fr->height = load_be16(p + 1);
    fr->width = load_be16(p + 3);
    if (prec != 8)
        return refuse(fr, -KE_INVAL, "%u-bit samples: baseline JPEG has 8", prec);
    if (fr->height == 0)
        return refuse(fr, -KE_INVAL, "height 0 (set later by a DNL marker) is not supported");
    if (fr->width == 0)
        return refuse(fr, -KE_INVAL, "width 0");
    if (fr->width > MJPEG_MAX_DIM || fr->height > MJPEG_MAX_DIM)
        return refuse(fr, -KE_INVAL, "%ux%u pixels: RFC 2435 carries at most %ux%u", fr->width,
                      fr->height, MJPEG_MAX_DIM, MJPEG_MAX_DIM);
    if (nf == 1)
        return refuse(fr, -KE_INVAL,
                      "one component (grayscale): RFC 2435 types 0 and 1 "
                      "carry Y, Cb and Cr");
    if (nf != 3)
        return refuse(fr, -KE_INVAL, "%u components: RFC 2435 carries 3 (Y, Cb, Cr)", nf);
    for (unsigned i = 0; i < 3; i++) {
        fr->comp_id[i] = p[6 + 3 * i];
        fr->comp_hv[i] = p[7 + 3 * i];
        fr->comp_tq[i] = p[8 + 3 * i];
        for (unsigned j = 0; j < i; j++)
            if (fr->comp_id[j] == fr->comp_id[i])
                return refuse(fr, -KE_INVAL, "two components with identifier %u", fr->comp_id[i]);
    }
    if ((fr->comp_hv[0] != 0x21 && fr->comp_hv[0] != 0x22) || fr->comp_hv[1] != 0x11 ||
        fr->comp_hv[2] != 0x11)
        return refuse(fr, -KE_INVAL,
                      "sampling factors Y %ux%u, Cb %ux%u, Cr %ux%u: RFC 2435 "
                      "carries 4:2:2 (Y 2x1) and 4:2:0 (Y 2x2) with Cb, Cr 1x1",
                      fr->comp_hv[0] >> 4, fr->comp_hv[0] & 15, fr->comp_hv[1] >> 4,
                      fr->comp_hv[1] & 15, fr->comp_hv[2] >> 4, fr->comp_hv[2] & 15);
    if (fr->comp_tq[0] > 3 || fr->comp_tq[1] != fr->comp_tq[2] || fr->comp_tq[1] > 3)
        return refuse(fr, -KE_INVAL,
                      "quantization tables Y %u, Cb %u, Cr %u: RFC 2435 "
                      "sends one table for Y and one for both Cb and Cr",
                      fr->comp_tq[0], fr->comp_tq[1], fr->comp_tq[2]);
    fr->ncomp = 3;
    fr->sof = true;
    return 0;
}

/* B.2.3: the scan header; one interleaved scan, standard table selectors. */
static int parse_sos(struct frame *fr, const uint8_t *p, size_t n)
{
    if (!fr->sof)
        return refuse(fr, -KE_INVAL, "scan (SOS) before the frame header (SOF0)");
    if (n < 1 || n != 4u + 2u * p[0])
        return refuse(fr, -KE_INVAL, "malformed SOS segment (%zu bytes)", n);
    if (p[0] != 3)
        return refuse(fr, -KE_INVAL,
                      "a scan of %u components: RFC 2435 carries one "
                      "interleaved scan of all 3",
                      p[0]);
    for (unsigned i = 0; i < 3; i++) {
        uint8_t cs = p[1 + 2 * i], tdta = p[2 + 2 * i];
        if (cs != fr->comp_id[i])
            return refuse(fr, -KE_INVAL, "scan component %u is %u, the frame header's is %u", i, cs,
                          fr->comp_id[i]);
        uint8_t want = i == 0 ? 0x00 : 0x11;
        if (tdta != want)
            return refuse(fr, -KE_INVAL,
                          "component %u uses Huffman tables DC %u AC %u: "
                          "RFC 2435 receivers use DC/AC %u",
                          i, tdta >> 4, tdta & 15, want & 15);
    }
    const uint8_t *t = p + 7;
    if (t[0] != 0 || t[1] != 63 || t[2] != 0)
        return refuse(fr, -KE_INVAL,
                      "scan Ss %u Se %u Ah/Al 0x%02x: not a sequential "
                      "(baseline) scan",
                      t[0], t[1], t[2]);
    for (unsigned i = 0; i < 2; i++)
        if (!(fr->qt_defined & (1u << fr->comp_tq[i])))
            return refuse(fr, -KE_INVAL, "quantization table %u used but never defined (DQT)",
                          fr->comp_tq[i]);
    return 0;
}

/*
 * The entropy-coded data after SOS (T.81 B.1.1.5): 0xFF is followed by 0x00
 * (stuffing) or RSTn inside it; any other marker ends it. Sets *scan_end to
 * the offset of that marker's first 0xFF and returns its code, or a refusal.
 */
static int scan_data(struct frame *fr, uint64_t *scan_end)
{
    struct src *s = fr->s;
    for (;;) {
        int c = get(s);
        if (c < 0)
            return refuse_read(fr, c);
        if (c != 0xff)
            continue;
        uint64_t at = s->pos - 1;
        do
            c = get(s);
        while (c == 0xff);
        if (c < 0)
            return refuse_read(fr, c);
        if (c == 0x00)
            continue;
        if (c >= M_RST0 && c <= M_RST7) {
            if (!fr->dri)
                return refuse(fr, -KE_INVAL,
                              "restart marker RST%u in the scan without a "
                              "restart interval (DRI)",
                              (unsigned)(c - M_RST0));
            continue;
        }
        *scan_end = at;
        return c;
    }
}

/* The next marker code: 0xFF, fill bytes 0xFF, then the code (B.1.1.2). */
static int next_marker(struct frame *fr)
{
    int c = get(fr->s);
    if (c < 0)
        return refuse_read(fr, c);
    if (c != 0xff)
        return refuse(fr, -KE_INVAL, "byte 0x%02x at %llu where a marker (0xFF) belongs",
                      (unsigned)c, (unsigned long long)(fr->s->pos - 1));
    do
        c = get(fr->s);
    while (c == 0xff);
    if (c < 0)
        return refuse_read(fr, c);
    return c;
}

/*
 * Parse one frame starting at the current position into @f (@q: its tables).
 * @seg holds MJPEG_SEG_MAX bytes.
 */
static int parse_frame(struct frame *fr, struct mjpeg_frame *f, struct mjpeg_qset *q, uint8_t *seg)
{
    struct src *s = fr->s;
    int c0 = get(s), c1 = c0 == 0xff ? get(s) : -3;
    if (c0 < 0 || c1 == SRC_EOF || c1 == SRC_ERR)
        return refuse_read(fr, c0 < 0 ? c0 : c1);
    if (c0 != 0xff)
        return refuse(fr, -KE_INVAL,
                      "starts with 0x%02X, not SOI (0xFF 0xD8): not "
                      "baseline JPEG frames back to back",
                      (unsigned)c0);
    if (c1 != M_SOI)
        return refuse(fr, -KE_INVAL, "starts with 0xFF 0x%02X, not SOI (0xFF 0xD8)", (unsigned)c1);
    for (;;) {
        int m = next_marker(fr);
        if (m < 0)
            return m;
        if (m == M_SOI)
            return refuse(fr, -KE_INVAL, "SOI inside the frame");
        if (m == M_EOI)
            return refuse(fr, -KE_INVAL, "EOI before any scan");
        if ((m >= M_RST0 && m <= M_RST7) || m == M_TEM || m == 0x00)
            return refuse(fr, -KE_INVAL, "marker 0xFF%02X outside a scan", (unsigned)m);
        if (m < 0xc0)
            return refuse(fr, -KE_INVAL, "reserved marker 0xFF%02X", (unsigned)m);
        uint8_t lb[2];
        int rc = get_bytes(fr, lb, 2);
        if (rc < 0)
            return rc;
        size_t len = load_be16(lb);
        if (len < 2)
            return refuse(fr, -KE_INVAL, "segment 0xFF%02X with length %zu", (unsigned)m, len);
        len -= 2;
        if ((m >= M_APP0 && m <= M_APP15) || m == M_COM) {
            rc = skip(fr, len);
            if (rc < 0)
                return rc;
            continue;
        }
        if (m == M_JPG || m >= 0xf0)
            return refuse(fr, -KE_INVAL, "reserved JPEG extension marker 0xFF%02X", (unsigned)m);
        if (m == M_DAC)
            return refuse(fr, -KE_INVAL, "arithmetic coding (DAC): not baseline");
        if (m == M_DHP || m == M_EXP)
            return refuse(fr, -KE_INVAL, "hierarchical JPEG (DHP/EXP): not baseline");
        if (m == M_DNL)
            return refuse(fr, -KE_INVAL,
                          "DNL marker (height given after the scan) "
                          "is not supported");
        if (m > M_SOF0 && m <= 0xcf && m != M_DHT)
            return refuse(fr, -KE_INVAL, "%s: RFC 2435 carries baseline JPEG (SOF0) only",
                          sof_name(m));
        if (len > MJPEG_SEG_MAX)
            return refuse(fr, -KE_INVAL,
                          "segment 0xFF%02X of %zu bytes (at most %u "
                          "accepted)",
                          (unsigned)m, len, MJPEG_SEG_MAX);
        rc = get_bytes(fr, seg, len);
        if (rc < 0)
            return rc;
        if (m == M_DQT)
            rc = parse_dqt(fr, seg, len);
        else if (m == M_DHT)
            rc = parse_dht(fr, seg, len);
        else if (m == M_SOF0)
            rc = parse_sof0(fr, seg, len);
        else if (m == M_DRI)
            rc = len == 2 ? (fr->dri = load_be16(seg), 0)
                          : refuse(fr, -KE_INVAL, "malformed DRI segment (%zu bytes)", len);
        else /* M_SOS */
            rc = parse_sos(fr, seg, len);
        if (rc < 0)
            return rc;
        if (m == M_SOS)
            break;
    }
    uint64_t scan_start = s->pos, scan_end = 0;
    int m = scan_data(fr, &scan_end);
    if (m < 0)
        return m;
    if (m == M_SOS || m == M_DHT || m == M_DQT || m == M_DRI)
        return refuse(fr, -KE_INVAL,
                      "more than one scan (progressive or non-interleaved "
                      "JPEG): RFC 2435 carries one interleaved scan");
    if (m != M_EOI)
        return refuse(fr, -KE_INVAL, "marker 0xFF%02X after the scan where EOI belongs",
                      (unsigned)m);
    if (scan_end == scan_start)
        return refuse(fr, -KE_INVAL, "empty scan: no entropy-coded data before EOI");
    if (scan_end - scan_start > MJPEG_MAX_SCAN)
        return refuse(fr, -KE_INVAL,
                      "%llu bytes of scan data: RFC 2435's 24-bit fragment "
                      "offset addresses %u",
                      (unsigned long long)(scan_end - scan_start), MJPEG_MAX_SCAN);
    if (s->pos - fr->start > UINT32_MAX)
        return refuse(fr, -KE_INVAL, "frame of more than 4 GiB");
    f->offset = fr->start;
    f->length = (uint32_t)(s->pos - fr->start);
    f->scan_off = (uint32_t)(scan_start - fr->start);
    f->scan_len = (uint32_t)(scan_end - scan_start);
    f->width = fr->width;
    f->height = fr->height;
    f->restart_interval = fr->dri;
    f->type = (uint8_t)((fr->comp_hv[0] == 0x21 ? 0 : 1) + (fr->dri ? MJPEG_TYPE_RESTART : 0));
    f->qset = 0;
    memset(q, 0, sizeof *q);
    q->count = 2;
    memcpy(q->table[0], fr->qt[fr->comp_tq[0]], 64);
    memcpy(q->table[1], fr->qt[fr->comp_tq[1]], 64);
    return 0;
}

static void init_frame(struct frame *fr, struct src *s, uint32_t no, char *err, size_t errlen)
{
    memset(fr, 0, sizeof *fr);
    fr->no = no;
    fr->start = s->pos;
    fr->s = s;
    fr->err = err;
    fr->errlen = errlen;
}

int mjpeg_parse_frame(const uint8_t *buf, size_t len, struct mjpeg_frame *f, struct mjpeg_qset *q,
                      char *err, size_t errlen)
{
    uint8_t seg[MJPEG_SEG_MAX];
    struct src s = { .buf = buf, .size = len, .len = len };
    struct frame fr;
    init_frame(&fr, &s, 0, err, errlen);
    int rc = parse_frame(&fr, f, q, seg);
    if (rc < 0)
        return rc;
    if (s.pos != len)
        return refuse(&fr, -KE_INVAL, "%llu bytes after the EOI",
                      (unsigned long long)(len - s.pos));
    return 0;
}

/* The index of @q among @ix's table sets, added if new; -1 when full. */
static int intern_qset(struct mjpeg_index *ix, const struct mjpeg_qset *q)
{
    for (uint32_t i = 0; i < ix->nqsets; i++)
        if (!memcmp(&ix->qsets[i], q, sizeof *q))
            return (int)i;
    if (ix->nqsets == MJPEG_MAX_QSETS)
        return -1;
    ix->qsets[ix->nqsets] = *q;
    return (int)ix->nqsets++;
}

int mjpeg_index_build(struct mjpeg_index *ix, struct mjpeg_frame *frames, uint32_t cap,
                      mjpeg_read_fn read, void *ctx, uint64_t base, uint64_t size,
                      struct mjpeg_scratch *scratch, char *err, size_t errlen)
{
    struct src s = { .read = read,
                     .ctx = ctx,
                     .base = base,
                     .size = size,
                     .buf = scratch->buf,
                     .wbuf = scratch->buf,
                     .cap = MJPEG_CHUNK };
    struct frame fr;
    struct mjpeg_qset q;
    memset(ix, 0, sizeof *ix);
    ix->frames = frames;
    ix->cap = cap;
    ix->file_size = size;
    int rc = 0;
    while (s.pos < size) {
        init_frame(&fr, &s, ix->count, err, errlen);
        if (ix->count == cap) {
            rc = refuse(&fr, -KE_TOOBIG, "more than %u frames (the index's capacity)", cap);
            break;
        }
        struct mjpeg_frame *f = &frames[ix->count];
        rc = parse_frame(&fr, f, &q, scratch->seg);
        if (rc < 0)
            break;
        int qi = intern_qset(ix, &q);
        if (qi < 0) {
            rc = refuse(&fr, -KE_TOOBIG,
                        "more than %u different sets of quantization "
                        "tables (encode at a fixed quality, e.g. ffmpeg -q:v N)",
                        MJPEG_MAX_QSETS);
            break;
        }
        f->qset = (uint8_t)qi;
        ix->count++;
    }
    if (rc == 0 && ix->count == 0) {
        if (err && errlen)
            ksnprintf(err, errlen, "no frames: the file is empty");
        rc = -KE_INVAL;
    }
    if (rc < 0) {
        ix->count = 0;
        ix->nqsets = 0;
    }
    return rc;
}
