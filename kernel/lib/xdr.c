/*
 * kernel/lib/xdr.c — XDR streams over a byte buffer (RFC 4506). See
 * kernel/lib/xdr.h for the rules: bounds-checked reads, maximum lengths,
 * sticky errors, zero-copy decoding, the padding policy.
 */
#include "kernel/lib/xdr.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

void xdr_init_encode(struct xdr *x, void *buf, size_t cap)
{
    x->buf = buf;
    x->len = buf ? cap : 0;
    x->pos = 0;
    x->op = XDR_ENCODE;
    x->flags = 0;
    x->err = 0;
}

void xdr_init_decode(struct xdr *x, const void *buf, size_t len, unsigned flags)
{
    x->buf = (uint8_t *)(uintptr_t)buf; /* never written: op is XDR_DECODE */
    x->len = buf ? len : 0;
    x->pos = 0;
    x->op = XDR_DECODE;
    x->flags = (uint8_t)flags;
    x->err = 0;
}

bool xdr_fail(struct xdr *x, int err)
{
    if (x->err == 0)
        x->err = err;
    return false;
}

uint8_t *xdr_cursor(struct xdr *x, size_t n)
{
    if (x->err)
        return NULL;
    if (n > x->len - x->pos) {
        xdr_fail(x, x->op == XDR_ENCODE ? -KE_TOOBIG : -KE_INVAL);
        return NULL;
    }
    uint8_t *p = x->buf + x->pos;
    x->pos += n;
    return p;
}

/* pad - the 0-3 bytes after an item of @n bytes: written as zeros, checked
 * under XDR_STRICT_PAD when read. */
static bool pad(struct xdr *x, size_t n)
{
    size_t k = XDR_PADDED(n) - n;
    if (k == 0)
        return x->err == 0;
    uint8_t *p = xdr_cursor(x, k);
    if (!p)
        return false;
    if (x->op == XDR_ENCODE) {
        memset(p, 0, k);
        return true;
    }
    if (x->flags & XDR_STRICT_PAD) {
        for (size_t i = 0; i < k; i++)
            if (p[i] != 0)
                return xdr_fail(x, -KE_INVAL);
    }
    return true;
}

bool xdr_void(struct xdr *x, void *unused)
{
    (void)unused;
    return x->err == 0;
}

bool xdr_u32(struct xdr *x, uint32_t *v)
{
    uint8_t *p = xdr_cursor(x, 4);
    if (!p)
        return false;
    if (x->op == XDR_ENCODE)
        store_be32(p, *v);
    else
        *v = load_be32(p);
    return true;
}

bool xdr_i32(struct xdr *x, int32_t *v)
{
    uint32_t u = x->op == XDR_ENCODE ? (uint32_t)*v : 0;
    if (!xdr_u32(x, &u))
        return false;
    if (x->op == XDR_DECODE)
        *v = (int32_t)u; /* two's complement on every target spindle has */
    return true;
}

bool xdr_enum(struct xdr *x, int32_t *v)
{
    return xdr_i32(x, v);
}

bool xdr_bool(struct xdr *x, bool *v)
{
    uint32_t u = x->op == XDR_ENCODE && *v ? 1u : 0u;
    if (!xdr_u32(x, &u))
        return false;
    if (x->op == XDR_DECODE) {
        if (u > 1)
            return xdr_fail(x, -KE_INVAL);
        *v = u == 1;
    }
    return true;
}

bool xdr_u64(struct xdr *x, uint64_t *v)
{
    uint8_t *p = xdr_cursor(x, 8);
    if (!p)
        return false;
    if (x->op == XDR_ENCODE)
        store_be64(p, *v);
    else
        *v = load_be64(p);
    return true;
}

bool xdr_i64(struct xdr *x, int64_t *v)
{
    uint64_t u = x->op == XDR_ENCODE ? (uint64_t)*v : 0;
    if (!xdr_u64(x, &u))
        return false;
    if (x->op == XDR_DECODE)
        *v = (int64_t)u;
    return true;
}

bool xdr_char(struct xdr *x, int8_t *v)
{
    int32_t i = x->op == XDR_ENCODE ? *v : 0;
    if (!xdr_i32(x, &i))
        return false;
    if (x->op == XDR_DECODE) {
        if (i < -128 || i > 255)
            return xdr_fail(x, -KE_INVAL);
        *v = (int8_t)(uint8_t)(i & 0xff);
    }
    return true;
}

