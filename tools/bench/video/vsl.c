/*
 * tools/bench/video/vsl.c — options, media loading and the report of the
 * Linux baseline video server (vsl.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "tools/bench/video/vsl.h"
#include "apps/video-server/rtp_jpeg.h"

static void usage(void)
{
    fprintf(stderr,
            "usage: video-server-linux --media ARCHIVE [--list]\n"
            "       video-server-linux --media ARCHIVE --to ADDR:PORT [--to ...] [options]\n"
            "  --media FILE      ustar archive of NAME@FPS.mjpeg files (tools/video/mkmedia)\n"
            "  --list            check every video of the archive, describe it, exit\n"
            "  --file NAME       the video to stream (default: the first one)\n"
            "  --to ADDR:PORT    a client (RTP to PORT, RTCP to PORT+1); ADDR may be a\n"
            "                    multicast group\n"
            "  --clients N       N clients: the last --to and N-1 more on ports +2, +4, ...\n"
            "  --bind ADDR[:PORT] source address (and RTP port; RTCP from PORT+1)\n"
            "  --ttl N           multicast TTL (default 1)\n"
            "  --loops N         play the file N times (default 1; 0: until stopped)\n"
            "  --seconds S       stop after S seconds of stream\n"
            "  --payload N       RTP payload bytes per packet (default %u, as ffmpeg)\n"
            "  --max-frames N    frame index capacity (default 100000)\n"
            "  --sdp FILE        write the SDP of the stream to the first client\n"
            "  --sdp-only        write it and exit (to start a receiver first)\n"
            "  --cname TEXT      RTCP CNAME (default video-server-linux)\n"
            "  --ssrc X --seq X --ts X  fixed RTP identifiers (default random)\n"
            "  --json FILE       also write the figures as JSON\n",
            RTP_JPEG_DEFAULT_PAYLOAD);
}

static int parse_u32(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || end == s || *end || x > UINT32_MAX)
        return -1;
    *out = (uint32_t)x;
    return 0;
}

/* "A.B.C.D[:PORT]" into @a (network order inside); @need_port requires one. */
static int parse_addr(const char *s, struct sockaddr_in *a, bool need_port)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    size_t hl = colon ? (size_t)(colon - s) : strlen(s);
    uint32_t port = 0;
    if (hl >= sizeof host || (colon && (parse_u32(colon + 1, &port) < 0 || port > 65534)) ||
        (need_port && (!colon || port == 0)))
        return -1;
    memcpy(host, s, hl);
    host[hl] = '\0';
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

