/*
 * apps/video-server/server.c — the stream table and the control requests
 * (server.h).
 */
#include "apps/video-server/server.h"

#include "apps/video-server/counters.h"
#include "apps/video-server/sdp.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "protocols/ipv4/ipv4.h"

#define VS_TAG "video"

static struct vs_server *vs_current;
/* A pool whose buffers were still out (in a transmit queue) when its server
 * closed: kept and reused, or destroyed once every buffer is back. */
static struct pktpool *vs_spare_pool;
static uint32_t vs_spare_count;

static void reap(struct ktimer *t, void *ctx);

struct vs_server *vs_server_current(void)
{
    return vs_current;
}

struct vs_stream *vs_server_stream(struct vs_server *s, unsigned id)
{
    if (id == 0 || id > VS_MAX_STREAMS)
        return NULL;
    return s->streams[id - 1];
}

struct vs_stream *vs_stream_of_port(struct vs_server *s, uint16_t sport)
{
    if (sport < s->base_port || (unsigned)(sport - s->base_port) >= 2u * VS_MAX_STREAMS)
        return NULL;
    return s->streams[(sport - s->base_port) / 2u];
}

/* rand32 - xorshift64* (no entropy source in the kernel: seeded from the clock). */
static uint32_t rand32(struct vs_server *s)
{
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return (uint32_t)((s->rng * 0x2545f4914f6cdd1dull) >> 32);
}

/* refused - count a refused request and pass its code on. */
static int refused(struct vs_server *s, int rc)
{
    s->ctr[VS_REQUESTS_REFUSED]++;
    return rc;
}

/* ------------------------------------------------------------ parsing */

int vs_parse_dest(const char *text, size_t n, struct vs_dest *d, char *err, size_t errlen)
{
    size_t colon = 0;
    while (colon < n && text[colon] != ':')
        colon++;
    uint64_t port = 0;
    if (colon == n || inet_parse_ipv4(text, colon, &d->addr) < 0 ||
        kparse_u64(text + colon + 1, n - colon - 1, &port) < 0 || port == 0 || port > 65535) {
        ksnprintf(err, errlen, "'%.*s': expected A.B.C.D:PORT", (int)n, text);
        return -KE_INVAL;
    }
    d->port = (uint16_t)port;
    return 0;
}

int vs_parse_dests(const char *text, struct vs_dest *d, unsigned *n, char *err, size_t errlen)
{
    *n = 0;
    const char *p = text;
    for (;;) {
        const char *e = p;
        while (*e && *e != ',')
            e++;
        if (*n == VS_MAX_DESTS) {
            ksnprintf(err, errlen, "more than %u destinations", VS_MAX_DESTS);
            return -KE_TOOBIG;
        }
        int rc = vs_parse_dest(p, (size_t)(e - p), &d[*n], err, errlen);
        if (rc < 0)
            return rc;
        (*n)++;
        if (*e == '\0')
            return 0;
        p = e + 1;
    }
}

/* dest_text - "A.B.C.D:PORT" into @buf (24 bytes). */
static const char *dest_text(uint32_t addr, uint16_t port, char buf[24])
{
    char a[INET_IPV4_STRLEN];
    ksnprintf(buf, 24, "%s:%u", inet_fmt_ipv4(addr, a), port);
    return buf;
}

/* ------------------------------------------------------------ open/close */

