/*
 * drivers/e1000/e1000.h — driver class "e1000": Intel 8254x (82540EM
 * 8086:100e as QEMU models it; also 8086:100f, 8086:100c, 8086:1004).
 * Source: Intel 8254x Family of Gigabit Ethernet Controllers Software
 * Developer's Manual. Bare metal: reaches the device only through
 * kernel/bus.h, so one source serves every bare-metal target.
 *
 *   interface NAME driver=e1000 [rx_ring=N] [tx_ring=N] [pool=N] [promisc=0|1]
 *             [offload=on|off] [itr=N] [rdtr=N] [radv=N] [tidv=N] [tadv=N]
 *
 * offload (default on): transmit checksum offload (the port's tx_csum).
 * itr, rdtr, radv, tidv, tadv: the interrupt moderation registers of the
 * same names in their SDM units (ITR 256 ns, the others 1.024 us), default
 * 0. See e1000.c.
 *
 * The Nth e1000 interface line (kdriver_args.instance = N) binds the Nth
 * matching PCI function in bus order; open fails with "no e1000 device #N
 * found" otherwise. Counters: the port counters plus the kstat group
 * "e1000-NAME" (hardware statistics registers, accumulated each second).
 * Registered with KDRIVER_REGISTER (kernel/port.h).
 */
#ifndef SPINDLE_DRIVERS_E1000_H
#define SPINDLE_DRIVERS_E1000_H

#include "kernel/port.h"

/** e1000_driver - the "e1000" driver class. */
extern const struct kdriver e1000_driver;

#endif
