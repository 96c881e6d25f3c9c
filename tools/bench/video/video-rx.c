/*
 * tools/bench/video/video-rx.c — the counting receiver of the Table 9
 * benchmark: N RTP/JPEG streams (RFC 3550, RFC 2435) on ports P, P+2, ...
 * (their RTCP ports P+1, ... bound too, so the kernel answers nothing with
 * ICMP port unreachable), for a bounded time; per stream it counts frames
 * delivered whole, lost and late.
 *
 *   video-rx --bind ADDR --port P --streams N --seconds S [--fps R] [--json FILE]
 *            [--until-bye] [--verbose]
 *
 * A frame is delivered when its packets arrive with contiguous RFC 2435
 * fragment offsets from 0 up to the packet with the RTP marker bit. It is
 * lost when a packet of it is missing (a gap in the offsets, a new timestamp
 * before the marker) or when no packet of it arrived at all (a timestamp
 * step of k frame periods loses k - 1 frames). A partial frame before the
 * first frame start of a stream, and one still open when the run ends, are
 * not counted. Late: a frame's delay is its marker packet's arrival minus
 * its RTP timestamp (as seconds); a stream's smallest delay is its reference;
 * a frame more than one frame period behind it is late (the paper's "on time"
 * is within one frame time).
 *
 * With --until-bye the run ends as soon as every stream has sent an RTCP BYE
 * (RFC 3550 6.6), at the latest after S seconds.
 *
 * Prints one line per stream with frames, lost, late and the worst lateness,
 * and a total (--verbose: every late frame, by its number in the stream and
 * its lateness); --json writes the same. Exit 0, or 1 on a setup error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_STREAMS 1024
#define BATCH 64

struct stream {
    int fd, rtcp_fd;
    bool started;         /* a frame start (offset 0) has been seen */
    bool in_frame;        /* packets of frame @ts seen, no marker yet */
    bool broken;          /* ... and one of them missing */
    uint32_t ts;          /* current frame's timestamp */
    uint32_t next_off;    /* the fragment offset the next packet must have */
    int64_t ts_unwrapped; /* @ts extended past 2^32 */
    uint64_t frames, lost, late, packets, rtcp;
    bool bye;      /* an RTCP BYE came */
    double *delay; /* per delivered frame: arrival - timestamp, s */
    uint64_t ndelay, cap;
    double max_late; /* worst lateness past one frame period, s */
};

static struct stream st[MAX_STREAMS];

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int udp_socket(const char *addr, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int big = 4 << 20;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    if (fd < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
        perror("video-rx: socket");
        exit(1);
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        fprintf(stderr, "video-rx: bind %s:%u: %s\n", addr, port, strerror(errno));
        exit(1);
    }
    return fd;
}

/* has_bye - the RTCP compound packet @p (@n bytes) holds a BYE (RFC 3550 6.1, 6.6). */
static bool has_bye(const uint8_t *p, size_t n)
{
    for (size_t off = 0; off + 4 <= n; off += 4u * (((size_t)p[off + 2] << 8 | p[off + 3]) + 1u))
        if (p[off + 1] == 203)
            return true;
    return false;
}

/* frame_done - frame @s->ts delivered whole at @t. */
static void frame_done(struct stream *s, double t, double hz)
{
    s->frames++;
    if (s->ndelay == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->delay = realloc(s->delay, s->cap * sizeof *s->delay);
        if (s->delay == NULL) {
            perror("video-rx");
            exit(1);
        }
    }
    s->delay[s->ndelay++] = t - (double)s->ts_unwrapped / hz;
}

