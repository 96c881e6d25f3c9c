/*
 * tests/unit/apps/test_am_wire.c — the active-message wire format
 * (apps/am/am_wire.h): every type built and parsed back field for field,
 * byte positions of the header as documented, each way a message can be
 * malformed named by its reason, and FNV-1a against published values.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "apps/am/am_wire.h"

static uint8_t buf[AM_MSG_MAX + 64];

/* build - @h into buf with @len data bytes of pattern; returns the message length. */
static size_t build(struct am_hdr *h)
{
    size_t n = am_wire_build(buf, sizeof buf, h);
    cr_assert_gt(n, 0);
    if (am_type_has_data(h->type))
        for (unsigned i = 0; i < h->length; i++)
            buf[n + i] = (uint8_t)(i * 13 + 1);
    size_t len = am_wire_len(h);
    cr_assert_eq(len, n + (am_type_has_data(h->type) ? h->length : 0u));
    return len;
}

Test(am_wire, request_layout)
{
    struct am_hdr h = { .type = AM_REQUEST,
                        .handler = 17,
                        .nargs = 2,
                        .epoch = 0x01020304,
                        .seq = 0xa0b0c0d0,
                        .args = { 0x11223344, 0x55667788 } };
    size_t n = build(&h);
    cr_assert_eq(n, 24);
    const uint8_t want[24] = { 1,    1,    0,    17,   2,    0,    0,    0,
                               1,    2,    3,    4,    0xa0, 0xb0, 0xc0, 0xd0,
                               0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
    cr_assert_arr_eq(buf, want, sizeof want);
    struct am_hdr p;
    cr_assert_eq(am_wire_parse(buf, n, &p), AM_W_OK);
    cr_assert_eq(p.type, AM_REQUEST);
    cr_assert_eq(p.handler, 17);
    cr_assert_eq(p.nargs, 2);
    cr_assert_eq(p.epoch, 0x01020304u);
    cr_assert_eq(p.seq, 0xa0b0c0d0u);
    cr_assert_eq(p.args[0], 0x11223344u);
    cr_assert_eq(p.args[1], 0x55667788u);
    cr_assert_eq(p.args[2], 0u);
    cr_assert_null(p.data);
}

Test(am_wire, every_type_round_trips)
{
    for (uint8_t t = 1; t <= AM_TYPE_MAX; t++) {
        struct am_hdr h = { .type = t, .epoch = 7, .seq = t * 100u, .nargs = (uint8_t)(t % 5) };
        for (unsigned i = 0; i < h.nargs; i++)
            h.args[i] = 1000u * t + i;
        if (t == AM_NACK)
            h.status = AM_S_BOUNDS;
        if (am_type_has_bulk(t)) {
            h.segment = 2;
            h.length = 300;
            h.base = 4096;
            h.pos = 600;
            h.total = 900;
            h.flags = AM_F_LAST;
        }
        size_t n = build(&h);
        struct am_hdr p;
        cr_assert_eq(am_wire_parse(buf, n, &p), AM_W_OK, "type %s", am_type_name(t));
        cr_assert_eq(p.type, t);
        cr_assert_eq(p.nargs, h.nargs);
        cr_assert_eq(p.status, h.status);
        cr_assert_eq(p.flags, h.flags);
        for (unsigned i = 0; i < h.nargs; i++)
            cr_assert_eq(p.args[i], h.args[i]);
        if (am_type_has_bulk(t)) {
            cr_assert_eq(p.segment, 2);
            cr_assert_eq(p.length, 300);
            cr_assert_eq(p.base, 4096u);
            cr_assert_eq(p.pos, 600u);
            cr_assert_eq(p.total, 900u);
        }
        if (am_type_has_data(t)) {
            cr_assert_not_null(p.data);
            cr_assert_eq(p.data[299], (uint8_t)(299 * 13 + 1));
        } else {
            cr_assert_null(p.data);
        }
        cr_assert_eq(am_type_is_request(t), t == AM_REQUEST || t == AM_STORE || t == AM_GET);
    }
}

/* expect - parsing @n bytes of buf fails with @why. */
static void expect(size_t n, int why)
{
    struct am_hdr p;
    int e = am_wire_parse(buf, n, &p);
    cr_assert_eq(e, why, "got %s, expected %s", am_wire_err_name(e), am_wire_err_name(why));
}

static size_t good_store(void)
{
    struct am_hdr h = { .type = AM_STORE,
                        .epoch = 9,
                        .seq = 1,
                        .segment = 0,
                        .length = 100,
                        .base = 0,
                        .pos = 0,
                        .total = 100,
                        .flags = AM_F_LAST };
    return build(&h);
}

Test(am_wire, malformed_reasons)
{
    size_t n = good_store();
    expect(n, AM_W_OK);
    for (size_t k = 0; k < AM_HDR_LEN; k++)
        expect(k, AM_W_SHORT);
    expect(AM_HDR_LEN + 8, AM_W_SHORT); /* bulk header cut */
    expect(n - 1, AM_W_LENGTH);         /* a data byte missing */
    expect(n + 1, AM_W_LENGTH);         /* one byte too many */
    buf[AM_OFF_VERSION] = 2;
    expect(n, AM_W_VERSION);
    n = good_store();
    buf[AM_OFF_TYPE] = 0;
    expect(n, AM_W_TYPE);
    buf[AM_OFF_TYPE] = AM_TYPE_MAX + 1;
    expect(n, AM_W_TYPE);
    n = good_store();
    buf[AM_OFF_FLAGS] = 0x80;
    expect(n, AM_W_FLAGS);
    n = good_store();
    buf[AM_OFF_NARGS] = 5;
    expect(n, AM_W_NARGS);
    n = good_store();
    buf[AM_OFF_STATUS] = 1; /* status on a STORE */
    expect(n, AM_W_STATUS);
    n = good_store();
    buf[AM_OFF_RESERVED + 1] = 1;
    expect(n, AM_W_RESERVED);
    n = good_store();
    memset(buf + AM_OFF_EPOCH, 0, 4);
    expect(n, AM_W_EPOCH);
    n = good_store();
    buf[AM_HDR_LEN + 1] = 1; /* bulk reserved byte */
    expect(n, AM_W_RESERVED);
    n = good_store();
    buf[AM_OFF_FLAGS] = 0; /* last chunk without LAST */
    expect(n, AM_W_BULK);

    struct am_hdr a = { .type = AM_ACK, .epoch = 1, .seq = 1, .flags = AM_F_LAST };
    n = am_wire_build(buf, sizeof buf, &a);
    expect(n, AM_W_FLAGS); /* LAST on a type without bulk */
    struct am_hdr k = { .type = AM_NACK, .epoch = 1, .seq = 1, .status = 0 };
    n = am_wire_build(buf, sizeof buf, &k);
    expect(n, AM_W_STATUS); /* a NACK without a reason */
    k.status = AM_S_MAX + 1;
    n = am_wire_build(buf, sizeof buf, &k);
    expect(n, AM_W_STATUS);
    struct am_hdr r = { .type = AM_REQUEST, .epoch = 1, .seq = 1 };
    n = am_wire_build(buf, sizeof buf, &r);
    expect(n + 4, AM_W_LENGTH); /* trailing bytes after a request */
    r.nargs = 3;
    n = am_wire_build(buf, sizeof buf, &r);
    expect(n - 4, AM_W_SHORT); /* an argument cut */
}

Test(am_wire, bulk_bounds)
{
    struct {
        uint32_t length, base, pos, total;
        bool last;
        int why;
    } cases[] = {
        { 1, 0, 0, 1, true, AM_W_OK },
        { AM_CHUNK_MAX, 0, 0, AM_CHUNK_MAX, true, AM_W_OK },
        { 1, 0, AM_BULK_MAX - 1, AM_BULK_MAX, true, AM_W_OK },
        { 1, UINT32_MAX - 1, 0, 1, true, AM_W_OK },
        { 0, 0, 0, 1, false, AM_W_BULK },                /* empty chunk */
        { 10, 0, 0, 0, false, AM_W_BULK },               /* empty transfer */
        { 10, 0, 0, AM_BULK_MAX + 1, false, AM_W_BULK }, /* transfer over 64 KiB */
        { 10, 0, 95, 100, true, AM_W_BULK },             /* chunk beyond the transfer */
        { 10, 0, 100, 100, true, AM_W_BULK },
        { 10, UINT32_MAX - 5, 0, 10, true, AM_W_BULK }, /* base + total wraps */
        { 10, 0, 0, 100, true, AM_W_BULK },             /* LAST on a middle chunk */
        { 10, 0, 90, 100, false, AM_W_BULK },           /* no LAST on the last */
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* GET: no data bytes, so even impossible lengths can be written */
        struct am_hdr h = { .type = AM_GET,
                            .epoch = 1,
                            .seq = 1,
                            .length = (uint16_t)cases[i].length,
                            .base = cases[i].base,
                            .pos = cases[i].pos,
                            .total = cases[i].total,
                            .flags = cases[i].last ? AM_F_LAST : 0 };
        size_t n = am_wire_build(buf, sizeof buf, &h);
        struct am_hdr p;
        int e = am_wire_parse(buf, n, &p);
        cr_assert_eq(e, cases[i].why, "case %u: %s", i, am_wire_err_name(e));
    }
    /* a chunk over AM_CHUNK_MAX */
    struct am_hdr h = { .type = AM_GET,
                        .epoch = 1,
                        .seq = 1,
                        .length = AM_CHUNK_MAX + 1,
                        .total = AM_CHUNK_MAX + 1,
                        .flags = AM_F_LAST };
    size_t n = am_wire_build(buf, sizeof buf, &h);
    struct am_hdr p;
    cr_assert_eq(am_wire_parse(buf, n, &p), AM_W_BULK);
}

Test(am_wire, build_refuses)
{
    struct am_hdr h = { .type = AM_REQUEST, .epoch = 1, .nargs = 5 };
    cr_assert_eq(am_wire_build(buf, sizeof buf, &h), 0);
    h.nargs = 4;
    cr_assert_eq(am_wire_build(buf, 31, &h), 0);
    cr_assert_eq(am_wire_build(buf, 32, &h), 32);
}

Test(am_wire, fnv1a_vectors)
{
    /* FNV-1a 32-bit test vectors (draft-eastlake-fnv, and the FNV authors' list) */
    cr_assert_eq(am_fnv1a("", 0), 0x811c9dc5u);
    cr_assert_eq(am_fnv1a("a", 1), 0xe40c292cu);
    cr_assert_eq(am_fnv1a("foobar", 6), 0xbf9cf968u);
}

Test(am_wire, names)
{
    cr_assert_str_eq(am_type_name(AM_GET_REPLY), "get-reply");
    cr_assert_str_eq(am_type_name(99), "?");
    cr_assert_str_eq(am_status_name(AM_S_FAULT), "fault");
    cr_assert_str_eq(am_wire_err_name(AM_W_BULK), "bulk");
    cr_assert_str_eq(am_wire_err_name(-1), "?");
}
