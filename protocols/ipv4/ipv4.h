/*
 * protocols/ipv4/ipv4.h — IPv4 (RFC 791; host requirements RFC 1122 3.2.1;
 * reassembly after RFC 815 with a timeout and a memory bound).
 *
 * Installed on ether_PacketArrived with guard EtherType == 0x0800. Checks
 * version 4, IHL >= 5, total length against the frame (trims Ethernet
 * padding), the header checksum, and refuses broadcast, multicast (class D)
 * and class E sources and our own addresses as sources; options are
 * checked (malformed: dropped, ipv4.ParameterProblem raised) and skipped. Every valid datagram is raised
 * on ipv4_PacketArrived with PKT_F_L3_LOCAL set when the destination is ours
 * (or PKT_F_L3_BCAST for broadcast); a router installs there with a guard
 * "not local". The node then delivers the datagrams for us itself:
 * reassembled, on ipv4_LocalArrived, where ICMP, UDP and others install
 * with a guard on the protocol field (ipv4_guard_proto). A local datagram
 * nobody takes raises ipv4.ProtocolUnreachable (unless it was broadcast).
 *
 * Events carry the datagram as the L3 view (pkt_layer_ptr/len(PKT_L3): the
 * IPv4 header to the total length) and the L4 view past the options;
 * pkt->meta[PKT_META_IPV4_SRC/DST] hold the addresses. The data range is the
 * raiser's (the whole frame on receive): read the views, not pkt_data().
 */
#ifndef SPINDLE_PROTOCOLS_IPV4_H
#define SPINDLE_PROTOCOLS_IPV4_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/event.h"
#include "kernel/pktbuf.h"
#include "netgraph/netif.h"
#include "protocols/ipv4/ipv4_wire.h"

#define IPV4_DEFAULT_TTL 64
#define IPV4_REASM_TIMEOUT_NS (30ull * 1000000000ull) /* RFC 1122 3.3.2: 60-120 s; Linux 30 s */
#define IPV4_REASM_MAX_BYTES (256u * 1024u)           /* bytes held in all reassembly buffers */
#define IPV4_MAX_ROUTES 1024

/** ipv4_PacketArrived - every valid IPv4 datagram received (before the local/forward decision). */
KEVENT_DECLARE(ipv4_PacketArrived, struct pktbuf *);
/** ipv4_LocalArrived - a whole (reassembled) datagram for us; guard on the protocol. */
KEVENT_DECLARE(ipv4_LocalArrived, struct pktbuf *);

/**
 * ipv4_ProtocolUnreachable - a whole datagram for us (not broadcast) whose
 * protocol no handler of ipv4.LocalArrived recognised (RFC 1122 3.2.2.1).
 * Data at its IPv4 header, L3 and L4 set; the raiser keeps the buffer. The
 * ICMP node answers it with destination unreachable, protocol (RFC 792)
 * and returns KH_TAKEN when it sent that, negative when it may not (RFC
 * 1122 3.2.2, rate limit). Combiner: kevent_combine_first_error.
 */
KEVENT_DECLARE(ipv4_ProtocolUnreachable, struct pktbuf *);
/**
 * ipv4_ReassemblyTimeout - a datagram's reassembly timed out while its
 * first fragment (offset 0) was held (RFC 1122 3.3.2: IPV4_REASM_TIMEOUT_NS).
 * The argument is that fragment, data at its IPv4 header; the raiser frees
 * it after the raise. The ICMP node answers with time exceeded, fragment
 * reassembly (RFC 792 type 11 code 1). Combiner: kevent_combine_first_error.
 */
KEVENT_DECLARE(ipv4_ReassemblyTimeout, struct pktbuf *);

/**
 * The argument of ipv4.ParameterProblem: a received datagram (L3 view: its
 * header to the total length, flags PKT_F_L3_* set; the raiser keeps the
 * buffer) and the offset in bytes from the start of its header of the
 * octet at fault (RFC 792 "Pointer").
 */
struct ipv4_param_problem {
    struct pktbuf *pkt;
    uint8_t pointer;
};
/**
 * ipv4_ParameterProblem - a datagram was discarded because of a malformed
 * header option (RFC 1122 3.2.1.8, RFC 1812 5.2.5), whether it was for us
 * or to be forwarded. The ICMP node answers with parameter problem, code 0,
 * the pointer in the first octet of the rest-of-header word (RFC 792
 * type 12), when RFC 1122 3.2.2 allows an error. Not a packet event: guards
 * are C predicates. Combiner: kevent_combine_first_error.
 */
KEVENT_DECLARE(ipv4_ParameterProblem, struct ipv4_param_problem *);

struct kcapset;

/**
 * ipv4_forward_install_granted - install @fn(@ctx) on ipv4_PacketArrived for
 * a client holding capabilities @caps: the install procedure of the
 * "ipv4-forward" domain (protocols/ipv4/forward_domain.c), which the IPv4
 * node publishes with scope = interface indexes 0..NETIF_MAX-1. The client
 * needs an "ipv4-forward" capability with KCAP_IMPORT; the node imposes
 * "destination not ours (PKT_F_L3_LOCAL clear) AND arrival interface
 * within the capability's scope" as the guard's C predicate, ANDed with
 * the field tests and BPF of @g (which must carry no predicate of its
 * own). So a router granted ipv4-forward:0 never sees what arrives on
 * interface 1. Returns kevent_install's codes, -KE_PERM (no such
 * capability), -KE_EXIST (@g has a predicate).
 */
