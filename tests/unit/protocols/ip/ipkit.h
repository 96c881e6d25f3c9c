/*
 * tests/unit/protocols/ip/ipkit.h — building and reading IPv4/ICMP frames
 * for the IPv4 and ICMP nodes' unit tests. Hosted test code.
 *
 * ipkit_setup() brings up ether, arp, ipv4 and icmp on one loop interface
 * "eth0" (IK_OUR_IP/24 and IK_OUR_IP2/24, MAC IK_OUR_MAC) and teaches ARP
 * the peer (IK_PEER_IP at IK_PEER_MAC) with an injected ARP request, so
 * replies leave at once. ipkit_end() takes everything down and asserts
 * that every buffer is back in its pool. Checksums here are computed by
 * ik_csum(), independently of kernel/lib/csum.c.
 */
#ifndef SPINDLE_TESTS_IPKIT_H
#define SPINDLE_TESTS_IPKIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/pktbuf.h"
#include "netgraph/netif.h"
#include "protocols/ipv4/ipv4.h"
#include "testkit.h"

#define IK_OUR_IP 0x0a000001u   /* 10.0.0.1 */
#define IK_OUR_IP2 0x0a000009u  /* 10.0.0.9, a second address of eth0 */
#define IK_PEER_IP 0x0a000002u  /* 10.0.0.2 */
#define IK_BCAST_IP 0x0a0000ffu /* 10.0.0.255, directed broadcast of 10.0.0.0/24 */
extern const uint8_t IK_OUR_MAC[6];
extern const uint8_t IK_PEER_MAC[6];
extern const uint8_t IK_BCAST_MAC[6];

/** A datagram to build. Zero fields take the defaults noted. */
struct ik_dgram {
    const uint8_t *dst_mac; /* NULL: IK_OUR_MAC */
    uint32_t src, dst;      /* 0: IK_PEER_IP, IK_OUR_IP */
    uint8_t proto;          /* 0: 253 (experimental, RFC 3692) */
    uint8_t ttl;            /* 0: 64 */
    uint8_t tos;
    uint16_t id;
    uint16_t frag;       /* flags and offset field as sent (host order) */
    const uint8_t *opts; /* IP options, a multiple of 4 bytes */
    size_t optlen;
    const void *payload;
    size_t len; /* payload bytes */
    /* Corruptions, for the validation tests. */
    int version;     /* 0: 4 */
    int ihl;         /* 0: computed */
    int total;       /* 0: computed; else the total length field */
    bool bad_csum;   /* header checksum off by one */
    size_t link_pad; /* zero bytes after the datagram in the frame */
    size_t cut;      /* frame cut to this many bytes (0: whole) */
};

/** ipkit_setup - the stack on eth0 with ARP knowing the peer; returns the interface. */
struct netif *ipkit_setup(void);
/** ipkit_end - drain eth0, take every node down, assert every pool is full. */
void ipkit_end(struct netif *ifp);

/** ik_csum - RFC 1071 Internet checksum of @n bytes (0 when a checksummed block is right). */
uint16_t ik_csum(const void *p, size_t n);
/** ik_frame - write the frame of @d into @buf (@cap bytes); returns its length. */
size_t ik_frame(uint8_t *buf, size_t cap, const struct ik_dgram *d);
/** ik_inject - build and receive @d on @ifp. */
void ik_inject(struct netif *ifp, const struct ik_dgram *d);
/**
 * ik_inject_frag - receive on @ifp the fragment of @d holding payload bytes
 * [@off, @off+@len), with MF = @mf (d->frag's DF bit is kept).
 */
void ik_inject_frag(struct netif *ifp, const struct ik_dgram *d, size_t off, size_t len, bool mf);
/** ik_echo - write an ICMP message (@type, @id, @seq, @n data bytes) with its checksum; returns 8 + n. */
size_t ik_echo(uint8_t *buf, uint8_t type, uint16_t id, uint16_t seq, const void *data, size_t n);
/** ik_pattern - fill @n bytes with a pattern depending on @seed. */
void ik_pattern(uint8_t *buf, size_t n, unsigned seed);

/** A frame that was sent, parsed. Pointers into @frame. */
struct ik_sent {
    struct pktbuf *frame; /* owned: ik_sent_free() */
    const uint8_t *eth, *ip, *l4;
    uint16_t ethertype;
    uint8_t tos, ttl, proto;
    uint16_t id, frag, total, hlen; /* host order; frag = flags + offset field */
    uint32_t src, dst;
    uint16_t l4_len; /* bytes from the end of the IP header to the IP end */
};
/** ik_take - the oldest frame sent on @ifp, parsed; false when none. */
bool ik_take(struct netif *ifp, struct ik_sent *s);
/** ik_sent_free - free the frame of @s. */
void ik_sent_free(struct ik_sent *s);
/** ik_counter - kstats counter @name of @node (fails the test when absent). */
uint64_t ik_counter(const char *node, const char *name);

/** The fragments of one datagram as sent, reassembled by the test. */
struct ik_train {
    unsigned n;         /* fragments */
    uint16_t total[64]; /* each fragment's total length */
    uint16_t frag[64];  /* each fragment's flags + offset field */
    uint16_t id[64];
    bool csum_ok[64]; /* header checksum right */
    uint8_t hdr[60];  /* the first fragment's header */
    size_t len;       /* payload bytes reassembled (holes make it fail) */
    uint8_t payload[65536];
};
/**
 * ik_take_train - take every IPv4 frame sent on @ifp and reassemble them
 * (assuming one datagram) into @t. Fails the test on holes or overlaps.
 */
void ik_take_train(struct netif *ifp, struct ik_train *t);

/** ik_route - a route to PREFIX/@plen (dotted quads) via @gw (NULL: on link) out of @ifindex. */
static inline struct ipv4_route ik_route(const char *prefix, uint8_t plen, const char *gw,
                                         uint16_t ifindex)
{
    struct ipv4_route r = { .prefix = testkit_ip(prefix),
                            .plen = plen,
                            .gateway = gw ? testkit_ip(gw) : 0,
                            .ifindex = ifindex };
    return r;
}

#endif