int vsl_parse_args(struct vsl *v, int argc, char **argv)
{
    enum {
        O_MEDIA = 256,
        O_LIST,
        O_FILE,
        O_TO,
        O_CLIENTS,
        O_BIND,
        O_TTL,
        O_LOOPS,
        O_SECONDS,
        O_PAYLOAD,
        O_MAXF,
        O_SDP,
        O_CNAME,
        O_SSRC,
        O_SEQ,
        O_TS,
        O_JSON,
        O_SDPONLY
    };
    static const struct option opts[] = {
        { "media", 1, NULL, O_MEDIA },     { "list", 0, NULL, O_LIST },
        { "file", 1, NULL, O_FILE },       { "to", 1, NULL, O_TO },
        { "clients", 1, NULL, O_CLIENTS }, { "bind", 1, NULL, O_BIND },
        { "ttl", 1, NULL, O_TTL },         { "loops", 1, NULL, O_LOOPS },
        { "seconds", 1, NULL, O_SECONDS }, { "payload", 1, NULL, O_PAYLOAD },
        { "max-frames", 1, NULL, O_MAXF }, { "sdp", 1, NULL, O_SDP },
        { "cname", 1, NULL, O_CNAME },     { "ssrc", 1, NULL, O_SSRC },
        { "seq", 1, NULL, O_SEQ },         { "ts", 1, NULL, O_TS },
        { "json", 1, NULL, O_JSON },       { "sdp-only", 0, NULL, O_SDPONLY },
        { "help", 0, NULL, 'h' },          { NULL, 0, NULL, 0 }
    };
    v->max_frames = 100000;
    v->max_payload = RTP_JPEG_DEFAULT_PAYLOAD;
    v->loops = 1;
    v->ttl = 1;
    v->cname = "video-server-linux";
    v->fd = -1;
    int c;
    uint32_t x = 0;
    struct sockaddr_in a;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        bool bad = false;
        switch (c) {
        case O_MEDIA: v->media_path = optarg; break;
        case O_LIST: v->list = true; break;
        case O_FILE: v->file_name = optarg; break;
        case O_SDP: v->sdp_path = optarg; break;
        case O_JSON: v->json_path = optarg; break;
        case O_SDPONLY: v->sdp_only = true; break;
        case O_CNAME:
            v->cname = optarg;
            bad = !*optarg || strlen(optarg) > RTCP_CNAME_MAX;
            break;
        case O_TO:
            bad = parse_addr(optarg, &a, true) < 0 || v->nclients == VSL_MAX_CLIENTS;
            if (!bad)
                v->clients[v->nclients++] = a;
            break;
        case O_CLIENTS:
            bad = parse_u32(optarg, &x) < 0 || x == 0 || v->nclients == 0 ||
                  v->nclients - 1 + x > VSL_MAX_CLIENTS ||
                  ntohs(v->clients[v->nclients - 1].sin_port) + 2ull * (x - 1) > 65534;
            for (uint32_t i = 1; !bad && i < x; i++) {
                a = v->clients[v->nclients - 1];
                a.sin_port = htons((uint16_t)(ntohs(a.sin_port) + 2));
                v->clients[v->nclients++] = a;
            }
            break;
        case O_BIND:
            bad = parse_addr(optarg, &a, false) < 0;
            v->origin = ntohl(a.sin_addr.s_addr);
            v->src_port = ntohs(a.sin_port);
            break;
        case O_TTL:
            bad = parse_u32(optarg, &x) < 0 || x < 1 || x > 255;
            v->ttl = x;
            break;
        case O_LOOPS:
            bad = parse_u32(optarg, &x) < 0;
            v->loops = x;
            break;
        case O_SECONDS:
            bad = parse_u32(optarg, &x) < 0;
            v->seconds = x;
            break;
        case O_PAYLOAD:
            bad = parse_u32(optarg, &x) < 0 || x < RTP_JPEG_MIN_PAYLOAD || x > 65507 - 12;
            v->max_payload = x;
            break;
        case O_MAXF:
            bad = parse_u32(optarg, &x) < 0 || x == 0;
            v->max_frames = x;
            break;
        case O_SSRC:
            bad = parse_u32(optarg, &v->ssrc) < 0;
            v->fixed_ids = true;
            break;
        case O_SEQ:
            bad = parse_u32(optarg, &v->seq0) < 0 || v->seq0 > 65535;
            v->fixed_ids = true;
            break;
        case O_TS:
            bad = parse_u32(optarg, &v->ts0) < 0;
            v->fixed_ids = true;
            break;
        default: usage(); return -1;
        }
        if (bad) {
            fprintf(stderr, "video-server-linux: bad value for --%s: %s\n", opts[c - O_MEDIA].name,
                    optarg);
            return -1;
        }
    }
    if (!v->media_path || optind != argc || (v->sdp_only && !v->sdp_path)) {
        usage();
        return -1;
    }
    return 0;
}

static int read_at(void *ctx, uint64_t off, void *buf, uint32_t len)
{
    int fd = *(int *)ctx;
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n <= 0)
            return -9; /* -KE_IO */
        p += n;
        off += (uint64_t)n;
        len -= (uint32_t)n;
    }
    return 0;
}

int vsl_open_media(struct vsl *v)
{
    char err[400];
    v->fd = open(v->media_path, O_RDONLY | O_CLOEXEC);
    if (v->fd < 0) {
        fprintf(stderr, "video-server-linux: %s: %s\n", v->media_path, strerror(errno));
        return -1;
    }
    off_t end = lseek(v->fd, 0, SEEK_END); /* regular file or block device */
    if (end < 0) {
        fprintf(stderr, "video-server-linux: %s: %s\n", v->media_path, strerror(errno));
        return -1;
    }
    v->media_size = (uint64_t)end;
    if (ustar_list(&v->ur, read_at, &v->fd, v->media_size, v->files, VSL_MAX_FILES, &v->nfiles, err,
                   sizeof err) < 0) {
        fprintf(stderr, "video-server-linux: %s refused: %s\n", v->media_path, err);
        return -1;
    }
    return 0;
}

/* Index @e into v->ix (frames allocated here); -1 with @err set. */
static int index_file(struct vsl *v, const struct ustar_entry *e, char *err, size_t errlen)
{
    static struct mjpeg_scratch scratch;
    free(v->ix.frames);
    v->ix.frames = NULL;
    struct mjpeg_frame *frames = calloc(v->max_frames, sizeof *frames);
    if (!frames) {
        snprintf(err, errlen, "out of memory for %u frames", v->max_frames);
        return -1;
    }
    if (mjpeg_rate_from_name(e->name, &v->rate) < 0) {
        snprintf(err, errlen, "the name does not give a frame rate (NAME@FPS.mjpeg, 1..%u)",
                 MJPEG_MAX_FPS);
        free(frames);
        return -1;
    }
    if (mjpeg_index_build(&v->ix, frames, v->max_frames, read_at, &v->fd, e->data_off, e->size,
                          &scratch, err, errlen) < 0) {
        free(frames);
        v->ix.frames = NULL;
        return -1;
    }
    v->max_scan = 0;
    for (uint32_t i = 0; i < v->ix.count; i++)
        if (v->ix.frames[i].scan_len > v->max_scan)
            v->max_scan = v->ix.frames[i].scan_len;
    return 0;
}

