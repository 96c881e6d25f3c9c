/*
 * protocols/ipv4/ipv4_impl.h — private interfaces between the files of the
 * IPv4 node (ipv4.c, reasm.c, frag.c, route.c, pool.c). Not for other nodes:
 * they use protocols/ipv4/ipv4.h and protocols/ipv4/ipv4_pool.h.
 */
#ifndef SPINDLE_PROTOCOLS_IPV4_IMPL_H
#define SPINDLE_PROTOCOLS_IPV4_IMPL_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/pktbuf.h"
#include "protocols/ipv4/ipv4_wire.h"
#include "netgraph/netif.h"

/* Counters of the "ipv4" node (one group for every file of the node). */
enum ipv4_ctr {
    IPV4_RX,                   /* valid datagrams raised on ipv4_PacketArrived */
    IPV4_TOO_SHORT,            /* fewer than 20 bytes after the link header */
    IPV4_BAD_VERSION,          /* version != 4 */
    IPV4_BAD_IHL,              /* IHL < 5 */
    IPV4_BAD_HDR_LEN,          /* IHL*4 larger than the bytes present */
    IPV4_BAD_TOTAL_LEN,        /* total length < IHL*4 */
    IPV4_TRUNCATED,            /* total length > the bytes present */
    IPV4_BAD_CSUM,             /* header checksum wrong (RFC 1071) */
    IPV4_MARTIAN_SRC_BCAST,    /* source 255.255.255.255 or one of our directed broadcasts */
    IPV4_MARTIAN_SRC_MCAST,    /* source in 224.0.0.0/4 */
    IPV4_MARTIAN_SRC_CLASS_E,  /* source in 240.0.0.0/4 */
    IPV4_MARTIAN_SRC_ZERO,     /* source in 0.0.0.0/8 to other than 255.255.255.255 */
    IPV4_MARTIAN_SRC_LOOPBACK, /* source in 127.0.0.0/8 (RFC 1122 3.2.1.3 (g)) */
    IPV4_MARTIAN_DST,          /* destination in 0.0.0.0/8, 127.0.0.0/8 or 240.0.0.0/4 */
    IPV4_RX_LOCAL,             /* datagrams (or fragments) for one of our addresses */
    IPV4_RX_BCAST,             /* ... of which broadcast */
    IPV4_NOT_FOR_US,           /* not local and no handler (router) took it */
    IPV4_DELIVERED,            /* whole datagrams raised on ipv4_LocalArrived */
    IPV4_NO_PROTO,             /* ... that no protocol took (protocol unreachable) */
    IPV4_FRAG_RX,              /* local fragments received */
    IPV4_REASM_OK,             /* datagrams reassembled */
    IPV4_REASM_BAD_FRAG,       /* fragment with MF and a length not a positive multiple of 8 */
    IPV4_REASM_OVERSIZE,       /* offset + length beyond 65535 bytes */
    IPV4_REASM_OVERLAP,        /* overlapping or inconsistent fragments: datagram dropped */
    IPV4_REASM_DUP,            /* exact duplicate fragment, ignored */
    IPV4_REASM_TIMEOUT,        /* datagrams dropped after IPV4_REASM_TIMEOUT_NS */
    IPV4_REASM_EVICTED,        /* datagrams dropped to keep IPV4_REASM_MAX_BYTES */
    IPV4_REASM_NOMEM,          /* no memory for a queue or the reassembled buffer */
    IPV4_TX,                   /* datagrams handed to ARP (unfragmented) */
    IPV4_TX_NO_ROUTE,          /* ipv4_send found no route */
    IPV4_TX_TOOBIG,            /* DF set and larger than the MTU, or over 65535 bytes */
    IPV4_TX_NOMEM,             /* no headroom or no buffer */
    IPV4_TX_BAD,               /* ipv4_output given a malformed datagram */
    IPV4_FRAG_OK,              /* datagrams sent fragmented */
    IPV4_FRAG_CREATED,         /* fragments sent */
    IPV4_FRAG_FAIL,            /* datagrams whose fragmentation failed */
    IPV4_MARTIAN_SRC_OURS,     /* source is one of our own addresses (RFC 1812 5.3.7) */
    IPV4_BAD_OPTIONS,          /* malformed option: dropped, parameter problem raised */
    IPV4_TX_TAKEN,             /* datagrams an ipv4.SendPacket interposer took over */
    IPV4_TX_VETOED,            /* datagrams an ipv4.SendPacket interposer refused */
    IPV4_NCTR
};
extern uint64_t ipv4_ctr[IPV4_NCTR];

/** ipv4_hdr_csum - RFC 1071 checksum of the @hlen-byte header @h, written into it. */
void ipv4_hdr_csum(uint8_t *h, uint16_t hlen);

/* forward_domain.c */
/** ipv4_forward_publish - create and publish the "ipv4-forward" domain; 0 or kns_publish's codes. */
int ipv4_forward_publish(void);
/** ipv4_forward_unpublish - withdraw it (capabilities granted stay valid). */
void ipv4_forward_unpublish(void);

/* options.c */
/**
 * ipv4_options_check - walk the options of the @hlen-byte header @h (20 <
 * @hlen <= 60, all present): RFC 791 3.1 lengths (at least 2, within the
 * header), record route and source routes (length >= 3, pointer >= 4 and
 * room for an address), timestamp (length >= 4, pointer >= 5, flag 0, 1
 * or 3, room for an entry), stream identifier (length 4). Returns 0 when
 * they are well formed, else the offset in bytes from the header's start
 * of the octet at fault (>= 20): the pointer of ICMP parameter problem
 * (RFC 792).
 */
unsigned ipv4_options_check(const uint8_t *h, unsigned hlen);

/* reasm.c: reassembly (RFC 815, sorted fragment list). */
/**
 * ipv4_reasm_input - add fragment @frag (its L3 view: the IPv4 header to the
 * total length; the caller keeps its reference, reassembly takes its own).
 * Returns the whole datagram in a fresh buffer (caller owns it) when this
 * fragment completed it, else NULL (held, or dropped and counted).
 */
struct pktbuf *ipv4_reasm_input(struct pktbuf *frag);
/** ipv4_reasm_fini - drop every queue, free every fragment, cancel timers. */
void ipv4_reasm_fini(void);
/** ipv4_reasm_held - bytes of buffer held by reassembly (sum of held blocks' sizes). */
uint32_t ipv4_reasm_held(void);

/* frag.c */
/**
 * ipv4_xmit - send complete datagram @pkt (data at the IPv4 header, header
 * valid) out of @ifp to @next_hop: as it is when it fits the MTU, else in
 * fragments (RFC 791 section 3.2 "Fragmentation"), or -KE_TOOBIG when DF is
 * set. Consumes @pkt.
 */
int ipv4_xmit(struct netif *ifp, uint32_t next_hop, struct pktbuf *pkt);

/* route.c */
/** ipv4_route_reset - forget every static route. */
void ipv4_route_reset(void);

/* pool.c */
/** ipv4_pool_fini - destroy the large-buffer pool if every buffer is back. */
void ipv4_pool_fini(void);

#endif
