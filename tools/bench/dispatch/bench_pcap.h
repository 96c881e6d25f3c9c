/*
 * tools/bench/dispatch/bench_pcap.h — the benchmark's input: a pcap file of
 * UDP datagrams to many destination ports, made by the benchmark itself
 * (it is an input, not a test trace), and read back into memory for replay.
 * Kept apart from the graph code because <pcap/pcap.h> and
 * protocols/ipv4/ipv4.h both define IPPROTO_*.
 */
#ifndef SPINDLE_BENCH_PCAP_H
#define SPINDLE_BENCH_PCAP_H

#include <stddef.h>
#include <stdint.h>

/** One frame in memory. */
struct bench_frame {
    uint16_t len;     /* bytes */
    uint8_t data[64]; /* Ethernet II frame */
};

/** Addresses of the made traffic (host order for IPv4). */
struct bench_addrs {
    uint8_t dst_mac[6], src_mac[6];
    uint32_t dst_ip, src_ip;
    uint16_t sport;
};

/**
 * bench_pcap_make - write @count Ethernet/IPv4/UDP frames (18-byte payload,
 * IPv4 header checksum set, UDP checksum 0 = none, RFC 768) to @path, frame
 * j to destination port @ports[perm(j) % @nports] for a seeded random
 * permutation of the ports, so every port is hit about equally. Returns 0
 * or -1 (message on stderr).
 */
int bench_pcap_make(const char *path, const struct bench_addrs *a, const uint16_t *ports,
                    unsigned nports, unsigned count);

/**
 * bench_pcap_load - read up to @max frames of @path into @out with
 * libpcap. Returns the number read, or -1 (message on stderr).
 */
int bench_pcap_load(const char *path, struct bench_frame *out, unsigned max);

#endif
