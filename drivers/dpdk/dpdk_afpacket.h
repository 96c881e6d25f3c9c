/*
 * drivers/dpdk/dpdk_afpacket.h — the receive-ring drops of a net_af_packet
 * device, which DPDK 22.11's PMD does not report (its stats_get leaves
 * imissed at 0). Private to drivers/dpdk.
 *
 * The PMD's sockets are found among the process's descriptors: the
 * AF_PACKET sockets that appeared while the device was probed and are
 * bound to its interface. Their PACKET_STATISTICS (packet(7)) count the
 * frames the kernel dropped because the ring was full; reading them resets
 * them, and nothing else in the process reads them.
 */
#ifndef SPINDLE_DRIVERS_DPDK_DPDK_AFPACKET_H
#define SPINDLE_DRIVERS_DPDK_DPDK_AFPACKET_H

#include <stdbool.h>
#include <stdint.h>

/** Sockets watched per device at most (one per queue pair). */
#define DPDK_AFPACKET_MAX_FDS 16

/** The descriptors open before a probe (a bitmap over the first 4096). */
struct dpdk_fdset {
    uint64_t bits[64];
};

/** The PMD's sockets of one device. */
struct dpdk_afpacket {
    int fd[DPDK_AFPACKET_MAX_FDS];
    unsigned n;
};

/** dpdk_fdset_snapshot - record the socket descriptors open now in @s. */
void dpdk_fdset_snapshot(struct dpdk_fdset *s);

/**
 * dpdk_afpacket_find - fill @af with the AF_PACKET sockets bound to
 * interface @ifname that are open now but were not in @before. Returns
 * how many (0 when none: the drops stay unknown).
 */
unsigned dpdk_afpacket_find(struct dpdk_afpacket *af, const struct dpdk_fdset *before,
                            const char *ifname);

/** dpdk_afpacket_drops - frames the kernel dropped on @af's rings since the last call. */
uint64_t dpdk_afpacket_drops(const struct dpdk_afpacket *af);

/** dpdk_afpacket_iface - the iface= argument of net_af_packet @devargs into @buf, or false. */
bool dpdk_afpacket_iface(const char *devargs, char *buf, unsigned len);

#endif
