/*
 * tests/unit/rpc/test_xdr.c — XDR streams (kernel/lib/xdr.h, RFC 4506):
 * every type round-trips and has the RFC's byte layout; hostile input (short
 * buffers, lying lengths, counts over their maximum, bad bools, non-zero
 * padding under the strict policy) fails with the documented error and
 * never reads past the buffer, which sits at the end of a guarded page so
 * that ASan or a fault would catch a read one byte beyond it.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel/kerr.h"
#include "kernel/lib/xdr.h"

/* edge - a copy of @n bytes that ends exactly where an inaccessible page
 * begins: reading one byte more faults. */
static const uint8_t *edge(const void *p, size_t n)
{
    long pg = sysconf(_SC_PAGESIZE);
    size_t span = ((n + (size_t)pg - 1) / (size_t)pg + 1) * (size_t)pg;
    uint8_t *m = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(m, MAP_FAILED);
    cr_assert_eq(mprotect(m + span - pg, (size_t)pg, PROT_NONE), 0);
    uint8_t *at = m + span - pg - n;
    memcpy(at, p, n);
    return at;
}

Test(xdr, integers_have_the_rfc_layout_and_round_trip)
{
    uint8_t b[64];
    struct xdr x;
    xdr_init_encode(&x, b, sizeof b);
    int32_t i = -2;
    uint32_t u = 0xdeadbeef;
    int32_t e = 7;
    bool t = true, f = false;
    int64_t h = -3;
    uint64_t uh = 0x0102030405060708ull;
    int8_t c = -56;
    cr_assert(xdr_i32(&x, &i) && xdr_u32(&x, &u) && xdr_enum(&x, &e) && xdr_bool(&x, &t) &&
              xdr_bool(&x, &f) && xdr_i64(&x, &h) && xdr_u64(&x, &uh) && xdr_char(&x, &c));
    cr_assert_eq(xdr_pos(&x), 4 * 5 + 8 * 2 + 4);
    static const uint8_t want[] = {
        0xff, 0xff, 0xff, 0xfe, 0xde, 0xad, 0xbe, 0xef, 0,    0,    0,    7,    0,    0,
        0,    1,    0,    0,    0,    0,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd,
        1,    2,    3,    4,    5,    6,    7,    8,    0xff, 0xff, 0xff, 0xc8,
    };
    cr_assert_eq(memcmp(b, want, sizeof want), 0);

    const uint8_t *in = edge(b, xdr_pos(&x));
    int32_t i2, e2;
    uint32_t u2;
    bool t2 = false, f2 = true;
    int64_t h2;
    uint64_t uh2;
    int8_t c2;
    xdr_init_decode(&x, in, sizeof want, 0);
    cr_assert(xdr_i32(&x, &i2) && xdr_u32(&x, &u2) && xdr_enum(&x, &e2) && xdr_bool(&x, &t2) &&
              xdr_bool(&x, &f2) && xdr_i64(&x, &h2) && xdr_u64(&x, &uh2) && xdr_char(&x, &c2));
    cr_assert(i2 == i && u2 == u && e2 == e && t2 && !f2 && h2 == h && uh2 == uh && c2 == c);
    cr_assert_eq(xdr_remaining(&x), 0);
    /* nothing left: the next read fails and changes nothing */
    u2 = 42;
    cr_assert_not(xdr_u32(&x, &u2));
    cr_assert_eq(xdr_error(&x), -KE_INVAL);
    cr_assert_eq(u2, 42);
}

Test(xdr, opaque_and_strings_are_padded_with_zeros)
{
    uint8_t b[64];
    memset(b, 0xaa, sizeof b);
    struct xdr x;
    xdr_init_encode(&x, b, sizeof b);
    const uint8_t *p = (const uint8_t *)"hello";
    uint32_t n = 5;
    uint8_t fixed[3] = { 1, 2, 3 };
    cr_assert(xdr_opaque_var(&x, &p, &n, 8));
    cr_assert(xdr_opaque_fixed(&x, fixed, 3));
    char s[16] = "abcd";
    cr_assert(xdr_cstring(&x, s, sizeof s, 10));
    static const uint8_t want[] = {
        0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 'a', 'b', 'c', 'd',
    };
    cr_assert_eq(xdr_pos(&x), sizeof want);
    cr_assert_eq(memcmp(b, want, sizeof want), 0);

    const uint8_t *in = edge(want, sizeof want);
    xdr_init_decode(&x, in, sizeof want, XDR_STRICT_PAD);
    const uint8_t *q = NULL;
    uint32_t qn = 0;
    uint8_t f2[3];
    char s2[16];
    cr_assert(xdr_opaque_var(&x, &q, &qn, 8));
    cr_assert_eq(qn, 5);
    cr_assert_eq(q, in + 4, "decoded opaque data points into the buffer");
    cr_assert(xdr_opaque_fixed(&x, f2, 3));
    cr_assert_eq(memcmp(f2, fixed, 3), 0);
    cr_assert(xdr_cstring(&x, s2, sizeof s2, 10));
    cr_assert_str_eq(s2, "abcd");
}

