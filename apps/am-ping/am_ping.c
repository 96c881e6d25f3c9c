/*
 * apps/am-ping/am_ping.c — the "am-ping" extension: round trips of active
 * messages (apps/am/am.h) to a peer spindle, the client side of the
 * issue's benchmark.
 *
 *   extension am-ping peer=A.B.C.D[:PORT] [via=ENDPOINT] [count=N] [interval=US] [size=BYTES]
 *   extension am-ping mac=MAC vc=VPI/VCI [dev=NAME] [count=N] [interval=US] [size=BYTES]
 *
 * It reaches the endpoints only through the "am" domain of the name
 * service (grant=am:..., by default am:*): it links an import "am" and
 * calls the entry points find, request, store and cancel by name. Over UDP
 * it uses the endpoint via= (default: the first UDP endpoint) to the peer's
 * PORT (default 9000); over AAL5 the endpoint of that VC, to the peer's MAC
 * out of interface dev= (default: the first interface).
 *
 * First count 0-argument requests to the peer's AM_H_ECHO, one at a time,
 * interval microseconds apart (default 10 and 1000); then, with size=, count
 * stores of size bytes (1..65536) into the peer's segment 0 at offset 0
 * with no handler, back to back. Counters (node "am-ping"): round trips
 * min/p50/p99/max and stores p50/p99 in nanoseconds, the store bandwidth in
 * kbit/s (bytes x 8 over the summed store times), losses, retransmissions,
 * each phase's elapsed time (its first start to its last completion, ns:
 * with the round trips' sum it shows the wait between them), and done = 1
 * at the end, when it also logs one line. "am-ping stats" on
 * the console prints every instance.
 */
#include "apps/am/am.h"
#include "apps/am/am_addr.h"
#include "apps/am-ping/am_ping_stats.h"
#include "apps/console/command.h"

#include "kernel/domain.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/timer.h"
#include "netgraph/extension.h"
#include "netgraph/netif.h"
#include "protocols/aal5/aal5.h"

enum {
    AP_PINGS,
    AP_PING_OK,
    AP_PING_FAILED,
    AP_RTT_MIN,
    AP_RTT_P50,
    AP_RTT_P99,
    AP_RTT_MAX,
    AP_STORES,
    AP_STORE_OK,
    AP_STORE_FAILED,
    AP_STORE_BYTES,
    AP_STORE_P50,
    AP_STORE_P99,
    AP_STORE_KBPS,
    AP_RETRANSMITS,
    AP_PING_ELAPSED,
    AP_STORE_ELAPSED,
    AP_DONE,
};
static const char *const ap_counters[] = {
    "pings",           "ping_ok",          "ping_failed",  "rtt_min_ns",   "rtt_p50_ns",
    "rtt_p99_ns",      "rtt_max_ns",       "stores",       "store_ok",     "store_failed",
    "store_bytes",     "store_p50_ns",     "store_p99_ns", "store_kbit_s", "retransmits",
    "ping_elapsed_ns", "store_elapsed_ns", "done",         NULL,
};

enum ap_phase { AP_PHASE_PING, AP_PHASE_STORE, AP_PHASE_DONE };

struct am_ping {
    struct am_ping *next; /* all instances, for the console */
    struct kext *x;
    uint64_t *ctr;
    /* the "am" interface, linked through the grant */
    struct kdomain dom;
    const struct kiface *am;
    am_find_fn find;
    am_request_fn request;
    am_store_fn store_fn;
    am_cancel_fn cancel;
    /* where */
    char via[32];
    struct am_addr peer;
    char peer_text[40];
    /* what */
    uint32_t count, interval_us, size;
    uint8_t *buf; /* size bytes to store */
    enum ap_phase phase;
    uint32_t sent; /* of the current phase */
    bool waiting;  /* a transfer is in flight */
    struct amp_series rtt, stores;
    struct ktimer timer;
    const char *stopped;     /* why it stopped early, or NULL */
    uint64_t phase_start_ns; /* when the phase's first transfer started (kclock) */
};

static struct am_ping *ap_all;

static struct am_ep *ap_ep(struct am_ping *a)
{
    return a->find(a->via);
}

