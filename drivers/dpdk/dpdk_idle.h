/*
 * drivers/dpdk/dpdk_idle.h — poll or adaptive idle for a DPDK port
 * (private to drivers/dpdk).
 *
 * The hosted main loop sleeps only when no port says it has work
 * (kport.no_idle) and then poll()s every port's wait_fd (kernel/port.h,
 * kernel/arch/hosted/arch.c). A PMD has no descriptor of its own, so:
 *
 *  poll      no_idle is always set: the loop never sleeps (lowest latency,
 *            one busy core), DPDK's own model.
 *  adaptive  no_idle is set while frames keep coming. After idle_after ns
 *            without one the port sleeps: no_idle is cleared and wait_fd is
 *            either an epoll descriptor holding the receive queues'
 *            interrupt descriptors (rte_eth_dev_rx_intr_ctl_q; interrupts
 *            enabled with rte_eth_dev_rx_intr_enable, then the queues are
 *            polled once more so that a frame that came before the
 *            interrupt was armed is not left waiting), or, where the PMD
 *            has no receive interrupt, a timerfd that fires after 20 us,
 *            then 40, 80 ... up to sleep_max ns while nothing comes. The
 *            first frame wakes the port: interrupts off, spinning again.
 *
 * Sources: DPDK 22.11 rte_ethdev.h (Rx interrupt API), rte_epoll.h,
 * the l3fwd-power sample's turn-on-interrupt-then-poll-once pattern;
 * timerfd_create(2).
 */
#ifndef SPINDLE_DRIVERS_DPDK_DPDK_IDLE_H
#define SPINDLE_DRIVERS_DPDK_DPDK_IDLE_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/port.h"

/** The first sleep of the timer back-off, ns. */
#define DPDK_IDLE_FIRST_SLEEP_NS 20000u

enum dpdk_idle_mode { DPDK_IDLE_POLL, DPDK_IDLE_ADAPTIVE };

/** Idle state of one port. */
struct dpdk_idle {
    enum dpdk_idle_mode mode;
    uint64_t idle_after_ns; /* spin this long after the last frame */
    uint64_t sleep_max_ns;  /* longest timer sleep */
    uint64_t sleep_ns;      /* the timer's current period */
    uint64_t last_rx_ns;    /* kclock time of the last frame (or of start) */
    uint16_t port_id, nb_rxq;
    bool sleeping;
    bool have_intr;   /* receive interrupts on every queue, through epfd */
    int epfd;         /* epoll with the queues' interrupt descriptors, or -1 */
    int tfd;          /* timerfd of the back-off, or -1 */
    uint64_t sleeps;  /* times the port let the loop sleep */
    uint64_t wakeups; /* times a frame woke it */
};

/** dpdk_idle_init - @id for @mode with its times (ns); no descriptor yet. */
void dpdk_idle_init(struct dpdk_idle *id, enum dpdk_idle_mode mode, uint64_t idle_after_ns,
                    uint64_t sleep_max_ns);

/**
 * dpdk_idle_start - after rte_eth_dev_start of @port_id with @nb_rxq
 * receive queues: poll mode sets @port->no_idle for good; adaptive mode
 * sets up the interrupt epoll descriptor when every queue has an
 * interrupt (else the timerfd) and starts spinning at @now_ns.
 * Returns 0 or -KE_IO (no descriptor could be made; @port->error says why).
 */
int dpdk_idle_start(struct dpdk_idle *id, struct kport *port, uint16_t port_id, uint16_t nb_rxq,
                    uint64_t now_ns);

/**
 * dpdk_idle_after_rx - account a receive burst of @n frames at @now_ns:
 * wake on a frame, fall asleep after idle_after, re-arm the back-off or
 * the interrupts while asleep. Returns true when the caller must poll the
 * queues once more now (interrupts were just armed).
 */
bool dpdk_idle_after_rx(struct dpdk_idle *id, struct kport *port, unsigned n, uint64_t now_ns);

/** dpdk_idle_stop - before rte_eth_dev_stop: interrupts off, descriptors closed, no_idle cleared. */
void dpdk_idle_stop(struct dpdk_idle *id, struct kport *port);

#endif
