/*
 * apps/am/am_ext.c — the "am" extension: one active-message endpoint
 * (am.h) per instance, on a UDP port or an AAL5 VC, and the "am" domain
 * through which other extensions reach endpoints (the name service,
 * kernel/nameservice.h).
 *
 *   extension am port=N [mode=...] [grant=udp:N] [window=N] [rto=US] [retries=N]
 *                       [chunk=BYTES] [segment=BYTES]
 *   extension am vc=VPI/VCI [mode=...] [window=N] ...
 *
 * port= (UDP, RFC 768) or vc= (the AAL5 raw path, protocols/aal5), exactly
 * one. mode= is how the endpoint's built-in handlers (AM_H_ECHO, AM_H_SUM)
 * run: sync, bounded[:US] or async (kernel/event.h); the endpoint's own
 * receive handler always runs inline (it only parses, copies and
 * dispatches). window= requests outstanding per peer (1..32, default 16);
 * rto= the first retransmission timeout in microseconds (100..10000000,
 * default 20000); retries= attempts before a peer is unreachable (1..50,
 * default 8); chunk= bulk bytes per message (1..16384; default 1408 over
 * UDP, one frame without IP fragments, 8192 over AAL5); segment= bytes of
 * segment 0 (0..1048576, default 65536). The endpoint is named "udp:N" or
 * "aal5:VPI/VCI" and its counters are node "am#ID:udp-N" or
 * "am#ID:aal5-VPI-VCI" (ID the instance's, netgraph/extension.h; "am:udp-N"
 * for an instance made without one). bcast=yes: also datagrams sent to a
 * broadcast or multicast address (by default ignored: udp_guard_service).
 *
 * Receiving: over UDP, every datagram to port N (udp_install_granted: the
 * port must be granted, by default it is); over AAL5, every PDU on the VC
 * (aal5_install_granted: the VC must be granted, by default it is). Sending: udp_send from port N; aal5_send on the VC to
 * the peer's MAC out of the peer's interface.
 *
 * The "am" domain exports one interface "am" (entry points: find,
 * register, unregister, reply, request, store, get, cancel,
 * segment_register, segment_unregister; types in am.h), published while at
 * least one instance exists, scope = handler indices 0..255, so that
 * grant=am:16-31 lets an extension register handlers 16..31 only.
 */
#include "apps/am/am.h"
#include "apps/am/am_addr.h"

#include "kernel/capability.h"
#include "kernel/domain.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/nameservice.h"
#include "netgraph/extension.h"
#include "netgraph/netif.h"
#include "protocols/aal5/aal5.h"
#include "protocols/udp/udp.h"

struct am_inst {
    struct am_ep *ep;
    uint8_t kind;  /* enum am_kind */
    uint16_t port; /* UDP */
    uint8_t vpi;   /* AAL5 */
    uint16_t vci;
    bool published;
};

/* ------------------------------------------------------------ the "am" domain */

/* am_register_granted - "register" for other extensions: a grant is required. */
static int am_register_granted(struct am_ep *ep, const struct kcapset *caps, uint8_t index,
                               am_handler_fn fn, void *ctx, const struct khandler_props *props,
                               struct am_reg **out)
{
    if (caps == NULL)
        return -KE_PERM;
    return am_register(ep, caps, index, fn, ctx, props, out);
}

static const struct kentry am_entries[] = {
    { "find", (kentry_fn)am_ep_find },
    { "register", (kentry_fn)am_register_granted },
    { "unregister", (kentry_fn)am_unregister },
    { "reply", (kentry_fn)am_reply },
    { "request", (kentry_fn)am_request },
    { "store", (kentry_fn)am_store },
    { "get", (kentry_fn)am_get },
    { "cancel", (kentry_fn)am_cancel },
    { "segment_register", (kentry_fn)am_segment_register },
    { "segment_unregister", (kentry_fn)am_segment_unregister },
};
static const struct kiface am_iface = { "am", am_entries, KARRAY_SIZE(am_entries) };
static struct kdomain am_domain;
static struct kns_publication am_publication;
static unsigned am_publishers;

static int am_publish(void)
{
    if (am_publishers > 0) {
        am_publishers++;
        return 0;
    }
    const struct kiface *exports[] = { &am_iface };
    int rc = kdomain_init(&am_domain, "am", exports, 1, NULL, 0);
    if (rc == 0)
        rc = kns_publish(&am_publication, "am", &am_domain, KCAP_IMPORT, 0, AM_NHANDLERS - 1);
    if (rc == 0)
        am_publishers = 1;
    return rc;
}

