/*
 * apps/appliance.h — bringing an appliance up from a configuration, the main
 * loop, and shutting it down. Portable: the hosted program (apps/spindle)
 * and the VM kernels call the same functions; only the drivers they register
 * differ.
 *
 *   appliance_init();                      // core, protocol nodes
 *   kdriver_register(&pcap_driver); ...    // target's driver classes
 *   appliance_configure(&cfg, &err);       // ports, interfaces, routes, extensions
 *   while (!stop) appliance_poll(true);    // receive, dispatch, timers, idle
 *   appliance_shutdown();
 */
#ifndef SPINDLE_APPS_APPLIANCE_H
#define SPINDLE_APPS_APPLIANCE_H

#include <stdbool.h>
#include <stdint.h>
#include "netgraph/config.h"

/** Packets moved per rx burst. */
#define APPLIANCE_BURST 32
/** Longest idle (ns) while frames wait for transmit ring space: a missed interrupt costs at most this. */
#define APPLIANCE_TX_WAIT_NS (50ull * 1000ull)

/**
 * appliance_init - initialise the core (default pool of @pool_buffers
 * buffers, 0 for the default 4096; dispatcher) and install the protocol
 * nodes (ether, arp, ipv4, icmp, udp). Returns 0 or -KE_NOMEM.
 */
int appliance_init(uint32_t pool_buffers);

/**
 * appliance_configure - open every interface's port through its driver
 * class, create the interfaces, add addresses and routes, start the ports,
 * install the extensions. On error nothing stays started: returns -KE_* with
 * @err naming file, line, column and why (e.g. which device failed to start):
 * -KE_IO or -KE_NOENT when a device could not be opened or started (the
 * hosted program exits 3), any other code for a configuration error (exit 2).
 */
int appliance_configure(const struct config *cfg, struct config_error *err);

/**
 * appliance_poll - one main-loop iteration: an rx burst from every port,
 * dev_PacketArrived for each frame, due timers. With @may_idle and nothing
 * to do, waits in arch_idle() until the next timer deadline or a device
 * event. Returns the number of frames received.
 */
unsigned appliance_poll(bool may_idle);

/* ------------------------------------------------ run-time extensions */

struct kextension;

/**
 * appliance_extension_install - install one more instance of the extension
 * class @name (apps/extension.h) with parameters @params (NULL: none) while
 * the appliance runs: the console's "extension install NAME [k=v ...]"
 * (issue 5 item 8). Call it between appliance_poll() calls or from a
 * handler: the dispatcher swaps in the new decision tree whole, so no packet
 * sees half an install. The parameter strings are copied and the copy lives
 * as long as the instance.
 *
 * Returns 0 with the instance id in *@id_out (if non-NULL; ids count 1, 2,
 * ... in installation order, configured extensions included, and are not
 * reused until appliance_shutdown), or an error with a one-line message in
 * @err (@errlen bytes, may be NULL): -KE_NOENT "unknown extension 'x'
 * (known: udp-echo, ...)"; the extension's own error ("udp-echo: port: out
 * of range (expected 1..65535); usage: udp-echo [port=N]") with its code
 * (-KE_INVAL, -KE_RANGE, -KE_EXIST, ...); -KE_NOMEM; -KE_INVAL before
 * appliance_init().
 */
int appliance_extension_install(const char *name, const struct kparams *params, unsigned *id_out,
                                char *err, size_t errlen);

/**
 * appliance_extension_remove - uninstall the instance with id @id (its
 * handlers leave the graph at once; its counters are unregistered) and free
 * its state. Returns 0 or -KE_NOENT (no instance has that id).
 */
int appliance_extension_remove(unsigned id);

/** An installed extension instance, as appliance_extension_foreach shows it. */
struct appliance_extension_info {
    unsigned id;                    /* see appliance_extension_install */
    const struct kextension *ext;   /* its class: ext->name, ext->usage */
    const struct kparams *params;   /* the parameters it was installed with */
};

/**
 * appliance_extension_foreach - call @cb for every installed instance in
 * installation order (the console's "extension list"). @cb must not install
 * or remove extensions.
 */
void appliance_extension_foreach(void (*cb)(const struct appliance_extension_info *x, void *ctx),
                                 void *ctx);

/** appliance_done - true when every port is a finished replay (pcap-file input consumed). */
bool appliance_done(void);

/**
 * appliance_shutdown - remove extensions, stop and close ports, uninstall
 * the nodes. Afterwards pktpool_all_full() must hold.
 */
void appliance_shutdown(void);

#endif
