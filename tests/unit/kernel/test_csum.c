/*
 * tests/unit/kernel/test_csum.c — inet_csum_add (kernel/lib/csum.c)
 * against a plain 16-bit one's-complement sum written here (RFC 1071
 * section 4.1's loop): every length from 0 to 300 bytes at every alignment
 * from 0 to 7, random bytes and all-0xff bytes (the most carries), with
 * running sums carried in, as the callers add pseudo-headers. Results are
 * compared modulo 0xffff (0 and 0xffff are both zero in one's complement)
 * and through inet_csum_fold, as the callers use them.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "kernel/klib.h"

/* ref_sum - @s plus the 16-bit network-order words of @p, end-around carries. */
static uint32_t ref_sum(uint32_t s, const uint8_t *p, size_t n)
{
    uint64_t t = s;
    for (size_t i = 0; i + 1 < n; i += 2)
        t += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        t += (uint32_t)p[n - 1] << 8;
    while (t >> 16)
        t = (t & 0xffff) + (t >> 16);
    return (uint32_t)t;
}

static void check_all(uint8_t fill_mode)
{
    static uint8_t buf[320];
    srand(12345u + fill_mode);
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = fill_mode ? 0xff : (uint8_t)rand();
    const uint32_t carried[] = { 0, 1, 0xffff, 0x1fffe, 0xfffffffeu, 0x12345678u };
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n <= 300; n++)
            for (size_t k = 0; k < sizeof carried / sizeof carried[0]; k++) {
                uint32_t got = inet_csum_add(carried[k], buf + off, n);
                uint32_t want = ref_sum(carried[k], buf + off, n);
                cr_assert_leq(got, 0xffffu, "folded to 16 bits (n %zu, off %zu)", n, off);
                cr_assert_eq(got % 0xffffu, want % 0xffffu, "n %zu, off %zu, carried %#x", n, off,
                             carried[k]);
                /* callers add terms and fold: the same checksum */
                cr_assert_eq(inet_csum_fold(got + 6u + (uint32_t)n) % 0xffffu,
                             inet_csum_fold(want + 6u + (uint32_t)n) % 0xffffu);
            }
}

Test(csum, equals_the_16_bit_sum_at_every_length_and_alignment)
{
    check_all(0);
}

Test(csum, all_ones_bytes_carry_right)
{
    check_all(1);
}