/* rtp - one RTP packet of @s (UDP payload @p, @n bytes) at @t. */
static void rtp(struct stream *s, const uint8_t *p, size_t n, double t, uint32_t ticks)
{
    if (n < 12 + 8 || (p[0] >> 6) != 2)
        return;
    s->packets++;
    bool marker = p[1] & 0x80;
    uint32_t ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
    size_t h = 12 + 4u * (p[0] & 0x0f);
    if (n < h + 8)
        return;
    uint32_t off = (uint32_t)p[h + 1] << 16 | (uint32_t)p[h + 2] << 8 | p[h + 3];
    uint8_t type = p[h + 4];
    size_t hdr = h + 8 + (type >= 64 ? 4 : 0);
    if (off == 0 && p[h + 5] >= 128) /* quantization table header and tables */
        hdr += n >= hdr + 4 ? 4u + ((size_t)p[hdr + 2] << 8 | p[hdr + 3]) : 0;
    if (hdr > n)
        return;
    if (!s->started) {
        if (off != 0)
            return; /* joined mid-frame: wait for a frame start */
        s->started = true;
        s->ts = ts;
        s->ts_unwrapped = ts;
        s->in_frame = false;
    }
    if (ts != s->ts) {
        int32_t step = (int32_t)(ts - s->ts);
        if (step < 0)
            return; /* reordered from an earlier frame: ignore */
        if (s->in_frame)
            s->lost++; /* it never got its marker */
        uint64_t periods = ticks ? ((uint64_t)step + ticks / 2) / ticks : 1;
        if (periods > 1)
            s->lost += periods - 1;
        s->ts_unwrapped += step;
        s->ts = ts;
        s->in_frame = false;
    }
    if (!s->in_frame) {
        s->in_frame = true;
        s->broken = off != 0;
        s->next_off = 0;
    }
    if (off != s->next_off)
        s->broken = true;
    s->next_off = off + (uint32_t)(n - hdr);
    if (marker) {
        if (s->broken)
            s->lost++;
        else
            frame_done(s, t, 90000.0);
        s->in_frame = false;
    }
}

