/*
 * apps/video-server/ext.c — the "video-server" extension:
 *
 *   extension video-server media=disk0|PATH [play=NAME to=A.B.C.D:PORT[,...]
 *             [loop=yes]] [port=N] [grant=udp:N-M] [pool=N] [payload=N] [ttl=N]
 *
 * Its capability is its ports, port= .. port= + 63 (grant=udp:5000-5063 by
 * default, derived from port=; a grant= must name exactly those).
 * opens the media disk (media.h), makes the server current for the console
 * commands and "video" lines (console.c, config.c), installs its handlers
 * (handlers.c) and, with play= and to=, starts a stream at once.
 */
#include "apps/video-server/counters.h"
#include "apps/video-server/handlers.h"
#include "apps/video-server/server.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/port.h"
#include "netgraph/extension.h"
#include "protocols/ipv4/ipv4.h"

const char *const vs_ctr_names[] = {
    "disk_reads",       "disk_read_bytes",  "disk_in_place",
    "disk_copied",      "disk_errors",      "disk_busy",
    "disk_no_buffer",   "rtp_frames",       "rtp_packets",
    "rtp_bytes",        "rtp_late",         "rtp_skipped",
    "rtp_deferred",     "rtp_send_errors",  "rtcp_sent",
    "rtcp_rx",          "fanout_copies",    "fanout_shared",
    "fanout_no_buffer", "fanout_errors",    "client_errors",
    "clients_dropped",  "streams_started",  "streams_ended",
    "requests",         "requests_refused", NULL,
};
_Static_assert(sizeof vs_ctr_names / sizeof vs_ctr_names[0] == VS_NCTR + 1, "one name per counter");

static const char *const vs_params[] = {
    "media", "play", "to", "loop", "pool", "payload", "ttl", NULL,
};

/* get_u32 - parameter @key in [@lo, @hi] (absent: 0) with a message. */
static int get_u32(const struct kext *x, const char *key, uint64_t lo, uint64_t hi, uint32_t *out,
                   char *err, size_t errlen)
{
    uint64_t v = 0;
    int rc = kparams_get_u64(x->params, key, 0, lo, hi, &v);
    if (rc < 0 && kparams_get(x->params, key) != NULL) {
        ksnprintf(err, errlen, "%s: expected a number %llu..%llu", key, (unsigned long long)lo,
                  (unsigned long long)hi);
        return -KE_INVAL;
    }
    *out = (uint32_t)v;
    return 0;
}

static int vs_install(struct kext *x, char *err, size_t errlen)
{
    struct vs_server *s = x->state;
    struct vs_server_params p = { .media = kparams_get(x->params, "media") };
    uint32_t ttl = 0;
    if (p.media == NULL) {
        ksnprintf(err, errlen,
                  "media= is required (disk0, or an archive path on the hosted target)");
        return -KE_INVAL;
    }
    const char *play = kparams_get(x->params, "play"), *to = kparams_get(x->params, "to");
    bool loop = false;
    if ((play == NULL) != (to == NULL)) {
        ksnprintf(err, errlen, "play= and to= go together");
        return -KE_INVAL;
    }
    int rc = get_u32(x, "pool", 64, 65536, &p.pool, err, errlen);
    if (rc == 0)
        rc = get_u32(x, "payload", RTP_JPEG_MIN_PAYLOAD, 1460, &p.max_payload, err, errlen);
    if (rc == 0)
        rc = get_u32(x, "ttl", 1, 255, &ttl, err, errlen);
    if (rc == 0)
        rc = kext_yes_no(x, "loop", false, &loop, err, errlen);
    if (rc < 0)
        return rc;
    p.ttl = (uint8_t)ttl;
    p.base_port = x->port;
    struct vs_dest d[VS_MAX_DESTS];
    unsigned n = 0;
    if (to != NULL && (rc = vs_parse_dests(to, d, &n, err, errlen)) < 0)
        return rc;
    rc = vs_server_open(s, &p, x->ctr, err, errlen);
    if (rc < 0)
        return rc;
    rc = vs_handlers_install(s, x, err, errlen);
    unsigned id;
    if (rc == 0 && play != NULL)
        rc = vs_play(s, play, d, n, loop, &id, err, errlen);
    if (rc < 0)
        vs_server_close(s); /* the framework removes the handlers */
    return rc;
}

static void vs_remove(struct kext *x)
{
    vs_server_close(x->state);
}

/* It needs its ports, port= .. port= + 2 * VS_MAX_STREAMS - 1 (RTP and RTCP
 * of each stream, RFC 3550 section 11), and no more. */
static const struct kext_need vs_needs[] = {
    { .domain = "udp", .scope = "ports", .lo = 0, .hi = 65535, .flags = KEXT_NEED_PORT },
    { .domain = NULL },
};

static const struct kextension video_server_ext = {
    .name = "video-server",
    .usage = "video-server media=disk0|PATH [play=NAME to=A.B.C.D:PORT[,A.B.C.D:PORT...] "
             "[loop=yes]] [port=N] [grant=udp:N-M] [pool=N] [payload=N] [ttl=N]",
    .summary = "streams the MJPEG videos of a tar archive disk as RTP/JPEG (RFC 2435) to "
               "lists of clients and multicast groups",
    .event = &ipv4_SendPacket,
    .guard = "udp src port PORT..PORT+63",
    .common = KEXT_PORT | KEXT_GRANT,
    .default_port = VS_DEFAULT_PORT,
    .port_span = 2u * VS_MAX_STREAMS,
    .grant_domain = "udp",
    .needs = vs_needs,
    .params = vs_params,
    .state_size = sizeof(struct vs_server),
    .counters = vs_ctr_names,
    .install = vs_install,
    .remove = vs_remove,
};
KEXTENSION_REGISTER(video_server_ext);
