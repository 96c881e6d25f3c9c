/*
 * apps/video-server/frame_read.c — reading a frame's scan bytes from the
 * media disk into its packet buffers (frame_read.h).
 */
#include "apps/video-server/frame_read.h"

#include "apps/video-server/counters.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

/*
 * Why every packet fits in place with 512-byte sectors, 2048-byte blocks and
 * a 1460-byte RTP payload: a packet carries len <= 1460 - h scan bytes after
 * h bytes of RTP and RFC 2435 headers (h = 20, or up to 152 in a frame's
 * first packet, which carries the tables), so it needs hdr = 42 + h bytes in
 * front. Its read spans roundup(lead + len, 512) bytes, lead < 512. When
 * lead + len <= 1536 the span is at most 1536 and starts at max(0, hdr - lead)
 * <= 194 < 512: it ends by 2048. When lead + len > 1536 the span is 2048 and
 * must start at 0, which needs lead >= hdr; and indeed lead > 1536 - len >=
 * 76 + h > 42 + h = hdr.
 */
int vs_place(uint64_t off, uint32_t len, uint32_t sector_size, uint32_t hdr, uint32_t block,
             struct vs_place *out)
{
    if ((uint64_t)hdr + len > block)
        return -KE_TOOBIG;
    uint32_t lead = (uint32_t)(off % sector_size);
    uint64_t span = ((uint64_t)lead + len + sector_size - 1u) / sector_size * sector_size;
    out->lba = off / sector_size;
    out->nsect = (uint32_t)(span / sector_size);
    out->lead = lead;
    uint32_t payload = hdr > lead ? hdr : lead;
    uint32_t start = payload - lead;
    if ((uint64_t)start + span <= block) {
        out->in_place = true;
        out->read_off = start;
        out->payload_off = payload;
    } else {
        out->in_place = false;
        out->read_off = 0;
        out->payload_off = hdr;
    }
    return 0;
}

static void frame_retry(struct ktimer *t, void *ctx);

int vs_frame_init(struct vs_frame *f, struct vs_disk *dk, uint32_t cap)
{
    memset(f, 0, sizeof *f);
    f->dk = dk;
    f->cap = cap;
    ktimer_init(&f->retry, frame_retry, f);
    f->plan = kmalloc((size_t)cap * sizeof *f->plan);
    f->pkt = kmalloc((size_t)cap * sizeof *f->pkt);
    f->req = kmalloc((size_t)cap * sizeof *f->req);
    f->bounce = kmalloc((size_t)cap * sizeof *f->bounce);
    if (f->plan == NULL || f->pkt == NULL || f->req == NULL || f->bounce == NULL) {
        vs_frame_fini(f);
        return -KE_NOMEM;
    }
    return 0;
}

/* frame_finish - when every read has completed: the slot is done; tell the owner. */
static void frame_finish(struct vs_frame *f)
{
    if (!f->busy || f->submitted < f->npkts || f->completed < f->submitted)
        return;
    f->busy = false;
    f->ready = f->status == 0;
    if (f->done != NULL)
        f->done(f, f->ctx);
}

/* frame_pump - submit the reads not yet submitted, until the disk is busy. */
static void frame_pump(struct vs_frame *f)
{
    struct kblk *d = f->dk->disk;
    while (f->submitted < f->npkts) {
        int rc = kblk_submit(d, &f->req[f->submitted]);
        if (rc == -KE_AGAIN) {
            f->dk->ctr[VS_DISK_BUSY]++;
            if (f->completed == f->submitted) /* none of ours in flight to restart us */
                ktimer_arm_in(&f->retry, VS_DISK_RETRY_NS);
            return;
        }
        f->submitted++;
        if (rc < 0) { /* refused: this packet will not be read */
            f->dk->ctr[VS_DISK_ERRORS]++;
            if (f->status == 0)
                f->status = rc;
            f->completed++;
        }
    }
}

/* frame_retry - the retry timer: submit again; deliver a finish found meanwhile. */
static void frame_retry(struct ktimer *t, void *ctx)
{
    (void)t;
    struct vs_frame *f = ctx;
    frame_pump(f);
    frame_finish(f);
}

/* frame_req_done - a packet's read completed (kblk_done_fn). */
static void frame_req_done(struct kblk_req *r)
{
    struct vs_frame *f = r->ctx;
    uint32_t i = (uint32_t)(r - f->req);
    if (r->status < 0) {
        f->dk->ctr[VS_DISK_ERRORS]++;
        if (f->status == 0)
            f->status = r->status;
    } else {
        f->dk->ctr[VS_DISK_READS]++;
        f->dk->ctr[VS_DISK_READ_BYTES] += f->plan[i].len;
        if (f->bounce[i] != NULL) { /* not in place: the one copy left (frame_read.h) */
            uint32_t lead = (uint32_t)((f->scan_base + f->plan[i].off) % f->dk->disk->sector_size);
            memcpy(pkt_data(f->pkt[i]), (uint8_t *)f->bounce[i] + lead, f->plan[i].len);
        }
    }
    if (f->bounce[i] != NULL) {
        kfree(f->bounce[i]);
        f->bounce[i] = NULL;
    }
    f->completed++;
    frame_pump(f);
    frame_finish(f);
}