static void am_unpublish(void)
{
    if (am_publishers > 0 && --am_publishers == 0)
        kns_unpublish(&am_publication);
}

/* ------------------------------------------------------------ transports */

static int am_udp_send(void *ctx, const struct am_addr *to, struct pktbuf *msg)
{
    struct am_inst *in = ctx;
    return udp_send(msg, 0, to->ip, in->port, to->port);
}

static int am_aal5_send(void *ctx, const struct am_addr *to, struct pktbuf *msg)
{
    struct am_inst *in = ctx;
    struct netif *ifp = netif_get(to->ifindex);
    if (ifp == NULL) {
        pkt_free(msg);
        return -KE_NOENT;
    }
    return aal5_send(ifp, to->mac, in->vpi, in->vci, msg);
}

/* am_udp_rx - on udp.PacketArrived, dst port == port=: one message per datagram. */
static int am_udp_rx(void *ctx, struct pktbuf *pkt)
{
    struct am_inst *in = ctx;
    if (in->ep == NULL)
        return KH_PASS;
    struct udp_info u;
    udp_parse(pkt, &u);
    struct am_addr from = { .kind = AM_KIND_UDP, .ip = u.src, .port = u.sport };
    return am_ep_input(in->ep, &from, u.payload, u.payload_len) == 0 ? KH_TAKEN : -KE_INVAL;
}

/* am_aal5_rx - on aal5.PacketArrived, the VC: one message per PDU. */
static int am_aal5_rx(void *ctx, struct pktbuf *pdu)
{
    struct am_inst *in = ctx;
    if (in->ep == NULL)
        return KH_PASS;
    struct aal5_rx_info a;
    aal5_rx_info(pdu, &a);
    struct am_addr from = { .kind = AM_KIND_AAL5, .ifindex = a.ifindex };
    memcpy(from.mac, a.src_mac, 6);
    return am_ep_input(in->ep, &from, a.payload, a.len) == 0 ? KH_TAKEN : -KE_INVAL;
}

/* ------------------------------------------------------------ the extension */

/* am_param - parse @key of @x in [@lo, @hi] (absent: @dflt), or a message in @err. */
static int am_param(struct kext *x, const char *key, uint64_t dflt, uint64_t lo, uint64_t hi,
                    uint64_t *out, char *err, size_t errlen)
{
    int rc = kparams_get_u64(x->params, key, dflt, lo, hi, out);
    if (rc < 0)
        ksnprintf(err, errlen, "%s=%s: %s (expected %llu..%llu)", key, kparams_get(x->params, key),
                  rc == -KE_RANGE ? "out of range" : "not a number", (unsigned long long)lo,
                  (unsigned long long)hi);
    return rc;
}

/* am_listen - install the endpoint's receive handler (always inline). */
static int am_listen(struct kext *x, struct am_inst *in, char *err, size_t errlen)
{
    static const struct khandler_props sync = { .name = "am" };
    struct khandler *h = NULL;
    int rc;
    if (in->kind == AM_KIND_UDP) {
        /* not to a broadcast or multicast address unless bcast=yes */
        struct kguard g = udp_guard_service(in->port, x->bcast);
        rc = udp_install_granted(x->caps, am_udp_rx, in, &g, &sync, &h);
        if (rc == -KE_PERM)
            ksnprintf(err, errlen, "port %u is not granted (grant=udp:%u)", in->port, in->port);
    } else {
        rc = aal5_install_granted(x->caps, am_aal5_rx, in, in->vpi, in->vci, &sync, &h);
        if (rc < 0)
            ksnprintf(err, errlen, "cannot install on vc %u/%u: %s", in->vpi, in->vci,
                      kerr_str(rc));
    }
    return rc < 0 ? rc : kext_handler(x, h);
}

