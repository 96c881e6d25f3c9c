/*
 * protocols/icmp/icmp.h — ICMP for IPv4 (RFC 792; RFC 1122 3.2.2; error rate
 * limiting as RFC 1812 4.3.2.8).
 *
 * Installed on ipv4_LocalArrived with guard protocol == 1. Verifies the
 * checksum, answers echo requests with echo replies (same identifier,
 * sequence number and data), counts the rest. Errors found by the layers
 * below reach it as their events (ipv4.ProtocolUnreachable,
 * ipv4.ReassemblyTimeout, udp.PortUnreachable), which it answers with the
 * ICMP error; extensions above (the router) call icmp_send_error().
 */
#ifndef SPINDLE_PROTOCOLS_ICMP_H
#define SPINDLE_PROTOCOLS_ICMP_H

#include <stdint.h>
#include "kernel/event.h"
#include "kernel/pktbuf.h"
#include "protocols/icmp/icmp_wire.h"

/** Error rate limit: a token bucket (RFC 1812 4.3.2.8). */
#define ICMP_ERR_BURST 10u                         /* tokens */
#define ICMP_ERR_INTERVAL_NS (100ull * 1000000ull) /* one token per interval */

/**
 * icmp_ErrorArrived - an ICMP error message for us: destination unreachable,
 * time exceeded or parameter problem (RFC 792), checksum verified, quoting at
 * least the original datagram's 20-byte IPv4 header and 8 bytes beyond it
 * (RFC 792: "Internet Header + 64 bits of Original Data Datagram"). RFC 1122
 * 4.1.3.3 and 3.2.2 ask that such errors reach the transport and the
 * application that sent the datagram; handlers (an extension that sends, say)
 * guard on the type and code (L4 offsets ICMP_OFF_TYPE, ICMP_OFF_CODE) and
 * read the quote themselves. Data at the outer IPv4 header, L3 set, L4 at the
 * ICMP header; the quoted datagram starts ICMP_HDR_LEN bytes after L4 (its
 * IHL is not checked: a handler checks it against pkt_layer_len). The raiser
 * keeps the buffer (pkt_ref to keep it). Combiner: count of KH_TAKEN.
 */
KEVENT_DECLARE(icmp_ErrorArrived, struct pktbuf *);

/** icmp_init - install the ICMP node and register counters. */
int icmp_init(void);
/** icmp_fini - remove it. */
void icmp_fini(void);

/**
 * icmp_send_error - send ICMP error @type/@code about datagram @orig (data at
 * its IPv4 header, L3 set; not consumed) back to its source. @info is the
 * 32-bit "unused" word (next-hop MTU in its low 16 bits for NEEDFRAG, RFC
 * 1191). Quotes the original's IP header and as much data as keeps the error
 * within 576 bytes. Never about an ICMP error, a non-first fragment, a
 * broadcast/multicast destination or source (RFC 1122 3.2.2). Returns 0,
 * -KE_AGAIN (rate limited, counted), -KE_INVAL (must not answer), -KE_NOMEM,
 * or ipv4_send's error (e.g. -KE_UNREACH).
 */
int icmp_send_error(const struct pktbuf *orig, uint8_t type, uint8_t code, uint32_t info);

#endif
