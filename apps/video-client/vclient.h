/*
 * apps/video-client/vclient.h — the RTP/JPEG video client below the UDP
 * glue: RTP (RFC 3550) receive with sequence tracking and a bounded jitter
 * buffer, RFC 2435 frame assembly and JPEG header rebuild, then decoding
 * (vdec.h) into a display sink (vsink.h), with counters.
 *
 * What the glue does:
 *   vc = vclient_create(&cfg, dec, sink);             at install
 *   vclient_rx(vc, udp_payload, len, now_ns);         per UDP datagram to the port
 *   vclient_poll(vc, now_ns);                         when vclient_next_deadline() passes
 *   vclient_destroy(vc);                              at removal (flushes, counts, frees)
 * vclient_rx never keeps a pointer to the datagram: the packet buffer is
 * the caller's again (free it) when the call returns. Frames are decoded
 * and shown inside vclient_rx/vclient_poll (run to completion; no strands).
 *
 * Freestanding C11; memory from kmalloc in vclient_create only.
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_VCLIENT_H
#define SPINDLE_APPS_VIDEO_CLIENT_VCLIENT_H

#include <stddef.h>
#include <stdint.h>
#include "apps/video-client/rtpjpeg_asm.h"
#include "apps/video-client/vdec.h"
#include "apps/video-client/vsink.h"
#include "kernel/stats.h"

/** Settings; vclient_config_default() fills in the defaults named here. */
struct vclient_config {
    uint8_t payload_type;           /* RTP payload type accepted: 26 (JPEG, RFC 3551) */
    unsigned jitter_slots;          /* jitter buffer slots, a power of two: 64 */
    size_t max_payload;             /* bytes of one held RTP payload: 1500 */
    uint64_t latency_ns;            /* longest wait for a missing packet: 20 ms */
    uint64_t frame_timeout_ns;      /* a frame with no packet for this long is dropped: 500 ms */
    uint64_t late_ns;               /* drop a frame completed this long after its playout
                                   * time (first-packet arrival on the RTP clock + latency);
                                   * 0 (default): never on time alone */
    size_t max_frame_bytes;         /* JPEG bytes of one frame: 1 MiB */
    uint16_t max_width, max_height; /* pixels: 1920 x 1080 */
    /** Called with every complete frame before it is decoded (tests, recording); may be NULL. */
    void (*on_frame)(void *ctx, const struct rtpjpeg_frame *f);
    void *on_frame_ctx;
    /** Clock timing the decoder (ns); NULL: arch_clock_ns(), the target's monotonic clock. */
    uint64_t (*cpu_clock_ns)(void);
};

/** Counters (names in vclient_counter_names, in this order). */
enum vclient_counter {
    VC_PACKETS,         /* datagrams given to vclient_rx */
    VC_BYTES,           /* their bytes */
    VC_NOT_RTP,         /* not RTP version 2, or cut short */
    VC_WRONG_PT,        /* another payload type */
    VC_OTHER_SSRC,      /* from another source than the one followed */
    VC_SSRC_CHANGES,    /* switched to a new source (its second in-sequence packet) */
    VC_SEQ_JUMPS,       /* sequence jumps dropped (RFC 3550 A.1) */
    VC_RESTARTS,        /* sender restarts accepted after a jump */
    VC_LOST,            /* sequence numbers given up as lost */
    VC_REORDERED,       /* packets arriving behind the highest number (duplicates included) */
    VC_DUPLICATES,      /* duplicates dropped */
    VC_LATE_PACKETS,    /* packets arriving after their number was given up */
    VC_OVERSIZE,        /* payloads too big to hold for reordering */
    VC_BAD_PAYLOADS,    /* RTP/JPEG headers rejected */
    VC_FRAMES_COMPLETE, /* frames assembled whole */
    VC_FRAMES_SHOWN,    /* frames decoded and shown */
    VC_DROP_LATE,       /* frames dropped: late (older than the last shown, or past playout) */
    VC_DROP_INCOMPLETE, /* frames dropped: a fragment missing */
    VC_DROP_CORRUPT,    /* frames dropped: malformed, too big, undecodable */
    VC_DECODE_ERRORS,   /* of those: the decoder refused the JPEG */
    VC_DISPLAY_ERRORS,  /* the sink could not take or show a frame */
    VC_DECODE_NS_LAST,  /* decode time of the last frame, ns */
    VC_DECODE_NS_MAX,
    VC_DECODE_NS_TOTAL, /* over VC_DECODED frames */
    VC_DECODED,         /* decode attempts timed */
    VC_JITTER,          /* interarrival jitter, RTP units (RFC 3550 6.4.1) */
    VC_NCTR
};

/** Counter names, indexed by enum vclient_counter, then NULL. */
extern const char *const vclient_counter_names[VC_NCTR + 1];

struct vclient;

/** vclient_config_default - fill @c with the defaults (see struct vclient_config). */
void vclient_config_default(struct vclient_config *c);

/**
 * vclient_create - a client with settings @cfg (copied), decoding with
 * @dec into @sink; both may be NULL (frames are then assembled, passed to
 * cfg->on_frame and counted complete, never shown). The client does not
 * own @dec and @sink: destroy them after vclient_destroy(). Returns NULL
 * for bad settings or when memory is exhausted.
 */
struct vclient *vclient_create(const struct vclient_config *cfg, struct vdec *dec,
                               struct vsink *sink);

/**
 * vclient_destroy - deliver what the jitter buffer holds, drop a frame in
 * progress (counted incomplete), free everything. NULL is ignored.
 */
void vclient_destroy(struct vclient *vc);

/**
 * vclient_rx - one UDP datagram's payload [@pkt, @pkt + @len) (read only;
 * the caller's again on return) that arrived at @now_ns on the caller's
 * clock (kclock_now_ns(); never going back). Decodes and shows every frame
 * it completes. Returns 0 when the packet was taken (or was a harmless
 * duplicate), or a negative KE_* code saying why it was dropped (counted):
 * -KE_INVAL (not RTP, RTP/JPEG header rejected), -KE_NOTSUP (payload type,
 * JPEG type), -KE_PERM (another source), -KE_RANGE (sequence jump, late),
 * -KE_EXIST (duplicate), -KE_TOOBIG (oversize payload).
 */
int vclient_rx(struct vclient *vc, const uint8_t *pkt, size_t len, uint64_t now_ns);

/**
 * vclient_poll - at @now_ns, give up packets waited for too long and drop
 * frames timed out; shows what that completes.
 */
void vclient_poll(struct vclient *vc, uint64_t now_ns);

/** vclient_next_deadline - when vclient_poll() next has work (ns), or UINT64_MAX. */
uint64_t vclient_next_deadline(const struct vclient *vc);

/**
 * vclient_flush - end of stream: deliver everything held, drop the frame
 * in progress as incomplete; the client stays usable.
 */
void vclient_flush(struct vclient *vc);

/** vclient_counters - the counter array (VC_NCTR values), current after every call above. */
const uint64_t *vclient_counters(const struct vclient *vc);

/**
 * vclient_stat_group - a counter group named "video-client" over the
 * client's counters, for kstats_register() (the caller registers it and
 * unregisters it before vclient_destroy()).
 */
struct kstat_group *vclient_stat_group(struct vclient *vc);

/**
 * vclient_stats_format - the counters as text for the console's
 * "video-client stats": one "name value" line each, then the mean decode
 * time. Returns the length the full text has (ksnprintf semantics).
 */
int vclient_stats_format(const struct vclient *vc, char *buf, size_t size);

#endif
