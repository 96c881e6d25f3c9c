/* apps/video-client/rtpjpeg_asm.c — RTP/JPEG frame assembly (RFC 2435; rtpjpeg_asm.h). */
#include "apps/video-client/rtpjpeg_asm.h"

#include "apps/video-client/jpeg_rebuild.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

int rtpjpeg_asm_init(struct rtpjpeg_asm *a, size_t max_frame_bytes, uint16_t max_width,
                     uint16_t max_height)
{
    memset(a, 0, sizeof *a);
    if (max_frame_bytes < JPEG_REBUILD_HEADER_MAX + 2 || max_width == 0 || max_height == 0)
        return -KE_INVAL;
    a->buf = kmalloc(max_frame_bytes);
    if (!a->buf)
        return -KE_NOMEM;
    a->cap = max_frame_bytes;
    a->max_width = max_width;
    a->max_height = max_height;
    return 0;
}

void rtpjpeg_asm_fini(struct rtpjpeg_asm *a)
{
    kfree(a->buf);
    a->buf = NULL;
    a->cap = 0;
    a->active = false;
}

/* Mark the frame in progress as lost for @why, unless it already is. */
static void condemn(struct rtpjpeg_asm *a, enum rtpjpeg_drop why)
{
    if (a->drop == RTPJPEG_DROP_NONE)
        a->drop = why;
}

/* Close the frame in progress without giving it out: count it once. */
static void drop_frame(struct rtpjpeg_asm *a, enum rtpjpeg_drop why)
{
    if (!a->active)
        return;
    condemn(a, why);
    switch (a->drop) {
    case RTPJPEG_DROP_TOO_BIG: a->st.too_big++; break;
    case RTPJPEG_DROP_CORRUPT: a->st.corrupt++; break;
    default: a->st.incomplete++; break;
    }
    a->active = false;
}

static bool cache_find(const struct rtpjpeg_asm *a, uint8_t q, struct rtpjpeg_qtables *out)
{
    for (unsigned i = 0; i < RTPJPEG_QCACHE; i++) {
        if (a->cache[i].valid && a->cache[i].q == q) {
            *out = a->cache[i].t;
            return true;
        }
    }
    return false;
}

static void cache_store(struct rtpjpeg_asm *a, uint8_t q, const struct rtpjpeg_qtables *t)
{
    struct rtpjpeg_qcache_entry *e = NULL;
    for (unsigned i = 0; i < RTPJPEG_QCACHE && !e; i++)
        if (a->cache[i].valid && a->cache[i].q == q)
            e = &a->cache[i];
    if (!e) {
        e = &a->cache[a->cache_next]; /* round robin over the oldest */
        a->cache_next = (a->cache_next + 1) % RTPJPEG_QCACHE;
    }
    e->valid = true;
    e->q = q;
    e->t = *t;
}

/* The tables the frame whose first packet is @h decodes with (3.1.4, 3.1.8). */
static bool tables_for(struct rtpjpeg_asm *a, const struct rtpjpeg_header *h,
                       struct rtpjpeg_qtables *qt)
{
    if (h->q < 128) {
        rtpjpeg_qtables_from_q(h->q, qt);
        return true;
    }
    if (h->has_qt && h->qt_length > 0) {
        if (rtpjpeg_qtables_from_header(h, qt) < 0)
            return false;
        if (h->q != 255)
            cache_store(a, h->q, qt);
        return true;
    }
    if (cache_find(a, h->q, qt))
        return true;
    a->st.unknown_q++;
    return false;
}

/* The frame's first packet: check it and write the JPEG headers. */
static void start_frame(struct rtpjpeg_asm *a, const struct rtpjpeg_header *h)
{
    if (h->fragment_offset != 0) {
        condemn(a, RTPJPEG_DROP_INCOMPLETE); /* its beginning never came */
        return;
    }
    if (h->width > a->max_width || h->height > a->max_height) {
        condemn(a, RTPJPEG_DROP_TOO_BIG);
        return;
    }
    struct rtpjpeg_qtables qt;
    if (!tables_for(a, h, &qt)) {
        condemn(a, RTPJPEG_DROP_CORRUPT);
        return;
    }
    struct jpeg_rebuild_params p = {
        .type = h->type,
        .width = h->width,
        .height = h->height,
        .restart_interval = h->has_restart ? h->restart_interval : 0,
        .qt = &qt,
    };
    int n = jpeg_rebuild_header(&p, a->buf, a->cap - 2);
    if (n < 0) {
        condemn(a, n == -KE_TOOBIG ? RTPJPEG_DROP_TOO_BIG : RTPJPEG_DROP_CORRUPT);
        return;
    }
    a->started = true;
    a->hdr_len = (size_t)n;
    a->type = h->type;
    a->q = h->q;
    a->width = h->width;
    a->height = h->height;
    a->restart_interval = p.restart_interval;
}

