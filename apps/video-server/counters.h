/*
 * apps/video-server/counters.h — the video server's counters, one array per
 * instance (netgraph/extension.h: x->ctr, node "video-server"), grouped by
 * the part that counts them: the disk extension (disk_*), the RTP/JPEG
 * extension (rtp_*, rtcp_*), the fan-out extension (fanout_*, client_*) and
 * the control surface (requests_*). Names in the same order: vs_ctr_names.
 */
#ifndef SPINDLE_APPS_VIDEO_COUNTERS_H
#define SPINDLE_APPS_VIDEO_COUNTERS_H

enum vs_ctr {
    VS_DISK_READS,       /* read requests completed successfully */
    VS_DISK_READ_BYTES,  /* scan bytes they brought into packet buffers */
    VS_DISK_IN_PLACE,    /* packets whose scan bytes the disk wrote into the buffer itself */
    VS_DISK_COPIED,      /* packets read through a bounce buffer and copied (geometry) */
    VS_DISK_ERRORS,      /* requests that failed (device error, refusal) */
    VS_DISK_BUSY,        /* submits the disk deferred (its queue was full) */
    VS_DISK_NO_BUFFER,   /* frames not read for want of a packet buffer */
    VS_RTP_FRAMES,       /* frames sent */
    VS_RTP_PACKETS,      /* RTP packets sent, once each (before fan-out) */
    VS_RTP_BYTES,        /* their UDP payload bytes */
    VS_RTP_LATE,         /* frames whose last packet left after the next frame was due */
    VS_RTP_SKIPPED,      /* frames not sent: not read in time, or a read error */
    VS_RTP_DEFERRED,     /* send rounds put off until the transmit queue drained */
    VS_RTP_SEND_ERRORS,  /* udp_send failures (no route, no buffer) */
    VS_RTCP_SENT,        /* RTCP compound packets sent (before fan-out) */
    VS_RTCP_RX,          /* RTCP packets received from clients */
    VS_FANOUT_COPIES,    /* per-client datagrams sent */
    VS_FANOUT_SHARED,    /* ... of which a header buffer chained to the shared payload */
    VS_FANOUT_NO_BUFFER, /* copies not made: video pool empty */
    VS_FANOUT_ERRORS,    /* copies ipv4_output refused (no route, no buffer) */
    VS_CLIENT_ERRORS,    /* ICMP errors and ARP failures about a client's datagrams */
    VS_CLIENTS_DROPPED,  /* clients removed after VS_CLIENT_MAX_ERRORS such errors */
    VS_STREAMS_STARTED,
    VS_STREAMS_ENDED,
    VS_REQUESTS,         /* control requests (play, join, leave, stop, sdp) */
    VS_REQUESTS_REFUSED, /* ... refused with an error: unknown file, full table, bad address */
    VS_NCTR
};

/** vs_ctr_names - the counters' names, VS_NCTR of them then NULL. */
extern const char *const vs_ctr_names[];

#endif