/* ap_finish - the last phase ended: figures into the counters, one log line. */
static void ap_finish(struct am_ping *a)
{
    uint64_t *c = a->ctr;
    a->phase = AP_PHASE_DONE;
    c[AP_RTT_P50] = amp_series_pct(&a->rtt, 50); /* sorts */
    c[AP_RTT_MIN] = a->rtt.n ? a->rtt.v[0] : 0;
    c[AP_RTT_P99] = amp_series_pct(&a->rtt, 99);
    c[AP_RTT_MAX] = a->rtt.n ? a->rtt.v[a->rtt.n - 1] : 0;
    c[AP_STORE_P50] = amp_series_pct(&a->stores, 50);
    c[AP_STORE_P99] = amp_series_pct(&a->stores, 99);
    uint64_t ns = amp_series_sum(&a->stores);
    c[AP_STORE_KBPS] = ns ? (uint64_t)a->stores.n * a->size * 8u * 1000000u / ns : 0;
    c[AP_DONE] = 1;
    KINFO("am-ping",
          "%s via %s: %llu/%llu round trips, rtt p50 %llu ns p99 %llu ns; "
          "%llu/%llu stores of %u B, p50 %llu ns, %llu kbit/s; elapsed %llu + %llu ns%s%s",
          a->peer_text, a->via, (unsigned long long)c[AP_PING_OK], (unsigned long long)c[AP_PINGS],
          (unsigned long long)c[AP_RTT_P50], (unsigned long long)c[AP_RTT_P99],
          (unsigned long long)c[AP_STORE_OK], (unsigned long long)c[AP_STORES], a->size,
          (unsigned long long)c[AP_STORE_P50], (unsigned long long)c[AP_STORE_KBPS],
          (unsigned long long)c[AP_PING_ELAPSED], (unsigned long long)c[AP_STORE_ELAPSED],
          a->stopped ? "; stopped: " : "", a->stopped ? a->stopped : "");
}

/* ap_next - arm the timer for the next transfer @delay_us from now. */
static void ap_next(struct am_ping *a, uint32_t delay_us)
{
    ktimer_arm_in(&a->timer, (uint64_t)delay_us * KNS_PER_US);
}

static void ap_done(void *ctx, const struct am_result *r)
{
    struct am_ping *a = ctx;
    uint64_t *c = a->ctr;
    a->waiting = false;
    c[AP_RETRANSMITS] += r->retransmits;
    uint64_t took = r->end_ns - r->start_ns;
    if (a->phase_start_ns != 0)
        c[a->phase == AP_PHASE_PING ? AP_PING_ELAPSED : AP_STORE_ELAPSED] =
            r->end_ns - a->phase_start_ns;
    if (a->phase == AP_PHASE_PING) {
        if (r->status == 0 && r->type == AM_REPLY) {
            c[AP_PING_OK]++;
            amp_series_add(&a->rtt, took);
        } else {
            c[AP_PING_FAILED]++;
        }
    } else {
        if (r->status == 0) {
            c[AP_STORE_OK]++;
            c[AP_STORE_BYTES] += r->bytes;
            amp_series_add(&a->stores, took);
        } else {
            c[AP_STORE_FAILED]++;
        }
    }
    if (r->status == -KE_NOENT && ap_ep(a) == NULL)
        a->stopped = "endpoint removed";
    ap_next(a, a->phase == AP_PHASE_PING ? a->interval_us : 0);
}

/* ap_tick - the timer: start the next transfer, or move to the next phase. */
static void ap_tick(struct ktimer *t, void *ctx)
{
    (void)t;
    struct am_ping *a = ctx;
    if (a->waiting || a->phase == AP_PHASE_DONE)
        return;
    if (a->phase == AP_PHASE_PING && a->sent == a->count) {
        a->phase = a->size > 0 ? AP_PHASE_STORE : AP_PHASE_DONE;
        a->sent = 0;
    }
    if (a->sent == 0)
        a->phase_start_ns = kclock_now_ns();
    if (a->phase == AP_PHASE_STORE && a->sent == a->count)
        a->phase = AP_PHASE_DONE;
    struct am_ep *ep = a->stopped ? NULL : ap_ep(a);
    if (ep == NULL && a->stopped == NULL)
        a->stopped = "no such endpoint";
    if (a->phase == AP_PHASE_DONE || ep == NULL) {
        ap_finish(a);
        return;
    }
    int rc;
    a->waiting = true;
    a->sent++;
    if (a->phase == AP_PHASE_PING) {
        a->ctr[AP_PINGS]++;
        rc = a->request(ep, &a->peer, AM_H_ECHO, NULL, 0, ap_done, a);
    } else {
        a->ctr[AP_STORES]++;
        rc = a->store_fn(ep, &a->peer, AM_H_NONE, 0, 0, a->buf, a->size, NULL, 0, ap_done, a);
    }
    if (rc < 0) {
        a->waiting = false;
        a->ctr[a->phase == AP_PHASE_PING ? AP_PING_FAILED : AP_STORE_FAILED]++;
        ap_next(a, a->interval_us > 1000 ? a->interval_us : 1000);
    }
}