int main(int argc, char **argv)
{
    const char *bind_addr = "0.0.0.0", *json = NULL;
    unsigned port = 6000, n = 1, seconds = 5;
    double fps = 30;
    bool verbose = false, until_bye = false;
    unsigned byes = 0;
    static const struct option opts[] = {
        { "bind", 1, NULL, 'b' },    { "port", 1, NULL, 'p' },      { "streams", 1, NULL, 'n' },
        { "seconds", 1, NULL, 's' }, { "fps", 1, NULL, 'f' },       { "json", 1, NULL, 'j' },
        { "verbose", 0, NULL, 'v' }, { "until-bye", 0, NULL, 'u' }, { NULL, 0, NULL, 0 },
    };
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        switch (c) {
        case 'b': bind_addr = optarg; break;
        case 'p': port = (unsigned)atoi(optarg); break;
        case 'n': n = (unsigned)atoi(optarg); break;
        case 's': seconds = (unsigned)atoi(optarg); break;
        case 'f': fps = atof(optarg); break;
        case 'j': json = optarg; break;
        case 'v': verbose = true; break;
        case 'u': until_bye = true; break;
        default:
            fprintf(stderr, "usage: video-rx --bind ADDR --port P --streams N --seconds S "
                            "[--fps R] [--json FILE] [--until-bye] [--verbose]\n");
            return 1;
        }
    }
    if (n < 1 || n > MAX_STREAMS || port < 1 || port + 2 * n > 65535 || seconds < 1 ||
        seconds > 600 || fps < 1 || fps > 240) {
        fprintf(stderr, "video-rx: streams 1..%u, seconds 1..600, fps 1..240\n", MAX_STREAMS);
        return 1;
    }
    uint32_t ticks = (uint32_t)lround(90000.0 / fps);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (unsigned i = 0; i < n; i++) {
        st[i].fd = udp_socket(bind_addr, (uint16_t)(port + 2 * i));
        st[i].rtcp_fd = udp_socket(bind_addr, (uint16_t)(port + 2 * i + 1));
        struct epoll_event e = { .events = EPOLLIN, .data.u64 = 2ull * i };
        epoll_ctl(ep, EPOLL_CTL_ADD, st[i].fd, &e);
        e.data.u64 = 2ull * i + 1;
        epoll_ctl(ep, EPOLL_CTL_ADD, st[i].rtcp_fd, &e);
    }
    printf("video-rx: %u stream(s) on %s:%u.., %u s\n", n, bind_addr, port, seconds);
    fflush(stdout);
    static uint8_t buf[BATCH][2048];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    for (unsigned i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){ buf[i], sizeof buf[i] };
        msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
    }
    double end = now_s() + seconds;
    struct epoll_event ev[64];
    for (double t = now_s(); t < end && !(until_bye && byes == n); t = now_s()) {
        int k = epoll_wait(ep, ev, 64, (int)((end - t) * 1000) + 1);
        for (int e = 0; e < k; e++) {
            struct stream *s = &st[ev[e].data.u64 / 2];
            bool is_rtcp = ev[e].data.u64 & 1;
            int got;
            while ((got = recvmmsg(is_rtcp ? s->rtcp_fd : s->fd, msgs, BATCH, 0, NULL)) > 0) {
                double at = now_s();
                for (int m = 0; m < got; m++) {
                    if (is_rtcp) {
                        s->rtcp++;
                        if (!s->bye && has_bye(buf[m], msgs[m].msg_len)) {
                            s->bye = true;
                            byes++;
                        }
                    } else
                        rtp(s, buf[m], msgs[m].msg_len, at, ticks);
                }
            }
        }
    }
    /* lateness: each stream against its own smallest delay */
    uint64_t frames = 0, lost = 0, late = 0, packets = 0;
    double worst = 0, period = 1.0 / fps;
    FILE *j = json ? fopen(json, "w") : NULL;
    if (j)
        fprintf(j, "{\"streams\": %u, \"seconds\": %u, \"fps\": %.3f, \"per_stream\": [", n,
                seconds, fps);
    for (unsigned i = 0; i < n; i++) {
        struct stream *s = &st[i];
        double ref = INFINITY;
        for (uint64_t f = 0; f < s->ndelay; f++)
            ref = s->delay[f] < ref ? s->delay[f] : ref;
        for (uint64_t f = 0; f < s->ndelay; f++) {
            double behind = s->delay[f] - ref - period;
            if (behind > 0) {
                if (verbose)
                    printf("stream %u: frame %llu late by %.1f ms\n", i, (unsigned long long)f,
                           behind * 1e3);
                s->late++;
                if (behind > s->max_late)
                    s->max_late = behind;
            }
        }
        frames += s->frames;
        lost += s->lost;
        late += s->late;
        packets += s->packets;
        worst = s->max_late > worst ? s->max_late : worst;
        if (n <= 20 || s->lost || s->late)
            printf("stream %u port %u: frames %llu lost %llu late %llu worst_late_ms %.1f "
                   "packets %llu rtcp %llu\n",
                   i, port + 2 * i, (unsigned long long)s->frames, (unsigned long long)s->lost,
                   (unsigned long long)s->late, s->max_late * 1e3, (unsigned long long)s->packets,
                   (unsigned long long)s->rtcp);
        if (j)
            fprintf(j,
                    "%s{\"port\": %u, \"frames\": %llu, \"lost\": %llu, \"late\": %llu, "
                    "\"worst_late_ms\": %.1f}",
                    i ? ", " : "", port + 2 * i, (unsigned long long)s->frames,
                    (unsigned long long)s->lost, (unsigned long long)s->late, s->max_late * 1e3);
        free(s->delay);
    }
    printf("total: streams %u frames %llu lost %llu late %llu worst_late_ms %.1f packets %llu\n", n,
           (unsigned long long)frames, (unsigned long long)lost, (unsigned long long)late,
           worst * 1e3, (unsigned long long)packets);
    if (j) {
        fprintf(j,
                "], \"frames\": %llu, \"lost\": %llu, \"late\": %llu, \"worst_late_ms\": %.1f, "
                "\"packets\": %llu}\n",
                (unsigned long long)frames, (unsigned long long)lost, (unsigned long long)late,
                worst * 1e3, (unsigned long long)packets);
        fclose(j);
    }
    return 0;
}
