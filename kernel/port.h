/*
 * kernel/port.h — the driver interface: a port with receive and transmit
 * bursts (DPDK's rte_eth_rx_burst / rte_eth_tx_burst shape), and the driver
 * classes that open ports from a configuration line's key=value parameters.
 *
 * The main loop (apps/appliance) calls rx_burst on every port and raises
 * dev_PacketArrived for each frame; ether.SendPacket's last handler calls
 * tx_burst. Drivers include only kernel/ headers.
 */
#ifndef SPINDLE_KERNEL_PORT_H
#define SPINDLE_KERNEL_PORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/pktbuf.h"
#include "kernel/section.h"

#define KPORT_NAME_MAX 16
#define KPARAM_MAX 16

/** key=value parameters from a configuration line (strings, borrowed). */
struct kparams {
    unsigned n;
    const char *key[KPARAM_MAX];
    const char *value[KPARAM_MAX];
};

/** kparams_get - the value of @key, or NULL. */
const char *kparams_get(const struct kparams *p, const char *key);
/**
 * kparams_get_u64 - parse @key as an unsigned number in [@min, @max]; if absent,
 * *@out = @dflt. Returns 0, -KE_INVAL (not a number) or -KE_RANGE.
 */
int kparams_get_u64(const struct kparams *p, const char *key, uint64_t dflt, uint64_t min,
                    uint64_t max, uint64_t *out);

struct kport;

/** Operations of a port. */
struct kport_ops {
    /** start - begin receiving; 0 or -KE_* with a reason in port->error. */
    int (*start)(struct kport *port);
    /** stop - stop receiving and transmitting; buffers held are returned. */
    void (*stop)(struct kport *port);
    /**
     * rx_burst - move up to @max received frames into @pkts (each with one
     * reference, data = the whole frame without FCS, rx_ns set). Returns the
     * count; 0 when nothing is waiting. Never blocks.
     */
    uint16_t (*rx_burst)(struct kport *port, struct pktbuf **pkts, uint16_t max);
    /**
     * tx_burst - transmit up to @n frames, in order (DPDK rte_eth_tx_burst
     * semantics). Returns k, the number of leading frames the port took:
     * queued on the device, or dropped for an error and counted (tx_errors,
     * tx_dropped). The caller keeps pkts[k..n) and offers them again later:
     * k < n means the device's transmit ring is full, which is not an error.
     */
    uint16_t (*tx_burst)(struct kport *port, struct pktbuf **pkts, uint16_t n);
    /** close - release everything; the port is freed. */
    void (*close)(struct kport *port);
    /**
     * intr_enable - optional (NULL: nothing to arm, e.g. a host descriptor
     * in wait_fd wakes the loop). The main loop is about to idle: ask the
     * device to interrupt at the next received frame (and when transmit
     * ring space frees up while frames wait for it). Returns true when a
     * frame arrived meanwhile: the loop polls again instead of idling.
     * While the loop polls, the driver keeps the device from interrupting
     * (it turns interrupts off again in rx_burst): notification suppression,
     * OASIS virtio 1.1 section 2.6.7; Linux NAPI.
     */
    bool (*intr_enable)(struct kport *port);
};

/** A port. Drivers fill it; the counters are theirs to keep. */
struct kport {
    const struct kport_ops *ops;
    void *priv;                /* driver state */
    const char *driver;        /* driver class name */
    char name[KPORT_NAME_MAX]; /* interface name from the configuration */
    uint8_t mac[6];            /* the device's own address */
    uint16_t mtu;              /* IP MTU in bytes (1500 default) */
    bool link_up;
    bool done;            /* replay input exhausted: no more rx, ever */
    bool no_idle;         /* always has work until done (replay): the main loop never idles */
    bool tx_gather;       /* tx_burst takes chained buffers (kernel/pktbuf.h pkt_chain) */
    bool tx_csum;         /* tx_burst completes PKT_F_CSUM_PARTIAL checksums */
    bool tx_tso4;         /* tx_burst cuts PKT_F_GSO_TCPV4 super-frames (TSO) */
    int wait_fd;          /* hosted: fd readable when rx is waiting; -1 none */
    struct pktpool *pool; /* receive buffers */
    char error[128];      /* why start/open failed */
    uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
    uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
    struct kport *next_live; /* kport_attach list, private */
    bool attached;
};

/** What a driver class gets when a configuration line opens a port. */
struct kdriver_args {
    const char *ifname;           /* "eth0" */
    const struct kparams *params; /* key=value from the line (driver=, mac= removed) */
    unsigned instance;            /* 0 for the first interface of this driver, 1 ... */
    struct pktpool *pool;         /* the pool to receive into (may be NULL: driver makes its own) */
};

/** A driver class: "pcap", "pcap-file", "loop", "e1000", "virtio". */
struct kdriver {
    const char *name;
    /**
     * open - create a port for @a. Returns 0 and *@out, or -KE_* with a
     * message in @err (@errlen bytes) naming the device and why.
     */
    int (*open)(const struct kdriver_args *a, struct kport **out, char *err, size_t errlen);
};

/*
 * Driver classes register themselves at link time, one line in the driver's
 * source (kernel/section.h):
 *
 *     const struct kdriver pcap_driver = { .name = "pcap", .open = pcap_open };
 *     KDRIVER_REGISTER(pcap_driver);
 *
 * A target links the drivers it has (the hosted program: pcap, pcap-file,
 * loop, dpdk; the VMs: e1000, virtio, loop), so its set is what it can open.
 */
KSET_DECLARE(drivers, const struct kdriver);
/** KDRIVER_REGISTER - add driver class @var (a const struct kdriver) to the image. */
#define KDRIVER_REGISTER(var) KSET_ADD(drivers, const struct kdriver, var)

/**
 * kdriver_register - make driver class @d available at run time in addition
 * to the linked-in ones (tests register fakes). Registering a class that is
 * already available (the same descriptor) is a no-op returning 0; another
 * class of the same name is -KE_EXIST; -KE_TOOBIG past 16 run-time classes.
 */
int kdriver_register(const struct kdriver *d);
/** kdriver_find - the driver class named @name (linked-in first, then run-time), or NULL. */
const struct kdriver *kdriver_find(const char *name);
/** kdriver_foreach - every class: linked-in ones sorted by name, then run-time ones in order. */
void kdriver_foreach(void (*cb)(const struct kdriver *d, void *ctx), void *ctx);

/**
 * kport_attach - add @port to the list of live ports (netif_create does
 * this); targets use it to wait for receive readiness (hosted: poll() on
 * every wait_fd). kport_detach removes it; both are idempotent.
 */
void kport_attach(struct kport *port);
void kport_detach(struct kport *port);
/** kport_foreach - call @cb for every attached port. */
void kport_foreach(void (*cb)(struct kport *port, void *ctx), void *ctx);

#endif