/* frame_prepare - buffer and request of packet @i; 0 or -KE_NOMEM / -KE_TOOBIG. */
static int frame_prepare(struct vs_frame *f, uint32_t i, uint64_t off)
{
    struct vs_disk *dk = f->dk;
    const struct rtp_jpeg_pkt *pk = &f->plan[i];
    struct pktbuf *p = pkt_alloc(dk->pool);
    if (p == NULL)
        return -KE_NOMEM;
    f->pkt[i] = p;
    struct vs_place pl;
    int rc = vs_place(off, pk->len, dk->disk->sector_size, VS_NET_HDRS + pk->hdr_len, p->cap, &pl);
    if (rc < 0)
        return rc;
    p->data_off = (uint16_t)pl.payload_off;
    p->len = (uint16_t)pk->len;
    void *target = p->block + pl.read_off;
    if (!pl.in_place) {
        f->bounce[i] = kmalloc((size_t)pl.nsect * dk->disk->sector_size);
        if (f->bounce[i] == NULL)
            return -KE_NOMEM;
        target = f->bounce[i];
        dk->ctr[VS_DISK_COPIED]++;
    } else {
        dk->ctr[VS_DISK_IN_PLACE]++;
    }
    f->req[i] = (struct kblk_req){
        .op = KBLK_READ,
        .lba = pl.lba,
        .nsect = pl.nsect,
        .buf = target,
        .done = frame_req_done,
        .ctx = f,
    };
    return 0;
}

int vs_frame_read(struct vs_frame *f, const struct vs_video *v, uint32_t index,
                  vs_frame_done_fn done, void *ctx)
{
    if (f->busy || index >= v->ix.count)
        return -KE_INVAL;
    vs_frame_release(f);
    const struct mjpeg_frame *mf = &v->ix.frames[index];
    struct rtp_jpeg_frame rf;
    rtp_jpeg_frame_init(&rf, mf, mjpeg_frame_qset(&v->ix, mf), 0);
    uint32_t n = 0, off = 0;
    struct rtp_jpeg_pkt pk;
    int rc;
    while ((rc = rtp_jpeg_plan(&rf, f->dk->max_payload, off, &pk)) == 1) {
        if (n == f->cap)
            return -KE_TOOBIG;
        f->plan[n++] = pk;
        off += pk.len;
    }
    if (rc < 0)
        return rc;
    f->video = v;
    f->index = index;
    f->npkts = n;
    f->scan_base = v->data_off + mf->offset + mf->scan_off;
    for (uint32_t i = 0; i < n; i++) {
        rc = frame_prepare(f, i, f->scan_base + f->plan[i].off);
        if (rc < 0) {
            if (rc == -KE_NOMEM)
                f->dk->ctr[VS_DISK_NO_BUFFER]++;
            vs_frame_release(f);
            return rc;
        }
    }
    f->submitted = f->completed = 0;
    f->status = 0;
    f->busy = true;
    f->ready = false;
    f->done = done;
    f->ctx = ctx;
    frame_pump(f);
    if (f->completed == f->npkts) /* every submit refused: finish from the main loop */
        ktimer_arm_in(&f->retry, 0);
    return 0;
}

struct pktbuf *vs_frame_take(struct vs_frame *f, uint32_t i)
{
    if (i >= f->npkts)
        return NULL;
    struct pktbuf *p = f->pkt[i];
    f->pkt[i] = NULL;
    return p;
}

void vs_frame_release(struct vs_frame *f)
{
    if (f->busy)
        return;
    for (uint32_t i = 0; f->pkt != NULL && i < f->cap; i++) {
        pkt_free(f->pkt[i]);
        f->pkt[i] = NULL;
        kfree(f->bounce[i]);
        f->bounce[i] = NULL;
    }
    f->npkts = 0;
    f->ready = false;
}

bool vs_frame_wait(struct vs_frame *f, uint64_t timeout_ns)
{
    if (!f->busy)
        return true;
    ktimer_cancel(&f->retry);
    f->done = NULL;
    /* What was never submitted will not be. */
    f->completed += f->npkts - f->submitted;
    f->submitted = f->npkts;
    uint64_t deadline = kclock_now_ns() + timeout_ns;
    /* Bounded in polls too: a test clock may not move. */
    for (unsigned long polls = 0; f->completed < f->submitted && polls < 10000000ul; polls++) {
        if (kclock_now_ns() >= deadline)
            break;
        kblk_poll(f->dk->disk, 32);
    }
    if (f->completed < f->submitted)
        kblk_abort(f->dk->disk); /* completes the rest with -KE_IO, callbacks included */
    frame_finish(f);
    return !f->busy;
}

void vs_frame_fini(struct vs_frame *f)
{
    if (f->busy)
        vs_frame_wait(f, 2ull * 1000000000ull);
    ktimer_cancel(&f->retry);
    f->busy = false;
    vs_frame_release(f);
    kfree(f->plan);
    kfree(f->pkt);
    kfree(f->req);
    kfree(f->bounce);
    f->plan = NULL;
    f->pkt = NULL;
    f->req = NULL;
    f->bounce = NULL;
}
