/*
 * apps/video-client/jpeg_rebuild.c — JPEG headers for RTP/JPEG frames
 * (RFC 2435 appendix B; ITU-T T.81 annex B for the segment syntax, annex K.3
 * for the Huffman tables; jpeg_rebuild.h).
 */
#include "apps/video-client/jpeg_rebuild.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/t81_huffman.h"

/* A bounded byte writer: overflow is remembered, not performed. */
struct writer {
    uint8_t *p;
    size_t cap, len;
    bool overflow;
};

static void put8(struct writer *w, uint8_t v)
{
    if (w->len >= w->cap) {
        w->overflow = true;
        return;
    }
    w->p[w->len++] = v;
}

static void put16(struct writer *w, uint16_t v)
{
    put8(w, (uint8_t)(v >> 8));
    put8(w, (uint8_t)v);
}

static void put_bytes(struct writer *w, const uint8_t *b, size_t n)
{
    if (n > w->cap - w->len) {
        w->overflow = true;
        return;
    }
    memcpy(w->p + w->len, b, n);
    w->len += n;
}

static void marker(struct writer *w, uint8_t m)
{
    put8(w, 0xff);
    put8(w, m);
}

/* DQT for table @i (T.81 B.2.4.1): Lq, Pq|Tq, 64 entries in zigzag order. */
static void put_dqt(struct writer *w, const struct rtpjpeg_qtables *qt, unsigned i)
{
    bool wide = qt->precision16[i];
    marker(w, JPEG_DQT);
    put16(w, (uint16_t)(2 + 1 + 64 * (wide ? 2 : 1)));
    put8(w, (uint8_t)((wide ? 0x10 : 0x00) | i));
    for (unsigned k = 0; k < 64; k++) {
        if (wide)
            put16(w, qt->q[i][k]);
        else
            put8(w, (uint8_t)qt->q[i][k]);
    }
}

/* SOF0/SOF1 (T.81 B.2.2): P 8, Y, X, three components. */
static void put_sof(struct writer *w, const struct jpeg_rebuild_params *p)
{
    const struct rtpjpeg_qtables *qt = p->qt;
    bool wide = qt->precision16[0] || (qt->n > 1 && qt->precision16[1]);
    uint8_t chroma_tq = qt->n > 1 ? 1 : 0;
    marker(w, wide ? JPEG_SOF1 : JPEG_SOF0);
    put16(w, 8 + 3 * 3);
    put8(w, 8);
    put16(w, p->height);
    put16(w, p->width);
    put8(w, 3);
    put8(w, 0);                                   /* Y */
    put8(w, (p->type & 0x3f) == 0 ? 0x21 : 0x22); /* H=2, V=1 (4:2:2) or V=2 (4:2:0) */
    put8(w, 0);
    put8(w, 1); /* Cb */
    put8(w, 0x11);
    put8(w, chroma_tq);
    put8(w, 2); /* Cr */
    put8(w, 0x11);
    put8(w, chroma_tq);
}

/* One DHT segment holding the four tables (T.81 B.2.4.2). */
static void put_dht(struct writer *w)
{
    unsigned len = 2;
    for (unsigned t = 0; t < 4; t++)
        len += 1 + 16 + t81_std_huffman[t].nvals;
    marker(w, JPEG_DHT);
    put16(w, (uint16_t)len);
    for (unsigned t = 0; t < 4; t++) {
        const struct t81_huffman_table *h = &t81_std_huffman[t];
        put8(w, h->tc_th);
        put_bytes(w, h->bits, 16);
        put_bytes(w, h->vals, h->nvals);
    }
}

/* SOS (T.81 B.2.3): three components, Y with tables 0/0, chroma 1/1. */
static void put_sos(struct writer *w)
{
    marker(w, JPEG_SOS);
    put16(w, 6 + 2 * 3);
    put8(w, 3);
    put8(w, 0);
    put8(w, 0x00);
    put8(w, 1);
    put8(w, 0x11);
    put8(w, 2);
    put8(w, 0x11);
    put8(w, 0);  /* Ss */
    put8(w, 63); /* Se */
    put8(w, 0);  /* Ah, Al */
}

int jpeg_rebuild_header(const struct jpeg_rebuild_params *p, uint8_t *out, size_t cap)
{
    if ((p->type & 0x3f) > 1 || p->type >= 128 || p->width == 0 || p->height == 0 || !p->qt ||
        p->qt->n < 1 || p->qt->n > 2)
        return -KE_INVAL;
    struct writer w = { .p = out, .cap = cap };
    marker(&w, JPEG_SOI);
    for (unsigned i = 0; i < p->qt->n; i++)
        put_dqt(&w, p->qt, i);
    if (p->restart_interval) {
        marker(&w, JPEG_DRI); /* T.81 B.2.4.4 */
        put16(&w, 4);
        put16(&w, p->restart_interval);
    }
    put_sof(&w, p);
    put_dht(&w);
    put_sos(&w);
    return w.overflow ? -KE_TOOBIG : (int)w.len;
}
