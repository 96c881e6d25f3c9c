/*
 * drivers/pcap/pcap_drivers.h — the hosted target's libpcap driver classes,
 * registered with KDRIVER_REGISTER (kernel/port.h):
 *
 *   pcap       live capture and injection on a host interface:
 *              interface NAME driver=pcap device=IFNAME [snaplen=N]
 *   pcap-file  deterministic offline replay of a pcap trace, frames sent
 *              written to another file (time follows the trace):
 *              interface NAME driver=pcap-file in=FILE [out=FILE]
 */
#ifndef SPINDLE_DRIVERS_PCAP_DRIVERS_H
#define SPINDLE_DRIVERS_PCAP_DRIVERS_H

#include "kernel/port.h"

/** pcap_driver - the "pcap" driver class (libpcap live capture). */
extern const struct kdriver pcap_driver;
/** pcap_file_driver - the "pcap-file" driver class (libpcap offline replay). */
extern const struct kdriver pcap_file_driver;

#endif
