/*
 * kernel/lib/csum.c — the Internet checksum (RFC 1071). The buffer is read
 * 64 bits at a time in the machine's byte order (alignment-safe, one load
 * per 8 bytes) and summed with end-around carries: the one's-complement
 * sum of 64-bit words folds to that of their 16-bit words, since 2^16 - 1
 * divides 2^64 - 1 (RFC 1071 2(C)), and the sum of words in the machine's
 * byte order is the byte-swapped sum of the words in network byte order
 * (2(B)); on a little-endian machine a rotation by 8 bits (x 2^8 modulo
 * 2^64 - 1, and so modulo 2^16 - 1) makes the swap. Then the caller's
 * running sum is added and the result folded to 16 bits.
 */
#include "kernel/klib.h"

/* add64 - one's-complement addition of @w to @s (end-around carry). */
static inline uint64_t add64(uint64_t s, uint64_t w)
{
    s += w;
    return s + (s < w);
}

uint32_t inet_csum_add(uint32_t sum, const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t s = 0, w0, w1, w2, w3;
    for (; n >= 32; n -= 32, b += 32) {
        __builtin_memcpy(&w0, b, 8);
        __builtin_memcpy(&w1, b + 8, 8);
        __builtin_memcpy(&w2, b + 16, 8);
        __builtin_memcpy(&w3, b + 24, 8);
        s = add64(add64(add64(add64(s, w0), w1), w2), w3);
    }
    for (; n >= 8; n -= 8, b += 8) {
        __builtin_memcpy(&w0, b, 8);
        s = add64(s, w0);
    }
    if (n >
        0) { /* the rest where a 64-bit load would put it, zero after: an odd last byte is padded */
        uint64_t r = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        unsigned at = 0; /* bytes placed */
        if (n & 4) {
            uint32_t v;
            __builtin_memcpy(&v, b, 4);
            r = v;
            at = 4;
            b += 4;
        }
        if (n & 2) {
            uint16_t v;
            __builtin_memcpy(&v, b, 2);
            r |= (uint64_t)v << (8 * at);
            at += 2;
            b += 2;
        }
        if (n & 1)
            r |= (uint64_t)*b << (8 * at);
#else
        for (size_t i = 0; i < n; i++)
            r |= (uint64_t)b[i] << (56 - 8 * i);
#endif
        s = add64(s, r);
    }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    s = (s << 8) | (s >> 56); /* x 2^8 modulo 2^64 - 1: to network byte order (2(B)) */
#endif
    uint64_t t = (s & 0xffffffffu) + (s >> 32) + sum;
    t = (t & 0xffffu) + (t >> 16);
    t = (t & 0xffffu) + (t >> 16);
    t = (t & 0xffffu) + (t >> 16);
    return (uint32_t)t;
}

uint16_t inet_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}
