/*
 * kernel/lib/xdr.h — XDR, the External Data Representation (RFC 4506), as a
 * stream over one byte buffer that either encodes into it or decodes from it.
 *
 * Every item is a multiple of four bytes in network byte order (RFC 4506
 * section 3). One function per data type codes in both directions, in the
 * shape Sun's library made standard for ONC RPC: xdr_u32(x, &v) writes v when
 * @x encodes and fills v when @x decodes, so one routine per structure serves
 * a client and a server.
 *
 * Safety rules, the point of this file:
 *  - every read is bounds-checked against the buffer before it happens: a
 *    short or lying buffer is an error, never a read past its end;
 *  - variable-length items carry a maximum (RFC 4506 sections 4.10, 4.11,
 *    4.13: "opaque identifier<m>", "string object<m>", "type-name
 *    identifier<m>"); a length above it is an error before anything else is
 *    read, and so is a length that cannot fit in what remains;
 *  - errors are sticky: the first one is kept in x->err and every later
 *    call returns false without touching the buffer, so a routine may code a
 *    whole structure and check once at the end;
 *  - decoding never allocates: variable-length opaque data and strings are
 *    returned as pointers into the decoded buffer (zero copy; valid as long
 *    as that buffer is), or copied into storage the caller sized.
 *
 * Padding policy: RFC 4506 section 3 says the residual bytes that round an
 * item up to four "are set to 0". The encoder always writes zeros. The
 * decoder ignores the value of pad bytes by default, as Sun's and libtirpc's
 * decoders do (RPC peers in the field interoperate with that); a stream
 * initialised with XDR_STRICT_PAD instead rejects a non-zero pad byte with
 * -KE_INVAL. Either way the pad bytes must be present.
 *
 * Not provided: floating point (RFC 4506 sections 4.6-4.8; nothing in
 * spindle's RPC programs uses it and bare-metal targets run without an FPU
 * context) and discriminated unions, which a routine codes as its
 * discriminant (xdr_enum / xdr_i32) followed by the arm it selects.
 *
 * Error codes (kernel/kerr.h), kept in x->err:
 *   -KE_INVAL   decode: the buffer ends inside an item, a bool is not 0 or 1,
 *               a non-zero pad byte under XDR_STRICT_PAD, a NUL inside a
 *               string copied as a C string, a char outside -128..255
 *   -KE_RANGE   decode: a length or count above its maximum or larger than
 *               what remains of the buffer; encode: a length above its maximum
 *   -KE_TOOBIG  encode: the item does not fit in the buffer
 *
 * Freestanding (kernel/klib.h only): linked into every target.
 */
#ifndef SPINDLE_KERNEL_LIB_XDR_H
#define SPINDLE_KERNEL_LIB_XDR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** Direction of a stream. */
enum xdr_op {
    XDR_ENCODE = 0, /* host values -> bytes */
    XDR_DECODE = 1  /* bytes -> host values */
};

/** Flags of a stream (xdr_init_*). */
enum xdr_flags {
    XDR_STRICT_PAD = 1u << 0 /* decode: a non-zero pad byte is -KE_INVAL */
};

/** XDR_UNIT - bytes of the basic block (RFC 4506 section 3). */
#define XDR_UNIT 4u
/** XDR_PADDED - @n rounded up to a multiple of XDR_UNIT (no overflow for n < 2^32 - 3). */
#define XDR_PADDED(n) (((n) + 3u) & ~(size_t)3u)

/**
 * An XDR stream over [buf, buf+len). Fields are read-only for callers: use
 * the functions below. pos is the offset of the next item in bytes.
 */
struct xdr {
    uint8_t *buf;  /* encode: written; decode: only read (const cast back) */
    size_t len;    /* bytes of buf the stream may use */
    size_t pos;    /* bytes coded so far */
    uint8_t op;    /* enum xdr_op */
    uint8_t flags; /* enum xdr_flags */
    int err;       /* 0 or the first -KE_* error; sticky */
};

/** One routine coding an object of some type in both directions (xdr_u32-like). */
typedef bool (*xdr_fn)(struct xdr *x, void *obj);

/** xdr_init_encode - a stream writing into @buf of @cap bytes from offset 0. */
void xdr_init_encode(struct xdr *x, void *buf, size_t cap);
/**
 * xdr_init_decode - a stream reading @len bytes at @buf, which the caller
 * keeps valid (and unmodified) while pointers decoded from it are used.
 * @flags: enum xdr_flags.
 */
void xdr_init_decode(struct xdr *x, const void *buf, size_t len, unsigned flags);

/** xdr_ok - true while no error happened on @x. */
static inline bool xdr_ok(const struct xdr *x)
{
    return x->err == 0;
}
/** xdr_error - 0 or the first -KE_* error of @x. */
static inline int xdr_error(const struct xdr *x)
{
    return x->err;
}
/** xdr_pos - bytes coded so far (the encoded length when encoding). */
static inline size_t xdr_pos(const struct xdr *x)
{
    return x->pos;
}
/** xdr_remaining - bytes left between the position and the end of the buffer. */
static inline size_t xdr_remaining(const struct xdr *x)
{
    return x->len - x->pos;
}
/** xdr_decoding - true for an XDR_DECODE stream. */
static inline bool xdr_decoding(const struct xdr *x)
{
    return x->op == XDR_DECODE;
}
/**
 * xdr_fail - make @err (a negative KE_* code) the error of @x unless it
 * already has one; for routines that find a value invalid (an enum outside
 * its set). Returns false.
 */