Test(xdr, zero_length_opaque_decodes_to_null)
{
    static const uint8_t b[] = { 0, 0, 0, 0 };
    struct xdr x;
    const uint8_t *p = b;
    uint32_t n = 9;
    xdr_init_decode(&x, edge(b, 4), 4, 0);
    cr_assert(xdr_opaque_var(&x, &p, &n, 0));
    cr_assert_eq(n, 0);
    cr_assert_null(p);
}

Test(xdr, a_length_past_the_end_or_over_the_maximum_is_range)
{
    /* says 100 bytes follow, 4 do */
    static const uint8_t lie[] = { 0, 0, 0, 100, 'a', 'b', 'c', 'd' };
    struct xdr x;
    const uint8_t *p = NULL;
    uint32_t n = 0;
    xdr_init_decode(&x, edge(lie, sizeof lie), sizeof lie, 0);
    cr_assert_not(xdr_opaque_var(&x, &p, &n, 1000));
    cr_assert_eq(xdr_error(&x), -KE_RANGE);
    cr_assert_null(p);
    /* 5 bytes whose padding is missing */
    static const uint8_t nopad[] = { 0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e' };
    xdr_init_decode(&x, edge(nopad, sizeof nopad), sizeof nopad, 0);
    cr_assert_not(xdr_opaque_var(&x, &p, &n, 1000));
    cr_assert_eq(xdr_error(&x), -KE_RANGE);
    /* 4 bytes, under a maximum of 3 */
    static const uint8_t four[] = { 0, 0, 0, 4, 'a', 'b', 'c', 'd' };
    xdr_init_decode(&x, edge(four, sizeof four), sizeof four, 0);
    cr_assert_not(xdr_opaque_var(&x, &p, &n, 3));
    cr_assert_eq(xdr_error(&x), -KE_RANGE);
    /* 0xffffffff: no overflow in the padding arithmetic */
    static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 };
    xdr_init_decode(&x, edge(huge, sizeof huge), sizeof huge, 0);
    cr_assert_not(xdr_opaque_var(&x, &p, &n, 0xffffffffu));
    cr_assert_eq(xdr_error(&x), -KE_RANGE);
}

Test(xdr, strings_into_storage_check_capacity_and_nul)
{
    static const uint8_t nul[] = { 0, 0, 0, 3, 'a', 0, 'b', 0 };
    struct xdr x;
    char s[8];
    xdr_init_decode(&x, edge(nul, sizeof nul), sizeof nul, 0);
    cr_assert_not(xdr_cstring(&x, s, sizeof s, 8));
    cr_assert_eq(xdr_error(&x), -KE_INVAL);
    /* 8 bytes do not fit 8 bytes of storage with the NUL */
    static const uint8_t eight[] = { 0, 0, 0, 8, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };
    xdr_init_decode(&x, edge(eight, sizeof eight), sizeof eight, 0);
    cr_assert_not(xdr_cstring(&x, s, sizeof s, 255));
    cr_assert_eq(xdr_error(&x), -KE_RANGE);
    /* encoding a string over its maximum */
    uint8_t b[32];
    char big[] = "abcdefgh";
    xdr_init_encode(&x, b, sizeof b);
    cr_assert_not(xdr_cstring(&x, big, sizeof big, 4));
    cr_assert_eq(xdr_error(&x), -KE_RANGE);
    cr_assert_eq(xdr_pos(&x), 0);
    /* opaque into storage smaller than the maximum */
    uint8_t small[4];
    uint32_t n = 0;
    xdr_init_decode(&x, edge(eight, sizeof eight), sizeof eight, 0);
    cr_assert_not(xdr_opaque_copy(&x, small, &n, 100, sizeof small));
    cr_assert_eq(xdr_error(&x), -KE_RANGE);
    xdr_init_decode(&x, edge(eight, sizeof eight), sizeof eight, 0);
    uint8_t room[8];
    cr_assert(xdr_opaque_copy(&x, room, &n, 100, sizeof room));
    cr_assert_eq(n, 8);
    cr_assert_eq(memcmp(room, "abcdefgh", 8), 0);
}

