/*
 * drivers/bm_drivers.h — the bare-metal NIC driver classes, for the x86_64
 * and alpha kernels to kdriver_register() at boot. Both reach hardware only
 * through kernel/bus.h, so one source serves every bare-metal target.
 *
 * Configuration (ARCHITECTURE.md "Configuration"):
 *   interface NAME driver=e1000  [rx_ring=N] [tx_ring=N] [pool=N] [promisc=0|1]
 *   interface NAME driver=virtio [rx_ring=N] [tx_ring=N] [pool=N]
 * The Nth interface line of a driver (kdriver_args.instance = N) binds the
 * Nth matching PCI function in bus order; open fails with "no e1000 device
 * #N found" / "no virtio device #N found" otherwise.
 */
#ifndef SPINDLE_DRIVERS_BM_DRIVERS_H
#define SPINDLE_DRIVERS_BM_DRIVERS_H

#include "kernel/port.h"

/**
 * e1000_driver - class "e1000": Intel 8254x (82540EM 8086:100e as QEMU
 * models it; also 8086:100f, 8086:100c, 8086:1004). Source: Intel 8254x
 * Software Developer's Manual. Counters: port counters plus the kstat group
 * "e1000-NAME" (hardware statistics registers, accumulated each second).
 */
extern const struct kdriver e1000_driver;

/**
 * virtio_net_driver - class "virtio": virtio-net over PCI (1af4:1041 modern,
 * 1af4:1000 transitional; modern transport preferred, legacy fallback),
 * split virtqueues with event-index notification suppression. Source:
 * OASIS virtio 1.1 sections 2, 4.1, 5.1. Counters: port counters plus the
 * kstat group "virtio-NAME".
 */
extern const struct kdriver virtio_net_driver;

#endif
