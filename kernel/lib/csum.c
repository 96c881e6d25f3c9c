/*
 * kernel/lib/csum.c — the Internet checksum (RFC 1071). Words are read as
 * bytes (alignment-safe) but summed 32 bits at a time into a 64-bit
 * accumulator: a 32-bit big-endian word is congruent modulo 0xffff to the
 * sum of its two 16-bit halves, so deferring the carries (RFC 1071 2(C))
 * gives the same checksum at a quarter of the additions of 16-bit steps.
 */
#include "kernel/klib.h"

uint32_t inet_csum_add(uint32_t sum, const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t s = sum;
    for (; n >= 8; n -= 8, b += 8)
        s += (uint64_t)load_be32(b) + load_be32(b + 4);
    if (n >= 4) {
        s += load_be32(b);
        b += 4;
        n -= 4;
    }
    if (n >= 2) {
        s += load_be16(b);
        b += 2;
        n -= 2;
    }
    if (n)
        s += (uint32_t)b[0] << 8;
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffffu) + (s >> 16);
    s = (s & 0xffffu) + (s >> 16);
    return (uint32_t)s;
}

uint16_t inet_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}
