/*
 * protocols/ipv4/ipv4_wire.h — the IPv4 header as it is on the wire (RFC
 * 791 section 3.1), its flags and options, protocol numbers, and the address
 * classes of RFC 1122 3.2.1.3 and RFC 5735. Offsets in bytes from the start
 * of the header; multi-byte fields in network byte order; addresses in the
 * helpers below in host byte order. Definitions only: any folder may
 * include it.
 */
#ifndef SPINDLE_PROTOCOLS_IPV4_WIRE_H
#define SPINDLE_PROTOCOLS_IPV4_WIRE_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/lib/inet.h" /* inet_plen_mask */

/* Header fields. */
#define IPV4_OFF_VHL 0 /* version (high nibble), IHL in 32-bit words (low nibble) */
#define IPV4_OFF_TOS 1
#define IPV4_OFF_LEN 2 /* total length, bytes */
#define IPV4_OFF_ID 4
#define IPV4_OFF_FRAG 6 /* flags (3 bits) and fragment offset (13 bits, 8-byte units) */
#define IPV4_OFF_TTL 8
#define IPV4_OFF_PROTO 9
#define IPV4_OFF_CSUM 10
#define IPV4_OFF_SRC 12
#define IPV4_OFF_DST 16
#define IPV4_OFF_OPTIONS 20

#define IPV4_HDR_LEN 20      /* without options */
#define IPV4_MAX_HDR_LEN 60u /* IHL 15 */
#define IPV4_MAX_LEN 65535u  /* largest datagram, bytes (16-bit total length) */
#define IPV4_MIN_MTU 68u     /* RFC 791: every module forwards 68 bytes unfragmented */
#define IPV4_VERSION 4
#define IPV4_VHL_DEFAULT 0x45 /* version 4, IHL 5 */

#define IPV4_F_DF 0x4000u    /* Don't Fragment */
#define IPV4_F_MF 0x2000u    /* More Fragments */
#define IPV4_OFFMASK 0x1fffu /* fragment offset, in units of 8 bytes */

/* Option types (RFC 791 3.1 "Options"; IANA ip-parameters). */
#define IPOPT_EOL 0    /* end of option list */
#define IPOPT_NOP 1    /* no operation */
#define IPOPT_RR 7     /* record route */
#define IPOPT_TS 68    /* internet timestamp */
#define IPOPT_LSRR 131 /* loose source and record route */
#define IPOPT_SID 136  /* stream identifier (length 4) */
#define IPOPT_SSRR 137 /* strict source and record route */

/* Protocol numbers (IANA protocol-numbers). */
#define IPPROTO_ICMP 1
#define IPPROTO_UDP 17

#define IPV4_BCAST 0xffffffffu /* the limited broadcast 255.255.255.255 */

/** ipv4_vhl_hlen - the header length in bytes that the VHL byte @vhl gives (IHL * 4). */
static inline unsigned ipv4_vhl_hlen(uint8_t vhl)
{
    return (vhl & 0x0fu) * 4u;
}

/**
 * ipv4_hdr_csum_ok - true when header @h of @hlen bytes (20..60, a multiple
 * of 4, as IHL gives) carries a valid header checksum (RFC 791 3.1): the
 * one's-complement sum of its 16-bit words, checksum included, is 0xffff
 * (RFC 1071). Reads the header as 32-bit words in the machine's byte order:
 * their one's-complement sum folds to that of the 16-bit words (RFC 1071
 * 2(C)), and byte order does not change whether that sum is 0xffff (2(B)).
 * Alignment-safe. The same answer as inet_csum_fold(inet_csum_add(0, h,
 * hlen)) == 0, in about a third of the instructions for 20 bytes.
 */
static inline bool ipv4_hdr_csum_ok(const uint8_t *h, unsigned hlen)
{
    uint32_t w[5];
    __builtin_memcpy(w, h, 20);
    uint64_t s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
    for (unsigned i = 20; i < hlen; i += 4) { /* options: at most 10 more words */
        uint32_t o;
        __builtin_memcpy(&o, h + i, 4);
        s += o;
    }
    s = (s & 0xffffffffu) + (s >> 32); /* < 2^33: at most 15 words */
    s = (s & 0xffffu) + (s >> 16);
    s = (s & 0xffffu) + (s >> 16);
    s = (s & 0xffffu) + (s >> 16); /* <= 0xffff, and 0 only for an all-zero header */
    return s == 0xffffu;
}

/* Address classes (RFC 1122 3.2.1.3, RFC 5735, RFC 3927). Host order. */
static inline bool ipv4_is_mcast(uint32_t a)
{
    return (a & 0xf0000000u) == 0xe0000000u;
}
static inline bool ipv4_is_class_e(uint32_t a)
{
    return (a & 0xf0000000u) == 0xf0000000u;
}
static inline bool ipv4_is_zeronet(uint32_t a)
{
    return (a & 0xff000000u) == 0;
}
static inline bool ipv4_is_loopback(uint32_t a)
{
    return (a & 0xff000000u) == 0x7f000000u;
}
static inline bool ipv4_is_link_local(uint32_t a)
{
    return (a & 0xffff0000u) == 0xa9fe0000u;
}

#endif
