/*
 * tests/unit/protocols/udp/udpkit.h — building and reading UDP/IPv4/Ethernet
 * frames for the UDP node's and the UDP extensions' unit tests.
 *
 * udpkit_setup() brings up ether, arp, ipv4, icmp and udp on one loop
 * interface "eth0" (UK_OUR_IP/24, MAC UK_OUR_MAC) and teaches ARP the peer
 * (UK_PEER_IP at UK_PEER_MAC) with an injected ARP request, so replies leave
 * at once. Checksums here are computed independently of kernel/lib/csum.c.
 */
#ifndef SPINDLE_TESTS_UDPKIT_H
#define SPINDLE_TESTS_UDPKIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/pktbuf.h"
#include "netgraph/netif.h"

#define UK_OUR_IP 0x0a000001u   /* 10.0.0.1 */
#define UK_PEER_IP 0x0a000002u  /* 10.0.0.2 */
#define UK_BCAST_IP 0x0a0000ffu /* 10.0.0.255, directed broadcast of 10.0.0.0/24 */
extern const uint8_t UK_OUR_MAC[6];
extern const uint8_t UK_PEER_MAC[6];
extern const uint8_t UK_BCAST_MAC[6];

/** A datagram to build. Zero fields take the defaults noted. */
struct uk_dgram {
    const uint8_t *dst_mac; /* NULL: UK_OUR_MAC */
    uint32_t src, dst;      /* 0: UK_PEER_IP, UK_OUR_IP */
    uint16_t sport, dport;
    const void *payload;
    size_t payload_len;
    bool zero_csum; /* send checksum 0 (none) */
    bool bad_csum;  /* flip the checksum */
    bool set_ulen;  /* use @ulen instead of 8 + payload_len */
    uint16_t ulen;
    size_t ip_pad; /* junk bytes after the datagram inside the IP total length */
};

/** udpkit_setup - the whole stack on eth0; returns the interface. */
struct netif *udpkit_setup(void);
/** udpkit_frame - write the frame of @d into @buf (@cap bytes); returns its length. */
size_t udpkit_frame(uint8_t *buf, size_t cap, const struct uk_dgram *d);
/** udpkit_inject - build and receive @d on @ifp. */
void udpkit_inject(struct netif *ifp, const struct uk_dgram *d);
/** udpkit_inject_frags - build @d and receive it cut into IPv4 fragments of at most @mtu bytes. */
void udpkit_inject_frags(struct netif *ifp, const struct uk_dgram *d, uint16_t mtu);

/** A frame that was sent, parsed. Pointers into @frame. */
struct uk_sent {
    struct pktbuf *frame; /* owned: udpkit_sent_free() */
    const uint8_t *eth, *ip, *l4;
    uint16_t ethertype;
    uint8_t proto;
    uint32_t src, dst;
    uint16_t ip_total, frag; /* total length, flags+offset field (host order) */
    uint16_t l4_len;         /* bytes from the L4 header to the IP end */
};
/** udpkit_take - the oldest frame sent on @ifp, parsed; false when none. */
bool udpkit_take(struct netif *ifp, struct uk_sent *s);
/** udpkit_sent_free - free the frame of @s. */
void udpkit_sent_free(struct uk_sent *s);
/** udpkit_udp_csum_ok - the UDP checksum of the (whole) datagram @udp of @len bytes is right. */
bool udpkit_udp_csum_ok(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len);
/** udpkit_ip_csum_ok - the IPv4 header checksum at @ip is right. */
bool udpkit_ip_csum_ok(const uint8_t *ip);
/** udpkit_counter - kstats counter @name of @node (fails the test when absent). */
uint64_t udpkit_counter(const char *node, const char *name);

#endif
