/*
 * apps/am/am_wire.c — the active-message wire format (am_wire.h): parsing,
 * building, names. Freestanding and pure: no kernel header, no state.
 */
#include "apps/am/am_wire.h"

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

bool am_type_has_bulk(uint8_t type)
{
    return type == AM_STORE || type == AM_GET || type == AM_GET_REPLY;
}

bool am_type_is_request(uint8_t type)
{
    return type == AM_REQUEST || type == AM_STORE || type == AM_GET;
}

bool am_type_has_data(uint8_t type)
{
    return type == AM_STORE || type == AM_GET_REPLY;
}

/* parse_bulk - the bulk header at @b and the data after it (@rest bytes from @b). */
static int parse_bulk(const uint8_t *b, size_t rest, struct am_hdr *out)
{
    if (rest < AM_BULK_HDR_LEN)
        return AM_W_SHORT;
    out->segment = b[0];
    if (b[1] != 0)
        return AM_W_RESERVED;
    out->length = get16(b + 2);
    out->base = get32(b + 4);
    out->pos = get32(b + 8);
    out->total = get32(b + 12);
    size_t data = rest - AM_BULK_HDR_LEN;
    size_t want = am_type_has_data(out->type) ? out->length : 0;
    if (data != want)
        return AM_W_LENGTH;
    if (out->length == 0 || out->length > AM_CHUNK_MAX || out->total == 0 ||
        out->total > AM_BULK_MAX || out->pos > out->total || out->length > out->total - out->pos ||
        out->base > UINT32_MAX - out->total)
        return AM_W_BULK;
    bool last = out->pos + out->length == out->total;
    if (last != ((out->flags & AM_F_LAST) != 0))
        return AM_W_BULK;
    out->data = want ? b + AM_BULK_HDR_LEN : NULL;
    return AM_W_OK;
}

int am_wire_parse(const uint8_t *msg, size_t len, struct am_hdr *out)
{
    out->data = NULL;
    out->segment = 0;
    out->length = 0;
    out->base = out->pos = out->total = 0;
    if (len < AM_HDR_LEN)
        return AM_W_SHORT;
    if (msg[AM_OFF_VERSION] != AM_VERSION)
        return AM_W_VERSION;
    out->type = msg[AM_OFF_TYPE];
    out->flags = msg[AM_OFF_FLAGS];
    out->handler = msg[AM_OFF_HANDLER];
    out->nargs = msg[AM_OFF_NARGS];
    out->status = msg[AM_OFF_STATUS];
    out->epoch = get32(msg + AM_OFF_EPOCH);
    out->seq = get32(msg + AM_OFF_SEQ);
    if (out->type == 0 || out->type > AM_TYPE_MAX)
        return AM_W_TYPE;
    bool bulk = am_type_has_bulk(out->type);
    if ((out->flags & ~AM_F_LAST) != 0 || (!bulk && out->flags != 0))
        return AM_W_FLAGS;
    if (out->nargs > AM_MAX_ARGS)
        return AM_W_NARGS;
    if (out->type == AM_NACK ? (out->status == 0 || out->status > AM_S_MAX) : out->status != 0)
        return AM_W_STATUS;
    if (get16(msg + AM_OFF_RESERVED) != 0)
        return AM_W_RESERVED;
    if (out->epoch == 0)
        return AM_W_EPOCH;
    size_t argbytes = 4u * out->nargs;
    if (len < AM_HDR_LEN + argbytes)
        return AM_W_SHORT;
    for (unsigned i = 0; i < AM_MAX_ARGS; i++)
        out->args[i] = i < out->nargs ? get32(msg + AM_OFF_ARGS + 4u * i) : 0;
    size_t rest = len - AM_HDR_LEN - argbytes;
    if (!bulk)
        return rest == 0 ? AM_W_OK : AM_W_LENGTH;
    return parse_bulk(msg + AM_HDR_LEN + argbytes, rest, out);
}

size_t am_wire_len(const struct am_hdr *h)
{
    size_t n = AM_HDR_LEN + 4u * h->nargs;
    if (am_type_has_bulk(h->type))
        n += AM_BULK_HDR_LEN;
    if (am_type_has_data(h->type))
        n += h->length;
    return n;
}

size_t am_wire_build(uint8_t *buf, size_t cap, const struct am_hdr *h)
{
    if (h->nargs > AM_MAX_ARGS)
        return 0;
    size_t n = AM_HDR_LEN + 4u * h->nargs + (am_type_has_bulk(h->type) ? AM_BULK_HDR_LEN : 0);
    if (n > cap)
        return 0;
    buf[AM_OFF_VERSION] = AM_VERSION;
    buf[AM_OFF_TYPE] = h->type;
    buf[AM_OFF_FLAGS] = h->flags;
    buf[AM_OFF_HANDLER] = h->handler;
    buf[AM_OFF_NARGS] = h->nargs;
    buf[AM_OFF_STATUS] = h->status;
    put16(buf + AM_OFF_RESERVED, 0);
    put32(buf + AM_OFF_EPOCH, h->epoch);
    put32(buf + AM_OFF_SEQ, h->seq);
    uint8_t *p = buf + AM_OFF_ARGS;
    for (unsigned i = 0; i < h->nargs; i++, p += 4)
        put32(p, h->args[i]);
    if (am_type_has_bulk(h->type)) {
        p[0] = h->segment;
        p[1] = 0;
        put16(p + 2, h->length);
        put32(p + 4, h->base);
        put32(p + 8, h->pos);
        put32(p + 12, h->total);
    }
    return n;
}

const char *am_wire_err_name(int e)
{
    static const char *const names[AM_W_NERR] = {
        "ok",     "short",    "version", "type",   "flags", "nargs",
        "status", "reserved", "epoch",   "length", "bulk",
    };
    return e >= 0 && e < AM_W_NERR ? names[e] : "?";
}

const char *am_type_name(uint8_t type)
{
    static const char *const names[AM_TYPE_MAX + 1] = {
        "?", "request", "reply", "ack", "nack", "store", "get", "get-reply",
    };
    return type <= AM_TYPE_MAX ? names[type] : "?";
}

const char *am_status_name(uint8_t status)
{
    static const char *const names[AM_S_MAX + 1] = {
        "ok", "no-handler", "no-segment", "bounds", "fault", "busy",
    };
    return status <= AM_S_MAX ? names[status] : "?";
}

uint32_t am_fnv1a(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 16777619u;
    }
    return h;
}
