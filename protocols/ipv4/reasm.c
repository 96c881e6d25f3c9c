/*
 * protocols/ipv4/reasm.c — reassembly of IPv4 fragments (RFC 791 section
 * 3.2 "Reassembly", RFC 815, RFC 1122 3.3.2).
 *
 * One queue per datagram, keyed by (source, destination, identification,
 * protocol), holding references to the fragments' buffers in a list sorted
 * by offset (RFC 815's holes are the gaps between them). Policy:
 *  - a fragment that overlaps another one in any way drops the whole
 *    datagram (counted reasm_overlap): stricter than RFC 815, in the spirit
 *    of RFC 5722; an exact duplicate (same offset and length) is ignored
 *    (counted reasm_dup), as RFC 5722 erratum 3089 and Linux do;
 *  - a last fragment whose end disagrees with an earlier last fragment, or
 *    with data already received beyond it, counts as an overlap;
 *  - a fragment with MF set must carry a positive multiple of 8 bytes
 *    (RFC 791), else it alone is dropped (reasm_bad_frag);
 *  - header + offset + length beyond 65535 bytes drops the datagram
 *    (reasm_oversize: "ping of death");
 *  - a datagram not complete IPV4_REASM_TIMEOUT_NS after its first fragment
 *    arrived is dropped (reasm_timeout); when its fragment 0 arrived, ICMP
 *    time exceeded code 1 goes back to the source (RFC 792, RFC 1122
 *    3.3.2; Linux answers only then, as it needs the header to quote);
 *  - the buffers held by all queues (counted by block size, their real
 *    memory) stay within IPV4_REASM_MAX_BYTES: the oldest datagrams are
 *    dropped to make room (reasm_evicted).
 * The whole datagram is copied into one fresh buffer (ipv4_pkt_alloc: the
 * large pool when it exceeds a default block) and every fragment is freed.
 * Queues are kept oldest first, which is also deadline order, so one timer
 * serves them all.
 */
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/ipv4_impl.h"
#include "protocols/ipv4/ipv4_pool.h"

#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/timer.h"

/* One fragment held. */
struct reasm_frag {
    struct reasm_frag *next; /* by increasing offset */
    struct pktbuf *pkt;      /* our reference; data at its IPv4 header */
    uint16_t off;            /* payload offset in the datagram, bytes */
    uint16_t len;            /* payload bytes */
};

/* One datagram being reassembled. */
struct reasm_queue {
    struct reasm_queue *next; /* oldest first */
    uint32_t src, dst;        /* host order */
    uint16_t id;
    uint8_t proto;
    bool last_seen;      /* the fragment with MF clear arrived */
    uint32_t end;        /* payload length once last_seen; else the largest end seen */
    uint32_t have;       /* payload bytes held */
    uint32_t held;       /* buffer bytes held (sum of block sizes) */
    uint64_t expires_ns; /* kclock time of the timeout */
    struct reasm_frag *frags;
};

static struct reasm_queue *reasm_queues; /* oldest first */
static uint32_t reasm_held_bytes;
static struct ktimer reasm_timer;
static bool reasm_timer_ready;

uint32_t ipv4_reasm_held(void)
{
    return reasm_held_bytes;
}

static void reasm_rearm(void)
{
    if (reasm_queues != NULL)
        ktimer_arm(&reasm_timer, reasm_queues->expires_ns);
    else if (reasm_timer_ready)
        ktimer_cancel(&reasm_timer);
}

/* reasm_unlink - take @q out of the queue list, free it and its fragments. */
static void reasm_destroy(struct reasm_queue *q)
{
    struct reasm_queue **pp = &reasm_queues;
    while (*pp != NULL && *pp != q)
        pp = &(*pp)->next;
    if (*pp == q)
        *pp = q->next;
    struct reasm_frag *f = q->frags;
    while (f != NULL) {
        struct reasm_frag *next = f->next;
        pkt_free(f->pkt);
        kfree(f);
        f = next;
    }
    reasm_held_bytes -= q->held;
    kfree(q);
    reasm_rearm();
}

