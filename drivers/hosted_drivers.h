/*
 * drivers/hosted_drivers.h — the driver classes the hosted target (the
 * `spindle` Linux program) registers with kdriver_register() before
 * appliance_configure(). Each is defined in its driver's folder:
 *
 *   pcap       drivers/pcap/pcap_live.c  live capture and injection on a host
 *                                        interface (libpcap): device=IFNAME [snaplen=N]
 *   pcap-file  drivers/pcap/pcap_file.c  offline replay of a pcap trace, frames sent
 *                                        written to another: in=FILE [out=FILE]
 *   loop       drivers/loop/loop.c       in-memory link (drivers/loop/loop.h)
 */
#ifndef SPINDLE_DRIVERS_HOSTED_DRIVERS_H
#define SPINDLE_DRIVERS_HOSTED_DRIVERS_H

#include "kernel/port.h"

/** The "pcap" driver class (libpcap live capture). */
extern const struct kdriver pcap_driver;
/** The "pcap-file" driver class (libpcap offline replay). */
extern const struct kdriver pcap_file_driver;
/** The "loop" driver class (in-memory link). */
extern const struct kdriver loop_driver;

#endif
