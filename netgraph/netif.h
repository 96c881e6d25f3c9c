/*
 * netgraph/netif.h — network interfaces: a named port with a MAC address,
 * IPv4 addresses and counters. The root of the protocol graph: the main loop
 * hands every received frame to netif_input(), which raises
 * dev_PacketArrived (the device's PacketArrived event of SPIN's Ethernet
 * example) with pkt->ifindex set.
 */
#ifndef SPINDLE_NETGRAPH_NETIF_H
#define SPINDLE_NETGRAPH_NETIF_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/event.h"
#include "kernel/pktbuf.h"
#include "kernel/port.h"
#include "kernel/stats.h"

#define NETIF_MAX 16
#define NETIF_MAX_ADDRS 8
/** Frames an interface holds while its device's transmit ring is full (a drop-tail queue). */
#define NETIF_TXQ_MAX 1024
/** Frames offered to a device per tx_burst call. */
#define NETIF_TX_BURST 32

/** Interface counters (also the names printed). */
enum netif_ctr {
    NETIF_RX_FRAMES,
    NETIF_RX_BYTES,
    NETIF_TX_FRAMES,
    NETIF_TX_BYTES,
    NETIF_TX_DROPPED,
    NETIF_TX_QUEUED,         /* frames that waited in the software queue for ring space */
    NETIF_TX_SEGMENTED,      /* super-frames cut into segments in software (no TSO on the port) */
    NETIF_TX_OFFLOAD_ERRORS, /* frames whose software checksum or segmentation failed: dropped */
    NETIF_NCTR
};

/** An interface. Addresses in host byte order. */
struct netif {
    uint16_t index; /* 0.. in creation order; pkt->ifindex */
    char name[KPORT_NAME_MAX];
    uint8_t mac[6]; /* our address on this link */
    uint16_t mtu;   /* IP MTU, bytes */
    struct kport *port;
    unsigned naddrs;
    uint32_t addr[NETIF_MAX_ADDRS]; /* host order */
    uint8_t plen[NETIF_MAX_ADDRS];  /* prefix length 0..32 */
    uint64_t ctr[NETIF_NCTR];
    struct kstat_group stats;
    struct pktbuf *txq_head, *txq_tail; /* frames waiting for ring space, oldest first */
    unsigned txq_len;
    uint64_t txq_bytes; /* bytes of the frames in the queue */
};

/** dev_PacketArrived - a frame arrived on interface pkt->ifindex; data = the whole frame. */
KEVENT_DECLARE(dev_PacketArrived, struct pktbuf *);
/**
 * dev_BurstEnd - every frame of a receive burst on the interface (the
 * argument) has been raised on dev_PacketArrived and released by its
 * raiser: a handler that kept a reference now holds the only one unless
 * another handler kept one too, and may write the buffer (kernel/pktbuf.h).
 * Frames transmitted during the burst leave after this event, one transmit
 * burst per interface (DPDK's and VPP's vectors; the router sends what it
 * forwarded from here). Synchronous handlers only.
 */
KEVENT_DECLARE(dev_BurstEnd, struct netif *);

/**
 * netif_create - wrap @port as interface @name with address @mac (NULL: the
 * port's). A given @mac is written to port->mac as well, so a driver's
 * start() programs its address filter with it. Returns 0 and *@out, -KE_EXIST (name taken), -KE_TOOBIG (more than
 * NETIF_MAX interfaces).
 */
int netif_create(struct kport *port, const char *name, const uint8_t *mac, struct netif **out);
/**
 * The interface table (netgraph/netif.c). Private: read it through
 * netif_get(), netif_count() and netif_generation(), which are inline
 * because every packet asks them several times.
 */
struct netif_table {
    struct netif *ifs[NETIF_MAX]; /* by index */
    unsigned n;                   /* interfaces created */
    uint64_t generation;          /* see netif_generation() */
};
extern struct netif_table netif_table;