int vsl_list(struct vsl *v)
{
    char err[400];
    int bad = 0, videos = 0;
    for (uint32_t i = 0; i < v->nfiles; i++) {
        const struct ustar_entry *e = &v->files[i];
        if (!mjpeg_is_video_name(e->name))
            continue;
        videos++;
        if (index_file(v, e, err, sizeof err) < 0) {
            printf("%s: refused: %s\n", e->name, err);
            bad++;
            continue;
        }
        const struct mjpeg_frame *f = &v->ix.frames[0];
        printf("%s: %u frames at %u/%u fps, %ux%u, RFC 2435 type %u, %u table set(s), "
               "%llu bytes, largest scan %u bytes\n",
               e->name, v->ix.count, v->rate.num, v->rate.den, f->width, f->height, f->type,
               v->ix.nqsets, (unsigned long long)e->size, v->max_scan);
    }
    if (!videos) {
        printf("%s: no .mjpeg files\n", v->media_path);
        return 1;
    }
    return bad ? 1 : 0;
}

int vsl_pick_video(struct vsl *v)
{
    char err[400];
    for (uint32_t i = 0; i < v->nfiles && !v->video; i++)
        if (v->file_name ? !strcmp(v->files[i].name, v->file_name)
                         : mjpeg_is_video_name(v->files[i].name))
            v->video = &v->files[i];
    if (!v->video) {
        fprintf(stderr, "video-server-linux: %s: no %s%s\n", v->media_path,
                v->file_name ? "file " : ".mjpeg file", v->file_name ? v->file_name : "");
        return -1;
    }
    if (index_file(v, v->video, err, sizeof err) < 0) {
        fprintf(stderr, "video-server-linux: %s refused: %s\n", v->video->name, err);
        return -1;
    }
    return 0;
}

uint64_t vsl_tv_ns(const struct timeval *tv)
{
    return (uint64_t)tv->tv_sec * 1000000000ull + (uint64_t)tv->tv_usec * 1000ull;
}

void vsl_report(const struct vsl *v)
{
    double wall = (double)v->wall_ns / 1e9, user = (double)v->cpu_user_ns / 1e9,
           sys = (double)v->cpu_sys_ns / 1e9;
    printf("frames %llu late %llu packets %llu bytes %llu rtcp %llu send_errors %llu "
           "max_start_delay_us %.1f max_send_us %.1f cpu_user_s %.3f cpu_sys_s %.3f "
           "wall_s %.3f cpu_pct %.2f clients %u\n",
           (unsigned long long)v->frames, (unsigned long long)v->late,
           (unsigned long long)v->packets, (unsigned long long)v->bytes,
           (unsigned long long)v->rtcp_packets, (unsigned long long)v->send_errors,
           (double)v->max_start_delay_ns / 1e3, (double)v->max_send_ns / 1e3, user, sys, wall,
           wall > 0 ? 100.0 * (user + sys) / wall : 0.0, v->nclients);
    if (!v->json_path)
        return;
    FILE *f = fopen(v->json_path, "w");
    if (!f) {
        fprintf(stderr, "video-server-linux: cannot write %s\n", v->json_path);
        return;
    }
    fprintf(f,
            "{\"file\": \"%s\", \"clients\": %u, \"frames\": %llu, \"late\": %llu, "
            "\"packets\": %llu, \"bytes\": %llu, \"rtcp\": %llu, \"send_errors\": %llu, "
            "\"max_start_delay_us\": %.1f, \"max_send_us\": %.1f, \"cpu_user_s\": %.3f, "
            "\"cpu_sys_s\": %.3f, \"wall_s\": %.3f, \"fps\": %.3f}\n",
            v->video->name, v->nclients, (unsigned long long)v->frames, (unsigned long long)v->late,
            (unsigned long long)v->packets, (unsigned long long)v->bytes,
            (unsigned long long)v->rtcp_packets, (unsigned long long)v->send_errors,
            (double)v->max_start_delay_ns / 1e3, (double)v->max_send_ns / 1e3, user, sys, wall,
            (double)v->rate.num / v->rate.den);
    fclose(f);
}