/* reasm_expire - the timeout of @q: ipv4.ReassemblyTimeout if fragment 0 is here, then drop. */
static void reasm_expire(struct reasm_queue *q)
{
    ipv4_ctr[IPV4_REASM_TIMEOUT]++;
    if (q->frags != NULL && q->frags->off == 0)
        (void)ipv4_ReassemblyTimeout_raise(q->frags->pkt);
    reasm_destroy(q);
}

static void reasm_timer_fn(struct ktimer *t, void *ctx)
{
    (void)ctx;
    uint64_t now = kclock_now_ns();
    if (now < t->deadline_ns)
        now = t->deadline_ns;
    while (reasm_queues != NULL && reasm_queues->expires_ns <= now)
        reasm_expire(reasm_queues);
    reasm_rearm();
}

static struct reasm_queue *reasm_find(uint32_t src, uint32_t dst, uint16_t id, uint8_t proto)
{
    for (struct reasm_queue *q = reasm_queues; q != NULL; q = q->next)
        if (q->src == src && q->dst == dst && q->id == id && q->proto == proto)
            return q;
    return NULL;
}

static struct reasm_queue *reasm_create(uint32_t src, uint32_t dst, uint16_t id, uint8_t proto)
{
    struct reasm_queue *q = kmalloc(sizeof(*q));
    if (q == NULL)
        return NULL;
    q->src = src;
    q->dst = dst;
    q->id = id;
    q->proto = proto;
    q->expires_ns = kclock_now_ns() + IPV4_REASM_TIMEOUT_NS;
    struct reasm_queue **pp = &reasm_queues;
    while (*pp != NULL)
        pp = &(*pp)->next;
    *pp = q;
    if (!reasm_timer_ready) {
        ktimer_init(&reasm_timer, reasm_timer_fn, NULL);
        reasm_timer_ready = true;
    }
    if (reasm_queues == q)
        reasm_rearm();
    return q;
}

/*
 * reasm_make_room - drop the oldest datagrams other than @keep until @need
 * more bytes fit within IPV4_REASM_MAX_BYTES. False when even dropping every
 * other datagram does not make room.
 */
static bool reasm_make_room(struct reasm_queue *keep, uint32_t need)
{
    while (reasm_held_bytes + need > IPV4_REASM_MAX_BYTES) {
        struct reasm_queue *victim = reasm_queues;
        if (victim == keep)
            victim = victim->next;
        if (victim == NULL)
            return false;
        ipv4_ctr[IPV4_REASM_EVICTED]++;
        reasm_destroy(victim);
    }
    return true;
}

/* reasm_build - copy complete datagram @q into one fresh buffer. NULL (counted) on no memory. */
static struct pktbuf *reasm_build(const struct reasm_queue *q, const struct pktbuf *latest)
{
    const struct pktbuf *first = q->frags->pkt;
    const uint8_t *fh = pkt_layer_ptr(first, PKT_L3);
    uint16_t hlen = (uint16_t)ipv4_vhl_hlen(fh[IPV4_OFF_VHL]);
    uint32_t total = hlen + q->end;
    if (total > IPV4_MAX_LEN) {
        ipv4_ctr[IPV4_REASM_OVERSIZE]++;
        return NULL;
    }
    struct pktbuf *p = ipv4_pkt_alloc(total);
    if (p == NULL) {
        ipv4_ctr[IPV4_REASM_NOMEM]++;
        return NULL;
    }
    uint8_t *h = pkt_append(p, (uint16_t)total);
    memcpy(h, fh, hlen);
    store_be16(h + IPV4_OFF_LEN, (uint16_t)total);
    store_be16(h + IPV4_OFF_FRAG, load_be16(fh + IPV4_OFF_FRAG) & IPV4_F_DF);
    ipv4_hdr_csum(h, hlen);
    for (const struct reasm_frag *f = q->frags; f != NULL; f = f->next) {
        const uint8_t *fd = pkt_layer_ptr(f->pkt, PKT_L3);
        memcpy(h + hlen + f->off, fd + (pkt_layer_len(f->pkt, PKT_L3) - f->len), f->len);
    }
    pkt_set_view(p, PKT_L3, p->data_off, (uint16_t)total);
    pkt_set_view(p, PKT_L4, (uint16_t)(p->data_off + hlen), (uint16_t)(total - hlen));
    p->meta[PKT_META_IPV4_SRC] = first->meta[PKT_META_IPV4_SRC];
    p->meta[PKT_META_IPV4_DST] = first->meta[PKT_META_IPV4_DST];
    p->flags = first->flags;
    p->ifindex = latest->ifindex;
    p->rx_ns = latest->rx_ns;
    ipv4_ctr[IPV4_REASM_OK]++;
    return p;
}

