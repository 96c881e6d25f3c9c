/*
 * apps/video-server/stream.c — one RTP/JPEG stream: pacing, packetisation
 * into the buffers the disk filled, RTCP (stream.h).
 */
#include "apps/video-server/stream.h"

#include "apps/video-server/counters.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "kernel/port.h"
#include "netgraph/netif.h"
#include "protocols/arp/arp.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/udp/udp.h"

#define NO_SEQ UINT64_MAX

static void frame_due(struct ktimer *t, void *ctx);
static void pump_again(struct ktimer *t, void *ctx);
static void rtcp_tick(struct ktimer *t, void *ctx);
static void stream_end(struct ktimer *t, void *ctx);

uint64_t vs_stream_frame_ns(const struct vs_stream *st)
{
    return mjpeg_frame_time_ns(&st->video->rate, 1);
}

/* due_ns - when stream frame @k is due. */
static uint64_t due_ns(const struct vs_stream *st, uint64_t k)
{
    return st->t0 + mjpeg_frame_time_ns(&st->video->rate, k);
}

int vs_stream_init(struct vs_stream *st, unsigned id, const struct vs_video *v, bool loop,
                   uint16_t sport, uint8_t mcast_ttl, struct vs_disk *dk, uint64_t *ctr,
                   uint32_t ssrc, uint16_t seq0, uint32_t ts_base, const struct vs_stream_ops *ops)
{
    memset(st, 0, sizeof *st);
    st->id = id;
    st->video = v;
    st->loop = loop;
    st->dk = dk;
    st->ctr = ctr;
    st->ops = *ops;
    vs_fanout_init(&st->fan, sport, mcast_ttl, dk->pool, ctr);
    rtp_sender_init(&st->tx, RTP_PT_JPEG, ssrc, seq0, ts_base);
    ktimer_init(&st->frame_timer, frame_due, st);
    ktimer_init(&st->pump_timer, pump_again, st);
    ktimer_init(&st->rtcp_timer, rtcp_tick, st);
    ktimer_init(&st->end_timer, stream_end, st);
    /* Every packet but a frame's first carries at least max_payload - 12 scan
     * bytes (main and restart headers, rtp_jpeg.h); the first at least one. */
    uint32_t per = dk->max_payload - RTP_JPEG_MAIN_LEN - RTP_JPEG_RESTART_LEN;
    uint32_t cap = v->max_scan / per + 2u;
    if (cap > VS_FRAME_MAX_PKTS)
        return -KE_TOOBIG;
    for (unsigned i = 0; i < VS_READ_AHEAD; i++) {
        int rc = vs_frame_init(&st->slot[i], dk, cap);
        if (rc < 0) {
            vs_stream_fini(st);
            return rc;
        }
    }
    return 0;
}

/* slot_of - the slot of stream frame @k. */
static struct vs_frame *slot_of(struct vs_stream *st, uint64_t k)
{
    return &st->slot[k % VS_READ_AHEAD];
}

/* file_index - the file frame that stream frame @k plays. */
static uint32_t file_index(const struct vs_stream *st, uint64_t k)
{
    return (uint32_t)(k % st->video->ix.count);
}

/* read_done - a slot's read completed: send it if its time has come. */
static void read_done(struct vs_frame *f, void *ctx);

/* read_more - start reading the frames after seq up to VS_READ_AHEAD ahead. */
static void read_more(struct vs_stream *st)
{
    if (st->next_read_seq < st->seq)
        st->next_read_seq = st->seq;
    while (st->next_read_seq < st->seq + VS_READ_AHEAD &&
           (st->loop || st->next_read_seq < st->video->ix.count)) {
        struct vs_frame *f = slot_of(st, st->next_read_seq);
        if (f->busy || f->ready)
            return; /* still holds an earlier frame */
        if (vs_frame_read(f, st->video, file_index(st, st->next_read_seq), read_done, st) < 0)
            return; /* no buffer now: tried again at the next frame */
        st->slot_seq[st->next_read_seq % VS_READ_AHEAD] = st->next_read_seq;
        st->next_read_seq++;
    }
}

/* tx_room - the first client's output interface can queue one packet per client. */
static bool tx_room(const struct vs_stream *st)
{
    struct ipv4_route rt;
    struct netif *ifp;
    if (ipv4_route_lookup(st->fan.clients[0].addr, &rt) < 0 ||
        (ifp = netif_get(rt.ifindex)) == NULL || ifp->txq_len == 0)
        return true; /* nothing queued (or no route: the send fails and is counted) */
    return ifp->txq_len + st->fan.n + VS_TXQ_RESERVE <= NETIF_TXQ_MAX;
}

/* advance - frame seq is done with (sent or skipped): on to the next. */
static void advance(struct vs_stream *st)
{
    st->slot_seq[st->seq % VS_READ_AHEAD] = NO_SEQ;
    st->seq++;
    st->due = false;
    st->sending = false;
    if (!st->loop && st->seq >= st->video->ix.count) {
        st->ending = true;
        ktimer_arm(&st->end_timer, due_ns(st, st->seq)); /* BYE one frame period later */
        return;
    }
    read_more(st);
    ktimer_arm(&st->frame_timer, due_ns(st, st->seq));
}

