/*
 * drivers/bm/nic_port.h — the parts of a bare-metal NIC's struct kport
 * (kernel/port.h) that every such driver sets up the same way at open: the
 * port's identity and its kstat group of driver counters.
 *
 * Portable: only kernel/ headers, so one source serves every bare-metal target.
 */
#ifndef SPINDLE_DRIVERS_BM_NIC_PORT_H
#define SPINDLE_DRIVERS_BM_NIC_PORT_H

#include <stdint.h>
#include "kernel/port.h"
#include "kernel/stats.h"

/** A port's driver counters as kstat group "DRIVER-IFNAME" (kernel/stats.h). */
struct nic_stats {
    char name[KPORT_NAME_MAX + 8]; /* "virtio-" + an interface name + NUL */
    struct kstat_group group;
};

/**
 * nic_port_init - set @port's ops (@ops), priv (@priv), driver (@driver, the
 * class name: a string that outlives the port), name (@ifname, truncated to
 * KPORT_NAME_MAX - 1 bytes), mtu 1500 bytes (the Ethernet IP MTU, RFC 894)
 * and wait_fd -1 (no host descriptor: the bare-metal main loop polls).
 * Nothing else is touched.
 */
void nic_port_init(struct kport *port, const struct kport_ops *ops, void *priv, const char *driver,
                   const char *ifname);

/**
 * nic_stats_register - name @st "DRIVER-IFNAME" (@driver, @ifname), point
 * it at @n counters (@names, @values: arrays of @n, owned by the caller and
 * alive until kstats_unregister(&@st->group)) and kstats_register it.
 */
void nic_stats_register(struct nic_stats *st, const char *driver, const char *ifname,
                        const char *const *names, uint64_t *values, unsigned n);

#endif
