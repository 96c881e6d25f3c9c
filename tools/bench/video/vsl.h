/*
 * tools/bench/video/vsl.h — the Linux baseline video server's state, options,
 * media loading and report (vsl.c); the streaming loop is in
 * video-server-linux.c.
 */
#ifndef SPINDLE_TOOLS_BENCH_VIDEO_VSL_H
#define SPINDLE_TOOLS_BENCH_VIDEO_VSL_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/time.h>

#include "apps/video-server/mjpeg.h"
#include "apps/video-server/rtp.h"
#include "apps/video-server/ustar.h"

/** Most clients (destinations) one run sends to. */
#define VSL_MAX_CLIENTS 1024u
/** Most regular files in the archive. */
#define VSL_MAX_FILES 256u

struct vsl {
    /* options */
    const char *media_path;
    const char *file_name; /* --file, NULL: the first video */
    const char *sdp_path;
    const char *json_path;
    const char *cname;
    uint32_t max_frames;  /* index capacity */
    uint32_t max_payload; /* RTP payload bytes per packet */
    unsigned loops;       /* plays of the file, 0 = until stopped */
    unsigned seconds;     /* stop after this much stream time, 0 = never */
    unsigned ttl;         /* multicast TTL */
    uint32_t origin;      /* --bind address, host order, 0 any */
    uint16_t src_port;    /* --bind port (RTP; RTCP +1), 0 ephemeral */
    bool list;
    bool sdp_only;  /* write --sdp and exit */
    bool fixed_ids; /* --ssrc/--seq/--ts given */
    uint32_t ssrc, seq0, ts0;
    struct sockaddr_in clients[VSL_MAX_CLIENTS];
    unsigned nclients;
    /* media */
    int fd;
    uint64_t media_size;
    struct ustar_reader ur;
    struct ustar_entry files[VSL_MAX_FILES];
    uint32_t nfiles;
    const struct ustar_entry *video;
    struct mjpeg_rate rate;
    struct mjpeg_index ix;
    uint32_t max_scan;
    /* streaming */
    struct rtp_sender tx;
    int rtp_fd, rtcp_fd;
    uint64_t frames, late, packets, bytes, rtcp_packets, send_errors, read_errors;
    uint64_t max_start_delay_ns, max_send_ns, wall_ns, cpu_user_ns, cpu_sys_ns;
};

/** vsl_parse_args - options into @v (defaults first); -1 after printing usage. */
int vsl_parse_args(struct vsl *v, int argc, char **argv);
/** vsl_open_media - open the archive and list its files; -1 after a message. */
int vsl_open_media(struct vsl *v);
/** vsl_list - check and describe every video of the archive; exit status. */
int vsl_list(struct vsl *v);
/** vsl_pick_video - choose the file, its rate and index it; -1 after a message. */
int vsl_pick_video(struct vsl *v);
/** vsl_report - print the run's figures (and write --json). */
void vsl_report(const struct vsl *v);
/** vsl_tv_ns - a timeval in ns. */
uint64_t vsl_tv_ns(const struct timeval *tv);

#endif
