/*
 * drivers/e1000/e1000_ring.c — 8254x legacy descriptor ring arithmetic
 * (8254x SDM sections 3.2 and 3.3). Pure functions over memory; see
 * e1000_ring.h for the ownership rules and who issues the barriers.
 */
#include "drivers/e1000/e1000_ring.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

static uint8_t *desc_at(const struct e1000_ring *r, uint16_t i)
{
    return r->desc + (size_t)i * E1000_DESC_BYTES;
}

static uint16_t ring_inc(const struct e1000_ring *r, uint16_t i)
{
    return (uint16_t)(i + 1u == r->count ? 0u : i + 1u);
}

static void desc_put_le64(uint8_t *p, uint64_t v)
{
    store_le32(p, (uint32_t)v);
    store_le32(p + 4, (uint32_t)(v >> 32));
}

/* The status byte is written by the device: one volatile byte load. */
static uint8_t desc_status(const struct e1000_ring *r, uint16_t i, unsigned off)
{
    const volatile uint8_t *p = desc_at(r, i) + off;
    return *p;
}

int e1000_ring_init(struct e1000_ring *r, void *desc, void **cookie, uint16_t count)
{
    if (!r || !desc || !cookie || count < E1000_RING_MIN || count > E1000_RING_MAX ||
        count % 8u != 0)
        return -KE_INVAL;
    r->desc = desc;
    r->cookie = cookie;
    r->count = count;
    r->tail = 0;
    r->next = 0;
    r->used = 0;
    memset(desc, 0, (size_t)count * E1000_DESC_BYTES);
    for (uint16_t i = 0; i < count; i++)
        cookie[i] = NULL;
    return 0;
}

int e1000_rx_post(struct e1000_ring *r, uint64_t bus_addr, void *cookie)
{
    if (e1000_ring_space(r) == 0)
        return -KE_AGAIN;
    uint8_t *d = desc_at(r, r->tail);
    desc_put_le64(d + E1000_RXD_ADDR, bus_addr);
    store_le16(d + E1000_RXD_LENGTH, 0);
    store_le16(d + E1000_RXD_CSUM, 0);
    d[E1000_RXD_STATUS] = 0;
    d[E1000_RXD_ERRORS] = 0;
    store_le16(d + E1000_RXD_SPECIAL, 0);
    r->cookie[r->tail] = cookie;
    r->tail = ring_inc(r, r->tail);
    r->used++;
    return 0;
}

bool e1000_rx_ready(const struct e1000_ring *r)
{
    return r->used > 0 && (desc_status(r, r->next, E1000_RXD_STATUS) & E1000_RXD_STAT_DD);
}

void *e1000_rx_take(struct e1000_ring *r, struct e1000_rx_info *info)
{
    uint8_t *d = desc_at(r, r->next);
    info->length = load_le16(d + E1000_RXD_LENGTH);
    info->status = d[E1000_RXD_STATUS];
    info->errors = d[E1000_RXD_ERRORS];
    d[E1000_RXD_STATUS] = 0;
    void *c = r->cookie[r->next];
    r->cookie[r->next] = NULL;
    r->next = ring_inc(r, r->next);
    r->used--;
    return c;
}

enum e1000_rx_verdict e1000_rx_classify(const struct e1000_rx_info *info, uint16_t min_len,
                                        uint16_t buf_len)
{
    if (info->errors & E1000_RXD_ERR_FRAME)
        return E1000_RX_ERRORS;
    if (!(info->status & E1000_RXD_STAT_EOP))
        return E1000_RX_FRAGMENT;
    if (info->length < min_len || info->length > buf_len)
        return E1000_RX_BAD_LENGTH;
    return E1000_RX_OK;
}

int e1000_tx_post(struct e1000_ring *r, uint64_t bus_addr, uint16_t len, uint8_t cmd, void *cookie)
{
    if (len == 0 || len > E1000_TX_MAX_LEN || (cmd & E1000_TXD_CMD_DEXT))
        return -KE_INVAL;
    if (e1000_ring_space(r) == 0)
        return -KE_AGAIN;
    uint8_t *d = desc_at(r, r->tail);
    desc_put_le64(d + E1000_TXD_ADDR, bus_addr);
    store_le16(d + E1000_TXD_LENGTH, len);
    d[E1000_TXD_CSO] = 0;
    d[E1000_TXD_CMD] = cmd;
    d[E1000_TXD_STATUS] = 0;
    d[E1000_TXD_CSS] = 0;
    store_le16(d + E1000_TXD_SPECIAL, 0);
    r->cookie[r->tail] = cookie;
    r->tail = ring_inc(r, r->tail);
    r->used++;
    return 0;
}

int e1000_tx_csum_ctx(uint16_t csum_start, uint16_t csum_offset, struct e1000_tx_ctx *out)
{
    uint32_t where = (uint32_t)csum_start + csum_offset;
    if (csum_start > 0xffu || where > 0xffu)
        return -KE_RANGE;
    memset(out, 0, sizeof *out);
    out->tucss = (uint8_t)csum_start;
    out->tucso = (uint8_t)where;
    out->tucse = 0; /* to the end of the packet */
    return 0;
}

