/*
 * protocols/aal5/aal5_reasm.c — AAL5 reassembly (ITU-T I.363.5 10.1.4 SAR
 * receiver, 10.2.4 CPCS receiver), bounded in memory and time.
 *
 * One slot per PDU in progress, keyed by (link, VPI, VCI), found through a
 * hash table; slots are also kept oldest first, which is deadline order
 * (every PDU gets the same timeout from its first cell), so expiry and
 * eviction look only at the front. Each cell's 48 payload bytes are copied
 * into the slot's buffer at cell index * 48 as they arrive and the CRC-32
 * register follows them, so the last cell is checked without reading the
 * PDU again. Only payload bytes are stored: bytes at offsets from
 * max_payload on (PAD and trailer of the longest PDUs) go into the CRC and
 * nowhere else, and the trailer is read from the last cell itself, so a
 * 65535-byte payload needs no more than a 65535-byte block.
 *
 * Memory: a PDU starts in a small (default pool) buffer and moves to a big
 * one when it outgrows it. Buffers held stay within max_bytes (counted by
 * block size): when a buffer would exceed it, or its pool is empty, the
 * oldest other PDUs holding one are dropped to make room (evicted), and a
 * PDU that still finds none is dropped (no_memory). A dropped PDU keeps its
 * slot, without a buffer, until its last cell or its deadline, so its
 * remaining cells are discarded instead of starting a bogus PDU. When all
 * max_vcs slots are taken, a new PDU takes the oldest one's (evicted).
 */
#include "protocols/aal5/aal5_sar.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

const char *const aal5_rx_ctr_names[AAL5_RX_NCTR] = {
    "rx_frames", "rx_cells",       "rx_pdus",          "rx_bytes", "bad_frame_len",
    "bad_hec",   "non_user_cells", "unassigned_cells", "bad_crc",  "bad_length",
    "bad_cpi",   "aborts",         "oversize",         "timeouts", "no_memory",
    "evicted",   "flushed",        "discarded_cells",
};

/* One PDU in progress. */
struct reasm_vc {
    struct reasm_vc *hnext;         /* hash chain; free list while unused */
    struct reasm_vc *older, *newer; /* age list */
    uint64_t link;
    uint64_t deadline_ns;
    struct pktbuf *buf; /* payload so far; NULL while discarding */
    uint32_t crc;       /* CRC-32 register over the cells taken */
    uint16_t vci;
    uint16_t ncells; /* cells taken */
    uint8_t vpi;
    bool discard; /* dropped (and counted): swallow cells up to the last */
};

struct aal5_reasm {
    struct aal5_reasm_params p;
    uint32_t max_cells;     /* AAL5_PDU_CELLS(max_payload) */
    struct reasm_vc *slots; /* max_vcs of them */
    struct reasm_vc *free;
    struct reasm_vc **bucket;
    uint32_t mask; /* buckets - 1, a power of two minus one */
    struct reasm_vc *oldest, *newest;
    unsigned pending;
    uint32_t held; /* block bytes of the buffers held */
};

static uint32_t vc_hash(const struct aal5_reasm *r, uint64_t link, uint8_t vpi, uint16_t vci)
{
    uint64_t x = (link ^ ((uint64_t)vpi << 16 | vci)) * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(x >> 40) & r->mask;
}

static struct reasm_vc *vc_find(const struct aal5_reasm *r, uint64_t link, uint8_t vpi,
                                uint16_t vci)
{
    for (struct reasm_vc *v = r->bucket[vc_hash(r, link, vpi, vci)]; v != NULL; v = v->hnext)
        if (v->link == link && v->vci == vci && v->vpi == vpi)
            return v;
    return NULL;
}

/* vc_free_buf - return @v's buffer to its pool. */
static void vc_free_buf(struct aal5_reasm *r, struct reasm_vc *v)
{
    if (v->buf != NULL) {
        r->held -= v->buf->cap;
        pkt_free(v->buf);
        v->buf = NULL;
    }
}

/* vc_release - forget @v: buffer back, out of the hash and age lists, slot free. */
static void vc_release(struct aal5_reasm *r, struct reasm_vc *v)
{
    vc_free_buf(r, v);
    struct reasm_vc **pp = &r->bucket[vc_hash(r, v->link, v->vpi, v->vci)];
    while (*pp != v)
        pp = &(*pp)->hnext;
    *pp = v->hnext;
    if (v->older != NULL)
        v->older->newer = v->newer;
    else
        r->oldest = v->newer;
    if (v->newer != NULL)
        v->newer->older = v->older;
    else
        r->newest = v->older;
    v->hnext = r->free;
    r->free = v;
    r->pending--;
}