bool xdr_opaque_fixed(struct xdr *x, void *p, uint32_t n)
{
    uint8_t *b = xdr_cursor(x, n);
    if (!b)
        return false;
    if (n) {
        if (x->op == XDR_ENCODE)
            memcpy(b, p, n);
        else
            memcpy(p, b, n);
    }
    return pad(x, n);
}

/* length - the length word of a variable-length item: above @max, or more
 * bytes than remain (with padding), is -KE_RANGE before anything is read. */
static bool length(struct xdr *x, uint32_t *len, uint32_t max)
{
    if (x->op == XDR_ENCODE && *len > max)
        return xdr_fail(x, -KE_RANGE);
    if (!xdr_u32(x, len))
        return false;
    if (x->op == XDR_DECODE && (*len > max || XDR_PADDED((size_t)*len) > xdr_remaining(x)))
        return xdr_fail(x, -KE_RANGE);
    return true;
}

bool xdr_opaque_var(struct xdr *x, const uint8_t **p, uint32_t *len, uint32_t max)
{
    if (!length(x, len, max))
        return false;
    uint8_t *b = xdr_cursor(x, *len);
    if (!b)
        return false;
    if (x->op == XDR_ENCODE) {
        if (*len)
            memcpy(b, *p, *len);
    } else {
        *p = *len ? b : NULL;
    }
    return pad(x, *len);
}

bool xdr_opaque_copy(struct xdr *x, void *dst, uint32_t *len, uint32_t max, size_t cap)
{
    if (x->op == XDR_DECODE && cap < max)
        max = (uint32_t)cap;
    const uint8_t *p = dst;
    if (!xdr_opaque_var(x, &p, len, max))
        return false;
    if (x->op == XDR_DECODE && *len)
        memcpy(dst, p, *len);
    return true;
}

bool xdr_string(struct xdr *x, const char **s, uint32_t *len, uint32_t max)
{
    const uint8_t *p = (const uint8_t *)*s;
    if (!xdr_opaque_var(x, &p, len, max))
        return false;
    *s = (const char *)p;
    return true;
}

bool xdr_cstring(struct xdr *x, char *dst, size_t cap, uint32_t max)
{
    if (x->op == XDR_ENCODE) {
        size_t n = strlen(dst);
        if (n > max)
            return xdr_fail(x, -KE_RANGE);
        const char *s = dst;
        uint32_t len = (uint32_t)n;
        return xdr_string(x, &s, &len, max);
    }
    if (cap == 0)
        return xdr_fail(x, -KE_RANGE);
    if (cap - 1 < max)
        max = (uint32_t)(cap - 1);
    const char *s = NULL;
    uint32_t len = 0;
    if (!xdr_string(x, &s, &len, max))
        return false;
    for (uint32_t i = 0; i < len; i++)
        if (s[i] == '\0')
            return xdr_fail(x, -KE_INVAL);
    if (len)
        memcpy(dst, s, len);
    dst[len] = '\0';
    return true;
}

bool xdr_array_fixed(struct xdr *x, void *elems, uint32_t n, size_t elem_size, xdr_fn fn)
{
    uint8_t *e = elems;
    for (uint32_t i = 0; i < n && x->err == 0; i++)
        fn(x, e + (size_t)i * elem_size);
    return x->err == 0;
}

bool xdr_array_count(struct xdr *x, uint32_t *n, uint32_t max)
{
    if (x->op == XDR_ENCODE && *n > max)
        return xdr_fail(x, -KE_RANGE);
    if (!xdr_u32(x, n))
        return false;
    if (x->op == XDR_DECODE && (*n > max || *n > xdr_remaining(x) / XDR_UNIT))
        return xdr_fail(x, -KE_RANGE);
    return true;
}

bool xdr_array_var(struct xdr *x, void *elems, uint32_t *n, uint32_t max, size_t elem_size,
                   xdr_fn fn)
{
    if (!xdr_array_count(x, n, max))
        return false;
    return xdr_array_fixed(x, elems, *n, elem_size, fn);
}

bool xdr_optional(struct xdr *x, bool *present)
{
    return xdr_bool(x, present);
}
