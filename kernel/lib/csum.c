/* kernel/lib/csum.c — the Internet checksum (RFC 1071), byte-wise so it is alignment-safe. */
#include "kernel/klib.h"

uint32_t inet_csum_add(uint32_t sum, const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t s = sum;
    while (n >= 2) {
        s += (uint32_t)((b[0] << 8) | b[1]);
        b += 2;
        n -= 2;
    }
    if (n)
        s += (uint32_t)(b[0] << 8);
    while (s >> 32)
        s = (s & 0xffffffffu) + (s >> 32);
    return (uint32_t)s;
}

uint16_t inet_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}
