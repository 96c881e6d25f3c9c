/*
 * apps/video-client/vclient.c — RTP/JPEG receive, assembly, decoding and
 * display with counters (vclient.h).
 */
#include "apps/video-client/vclient.h"

#include "apps/video-client/jitter_buffer.h"
#include "apps/video-client/rtp.h"
#include "apps/video-client/rtp_source.h"
#include "kernel/arch.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

const char *const vclient_counter_names[VC_NCTR + 1] = {
    [VC_PACKETS] = "packets",
    [VC_BYTES] = "bytes",
    [VC_NOT_RTP] = "not_rtp",
    [VC_WRONG_PT] = "wrong_payload_type",
    [VC_OTHER_SSRC] = "other_ssrc",
    [VC_SSRC_CHANGES] = "ssrc_changes",
    [VC_SEQ_JUMPS] = "seq_jumps",
    [VC_RESTARTS] = "restarts",
    [VC_LOST] = "packets_lost",
    [VC_REORDERED] = "packets_reordered",
    [VC_DUPLICATES] = "packets_duplicate",
    [VC_LATE_PACKETS] = "packets_late",
    [VC_OVERSIZE] = "packets_oversize",
    [VC_BAD_PAYLOADS] = "bad_payloads",
    [VC_FRAMES_COMPLETE] = "frames_complete",
    [VC_FRAMES_SHOWN] = "frames_shown",
    [VC_DROP_LATE] = "dropped_late",
    [VC_DROP_INCOMPLETE] = "dropped_incomplete",
    [VC_DROP_CORRUPT] = "dropped_corrupt",
    [VC_DECODE_ERRORS] = "decode_errors",
    [VC_DISPLAY_ERRORS] = "display_errors",
    [VC_DECODE_NS_LAST] = "decode_ns_last",
    [VC_DECODE_NS_MAX] = "decode_ns_max",
    [VC_DECODE_NS_TOTAL] = "decode_ns_total",
    [VC_DECODED] = "decoded",
    [VC_JITTER] = "jitter_rtp_units",
    [VC_NCTR] = NULL,
};

struct vclient {
    struct vclient_config cfg;
    struct vdec *dec;
    struct vsink *sink;
    struct rtp_source src;
    struct rtp_jitter jb;
    struct rtpjpeg_asm asm_;
    uint64_t now;
    /* the source followed, and a candidate replacing it */
    bool have_ssrc;
    uint32_t ssrc, cand_ssrc;
    uint16_t cand_next_seq;
    unsigned cand_count;
    /* playout: first-packet arrival of the frame being delivered, clock anchor */
    bool have_ts;
    uint32_t deliver_ts;
    uint64_t frame_arrival_ns;
    bool anchored;
    uint64_t anchor_ns;
    uint32_t anchor_ts;
    bool have_shown;
    uint32_t last_shown_ts;
    uint64_t ctr[VC_NCTR];
    uint64_t decode_errors, late_frames; /* kept here; the rest mirrors the parts */
    struct kstat_group stats;
};

void vclient_config_default(struct vclient_config *c)
{
    memset(c, 0, sizeof *c);
    c->payload_type = RTP_PT_JPEG;
    c->jitter_slots = 64;
    c->max_payload = 1500;
    c->latency_ns = 20000000ull;
    c->frame_timeout_ns = 500000000ull;
    c->max_frame_bytes = 1u << 20;
    c->max_width = 1920;
    c->max_height = 1080;
}

static void sync_counters(struct vclient *vc)
{
    uint64_t *c = vc->ctr;
    c[VC_LOST] = vc->jb.lost;
    c[VC_DUPLICATES] = vc->jb.duplicates;
    c[VC_LATE_PACKETS] = vc->jb.late;
    c[VC_OVERSIZE] = vc->jb.oversize;
    c[VC_BAD_PAYLOADS] = vc->asm_.st.bad_payloads;
    c[VC_FRAMES_COMPLETE] = vc->asm_.st.frames;
    c[VC_DROP_INCOMPLETE] = vc->asm_.st.incomplete;
    c[VC_DROP_CORRUPT] = vc->asm_.st.corrupt + vc->asm_.st.too_big + vc->decode_errors;
    c[VC_DECODE_ERRORS] = vc->decode_errors;
    c[VC_DROP_LATE] = vc->late_frames;
    c[VC_JITTER] = rtp_source_jitter(&vc->src);
}

/* ns of a signed RTP timestamp difference on the 90 kHz clock */
static int64_t ts_delta_ns(uint32_t a, uint32_t b)
{
    int64_t d = (int32_t)(a - b);
    return d * 1000000000ll / (int64_t)RTP_JPEG_CLOCK_HZ;
}

