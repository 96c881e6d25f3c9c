/* tests/unit/video-client/vckit.c — video client test helpers (vckit.h). */
#include "vckit.h"

#include <criterion/criterion.h>
#include <math.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <turbojpeg.h>

void vckit_read_capture(const char *path, uint16_t dport, struct vckit_capture *out)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
    cr_assert_not_null(p, "%s: %s", path, err);
    cr_assert_eq(pcap_datalink(p), DLT_EN10MB);
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    struct pcap_pkthdr *h;
    const u_char *f;
    while (pcap_next_ex(p, &h, &f) == 1) {
        /* Ethernet II, IPv4 without fragments, UDP (RFC 791, RFC 768) */
        if (h->caplen < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4)
            continue;
        size_t ihl = (size_t)(f[14] & 15) * 4;
        const u_char *ip = f + 14, *udp = ip + ihl;
        if (ip[9] != 17 || (ip[6] & 0x3f) != 0 || ip[7] != 0 || 14 + ihl + 8 > h->caplen)
            continue;
        if (((udp[2] << 8) | udp[3]) != dport)
            continue;
        size_t ulen = (size_t)((udp[4] << 8) | udp[5]);
        cr_assert(ulen >= 8 && 14 + ihl + ulen <= h->caplen, "truncated UDP datagram in %s", path);
        if (out->n == cap) {
            cap = cap ? 2 * cap : 64;
            out->d = realloc(out->d, cap * sizeof *out->d);
            cr_assert_not_null(out->d);
        }
        struct vckit_dgram *d = &out->d[out->n++];
        d->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
        d->len = ulen - 8;
        d->data = malloc(d->len ? d->len : 1);
        memcpy(d->data, udp + 8, d->len);
    }
    pcap_close(p);
}

void vckit_free_capture(struct vckit_capture *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->d[i].data);
    free(c->d);
    memset(c, 0, sizeof *c);
}

/* End of the JPEG starting at @p: after the EOI following its SOS (T.81 B.1.1.5:
 * inside entropy-coded data 0xFF is followed only by 0x00 or RSTn). */
static size_t jpeg_end(const uint8_t *p, size_t len)
{
    size_t i = 2;
    while (i + 4 <= len && p[i] == 0xff) {
        uint8_t m = p[i + 1];
        size_t seg = (size_t)((p[i + 2] << 8) | p[i + 3]);
        i += 2 + seg;
        if (m == 0xda)
            break;
    }
    for (; i + 1 < len; i++)
        if (p[i] == 0xff && p[i + 1] == 0xd9)
            return i + 2;
    return 0;
}

