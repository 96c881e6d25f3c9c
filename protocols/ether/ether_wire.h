/*
 * protocols/ether/ether_wire.h — the Ethernet II frame as it is on the wire
 * (IEEE 802.3-2018 clause 3.2: destination, source, Length/Type; clause
 * 3.2.6: a value >= 0x0600 is an EtherType; clause 3.2.3: the I/G bit, bit 0
 * of the first destination octet, marks group addresses). Offsets in bytes
 * from the start of the header; multi-byte fields in network byte order.
 * Definitions only: any folder may include it (protocols, drivers, guards,
 * tests).
 */
#ifndef SPINDLE_PROTOCOLS_ETHER_WIRE_H
#define SPINDLE_PROTOCOLS_ETHER_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#define ETHER_ADDR_LEN 6
#define ETHER_OFF_DST 0
#define ETHER_OFF_SRC 6
#define ETHER_OFF_TYPE 12 /* Length/Type, 2 bytes */
#define ETHER_HDR_LEN 14u
#define ETHER_MIN_FRAME 60           /* bytes without FCS; shorter frames are padded on send */
#define ETHER_MAX_FRAME 1514u        /* bytes without FCS, 1500-byte payload */
#define ETHER_MAX_TAGGED_FRAME 1518u /* ... and one 802.1Q tag (IEEE 802.1Q 9.3) */
#define ETHER_FCS_LEN 4
#define ETHER_TYPE_MIN 0x0600u /* smaller values are 802.3 lengths, not EtherTypes */

/* EtherTypes (IEEE Registration Authority). */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_AAL5 0x88b5 /* IEEE 802 Local Experimental EtherType 1: the raw path */

/** ether_addr_is_group - true for a group (multicast or broadcast) address: the I/G bit. */
static inline bool ether_addr_is_group(const uint8_t *a)
{
    return (a[0] & 0x01u) != 0;
}

/** ether_addr_is_bcast - true for ff:ff:ff:ff:ff:ff. */
static inline bool ether_addr_is_bcast(const uint8_t *a)
{
    return (a[0] & a[1] & a[2] & a[3] & a[4] & a[5]) == 0xffu;
}

#endif