/* The playout time of frame @ts, following the earliest arrival seen. */
static uint64_t playout_ns(struct vclient *vc, uint32_t ts, uint64_t first_arrival)
{
    if (!vc->anchored ||
        (int64_t)(first_arrival - vc->anchor_ns) < ts_delta_ns(ts, vc->anchor_ts)) {
        vc->anchored = true;
        vc->anchor_ns = first_arrival;
        vc->anchor_ts = ts;
    }
    return vc->anchor_ns + (uint64_t)ts_delta_ns(ts, vc->anchor_ts) + vc->cfg.latency_ns;
}

static uint64_t cpu_now(const struct vclient *vc)
{
    return vc->cfg.cpu_clock_ns ? vc->cfg.cpu_clock_ns() : arch_clock_ns();
}

/* A complete frame: late check, decode into the sink's buffer, show. */
static void present(struct vclient *vc, const struct rtpjpeg_frame *f)
{
    uint64_t playout = playout_ns(vc, f->timestamp, vc->frame_arrival_ns);
    if ((vc->have_shown && (int32_t)(f->timestamp - vc->last_shown_ts) <= 0) ||
        (vc->cfg.late_ns && vc->now > playout + vc->cfg.late_ns)) {
        vc->late_frames++;
        return;
    }
    if (vc->cfg.on_frame)
        vc->cfg.on_frame(vc->cfg.on_frame_ctx, f);
    if (!vc->dec || !vc->sink)
        return;
    struct vimage dst;
    if (vc->sink->ops->begin(vc->sink, f->width, f->height, &dst) < 0) {
        vc->ctr[VC_DISPLAY_ERRORS]++;
        return;
    }
    uint32_t w = 0, h = 0;
    uint64_t t0 = cpu_now(vc);
    int rc = vdec_decode(vc->dec, f->jpeg, f->len, &dst, &w, &h);
    uint64_t ns = cpu_now(vc) - t0;
    vc->ctr[VC_DECODE_NS_LAST] = ns;
    vc->ctr[VC_DECODE_NS_TOTAL] += ns;
    vc->ctr[VC_DECODED]++;
    if (ns > vc->ctr[VC_DECODE_NS_MAX])
        vc->ctr[VC_DECODE_NS_MAX] = ns;
    if (rc < 0) {
        vc->decode_errors++;
        return;
    }
    if (vc->sink->ops->show(vc->sink, w, h, f->timestamp) < 0) {
        vc->ctr[VC_DISPLAY_ERRORS]++;
        return;
    }
    vc->ctr[VC_FRAMES_SHOWN]++;
    vc->have_shown = true;
    vc->last_shown_ts = f->timestamp;
}

/* Jitter buffer delivery: packets in sequence order into the assembler. */
static void on_packet(void *ctx, const struct rtp_jitter_packet *p)
{
    struct vclient *vc = ctx;
    if (!vc->have_ts || p->timestamp != vc->deliver_ts) {
        vc->have_ts = true;
        vc->deliver_ts = p->timestamp;
        vc->frame_arrival_ns = p->arrival_ns;
    }
    struct rtpjpeg_frame f;
    if (rtpjpeg_asm_push(&vc->asm_, p->timestamp, p->marker, p->lost_before, p->data, p->len,
                         vc->now, &f) == 1)
        present(vc, &f);
}

struct vclient *vclient_create(const struct vclient_config *cfg, struct vdec *dec,
                               struct vsink *sink)
{
    struct vclient *vc = kmalloc(sizeof *vc);
    if (!vc)
        return NULL;
    vc->cfg = *cfg;
    vc->dec = dec;
    vc->sink = sink;
    rtp_source_init(&vc->src);
    if (rtp_jitter_init(&vc->jb, cfg->jitter_slots, cfg->max_payload, cfg->latency_ns, on_packet,
                        vc) < 0) {
        kfree(vc);
        return NULL;
    }
    if (rtpjpeg_asm_init(&vc->asm_, cfg->max_frame_bytes, cfg->max_width, cfg->max_height) < 0) {
        rtp_jitter_fini(&vc->jb);
        kfree(vc);
        return NULL;
    }
    vc->stats = (struct kstat_group){
        .node = "video-client", .names = vclient_counter_names, .values = vc->ctr, .n = VC_NCTR
    };
    return vc;
}

void vclient_flush(struct vclient *vc)
{
    rtp_jitter_flush(&vc->jb, false);
    rtpjpeg_asm_abort(&vc->asm_);
    sync_counters(vc);
}

void vclient_destroy(struct vclient *vc)
{
    if (!vc)
        return;
    vclient_flush(vc);
    rtp_jitter_fini(&vc->jb);
    rtpjpeg_asm_fini(&vc->asm_);
    kfree(vc);
}

/* Follow a new source: forget the old one's sequence and frame. */
static void switch_source(struct vclient *vc, uint32_t ssrc)
{
    rtp_jitter_flush(&vc->jb, true);
    rtpjpeg_asm_abort(&vc->asm_);
    rtp_source_init(&vc->src);
    vc->ssrc = ssrc;
    vc->have_ts = false;
    vc->anchored = false;
    vc->have_shown = false;
}

