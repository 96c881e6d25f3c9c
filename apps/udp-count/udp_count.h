/*
 * apps/udp-count/udp_count.h — count UDP datagrams and bytes per destination
 * port, as an extension.
 *
 * Configuration: "extension udp-count [port=N] [guard=\"EXPR\"] [grant=SPEC]".
 *  - with port=N (1..65535): the listener of port N. One handler on
 *    udp_PacketArrived with guard udp_guard_dport(N); it returns KH_TAKEN,
 *    so datagrams to N get no ICMP port unreachable. Counters under node
 *    "udp-count:N".
 *  - without port: an observer of every datagram. One guard-less handler
 *    returning KH_PASS (port unreachable is still sent where nobody
 *    listens). Counters under node "udp-count".
 * N lines install N independent instances.
 *
 * Counters of an instance: "datagrams" and "bytes" (UDP payload bytes) in
 * total; "portP_datagrams" and "portP_bytes" for each of the first
 * UDP_COUNT_PORTS destination ports P seen; the rest under
 * "other_datagrams" and "other_bytes".
 */
#ifndef SPINDLE_APPS_UDP_COUNT_H
#define SPINDLE_APPS_UDP_COUNT_H

/** Destination ports counted separately by one instance. */
#define UDP_COUNT_PORTS 16

#endif
