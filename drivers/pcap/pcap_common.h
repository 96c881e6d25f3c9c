/*
 * drivers/pcap/pcap_common.h — what the hosted pcap (live capture) and
 * pcap-file (offline replay) drivers share: the port allocation, parameter
 * checks, the named reason counters and the copy of a captured frame into a
 * packet buffer. Private to drivers/pcap; hosted-only (libc allowed).
 */
#ifndef SPINDLE_DRIVERS_PCAP_COMMON_H
#define SPINDLE_DRIVERS_PCAP_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/port.h"
#include "kernel/stats.h"

/** Named reason counters of a pcap or pcap-file port (kstats node "DRIVER:IFNAME"). */
enum pcap_ctr {
    PCAP_CTR_RX_TRUNCATED, /* captured fewer bytes than the frame had (caplen < len): rx_errors */
    PCAP_CTR_RX_OVERSIZE,  /* frame longer than a buffer's room after PKT_HEADROOM: rx_errors */
    PCAP_CTR_RX_RUNT,      /* frame shorter than an Ethernet header (14 bytes): rx_errors */
    PCAP_CTR_RX_NO_BUFFER, /* receive pool empty: rx_dropped */
    PCAP_CTR_RX_LATE,      /* pcap-file: delivered after its timestamp (out of order) */
    PCAP_CTR_READ_ERRORS,  /* libpcap read failed (device gone, truncated file): rx_errors */
    PCAP_CTR_TX_ERRORS,    /* pcap_inject or the dump failed: tx_errors */
    PCAP_CTR_TX_STOPPED,   /* transmitted while the port was stopped: tx_dropped */
    PCAP_CTR_RX_BURSTS,    /* rx_burst calls that returned frames (frames per burst) */
    PCAP_NCTR
};

/** Ethernet header bytes (IEEE 802.3 clause 3.1.1: destination, source, type). */

/**
 * Common head of both drivers' port state; the kport is embedded so that
 * port->priv points back at it. Drivers embed this as their first member.
 */
struct pcap_port {
    struct kport port;
    struct pktpool *own_pool; /* created when neither args nor a default gave one */
    char stat_node[KPORT_NAME_MAX + 16];
    uint64_t ctr[PCAP_NCTR];
    struct kstat_group stats;
};

/**
 * pcap_port_new - allocate a zeroed driver state of @size bytes (at least a
 * struct pcap_port, which it starts with) for interface @a->ifname of driver
 * @driver, fill the kport defaults (name, driver, mtu from mtu= or 1500,
 * MAC from mac= or @mac_base + a->instance in its last three bytes, pool,
 * wait_fd -1) and register its counters.
 * Returns the state or NULL with @err set (-KE_NOMEM, or a bad mtu=/mac= in
 * which case *@rc is -KE_INVAL / -KE_RANGE).
 */
struct pcap_port *pcap_port_new(size_t size, const char *driver, const struct kdriver_args *a,
                                const uint8_t mac_base[6], int *rc, char *err, size_t errlen);

/** pcap_port_free - unregister the counters, destroy an own pool, free @pp. */
void pcap_port_free(struct pcap_port *pp);

/**
 * pcap_params_check - fail with -KE_INVAL and a message naming the first
 * key of @a->params not in @known (NULL-terminated), so that a mistyped key
 * is an error instead of silently ignored. "mtu" and "mac" are always known.
 */
int pcap_params_check(const char *driver, const struct kdriver_args *a, const char *const *known,
                      char *err, size_t errlen);

/**
 * pcap_rx_frame - copy one captured frame into a fresh buffer of the port's
 * pool at PKT_HEADROOM, with len = @caplen bytes and rx_ns = @rx_ns.
 * @wire_len: the frame's length on the wire (pcap's len). Returns the
 * buffer, or NULL after counting why: a truncated capture (caplen < len),
 * a frame too long for the buffer or shorter than an Ethernet header are
 * rx_errors; an empty pool is rx_dropped. Counts rx_packets and rx_bytes
 * on success.
 */
struct pktbuf *pcap_rx_frame(struct pcap_port *pp, const uint8_t *data, uint32_t caplen,
                             uint32_t wire_len, uint64_t rx_ns);

#endif