int vs_server_open(struct vs_server *s, const struct vs_server_params *p, uint64_t *ctr, char *err,
                   size_t errlen)
{
    if (vs_current != NULL) {
        ksnprintf(err, errlen, "a video server runs already (one at a time)");
        return -KE_EXIST;
    }
    memset(s, 0, sizeof *s);
    s->ctr = ctr;
    s->base_port = p->base_port ? p->base_port : VS_DEFAULT_PORT;
    if ((s->base_port & 1u) || (uint32_t)s->base_port + 2u * VS_MAX_STREAMS > 65536u) {
        ksnprintf(err, errlen,
                  "port=%u: the first source port must be even and leave room "
                  "for %u streams (RTP and RTCP each)",
                  s->base_port, VS_MAX_STREAMS);
        return -KE_INVAL;
    }
    s->mcast_ttl = p->ttl ? p->ttl : VS_DEFAULT_TTL;
    uint32_t payload = p->max_payload ? p->max_payload : RTP_JPEG_DEFAULT_PAYLOAD;
    uint32_t count = p->pool ? p->pool : VS_DEFAULT_POOL;
    if (payload < RTP_JPEG_MIN_PAYLOAD || payload + VS_NET_HDRS + RTP_HEADER_LEN > 1514u) {
        ksnprintf(err, errlen, "payload=%u: RTP payload must be %u..%u bytes (one Ethernet frame)",
                  payload, RTP_JPEG_MIN_PAYLOAD, 1514u - VS_NET_HDRS - RTP_HEADER_LEN);
        return -KE_INVAL;
    }
    int rc = vs_media_open(&s->media, p->media, err, errlen);
    if (rc < 0)
        return rc;
    if (vs_spare_pool != NULL && (vs_spare_count != count || pktpool_out(vs_spare_pool) != 0) &&
        pktpool_destroy(vs_spare_pool) == 0)
        vs_spare_pool = NULL;
    if (vs_spare_pool != NULL && vs_spare_count == count) {
        s->pool = vs_spare_pool;
        vs_spare_pool = NULL;
    } else {
        s->pool = pktpool_create("video", count, PKT_BLOCK_SIZE, NULL, NULL);
    }
    if (s->pool == NULL) {
        ksnprintf(err, errlen, "no memory for a pool of %u buffers", count);
        vs_media_close(&s->media);
        return -KE_NOMEM;
    }
    s->disk = (struct vs_disk){
        .disk = s->media.disk, .pool = s->pool, .max_payload = payload, .ctr = ctr
    };
    s->rng = kclock_now_ns() ^ (uint64_t)(uintptr_t)s ^ 0x9e3779b97f4a7c15ull;
    if (s->rng == 0)
        s->rng = 1;
    ktimer_init(&s->reap, reap, s);
    s->pool_count = count;
    vs_current = s;
    return 0;
}

/* stream_free - stop stream @st and free it. */
static void stream_free(struct vs_server *s, struct vs_stream *st)
{
    s->streams[st->id - 1] = NULL;
    vs_stream_stop(st);
    vs_stream_fini(st);
    kfree(st);
    s->ctr[VS_STREAMS_ENDED]++;
}

void vs_server_close(struct vs_server *s)
{
    if (vs_current != s)
        return;
    ktimer_cancel(&s->reap);
    for (unsigned i = 0; i < VS_MAX_STREAMS; i++)
        if (s->streams[i] != NULL)
            stream_free(s, s->streams[i]);
    vs_media_close(&s->media);
    if (s->pool != NULL && pktpool_destroy(s->pool) < 0) {
        if (vs_spare_pool != NULL && pktpool_destroy(vs_spare_pool) < 0)
            KWARN(VS_TAG, "two video pools still hold buffers");
        vs_spare_pool = s->pool; /* buffers in transmit queues: kept for later */
        vs_spare_count = s->pool_count;
    }
    s->pool = NULL;
    vs_current = NULL;
}

/* reap - free the streams that ended or have no client left. */
static void reap(struct ktimer *t, void *ctx)
{
    (void)t;
    struct vs_server *s = ctx;
    for (unsigned i = 0; i < VS_MAX_STREAMS; i++) {
        struct vs_stream *st = s->streams[i];
        if (st != NULL && (st->ended || st->fan.n == 0))
            stream_free(s, st);
    }
}

/* stream_ended - vs_stream_ops.ended: free it from the reap timer (not from its own). */
static void stream_ended(struct vs_stream *st, void *ctx)
{
    struct vs_server *s = ctx;
    char a[24];
    KINFO(VS_TAG,
          "stream %u: %s ended after %llu frames (%llu late, %llu skipped) to %u "
          "client(s), first %s",
          st->id, st->video->name, (unsigned long long)st->frames, (unsigned long long)st->late,
          (unsigned long long)st->skipped, st->fan.n,
          st->fan.n ? dest_text(st->fan.clients[0].addr, st->fan.clients[0].port, a) : "-");
    ktimer_arm_in(&s->reap, 0);
}

/* ------------------------------------------------------------ requests */

