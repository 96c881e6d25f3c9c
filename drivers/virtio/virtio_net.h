/*
 * drivers/virtio/virtio_net.h — driver class "virtio": virtio-net over PCI
 * (1af4:1041 modern, 1af4:1000 transitional; the modern transport is
 * preferred, legacy is the fallback), split virtqueues with event-index
 * notification suppression. Source: OASIS virtio 1.1 sections 2, 4.1, 5.1.
 * Bare metal: reaches the device only through kernel/bus.h.
 *
 *   interface NAME driver=virtio [rx_ring=N] [tx_ring=N] [pool=N]
 *             [offload=on|off] [rx_csum=on|off] [rx_tso4=on|off] [rx_big=N]
 *
 * offload (default on): VIRTIO_NET_F_CSUM, HOST_TSO4 and MRG_RXBUF when the
 * device offers them (the port's tx_csum, tx_tso4). rx_csum and rx_tso4
 * (default off): GUEST_CSUM and GUEST_TSO4, receive offloads that hand the
 * graph partially checksummed frames and TCP super-frames (copied into a
 * pool of rx_big 64 KiB blocks, default 64). See virtio_net.c.
 *
 * The Nth virtio interface line binds the Nth virtio-net PCI function in bus
 * order; open fails with "no virtio device #N found" otherwise. Counters:
 * the port counters plus the kstat group "virtio-NAME". Registered with
 * KDRIVER_REGISTER (kernel/port.h).
 */
#ifndef SPINDLE_DRIVERS_VIRTIO_NET_H
#define SPINDLE_DRIVERS_VIRTIO_NET_H

#include "kernel/port.h"

/** virtio_net_driver - the "virtio" driver class. */
extern const struct kdriver virtio_net_driver;

#endif