Test(xdr, padding_policy_lenient_by_default_strict_on_request)
{
    static const uint8_t b[] = { 0, 0, 0, 1, 'x', 0, 7, 0 };
    struct xdr x;
    const uint8_t *p;
    uint32_t n;
    xdr_init_decode(&x, edge(b, sizeof b), sizeof b, 0);
    cr_assert(xdr_opaque_var(&x, &p, &n, 4), "libtirpc-like default ignores pad values");
    xdr_init_decode(&x, edge(b, sizeof b), sizeof b, XDR_STRICT_PAD);
    cr_assert_not(xdr_opaque_var(&x, &p, &n, 4));
    cr_assert_eq(xdr_error(&x), -KE_INVAL);
    uint8_t f[1];
    xdr_init_decode(&x, edge(b + 4, 4), 4, XDR_STRICT_PAD);
    cr_assert_not(xdr_opaque_fixed(&x, f, 1));
}

Test(xdr, bool_and_char_reject_values_outside_their_type)
{
    static const uint8_t two[] = { 0, 0, 0, 2 };
    static const uint8_t big[] = { 0, 0, 1, 0 };
    static const uint8_t u200[] = { 0, 0, 0, 200 };
    struct xdr x;
    bool b = false;
    int8_t c = 0;
    xdr_init_decode(&x, edge(two, 4), 4, 0);
    cr_assert_not(xdr_bool(&x, &b));
    cr_assert_eq(xdr_error(&x), -KE_INVAL);
    xdr_init_decode(&x, edge(big, 4), 4, 0);
    cr_assert_not(xdr_char(&x, &c));
    xdr_init_decode(&x, edge(u200, 4), 4, 0);
    cr_assert(xdr_char(&x, &c), "an unsigned-char sender's 200");
    cr_assert_eq((uint8_t)c, 200);
}

static bool u32_elem(struct xdr *x, void *obj)
{
    return xdr_u32(x, obj);
}

Test(xdr, arrays_fixed_and_variable_round_trip)
{
    uint32_t a[3] = { 1, 2, 3 }, v[4] = { 9, 8, 7, 6 };
    uint32_t nv = 4;
    uint8_t b[64];
    struct xdr x;
    xdr_init_encode(&x, b, sizeof b);
    cr_assert(xdr_array_fixed(&x, a, 3, sizeof a[0], u32_elem));
    cr_assert(xdr_array_var(&x, v, &nv, 4, sizeof v[0], u32_elem));
    cr_assert_eq(xdr_pos(&x), 12 + 4 + 16);
    uint32_t a2[3], v2[4], nv2 = 0;
    xdr_init_decode(&x, edge(b, xdr_pos(&x)), xdr_pos(&x), 0);
    cr_assert(xdr_array_fixed(&x, a2, 3, sizeof a2[0], u32_elem));
    cr_assert(xdr_array_var(&x, v2, &nv2, 4, sizeof v2[0], u32_elem));
    cr_assert_eq(nv2, 4);
    cr_assert_eq(memcmp(a, a2, sizeof a), 0);
    cr_assert_eq(memcmp(v, v2, sizeof v), 0);
}

Test(xdr, array_counts_over_the_maximum_or_the_buffer_fail_before_elements)
{
    uint32_t v[4];
    uint32_t n = 0;
    struct xdr x;
    /* 5 elements for a maximum of 4 */
    static const uint8_t five[] = { 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2,
                                    0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5 };
    xdr_init_decode(&x, edge(five, sizeof five), sizeof five, 0);
    cr_assert_not(xdr_array_var(&x, v, &n, 4, sizeof v[0], u32_elem));
    cr_assert_eq(xdr_error(&x), -KE_RANGE);
    cr_assert_eq(xdr_pos(&x), 4, "no element read");
    /* a count of a billion in an 8-byte buffer, under a generous maximum */
    static const uint8_t lie[] = { 0x3b, 0x9a, 0xca, 0x00, 0, 0, 0, 1 };
    xdr_init_decode(&x, edge(lie, sizeof lie), sizeof lie, 0);
    cr_assert_not(xdr_array_count(&x, &n, 0xffffffffu));
    cr_assert_eq(xdr_error(&x), -KE_RANGE);
    /* encoding more than the maximum */
    uint8_t b[64];
    n = 5;
    xdr_init_encode(&x, b, sizeof b);
    cr_assert_not(xdr_array_count(&x, &n, 4));
    cr_assert_eq(xdr_error(&x), -KE_RANGE);
}

