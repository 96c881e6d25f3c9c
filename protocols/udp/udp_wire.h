/*
 * protocols/udp/udp_wire.h — the UDP header as it is on the wire (RFC 768).
 * Offsets in bytes from the start of the header; fields in network byte
 * order. Definitions only: any folder may include it.
 */
#ifndef SPINDLE_PROTOCOLS_UDP_WIRE_H
#define SPINDLE_PROTOCOLS_UDP_WIRE_H

#define UDP_OFF_SPORT 0
#define UDP_OFF_DPORT 2
#define UDP_OFF_LEN 4  /* header and data, bytes */
#define UDP_OFF_CSUM 6 /* 0: no checksum was computed */
#define UDP_HDR_LEN 8
/** Largest payload: the 16-bit Length field covers the 8-byte header. */
#define UDP_MAX_PAYLOAD (0xffffu - UDP_HDR_LEN)

#endif
