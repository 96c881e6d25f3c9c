/*
 * protocols/ether/ether.h — Ethernet II (IEEE 802.3 clause 3.2.6 Length/Type
 * >= 0x0600), the first node of the protocol graph.
 *
 * Installed on dev_PacketArrived. Accepts frames addressed to the
 * interface's MAC, to broadcast, or to a multicast group (flagged); counts
 * and drops the rest, and frames shorter than the 14-byte header or with a
 * Length (not Type) field. Then raises ether_PacketArrived with data at the
 * Ethernet header, PKT_L2 and PKT_L3 set. Protocols install on it with a
 * guard on the EtherType: ether_guard_type().
 */
#ifndef SPINDLE_PROTOCOLS_ETHER_H
#define SPINDLE_PROTOCOLS_ETHER_H

#include <stdint.h>
#include "kernel/event.h"
#include "kernel/pktbuf.h"
#include "netgraph/netif.h"
#include "protocols/ether/ether_wire.h"

extern const uint8_t ether_broadcast[ETHER_ADDR_LEN];

/**
 * ether_PacketArrived - a frame for us; data at the Ethernet header, L2 and L3
 * set. Its combiner counts every result that is not KH_PASS, so a protocol
 * that drops a malformed frame (negative result) is not also counted as
 * unknown_type.
 */
KEVENT_DECLARE(ether_PacketArrived, struct pktbuf *);
/**
 * ether_SendPacket - raised for every frame about to leave (data at the
 * Ethernet header, ifindex = output interface). Interposers observe; one
 * that returns KH_TAKEN has taken over the frame and must pkt_ref() it; the
 * first negative result vetoes the frame (ether_send returns it, counted
 * tx_vetoed). Otherwise the frame goes to the interface's port.
 */
KEVENT_DECLARE(ether_SendPacket, struct pktbuf *);

/** ether_init - install the Ethernet node on dev_PacketArrived and register counters. */
int ether_init(void);
/** ether_fini - remove it. */
void ether_fini(void);

/** ether_guard_type - a guard "EtherType == @type" (L2 offset 12, 2 bytes). */
struct kguard ether_guard_type(uint16_t type);

/**
 * ether_send - prepend an Ethernet II header (dst @dst, src = @ifp's MAC,
 * @ethertype host order) to @pkt (data at the L3 header), pad to 60 bytes,
 * raise ether_SendPacket and transmit. A shared @pkt (refcnt > 1) is copied,
 * never written. Consumes @pkt. Returns 0, -KE_NOMEM (no headroom or no
 * buffer for the copy), an interposer's veto, or the port's error.
 */
int ether_send(struct netif *ifp, const uint8_t dst[ETHER_ADDR_LEN], uint16_t ethertype,
               struct pktbuf *pkt);

#endif
