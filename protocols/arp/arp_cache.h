/*
 * protocols/arp/arp_cache.h — private to the ARP node: the translation
 * table of RFC 826 ("<protocol type, sender protocol address, sender
 * hardware address>" triplets, here keyed by interface and IPv4 address),
 * with the packets waiting for each unresolved entry, and the node's
 * counters, which both halves of the node update.
 */
#ifndef SPINDLE_PROTOCOLS_ARP_CACHE_H
#define SPINDLE_PROTOCOLS_ARP_CACHE_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/pktbuf.h"
#include "kernel/timer.h"

/** Counters of the "arp" node (names in arp.c). */
enum arp_ctr {
    ARP_RX,               /* ARP frames received */
    ARP_RX_REQUEST,       /* ... valid requests (op 1) */
    ARP_RX_REPLY,         /* ... valid replies (op 2) */
    ARP_TRUNCATED,        /* fewer than 28 bytes after the Ethernet header */
    ARP_BAD_HTYPE,        /* hardware type != 1 (Ethernet) */
    ARP_BAD_PTYPE,        /* protocol type != 0x0800 (IPv4) */
    ARP_BAD_HLEN,         /* hardware address length != 6 */
    ARP_BAD_PLEN,         /* protocol address length != 4 */
    ARP_BAD_OP,           /* opcode neither 1 nor 2 */
    ARP_BAD_SENDER_MAC,   /* sender hardware address a group address or all zeros */
    ARP_BAD_SENDER_IP,    /* sender IP broadcast, multicast, loopback or a directed broadcast */
    ARP_NO_IF,            /* pkt->ifindex names no interface */
    ARP_ADDR_CONFLICT,    /* sender IP is one of our addresses (RFC 5227 2.4) */
    ARP_NOT_FOR_US,       /* target IP not an address of the receiving interface */
    ARP_CREATED,          /* entries created from a packet targeting us */
    ARP_UPDATED,          /* existing entries refreshed (RFC 826 merge) */
    ARP_TX_REQUEST,       /* requests sent */
    ARP_TX_REPLY,         /* replies sent */
    ARP_TX_NOMEM,         /* no buffer for a request, reply or private copy */
    ARP_TX,               /* packets sent at once to a resolved next hop */
    ARP_TX_BCAST,         /* packets sent to a broadcast next hop without ARP */
    ARP_TX_MCAST,         /* packets sent to a multicast next hop (RFC 1112 6.4 mapping) */
    ARP_BAD_NEXT_HOP,     /* arp_output to 0.0.0.0 */
    ARP_QUEUED,           /* packets queued waiting for resolution */
    ARP_QUEUE_OVERFLOW,   /* queued packets dropped (oldest first) beyond ARP_QUEUE_MAX */
    ARP_QUEUE_SENT,       /* queued packets sent once resolved */
    ARP_RESOLVE_FAILED,   /* resolutions abandoned after ARP_MAX_TRIES requests */
    ARP_UNRESOLVED_DROPS, /* queued packets dropped because resolution failed */
    ARP_EVICTED,          /* entries evicted (least recently used) because the cache was full */
    ARP_FLUSH_DROPS,      /* queued packets dropped by eviction, arp_flush or arp_fini */
    ARP_EVICTED_IN_USE,   /* ... of the evictions, entries in use (every entry was) */
    ARP_NCTR
};
extern uint64_t arp_ctr[ARP_NCTR];

/** A cache entry. An unresolved entry has a request timer and a queue. */
struct arp_ent {
    bool used;
    bool resolved;
    bool in_use; /* we sent, or asked to send, to it (arp_output): evicted last */
    uint16_t ifindex;
    uint32_t ip; /* host order */
    uint8_t mac[6];
    uint64_t expires_ns; /* kclock time; meaningful when resolved */
    uint64_t used_ns;    /* last created, refreshed or used: eviction order */
    unsigned tries;      /* requests sent for the current resolution */
    unsigned qlen;
    struct pktbuf *qhead, *qtail; /* waiting packets, chained by pkt->next, oldest first */
    struct ktimer timer;          /* request retransmission */
    uint16_t hnext;               /* hash chain: index + 1 of the next entry, 0 none */
};

/** arp_cache_find - the entry for (@ifindex, @ip), live or not, or NULL. */
struct arp_ent *arp_cache_find(uint16_t ifindex, uint32_t ip);
/**
 * arp_cache_create - a new unresolved entry for (@ifindex, @ip), evicting
 * one when all ARP_CACHE_SIZE are taken (its queue is dropped and counted):
 * the least recently used of the entries not in use (learnt from a
 * request, never sent to), and only when every entry is in use the least
 * recently used of all. So a flood of requests from new sources replaces
 * its own entries, not those of the peers we talk to (RFC 1122 2.3.2.1
 * leaves the policy to the host; Linux's neighbour table likewise collects
 * unreferenced entries first). The caller must have checked that none
 * exists. Its timer is initialised with @fn, ctx = the entry.
 */
struct arp_ent *arp_cache_create(uint16_t ifindex, uint32_t ip, uint64_t now_ns, ktimer_fn fn);
/** arp_cache_remove - forget @e; its queue must be empty (see arp_queue_drop). */
void arp_cache_remove(struct arp_ent *e);
/** arp_cache_clear - forget every entry; queued packets are freed and counted in flush_drops. */
void arp_cache_clear(void);
/** arp_cache_foreach - call @cb for every entry in use. */
void arp_cache_foreach(void (*cb)(struct arp_ent *e, void *ctx), void *ctx);

/** arp_queue_push - append @pkt (caller's reference) to @e's queue, dropping the oldest beyond ARP_QUEUE_MAX. */
void arp_queue_push(struct arp_ent *e, struct pktbuf *pkt);
/** arp_queue_take - detach @e's queue and return it (oldest first, chained by ->next). */
struct pktbuf *arp_queue_take(struct arp_ent *e);
/** arp_queue_drop - free every packet queued on @e; returns how many. */
unsigned arp_queue_drop(struct arp_ent *e);

#endif
