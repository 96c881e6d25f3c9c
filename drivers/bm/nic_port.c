/*
 * drivers/bm/nic_port.c — a bare-metal NIC port's identity and counters
 * (drivers/bm/nic_port.h).
 */
#include "drivers/bm/nic_port.h"

#include "kernel/klib.h"

#define NIC_MTU 1500u /* bytes: Ethernet's IP MTU (RFC 894) */

void nic_port_init(struct kport *port, const struct kport_ops *ops, void *priv, const char *driver,
                   const char *ifname)
{
    port->ops = ops;
    port->priv = priv;
    port->driver = driver;
    kstrlcpy(port->name, ifname, sizeof port->name);
    port->mtu = NIC_MTU;
    port->wait_fd = -1;
}

void nic_stats_register(struct nic_stats *st, const char *driver, const char *ifname,
                        const char *const *names, uint64_t *values, unsigned n)
{
    ksnprintf(st->name, sizeof st->name, "%s-%s", driver, ifname);
    st->group = (struct kstat_group){ .node = st->name, .names = names, .values = values, .n = n };
    kstats_register(&st->group);
}