/* add_dest - add @d to @st with a message on failure. */
static int add_dest(struct vs_stream *st, const struct vs_dest *d, char *err, size_t errlen)
{
    char b[24];
    int rc = vs_fanout_add(&st->fan, d->addr, d->port);
    switch (rc) {
    case 0: return 0;
    case -KE_EXIST:
        ksnprintf(err, errlen, "%s is a destination of stream %u already",
                  dest_text(d->addr, d->port, b), st->id);
        break;
    case -KE_UNREACH:
        ksnprintf(err, errlen, "%s: no route to it", dest_text(d->addr, d->port, b));
        break;
    case -KE_TOOBIG:
        ksnprintf(err, errlen, "stream %u has %u destinations, the most it may", st->id,
                  VS_MAX_CLIENTS);
        break;
    case -KE_NOMEM: ksnprintf(err, errlen, "no memory for another destination"); break;
    default:
        ksnprintf(err, errlen,
                  "%s: a destination needs a unicast or multicast address and an "
                  "even port (RTCP goes to port + 1) not overlapping another destination's on "
                  "that address",
                  dest_text(d->addr, d->port, b));
        break;
    }
    return rc;
}

/* video_names - "a@30.mjpeg, b@25.mjpeg" into @buf. */
static void video_names(const struct vs_media *m, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < m->nvideos && len + 1 < cap; i++) {
        int n = ksnprintf(buf + len, cap - len, "%s%s", i ? ", " : "", m->videos[i].name);
        len += n > 0 ? (size_t)n : 0;
    }
}

int vs_play(struct vs_server *s, const char *file, const struct vs_dest *d, unsigned n, bool loop,
            unsigned *id, char *err, size_t errlen)
{
    s->ctr[VS_REQUESTS]++;
    const struct vs_video *v = vs_media_find(&s->media, file);
    if (v == NULL) {
        char names[160];
        video_names(&s->media, names, sizeof names);
        ksnprintf(err, errlen, "no video '%s' on %s (it holds %s)", file, s->media.disk->name,
                  names);
        return refused(s, -KE_NOENT);
    }
    if (!v->ok) {
        ksnprintf(err, errlen, "%s refused: %s", v->name, v->why);
        return refused(s, -KE_INVAL);
    }
    if (n == 0) {
        ksnprintf(err, errlen, "no destination");
        return refused(s, -KE_INVAL);
    }
    unsigned slot = 0;
    while (slot < VS_MAX_STREAMS && s->streams[slot] != NULL)
        slot++;
    if (slot == VS_MAX_STREAMS) {
        ksnprintf(err, errlen, "all %u streams are playing (video stop ID frees one)",
                  VS_MAX_STREAMS);
        return refused(s, -KE_TOOBIG);
    }
    struct vs_stream *st = kmalloc(sizeof *st);
    if (st == NULL) {
        ksnprintf(err, errlen, "no memory for a stream");
        return refused(s, -KE_NOMEM);
    }
    struct vs_stream_ops ops = { .ended = stream_ended, .ctx = s };
    uint16_t sport = (uint16_t)(s->base_port + 2u * slot);
    int rc = vs_stream_init(st, slot + 1u, v, loop, sport, s->mcast_ttl, &s->disk, s->ctr,
                            rand32(s), (uint16_t)rand32(s), rand32(s), &ops);
    if (rc < 0) {
        if (rc == -KE_TOOBIG)
            ksnprintf(err, errlen,
                      "%s: its largest frame (%u scan bytes) needs more than %u "
                      "packets",
                      v->name, v->max_scan, VS_FRAME_MAX_PKTS);
        else
            ksnprintf(err, errlen, "no memory for the stream's frame buffers");
        vs_stream_fini(st);
        kfree(st);
        return refused(s, rc);
    }
    for (unsigned i = 0; i < n; i++) {
        rc = add_dest(st, &d[i], err, errlen);
        if (rc < 0) {
            vs_stream_fini(st);
            kfree(st);
            return refused(s, rc);
        }
    }
    s->streams[slot] = st;
    s->ctr[VS_STREAMS_STARTED]++;
    vs_stream_start(st);
    *id = st->id;
    char b[24];
    KINFO(VS_TAG, "stream %u: %s (%u frames, %ux%u, %u/%u fps%s) to %s%s from port %u", st->id,
          v->name, v->ix.count, v->ix.frames[0].width, v->ix.frames[0].height, v->rate.num,
          v->rate.den, loop ? ", loop" : "", dest_text(d[0].addr, d[0].port, b),
          n > 1 ? " and others" : "", sport);
    return 0;
}