bool e1000_tx_ctx_equal(const struct e1000_tx_ctx *a, const struct e1000_tx_ctx *b)
{
    return a->ipcss == b->ipcss && a->ipcso == b->ipcso && a->ipcse == b->ipcse &&
           a->tucss == b->tucss && a->tucso == b->tucso && a->tucse == b->tucse &&
           a->paylen == b->paylen && a->tucmd == b->tucmd && a->hdrlen == b->hdrlen &&
           a->mss == b->mss;
}

/* Fill descriptor `tail` as a context descriptor from @c with command bits @cmd. */
static void put_ctx(struct e1000_ring *r, const struct e1000_tx_ctx *c, uint8_t cmd)
{
    uint8_t *d = desc_at(r, r->tail);
    d[E1000_TCD_IPCSS] = c->ipcss;
    d[E1000_TCD_IPCSO] = c->ipcso;
    store_le16(d + E1000_TCD_IPCSE, c->ipcse);
    d[E1000_TCD_TUCSS] = c->tucss;
    d[E1000_TCD_TUCSO] = c->tucso;
    store_le16(d + E1000_TCD_TUCSE, c->tucse);
    uint32_t tucmd = (uint32_t)(c->tucmd | cmd | E1000_TXD_CMD_DEXT);
    store_le32(d + E1000_TCD_PAYLEN,
               (c->paylen & 0xfffffu) | (E1000_TXD_DTYP_CONTEXT << 20) | (tucmd << 24));
    d[E1000_TXD_STATUS] = 0;
    d[E1000_TCD_HDRLEN] = c->hdrlen;
    store_le16(d + E1000_TCD_MSS, c->mss);
    r->cookie[r->tail] = NULL;
    r->tail = ring_inc(r, r->tail);
    r->used++;
}

/* Fill descriptor `tail` as a data descriptor. */
static void put_data(struct e1000_ring *r, const struct e1000_tx_seg *s, uint8_t cmd, uint8_t popts,
                     void *cookie)
{
    uint8_t *d = desc_at(r, r->tail);
    desc_put_le64(d + E1000_TXD_ADDR, s->addr);
    uint32_t dcmd = (uint32_t)(cmd | E1000_TXD_CMD_DEXT);
    store_le32(d + E1000_TDD_DTALEN, s->len | (E1000_TXD_DTYP_DATA << 20) | (dcmd << 24));
    d[E1000_TXD_STATUS] = 0;
    d[E1000_TDD_POPTS] = popts;
    store_le16(d + E1000_TXD_SPECIAL, 0);
    r->cookie[r->tail] = cookie;
    r->tail = ring_inc(r, r->tail);
    r->used++;
}

int e1000_tx_post_frame(struct e1000_ring *r, const struct e1000_tx_seg *seg, unsigned nseg,
                        const struct e1000_tx_ctx *ctx, uint8_t popts, uint8_t cmd_extra,
                        void *cookie)
{
    bool ext = ctx != NULL || popts != 0;
    if (nseg == 0 || cookie == NULL || (cmd_extra & E1000_TXD_CMD_DEXT))
        return -KE_INVAL;
    for (unsigned i = 0; i < nseg; i++)
        if (seg[i].len == 0 || (!ext && seg[i].len > E1000_TX_MAX_LEN))
            return -KE_INVAL;
    if (e1000_ring_space(r) < nseg + (ctx ? 1u : 0u))
        return -KE_AGAIN;
    uint8_t cmd = (uint8_t)(E1000_TXD_CMD_RS | cmd_extra);
    if (ctx)
        put_ctx(r, ctx, cmd);
    for (unsigned i = 0; i < nseg; i++) {
        bool last = i + 1 == nseg;
        uint8_t c = (uint8_t)(cmd | (last ? E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS : 0u));
        if (ext)
            put_data(r, &seg[i], c, popts, last ? cookie : NULL);
        else
            (void)e1000_tx_post(r, seg[i].addr, seg[i].len, c, last ? cookie : NULL);
    }
    return 0;
}

bool e1000_tx_done(const struct e1000_ring *r)
{
    return r->used > 0 && (desc_status(r, r->next, E1000_TXD_STATUS) & E1000_TXD_STAT_DD);
}

void *e1000_tx_take(struct e1000_ring *r, uint8_t *status)
{
    uint8_t *d = desc_at(r, r->next);
    if (status)
        *status = d[E1000_TXD_STATUS] & 0x0Fu;
    d[E1000_TXD_STATUS] = 0;
    void *c = r->cookie[r->next];
    r->cookie[r->next] = NULL;
    r->next = ring_inc(r, r->next);
    r->used--;
    return c;
}

void *e1000_ring_reclaim(struct e1000_ring *r)
{
    if (r->used == 0)
        return NULL;
    uint8_t *d = desc_at(r, r->next);
    d[E1000_RXD_STATUS] = 0; /* same offset (12) in both descriptor kinds */
    void *c = r->cookie[r->next];
    r->cookie[r->next] = NULL;
    r->next = ring_inc(r, r->next);
    r->used--;
    return c;
}
