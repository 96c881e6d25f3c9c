/*
 * tests/fuzz/fuzz_mjpeg.c — libFuzzer target for the MJPEG frame index and
 * RFC 2435 checks (apps/video-server/mjpeg.h) and the packetiser behind them
 * (rtp_jpeg.h): the input is an MJPEG file. It is indexed (at most 32
 * frames), its first frame parsed from memory too; every frame accepted must
 * lie inside the file, and is packetised at a small and at ffmpeg's payload:
 * the packets must carry its scan bytes exactly once, in order, the last one
 * marked.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true -Dsanitize=true
 * Run:   build-fuzz/tests/fuzz/fuzz-mjpeg CORPUS_DIR -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apps/video-server/mjpeg.h"
#include "apps/video-server/rtp_jpeg.h"
#include "kernel/kerr.h"

struct dev {
    const uint8_t *data;
    size_t size;
};

static int dev_read(void *ctx, uint64_t off, void *buf, uint32_t len)
{
    const struct dev *d = ctx;
    if (off > d->size || len > d->size - off)
        return -KE_IO;
    memcpy(buf, d->data + off, len);
    return 0;
}

struct check {
    const uint8_t *scan;
    uint32_t next; /* scan bytes seen so far */
    uint32_t scan_len;
    bool ended;
};

static int emit(void *ctx, const uint8_t *pkt, size_t len, bool last)
{
    struct check *c = ctx;
    uint32_t off = ((uint32_t)pkt[13] << 16) | ((uint32_t)pkt[14] << 8) | pkt[15];
    size_t h = RTP_HEADER_LEN + RTP_JPEG_MAIN_LEN + (pkt[16] >= 64 ? RTP_JPEG_RESTART_LEN : 0);
    if (off == 0)
        h += RTP_JPEG_QT_LEN + (((size_t)pkt[h + 2] << 8) | pkt[h + 3]);
    if (c->ended || off != c->next || len <= h || !!(pkt[1] & 0x80) != last ||
        memcmp(pkt + h, c->scan + off, len - h))
        abort();
    c->next += (uint32_t)(len - h);
    c->ended = last;
    return 0;
}

static struct mjpeg_scratch scratch;
static struct mjpeg_frame frames[32];
static struct mjpeg_index ix;
static uint8_t pkt[RTP_HEADER_LEN + RTP_JPEG_DEFAULT_PAYLOAD];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dev d = { data, size };
    char err[256];
    struct mjpeg_frame f;
    struct mjpeg_qset q;
    mjpeg_parse_frame(data, size, &f, &q, err, sizeof err);
    if (mjpeg_index_build(&ix, frames, 32, dev_read, &d, 0, size, &scratch, err, sizeof err) < 0) {
        if (ix.count != 0 || !err[0])
            abort();
        return 0;
    }
    struct rtp_sender tx;
    rtp_sender_init(&tx, RTP_PT_JPEG, 1, 0, 0);
    for (uint32_t i = 0; i < ix.count; i++) {
        const struct mjpeg_frame *fr = &frames[i];
        if (fr->offset > size || fr->length > size - fr->offset ||
            (uint64_t)fr->scan_off + fr->scan_len + 2 > fr->length || fr->scan_len == 0 ||
            fr->qset >= ix.nqsets || (fr->type & 63) > 1)
            abort();
        static const uint32_t payloads[2] = { RTP_JPEG_MIN_PAYLOAD, RTP_JPEG_DEFAULT_PAYLOAD };
        for (unsigned p = 0; p < 2; p++) {
            struct rtp_jpeg_frame rf;
            struct check c = { data + fr->offset + fr->scan_off, 0, fr->scan_len, false };
            rtp_jpeg_frame_init(&rf, fr, mjpeg_frame_qset(&ix, fr), i * 3000u);
            int n = rtp_jpeg_send_frame(&tx, &rf, c.scan, payloads[p], pkt, sizeof pkt, emit, &c);
            if (n <= 0 || (uint32_t)n != rtp_jpeg_packets(&rf, payloads[p]) ||
                c.next != fr->scan_len || !c.ended)
                abort();
        }
    }
    return 0;
}
