/*
 * apps/video-client/rtp_source.h — per-source sequence number state of an
 * RTP receiver (RFC 3550 appendix A.1), the loss figures derived from it
 * (appendix A.3) and the interarrival jitter estimate (section 6.4.1,
 * appendix A.8).
 *
 * Sequence numbers are extended to 64 bits so that a jitter buffer can key
 * packets by them across the 16-bit wrap. The rules are those of A.1 with
 * MAX_DROPOUT 3000 and MAX_MISORDER 100; unlike A.1 there is no probation
 * (MIN_SEQUENTIAL): a video receiver uses the very first packet, which may
 * carry the start of a frame.
 *
 * Freestanding C11; no allocation.
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_RTP_SOURCE_H
#define SPINDLE_APPS_VIDEO_CLIENT_RTP_SOURCE_H

#include <stdint.h>
#include <stdbool.h>

/** Largest forward jump still taken as loss, not a restart (RFC 3550 A.1). */
#define RTP_MAX_DROPOUT 3000u
/** Largest backward step still taken as reordering (RFC 3550 A.1). */
#define RTP_MAX_MISORDER 100u

/** How a sequence number relates to what the source sent before. */
enum rtp_seq_verdict {
    RTP_SEQ_FIRST = 0, /* first packet of the source: accepted */
    RTP_SEQ_NEW,       /* beyond the highest so far (possibly after a gap): accepted */
    RTP_SEQ_OLD,       /* not beyond the highest, within MAX_MISORDER: reordered or duplicate */
    RTP_SEQ_JUMP,      /* a jump outside both windows: dropped, remembered (A.1 bad_seq) */
    RTP_SEQ_RESTART,   /* the packet right after a JUMP: the sender restarted; accepted */
};

/** The state of one source. Zero it with rtp_source_init(). */
struct rtp_source {
    bool started;
    uint64_t base_ext; /* extended number of the first packet (since the last restart) */
    uint64_t max_ext;  /* highest extended number accepted */
    uint32_t bad_seq;  /* A.1 bad_seq: the number expected after a jump; > 0xffff: none */
    uint64_t received; /* packets accepted (FIRST, NEW, OLD, RESTART) since the last restart */
    /* interarrival jitter (A.8): J in RTP clock units, scaled by 16 */
    uint64_t jitter_x16;
    uint32_t last_transit; /* arrival minus timestamp, RTP units mod 2^32, previous packet */
    bool have_transit;
};

/** rtp_source_init - forget everything about the source. */
void rtp_source_init(struct rtp_source *s);

/**
 * rtp_source_update - classify sequence number @seq (host order) of a
 * packet from the source and, unless the verdict is RTP_SEQ_JUMP, give its
 * extended number in *@ext. Extended numbers grow by one per packet the
 * sender sent, across wraps and across restarts (a restart moves to a
 * higher 65536-block, so they never go back). RTP_SEQ_OLD packets get the
 * number they were sent with, below max_ext (duplicates included: telling
 * a duplicate from a late packet is the jitter buffer's job).
 */
enum rtp_seq_verdict rtp_source_update(struct rtp_source *s, uint16_t seq, uint64_t *ext);

/**
 * rtp_source_expected - packets the sender sent since the first accepted
 * one: max_ext - base_ext + 1 (RFC 3550 A.3); 0 before the first.
 */
uint64_t rtp_source_expected(const struct rtp_source *s);

/**
 * rtp_source_lost - cumulative number of packets lost, expected minus
 * received (RFC 3550 A.3); negative when duplicates outnumber losses.
 */
int64_t rtp_source_lost(const struct rtp_source *s);

/**
 * rtp_source_jitter_update - feed the interarrival jitter estimator with a
 * packet's RTP @timestamp and its arrival time @arrival_ns (ns on the
 * caller's clock), @clock_hz the payload's RTP clock rate (RFC 3550
 * section 6.4.1: J += (|D| - J) / 16).
 */
void rtp_source_jitter_update(struct rtp_source *s, uint32_t timestamp, uint64_t arrival_ns,
                              uint32_t clock_hz);

/** rtp_source_jitter - the interarrival jitter estimate, RTP clock units. */
uint32_t rtp_source_jitter(const struct rtp_source *s);

#endif
