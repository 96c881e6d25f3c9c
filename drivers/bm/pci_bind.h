/*
 * drivers/bm/pci_bind.h — how a bare-metal NIC driver finds the PCI function
 * a configuration line names, and the permanent record it keeps for it.
 *
 * `interface NAME driver=DRIVER` lines of one driver class bind, in order,
 * the matching PCI functions in bus order (kdriver_args.instance = N binds
 * the Nth, drivers/e1000/e1000.h, drivers/virtio/virtio_net.h). kernel/bus.h can neither free DMA memory
 * nor detach an interrupt handler, so what a driver gets from the bus for a
 * function lives in a per-device slot that is never freed and is reused
 * when the same function is opened again (after a close, or by a later
 * configuration). Source: PCI Local Bus Specification 3.0 (geographic
 * address bus:device.function); kernel/bus.h.
 *
 * Portable: only kernel/ headers, so one source serves every bare-metal target.
 */
#ifndef SPINDLE_DRIVERS_BM_PCI_BIND_H
#define SPINDLE_DRIVERS_BM_PCI_BIND_H

#include <stddef.h>
#include <stdbool.h>
#include "kernel/bus.h"

/** Bytes of a slot's name, "DRIVER bb:dd.f" with its NUL. */
#define PCI_BIND_NAME_MAX 24u

/**
 * The permanent record of one bound PCI function. A driver keeps an array
 * of them (zero-initialised, static) next to its own per-device state,
 * index for index.
 */
struct pci_bind_slot {
    bool bound;                   /* the slot belongs to dev */
    bool in_use;                  /* a port is open on it: the driver sets and clears it */
    bool irq_attached;            /* pci_bind_irq succeeded once */
    struct bus_device dev;        /* copy taken at the first bind; stable address */
    char name[PCI_BIND_NAME_MAX]; /* "e1000 00:03.0": the prefix of every message about it */
};

/** A driver class's view of the bus: which functions it drives and its slots. */
struct pci_bind_class {
    const char *driver; /* class name, "e1000": names slots and messages */
    const char *device; /* what a match is called in messages: "e1000", "virtio-net" */
    bool (*match)(const struct bus_device *d); /* true for a function this driver drives */
    struct pci_bind_slot *slots;               /* nslots of them */
    unsigned nslots;
};

/**
 * pci_bind - find the @instance-th (0 = first) function in bus order
 * (bus_foreach) for which @c->match is true and give it its slot: the slot
 * already bound to the same bus:device.function, else the first free one,
 * which is bound to it and named "DRIVER bb:dd.f" (hexadecimal, as lspci).
 * Returns the slot's index in @c->slots, or with a message in @err (@errlen
 * bytes): -KE_NODEV "no DRIVER device #N found (M DEVICE devices present)";
 * -KE_NOMEM "DRIVER: more than NSLOTS devices"; -KE_EXIST "NAME: already
 * bound to another interface" when the slot is in use.
 */
int pci_bind(const struct pci_bind_class *c, unsigned instance, char *err, size_t errlen);

/**
 * pci_bind_irq - attach @fn(@ctx) to @s's interrupt (bus_irq_attach) unless
 * that was done before for this slot (it cannot be undone). When the bus
 * routes no interrupt, warns "NAME: no interrupt routed; receive is polled
 * only" under log tag @tag and leaves the slot unattached (the next open
 * tries again): the driver then works by polling alone.
 */
void pci_bind_irq(struct pci_bind_slot *s, void (*fn)(void *ctx), void *ctx, const char *tag);

#endif
