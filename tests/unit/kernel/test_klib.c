/* Unit tests of kernel/lib: formatting, parsing, checksums, byte order. */
#include <criterion/criterion.h>
#include "kernel/klib.h"
#include "kernel/kerr.h"
#include <stdio.h>

Test(klib, ksnprintf_matches_libc_on_supported_conversions)
{
    char a[128], b[128];
    ksnprintf(a, sizeof a, "%d|%5d|%-5d|%05d|%u|%x|%X|%08lx|%s|%.3s|%c|%%|%lld|%zu|%hhu", -42, 7, 7,
              -3, 4000000000u, 0xbeefu, 0xbeefu, 0x1234ul, "str", "abcdef", 'z', -9000000000ll,
              (size_t)99, (unsigned char)300);
    snprintf(b, sizeof b, "%d|%5d|%-5d|%05d|%u|%x|%X|%08lx|%s|%.3s|%c|%%|%lld|%zu|%hhu", -42, 7, 7,
             -3, 4000000000u, 0xbeefu, 0xbeefu, 0x1234ul, "str", "abcdef", 'z', -9000000000ll,
             (size_t)99, (unsigned char)300);
    cr_assert_str_eq(a, b);
}

Test(klib, ksnprintf_truncates_and_reports_full_length)
{
    char a[8];
    int n = ksnprintf(a, sizeof a, "%s", "0123456789");
    cr_assert_eq(n, 10);
    cr_assert_str_eq(a, "0123456");
}

Test(klib, parse_u64)
{
    uint64_t v;
    cr_assert_eq(kparse_u64("11111", 5, &v), 0);
    cr_assert_eq(v, 11111);
    cr_assert_eq(kparse_u64("0x1F", 4, &v), 0);
    cr_assert_eq(v, 31);
    cr_assert_eq(kparse_u64("12a", 3, &v), -KE_INVAL);
    cr_assert_eq(kparse_u64("", 0, &v), -KE_INVAL);
    cr_assert_eq(kparse_u64("99999999999999999999", 20, &v), -KE_RANGE);
}

Test(klib, inet_checksum_rfc1071_example)
{
    /* RFC 1071 section 3 example bytes: 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2 */
    const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    cr_assert_eq(inet_csum_fold(inet_csum_add(0, b, sizeof b)), (uint16_t)~0xddf2);
    /* odd length pads with zero */
    const uint8_t c[] = { 0x01 };
    cr_assert_eq(inet_csum_fold(inet_csum_add(0, c, 1)), (uint16_t)~0x0100);
}

Test(klib, byte_order_helpers_at_odd_addresses)
{
    uint8_t b[9] = { 0 };
    store_be32(b + 1, 0x01020304);
    cr_assert_eq(b[1], 1);
    cr_assert_eq(load_be32(b + 1), 0x01020304u);
    store_be16(b + 5, 0xabcd);
    cr_assert_eq(load_be16(b + 5), 0xabcd);
    store_le32(b + 1, 0x01020304);
    cr_assert_eq(b[1], 4);
    cr_assert_eq(load_le32(b + 1), 0x01020304u);
    store_be64(b + 1, 0x1122334455667788ull);
    cr_assert_eq(load_be64(b + 1), 0x1122334455667788ull);
}
