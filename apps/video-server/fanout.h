/*
 * apps/video-server/fanout.h — the fan-out extension of the video server:
 * SPIN's multicast by interposition (Bershad et al. SOSP 1995 section 5: "a
 * third extension installs a handler on the SendPacket event that turns a
 * single send into a multicast to a list of clients").
 *
 * A stream sends each RTP and RTCP packet once, to its first client. The
 * server's handler on ipv4.SendPacket (protocols/ipv4/ipv4.h: raised once the
 * datagram is routed and its header complete) sees that send and sends one
 * copy to every other client of the list with ipv4_output(), which does not
 * raise the event again. A client may be a unicast address or an IPv4
 * multicast group (RFC 1112), reached by plain IPv4 multicast: one datagram
 * for every member of the group (TTL ttl=, RFC 1112 6.1).
 *
 * The per-client datagram is made by one function, vs_fanout_make(). When
 * the stream's datagram is a header buffer chained to its payload
 * (kernel/pktbuf.h pkt_chain: the stream sends it so when it has more than
 * one client and its output port gathers chained buffers, kport.tx_gather),
 * each client gets a header buffer of its own, with its destination address
 * and port and both checksums updated incrementally (RFC 1624: the payload
 * is not summed again), chained to a reference of the one shared payload: no
 * payload byte is copied (the VMs' e1000 and virtio-net drivers gather: each
 * client's frame is two DMA segments, its headers and the shared payload). A
 * datagram that is not chained is copied whole, once per other client: on a
 * port that cannot gather (the hosted pcap ports), where netgraph/netif.c
 * would linearise a chain anyway, and for RTCP.
 *
 * Clients that draw errors (ICMP destination unreachable about their
 * datagrams, RFC 1122 4.1.3.3; ARP giving up on their address) are dropped
 * once they have drawn VS_CLIENT_MAX_ERRORS errors over at least
 * VS_CLIENT_GRACE_NS, no two further apart than VS_CLIENT_ERROR_GAP_NS (a
 * player started a moment after its stream is not dropped for the port
 * unreachables of its first frames; one that went away is, within seconds).
 *
 * Freestanding.
 */
#ifndef SPINDLE_APPS_VIDEO_FANOUT_H
#define SPINDLE_APPS_VIDEO_FANOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/pktbuf.h"

/** Most clients of one stream. */
#define VS_MAX_CLIENTS 1024u
/** Errors that drop a client, when they span VS_CLIENT_GRACE_NS. */
#define VS_CLIENT_MAX_ERRORS 3u
/** How long errors must go on before a client is dropped, ns. */
#define VS_CLIENT_GRACE_NS (2ull * 1000000000ull)
/** Errors further apart than this start a new count, ns. */
#define VS_CLIENT_ERROR_GAP_NS (10ull * 1000000000ull)

/** One destination of a stream. Host order. */
struct vs_client {
    uint32_t addr;         /* unicast address or multicast group */
    uint16_t port;         /* RTP port, even; RTCP goes to port + 1 (RFC 3550 11) */
    uint32_t src;          /* our address towards it (ipv4_source_for at join) */
    uint32_t errors;       /* errors in the current run */
    uint64_t first_err_ns; /* when the run's first error came */
    uint64_t last_err_ns;  /* and its latest */
    uint64_t copies;       /* datagrams sent to it as copies */
    uint64_t joined_ns;
};

/** The client list of one stream; clients[0] receives the stream's own sends. */
struct vs_fanout {
    struct vs_client *clients; /* kmalloc'ed, cap entries */
    uint32_t n, cap;
    uint16_t sport;       /* the stream's RTP source port; RTCP's is sport + 1 */
    uint8_t mcast_ttl;    /* TTL of datagrams to a group (RFC 1112 6.1) */
    struct pktpool *pool; /* where copies come from */
    uint64_t *ctr;        /* enum vs_ctr */
};

/** vs_fanout_init - an empty list for the stream sending from @sport. */
void vs_fanout_init(struct vs_fanout *fo, uint16_t sport, uint8_t mcast_ttl, struct pktpool *pool,
                    uint64_t *ctr);
/** vs_fanout_fini - free the list. */
void vs_fanout_fini(struct vs_fanout *fo);

/**
 * vs_fanout_add - add client @addr:@port (port even, 2..65534). Returns 0,
 * or -KE_EXIST (listed already), -KE_INVAL (port odd or 0, address 0,
 * broadcast or class E, or ports @port, @port + 1 overlapping another
 * client's on that address), -KE_UNREACH (no route to it: no source address),
 * -KE_TOOBIG (VS_MAX_CLIENTS), -KE_NOMEM.
 */
int vs_fanout_add(struct vs_fanout *fo, uint32_t addr, uint16_t port);
/** vs_fanout_remove - remove client @addr:@port; 0 or -KE_NOENT. */
int vs_fanout_remove(struct vs_fanout *fo, uint32_t addr, uint16_t port);
/** vs_fanout_find - the index of client @addr:@port, or -1. */
int vs_fanout_find(const struct vs_fanout *fo, uint32_t addr, uint16_t port);

/**
 * vs_fanout_error - count an error about a datagram sent to @addr:@dport
 * (the RTP or RTCP port of one client) at @now_ns. Returns the client's
 * index when it is to be dropped (VS_CLIENT_MAX_ERRORS errors over at least
 * VS_CLIENT_GRACE_NS, none more than VS_CLIENT_ERROR_GAP_NS after the one
 * before), -1 when it stays, -2 when no client matches.
 */
int vs_fanout_error(struct vs_fanout *fo, uint32_t addr, uint16_t dport, uint64_t now_ns);

/**
 * vs_fanout_make - the datagram for client @c made from @orig, the stream's
 * datagram as raised on ipv4.SendPacket (data at its IPv4 header, len = its
 * total length, UDP, source port fo->sport or fo->sport + 1): from @c->src
 * to @c->addr, destination port @c->port (+1 for RTCP), TTL fo->mcast_ttl
 * for a group; IPv4 header checksum recomputed, UDP checksum updated for the
 * changed pseudo-header and port (RFC 1624 eqn. 3; a zero checksum, "none
 * sent", stays zero). A header buffer from fo->pool chained to a reference
 * of @orig's payload segment when @orig is so chained (IPv4 and UDP headers
 * in @orig itself, nothing else), else a copy of the whole datagram. The
 * caller owns the result (refcnt 1). NULL when no buffer was free.
 */
struct pktbuf *vs_fanout_make(const struct vs_fanout *fo, const struct pktbuf *orig,
                              const struct vs_client *c);

/**
 * vs_fanout_send - the interposition: send @orig's copy to every client but
 * clients[0] (ipv4_output: routed per client, ARP resolves, no raise of
 * ipv4.SendPacket), counting copies and failures; set @orig's TTL (header
 * checksum updated) when clients[0] is a group. @orig stays the caller's.
 * Returns the number of copies sent.
 */
uint32_t vs_fanout_send(struct vs_fanout *fo, struct pktbuf *orig);

/**
 * vs_csum_update16 - the Internet checksum @hc after a 16-bit word of the
 * summed data changed from @old to @new (RFC 1624 eqn. 3: HC' = ~(~HC + ~m
 * + m')). Host-order values of network-order fields.
 */
uint16_t vs_csum_update16(uint16_t hc, uint16_t old, uint16_t new_word);

#endif