/* vc_drop - drop @v's PDU for reason @why (counted unless it already was) and free the slot. */
static void vc_drop(struct aal5_reasm *r, struct reasm_vc *v, enum aal5_rx_ctr why)
{
    if (!v->discard)
        r->p.ctr[why]++;
    vc_release(r, v);
}

/* vc_discard - drop @v's PDU for @why now; keep the slot to swallow its cells unless @last. */
static void vc_discard(struct aal5_reasm *r, struct reasm_vc *v, enum aal5_rx_ctr why, bool last)
{
    r->p.ctr[why]++;
    vc_free_buf(r, v);
    v->discard = true;
    if (last)
        vc_release(r, v);
}

/* vc_new - a slot for a new PDU on (@link, @vpi, @vci), evicting the oldest if none is free. */
static struct reasm_vc *vc_new(struct aal5_reasm *r, uint64_t link, uint8_t vpi, uint16_t vci,
                               uint64_t now)
{
    if (r->free == NULL)
        vc_drop(r, r->oldest, AAL5_EVICTED);
    struct reasm_vc *v = r->free;
    r->free = v->hnext;
    *v = (struct reasm_vc){ .link = link,
                            .vpi = vpi,
                            .vci = vci,
                            .crc = AAL5_CRC32_INIT,
                            .deadline_ns = now + r->p.timeout_ns,
                            .older = r->newest };
    uint32_t h = vc_hash(r, link, vpi, vci);
    v->hnext = r->bucket[h];
    r->bucket[h] = v;
    if (r->newest != NULL)
        r->newest->newer = v;
    else
        r->oldest = v;
    r->newest = v;
    r->pending++;
    return v;
}

/*
 * victim - the oldest PDU other than @self whose buffer dropping helps: any
 * buffer when @pool is NULL (bytes), else one from @pool (an empty pool).
 */
static struct reasm_vc *victim(const struct aal5_reasm *r, const struct reasm_vc *self,
                               const struct pktpool *pool)
{
    for (struct reasm_vc *v = r->oldest; v != NULL; v = v->newer)
        if (v != self && v->buf != NULL && (pool == NULL || v->buf->pool == pool))
            return v;
    return NULL;
}

/*
 * vc_alloc - a buffer from @pool that fits within max_bytes once @v lets go
 * of its own; evicts the oldest other PDUs until it does. NULL: no memory.
 */
static struct pktbuf *vc_alloc(struct aal5_reasm *r, struct reasm_vc *v, struct pktpool *pool)
{
    uint32_t keep = v->buf != NULL ? v->buf->cap : 0;
    for (;;) {
        struct pktbuf *p = pkt_alloc(pool);
        if (p != NULL && r->held - keep + p->cap <= r->p.max_bytes)
            return p;
        struct reasm_vc *x = victim(r, v, p == NULL ? pool : NULL);
        pkt_free(p);
        if (x == NULL)
            return NULL;
        vc_discard(r, x, AAL5_EVICTED, false);
    }
}

/*
 * vc_grow - give @v a buffer able to hold @need payload bytes behind the
 * headroom, keeping what it holds: a small buffer for a new PDU, a big one
 * when that is too small. Returns -1, or the counter to drop the PDU under.
 */
static int vc_grow(struct aal5_reasm *r, struct reasm_vc *v, uint32_t need)
{
    struct pktbuf *old = v->buf;
    struct pktpool *pool = old == NULL && r->p.small != NULL ? r->p.small : r->p.big;
    for (;;) {
        struct pktbuf *p = vc_alloc(r, v, pool);
        if (p == NULL)
            return AAL5_NO_MEMORY;
        /* Headroom: as pkt_alloc left it (PKT_HEADROOM) in a small buffer; in a big
         * one, as much of it as leaves room for the largest payload; never below
         * the minimum asked for. */
        uint32_t room = p->data_off;
        if (pool == r->p.big)
            room = p->cap > r->p.max_payload && p->cap - r->p.max_payload < room
                       ? p->cap - r->p.max_payload
                   : p->cap > r->p.max_payload ? room
                                               : 0;
        p->data_off = (uint16_t)(room > r->p.headroom ? room : r->p.headroom);
        if ((uint32_t)p->data_off + need > p->cap) {
            pkt_free(p);
            if (pool == r->p.big)
                return AAL5_OVERSIZE;
            pool = r->p.big;
            continue;
        }
        if (old != NULL) {
            memcpy(pkt_data(p), pkt_data(old), old->len);
            p->len = old->len;
            vc_free_buf(r, v);
        }
        v->buf = p;
        r->held += p->cap;
        return -1;
    }
}

