/*
 * tests/unit/sec/seckit.h — frames for the policy tests, built here
 * independently of the code under test: Ethernet II, an IPv4 header with
 * options (RFC 791, header checksum RFC 1071) and UDP (RFC 768, checksum
 * over the pseudo-header). Addresses in host order.
 */
#ifndef SPINDLE_TESTS_SECKIT_H
#define SPINDLE_TESTS_SECKIT_H

#include <stddef.h>
#include <stdint.h>

/** A datagram to build: who sends it where, with which IP options. */
struct sk_dgram {
    const uint8_t *eth_dst, *eth_src; /* 6 bytes each */
    uint32_t src, dst;
    const uint8_t *opts; /* IP options (a multiple of 4 bytes), or NULL */
    size_t optlen;
};

/**
 * sk_udp - the frame of datagram @d carrying UDP @sport -> @dport with
 * @len bytes of @payload into @f (at least 14 + 60 + 8 + @len bytes);
 * returns its length (padded to 60).
 */
size_t sk_udp(uint8_t *f, const struct sk_dgram *d, uint16_t sport, uint16_t dport,
              const void *payload, size_t len);

/** sk_get16 / sk_get32 - big-endian reads. */
uint16_t sk_get16(const uint8_t *p);
uint32_t sk_get32(const uint8_t *p);

#endif