static int am_install(struct kext *x, char *err, size_t errlen)
{
    struct am_inst *in = x->state;
    const char *vc = kparams_get(x->params, "vc");
    if (x->has_port == (vc != NULL)) {
        ksnprintf(err, errlen, "give either port=N (UDP) or vc=VPI/VCI (AAL5)");
        return -KE_INVAL;
    }
    char name[32], base[sizeof x->node];
    /* counters: node "am#ID:udp-N" or "am#ID:aal5-VPI-VCI" (x->node is "am#ID") */
    kstrlcpy(base, x->node, sizeof base);
    if (vc != NULL) {
        int rc = aal5_ext_vc(x, &in->vpi, &in->vci, err, errlen);
        if (rc < 0)
            return rc;
        in->kind = AM_KIND_AAL5;
        ksnprintf(name, sizeof name, "aal5:%u/%u", in->vpi, in->vci);
        ksnprintf(x->node, sizeof x->node, "%s:aal5-%u-%u", base, in->vpi, in->vci);
    } else {
        in->kind = AM_KIND_UDP;
        in->port = x->port;
        ksnprintf(name, sizeof name, "udp:%u", in->port);
        ksnprintf(x->node, sizeof x->node, "%s:udp-%u", base, in->port);
    }
    uint64_t window, rto, retries, chunk, segment;
    int rc;
    if ((rc = am_param(x, "window", AM_WINDOW_DEFAULT, 1, AM_WINDOW_MAX, &window, err, errlen)) ||
        (rc = am_param(x, "rto", AM_RTO_DEFAULT_NS / 1000, 100, 10000000, &rto, err, errlen)) ||
        (rc = am_param(x, "retries", AM_RETRIES_DEFAULT, 1, 50, &retries, err, errlen)) ||
        (rc = am_param(x, "chunk", in->kind == AM_KIND_UDP ? AM_CHUNK_UDP : AM_CHUNK_AAL5, 1,
                       AM_CHUNK_MAX, &chunk, err, errlen)) ||
        (rc = am_param(x, "segment", AM_SEGMENT_DEFAULT, 0, 1u << 20, &segment, err, errlen)))
        return rc;
    struct am_config cfg = {
        .name = name,
        .window = (unsigned)window,
        .rto_ns = rto * 1000,
        .retries = (unsigned)retries,
        .chunk = (unsigned)chunk,
        .segment_bytes = (uint32_t)segment,
        .builtin = x->props,
        .ctr = x->ctr,
        .epoch_seed = (uint32_t)kclock_now_ns() ^ ((uint32_t)in->port << 16 | in->vci),
    };
    struct am_transport t = {
        .kind = in->kind,
        .send = in->kind == AM_KIND_UDP ? am_udp_send : am_aal5_send,
        .ctx = in,
    };
    in->ep = am_ep_create(&cfg, &t, &rc);
    if (in->ep == NULL) {
        ksnprintf(err, errlen, "endpoint %s: %s", name,
                  rc == -KE_EXIST ? "already exists" : kerr_str(rc));
        return rc;
    }
    rc = am_listen(x, in, err, errlen);
    if (rc == 0) {
        rc = am_publish();
        if (rc < 0)
            ksnprintf(err, errlen, "cannot publish the am domain: %s", kerr_str(rc));
        in->published = rc == 0;
    }
    if (rc < 0) {
        am_ep_destroy(in->ep);
        in->ep = NULL;
    }
    return rc;
}

static void am_remove(struct kext *x)
{
    struct am_inst *in = x->state;
    am_ep_destroy(in->ep);
    in->ep = NULL;
    if (in->published)
        am_unpublish();
}

static const char *const am_params[] = {
    "vc", "window", "rto", "retries", "chunk", "segment", NULL
};

/* It needs its UDP port, or its VC (protocols/aal5: the "aal5" domain). */
static const struct kext_need am_needs[] = {
    { .domain = "udp", .scope = "ports", .lo = 0, .hi = 65535, .flags = KEXT_NEED_PORT },
    AAL5_KEXT_NEED,
    { .domain = NULL },
};

static const struct kextension am_ext = {
    .name = "am",
    .usage = "am port=N [bcast=yes] | vc=VPI/VCI [mode=sync|async|bounded[:US]] "
             "[window=N] [rto=US] [retries=N] [chunk=BYTES] [segment=BYTES]",
    .summary = "an active-message endpoint on a UDP port or an AAL5 VC",
    .event = &udp_PacketArrived,
    .guard = "udp dst port PORT | vc == VPI/VCI",
    .common = KEXT_PORT | KEXT_GRANT | KEXT_MODE,
    .default_port = 0,
    .grant_domain = "udp",
    .needs = am_needs,
    .params = am_params,
    .state_size = sizeof(struct am_inst),
    .counters = am_ctr_names,
    .install = am_install,
    .remove = am_remove,
};
KEXTENSION_REGISTER(am_ext);
