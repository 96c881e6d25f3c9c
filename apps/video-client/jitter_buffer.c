/* apps/video-client/jitter_buffer.c — bounded RTP reorder buffer (jitter_buffer.h). */
#include "apps/video-client/jitter_buffer.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

enum { SLOT_EMPTY = 0, SLOT_HELD, SLOT_RELEASED };

static struct rtp_jitter_slot *slot_of(const struct rtp_jitter *jb, uint64_t ext)
{
    return &jb->slots[ext & (jb->nslots - 1)];
}

static uint8_t *data_of(const struct rtp_jitter *jb, uint64_t ext)
{
    return jb->data + (size_t)(ext & (jb->nslots - 1)) * jb->slot_bytes;
}

int rtp_jitter_init(struct rtp_jitter *jb, unsigned nslots, size_t slot_bytes, uint64_t latency_ns,
                    rtp_jitter_deliver_fn deliver, void *ctx)
{
    memset(jb, 0, sizeof *jb);
    if (nslots == 0 || nslots > RTP_JITTER_MAX_SLOTS || (nslots & (nslots - 1)) != 0 ||
        slot_bytes == 0 || slot_bytes > 65535 || !deliver)
        return -KE_INVAL;
    jb->slots = kmalloc(sizeof *jb->slots * nslots);
    jb->data = kmalloc(slot_bytes * nslots);
    if (!jb->slots || !jb->data) {
        rtp_jitter_fini(jb);
        return -KE_NOMEM;
    }
    jb->nslots = nslots;
    jb->slot_bytes = slot_bytes;
    jb->latency_ns = latency_ns;
    jb->deliver = deliver;
    jb->ctx = ctx;
    return 0;
}

void rtp_jitter_fini(struct rtp_jitter *jb)
{
    kfree(jb->slots);
    kfree(jb->data);
    jb->slots = NULL;
    jb->data = NULL;
    jb->held = 0;
}

static void deliver(struct rtp_jitter *jb, uint64_t ext, uint32_t ts, bool marker,
                    const uint8_t *data, size_t len, uint64_t arrival_ns)
{
    struct rtp_jitter_packet p = {
        .ext_seq = ext,
        .timestamp = ts,
        .marker = marker,
        .data = data,
        .len = len,
        .arrival_ns = arrival_ns,
        .lost_before = jb->pending_lost,
    };
    jb->pending_lost = 0;
    jb->delivered++;
    jb->next = ext + 1;
    jb->deliver(jb->ctx, &p);
}

/* Deliver the held run starting at next; returns how many left. */
static unsigned release_run(struct rtp_jitter *jb)
{
    unsigned n = 0;
    for (;;) {
        uint64_t ext = jb->next;
        struct rtp_jitter_slot *s = slot_of(jb, ext);
        if (s->state != SLOT_HELD || s->ext_seq != ext)
            return n;
        s->state = SLOT_RELEASED;
        jb->held--;
        deliver(jb, ext, s->timestamp, s->marker, data_of(jb, ext), s->len, s->arrival_ns);
        n++;
    }
}

/* Give up the numbers from next up to the first held one at or below
 * @limit (or up to @limit itself when none is held there), then deliver
 * the run that follows. Returns packets delivered. */
static unsigned skip_to(struct rtp_jitter *jb, uint64_t limit)
{
    uint64_t target = limit;
    if (jb->held > 0) {
        for (uint64_t e = jb->next; e < limit && e < jb->next + jb->nslots; e++) {
            const struct rtp_jitter_slot *s = slot_of(jb, e);
            if (s->state == SLOT_HELD && s->ext_seq == e) {
                target = e;
                break;
            }
        }
    }
    if (target > jb->next) {
        jb->lost += target - jb->next;
        jb->pending_lost += target - jb->next;
        jb->next = target;
    }
    return release_run(jb);
}

int rtp_jitter_put(struct rtp_jitter *jb, uint64_t ext_seq, uint32_t timestamp, bool marker,
                   const uint8_t *data, size_t len, uint64_t now_ns)
{
    if (!jb->started) {
        jb->started = true;
        jb->next = ext_seq;
    }
    struct rtp_jitter_slot *s = slot_of(jb, ext_seq);
    if (ext_seq < jb->next) {
        if (s->ext_seq == ext_seq && s->state == SLOT_RELEASED) {
            jb->duplicates++;
            return -KE_EXIST;
        }
        jb->late++;
        return -KE_RANGE;
    }
    if (s->ext_seq == ext_seq && s->state == SLOT_HELD) {
        jb->duplicates++;
        return -KE_EXIST;
    }
    if (ext_seq == jb->next && jb->held == 0) {
        /* the common case: in order, nothing waiting; no copy */
        s->ext_seq = ext_seq;
        s->state = SLOT_RELEASED;
        deliver(jb, ext_seq, timestamp, marker, data, len, now_ns);
        return 0;
    }
    if (len > jb->slot_bytes) {
        jb->oversize++;
        return -KE_TOOBIG;
    }
    /* Too far ahead for the window: the oldest numbers must go first.
     * Keep giving up until the slot this one needs is free. */
    while (ext_seq >= jb->next + jb->nslots) {
        uint64_t limit = ext_seq - jb->nslots + 1;
        skip_to(jb, limit);
    }
    s->ext_seq = ext_seq;
    s->arrival_ns = now_ns;
    s->timestamp = timestamp;
    s->marker = marker;
    s->len = (uint32_t)len;
    s->state = SLOT_HELD;
    memcpy(data_of(jb, ext_seq), data, len);
    jb->held++;
    if (ext_seq == jb->next)
        release_run(jb);
    return 0;
}

uint64_t rtp_jitter_deadline(const struct rtp_jitter *jb)
{
    if (jb->held == 0)
        return UINT64_MAX;
    uint64_t first = UINT64_MAX;
    for (unsigned i = 0; i < jb->nslots; i++) {
        const struct rtp_jitter_slot *s = &jb->slots[i];
        if (s->state == SLOT_HELD && s->arrival_ns < first)
            first = s->arrival_ns;
    }
    return first > UINT64_MAX - jb->latency_ns ? UINT64_MAX : first + jb->latency_ns;
}

unsigned rtp_jitter_poll(struct rtp_jitter *jb, uint64_t now_ns)
{
    unsigned n = 0;
    while (jb->held > 0 && rtp_jitter_deadline(jb) <= now_ns)
        n += skip_to(jb, jb->next + jb->nslots);
    return n;
}

void rtp_jitter_flush(struct rtp_jitter *jb, bool forget)
{
    while (jb->held > 0)
        skip_to(jb, jb->next + jb->nslots);
    if (forget) {
        jb->started = false;
        jb->pending_lost = 0;
        for (unsigned i = 0; i < jb->nslots; i++)
            jb->slots[i].state = SLOT_EMPTY;
    }
}