/* find_stream - stream @id or a message. */
static struct vs_stream *find_stream(struct vs_server *s, unsigned id, char *err, size_t errlen)
{
    struct vs_stream *st = vs_server_stream(s, id);
    if (st == NULL || st->ended)
        ksnprintf(err, errlen, "no stream %u (video list shows them)", id);
    return st != NULL && !st->ended ? st : NULL;
}

int vs_join(struct vs_server *s, unsigned id, const struct vs_dest *d, char *err, size_t errlen)
{
    s->ctr[VS_REQUESTS]++;
    struct vs_stream *st = find_stream(s, id, err, errlen);
    if (st == NULL)
        return refused(s, -KE_NOENT);
    int rc = add_dest(st, d, err, errlen);
    if (rc < 0)
        return refused(s, rc);
    /* An SR for it alone: it synchronises, and its address resolves before
     * the next frame (the fan-out must not copy this send to the others). */
    s->direct = true;
    vs_stream_rtcp_to(st, &st->fan.clients[st->fan.n - 1]);
    s->direct = false;
    return 0;
}

int vs_leave(struct vs_server *s, unsigned id, const struct vs_dest *d, char *err, size_t errlen)
{
    s->ctr[VS_REQUESTS]++;
    struct vs_stream *st = find_stream(s, id, err, errlen);
    if (st == NULL)
        return refused(s, -KE_NOENT);
    if (vs_fanout_remove(&st->fan, d->addr, d->port) < 0) {
        char b[24];
        ksnprintf(err, errlen, "%s is not a destination of stream %u",
                  dest_text(d->addr, d->port, b), id);
        return refused(s, -KE_NOENT);
    }
    if (st->fan.n == 0)
        stream_free(s, st);
    return 0;
}

int vs_stop(struct vs_server *s, unsigned id, char *err, size_t errlen)
{
    s->ctr[VS_REQUESTS]++;
    struct vs_stream *st = find_stream(s, id, err, errlen);
    if (st == NULL)
        return refused(s, -KE_NOENT);
    vs_stream_rtcp(st, true);
    stream_free(s, st);
    return 0;
}

int vs_sdp(struct vs_server *s, unsigned id, const struct vs_dest *d, char *buf, size_t cap,
           char *err, size_t errlen)
{
    s->ctr[VS_REQUESTS]++;
    struct vs_stream *st = find_stream(s, id, err, errlen);
    if (st == NULL)
        return refused(s, -KE_NOENT);
    int i = d ? vs_fanout_find(&st->fan, d->addr, d->port) : 0;
    if (i < 0 || st->fan.n == 0) {
        char b[24];
        ksnprintf(err, errlen, "%s is not a destination of stream %u",
                  d ? dest_text(d->addr, d->port, b) : "-", id);
        return refused(s, -KE_NOENT);
    }
    const struct vs_client *c = &st->fan.clients[i];
    struct sdp_rtp_jpeg sd = {
        .origin = c->src,
        .dest = c->addr,
        .ttl = st->fan.mcast_ttl,
        .port = c->port,
        .session_id = st->tx.ssrc,
        .name = st->video->name,
        .rate = st->video->rate,
    };
    int n = sdp_write_rtp_jpeg(buf, cap, &sd);
    if (n < 0) {
        ksnprintf(err, errlen, "the SDP does not fit %zu bytes", cap);
        return refused(s, n);
    }
    return n;
}

void vs_drop_client(struct vs_server *s, struct vs_stream *st, uint32_t i, const char *why)
{
    if (i >= st->fan.n)
        return;
    char b[24];
    const struct vs_client *c = &st->fan.clients[i];
    KWARN(VS_TAG, "stream %u: destination %s dropped: %s (%u errors over %llu ms)", st->id,
          dest_text(c->addr, c->port, b), why, c->errors,
          (unsigned long long)((c->last_err_ns - c->first_err_ns) / KNS_PER_MS));
    vs_fanout_remove(&st->fan, c->addr, c->port);
    s->ctr[VS_CLIENTS_DROPPED]++;
    if (st->fan.n == 0) {
        st->ending = true; /* no more sends; freed outside the handler that got here */
        ktimer_arm_in(&s->reap, 0);
    }
}
