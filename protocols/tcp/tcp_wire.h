/*
 * protocols/tcp/tcp_wire.h — the TCP header as it is on the wire (RFC 9293
 * section 3.1). spindle terminates no TCP; it forwards it, and cuts
 * TCP/IPv4 super-frames (TSO, kernel/pktbuf.h PKT_F_GSO_TCPV4) for devices
 * that cannot. Offsets in bytes from the start of the header; fields in
 * network byte order. Definitions only: any folder may include it.
 */
#ifndef SPINDLE_PROTOCOLS_TCP_WIRE_H
#define SPINDLE_PROTOCOLS_TCP_WIRE_H

#define TCP_OFF_SPORT 0
#define TCP_OFF_DPORT 2
#define TCP_OFF_SEQ 4
#define TCP_OFF_ACK 8
#define TCP_OFF_DOFF 12 /* data offset in 32-bit words (high nibble) */
#define TCP_OFF_FLAGS 13
#define TCP_OFF_WINDOW 14
#define TCP_OFF_CSUM 16
#define TCP_OFF_URG 18
#define TCP_HDR_LEN 20 /* without options */
#define IPPROTO_TCP 6

#define TCP_F_FIN 0x01
#define TCP_F_SYN 0x02
#define TCP_F_RST 0x04
#define TCP_F_PSH 0x08
#define TCP_F_ACK 0x10
#define TCP_F_URG 0x20
#define TCP_F_ECE 0x40
#define TCP_F_CWR 0x80

#endif
