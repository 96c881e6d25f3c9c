/*
 * protocols/icmp/icmp_wire.h — ICMP messages for IPv4 as they are on the
 * wire (RFC 792; RFC 1191 for the next-hop MTU; RFC 1812 4.3.2.3 for the
 * error length). Offsets in bytes from the start of the ICMP header;
 * multi-byte fields in network byte order. Definitions only: any folder may
 * include it.
 */
#ifndef SPINDLE_PROTOCOLS_ICMP_WIRE_H
#define SPINDLE_PROTOCOLS_ICMP_WIRE_H

#define ICMP_OFF_TYPE 0
#define ICMP_OFF_CODE 1
#define ICMP_OFF_CSUM 2
#define ICMP_OFF_ID 4   /* echo: identifier */
#define ICMP_OFF_SEQ 6  /* echo: sequence number */
#define ICMP_OFF_INFO 4 /* errors: the 32-bit "unused" word (gateway, pointer, MTU) */
#define ICMP_HDR_LEN 8  /* type, code, checksum, 4 bytes of rest-of-header */

/* Types and codes (RFC 792, RFC 1812 5.2.7). */
#define ICMP_ECHOREPLY 0
#define ICMP_UNREACH 3
#define ICMP_UNREACH_NET 0
#define ICMP_UNREACH_HOST 1
#define ICMP_UNREACH_PROTOCOL 2
#define ICMP_UNREACH_PORT 3
#define ICMP_UNREACH_NEEDFRAG 4
#define ICMP_REDIRECT 5
#define ICMP_REDIRECT_HOST 1
#define ICMP_ECHO 8
#define ICMP_TIMXCEED 11
#define ICMP_TIMXCEED_INTRANS 0
#define ICMP_TIMXCEED_REASS 1
#define ICMP_PARAMPROB 12
#define ICMP_PARAMPROB_ERRATPTR 0

/** Bytes of the original datagram quoted: the error is at most 576 bytes (RFC 1812 4.3.2.3). */
#define ICMP_ERR_MAX_LEN 576u

#endif
