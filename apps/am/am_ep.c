/*
 * apps/am/am_ep.c — active-message endpoints (am.h): creation and removal,
 * the peer table, segments, message buffers, sending, the retransmission
 * timer and the input demultiplexer (requests to am_rx.c, responses to
 * am_tx.c).
 */
#include "apps/am/am_impl.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"

const char *const am_ctr_names[AM_NCTR + 1] = {
    "rx",           "rx_bytes",      "malformed",   "mal_short",      "mal_version",
    "mal_type",     "mal_flags",     "mal_nargs",   "mal_status",     "mal_reserved",
    "mal_epoch",    "mal_length",    "mal_bulk",    "no_peer",        "accepted",
    "dup_answered", "dup_pending",   "stale",       "out_of_order",   "beyond_window",
    "epoch_resets", "handler_runs",  "no_handler",  "faults",         "busy",
    "bounds",       "stored_bytes",  "read_bytes",  "replies",        "acks",
    "nacks",        "reply_refused", "tx",          "tx_bytes",       "tx_errors",
    "tx_nomem",     "retransmits",   "unreachable", "resp_unmatched", "xfer_done",
    "xfer_failed",  "queue_full",    NULL,
};

/* A peer idle this long may be forgotten to make room for a new one: longer
 * than a requester keeps retransmitting (retries x AM_RTO_MAX_NS), so no
 * duplicate of a request it answered can still arrive. */
#define AM_PEER_LINGER_NS (30ull * KNS_PER_S)

/* Buffers for messages larger than a default block (shared by endpoints). */
#define AM_BIG_COUNT 8u
#define AM_BIG_BLOCK (PKT_HEADROOM + AM_MSG_MAX)

static struct am_ep *am_eps; /* every endpoint, oldest first */
static struct pktpool *am_big;
static unsigned am_big_users;

/* ------------------------------------------------------------ small things */

bool am_addr_equal(const struct am_addr *a, const struct am_addr *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == AM_KIND_UDP)
        return a->ip == b->ip && a->port == b->port;
    return a->ifindex == b->ifindex && memcmp(a->mac, b->mac, 6) == 0;
}

uint32_t am_new_epoch(struct am_ep *ep)
{
    uint8_t mix[20];
    store_be32(mix, ep->epoch_seed);
    store_be32(mix + 4, ++ep->epochs);
    store_be64(mix + 8, kclock_now_ns());
    store_be32(mix + 16, (uint32_t)(uintptr_t)ep);
    uint32_t e = am_fnv1a(mix, sizeof mix);
    return e != 0 ? e : 1;
}

struct pktbuf *am_msg_alloc(size_t len)
{
    if (len > AM_MSG_MAX)
        return NULL;
    if (PKT_HEADROOM + len <= PKT_BLOCK_SIZE)
        return pkt_alloc(pktpool_default());
    return am_big != NULL ? pkt_alloc(am_big) : NULL;
}

int am_send_hdr(struct am_ep *ep, const struct am_addr *to, const struct am_hdr *h,
                const uint8_t *data)
{
    size_t len = am_wire_len(h);
    struct pktbuf *pkt = am_msg_alloc(len);
    uint8_t *p = pkt != NULL ? pkt_append(pkt, (uint16_t)len) : NULL;
    if (p == NULL) {
        pkt_free(pkt);
        ep->ctr[AM_C_TX_NOMEM]++;
        return -KE_NOMEM;
    }
    size_t n = am_wire_build(p, len, h);
    if (am_type_has_data(h->type))
        memcpy(p + n, data, h->length);
    ep->ctr[AM_C_TX]++;
    ep->ctr[AM_C_TX_BYTES] += len;
    int rc = ep->t.send(ep->t.ctx, to, pkt);
    if (rc < 0)
        ep->ctr[AM_C_TX_ERRORS]++;
    return rc;
}

/* am_timer_fire - the retransmission timer (kernel/timer.h: from the main loop). */
static void am_timer_fire(struct ktimer *t, void *ctx)
{
    (void)t;
    struct am_ep *ep = ctx;
    ep->timer_armed = false;
    am_tx_timer(ep, kclock_now_ns());
}

void am_arm_timer(struct am_ep *ep, uint64_t deadline_ns)
{
    if (ep->timer_armed && ep->timer_at <= deadline_ns)
        return;
    ep->timer_armed = true;
    ep->timer_at = deadline_ns;
    ktimer_arm(&ep->timer, deadline_ns);
}

/* ------------------------------------------------------------ peers */

