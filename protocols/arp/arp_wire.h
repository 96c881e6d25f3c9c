/*
 * protocols/arp/arp_wire.h — the ARP packet for IPv4 over Ethernet (RFC 826
 * "Packet format": ar$hrd, ar$pro, ar$hln, ar$pln, ar$op, ar$sha, ar$spa,
 * ar$tha, ar$tpa). Offsets in bytes from the start of the ARP packet (the
 * Ethernet payload); multi-byte fields in network byte order. Definitions
 * only: any folder may include it.
 */
#ifndef SPINDLE_PROTOCOLS_ARP_WIRE_H
#define SPINDLE_PROTOCOLS_ARP_WIRE_H

#define ARP_OFF_HTYPE 0 /* ar$hrd: hardware type, 2 bytes */
#define ARP_OFF_PTYPE 2 /* ar$pro: protocol type (an EtherType), 2 bytes */
#define ARP_OFF_HLEN 4  /* ar$hln: 6 for Ethernet */
#define ARP_OFF_PLEN 5  /* ar$pln: 4 for IPv4 */
#define ARP_OFF_OP 6    /* ar$op, 2 bytes */
#define ARP_OFF_SHA 8   /* sender hardware address, 6 bytes */
#define ARP_OFF_SPA 14  /* sender protocol address, 4 bytes */
#define ARP_OFF_THA 18  /* target hardware address, 6 bytes */
#define ARP_OFF_TPA 24  /* target protocol address, 4 bytes */
#define ARP_PKT_LEN 28  /* bytes, for Ethernet and IPv4 */

#define ARP_HTYPE_ETHER 1 /* Ethernet (10Mb), IANA ARP hardware types */
#define ARP_PLEN_IPV4 4
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

#endif
