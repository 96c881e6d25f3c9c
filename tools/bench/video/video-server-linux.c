/*
 * tools/bench/video/video-server-linux.c — the Linux baseline of the video
 * server (SPIN's Table 9): a user-level program with sockets that streams the
 * MJPEG files of a media archive as RTP/JPEG to N clients, with the very same
 * archive reader, frame index and packetiser as spindle's video server
 * (apps/video-server/, compiled hosted), paced by clock_nanosleep at the
 * file's frame rate. Every frame is read from the archive (pread) when due;
 * its packets are built once and sent to every client (SPIN's fan-out:
 * identical packets, one send per client).
 *
 * It reports frames and packets sent, frames that were late (their last packet
 * left after the next frame was due), the worst lateness and the CPU time it
 * used. One static binary with no dependencies beyond libc, to run in a Linux
 * VM. See tools/bench/video/README.md.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "apps/video-server/mjpeg.h"
#include "apps/video-server/rtp_jpeg.h"
#include "apps/video-server/sdp.h"
#include "apps/video-server/ustar.h"
#include "tools/bench/video/vsl.h"

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static uint64_t now_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
    struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ull),
                           .tv_nsec = (long)(t % 1000000000ull) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop_flag)
        ;
}

/* Send one packet to every client (the emit callback of the packetiser). */
static int send_all(void *ctx, const uint8_t *pkt, size_t len, bool last)
{
    struct vsl *v = ctx;
    (void)last;
    for (unsigned i = 0; i < v->nclients; i++) {
        if (sendto(v->rtp_fd, pkt, len, 0, (const struct sockaddr *)&v->clients[i],
                   sizeof v->clients[i]) < 0)
            v->send_errors++;
        else {
            v->packets++;
            v->bytes += len;
        }
    }
    return 0;
}

/* An RTCP compound packet (SR + SDES, + BYE at the end) to every client's
 * RTCP port (RTP port + 1, RFC 3550 11). */
static void send_rtcp(struct vsl *v, uint32_t ticks, bool bye)
{
    uint8_t buf[RTCP_SR_LEN + 300];
    size_t n = rtcp_write_sr(&v->tx, buf, sizeof buf, rtp_ntp_from_unix_ns(now_ns(CLOCK_REALTIME)),
                             ticks, v->cname, bye);
    for (unsigned i = 0; i < v->nclients && n; i++) {
        struct sockaddr_in to = v->clients[i];
        to.sin_port = htons((uint16_t)(ntohs(to.sin_port) + 1));
        if (sendto(v->rtcp_fd, buf, n, 0, (const struct sockaddr *)&to, sizeof to) < 0)
            v->send_errors++;
        else
            v->rtcp_packets++;
    }
}

static int write_sdp(const struct vsl *v)
{
    char text[1024];
    struct sdp_rtp_jpeg d = {
        .origin = v->origin,
        .dest = ntohl(v->clients[0].sin_addr.s_addr),
        .ttl = (uint8_t)v->ttl,
        .port = ntohs(v->clients[0].sin_port),
        .session_id = now_ns(CLOCK_REALTIME) / 1000000000ull,
        .name = v->video->name,
        .rate = v->rate,
    };
    int n = sdp_write_rtp_jpeg(text, sizeof text, &d);
    FILE *f = n > 0 ? fopen(v->sdp_path, "w") : NULL;
    if (!f || fwrite(text, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0) {
        fprintf(stderr, "video-server-linux: cannot write %s\n", v->sdp_path);
        return -1;
    }
    return 0;
}

static int open_sockets(struct vsl *v)
{
    v->rtp_fd = socket(AF_INET, SOCK_DGRAM, 0);
    v->rtcp_fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (v->rtp_fd < 0 || v->rtcp_fd < 0) {
        perror("video-server-linux: socket");
        return -1;
    }
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(v->origin) };
    for (int i = 0; i < 2; i++) {
        int fd = i ? v->rtcp_fd : v->rtp_fd;
        a.sin_port = htons(v->src_port ? (uint16_t)(v->src_port + i) : 0);
        if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
            perror("video-server-linux: bind");
            return -1;
        }
        unsigned char ttl = (unsigned char)v->ttl;
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
        if (v->origin) {
            struct in_addr ifa = { .s_addr = htonl(v->origin) };
            setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof ifa);
        }
    }
    return 0;
}

/* Stream the file until it has been played v->loops times, v->seconds
 * passed, or a signal came. */