/* peer_evictable - @p holds nothing in progress and has been quiet long enough. */
static bool peer_evictable(const struct am_peer *p, uint64_t now)
{
    return am_tx_idle(p) && p->busy == 0 && now - p->last_ns >= AM_PEER_LINGER_NS;
}

struct am_peer *am_peer_get(struct am_ep *ep, const struct am_addr *a, bool create)
{
    int free_i = -1, old_i = -1;
    uint64_t now = kclock_now_ns();
    for (unsigned i = 0; i < AM_MAX_PEERS; i++) {
        struct am_peer *p = ep->peer[i];
        if (p == NULL) {
            if (free_i < 0)
                free_i = (int)i;
        } else if (am_addr_equal(&p->addr, a)) {
            return p;
        } else if (peer_evictable(p, now) && (old_i < 0 || p->last_ns < ep->peer[old_i]->last_ns)) {
            old_i = (int)i;
        }
    }
    if (!create)
        return NULL;
    int i = free_i >= 0 ? free_i : old_i;
    if (i < 0)
        return NULL;
    struct am_peer *p = ep->peer[i];
    if (p == NULL) {
        p = kmalloc(sizeof *p);
        if (p == NULL)
            return NULL;
        ep->peer[i] = p;
    } else {
        memset(p, 0, sizeof *p);
    }
    p->addr = *a;
    p->last_ns = now;
    p->tx_epoch = am_new_epoch(ep);
    p->next_seq = p->una = 1;
    return p;
}

unsigned am_ep_peers(const struct am_ep *ep)
{
    unsigned n = 0;
    for (unsigned i = 0; i < AM_MAX_PEERS; i++)
        n += ep->peer[i] != NULL;
    return n;
}

void am_ep_outstanding(const struct am_ep *ep, unsigned *requests, unsigned *xfers)
{
    unsigned n = 0;
    for (unsigned i = 0; i < AM_MAX_PEERS; i++)
        if (ep->peer[i] != NULL)
            n += ep->peer[i]->inflight;
    *requests = n;
    *xfers = ep->nxfers;
}

/* ------------------------------------------------------------ segments */

int am_segment_register(struct am_ep *ep, uint8_t id, void *base, uint32_t len)
{
    if (id == 0 || id >= AM_MAX_SEGMENTS)
        return -KE_RANGE;
    if (base == NULL || len == 0)
        return -KE_INVAL;
    if (ep->seg[id].base != NULL)
        return -KE_EXIST;
    ep->seg[id].base = base;
    ep->seg[id].len = len;
    return 0;
}

int am_segment_unregister(struct am_ep *ep, uint8_t id)
{
    if (id == 0 || id >= AM_MAX_SEGMENTS || ep->seg[id].base == NULL)
        return -KE_NOENT;
    ep->seg[id].base = NULL;
    ep->seg[id].len = 0;
    return 0;
}

uint8_t *am_segment(struct am_ep *ep, uint8_t id, uint32_t *len)
{
    if (id >= AM_MAX_SEGMENTS || ep->seg[id].base == NULL)
        return NULL;
    *len = ep->seg[id].len;
    return ep->seg[id].base;
}

/* ------------------------------------------------------------ endpoints */

static void big_unref(void)
{
    if (am_big_users > 0 && --am_big_users == 0 && am_big != NULL) {
        if (pktpool_destroy(am_big) == 0)
            am_big = NULL;
        else
            KWARN("am", "message pool still has %u buffers out; kept",
                  (unsigned)pktpool_out(am_big));
    }
}

static int big_ref(void)
{
    if (am_big == NULL)
        am_big = pktpool_create("am-big", AM_BIG_COUNT, (uint16_t)AM_BIG_BLOCK, NULL, NULL);
    if (am_big == NULL)
        return -KE_NOMEM;
    am_big_users++;
    return 0;
}

