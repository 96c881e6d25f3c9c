/*
 * apps/video-client/vclient_ext.c — `extension video-client`: the client
 * (vclient.h) on udp.PacketArrived, a timer for its deadlines and a display
 * (vdisplay.h). See vclient_ext.h.
 */
#include "apps/video-client/vclient_ext.h"

#include "apps/video-client/vclient.h"
#include "apps/video-client/vdisplay.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/timer.h"
#include "protocols/udp/udp.h"

/* One instance: x->state. */
struct vc_ext {
    struct kext *x;
    struct vclient *vc;
    struct vdisplay disp;
    struct ktimer timer;
    char title[40];
};

/* after - mirror the client's counters into the instance's and arm the timer at its deadline. */
static void after(struct vc_ext *e)
{
    memcpy(e->x->ctr, vclient_counters(e->vc), VC_NCTR * sizeof(uint64_t));
    uint64_t d = vclient_next_deadline(e->vc);
    if (d == UINT64_MAX)
        ktimer_cancel(&e->timer);
    else
        ktimer_arm(&e->timer, d);
}

/*
 * vc_rx - the handler on udp_PacketArrived (guard: dst port == port=): the
 * datagram's payload into the client, which decodes and shows what it
 * completes before returning. The buffer stays the dispatcher's.
 */
static int vc_rx(void *ctx, struct pktbuf *pkt)
{
    struct vc_ext *e = ctx;
    struct udp_info in;
    udp_parse(pkt, &in);
    vclient_rx(e->vc, in.payload, in.payload_len, kclock_now_ns());
    after(e);
    return KH_TAKEN;
}

/* vc_timer - a deadline of the client passed: lost packets given up, stale frames dropped. */
static void vc_timer(struct ktimer *t, void *ctx)
{
    (void)t;
    struct vc_ext *e = ctx;
    vclient_poll(e->vc, kclock_now_ns());
    after(e);
}

static int vc_install(struct kext *x, char *err, size_t errlen)
{
    struct vc_ext *e = x->state;
    e->x = x;
    struct vclient_config cfg;
    vclient_config_default(&cfg);
    uint64_t ms;
    int rc = kparams_get_u64(x->params, "latency", cfg.latency_ns / KNS_PER_MS, 1, 1000, &ms);
    if (rc < 0) {
        ksnprintf(err, errlen, "latency: %s (expected 1..1000 ms)",
                  rc == -KE_RANGE ? "out of range" : "not a number");
        return rc;
    }
    cfg.latency_ns = ms * KNS_PER_MS;
    ksnprintf(e->title, sizeof e->title, "spindle video-client :%u", x->port);
    if ((rc = vdisplay_open(kparams_get(x->params, "display"), e->title, &e->disp, err, errlen)) <
        0)
        return rc;
    e->vc = vclient_create(&cfg, e->disp.dec, e->disp.sink);
    if (e->vc == NULL) {
        vdisplay_close(&e->disp);
        ksnprintf(err, errlen, "out of memory");
        return -KE_NOMEM;
    }
    ktimer_init(&e->timer, vc_timer, e);
    if ((rc = udp_ext_install(x, vc_rx, e)) < 0) {
        vclient_destroy(e->vc);
        vdisplay_close(&e->disp);
        return rc;
    }
    return 0;
}

/*
 * vc_remove - the handler is still installed (the framework removes it
 * after this): no datagram can arrive while the client goes, since removal
 * runs between dispatches. What the jitter buffer holds is shown, a frame
 * in progress is dropped and counted; the display closes last.
 */
static void vc_remove(struct kext *x)
{
    struct vc_ext *e = x->state;
    ktimer_cancel(&e->timer);
    vclient_destroy(e->vc);
    e->vc = NULL;
    vdisplay_close(&e->disp);
}

static const char *const vc_params[] = { "display", "latency", NULL };

/* It needs its UDP port, and with port= no more (netgraph/extension.h). */
static const struct kext_need vc_needs[] = {
    { .domain = "udp", .scope = "ports", .lo = 0, .hi = 65535, .flags = KEXT_NEED_PORT },
    { .domain = NULL },
};

const struct kextension vclient_extension = {
    .name = "video-client",
    .usage = "video-client [port=N] [display=window|FILE.y4m|fb[:WxH]|none] [latency=MS]",
    .summary = "plays an RTP/JPEG stream (RFC 2435) to its port on a display",
    .event = &udp_PacketArrived,
    .guard = "udp dst port PORT",
    .common = KEXT_PORT | KEXT_GRANT | KEXT_GUARD | KEXT_MODE,
    .default_port = VCLIENT_DEFAULT_PORT,
    .grant_domain = "udp",
    .needs = vc_needs,
    .params = vc_params,
    .state_size = sizeof(struct vc_ext),
    .counters = vclient_counter_names,
    .install = vc_install,
    .remove = vc_remove,
};
KEXTENSION_REGISTER(vclient_extension);

int vclient_ext_format(const struct kext *x, char *buf, size_t size)
{
    const struct vc_ext *e = x->state;
    int n = ksnprintf(buf, size, "video-client %u: port %u, display %s, decoder %s\n", x->id,
                      x->port, e->disp.desc, e->disp.dec ? e->disp.dec->name : "none");
    size_t used = (size_t)n < size ? (size_t)n : (size ? size - 1 : 0);
    return n + vclient_stats_format(e->vc, buf ? buf + used : NULL, size - used);
}
