/* tests/unit/sec/seckit.c — frames for the policy tests (seckit.h). */
#include "seckit.h"

#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

uint16_t sk_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t sk_get32(const uint8_t *p)
{
    return (uint32_t)sk_get16(p) << 16 | sk_get16(p + 2);
}

/* csum - RFC 1071 over @len bytes, starting from the partial sum @sum. */
static uint16_t csum(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += sk_get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

size_t sk_udp(uint8_t *f, const struct sk_dgram *d, uint16_t sport, uint16_t dport,
              const void *payload, size_t len)
{
    memcpy(f, d->eth_dst, 6);
    memcpy(f + 6, d->eth_src, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    size_t hlen = 20 + d->optlen;
    ip[0] = (uint8_t)(0x40 | (hlen / 4));
    ip[1] = 0;
    put16(ip + 2, (uint16_t)(hlen + 8 + len));
    put16(ip + 4, 0x1234);
    put16(ip + 6, 0);
    ip[8] = 64;
    ip[9] = 17;
    put16(ip + 10, 0);
    put32(ip + 12, d->src);
    put32(ip + 16, d->dst);
    if (d->optlen)
        memcpy(ip + 20, d->opts, d->optlen);
    put16(ip + 10, csum(0, ip, hlen));
    uint8_t *u = ip + hlen;
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, (uint16_t)(8 + len));
    put16(u + 6, 0);
    memcpy(u + 8, payload, len);
    uint32_t pseudo = (d->src >> 16) + (d->src & 0xffff) + (d->dst >> 16) + (d->dst & 0xffff) + 17 +
                      (uint32_t)(8 + len);
    uint16_t c = csum(pseudo, u, 8 + len);
    put16(u + 6, c ? c : 0xffff);
    size_t n = 14 + hlen + 8 + len;
    if (n < 60) {
        memset(f + n, 0, 60 - n);
        n = 60;
    }
    return n;
}
