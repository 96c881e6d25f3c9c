/*
 * tests/unit/protocols/ip/test_ipv4_csum.c — ipv4_hdr_csum_ok
 * (protocols/ipv4/ipv4_wire.h), the receive path's header checksum check:
 * it gives the answer of the general Internet checksum (kernel/lib/csum.c,
 * RFC 1071) for every header length IHL allows, valid or not, aligned or
 * not, and catches every single-bit error (RFC 791 3.1).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "kernel/klib.h"
#include "protocols/ipv4/ipv4_wire.h"

/* xorshift32 (Marsaglia 2003): reproducible pseudo-random bytes. */
static uint32_t rng = 2463534242u;
static uint8_t rnd8(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return (uint8_t)rng;
}

static bool reference_ok(const uint8_t *h, unsigned hlen)
{
    return inet_csum_fold(inet_csum_add(0, h, hlen)) == 0;
}

/* set_csum - write the checksum RFC 791 asks for into header @h. */
static void set_csum(uint8_t *h, unsigned hlen)
{
    store_be16(h + IPV4_OFF_CSUM, 0);
    store_be16(h + IPV4_OFF_CSUM, inet_csum_fold(inet_csum_add(0, h, hlen)));
}

Test(ipv4_csum, agrees_with_the_general_checksum_on_random_headers)
{
    uint8_t buf[64 + 3];
    unsigned valid = 0;
    for (unsigned round = 0; round < 20000; round++) {
        unsigned hlen = 20 + 4 * (round % 11); /* IHL 5..15 */
        uint8_t *h = buf + round % 4;          /* any alignment */
        for (unsigned i = 0; i < hlen; i++)
            h[i] = rnd8();
        h[0] = (uint8_t)(0x40 | hlen / 4);
        if (round % 2)
            set_csum(h, hlen);
        bool ok = ipv4_hdr_csum_ok(h, hlen);
        cr_assert_eq(ok, reference_ok(h, hlen), "round %u, %u bytes", round, hlen);
        valid += ok;
    }
    cr_assert_geq(valid, 10000, "every header given its checksum verifies");
}

Test(ipv4_csum, every_single_bit_error_is_caught)
{
    uint8_t h[60];
    for (unsigned hlen = 20; hlen <= 60; hlen += 20) {
        for (unsigned i = 0; i < hlen; i++)
            h[i] = rnd8();
        h[0] = (uint8_t)(0x40 | hlen / 4);
        set_csum(h, hlen);
        cr_assert(ipv4_hdr_csum_ok(h, hlen));
        for (unsigned bit = 0; bit < 8 * hlen; bit++) {
            h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            cr_assert_not(ipv4_hdr_csum_ok(h, hlen), "bit %u of %u bytes flipped", bit, hlen);
            h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
    }
}

Test(ipv4_csum, the_two_zeros_of_ones_complement)
{
    /* A sum of 0xffff can come from a checksum field of 0x0000 or 0xffff
     * (RFC 1071: -0 and +0); an all-zero header has sum +0 and is refused. */
    uint8_t h[20];
    memset(h, 0xff, sizeof h);
    cr_assert_eq(ipv4_hdr_csum_ok(h, 20), reference_ok(h, 20));
    memset(h, 0, sizeof h);
    cr_assert_not(ipv4_hdr_csum_ok(h, 20));
    cr_assert_eq(ipv4_hdr_csum_ok(h, 20), reference_ok(h, 20));
    h[0] = 0x45;
    set_csum(h, 20);
    cr_assert(ipv4_hdr_csum_ok(h, 20));
    /* the checksum field written as 0xffff instead of 0x0000 (or back) is
     * the same value in one's complement: both verify, as in the reference */
    uint8_t z[20] = { 0x45 };
    set_csum(z, 20);
    uint16_t c = load_be16(z + IPV4_OFF_CSUM);
    z[2] = (uint8_t)(c >> 8); /* the total length absorbs the checksum: field becomes +0 */
    z[3] = (uint8_t)c;
    set_csum(z, 20);
    cr_assert_eq(load_be16(z + IPV4_OFF_CSUM), 0, "the sum without it is already 0xffff");
    cr_assert(ipv4_hdr_csum_ok(z, 20));
    store_be16(z + IPV4_OFF_CSUM, 0xffff);
    cr_assert(reference_ok(z, 20));
    cr_assert(ipv4_hdr_csum_ok(z, 20));
}
