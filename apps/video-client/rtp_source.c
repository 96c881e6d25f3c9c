/*
 * apps/video-client/rtp_source.c — RTP sequence number tracking, loss and
 * interarrival jitter (RFC 3550 appendices A.1, A.3, A.8; rtp_source.h).
 */
#include "apps/video-client/rtp_source.h"

#include "kernel/klib.h"

#define SEQ_MOD 65536u
#define NO_BAD_SEQ (SEQ_MOD + 1)

void rtp_source_init(struct rtp_source *s)
{
    memset(s, 0, sizeof *s);
    s->bad_seq = NO_BAD_SEQ;
}

/* Start (or restart) the extended numbering at @seq in a fresh 65536-block. */
static uint64_t start_at(struct rtp_source *s, uint16_t seq)
{
    /* Block 1 at the first start, so that a reordered packet from before
     * the first one still has a positive extended number. */
    uint64_t block = s->started ? (s->max_ext / SEQ_MOD) + 2 : 1;
    uint64_t ext = block * SEQ_MOD + seq;
    s->started = true;
    s->base_ext = ext;
    s->max_ext = ext;
    s->bad_seq = NO_BAD_SEQ;
    s->received = 1;
    return ext;
}

enum rtp_seq_verdict rtp_source_update(struct rtp_source *s, uint16_t seq, uint64_t *ext)
{
    if (!s->started) {
        *ext = start_at(s, seq);
        return RTP_SEQ_FIRST;
    }
    uint16_t max_seq = (uint16_t)(s->max_ext % SEQ_MOD);
    uint16_t udelta = (uint16_t)(seq - max_seq);
    if (udelta != 0 && udelta < RTP_MAX_DROPOUT) {
        /* in order, with a permissible gap; a wrap moves to the next block */
        s->max_ext += udelta;
        s->received++;
        s->bad_seq = NO_BAD_SEQ;
        *ext = s->max_ext;
        return RTP_SEQ_NEW;
    }
    if (udelta != 0 && udelta <= SEQ_MOD - RTP_MAX_MISORDER) {
        /* a very large jump: a restart if the next packet follows it (A.1) */
        if (seq == s->bad_seq) {
            *ext = start_at(s, seq);
            return RTP_SEQ_RESTART;
        }
        s->bad_seq = (uint32_t)((seq + 1) & (SEQ_MOD - 1));
        return RTP_SEQ_JUMP;
    }
    /* duplicate (udelta 0) or reordered within MAX_MISORDER */
    uint64_t back = udelta == 0 ? 0 : SEQ_MOD - udelta;
    if (back > s->max_ext)
        back = s->max_ext;
    s->received++;
    *ext = s->max_ext - back;
    return RTP_SEQ_OLD;
}

uint64_t rtp_source_expected(const struct rtp_source *s)
{
    return s->started ? s->max_ext - s->base_ext + 1 : 0;
}

int64_t rtp_source_lost(const struct rtp_source *s)
{
    return (int64_t)rtp_source_expected(s) - (int64_t)s->received;
}

void rtp_source_jitter_update(struct rtp_source *s, uint32_t timestamp, uint64_t arrival_ns,
                              uint32_t clock_hz)
{
    /* arrival in RTP units, modulo 2^32 like the timestamps themselves */
    uint64_t sec = arrival_ns / 1000000000ull, frac = arrival_ns % 1000000000ull;
    uint32_t arrival = (uint32_t)(sec * clock_hz + frac * clock_hz / 1000000000ull);
    uint32_t transit = arrival - timestamp;
    if (s->have_transit) {
        int64_t d = (int32_t)(transit - s->last_transit);
        uint64_t ad = (uint64_t)(d < 0 ? -d : d);
        /* J = J + (|D| - J) / 16, kept scaled by 16 (A.8) */
        s->jitter_x16 = s->jitter_x16 + ad - ((s->jitter_x16 + 8) >> 4);
    }
    s->last_transit = transit;
    s->have_transit = true;
}

uint32_t rtp_source_jitter(const struct rtp_source *s)
{
    return (uint32_t)(s->jitter_x16 >> 4);
}