/* Source selection: the first source, or one that sent two packets in sequence. */
static bool accept_source(struct vclient *vc, const struct rtp_header *h)
{
    if (!vc->have_ssrc) {
        vc->have_ssrc = true;
        vc->ssrc = h->ssrc;
        return true;
    }
    if (h->ssrc == vc->ssrc) {
        vc->cand_count = 0;
        return true;
    }
    vc->ctr[VC_OTHER_SSRC]++;
    if (vc->cand_count > 0 && h->ssrc == vc->cand_ssrc && h->seq == vc->cand_next_seq)
        vc->cand_count++;
    else
        vc->cand_count = 1;
    vc->cand_ssrc = h->ssrc;
    vc->cand_next_seq = (uint16_t)(h->seq + 1);
    if (vc->cand_count < 2)
        return false;
    vc->ctr[VC_SSRC_CHANGES]++;
    vc->cand_count = 0;
    switch_source(vc, h->ssrc);
    return true;
}

static int rx(struct vclient *vc, const uint8_t *pkt, size_t len)
{
    struct rtp_header h;
    if (rtp_parse(pkt, len, &h) < 0) {
        vc->ctr[VC_NOT_RTP]++;
        return -KE_INVAL;
    }
    if (h.payload_type != vc->cfg.payload_type) {
        vc->ctr[VC_WRONG_PT]++;
        return -KE_NOTSUP;
    }
    if (!accept_source(vc, &h))
        return -KE_PERM;
    uint64_t ext = 0;
    switch (rtp_source_update(&vc->src, h.seq, &ext)) {
    case RTP_SEQ_JUMP: vc->ctr[VC_SEQ_JUMPS]++; return -KE_RANGE;
    case RTP_SEQ_RESTART:
        vc->ctr[VC_RESTARTS]++;
        rtp_jitter_flush(&vc->jb, true);
        rtpjpeg_asm_abort(&vc->asm_);
        vc->have_ts = false;
        vc->anchored = false;
        vc->have_shown = false;
        break;
    case RTP_SEQ_OLD: vc->ctr[VC_REORDERED]++; break;
    default: break;
    }
    rtp_source_jitter_update(&vc->src, h.timestamp, vc->now, RTP_JPEG_CLOCK_HZ);
    uint64_t bad_before = vc->asm_.st.bad_payloads;
    int rc = rtp_jitter_put(&vc->jb, ext, h.timestamp, h.marker, pkt + h.payload_off, h.payload_len,
                            vc->now);
    if (rc < 0)
        return rc;
    /* delivered at once and rejected by the assembler: say so */
    return vc->asm_.st.bad_payloads != bad_before ? -KE_INVAL : 0;
}

int vclient_rx(struct vclient *vc, const uint8_t *pkt, size_t len, uint64_t now_ns)
{
    vc->now = now_ns;
    vc->ctr[VC_PACKETS]++;
    vc->ctr[VC_BYTES] += len;
    int rc = rx(vc, pkt, len);
    sync_counters(vc);
    return rc;
}

void vclient_poll(struct vclient *vc, uint64_t now_ns)
{
    vc->now = now_ns;
    rtp_jitter_poll(&vc->jb, now_ns);
    uint64_t since;
    if (rtpjpeg_asm_busy(&vc->asm_, &since) && vc->jb.held == 0 &&
        now_ns - since >= vc->cfg.frame_timeout_ns)
        rtpjpeg_asm_abort(&vc->asm_);
    sync_counters(vc);
}

uint64_t vclient_next_deadline(const struct vclient *vc)
{
    uint64_t d = rtp_jitter_deadline(&vc->jb);
    uint64_t since;
    if (vc->jb.held == 0 && rtpjpeg_asm_busy(&vc->asm_, &since)) {
        uint64_t t = since + vc->cfg.frame_timeout_ns;
        if (t < d)
            d = t;
    }
    return d;
}

const uint64_t *vclient_counters(const struct vclient *vc)
{
    return vc->ctr;
}

struct kstat_group *vclient_stat_group(struct vclient *vc)
{
    return &vc->stats;
}

/* ksnprintf at offset @n of [@buf, @buf + @size), counting past the end. */
static size_t append(char *buf, size_t size, size_t n, const char *name, unsigned long long v)
{
    bool room = buf && n < size;
    return n + (size_t)ksnprintf(room ? buf + n : NULL, room ? size - n : 0, "%s %llu\n", name, v);
}

int vclient_stats_format(const struct vclient *vc, char *buf, size_t size)
{
    size_t n = 0;
    for (unsigned i = 0; i < VC_NCTR; i++)
        n = append(buf, size, n, vclient_counter_names[i], (unsigned long long)vc->ctr[i]);
    uint64_t d = vc->ctr[VC_DECODED];
    n = append(buf, size, n, "decode_ns_mean",
               (unsigned long long)(d ? vc->ctr[VC_DECODE_NS_TOTAL] / d : 0));
    return (int)n;
}
