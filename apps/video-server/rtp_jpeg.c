/*
 * apps/video-server/rtp_jpeg.c — RFC 2435 packetiser; see rtp_jpeg.h.
 */
#include "apps/video-server/rtp_jpeg.h"
#include "kernel/klib.h"
#include "kernel/kerr.h"

void rtp_jpeg_frame_init(struct rtp_jpeg_frame *rf, const struct mjpeg_frame *f,
                         const struct mjpeg_qset *q, uint32_t ticks)
{
    rf->ticks = ticks;
    rf->scan_len = f->scan_len;
    rf->width = f->width;
    rf->height = f->height;
    rf->restart_interval = f->restart_interval;
    rf->type = f->type;
    rf->qtables = q;
}

/* RFC 2435 header bytes (after the RTP header) of the packet at @off. */
static uint32_t jpeg_hdr_len(const struct rtp_jpeg_frame *f, uint32_t off)
{
    uint32_t n = RTP_JPEG_MAIN_LEN;
    if (f->type >= MJPEG_TYPE_RESTART)
        n += RTP_JPEG_RESTART_LEN;
    if (off == 0)
        n += RTP_JPEG_QT_LEN + 64u * f->qtables->count;
    return n;
}

int rtp_jpeg_plan(const struct rtp_jpeg_frame *f, uint32_t max_payload, uint32_t off,
                  struct rtp_jpeg_pkt *pkt)
{
    if (max_payload < RTP_JPEG_MIN_PAYLOAD)
        return -KE_INVAL;
    if (off >= f->scan_len)
        return 0;
    uint32_t hdr = jpeg_hdr_len(f, off);
    uint32_t room = max_payload - hdr, rest = f->scan_len - off;
    pkt->off = off;
    pkt->len = rest < room ? rest : room;
    pkt->hdr_len = (uint16_t)(RTP_HEADER_LEN + hdr);
    pkt->last = pkt->len == rest;
    return 1;
}

uint32_t rtp_jpeg_packets(const struct rtp_jpeg_frame *f, uint32_t max_payload)
{
    struct rtp_jpeg_pkt pkt;
    uint32_t n = 0, off = 0;
    while (rtp_jpeg_plan(f, max_payload, off, &pkt) == 1) {
        n++;
        off += pkt.len;
    }
    return n;
}

size_t rtp_jpeg_write_headers(struct rtp_sender *tx, const struct rtp_jpeg_frame *f,
                              const struct rtp_jpeg_pkt *pkt, uint8_t *dst)
{
    uint8_t *p = dst;
    p += rtp_write_header(tx, p, f->ticks, pkt->last,
                          (uint32_t)(pkt->hdr_len - RTP_HEADER_LEN) + pkt->len);
    /* 3.1: type-specific, fragment offset (24 bits), type, Q, width, height */
    store_be32(p, pkt->off & 0xffffffu); /* type-specific 0 in the top byte */
    p[4] = f->type;
    p[5] = RTP_JPEG_Q_DYNAMIC;
    p[6] = (uint8_t)((f->width + 7u) / 8u);
    p[7] = (uint8_t)((f->height + 7u) / 8u);
    p += RTP_JPEG_MAIN_LEN;
    if (f->type >= MJPEG_TYPE_RESTART) { /* 3.1.7 */
        store_be16(p, f->restart_interval);
        store_be16(p + 2, (uint16_t)(0xc000u | RTP_JPEG_RESTART_COUNT_ANY));
        p += RTP_JPEG_RESTART_LEN;
    }
    if (pkt->off == 0) { /* 3.1.8: MBZ, precision (bit i: table i 16-bit), length */
        unsigned n = f->qtables->count;
        p[0] = 0;
        p[1] = 0;
        store_be16(p + 2, (uint16_t)(64u * n));
        p += RTP_JPEG_QT_LEN;
        for (unsigned i = 0; i < n; i++, p += 64)
            memcpy(p, f->qtables->table[i], 64);
    }
    return (size_t)(p - dst);
}

int rtp_jpeg_send_frame(struct rtp_sender *tx, const struct rtp_jpeg_frame *f, const uint8_t *scan,
                        uint32_t max_payload, uint8_t *buf, size_t cap, rtp_jpeg_emit_fn emit,
                        void *ctx)
{
    struct rtp_jpeg_pkt pkt;
    uint32_t off = 0;
    int n = 0, rc;
    if (cap < (size_t)RTP_HEADER_LEN + max_payload)
        return -KE_INVAL;
    while ((rc = rtp_jpeg_plan(f, max_payload, off, &pkt)) == 1) {
        size_t h = rtp_jpeg_write_headers(tx, f, &pkt, buf);
        memcpy(buf + h, scan + pkt.off, pkt.len);
        rc = emit(ctx, buf, h + pkt.len, pkt.last);
        if (rc < 0)
            return rc;
        off += pkt.len;
        n++;
    }
    return rc < 0 ? rc : n;
}