int ipv4_forward_install_granted(const struct kcapset *caps, ipv4_PacketArrived_fn fn, void *ctx,
                                 const struct kguard *g, const struct khandler_props *props,
                                 struct khandler **out);
/**
 * ipv4_forward_granted - true when @caps holds an "ipv4-forward" capability
 * covering interface @ifindex (a router checks its output interface).
 */
bool ipv4_forward_granted(const struct kcapset *caps, uint16_t ifindex);

/**
 * ipv4_SendPacket - raised by ipv4_send() for every datagram it sends, once
 * routed and with its header complete (checksum valid), before ARP and
 * fragmentation: data at the IPv4 header, L3 and L4 set, len = total
 * length, ifindex = the output interface. Interposers guard on the header
 * (ip dst, protocol, ports at L4) and may send further datagrams with
 * ipv4_output(), which does not raise this event (SPIN's multicast by
 * interposition: one send turned into one copy per client). One that returns
 * KH_TAKEN has taken over the datagram (pkt_ref() to keep it: the raiser frees
 * its reference); the first negative result vetoes it (ipv4_send returns it).
 * Forwarded datagrams (ipv4_output) are not raised. Combiner:
 * kevent_combine_first_error.
 */
KEVENT_DECLARE(ipv4_SendPacket, struct pktbuf *);

/** ipv4_init - install the IPv4 node and register counters. */
int ipv4_init(void);
/** ipv4_fini - remove it; frees reassembly state and routes. */
void ipv4_fini(void);

/** ipv4_guard_proto - a guard "protocol == @proto" (L3 offset 9, 1 byte). */
struct kguard ipv4_guard_proto(uint8_t proto);

/** Options of ipv4_send(); a NULL pointer means all defaults. */
struct ipv4_send_opts {
    uint8_t ttl; /* 0: IPV4_DEFAULT_TTL */
    uint8_t tos;
    bool df;     /* set Don't Fragment (then a too-big datagram is refused) */
    uint16_t id; /* 0: next from the node's counter */
};

/**
 * ipv4_send - prepend an IPv4 header to @pkt (data at the transport header),
 * route it, fragment it to the interface MTU if needed (RFC 791 3.2), and
 * hand it to ARP. @src 0 chooses the outgoing interface's address. Addresses
 * in host order. Consumes @pkt. Returns 0, -KE_UNREACH (no route),
 * -KE_TOOBIG (DF and larger than the MTU), -KE_NOMEM.
 */
int ipv4_send(struct pktbuf *pkt, uint32_t src, uint32_t dst, uint8_t proto,
              const struct ipv4_send_opts *opts);

/**
 * ipv4_source_for - the source address a datagram to @dst (host order)
 * leaves with: the address of the routed interface on the subnet of @dst (or
 * of its next hop), else that interface's first address (RFC 1122 3.3.4.3,
 * as ipv4_send chooses it). 0 when there is no route or no address.
 */
uint32_t ipv4_source_for(uint32_t dst);

/**
 * ipv4_output - send a complete datagram (data at the IPv4 header, header
 * checksum valid) out of @ifp towards @next_hop, fragmenting if larger than
 * the MTU. The header lies in @pkt itself; the rest may follow in chained
 * segments (kernel/pktbuf.h pkt_chain: a header buffer in front of a shared
 * payload). Consumes @pkt. For the router and interposers on
 * ipv4.SendPacket: the header is not rebuilt.
 */
int ipv4_output(struct netif *ifp, uint32_t next_hop, struct pktbuf *pkt);

/** A route. Host order. gateway 0 = directly connected. */
struct ipv4_route {
    uint32_t prefix;
    uint8_t plen;
    uint32_t gateway;
    uint16_t ifindex;
};
/**
 * ipv4_route_add - add or replace a route. -KE_INVAL (host bits set, plen >
 * 32, or a gateway that is one of our own or a broadcast address),
 * -KE_TOOBIG.
 */
int ipv4_route_add(const struct ipv4_route *r);
/** ipv4_route_del - delete the route for exactly @prefix/@plen. -KE_NOENT. */
int ipv4_route_del(uint32_t prefix, uint8_t plen);
/**
 * ipv4_route_lookup - longest-prefix match for @dst, connected subnets of
 * interface addresses included. Returns 0 and *@out, or -KE_UNREACH.
 */
int ipv4_route_lookup(uint32_t dst, struct ipv4_route *out);
/** ipv4_route_foreach - every static route, then every connected one. */
void ipv4_route_foreach(void (*cb)(const struct ipv4_route *r, bool connected, void *ctx),
                        void *ctx);

/**
 * ipv4_wire_len - the largest datagram, in bytes, that the datagram at
 * @pkt's L3 view becomes on the wire: its total length, or for a TCP
 * super-frame (PKT_F_GSO_TCPV4) the IPv4 and TCP headers plus gso_size,
 * since it leaves cut into segments (netgraph/offload.c). What MTU checks
 * (forwarding, fragmentation) compare.
 */
uint32_t ipv4_wire_len(const struct pktbuf *pkt);

/** Header field accessors on a packet whose L3 is set (host order). */
uint32_t ipv4_src(const struct pktbuf *pkt);
uint32_t ipv4_dst(const struct pktbuf *pkt);
uint8_t ipv4_proto(const struct pktbuf *pkt);
/** ipv4_hdr_len - IHL * 4, in bytes. */
uint16_t ipv4_hdr_len(const struct pktbuf *pkt);

#endif