/*
 * vc_store - copy cell payload @pl (the v->ncells-th cell) into @v's
 * buffer, up to max_payload bytes of PDU. Returns -1 or a drop counter.
 */
static int vc_store(struct aal5_reasm *r, struct reasm_vc *v, const uint8_t *pl)
{
    uint32_t off = (uint32_t)v->ncells * ATM_PAYLOAD_LEN;
    if (off >= r->p.max_payload)
        return -1; /* PAD or trailer of a PDU of the largest size: CRC only */
    uint32_t n =
        r->p.max_payload - off < ATM_PAYLOAD_LEN ? r->p.max_payload - off : ATM_PAYLOAD_LEN;
    struct pktbuf *p = v->buf;
    if (p == NULL || (uint32_t)p->data_off + off + n > p->cap) {
        int why = vc_grow(r, v, off + n);
        if (why >= 0)
            return why;
        p = v->buf;
    }
    memcpy(pkt_data(p) + off, pl, n);
    p->len = (uint16_t)(off + n);
    return -1;
}

/*
 * vc_complete - @v's last cell, payload @pl, has been stored: check the PDU
 * (I.363.5 10.2.4) and deliver it or count why not. Frees the slot.
 * Returns 1 when delivered, else 0.
 */
static int vc_complete(struct aal5_reasm *r, struct reasm_vc *v, const uint8_t *pl,
                       const struct atm_cell_hdr *h, aal5_deliver_fn fn, void *ctx)
{
    const uint8_t *t = pl + AAL5_LAST_TRL_OFF;
    uint32_t crc = aal5_crc32_update(v->crc, pl, AAL5_LAST_TRL_OFF + AAL5_TRL_CRC);
    uint16_t len = load_be16(t + AAL5_TRL_LENGTH);
    int why = len == 0                                                        ? AAL5_ABORTS
              : aal5_crc32_final(crc) != load_be32(t + AAL5_TRL_CRC)          ? AAL5_BAD_CRC
              : t[AAL5_TRL_CPI] != 0                                          ? AAL5_BAD_CPI
              : AAL5_PDU_CELLS(len) != v->ncells                              ? AAL5_BAD_LENGTH
              : len > r->p.max_payload || v->buf == NULL || len > v->buf->len ? AAL5_OVERSIZE
                                                                              : -1;
    if (why >= 0) {
        vc_drop(r, v, (enum aal5_rx_ctr)why);
        return 0;
    }
    struct aal5_pdu_info info = {
        .link = v->link, .last = *h, .uu = t[AAL5_TRL_UU], .cells = v->ncells
    };
    struct pktbuf *p = v->buf;
    r->held -= p->cap;
    v->buf = NULL;
    p->len = len;
    vc_release(r, v);
    r->p.ctr[AAL5_RX_PDUS]++;
    r->p.ctr[AAL5_RX_BYTES] += len;
    fn(ctx, p, &info);
    return 1;
}