/* frame_sent - the last packet of frame seq left at @now. */
static void frame_sent(struct vs_stream *st, uint64_t now)
{
    uint64_t next = due_ns(st, st->seq + 1);
    st->frames++;
    st->ctr[VS_RTP_FRAMES]++;
    if (now > next) {
        st->late++;
        st->ctr[VS_RTP_LATE]++;
        if (now - next > st->max_late_ns)
            st->max_late_ns = now - next;
    }
    vs_frame_release(slot_of(st, st->seq));
    advance(st);
}

/* gathers - the first client's output port sends chained buffers itself (kport.tx_gather). */
static bool gathers(const struct vs_stream *st)
{
    struct ipv4_route rt;
    const struct netif *ifp;
    return ipv4_route_lookup(st->fan.clients[0].addr, &rt) == 0 &&
           (ifp = netif_get(rt.ifindex)) != NULL && ifp->port->tx_gather;
}

/*
 * share - with more than one client on a port that gathers, packet @p (RTP
 * header on) becomes the payload segment behind an empty header buffer
 * (kernel/pktbuf.h pkt_chain), so the fan-out gives each client a header
 * buffer of its own in front of this one payload (fanout.h). Otherwise @p
 * goes as it is, one contiguous datagram read from the disk in place, and
 * the fan-out copies it once per other client: a chain the port would
 * linearise costs a header buffer and that same copy.
 */
static struct pktbuf *share(struct vs_stream *st, struct pktbuf *p)
{
    if (st->fan.n < 2 || !gathers(st))
        return p;
    struct pktbuf *h = pkt_alloc(st->dk->pool);
    if (h == NULL || pkt_chain(h, p) < 0) {
        pkt_free(h);
        return p;
    }
    return h;
}

/* pump - send frame seq's packets while the transmit queue has room. */
static void pump(struct vs_stream *st)
{
    struct vs_frame *f = slot_of(st, st->seq);
    const struct vs_video *v = st->video;
    const struct mjpeg_frame *mf = &v->ix.frames[f->index];
    struct rtp_jpeg_frame rf;
    rtp_jpeg_frame_init(&rf, mf, mjpeg_frame_qset(&v->ix, mf),
                        (uint32_t)mjpeg_frame_rtp_ticks(&v->rate, st->seq));
    const struct vs_client *c0 = &st->fan.clients[0];
    while (st->send_pkt < f->npkts) {
        if (!tx_room(st)) {
            st->ctr[VS_RTP_DEFERRED]++;
            ktimer_arm_in(&st->pump_timer, VS_TX_WAIT_NS);
            return;
        }
        const struct rtp_jpeg_pkt *pk = &f->plan[st->send_pkt];
        struct pktbuf *p = vs_frame_take(f, st->send_pkt);
        st->send_pkt++;
        rtp_jpeg_write_headers(&st->tx, &rf, pk, pkt_push(p, pk->hdr_len));
        uint16_t len = p->len;
        p = share(st, p);
        if (udp_send(p, c0->src, c0->addr, st->fan.sport, c0->port) < 0) {
            st->ctr[VS_RTP_SEND_ERRORS]++;
            continue;
        }
        st->packets++;
        st->bytes += len;
        st->ctr[VS_RTP_PACKETS]++;
        st->ctr[VS_RTP_BYTES] += len;
    }
    frame_sent(st, kclock_now_ns());
}

static void pump_again(struct ktimer *t, void *ctx)
{
    (void)t;
    struct vs_stream *st = ctx;
    if (st->sending)
        pump(st);
}

/* try_send - start sending frame seq if it is due and read; skip it if it cannot be. */
static void try_send(struct vs_stream *st)
{
    if (!st->due || st->sending || st->ending || st->fan.n == 0)
        return;
    struct vs_frame *f = slot_of(st, st->seq);
    if (st->slot_seq[st->seq % VS_READ_AHEAD] == st->seq && f->busy)
        return; /* read_done calls again */
    if (st->slot_seq[st->seq % VS_READ_AHEAD] != st->seq || !f->ready) {
        st->skipped++;
        st->ctr[VS_RTP_SKIPPED]++;
        vs_frame_release(f);
        advance(st);
        return;
    }
    st->sending = true;
    st->send_pkt = 0;
    pump(st);
}

static void read_done(struct vs_frame *f, void *ctx)
{
    (void)f;
    try_send(ctx);
}

static void frame_due(struct ktimer *t, void *ctx)
{
    (void)t;
    struct vs_stream *st = ctx;
    st->due = true;
    read_more(st); /* a read that found no buffer earlier */
    try_send(st);
}