/** netif_get - interface @index, or NULL. */
static inline struct netif *netif_get(uint16_t index)
{
    return index < netif_table.n ? netif_table.ifs[index] : NULL;
}
/** netif_find - interface named @name, or NULL. */
struct netif *netif_find(const char *name);
/** netif_count - interfaces created. */
static inline unsigned netif_count(void)
{
    return netif_table.n;
}
/** netif_add_addr - add @addr/@plen (host order). -KE_EXIST, -KE_TOOBIG, -KE_INVAL (plen > 32). */
int netif_add_addr(struct netif *ifp, uint32_t addr, uint8_t plen);
/**
 * netif_local_addr - true when @addr (host order) is one of our addresses;
 * *@ifp_out (if non-NULL) gets the interface holding it.
 */
bool netif_local_addr(uint32_t addr, struct netif **ifp_out);
/** What an IPv4 address is to us (netif_addr_kind). */
enum netif_addr_kind {
    NETIF_ADDR_OTHER = 0, /* neither: not for us */
    NETIF_ADDR_LOCAL,     /* one of our interface addresses */
    NETIF_ADDR_BCAST,     /* 255.255.255.255 or a directed broadcast of one of our subnets */
};
/**
 * netif_addr_kind - classify host-order @addr in one hash probe
 * (netgraph/addrcache.c, rebuilt when netif_generation() changes); a local
 * address's interface index goes to *@ifindex (if non-NULL). An address that
 * is both (another subnet's broadcast) is NETIF_ADDR_BCAST.
 */
enum netif_addr_kind netif_addr_kind(uint32_t addr, uint16_t *ifindex);
/**
 * netif_bcast_addr - true when @addr is 255.255.255.255 or the directed
 * broadcast address of a subnet of one of our addresses (RFC 1122 3.2.1.3).
 */
bool netif_bcast_addr(uint32_t addr);
/**
 * netif_generation - a number that changes whenever an interface is created
 * or destroyed or an address is added (the only ways they change: write
 * addresses through netif_add_addr). Derived state (the connected routes)
 * compares it instead of re-reading every interface per packet.
 */
static inline uint64_t netif_generation(void)
{
    return netif_table.generation;
}
/**
 * netif_input_burst - a receive burst of @n frames on @ifp: for each, in
 * order, account it, raise dev_PacketArrived and free the raiser's
 * reference; then raise dev_BurstEnd; then (outside any enclosing burst)
 * send what was transmitted meanwhile, one tx_burst per interface. Takes
 * over the references at @pkts.
 */
void netif_input_burst(struct netif *ifp, struct pktbuf **pkts, unsigned n);
/** netif_input - netif_input_burst of the one frame @pkt. */
void netif_input(struct netif *ifp, struct pktbuf *pkt);
/**
 * netif_transmit - send one frame (data = the whole frame) through @ifp's
 * port; consumes @pkt. What the port cannot do itself (checksum, TSO, a
 * chained buffer) is done in software first (netif_offload, pkt_linearize). During a receive burst the frame waits for the
 * burst's end (netif_input_burst); otherwise it goes to the device at once.
 * When the device's transmit ring is full the frame waits in the
 * interface's queue (at most NETIF_TXQ_MAX frames, drop-tail), behind any
 * frame already waiting, so order is kept. Returns 0 (sent or
 * queued) or -KE_AGAIN (queue full: dropped and counted tx_dropped).
 */
int netif_transmit(struct netif *ifp, struct pktbuf *pkt);
/**
 * netif_offload - complete in software what @pkt asks of @ifp's port and the
 * port cannot do (netgraph/offload.c): a partial checksum
 * (PKT_F_CSUM_PARTIAL without port->tx_csum) or TCP segmentation
 * (PKT_F_GSO_TCPV4 without port->tx_tso4). Consumes @pkt; returns the
 * frames to send as a list linked by ->next, or NULL when @pkt was
 * malformed or no buffer was free (counted).
 */
struct pktbuf *netif_offload(struct netif *ifp, struct pktbuf *pkt);
/**
 * netif_tx_flush_all - offer every interface's waiting frames to its
 * device again (the main loop calls it every iteration). Returns the number
 * of frames still waiting; while nonzero the main loop idles only until the
 * device's transmit interrupt or APPLIANCE_TX_WAIT_NS.
 */
unsigned netif_tx_flush_all(void);
/** netif_destroy_all - stop and close every port and forget every interface. */
void netif_destroy_all(void);

#endif
