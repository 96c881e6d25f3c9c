/*
 * netgraph/runtime.h — the protocol graph at run time: bring-up of the core
 * and the linked-in nodes, the main loop, and shutdown. Portable: the hosted
 * program (apps/spindle) and the VM kernels (apps/vm) call the same
 * functions; only the drivers linked into them differ.
 *
 *   netgraph_init(0);                     // core, dispatcher, protocol nodes
 *   netgraph_configure(&cfg, &err);       // netgraph/apply.h
 *   while (!stop) netgraph_poll(true);    // receive, dispatch, transmit, timers, idle
 *   netgraph_shutdown();                  // then pktpool_all_full() must hold
 */
#ifndef SPINDLE_NETGRAPH_RUNTIME_H
#define SPINDLE_NETGRAPH_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

/** Frames moved per receive burst of one port. */
#define NETGRAPH_BURST 32
/** Buffers of the default pool when netgraph_init() is given 0. */
#define NETGRAPH_DEFAULT_POOL 4096u
/** Longest idle (ns) while frames wait for transmit ring space: a missed interrupt costs at most this. */
#define NETGRAPH_TX_WAIT_NS (50ull * 1000ull)

/**
 * netgraph_init - bring the core up: the default packet pool of
 * @pool_buffers buffers (0: NETGRAPH_DEFAULT_POOL), the guard dispatcher, and
 * every linked-in protocol node in layer order (netgraph/node.h). Idempotent
 * while running. Returns 0, -KE_NOMEM, or a node's init error.
 */
int netgraph_init(uint32_t pool_buffers);

/** netgraph_running - true between netgraph_init() and netgraph_shutdown(). */
bool netgraph_running(void);
/** netgraph_configured - true once netgraph_configure() succeeded (run-time installs are logged). */
bool netgraph_configured(void);

/**
 * netgraph_poll - one main-loop iteration: a receive burst from every port
 * raising dev_PacketArrived per frame, the interfaces' transmit queues
 * flushed, due timers, runnable strands and disk completions run. With @may_idle and nothing
 * to do, waits in arch_idle() until the next timer deadline or a device
 * event. Returns the number of frames received.
 */
unsigned netgraph_poll(bool may_idle);

/**
 * netgraph_set_halt_poll - "mode haltpoll": from now on netgraph_poll(true),
 * out of work, keeps polling the ports for up to an adaptive limit of at
 * most @max_ns ns before it idles (netgraph/haltpoll.h; HALTPOLL_MAX_NS is
 * the default maximum), and the counters of stats node "haltpoll" are
 * registered. 0 turns it off (the default: idle at once).
 */
void netgraph_set_halt_poll(uint64_t max_ns);

/** netgraph_halt_polling - true while the loop polls in a halt-polling window (not yet halted). */
bool netgraph_halt_polling(void);

/** netgraph_done - true when every port is a finished replay (pcap-file input consumed). */
bool netgraph_done(void);

/**
 * netgraph_shutdown - remove the extensions, stop and close every port,
 * take the nodes down. The default pool stays so that the caller can check
 * pktpool_all_full() and print it; the next netgraph_init() destroys it if
 * every buffer came back.
 */
void netgraph_shutdown(void);

/** netgraph_set_configured - mark the configuration applied (netgraph/apply.c). */
void netgraph_set_configured(bool yes);

#endif
