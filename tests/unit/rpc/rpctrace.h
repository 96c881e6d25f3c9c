/*
 * tests/unit/rpc/rpctrace.h — the UDP datagrams of a captured trace, for
 * feeding RPC calls into the engine: Ethernet/IPv4/UDP frames read with
 * libpcap, IPv4 fragments reassembled (RFC 791), other frames skipped.
 * Hosted test code.
 */
#ifndef SPINDLE_TESTS_RPCTRACE_H
#define SPINDLE_TESTS_RPCTRACE_H

#include <stddef.h>
#include <stdint.h>

/** One UDP datagram of a trace. Addresses and ports in host order. */
struct rt_dgram {
    unsigned frame; /* number of its last frame in the trace, from 0 */
    uint8_t src_mac[6];
    uint32_t src, dst;
    uint16_t sport, dport;
    uint8_t *data; /* UDP payload (malloc'ed) */
    size_t len;
};

/** A trace's datagrams in the order they completed. */
struct rt_trace {
    struct rt_dgram *d;
    size_t n;
    unsigned frames; /* frames in the file */
};

/** rt_load - read @name (e.g. "rpc-rpcinfo-dump.pcap") from testkit_traces(); asserts on errors. */
void rt_load(struct rt_trace *t, const char *name);
/** rt_free - release what rt_load allocated. */
void rt_free(struct rt_trace *t);
/** rt_xid - the first word of a datagram (an RPC xid), 0 when shorter than 4 bytes. */
uint32_t rt_xid(const struct rt_dgram *d);

#endif
