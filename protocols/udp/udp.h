/*
 * protocols/udp/udp.h — UDP (RFC 768; RFC 1122 4.1).
 *
 * Installed on ipv4_LocalArrived with guard protocol == 17. Checks the
 * length field against the IP payload (trims IP padding beyond it) and the
 * checksum over the pseudo-header (a zero checksum means none was sent).
 * Raises udp_PacketArrived with the views set: L3 the IPv4 datagram, L4 the
 * UDP datagram (Length bytes), L5 its payload, and the addresses and ports
 * in pkt->meta (udp_parse reads them; nothing is parsed twice). Extensions
 * install on it with a guard on the destination port (udp_guard_dport).
 * The combiner counts every result that is not KH_PASS, so a listener that
 * drops a malformed message still owns its port. A datagram that no
 * handler takes (combined result 0) raises udp.PortUnreachable, unless it
 * was broadcast or multicast.
 */
#ifndef SPINDLE_PROTOCOLS_UDP_H
#define SPINDLE_PROTOCOLS_UDP_H

#include <stdint.h>
#include "kernel/event.h"
#include "kernel/pktbuf.h"
#include "protocols/udp/udp_wire.h"

/** udp_PacketArrived - a valid datagram for us; read it with udp_parse() or the L4/L5 views. */
KEVENT_DECLARE(udp_PacketArrived, struct pktbuf *);

/**
 * udp_PortUnreachable - a valid datagram for us (not broadcast or
 * multicast) that no handler of udp.PacketArrived recognised (RFC 1122
 * 4.1.3.1). Data at its IPv4 header, L3 and L4 set; the raiser keeps the
 * buffer. The ICMP node answers it with destination unreachable, port, and
 * returns KH_TAKEN when it sent that. Combiner: kevent_combine_first_error.
 */
KEVENT_DECLARE(udp_PortUnreachable, struct pktbuf *);

/** udp_init - install the UDP node and register counters. */
int udp_init(void);
/** udp_fini - remove it. */
void udp_fini(void);

/** udp_guard_dport - a guard "destination port == @port" (L4 offset 2, 2 bytes). */
struct kguard udp_guard_dport(uint16_t port);
/**
 * udp_guard_service - the guard of a UDP service on @port (0: any port):
 * "destination port == @port" and, unless @bcast, "sent to one of our
 * addresses, not to a broadcast or multicast one" (IP or link layer; a C
 * predicate). RFC 1122 3.2.2.6 lets a host ignore echo requests to
 * broadcast addresses; a service answering them would be an amplifier.
 * What udp_ext_install uses, for an extension that installs its own handler.
 */
struct kguard udp_guard_service(uint16_t port, bool bcast);

/** Fields of a received datagram (host order), from udp_parse(). */
struct udp_info {
    uint32_t src, dst; /* IPv4 addresses */
    uint16_t sport, dport;
    const uint8_t *payload;
    uint16_t payload_len; /* bytes */
};
/**
 * udp_parse - the fields of @pkt as raised on udp_PacketArrived (or any
 * later event that carries it), from what the UDP node recorded: no header
 * is read again. @out->payload points into @pkt's block.
 */
void udp_parse(const struct pktbuf *pkt, struct udp_info *out);

/**
 * udp_send - prepend a UDP header to @pkt (data = payload, at least 28 + 14
 * bytes of headroom), compute the checksum, and send with ipv4_send.
 * Addresses and ports in host order; @src 0 chooses the interface address.
 * Consumes @pkt. Returns 0 or ipv4_send's error.
 */
int udp_send(struct pktbuf *pkt, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport);

/**
 * udp_reply - send @len bytes at @data back to the sender of @req (as raised
 * on udp_PacketArrived): addresses and ports swapped, from the address the
 * request was sent to. Allocates with ipv4_pkt_alloc() (protocols/ipv4/
 * ipv4_pool.h): the default pool when the datagram fits one block, else the
 * large reassembly pool, and IPv4 fragments it on output. Returns 0,
 * -KE_NOMEM, or udp_send's error.
 */
int udp_reply(const struct pktbuf *req, const void *data, uint16_t len);

struct kcapset;

/**
 * udp_install_granted - install @fn on udp_PacketArrived for a client that
 * holds the capabilities @caps: UDP's exported install procedure with an
 * imposed guard (SPIN's imposed guards, Bershad et al. SOSP 1995: a module
 * exporting an event ANDs its own guard onto every client's).
 *
 * The client needs a capability named "udp" with KCAP_IMPORT (obtained from
 * the name service, kernel/nameservice.h, where udp_init publishes the "udp"
 * domain with scope = destination ports 0..65535). The node ANDs "destination
 * port within the capability's ports" (one equality test for a single port,
 * which the guard compiler merges with the others; a >=/<= pair for a range;
 * nothing for all ports) onto the client's guard @g, so the handler never
 * sees a datagram for a port it was not granted, whatever @g asks for. When
 * @g itself pins the destination port (an equality test on L4 offset 2,
 * width 2, mask 0xffff), the capability covering that port is used; if
 * none does, the install is refused. Otherwise the first "udp" capability
 * in @caps is used.
 *
 * Returns kevent_install's codes, or -KE_PERM (no "udp" capability in @caps,
 * or none covering the port @g pins), -KE_TOOBIG (the client's guard has no
 * room for the imposed tests).
 */
int udp_install_granted(const struct kcapset *caps, udp_PacketArrived_fn fn, void *ctx,
                        const struct kguard *g, const struct khandler_props *props,
                        struct khandler **out);

struct kext;

/**
 * udp_ext_install - install @fn(@ctx) on udp_PacketArrived for extension
 * instance @x (netgraph/extension.h) through udp_install_granted: with the
 * instance's capabilities, its handler properties (mode=), and the guard
 * "destination port == port=" (when the instance has a port) AND its guard=
 * expression (when given) AND, unless it said bcast=yes, "sent to one of
 * our addresses, not to a broadcast or multicast one" (a C predicate; RFC
 * 1122 3.2.2.6 as for ICMP echo). The handler is removed with the instance.
 * Returns 0 or udp_install_granted's codes (-KE_PERM: the port is not
 * granted), -KE_TOOBIG (guard too long).
 */
int udp_ext_install(struct kext *x, udp_PacketArrived_fn fn, void *ctx);

#endif