struct pktbuf *ipv4_reasm_input(struct pktbuf *frag)
{
    const uint8_t *h = pkt_layer_ptr(frag, PKT_L3);
    uint16_t hlen = (uint16_t)ipv4_vhl_hlen(h[IPV4_OFF_VHL]);
    uint16_t fo = load_be16(h + IPV4_OFF_FRAG);
    uint32_t off = (uint32_t)(fo & IPV4_OFFMASK) * 8u;
    uint32_t len = (uint32_t)pkt_layer_len(frag, PKT_L3) - hlen;
    bool mf = (fo & IPV4_F_MF) != 0;
    uint32_t src = load_be32(h + IPV4_OFF_SRC), dst = load_be32(h + IPV4_OFF_DST);
    uint16_t id = load_be16(h + IPV4_OFF_ID);
    uint8_t proto = h[IPV4_OFF_PROTO];

    struct reasm_queue *q = reasm_find(src, dst, id, proto);
    if (hlen + off + len > IPV4_MAX_LEN) {
        ipv4_ctr[IPV4_REASM_OVERSIZE]++;
        if (q != NULL)
            reasm_destroy(q);
        return NULL;
    }
    if (mf && (len == 0 || (len & 7) != 0)) {
        ipv4_ctr[IPV4_REASM_BAD_FRAG]++;
        return NULL;
    }
    if (q == NULL && (q = reasm_create(src, dst, id, proto)) == NULL) {
        ipv4_ctr[IPV4_REASM_NOMEM]++;
        return NULL;
    }

    /* Where it goes, and whether it overlaps anything held. */
    struct reasm_frag **pp = &q->frags;
    for (struct reasm_frag *f = q->frags; f != NULL; f = f->next) {
        if (f->off == off && f->len == len) {
            ipv4_ctr[IPV4_REASM_DUP]++;
            return NULL;
        }
        if (f->off < off + len && off < (uint32_t)f->off + f->len) {
            ipv4_ctr[IPV4_REASM_OVERLAP]++;
            reasm_destroy(q);
            return NULL;
        }
        if (f->off < off)
            pp = &f->next;
    }
    /* The datagram's end: one last fragment, nothing beyond it. */
    uint32_t fend = off + len;
    if ((q->last_seen && (mf ? fend > q->end : fend != q->end)) ||
        (!mf && !q->last_seen && fend < q->end)) {
        ipv4_ctr[IPV4_REASM_OVERLAP]++;
        reasm_destroy(q);
        return NULL;
    }

    if (!reasm_make_room(q, frag->cap)) {
        ipv4_ctr[IPV4_REASM_EVICTED]++;
        reasm_destroy(q);
        return NULL;
    }
    struct reasm_frag *nf = kmalloc(sizeof(*nf));
    if (nf == NULL) {
        ipv4_ctr[IPV4_REASM_NOMEM]++;
        if (q->frags == NULL)
            reasm_destroy(q);
        return NULL;
    }
    nf->pkt = pkt_ref(frag);
    nf->off = (uint16_t)off;
    nf->len = (uint16_t)len;
    nf->next = *pp;
    *pp = nf;
    q->have += len;
    q->held += frag->cap;
    reasm_held_bytes += frag->cap;
    if (!mf)
        q->last_seen = true;
    if (fend > q->end)
        q->end = fend;
    if (!q->last_seen || q->have != q->end)
        return NULL;

    struct pktbuf *whole = reasm_build(q, frag);
    reasm_destroy(q);
    return whole;
}

void ipv4_reasm_fini(void)
{
    while (reasm_queues != NULL)
        reasm_destroy(reasm_queues);
    if (reasm_timer_ready)
        ktimer_cancel(&reasm_timer);
}