/* ap_link - the "am" interface through the instance's grant (kernel/domain.h Link). */
static int ap_link(struct am_ping *a, struct kext *x, char *err, size_t errlen)
{
    const struct kimport imp = { "am", &a->am };
    int rc = kdomain_init(&a->dom, "am-ping", NULL, 0, &imp, 1);
    if (rc == 0)
        rc = kdomain_link(&a->dom, x->caps);
    if (rc < 0) {
        ksnprintf(err, errlen, "cannot link the am interface: %s (grant=am:*)", kerr_str(rc));
        return rc;
    }
    a->find = (am_find_fn)kiface_entry(a->am, "find");
    a->request = (am_request_fn)kiface_entry(a->am, "request");
    a->store_fn = (am_store_fn)kiface_entry(a->am, "store");
    a->cancel = (am_cancel_fn)kiface_entry(a->am, "cancel");
    if (!a->find || !a->request || !a->store_fn || !a->cancel) {
        ksnprintf(err, errlen, "the am interface lacks an entry point");
        return -KE_NOENT;
    }
    return 0;
}

/* ap_where - the peer and the endpoint from peer=/via= or mac=/vc=/dev=. */
static int ap_where(struct am_ping *a, struct kext *x, char *err, size_t errlen)
{
    const char *peer = kparams_get(x->params, "peer");
    const char *mac = kparams_get(x->params, "mac");
    const char *vc = kparams_get(x->params, "vc");
    const char *via = kparams_get(x->params, "via");
    const char *dev = kparams_get(x->params, "dev");
    if ((peer != NULL) == (mac != NULL || vc != NULL) || (mac != NULL) != (vc != NULL)) {
        ksnprintf(err, errlen, "give peer=A.B.C.D[:PORT] (UDP) or mac=MAC and vc=VPI/VCI (AAL5)");
        return -KE_INVAL;
    }
    if (peer != NULL) {
        a->peer.kind = AM_KIND_UDP;
        a->peer.port = AM_UDP_PORT;
        if (am_parse_ipport(peer, &a->peer.ip, &a->peer.port) < 0) {
            ksnprintf(err, errlen, "peer=%s: expected A.B.C.D[:PORT]", peer);
            return -KE_INVAL;
        }
        kstrlcpy(a->via, via ? via : "udp", sizeof a->via);
        char ip[INET_IPV4_STRLEN];
        ksnprintf(a->peer_text, sizeof a->peer_text, "%s:%u", inet_fmt_ipv4(a->peer.ip, ip),
                  a->peer.port);
        return 0;
    }
    uint8_t vpi;
    uint16_t vci;
    a->peer.kind = AM_KIND_AAL5;
    if (inet_parse_mac(mac, strlen(mac), a->peer.mac) < 0 || aal5_parse_vc(vc, &vpi, &vci) < 0) {
        ksnprintf(err, errlen, "mac=%s vc=%s: expected xx:xx:xx:xx:xx:xx and VPI/VCI", mac, vc);
        return -KE_INVAL;
    }
    struct netif *ifp = dev ? netif_find(dev) : netif_get(0);
    if (ifp == NULL) {
        ksnprintf(err, errlen, "no interface %s", dev ? dev : "(none configured)");
        return -KE_NOENT;
    }
    a->peer.ifindex = ifp->index;
    ksnprintf(a->via, sizeof a->via, "aal5:%u/%u", vpi, vci);
    char m[INET_MAC_STRLEN];
    ksnprintf(a->peer_text, sizeof a->peer_text, "%s vc %u/%u", inet_fmt_mac(a->peer.mac, m), vpi,
              vci);
    return 0;
}