void vckit_read_clip(const char *path, struct vckit_clip *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    out->buf = malloc((size_t)n);
    cr_assert_eq(fread(out->buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    size_t off = 0;
    while (off + 4 <= (size_t)n) {
        cr_assert(out->buf[off] == 0xff && out->buf[off + 1] == 0xd8, "no SOI at %zu in %s", off,
                  path);
        size_t e = jpeg_end(out->buf + off, (size_t)n - off);
        cr_assert(e > 0 && out->nframes < 64);
        out->frame[out->nframes] = out->buf + off;
        out->len[out->nframes++] = e;
        off += e;
    }
}

void vckit_free_clip(struct vckit_clip *c)
{
    free(c->buf);
    memset(c, 0, sizeof *c);
}

void vckit_pic_alloc(struct vckit_pic *p, enum vimage_format format, uint32_t w, uint32_t h)
{
    p->len = vimage_bytes(format, w, h);
    cr_assert(p->len > 0);
    p->mem = calloc(1, p->len);
    cr_assert_eq(vimage_layout(&p->img, format, w, h, p->mem, p->len), 0);
}

void vckit_pic_free(struct vckit_pic *p)
{
    free(p->mem);
    memset(p, 0, sizeof *p);
}

bool vckit_turbo_decode(const uint8_t *jpeg, size_t len, enum vimage_format format,
                        struct vckit_pic *out)
{
    tjhandle tj = tjInitDecompress();
    int w, h, sub, cs;
    bool ok = tjDecompressHeader3(tj, jpeg, len, &w, &h, &sub, &cs) == 0;
    if (ok) {
        vckit_pic_alloc(out, format, (uint32_t)w, (uint32_t)h);
        if (format == VIMAGE_I420) {
            cr_assert_eq(sub, TJSAMP_420, "reference I420 decoding wants 4:2:0 JPEGs");
            ok = tjDecompressToYUV2(tj, jpeg, len, out->mem, w, 1, h, TJFLAG_STOPONWARNING) == 0;
        } else {
            ok = tjDecompress2(tj, jpeg, len, out->mem, w, 0, h,
                               format == VIMAGE_RGB24 ? TJPF_RGB : TJPF_BGRX,
                               TJFLAG_STOPONWARNING) == 0;
        }
    }
    tjDestroy(tj);
    return ok;
}

uint8_t *vckit_encode(const struct vckit_enc *e, size_t *len)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    unsigned char *out = NULL;
    unsigned long outlen = 0;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &out, &outlen);
    c.image_width = e->width;
    c.image_height = e->height;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, e->quality, TRUE);
    c.comp_info[0].h_samp_factor = 2;
    c.comp_info[0].v_samp_factor = e->yuv422 ? 1 : 2;
    c.restart_interval = e->restart_interval;
    jpeg_start_compress(&c, TRUE);
    unsigned char *row = malloc((size_t)e->width * 3);
    uint32_t s = e->seed * 2654435761u + 1;
    while (c.next_scanline < c.image_height) {
        uint32_t y = c.next_scanline;
        for (uint32_t x = 0; x < e->width; x++) {
            s = s * 1103515245u + 12345u; /* gradients, rings and some noise */
            row[3 * x] = (unsigned char)(x * 255 / e->width + ((s >> 16) & 15));
            row[3 * x + 1] = (unsigned char)(y * 255 / e->height);
            row[3 * x + 2] = (unsigned char)(((x - e->width / 2) * (x - e->width / 2) +
                                              (y - e->height / 2) * (y - e->height / 2)) /
                                                 8 +
                                             e->seed * 40);
        }
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    *len = outlen;
    return out;
}

bool vckit_scan_data(const uint8_t *jpeg, size_t len, const uint8_t **scan, size_t *scan_len)
{
    size_t i = 2;
    while (i + 4 <= len && jpeg[i] == 0xff) {
        uint8_t m = jpeg[i + 1];
        i += 2 + (size_t)((jpeg[i + 2] << 8) | jpeg[i + 3]);
        if (m == 0xda) {
            size_t end = len;
            if (end >= 2 && jpeg[end - 2] == 0xff && jpeg[end - 1] == 0xd9)
                end -= 2;
            *scan = jpeg + i;
            *scan_len = end - i;
            return i <= end;
        }
    }
    return false;
}

bool vckit_dqt(const uint8_t *jpeg, size_t len, unsigned tq, uint8_t table[64])
{
    size_t i = 2;
    while (i + 4 <= len && jpeg[i] == 0xff && jpeg[i + 1] != 0xda) {
        size_t seg = (size_t)((jpeg[i + 2] << 8) | jpeg[i + 3]);
        if (jpeg[i + 1] == 0xdb) {
            for (size_t o = i + 4; o + 65 <= i + 2 + seg; o += 65) {
                if ((jpeg[o] >> 4) != 0)
                    return false; /* 16-bit: not used by these tests */
                if ((jpeg[o] & 15) == tq) {
                    memcpy(table, jpeg + o + 1, 64);
                    return true;
                }
            }
        }
        i += 2 + seg;
    }
    return false;
}

