/*
 * drivers/dpdk/dpdk_port.h — the state of one dpdk port, shared by the
 * set-up (dpdk_port.c) and the data path (dpdk_rx.c, dpdk_tx.c). Private to
 * drivers/dpdk; the configuration syntax is in dpdk.h.
 */
#ifndef SPINDLE_DRIVERS_DPDK_DPDK_PORT_H
#define SPINDLE_DRIVERS_DPDK_DPDK_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>

#include "drivers/dpdk/dpdk_afpacket.h"
#include "drivers/dpdk/dpdk_idle.h"
#include "drivers/dpdk/dpdk_pool.h"
#include "kernel/port.h"
#include "kernel/stats.h"

/** Receive queues at most (queues=). */
#define DPDK_MAX_RXQ 16
/** Frames moved per rte_eth_rx_burst / rte_eth_tx_burst call at most. */
#define DPDK_BURST 32
/** Frames a port's transmit queue holds at most (dpdk_tx.c). */
#define DPDK_TXQ_MAX (2 * DPDK_BURST)
/** Statistics and link state are read this often while the port runs, ns. */
#define DPDK_STATS_PERIOD_NS 100000000u

/** Named counters of a port (kstats node "dpdk:IFNAME"). */
enum dpdk_ctr {
    /* rte_eth_stats, as last read */
    DPDK_CTR_IPACKETS,
    DPDK_CTR_IBYTES,
    DPDK_CTR_IMISSED,   /* dropped by the device: its receive ring was full (with rx_ring_drops) */
    DPDK_CTR_IERRORS,   /* erroneous frames the device received */
    DPDK_CTR_RX_NOMBUF, /* receive refill failed: the pool was empty */
    DPDK_CTR_OPACKETS,
    DPDK_CTR_OBYTES,
    DPDK_CTR_OERRORS, /* frames the device failed to send */
    /* the driver's own */
    DPDK_CTR_RX_RING_DROPS, /* net_af_packet: the kernel's ring was full (packet(7) tp_drops) */
    DPDK_CTR_RX_MULTISEG,   /* a frame in more than one mbuf (no scatter asked): rx_errors */
    DPDK_CTR_RX_RUNT,       /* shorter than an Ethernet header: rx_errors */
    DPDK_CTR_RX_COPIED,     /* an mbuf of another mempool, copied into the pool */
    DPDK_CTR_RX_NO_BUFFER,  /* such a copy found the pool empty: rx_dropped */
    DPDK_CTR_TX_WRAPPED,    /* a buffer of another pool sent in place (attached) */
    DPDK_CTR_TX_COPIED,     /* a buffer of another pool copied into the pool to send */
    DPDK_CTR_TX_NO_MBUF,    /* no header or buffer to send with: retried later */
    DPDK_CTR_TX_STOPPED,    /* sent while the port was stopped: tx_dropped */
    DPDK_CTR_TX_OVERSIZE,   /* longer than MTU + 18 bytes: tx_dropped */
    DPDK_CTR_IDLE_SLEEPS,   /* idle=adaptive: times the port let the loop sleep */
    DPDK_CTR_IDLE_WAKEUPS,
    DPDK_NCTR
};

/** A dpdk port; port.priv points back at it. */
struct dpdk_port {
    struct kport port;
    uint16_t port_id; /* ethdev port */
    uint16_t nb_rxq;
    uint16_t nb_rxd, nb_txd;
    uint16_t rxq_next;  /* queue to poll first next time */
    uint16_t max_frame; /* MTU + Ethernet header, FCS and one VLAN tag */
    bool started;
    bool hotplugged;   /* probed by us: removed at close */
    bool configured;   /* queues set up: rte_eth_dev_close at close */
    bool wrap_foreign; /* the PMD reads frames with the CPU: attach other pools' buffers */
    bool host_link;    /* the device is a host interface: its MAC stays */
    bool promisc, allmulti;
    struct dpdk_pool *dp;        /* the port's pool: receive and own transmit buffers */
    struct rte_mempool *wrap_mp; /* header-only mbufs for other pools' buffers */
    struct dpdk_idle idle;
    struct dpdk_afpacket af; /* net_af_packet's sockets, for the drops its PMD does not count */
    uint64_t next_stats_ns;
    struct rte_mbuf *txq[DPDK_TXQ_MAX]; /* taken, waiting for a burst (dpdk_tx.c) */
    uint16_t txq_n;
    /* the driver's own reasons folded into the port counters */
    uint64_t own_rx_dropped, own_rx_errors, own_tx_dropped;
    char dev_name[RTE_ETH_NAME_MAX_LEN];
    char devargs[160];
    char stat_node[KPORT_NAME_MAX + 8];
    uint64_t ctr[DPDK_NCTR];
    struct kstat_group stats;
};

/** The counter names, DPDK_NCTR of them (dpdk_rx.c). */
extern const char *const dpdk_ctr_names[DPDK_NCTR];

/** dpdk_rx_burst - kport_ops.rx_burst (kernel/port.h). */
uint16_t dpdk_rx_burst(struct kport *port, struct pktbuf **pkts, uint16_t max);
/** dpdk_tx_burst - kport_ops.tx_burst (kernel/port.h): DPDK's tx_burst semantics (dpdk_tx.c). */
uint16_t dpdk_tx_burst(struct kport *port, struct pktbuf **pkts, uint16_t n);
/** dpdk_tx_flush_all - offer every started port's queued frames to its device. */
void dpdk_tx_flush_all(void);
/** dpdk_tx_start - @dpp started: its queue empty and flushed by dpdk_tx_flush_all. */
void dpdk_tx_start(struct dpdk_port *dpp);
/** dpdk_tx_stop - before the device stops: flush, drop (counted) what it does not take. */
void dpdk_tx_stop(struct dpdk_port *dpp);
/**
 * dpdk_port_refresh - read rte_eth_stats and the link state into the
 * counters and @dpp->port (rx/tx counters, link_up); release transmitted
 * buffers the PMD still holds (rte_eth_tx_done_cleanup).
 */
void dpdk_port_refresh(struct dpdk_port *dpp);

#endif
