/*
 * protocols/arp/arp.h — ARP for IPv4 over Ethernet (RFC 826; RFC 1122
 * 2.3.2.1 cache timeout and flood limits; RFC 5227 for probes we ignore).
 *
 * Installed on ether_PacketArrived with guard EtherType == 0x0806. Answers
 * requests for our addresses; learns (creates or updates) the sender of
 * requests that target us and updates existing entries from any valid ARP
 * packet (RFC 826 "merge flag"). A cache with expiry; resolution for outgoing
 * packets with a bounded queue per unresolved address, retransmitted
 * requests, and a drop (counted) when resolution fails.
 */
#ifndef SPINDLE_PROTOCOLS_ARP_H
#define SPINDLE_PROTOCOLS_ARP_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/event.h"
#include "kernel/pktbuf.h"
#include "netgraph/netif.h"

#define ARP_CACHE_SIZE 256                       /* entries */
#define ARP_QUEUE_MAX 8                          /* packets held per unresolved address */
#define ARP_REACHABLE_NS (60ull * 1000000000ull) /* entry lifetime */
#define ARP_RETRY_NS (1000000000ull)             /* request retransmit interval */
#define ARP_MAX_TRIES 3                          /* requests before giving up */

/**
 * arp_ResolveFailed - raised once for every packet dropped because its next
 * hop never answered (ARP_MAX_TRIES requests ARP_RETRY_NS apart), just before
 * the packet is freed. Data at the IPv4 header (L3 set), ifindex = the
 * interface it was to leave by. The entry is already gone from the cache.
 * A handler that keeps the packet takes pkt_ref(). The router answers these
 * with ICMP destination unreachable, host (RFC 1812 4.3.3.1).
 */
KEVENT_DECLARE(arp_ResolveFailed, struct pktbuf *);

/** arp_init - install the ARP node and register counters. */
int arp_init(void);
/** arp_fini - remove it, free the cache and every queued packet. */
void arp_fini(void);

/**
 * arp_output - send IPv4 packet @pkt (data at the IPv4 header) to next hop
 * @next_hop (host order) on @ifp: at once if the cache knows it, else queued
 * (at most ARP_QUEUE_MAX per address; the oldest is dropped) while a request
 * goes out. Broadcast next hops (255.255.255.255, a directed broadcast of
 * the interface's subnet) go to ff:ff:ff:ff:ff:ff and multicast ones
 * (224.0.0.0/4) to 01:00:5e + the low 23 bits (RFC 1112 6.4), both without
 * ARP. A shared @pkt is queued as a copy. Consumes @pkt. Returns 0 (sent or
 * queued), -KE_INVAL (next hop 0.0.0.0, counted bad_next_hop), -KE_NOMEM,
 * or ether_send's error when sent at once.
 */
int arp_output(struct netif *ifp, uint32_t next_hop, struct pktbuf *pkt);

/** arp_lookup - the MAC of @ip on @ifindex if a live entry exists: 0 or -KE_NOENT. */
int arp_lookup(uint16_t ifindex, uint32_t ip, uint8_t mac[6]);

/** An entry as the console shows it. */
struct arp_entry_info {
    uint16_t ifindex;
    uint32_t ip; /* host order */
    uint8_t mac[6];
    bool resolved;
    uint64_t expires_ns; /* kclock time */
    unsigned queued;     /* packets waiting */
};
/** arp_foreach - call @cb for every cache entry. */
void arp_foreach(void (*cb)(const struct arp_entry_info *e, void *ctx), void *ctx);
/** arp_flush - forget every entry and drop queued packets (counted). */
void arp_flush(void);

#endif