/* Check @n bytes of scan data continuing the frame in progress (T.81
 * B.1.1.5, see rtpjpeg_asm.h); false on a forbidden marker. */
static bool scan_ok(struct rtpjpeg_asm *a, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a->eoi_seen)
            return false; /* data after EOI */
        if (!a->ff_pending) {
            a->ff_pending = d[i] == 0xff;
            continue;
        }
        if (d[i] == 0xff)
            continue; /* fill byte */
        a->ff_pending = false;
        if (d[i] == 0x00)
            continue; /* stuffed 0xFF */
        if (d[i] >= 0xd0 && d[i] <= 0xd7 && a->restart_interval)
            continue; /* RSTm */
        if (d[i] == JPEG_EOI) {
            a->eoi_seen = true;
            continue;
        }
        return false;
    }
    return true;
}

/* Add packet @h to the good frame in progress. */
static void take(struct rtpjpeg_asm *a, const struct rtpjpeg_header *h)
{
    if (!a->started) {
        start_frame(a, h);
        if (a->drop != RTPJPEG_DROP_NONE)
            return;
    } else if (h->type != a->type || h->q != a->q || h->width != a->width ||
               h->height != a->height ||
               (h->has_restart ? h->restart_interval : 0) != a->restart_interval) {
        condemn(a, RTPJPEG_DROP_CORRUPT); /* 3.1: all but the offset MUST stay the same */
        return;
    } else if (h->fragment_offset != a->scan_len) {
        condemn(a, RTPJPEG_DROP_INCOMPLETE); /* a gap (or an overlap) in the scan data */
        return;
    }
    /* room for the data and an EOI */
    if (h->data_len > a->cap - 2 - a->hdr_len - a->scan_len) {
        condemn(a, RTPJPEG_DROP_TOO_BIG);
        return;
    }
    if (!scan_ok(a, h->data, h->data_len)) {
        a->st.bad_scan++;
        condemn(a, RTPJPEG_DROP_CORRUPT);
        return;
    }
    memcpy(a->buf + a->hdr_len + a->scan_len, h->data, h->data_len);
    a->scan_len += h->data_len;
    a->st.bytes += h->data_len;
}

int rtpjpeg_asm_push(struct rtpjpeg_asm *a, uint32_t timestamp, bool marker, uint64_t lost_before,
                     const uint8_t *payload, size_t len, uint64_t now_ns, struct rtpjpeg_frame *out)
{
    struct rtpjpeg_header h;
    int rc = rtpjpeg_parse(payload, len, &h);

    if (a->active && timestamp != a->ts)
        drop_frame(a, RTPJPEG_DROP_INCOMPLETE); /* its marker packet never came */
    else if (a->active && lost_before > 0)
        condemn(a, RTPJPEG_DROP_INCOMPLETE);
    if (!a->active) {
        a->active = true;
        a->started = false;
        a->drop = RTPJPEG_DROP_NONE;
        a->ts = timestamp;
        a->hdr_len = a->scan_len = 0;
        a->ff_pending = a->eoi_seen = false;
    }
    a->last_ns = now_ns;

    if (rc < 0) {
        a->st.bad_payloads++;
        condemn(a, RTPJPEG_DROP_CORRUPT);
    } else if (a->drop == RTPJPEG_DROP_NONE) {
        take(a, &h);
    }
    if (!marker)
        return rc < 0 ? rc : 0;
    if (a->drop == RTPJPEG_DROP_NONE && a->ff_pending) {
        a->st.bad_scan++; /* ends inside a marker */
        condemn(a, RTPJPEG_DROP_CORRUPT);
    }
    if (a->drop != RTPJPEG_DROP_NONE) {
        drop_frame(a, a->drop);
        return rc < 0 ? rc : 0;
    }

    /* complete: end with EOI unless the sender kept its own (T.81 B.2.1) */
    size_t n = a->hdr_len + a->scan_len;
    if (!a->eoi_seen) {
        a->buf[n++] = 0xff;
        a->buf[n++] = JPEG_EOI;
    }
    a->active = false;
    a->st.frames++;
    out->jpeg = a->buf;
    out->len = n;
    out->timestamp = a->ts;
    out->width = a->width;
    out->height = a->height;
    out->type = a->type;
    out->q = a->q;
    return 1;
}

bool rtpjpeg_asm_abort(struct rtpjpeg_asm *a)
{
    if (!a->active)
        return false;
    drop_frame(a, RTPJPEG_DROP_INCOMPLETE);
    return true;
}

bool rtpjpeg_asm_busy(const struct rtpjpeg_asm *a, uint64_t *since_ns)
{
    if (a->active && since_ns)
        *since_ns = a->last_ns;
    return a->active;
}
