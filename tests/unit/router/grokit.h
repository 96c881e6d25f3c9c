/*
 * tests/unit/router/grokit.h — TCP/IPv4 segments as a Linux sender puts
 * them on the wire (Ethernet II, IPv4 with DF and incrementing IDs, TCP
 * with the timestamp option NOP NOP TS of RFC 7323 3.2, checksums right),
 * for the tests of the router's receive coalescing (apps/router/gro.h).
 * Checksums here are computed by the kit's own code, independently of
 * kernel/lib/csum.c. Hosted test code.
 */
#ifndef SPINDLE_TESTS_GROKIT_H
#define SPINDLE_TESTS_GROKIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/pktbuf.h"

#define GK_SRC 0x0a000002u  /* 10.0.0.2: the sender, behind eth0 */
#define GK_DST 0x0a010002u  /* 10.1.0.2: the receiver, behind eth1 */
#define GK_MSS 1448u        /* payload bytes of a full segment with timestamps */
#define GK_OPTLEN 12u       /* NOP NOP timestamp */
#define GK_SEQ0 0xfffffa00u /* first sequence number: wraps within a few segments */
#define GK_MAX_FRAME 1600u

/** One segment to build; zero fields take the defaults noted. */
struct gk_seg {
    uint32_t src, dst;     /* 0: GK_SRC, GK_DST */
    uint16_t sport, dport; /* 0: 40000, 5201 */
    uint32_t seq;          /* sequence number */
    uint32_t ack;          /* 0: 0x0badcafe */
    uint16_t id;           /* IPv4 identification */
    uint8_t flags;         /* 0: ACK */
    uint16_t window;       /* 0: 502 */
    uint16_t payload;      /* payload bytes: stream bytes from seq (gk_stream_byte) */
    uint32_t tsval;        /* timestamp option value (0 allowed) */
    bool no_opts;          /* no TCP options (data offset 5) */
    uint8_t tos, ttl;      /* ttl 0: 64 */
    bool no_df;            /* DF clear (else set, as Linux's path MTU discovery does) */
    uint16_t frag;         /* MF and fragment offset bits, ORed into the field */
    bool bad_tcp_csum;     /* TCP checksum off by one */
};

/** gk_stream_byte - the stream's byte at sequence number @seq of port @sport's connection. */
uint8_t gk_stream_byte(uint16_t sport, uint32_t seq);
/** gk_frame - write the Ethernet frame of @s into @f (GK_MAX_FRAME bytes); returns its length. */
size_t gk_frame(uint8_t *f, const struct gk_seg *s);
/**
 * gk_train - @n segments of one connection in order from @seq (IDs from
 * @id), each @mss payload bytes: @out[0..n) (other fields from @tmpl).
 */
void gk_train(struct gk_seg *out, unsigned n, const struct gk_seg *tmpl, uint32_t seq, uint16_t id,
              uint16_t mss);
/** gk_sum - the one's-complement sum of @n bytes added to @s, not folded. */
uint32_t gk_sum(uint32_t s, const uint8_t *p, size_t n);
/** gk_fold - fold @s to 16 bits and complement it. */
uint16_t gk_fold(uint32_t s);
/** gk_tcp_ok - the TCP checksum of IPv4 datagram @ip (IHL from it) is right. */
bool gk_tcp_ok(const uint8_t *ip);
/** gk_flat - copy packet @p (every chained buffer) to @out (@cap bytes); returns its length. */
size_t gk_flat(const struct pktbuf *p, uint8_t *out, size_t cap);
/**
 * gk_complete - finish a partial TCP checksum of the flat frame @f (@len
 * bytes) as a device does (virtio 1.1 5.1.6.2): sum from @start to the end
 * with the field at @start + @offset holding the pseudo-header sum, stored
 * complemented there.
 */
void gk_complete(uint8_t *f, size_t len, uint16_t start, uint16_t offset);

#endif