/* reasm_cell - one cell at @c, already past the frame checks. Returns PDUs delivered (0 or 1). */
static int reasm_cell(struct aal5_reasm *r, uint64_t link, const uint8_t *c, uint64_t now,
                      aal5_deliver_fn fn, void *ctx)
{
    struct atm_cell_hdr h;
    if (!atm_hdr_decode(c, &h)) {
        r->p.ctr[AAL5_BAD_HEC]++;
        return 0;
    }
    if (h.pti & ATM_PTI_NON_USER) {
        r->p.ctr[AAL5_NON_USER_CELLS]++;
        return 0;
    }
    if (h.vci == 0) {
        r->p.ctr[AAL5_UNASSIGNED_CELLS]++;
        return 0;
    }
    bool last = (h.pti & ATM_PTI_AUU) != 0;
    const uint8_t *pl = c + ATM_HDR_LEN;
    struct reasm_vc *v = vc_find(r, link, h.vpi, h.vci);
    if (v != NULL && now >= v->deadline_ns) {
        vc_drop(r, v, AAL5_TIMEOUTS);
        v = NULL;
    }
    if (v == NULL)
        v = vc_new(r, link, h.vpi, h.vci, now);
    if (v->discard) {
        r->p.ctr[AAL5_DISCARDED_CELLS]++;
        if (last)
            vc_release(r, v);
        return 0;
    }
    if (v->ncells >= r->max_cells) {
        vc_discard(r, v, AAL5_OVERSIZE, last);
        return 0;
    }
    int why = vc_store(r, v, pl);
    if (why >= 0) {
        vc_discard(r, v, (enum aal5_rx_ctr)why, last);
        return 0;
    }
    v->ncells++;
    if (!last) {
        v->crc = aal5_crc32_update(v->crc, pl, ATM_PAYLOAD_LEN);
        return 0;
    }
    return vc_complete(r, v, pl, &h, fn, ctx);
}

int aal5_reasm_input(struct aal5_reasm *r, uint64_t link, const uint8_t *cells, size_t len,
                     uint64_t now_ns, aal5_deliver_fn fn, void *ctx)
{
    r->p.ctr[AAL5_RX_FRAMES]++;
    if (len == 0 || len % ATM_CELL_LEN != 0 || len / ATM_CELL_LEN > AAL5_CELLS_PER_FRAME) {
        r->p.ctr[AAL5_BAD_FRAME_LEN]++;
        return -KE_INVAL;
    }
    int delivered = 0;
    for (size_t off = 0; off < len; off += ATM_CELL_LEN) {
        r->p.ctr[AAL5_RX_CELLS]++;
        delivered += reasm_cell(r, link, cells + off, now_ns, fn, ctx);
    }
    return delivered;
}

unsigned aal5_reasm_expire(struct aal5_reasm *r, uint64_t now_ns)
{
    unsigned n = 0;
    while (r->oldest != NULL && r->oldest->deadline_ns <= now_ns) {
        n += !r->oldest->discard;
        vc_drop(r, r->oldest, AAL5_TIMEOUTS);
    }
    return n;
}

uint64_t aal5_reasm_next_deadline(const struct aal5_reasm *r)
{
    return r->oldest != NULL ? r->oldest->deadline_ns : UINT64_MAX;
}

unsigned aal5_reasm_pending(const struct aal5_reasm *r)
{
    return r->pending;
}

uint32_t aal5_reasm_held(const struct aal5_reasm *r)
{
    return r->held;
}

unsigned aal5_reasm_flush(struct aal5_reasm *r)
{
    unsigned n = 0;
    while (r->oldest != NULL) {
        n += !r->oldest->discard;
        vc_drop(r, r->oldest, AAL5_FLUSHED);
    }
    return n;
}

struct aal5_reasm *aal5_reasm_create(const struct aal5_reasm_params *p)
{
    if (p->max_vcs == 0 || p->max_payload == 0 || p->max_payload > AAL5_MAX_PAYLOAD ||
        p->big == NULL || p->ctr == NULL || p->max_vcs > (1u << 20))
        return NULL;
    struct aal5_reasm *r = kmalloc(sizeof *r);
    if (r == NULL)
        return NULL;
    uint32_t nb = 1;
    while (nb < 2 * p->max_vcs)
        nb <<= 1;
    r->p = *p;
    r->max_cells = AAL5_PDU_CELLS(p->max_payload);
    r->mask = nb - 1;
    r->slots = kmalloc(sizeof *r->slots * p->max_vcs);
    r->bucket = kmalloc(sizeof *r->bucket * nb);
    if (r->slots == NULL || r->bucket == NULL) {
        kfree(r->slots);
        kfree(r->bucket);
        kfree(r);
        return NULL;
    }
    for (uint32_t i = 0; i < p->max_vcs; i++) {
        r->slots[i].hnext = r->free;
        r->free = &r->slots[i];
    }
    return r;
}

void aal5_reasm_destroy(struct aal5_reasm *r)
{
    if (r == NULL)
        return;
    aal5_reasm_flush(r);
    kfree(r->slots);
    kfree(r->bucket);
    kfree(r);
}