static int ap_install(struct kext *x, char *err, size_t errlen)
{
    struct am_ping *a = x->state;
    a->x = x;
    a->ctr = x->ctr;
    int rc = ap_link(a, x, err, errlen);
    if (rc == 0)
        rc = ap_where(a, x, err, errlen);
    if (rc < 0)
        return rc;
    uint64_t count, interval, size;
    if ((rc = kparams_get_u64(x->params, "count", 10, 1, 100000, &count)) < 0 ||
        (rc = kparams_get_u64(x->params, "interval", 1000, 0, 10000000, &interval)) < 0 ||
        (rc = kparams_get_u64(x->params, "size", 0, 0, AM_BULK_MAX, &size)) < 0) {
        ksnprintf(err, errlen, "count=1..100000, interval=0..10000000 (us), size=0..65536");
        return rc;
    }
    if (ap_ep(a) == NULL) {
        ksnprintf(err, errlen, "no active-message endpoint %s (extension am ...)", a->via);
        return -KE_NOENT;
    }
    a->count = (uint32_t)count;
    a->interval_us = (uint32_t)interval;
    a->size = (uint32_t)size;
    if (amp_series_init(&a->rtt, a->count) < 0 ||
        amp_series_init(&a->stores, size ? a->count : 0) < 0 ||
        (size > 0 && (a->buf = kmalloc(a->size)) == NULL)) {
        amp_series_free(&a->rtt);
        amp_series_free(&a->stores);
        ksnprintf(err, errlen, "out of memory");
        return -KE_NOMEM;
    }
    for (uint32_t i = 0; i < a->size; i++)
        a->buf[i] = (uint8_t)(i * 7 + 0x30);
    ktimer_init(&a->timer, ap_tick, a);
    a->next = ap_all;
    ap_all = a;
    ap_next(a, 0);
    return 0;
}

static void ap_remove(struct kext *x)
{
    struct am_ping *a = x->state;
    ktimer_cancel(&a->timer);
    struct am_ep *ep = ap_ep(a);
    if (ep != NULL)
        a->cancel(ep, a);
    for (struct am_ping **pp = &ap_all; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == a) {
            *pp = a->next;
            break;
        }
    }
    amp_series_free(&a->rtt);
    amp_series_free(&a->stores);
    kfree(a->buf);
}

static const char *const ap_params[] = { "peer",  "mac",      "vc",   "via", "dev",
                                         "count", "interval", "size", NULL };

/* It needs the "am" interface; its scope is handler indexes (am.h). */
static const struct kext_need am_ping_needs[] = {
    { .domain = "am", .scope = "handler indexes", .lo = 0, .hi = AM_NHANDLERS - 1 },
    { .domain = NULL },
};

static const struct kextension am_ping_ext = {
    .name = "am-ping",
    .usage = "am-ping peer=A.B.C.D[:PORT] [via=ENDPOINT] | mac=MAC vc=VPI/VCI [dev=NAME] "
             "[count=N] [interval=US] [size=BYTES]",
    .summary = "round trips and stores of active messages to a peer, p50/p99 in its counters",
    .common = KEXT_GRANT,
    .grant_domain = "am",
    .needs = am_ping_needs,
    .params = ap_params,
    .state_size = sizeof(struct am_ping),
    .counters = ap_counters,
    .install = ap_install,
    .remove = ap_remove,
};
KEXTENSION_REGISTER(am_ping_ext);

/* ------------------------------------------------------------ am-ping stats */

static enum console_status cmd_am_ping_stats(struct console_session *s,
                                             const struct console_args *args)
{
    (void)args;
    unsigned n = 0;
    for (struct am_ping *a = ap_all; a != NULL; a = a->next, n++) {
        const uint64_t *c = a->ctr;
        console_printf(s, "am-ping %u: %s via %s: %s%s\n", a->x->id, a->peer_text, a->via,
                       a->phase == AP_PHASE_DONE ? "done" : "running",
                       a->stopped ? " (stopped early)" : "");
        console_printf(s, "  round trips %llu/%llu, rtt min/p50/p99/max = %llu/%llu/%llu/%llu ns\n",
                       (unsigned long long)c[AP_PING_OK], (unsigned long long)c[AP_PINGS],
                       (unsigned long long)c[AP_RTT_MIN], (unsigned long long)c[AP_RTT_P50],
                       (unsigned long long)c[AP_RTT_P99], (unsigned long long)c[AP_RTT_MAX]);
        if (a->size > 0)
            console_printf(s, "  stores %llu/%llu of %u B, p50/p99 = %llu/%llu ns, %llu kbit/s\n",
                           (unsigned long long)c[AP_STORE_OK], (unsigned long long)c[AP_STORES],
                           a->size, (unsigned long long)c[AP_STORE_P50],
                           (unsigned long long)c[AP_STORE_P99],
                           (unsigned long long)c[AP_STORE_KBPS]);
        console_printf(s, "  retransmits %llu\n", (unsigned long long)c[AP_RETRANSMITS]);
    }
    if (n == 0)
        console_puts(s, "no am-ping instances\n");
    return CONSOLE_OK;
}

static const struct console_cmd am_ping_stats_cmd = {
    "am-ping stats",
    "",
    "am-ping instances: round trips and stores, p50/p99",
    0,
    0,
    cmd_am_ping_stats,
    CONSOLE_CMD_READONLY,
};
KCONSOLE_COMMAND(am_ping_stats_cmd);
