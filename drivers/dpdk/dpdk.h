/*
 * drivers/dpdk/dpdk.h — the hosted "dpdk" driver class: spindle ports on
 * DPDK poll-mode drivers (DPDK 22.11, Debian's dpdk / libdpdk-dev), on a
 * vfio-pci bound NIC or on one of DPDK's virtual devices.
 *
 *   interface eth0 driver=dpdk dev=DEVARGS [queues=1] [rxd=N] [txd=N] [pool=N]
 *             [mtu=N] [promisc=on|off] [allmulti=on|off]
 *             [idle=poll|adaptive] [idle-after=US] [sleep-max=US]
 *   dpdk eal="ARGS"                       (at most one line; dpdk_stage.c)
 *
 * dev=       DPDK device arguments: a PCI address ("0000:01:00.0") or a
 *            virtual device ("net_af_packet0,iface=veth-app",
 *            "net_tap0,iface=dtap0", "net_pcap0,iface=eth1",
 *            "net_virtio_user0,path=/dev/vhost-net", "net_ring0" ...). The
 *            device is hot-plugged (rte_dev_probe) at open and removed at
 *            close; a device EAL probed itself (a PCI NIC) is only closed.
 * queues=    receive queues, 1..16 (default 1), polled in turn; one
 *            transmit queue (the appliance has one thread).
 * rxd, txd=  descriptors per queue, 64..4096 (default 1024), adjusted to
 *            the device's limits (rte_eth_dev_adjust_nb_rx_tx_desc).
 * pool=      packet buffers of the port's pool (default 2 x (rxd x queues
 *            + txd) + 1024, at least 2048).
 * mtu=       IP MTU, 68..9000 (default: the device's); set with
 *            rte_eth_dev_set_mtu. Buffers hold MTU + 18 bytes after
 *            RTE_PKTMBUF_HEADROOM (one segment: scatter is not enabled).
 * promisc=   promiscuous mode. Default on for net_af_packet, net_pcap and
 *            net_tap, whose device is a host interface, the link to the
 *            peer: its own address is left alone (as the pcap driver does;
 *            were it the interface's, the host's stack would handle every
 *            frame sent to the appliance as well). Default off for the
 *            others, whose unicast filter is given the interface's MAC
 *            (mac= of the configuration line) with
 *            rte_eth_dev_default_mac_addr_set; where the device refuses the
 *            address, promiscuous mode is turned on instead and logged.
 * allmulti=  receive every multicast frame (default on).
 * idle=      poll (default): the port always has work, so the main loop
 *            never sleeps: lowest latency, one busy core. adaptive: spin
 *            while frames keep coming; after idle-after microseconds
 *            without a frame (default 500) the port lets the main loop
 *            sleep, woken by the device's receive interrupt
 *            (rte_eth_dev_rx_intr_*; net_tap and most NICs) or, where the
 *            PMD has none (net_af_packet), by a timer that backs off from
 *            20 us to sleep-max microseconds (default 1000).
 * dpdk eal=  the EAL arguments, on a configuration line of their own,
 *            applied before any interface opens (drivers/dpdk/dpdk_stage.c);
 *            without it the first port starts EAL with the defaults below.
 *
 * net_af_packet (DPDK 22.11) joins a PACKET_FANOUT group with
 * PACKET_FANOUT_FLAG_DEFRAG: the kernel reassembles IP fragments before
 * the PMD sees them, and a datagram longer than a ring frame (its
 * framesz= argument, default 2048 bytes, less 32) arrives cut short
 * (counted by ipv4 as truncated). For fragmented datagrams give a larger
 * frame, e.g. dev=net_af_packet0,iface=veth-app,framesz=4096; the port's
 * buffers grow to hold a frame. net_tap and the NIC PMDs pass fragments
 * through as they come. Its ring is framecnt= frames (default 512), not
 * rxd/txd; a busy-polling process that the scheduler preempts on a shared
 * host overflows 512 frames of TCP at once: framecnt=2048 lost nothing in
 * the lab. The PMD does not count those drops; the driver reads them from
 * its sockets (packet(7) PACKET_STATISTICS) as rx_ring_drops, in imissed.
 *
 * Zero copy both ways (drivers/dpdk/dpdk_pool.h): each port's packet
 * buffers and its rte_mbufs are one pool; a received mbuf is handed to the
 * protocol graph as the pktbuf over the same bytes, a pktbuf of that pool is
 * transmitted as its own mbuf, and a pktbuf of another pool (replies built
 * in the appliance's default pool) is attached to a header mbuf as an
 * external buffer (rte_pktmbuf_attach_extbuf) when the PMD reads frames
 * with the CPU, else copied. Freeing returns a buffer to its own pool.
 * While the port spins, transmitted frames wait for a full burst or the
 * next receive poll of any dpdk port (dpdk_tx.c), so that a PMD's per-call
 * cost is paid per burst; tx_burst keeps DPDK's semantics.
 *
 * Counters: the port's rx/tx counters (show interfaces) fold in the
 * ethdev statistics (rte_eth_stats: imissed and rx_nombuf are rx_dropped,
 * ierrors rx_errors, oerrors tx_errors); the kstats node "dpdk:IFNAME"
 * has ipackets, ibytes, imissed, ierrors, rx_nombuf, opackets, obytes,
 * oerrors and the driver's own reasons. Statistics and link state are
 * refreshed every 100 ms while the port runs.
 *
 * Hosted only; DPDK headers need gnu11 (drivers/dpdk/meson.build).
 * Sources: DPDK 22.11 Programmer's Guide (Mbuf Library, "Mbuf with external
 * buffer"; Mempool Library, "Mempool Handlers"; Poll Mode Driver, "Device
 * Identification, Ownership and Configuration"), rte_ethdev.h, rte_mbuf.h,
 * rte_mempool.h, Network Interface Controller Drivers guide (AF_PACKET, TAP).
 */
#ifndef SPINDLE_DRIVERS_DPDK_DPDK_H
#define SPINDLE_DRIVERS_DPDK_DPDK_H

#include <stdbool.h>
#include <stddef.h>
#include "kernel/port.h"

/** The "dpdk" driver class (opens ports on DPDK ethdevs); registered (KDRIVER_REGISTER). */
extern const struct kdriver dpdk_driver;

struct kconfig_stage;
/** The "dpdk" configuration keyword's stage (dpdk_stage.c); registered (KCONFIG_STAGE). */
extern const struct kconfig_stage dpdk_stage;

/**
 * dpdk_eal_configure - initialise DPDK's Environment Abstraction Layer with
 * @eal_args (blank-separated, as on a DPDK program's command line before
 * "--"; single or double quotes group words), once per process, before the
 * first dpdk port opens. The arguments replace the defaults entirely. When
 * it is never called, the first port initialises EAL with the defaults:
 *   --no-huge -m 256 --no-pci --no-shconf --no-telemetry
 *   --log-level=notice --lcores=0@(CPUS)
 * (no hugepages, no PCI scan, no shared runtime files, one lcore on the
 * CPUs the process may run on: nothing is pinned).
 * Returns 0; -KE_EXIST when EAL is already initialised (also by an earlier
 * call); -KE_INVAL for an unbalanced quote or more than 64 words;
 * -KE_IO when rte_eal_init fails. On failure @err (@errlen bytes) says why,
 * with EAL's own message. A failed initialisation cannot be retried in the
 * same process: later ports fail with the same reason.
 */
int dpdk_eal_configure(const char *eal_args, char *err, size_t errlen);

/** dpdk_eal_initialised - true once EAL is up (by dpdk_eal_configure or a port). */
bool dpdk_eal_initialised(void);

#endif