void vckit_rtp_header(uint8_t *p, bool marker, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
    p[0] = 0x80;
    p[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
    p[2] = (uint8_t)(seq >> 8);
    p[3] = (uint8_t)seq;
    for (int i = 0; i < 4; i++) {
        p[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
        p[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
}

void vckit_packetize(const uint8_t *jpeg, size_t len, uint16_t width, uint16_t height,
                     const struct vckit_pkt *o, struct vckit_packets *out)
{
    const uint8_t *scan;
    size_t scan_len;
    cr_assert(vckit_scan_data(jpeg, len, &scan, &scan_len));
    memset(out, 0, sizeof *out);
    size_t off = 0;
    do {
        uint8_t *p = malloc(o->mtu + 12 + 256);
        size_t n = 12;
        p[n++] = 0; /* type-specific */
        p[n++] = (uint8_t)(off >> 16);
        p[n++] = (uint8_t)(off >> 8);
        p[n++] = (uint8_t)off;
        p[n++] = o->type;
        p[n++] = o->q;
        p[n++] = (uint8_t)(width / 8);
        p[n++] = (uint8_t)(height / 8);
        if (o->type >= 64) { /* 3.1.7, F = L = 1, count 0x3fff */
            p[n++] = (uint8_t)(o->restart_interval >> 8);
            p[n++] = (uint8_t)o->restart_interval;
            p[n++] = 0xff;
            p[n++] = 0xff;
        }
        if (o->q >= 128 && off == 0) { /* 3.1.8 */
            p[n++] = 0;
            p[n++] = 0;
            p[n++] = 0;
            p[n++] = o->send_tables ? 128 : 0;
            if (o->send_tables) {
                memcpy(p + n, o->tables, 128);
                n += 128;
            }
        }
        size_t room = o->mtu > n - 12 ? o->mtu - (n - 12) : 1;
        size_t chunk = scan_len - off < room ? scan_len - off : room;
        memcpy(p + n, scan + off, chunk);
        n += chunk;
        off += chunk;
        cr_assert(out->n < 64);
        vckit_rtp_header(p, off == scan_len, 26, (uint16_t)(o->seq + out->n), o->ts, o->ssrc);
        out->data[out->n] = p;
        out->len[out->n++] = n;
    } while (off < scan_len);
}

void vckit_free_packets(struct vckit_packets *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->data[i]);
    memset(p, 0, sizeof *p);
}

/* Visit the bytes of @a and @b plane by plane, row by row. */
static void each_row(const struct vimage *a, const struct vimage *b,
                     void (*fn)(const uint8_t *x, const uint8_t *y, size_t n, void *ctx), void *ctx)
{
    cr_assert_eq(a->format, b->format);
    cr_assert_eq(a->width, b->width);
    cr_assert_eq(a->height, b->height);
    unsigned planes = a->format == VIMAGE_I420 ? 3 : 1;
    for (unsigned p = 0; p < planes; p++) {
        uint32_t w = p ? vimage_chroma_dim(a->width) : a->width;
        uint32_t h = p ? vimage_chroma_dim(a->height) : a->height;
        size_t bytes = a->format == VIMAGE_RGB24      ? (size_t)w * 3
                       : a->format == VIMAGE_XRGB8888 ? (size_t)w * 4
                                                      : w;
        for (uint32_t y = 0; y < h; y++)
            fn(a->plane[p] + y * a->stride[p], b->plane[p] + y * b->stride[p], bytes, ctx);
    }
}

struct maxd {
    unsigned m;
    bool skip_x;
};

static void row_max(const uint8_t *x, const uint8_t *y, size_t n, void *ctx)
{
    struct maxd *m = ctx;
    for (size_t i = 0; i < n; i++) {
        if (m->skip_x && i % 4 == 3)
            continue; /* XRGB8888's unused byte */
        unsigned d = (unsigned)abs(x[i] - y[i]);
        if (d > m->m)
            m->m = d;
    }
}

unsigned vckit_max_diff(const struct vimage *a, const struct vimage *b)
{
    struct maxd m = { 0, a->format == VIMAGE_XRGB8888 };
    each_row(a, b, row_max, &m);
    return m.m;
}

struct sse {
    double sum;
    size_t n;
};

static void row_sse(const uint8_t *x, const uint8_t *y, size_t n, void *ctx)
{
    struct sse *s = ctx;
    for (size_t i = 0; i < n; i++) {
        double d = (double)x[i] - y[i];
        s->sum += d * d;
    }
    s->n += n;
}

double vckit_psnr_rgb(const struct vimage *a, const struct vimage *b)
{
    struct sse s = { 0, 0 };
    each_row(a, b, row_sse, &s);
    if (s.sum == 0)
        return 100.0;
    return 10.0 * log10(255.0 * 255.0 / (s.sum / (double)s.n));
}

bool vckit_equal(const struct vimage *a, const struct vimage *b)
{
    return vckit_max_diff(a, b) == 0;
}