/* rtcp_packet - an SR + SDES (+ BYE) in a new buffer, or NULL. */
static struct pktbuf *rtcp_packet(struct vs_stream *st, bool bye)
{
    struct pktbuf *p = pkt_alloc(st->dk->pool);
    if (p == NULL)
        p = pkt_alloc(pktpool_default());
    if (p == NULL)
        return NULL;
    uint64_t now = kclock_now_ns(), at = now > st->t0 ? now : st->t0;
    uint32_t ticks = (uint32_t)((at - st->t0) / 1000u * RTP_JPEG_CLOCK_HZ / 1000000u);
    size_t n = rtcp_write_sr(&st->tx, pkt_data(p), pkt_tailroom(p), rtp_ntp_from_unix_ns(at), ticks,
                             st->cname, bye);
    if (n == 0 || pkt_append(p, (uint16_t)n) == NULL) {
        pkt_free(p);
        return NULL;
    }
    return p;
}

/* rtcp_send - send @p from the RTCP port to @c's. */
static void rtcp_send(struct vs_stream *st, struct pktbuf *p, const struct vs_client *c)
{
    if (p == NULL) {
        st->ctr[VS_RTP_SEND_ERRORS]++;
        return;
    }
    if (udp_send(p, c->src, c->addr, (uint16_t)(st->fan.sport + 1u), (uint16_t)(c->port + 1u)) <
        0) {
        st->ctr[VS_RTP_SEND_ERRORS]++;
        return;
    }
    st->rtcp++;
    st->ctr[VS_RTCP_SENT]++;
}

void vs_stream_rtcp(struct vs_stream *st, bool bye)
{
    if (st->fan.n == 0)
        return;
    rtcp_send(st, rtcp_packet(st, bye), &st->fan.clients[0]);
}

void vs_stream_rtcp_to(struct vs_stream *st, const struct vs_client *c)
{
    rtcp_send(st, rtcp_packet(st, false), c);
}

static void rtcp_tick(struct ktimer *t, void *ctx)
{
    struct vs_stream *st = ctx;
    vs_stream_rtcp(st, false);
    ktimer_arm_in(t, VS_RTCP_INTERVAL_NS);
}

static void stream_end(struct ktimer *t, void *ctx)
{
    (void)t;
    struct vs_stream *st = ctx;
    vs_stream_rtcp(st, true);
    ktimer_cancel(&st->rtcp_timer);
    st->ended = true;
    if (st->ops.ended != NULL)
        st->ops.ended(st, st->ops.ctx); /* may free @st */
}

/* resolved - every unicast client's next hop has a link address (arp.h). */
static bool resolved(const struct vs_stream *st)
{
    for (uint32_t i = 0; i < st->fan.n; i++) {
        uint32_t a = st->fan.clients[i].addr;
        struct ipv4_route rt;
        uint8_t mac[6];
        if (ipv4_is_mcast(a) || ipv4_route_lookup(a, &rt) < 0)
            continue; /* no resolution needed, or none possible: the send counts it */
        if (arp_lookup(rt.ifindex, rt.gateway ? rt.gateway : a, mac) < 0)
            return false;
    }
    return true;
}

/* start_check - the frame timer before frame 0: wait for the clients' addresses. */
static void start_check(struct ktimer *t, void *ctx)
{
    struct vs_stream *st = ctx;
    uint64_t now = kclock_now_ns();
    if (now < st->started_ns + VS_START_WAIT_NS && !resolved(st)) {
        ktimer_arm_in(t, VS_START_POLL_NS);
        return;
    }
    bool moved = now != st->t0;
    st->t0 = now;
    if (moved) /* the first SR placed timestamp 0 at the guessed t0: correct it */
        vs_stream_rtcp(st, false);
    ktimer_init(t, frame_due, st);
    frame_due(t, st);
}

void vs_stream_start(struct vs_stream *st)
{
    char a[INET_IPV4_STRLEN];
    ksnprintf(st->cname, sizeof st->cname, "spindle-video-%u@%s", st->id,
              inet_fmt_ipv4(st->fan.clients[0].src, a));
    for (unsigned i = 0; i < VS_READ_AHEAD; i++)
        st->slot_seq[i] = NO_SEQ;
    uint64_t now = kclock_now_ns();
    st->started_ns = now;
    st->t0 = now + VS_START_DELAY_NS; /* for the first SR's timestamp; set again at frame 0 */
    vs_stream_rtcp(st, false);
    read_more(st);
    ktimer_init(&st->frame_timer, start_check, st);
    ktimer_arm(&st->frame_timer, st->t0);
    ktimer_arm_in(&st->rtcp_timer, VS_RTCP_INTERVAL_NS);
}

void vs_stream_stop(struct vs_stream *st)
{
    ktimer_cancel(&st->frame_timer);
    ktimer_cancel(&st->pump_timer);
    ktimer_cancel(&st->rtcp_timer);
    ktimer_cancel(&st->end_timer);
    st->sending = false;
    st->ending = true;
    for (unsigned i = 0; i < VS_READ_AHEAD; i++) {
        if (st->slot[i].plan == NULL)
            continue;
        vs_frame_wait(&st->slot[i], 2ull * KNS_PER_S);
        vs_frame_release(&st->slot[i]);
    }
}

void vs_stream_fini(struct vs_stream *st)
{
    for (unsigned i = 0; i < VS_READ_AHEAD; i++)
        if (st->slot[i].plan != NULL)
            vs_frame_fini(&st->slot[i]);
    vs_fanout_fini(&st->fan);
}