static void stream(struct vsl *v)
{
    uint8_t *pkt = malloc(RTP_HEADER_LEN + v->max_payload);
    uint8_t *scan = malloc(v->max_scan ? v->max_scan : 1);
    if (!pkt || !scan) {
        fprintf(stderr, "video-server-linux: out of memory\n");
        exit(1);
    }
    uint64_t start = now_ns(CLOCK_MONOTONIC) + 1000000ull; /* 1 ms from now */
    uint64_t next_rtcp = 0, n = 0;
    const uint64_t rtcp_every = 5000000000ull; /* RFC 3550 6.2: 5 s minimum */
    struct rusage r0;
    getrusage(RUSAGE_SELF, &r0);
    for (unsigned loop = 0; !stop_flag && (v->loops == 0 || loop < v->loops); loop++) {
        for (uint32_t i = 0; i < v->ix.count && !stop_flag; i++, n++) {
            uint64_t rel = mjpeg_frame_time_ns(&v->rate, n);
            if (v->seconds && rel >= (uint64_t)v->seconds * 1000000000ull) {
                stop_flag = 1;
                break;
            }
            uint64_t due = start + rel;
            uint32_t ticks = (uint32_t)mjpeg_frame_rtp_ticks(&v->rate, n);
            sleep_until(due);
            uint64_t began = now_ns(CLOCK_MONOTONIC);
            if (rel >= next_rtcp) {
                send_rtcp(v, ticks, false);
                next_rtcp = rel + rtcp_every;
            }
            const struct mjpeg_frame *f = &v->ix.frames[i];
            if (pread(v->fd, scan, f->scan_len,
                      (off_t)(v->video->data_off + f->offset + f->scan_off)) !=
                (ssize_t)f->scan_len) {
                fprintf(stderr, "video-server-linux: reading frame %u failed\n", i);
                v->read_errors++;
                continue;
            }
            struct rtp_jpeg_frame rf;
            rtp_jpeg_frame_init(&rf, f, mjpeg_frame_qset(&v->ix, f), ticks);
            rtp_jpeg_send_frame(&v->tx, &rf, scan, v->max_payload, pkt,
                                RTP_HEADER_LEN + v->max_payload, send_all, v);
            uint64_t done = now_ns(CLOCK_MONOTONIC);
            uint64_t next_due = start + mjpeg_frame_time_ns(&v->rate, n + 1);
            v->frames++;
            if (done > next_due)
                v->late++;
            if (began > due && began - due > v->max_start_delay_ns)
                v->max_start_delay_ns = began - due;
            if (done - began > v->max_send_ns)
                v->max_send_ns = done - began;
        }
    }
    /* The stream ends when the last frame's display period does: the BYE
     * goes then, not right after its packets, since a receiver may read its
     * RTCP socket first (ffmpeg does) and stop before the last frame. */
    if (!stop_flag || n)
        sleep_until(start + mjpeg_frame_time_ns(&v->rate, n));
    send_rtcp(v, (uint32_t)mjpeg_frame_rtp_ticks(&v->rate, n), true);
    struct rusage r1;
    getrusage(RUSAGE_SELF, &r1);
    v->wall_ns = now_ns(CLOCK_MONOTONIC) - start;
    v->cpu_user_ns = vsl_tv_ns(&r1.ru_utime) - vsl_tv_ns(&r0.ru_utime);
    v->cpu_sys_ns = vsl_tv_ns(&r1.ru_stime) - vsl_tv_ns(&r0.ru_stime);
    free(pkt);
    free(scan);
}

int main(int argc, char **argv)
{
    static struct vsl v;
    if (vsl_parse_args(&v, argc, argv) < 0)
        return 2;
    if (vsl_open_media(&v) < 0)
        return 1;
    if (v.list)
        return vsl_list(&v);
    if (vsl_pick_video(&v) < 0)
        return 1;
    if (v.nclients == 0) {
        fprintf(stderr, "video-server-linux: no client (--to ADDR:PORT)\n");
        return 2;
    }
    uint32_t rnd[3] = { v.ssrc, v.seq0, v.ts0 };
    if (!v.fixed_ids && getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        perror("video-server-linux: getrandom");
        return 1;
    }
    rtp_sender_init(&v.tx, RTP_PT_JPEG, rnd[0], (uint16_t)rnd[1], rnd[2]);
    if (v.sdp_path && write_sdp(&v) < 0)
        return 1;
    if (v.sdp_only)
        return 0;
    if (open_sockets(&v) < 0)
        return 1;
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fprintf(stderr,
            "video-server-linux: %s: %u frames %ux%u type %u at %u/%u fps to %u "
            "client(s)\n",
            v.video->name, v.ix.count, v.ix.frames[0].width, v.ix.frames[0].height,
            v.ix.frames[0].type, v.rate.num, v.rate.den, v.nclients);
    stream(&v);
    vsl_report(&v);
    return v.read_errors ? 1 : 0;
}
