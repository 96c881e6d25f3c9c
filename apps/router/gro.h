/*
 * apps/router/gro.h — receive coalescing of forwarded TCP/IPv4 segments
 * (the router's GRO): consecutive in-order segments of one TCP connection
 * in one receive burst, leaving by the same interface to the same next
 * hop, become one TCP/IPv4 super-frame (kernel/pktbuf.h PKT_F_GSO_TCPV4)
 * that the output device cuts again (virtio-net HOST_TSO4, OASIS virtio
 * 1.1 5.1.6.2), so the device moves one large frame instead of many small
 * ones. A pure library: the router (output.c) offers it datagrams and
 * sends what it emits.
 *
 * Which segments merge (the rules of Linux's GRO, net/ipv4/tcp_offload.c
 * tcp_gro_receive and net/ipv4/af_inet.c inet_gro_receive, so a super-frame
 * cut again by TSO gives back the very segments that arrived, RFC 9293
 * 3.1 header fields):
 *   - IPv4 without options (IHL 5), not a fragment (MF clear, offset 0),
 *     protocol TCP, the TCP header within the datagram, payload > 0;
 *   - the segment that starts a super-frame has ACK set and none of SYN,
 *     FIN, RST, URG, CWR, PSH (ECE allowed);
 *   - a segment joins it when: same source and destination address and
 *     ports, same output interface and next hop; sequence number = the
 *     previous one's + its payload; IPv4 identification = the previous
 *     one's + 1; TOS, TTL and DF equal; the TCP flags, data offset and
 *     window equal to the first's except PSH, acknowledgment number equal,
 *     option bytes equal; payload <= the first's payload (the MSS,
 *     gso_size); at most GRO_MAX_SEGS segments and IPV4_MAX_LEN bytes;
 *   - a joining segment with PSH, or shorter than the MSS, is the last: the
 *     super-frame is emitted after it (Linux flushes then too);
 *   - a segment whose TCP checksum is wrong never merges (the device
 *     recomputes the checksum of what it cuts, which would hide the
 *     damage): the held frames of its flow are emitted and it is sent as
 *     it came. Checksums are verified only when a merge happens, and not
 *     when the device marked them valid (PKT_F_CSUM_VALID).
 * A TCP segment that cannot join its connection's held frames (out of
 * order, FIN, a new ack, ...) has those emitted first, so the order within
 * a connection is kept; different connections may pass each other.
 *
 * Zero copy: the first segment's buffer becomes the super-frame's head
 * (IPv4 total length and header checksum rewritten, the TCP checksum field
 * the pseudo-header sum with PKT_F_CSUM_PARTIAL, csum_start at the TCP
 * header counting a 14-byte Ethernet header the transmit path prepends);
 * each further segment's buffer is chained behind it (pkt_chain) with its
 * data narrowed to its payload. The device gathers the chain (one
 * descriptor per buffer).
 */
#ifndef SPINDLE_APPS_ROUTER_GRO_H
#define SPINDLE_APPS_ROUTER_GRO_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/pktbuf.h"

/** Connections held at once; one more emits the oldest (Linux holds 8 per list). */
#define GRO_MAX_FLOWS 8u
/**
 * Segments per super-frame: virtio-net sends a chain of at most 16 buffers
 * as it is (drivers/virtio/virtio_net_priv.h VNET_TX_MAX_SEGS) and would
 * have to linearize a longer one into a block that does not exist.
 */
#define GRO_MAX_SEGS 16u

/** Counters a gro_table keeps (the router exports them as its own). */
enum gro_ctr {
    GRO_MERGED,   /* segments appended to a super-frame (frames the device does not see) */
    GRO_FLUSHES,  /* super-frames emitted (two segments or more) */
    GRO_BAD_CSUM, /* segments not merged: TCP checksum wrong */
    GRO_CHECKED,  /* TCP checksums verified in software (not PKT_F_CSUM_VALID) */
    GRO_NCTR
};

/** Segments of one connection held during a transmit pass. */
struct gro_flow {
    struct pktbuf *head; /* the first segment, its L3 view the datagram; the rest chained */
    struct pktbuf *tail; /* the last buffer of the chain */
    uint32_t src, dst;   /* IPv4 addresses, network byte order as in the header */
    uint32_t ports;      /* source and destination port, the header's 4 bytes */
    uint32_t next_seq;   /* the sequence number the next segment must carry (host order) */
    uint32_t next_hop;   /* host order */
    uint32_t total;      /* IPv4 total length of the super-frame so far, bytes */
    uint16_t ifindex;    /* output interface */
    uint16_t next_id;    /* IPv4 identification the next segment must carry */
    uint16_t mss;        /* payload bytes of the first segment: gso_size */
    uint8_t nseg;        /* segments held */
    bool psh;            /* a merged segment had PSH: set it on the super-frame */
    bool verified;       /* the head's TCP checksum was checked (or is known good) */
};

/** The held connections of one transmit pass. Zeroed = empty. */
struct gro_table {
    unsigned n; /* flows held, oldest first */
    struct gro_flow f[GRO_MAX_FLOWS];
    uint64_t *ctr; /* GRO_NCTR counters (enum gro_ctr), or NULL */
};

/**
 * gro_emit_fn - send datagram @pkt (the caller's reference, given up; data
 * at its L3 view, TTL not yet decremented) out of @ifindex to @next_hop
 * (host order): a segment unchanged, or a super-frame.
 */
typedef void (*gro_emit_fn)(void *ctx, struct pktbuf *pkt, uint16_t ifindex, uint32_t next_hop);

/**
 * gro_offer - offer datagram @pkt for coalescing: the holder's only
 * reference (pkt_writable), an IPv4 datagram the IPv4 node validated (L3
 * view the datagram, L4 view its payload; header checksum good), a single
 * buffer, leaving by @ifindex (whose port takes TSO4, partial checksums and
 * chained buffers: the caller checks) towards @next_hop. Returns true when
 * the table took the reference (held, merged, or emitted through @emit with
 * its flow); false when the caller keeps it and must send it itself, after
 * the frames of its connection held so far, which @emit(@ctx, ...) has
 * then been given. Never fails otherwise: what cannot merge is emitted
 * unchanged.
 */
bool gro_offer(struct gro_table *t, struct pktbuf *pkt, uint16_t ifindex, uint32_t next_hop,
               gro_emit_fn emit, void *ctx);

/**
 * gro_flush - emit every held connection through @emit(@ctx, ...), oldest
 * first: a lone segment unchanged, two or more as one super-frame. The
 * table is empty afterwards. Call it at the end of every transmit pass:
 * nothing is held across receive bursts.
 */
void gro_flush(struct gro_table *t, gro_emit_fn emit, void *ctx);

#endif
