/*
 * tests/unit/common/bus_host.h — the bus (kernel/bus.h) and the virtio
 * transport's doorbell (drivers/virtio/virtio_pci.h) stubbed for hosted
 * tests and fuzzers of the bare-metal drivers' ring code: DMA memory is host
 * memory and a device address is the host pointer, barriers are no-ops, a
 * notification is only counted. Link bus_host.c with the ring sources.
 */
#ifndef SPINDLE_TESTS_BUS_HOST_H
#define SPINDLE_TESTS_BUS_HOST_H

/** Notifications (virtio_pci_notify) per queue parity: [0] even queues (receive), [1] odd (transmit). */
extern unsigned bus_host_notifies[2];

#endif
