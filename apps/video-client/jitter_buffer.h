/*
 * apps/video-client/jitter_buffer.h — a bounded RTP reorder ("jitter")
 * buffer keyed by extended sequence number (rtp_source.h), with a playout
 * deadline on the caller's clock.
 *
 * Packets leave in sequence order through a delivery callback. A packet
 * that is the next one expected leaves at once (without being copied when
 * nothing is held). When the next one is missing, later packets are held
 * (their payload copied into one of the buffer's slots) until either the
 * missing one arrives or the earliest-arrived held packet has waited
 * `latency_ns`: then the missing numbers are given up as lost and delivery
 * resumes with the next held packet. A packet more than `slots` numbers
 * ahead forces the oldest numbers out the same way, so memory is bounded by
 * slots x slot_bytes and delay by latency_ns. (RFC 3550 section 10 leaves
 * playout buffering to the receiver; this is its reorder part.)
 *
 * Freestanding C11; memory from kmalloc at init.
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_JITTER_BUFFER_H
#define SPINDLE_APPS_VIDEO_CLIENT_JITTER_BUFFER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** Most slots a jitter buffer may have. */
#define RTP_JITTER_MAX_SLOTS 1024u

/** A packet leaving the buffer, valid only during the delivery callback. */
struct rtp_jitter_packet {
    uint64_t ext_seq;     /* extended sequence number */
    uint32_t timestamp;   /* RTP timestamp */
    bool marker;          /* RTP marker bit */
    const uint8_t *data;  /* RTP payload; read only */
    size_t len;           /* bytes */
    uint64_t arrival_ns;  /* when rtp_jitter_put() got it */
    uint64_t lost_before; /* numbers given up as lost right before this one */
};

/** Delivery callback: packets in increasing ext_seq order. */
typedef void (*rtp_jitter_deliver_fn)(void *ctx, const struct rtp_jitter_packet *p);

/** One slot (private). */
struct rtp_jitter_slot {
    uint64_t ext_seq;
    uint64_t arrival_ns;
    uint32_t timestamp;
    uint32_t len;
    uint8_t state; /* empty, held, released */
    bool marker;
};

/** A jitter buffer. Set up with rtp_jitter_init(), released with rtp_jitter_fini(). */
struct rtp_jitter {
    unsigned nslots;   /* power of two */
    size_t slot_bytes; /* payload capacity of a slot */
    uint64_t latency_ns;
    struct rtp_jitter_slot *slots;
    uint8_t *data; /* nslots x slot_bytes */
    rtp_jitter_deliver_fn deliver;
    void *ctx;
    bool started;
    uint64_t next; /* next extended number to deliver */
    unsigned held;
    uint64_t pending_lost; /* given up, to report with the next delivery */
    /* counters (cumulative) */
    uint64_t delivered, lost, duplicates, late, oversize;
};

/**
 * rtp_jitter_init - a buffer of @nslots (a power of two, 1..
 * RTP_JITTER_MAX_SLOTS) slots of @slot_bytes (1..65535) payload bytes,
 * holding a gap at most @latency_ns, delivering to @deliver(@ctx).
 * Returns 0, -KE_INVAL or -KE_NOMEM.
 */
int rtp_jitter_init(struct rtp_jitter *jb, unsigned nslots, size_t slot_bytes, uint64_t latency_ns,
                    rtp_jitter_deliver_fn deliver, void *ctx);

/** rtp_jitter_fini - free the slots (held packets are dropped uncounted); idempotent. */
void rtp_jitter_fini(struct rtp_jitter *jb);

/**
 * rtp_jitter_put - take packet @ext_seq (RTP @timestamp, @marker, payload
 * [@data, @data + @len), read only and the caller's again on return) that
 * arrived at @now_ns; deliver what it makes deliverable. Returns 0 (taken:
 * delivered or held); -KE_EXIST for a duplicate of a held or delivered
 * packet (counted in duplicates); -KE_RANGE for a packet whose number was
 * already given up (counted in late); -KE_TOOBIG when it would have to be
 * held and exceeds slot_bytes (counted in oversize). A rejected packet
 * changes nothing else.
 */
int rtp_jitter_put(struct rtp_jitter *jb, uint64_t ext_seq, uint32_t timestamp, bool marker,
                   const uint8_t *data, size_t len, uint64_t now_ns);

/**
 * rtp_jitter_poll - at @now_ns, give up every missing number whose wait is
 * over and deliver what follows. Returns the packets delivered.
 */
unsigned rtp_jitter_poll(struct rtp_jitter *jb, uint64_t now_ns);

/** rtp_jitter_deadline - when rtp_jitter_poll() next has work: ns, or UINT64_MAX. */
uint64_t rtp_jitter_deadline(const struct rtp_jitter *jb);

/**
 * rtp_jitter_flush - deliver every held packet now, giving up the gaps
 * between them (end of stream, or before a restart). Afterwards the buffer
 * is empty; with @forget it also forgets where the sequence was, so the
 * next put starts afresh.
 */
void rtp_jitter_flush(struct rtp_jitter *jb, bool forget);

#endif