bool xdr_fail(struct xdr *x, int err);
/**
 * xdr_cursor - the next @n bytes of @x's buffer (to write when encoding, to
 * read when decoding) and advance past them; NULL (and -KE_TOOBIG when
 * encoding, -KE_INVAL when decoding) when fewer remain. No padding.
 */
uint8_t *xdr_cursor(struct xdr *x, size_t n);

/* --- integers (RFC 4506 sections 4.1-4.5) ------------------------------- */

/** xdr_void - codes nothing (RFC 4506 section 4.16); true unless @x already failed. */
bool xdr_void(struct xdr *x, void *unused);
/** xdr_i32 - int: 32-bit two's complement, big-endian (section 4.1). */
bool xdr_i32(struct xdr *x, int32_t *v);
/** xdr_u32 - unsigned int (section 4.2). */
bool xdr_u32(struct xdr *x, uint32_t *v);
/** xdr_enum - enum: coded as an int (section 4.3); the caller checks the value is a member. */
bool xdr_enum(struct xdr *x, int32_t *v);
/** xdr_bool - bool: an enum of FALSE = 0, TRUE = 1 (section 4.4); decoding anything else is -KE_INVAL. */
bool xdr_bool(struct xdr *x, bool *v);
/** xdr_i64 - hyper integer: 64-bit two's complement, big-endian (section 4.5). */
bool xdr_i64(struct xdr *x, int64_t *v);
/** xdr_u64 - unsigned hyper integer (section 4.5). */
bool xdr_u64(struct xdr *x, uint64_t *v);
/**
 * xdr_char - a C char as Sun's xdr_char codes it: an int (section 4.1).
 * Decoding accepts -128..255 (a signed or an unsigned char sender) and keeps
 * the low 8 bits; anything else is -KE_INVAL. Encoding sign-extends.
 */
bool xdr_char(struct xdr *x, int8_t *v);

/* --- opaque data and strings (sections 4.9-4.11) ------------------------ */

/**
 * xdr_opaque_fixed - fixed-length opaque data of @n bytes (section 4.9),
 * copied from/into @p, plus 0-3 pad bytes.
 */
bool xdr_opaque_fixed(struct xdr *x, void *p, uint32_t n);
/**
 * xdr_opaque_var - variable-length opaque data of at most @max bytes
 * (section 4.10): a length, the bytes, pad. Encode: writes *@len bytes from
 * *@p (-KE_RANGE if *@len > @max). Decode: *@len is set and *@p points at
 * the bytes inside the decoded buffer (no copy; *@p is NULL for length 0).
 */
bool xdr_opaque_var(struct xdr *x, const uint8_t **p, uint32_t *len, uint32_t max);
/**
 * xdr_opaque_copy - variable-length opaque data (section 4.10) into storage:
 * decode copies at most @cap bytes into @dst and sets *@len; a length above
 * @max or @cap is -KE_RANGE. Encode writes *@len bytes of @dst.
 */
bool xdr_opaque_copy(struct xdr *x, void *dst, uint32_t *len, uint32_t max, size_t cap);
/**
 * xdr_string - a string of at most @max ASCII bytes (section 4.11), coded
 * like variable-length opaque data. Encode: *@len bytes from *@s (no NUL is
 * sent). Decode: *@s points into the buffer, NOT NUL-terminated, *@len set.
 */
bool xdr_string(struct xdr *x, const char **s, uint32_t *len, uint32_t max);
/**
 * xdr_cstring - a string of at most @max bytes as a NUL-terminated C string
 * in @dst of @cap bytes. Encode: strlen(@dst) bytes (-KE_RANGE above @max).
 * Decode: a length >= @cap or > @max is -KE_RANGE, a NUL byte inside the
 * string -KE_INVAL; @dst is NUL-terminated on success.
 */
bool xdr_cstring(struct xdr *x, char *dst, size_t cap, uint32_t max);

/* --- arrays and optional data (sections 4.12, 4.13, 4.19) --------------- */

/**
 * xdr_array_fixed - a fixed-length array of @n elements of @elem_size bytes
 * at @elems (section 4.12), each coded by @fn. No count on the wire.
 */
bool xdr_array_fixed(struct xdr *x, void *elems, uint32_t n, size_t elem_size, xdr_fn fn);
/**
 * xdr_array_var - a variable-length array of at most @max elements (section
 * 4.13): a count, then the elements, each coded by @fn. @elems has room for
 * @max elements of @elem_size bytes. Decode: a count above @max, or larger
 * than the remaining bytes / 4 (every XDR item is at least four bytes),
 * is -KE_RANGE before any element is read.
 */
bool xdr_array_var(struct xdr *x, void *elems, uint32_t *n, uint32_t max, size_t elem_size,
                   xdr_fn fn);
/**
 * xdr_array_count - only the count of a variable-length array (section
 * 4.13), checked like xdr_array_var does, for callers that code the
 * elements themselves (streaming a large array without storing it).
 */
bool xdr_array_count(struct xdr *x, uint32_t *n, uint32_t max);
/**
 * xdr_optional - the discriminant of optional-data (section 4.19, "type-name
 * *identifier"): a bool saying whether an item follows. The caller codes the
 * item when *@present. A linked list (rpcb DUMP, RFC 1833) is a chain of
 * these: present + item, ..., then FALSE.
 */
bool xdr_optional(struct xdr *x, bool *present);

#endif