struct am_ep *am_ep_create(const struct am_config *cfg, const struct am_transport *t, int *err)
{
    int rc = -KE_INVAL;
    struct am_ep *ep = NULL;
    unsigned window = cfg->window ? cfg->window : AM_WINDOW_DEFAULT;
    unsigned chunk =
        cfg->chunk ? cfg->chunk : (t->kind == AM_KIND_UDP ? AM_CHUNK_UDP : AM_CHUNK_AAL5);
    if (cfg->name == NULL || cfg->name[0] == '\0' || strlen(cfg->name) >= sizeof ep->name ||
        window > AM_WINDOW_MAX || chunk > AM_CHUNK_MAX || t->send == NULL ||
        (t->kind != AM_KIND_UDP && t->kind != AM_KIND_AAL5))
        goto fail;
    rc = -KE_EXIST;
    for (struct am_ep *o = am_eps; o != NULL; o = o->next)
        if (strcmp(o->name, cfg->name) == 0)
            goto fail;
    rc = -KE_NOMEM;
    ep = kmalloc(sizeof *ep);
    if (ep == NULL)
        goto fail;
    kstrlcpy(ep->name, cfg->name, sizeof ep->name);
    ep->t = *t;
    ep->window = window;
    ep->chunk = chunk;
    ep->rto_ns = cfg->rto_ns ? cfg->rto_ns : AM_RTO_DEFAULT_NS;
    ep->retries = cfg->retries ? cfg->retries : AM_RETRIES_DEFAULT;
    ep->epoch_seed = cfg->epoch_seed;
    ep->ctr = cfg->ctr != NULL ? cfg->ctr : ep->own_ctr;
    ktimer_init(&ep->timer, am_timer_fire, ep);
    if (cfg->segment_bytes > 0) {
        ep->own_segment = kmalloc(cfg->segment_bytes);
        if (ep->own_segment == NULL)
            goto fail;
        ep->seg[0].base = ep->own_segment;
        ep->seg[0].len = cfg->segment_bytes;
    }
    if (big_ref() < 0)
        goto fail;
    rc = am_builtin_register(ep, &cfg->builtin);
    if (rc < 0) {
        big_unref();
        goto fail;
    }
    struct am_ep **pp = &am_eps;
    while (*pp != NULL)
        pp = &(*pp)->next;
    *pp = ep;
    return ep;
fail:
    if (ep != NULL) {
        kfree(ep->own_segment);
        kfree(ep);
    }
    if (err != NULL)
        *err = rc;
    return NULL;
}

void am_ep_destroy(struct am_ep *ep)
{
    if (ep == NULL)
        return;
    ep->dying = true;
    am_unregister_all(ep);
    for (unsigned i = 0; i < AM_MAX_PEERS; i++)
        if (ep->peer[i] != NULL)
            am_tx_peer_fail(ep, ep->peer[i], -KE_NOENT);
    for (unsigned i = 0; i < AM_MAX_PEERS; i++)
        kfree(ep->peer[i]);
    ktimer_cancel(&ep->timer);
    for (struct am_ep **pp = &am_eps; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == ep) {
            *pp = ep->next;
            break;
        }
    }
    kfree(ep->own_segment);
    kfree(ep);
    big_unref();
}

int am_ep_input(struct am_ep *ep, const struct am_addr *from, const uint8_t *msg, size_t len)
{
    struct am_hdr h;
    int e = am_wire_parse(msg, len, &h);
    if (e != AM_W_OK) {
        ep->ctr[AM_C_MALFORMED]++;
        ep->ctr[AM_C_MAL_SHORT + (e - AM_W_SHORT)]++;
        return -KE_INVAL;
    }
    ep->ctr[AM_C_RX]++;
    ep->ctr[AM_C_RX_BYTES] += len;
    bool request = am_type_is_request(h.type);
    struct am_peer *p = am_peer_get(ep, from, request);
    if (p == NULL) {
        ep->ctr[request ? AM_C_NO_PEER : AM_C_RESP_UNMATCHED]++;
        return 0;
    }
    p->last_ns = kclock_now_ns();
    if (request)
        am_rx_request(ep, p, &h);
    else
        am_tx_response(ep, p, &h);
    return 0;
}

struct am_ep *am_ep_find(const char *name)
{
    for (struct am_ep *ep = am_eps; ep != NULL; ep = ep->next) {
        if (name == NULL || name[0] == '\0' || strcmp(ep->name, name) == 0)
            return ep;
        if (strcmp(name, "udp") == 0 && ep->t.kind == AM_KIND_UDP)
            return ep;
        if (strcmp(name, "aal5") == 0 && ep->t.kind == AM_KIND_AAL5)
            return ep;
    }
    return NULL;
}

void am_ep_foreach(void (*cb)(struct am_ep *ep, void *ctx), void *ctx)
{
    for (struct am_ep *ep = am_eps; ep != NULL; ep = ep->next)
        cb(ep, ctx);
}

const char *am_ep_name(const struct am_ep *ep)
{
    return ep->name;
}

uint8_t am_ep_kind(const struct am_ep *ep)
{
    return ep->t.kind;
}

const uint64_t *am_ep_counters(const struct am_ep *ep)
{
    return ep->ctr;
}