Test(xdr, optional_data_chains_like_a_list)
{
    uint8_t b[64];
    struct xdr x;
    xdr_init_encode(&x, b, sizeof b);
    for (uint32_t i = 1; i <= 3; i++) {
        bool more = true;
        xdr_optional(&x, &more);
        xdr_u32(&x, &i);
    }
    bool end = false;
    cr_assert(xdr_optional(&x, &end));
    xdr_init_decode(&x, edge(b, xdr_pos(&x)), xdr_pos(&x), 0);
    uint32_t sum = 0, n = 0;
    bool more;
    while (xdr_optional(&x, &more) && more) {
        uint32_t v;
        cr_assert(xdr_u32(&x, &v));
        sum += v;
        n++;
    }
    cr_assert(xdr_ok(&x));
    cr_assert_eq(n, 3);
    cr_assert_eq(sum, 6);
    cr_assert_eq(xdr_remaining(&x), 0);
}

Test(xdr, encoding_past_the_buffer_is_toobig_and_sticky)
{
    uint8_t b[6];
    struct xdr x;
    uint32_t v = 1;
    uint64_t h = 2;
    xdr_init_encode(&x, b, sizeof b);
    cr_assert(xdr_u32(&x, &v));
    cr_assert_not(xdr_u32(&x, &v));
    cr_assert_eq(xdr_error(&x), -KE_TOOBIG);
    cr_assert_eq(xdr_pos(&x), 4);
    /* sticky: a later item that would fit is not written either */
    xdr_init_encode(&x, b, sizeof b);
    cr_assert_not(xdr_u64(&x, &h));
    uint8_t none[1] = { 0 };
    cr_assert_not(xdr_opaque_fixed(&x, none, 0));
    cr_assert_not(xdr_void(&x, NULL));
    cr_assert_eq(xdr_pos(&x), 0);
}

Test(xdr, every_truncation_of_a_message_fails_cleanly)
{
    /* a structure of every kind of item, cut at every length */
    uint8_t b[128];
    struct xdr x;
    xdr_init_encode(&x, b, sizeof b);
    uint32_t u = 5, n = 2, arr[2] = { 1, 2 };
    uint64_t h = 9;
    const uint8_t *p = (const uint8_t *)"xyz";
    uint32_t plen = 3;
    char s[8] = "str";
    bool yes = true;
    xdr_u32(&x, &u);
    xdr_u64(&x, &h);
    xdr_opaque_var(&x, &p, &plen, 16);
    xdr_cstring(&x, s, sizeof s, 7);
    xdr_array_var(&x, arr, &n, 2, sizeof arr[0], u32_elem);
    xdr_optional(&x, &yes);
    xdr_u32(&x, &u);
    cr_assert(xdr_ok(&x));
    size_t full = xdr_pos(&x);
    for (size_t cut = 0; cut <= full; cut++) {
        const uint8_t *in = edge(b, cut);
        uint32_t u2, n2 = 0, arr2[2];
        uint64_t h2;
        const uint8_t *p2;
        uint32_t plen2;
        char s2[8];
        bool yes2;
        xdr_init_decode(&x, in, cut, 0);
        xdr_u32(&x, &u2);
        xdr_u64(&x, &h2);
        xdr_opaque_var(&x, &p2, &plen2, 16);
        xdr_cstring(&x, s2, sizeof s2, 7);
        xdr_array_var(&x, arr2, &n2, 2, sizeof arr2[0], u32_elem);
        xdr_optional(&x, &yes2);
        xdr_u32(&x, &u2);
        if (cut == full)
            cr_assert(xdr_ok(&x));
        else
            cr_assert_not(xdr_ok(&x), "cut at %zu of %zu decoded", cut, full);
        cr_assert_leq(xdr_pos(&x), cut);
    }
}
