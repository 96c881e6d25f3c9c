/*
 * drivers/bm/nic.h — the bare-metal NIC skeleton: what the e1000 and
 * virtio-net drivers do alike, written once over per-device ring operations.
 *
 * The skeleton is the port (kernel/port.h struct kport and its kport_ops):
 * receive bursts that replace every completed buffer with a fresh one from
 * the port's pool (zero-copy receive, as DPDK's PMDs refill their rings),
 * transmit bursts that queue frames (chained ones as one descriptor per
 * segment), reclaim completed transmits (pkt_free of the head frees the
 * whole chain), back-pressure when the ring is full, interrupts armed only
 * when the main loop idles (kport_ops.intr_enable), the one-second
 * watchdog, the counters and the open/start/stop/close life cycle. A driver
 * supplies struct bm_ring_ops: its descriptor formats, doorbells, interrupt
 * registers and device bring-up; nothing else.
 *
 *   struct mydev { struct bm_nic nic; ...device state... };  // nic first
 *   static const struct bm_ring_ops mydev_ops = { ... };
 *   open:  kmalloc a struct mydev, bm_nic_init(&d->nic, &mydev_ops, &cfg, ...),
 *          then bm_nic_open_pool() and bm_nic_register(): *out = &d->nic.port.
 *
 * Ownership: a buffer given to the device (rx_post, tx_post) belongs to the
 * device until the matching reap returns it; stop() takes every such buffer
 * back (rx_detach / tx_detach after the device is reset) and frees it, so
 * the pools are full again after a stop.
 *
 * Counters: the port's own (rx_packets ... tx_errors) plus one kstat group
 * "DRIVER-IFNAME": the skeleton's counters (enum bm_nic_ctr) followed by the
 * driver's (bm_nic_cfg.ctr_names), one array nic->ctr.
 *
 * Portable: only kernel/ headers, no bus access (the ring operations do
 * that), so it also compiles hosted and is unit-tested there with a model
 * device (tests/unit/drivers/rings/test_bm_nic.c).
 */
#ifndef SPINDLE_DRIVERS_BM_NIC_H
#define SPINDLE_DRIVERS_BM_NIC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "drivers/bm/dma_pool.h"
#include "drivers/bm/nic_port.h"
#include "kernel/pktbuf.h"
#include "kernel/port.h"
#include "kernel/timer.h"

struct bm_nic;

/** What a receive reap found (bm_ring_ops.rx_reap). */
enum bm_rx_kind {
    BM_RX_NONE = 0, /* nothing completed */
    BM_RX_FRAME,    /* *buf: a ring buffer holding a good frame (len and offload flags set by
                     * the driver): the skeleton posts a fresh buffer in its place */
    BM_RX_OWN,      /* *buf: a good frame in a buffer that is not on the ring (copied from
                     * several ring buffers, which the driver gave back itself) */
    BM_RX_BAD       /* a bad completion, counted by the driver in its own counter; *buf
                     * (NULL: none) is a ring buffer that goes back to the device */
};

/**
 * A device's ring operations. @n is the skeleton's state; a driver gets its
 * own from it (struct bm_nic is the first member of the driver's state).
 * Every operation runs in the main loop, never in an interrupt handler.
 */
struct bm_ring_ops {
    /**
     * hw_start - bring the device up with its rings empty; call
     * bm_nic_rx_fill(@n) at the point where the device takes receive
     * buffers. 0, or -KE_* with a reason in n->port.error (the device is
     * left stopped and every buffer posted so far detached by the driver).
     */
    int (*hw_start)(struct bm_nic *n);
    /** hw_stop - stop all DMA (reset): then rx_detach/tx_detach may take every buffer back. */
    void (*hw_stop)(struct bm_nic *n);
    /**
     * rx_post - give the device an empty buffer @p (len 0, data_off =
     * PKT_HEADROOM) to receive into; not yet visible to it (rx_kick).
     * 0, -KE_AGAIN (ring full), -KE_INVAL (buffer too small).
     */
    int (*rx_post)(struct bm_nic *n, struct pktbuf *p);
    /** rx_space - receive buffers the ring can still take. */
    unsigned (*rx_space)(struct bm_nic *n);
    /**
     * rx_reap - take the next completed receive (after the device's
     * read barrier): see enum bm_rx_kind. For BM_RX_FRAME the driver has
     * set (*buf)->len to the frame's bytes (without FCS) and the offload
     * flags the device reported (PKT_F_CSUM_*, PKT_F_GSO_TCPV4).
     */
    enum bm_rx_kind (*rx_reap)(struct bm_nic *n, struct pktbuf **buf);
    /** rx_kick - hand the buffers posted since the last kick to the device (barrier, doorbell). */
    void (*rx_kick)(struct bm_nic *n);
    /** rx_detach - after hw_stop: take back one posted buffer, NULL when none is left. */
    struct pktbuf *(*rx_detach)(struct bm_nic *n);
    /**
     * tx_post - queue frame @p (possibly chained: one descriptor per
     * segment) with the offloads its flags ask for; not yet visible to the
     * device (tx_kick). The skeleton has checked the length and that the
     * port advertises the offloads. 0 (the device owns @p until tx_reap
     * returns it), -KE_AGAIN (not enough descriptors: @p untouched), or
     * another -KE_* (the device cannot send @p: counted and dropped).
     */
    int (*tx_post)(struct bm_nic *n, struct pktbuf *p);
    /** tx_free - descriptors free on the transmit ring. */
    unsigned (*tx_free)(struct bm_nic *n);
    /** tx_reap - the next transmitted frame (its head, as posted), NULL when none is done. */
    struct pktbuf *(*tx_reap)(struct bm_nic *n);
    /** tx_kick - hand the frames posted since the last kick to the device. */
    void (*tx_kick)(struct bm_nic *n);
    /** tx_detach - after hw_stop: take back one queued frame, NULL when none is left. */
    struct pktbuf *(*tx_detach)(struct bm_nic *n);
    /**
     * intr_enable - the main loop is about to idle: ask the device to
     * interrupt at the next receive, and at transmit completions when
     * @tx_wake (frames wait for ring space, or the receive ring runs short
     * of buffers that transmits still hold). Returns true when a receive
     * completed meanwhile (the loop must not idle).
     */
    bool (*intr_enable)(struct bm_nic *n, bool tx_wake);
    /** intr_disable - the loop polls again: no interrupts needed (may be a no-op). */
    void (*intr_disable)(struct bm_nic *n);
    /** take_noted - look at what the interrupt handler noted (link changes); may be NULL. */
    void (*take_noted)(struct bm_nic *n);
    /** watchdog - once a second while running: statistics, link state; may be NULL. */
    void (*watchdog)(struct bm_nic *n);
    /** release - at close, after the skeleton let go of everything: mark the device free. */
    void (*release)(struct bm_nic *n);
};

/** The skeleton's own counters, first in nic->ctr (names: bm_nic_ctr_names). */
enum bm_nic_ctr {
    BM_C_RX_NO_BUF = 0,  /* frames dropped: no fresh buffer to replace theirs */
    BM_C_TX_BAD_LEN,     /* frames dropped: length out of range */
    BM_C_TX_BAD_OFFLOAD, /* frames dropped: an offload the port does not advertise or cannot do */
    BM_C_TX_RING_FULL,   /* tx bursts cut short by a full ring (back-pressure, not loss) */
    BM_C_TX_LINEARIZED,  /* chains copied into one buffer: more segments than tx_max_segs */
    BM_C_INTR_ENABLES,   /* times the device was asked to interrupt (the loop idled) */
    BM_NCTR
};

/** What a driver tells the skeleton at bm_nic_init. */
struct bm_nic_cfg {
    const char *driver;           /* class name ("e1000"): port->driver and the stats group */
    const char *ifname;           /* interface name from the configuration */
    const char *tag;              /* log tag */
    const char *const *ctr_names; /* the driver's own counters, after the skeleton's */
    unsigned nctr;                /* how many */
    uint16_t tx_max_segs;         /* segments a chained frame may have before it is linearized */
    uint16_t tx_lin_need;         /* descriptors a linear frame needs at most (linearize then) */
};

/** The skeleton's state: the first member of a driver's port state. */
struct bm_nic {
    struct kport port; /* port.priv points back here */
    const struct bm_ring_ops *ops;
    const char *tag;
    struct dma_pool *dma; /* the receive pool's DMA memory (the device's slot) */
    bool running;
    bool armed;      /* intr_enable called since the last rx_burst */
    bool tx_blocked; /* the last tx_burst stopped at a full ring */
    bool rx_dirty;   /* buffers posted since the last rx_kick */
    uint16_t tx_max_segs, tx_lin_need;
    uint32_t rx_cap; /* most buffers the receive ring took (its capacity) */
    struct ktimer watchdog;
    unsigned nctr;          /* BM_NCTR + cfg.nctr */
    uint64_t *ctr;          /* nctr counters */
    const char **ctr_names; /* their names */
    struct nic_stats stats; /* "DRIVER-IFNAME" over ctr */
};

/** Index of a driver's own counter @i (0-based in its cfg.ctr_names) in nic->ctr. */
#define BM_DRV_CTR(i) (BM_NCTR + (i))

/**
 * bm_nic_init - set up @n (zeroed by the caller) for driver @cfg with ring
 * operations @ops: the port (nic_port_init: name, MTU 1500, ops = the
 * skeleton's), counters (kmalloc), the watchdog timer. The port is not yet
 * registered nor has a pool. Returns 0 or -KE_NOMEM.
 */
int bm_nic_init(struct bm_nic *n, const struct bm_ring_ops *ops, const struct bm_nic_cfg *cfg);

/**
 * bm_nic_open_pool - the port's receive pool: @count blocks of @block_size
 * bytes in @dp's DMA memory (dma_pool_create), named "IFNAME-rx".
 * Returns 0 or -KE_NOMEM (nothing to undo but bm_nic_free).
 */
int bm_nic_open_pool(struct bm_nic *n, struct dma_pool *dp, uint32_t count, uint16_t block_size);

/** bm_nic_register - register the stats group "DRIVER-IFNAME" (the last step of a good open). */
void bm_nic_register(struct bm_nic *n);

/**
 * bm_nic_free - undo a failed open after bm_nic_init (and maybe
 * bm_nic_open_pool): destroy the pool, free the counters. The caller frees
 * its own state.
 */
void bm_nic_free(struct bm_nic *n);

/** bm_nic_kport_ops - the kport_ops every skeleton port has (port->ops after bm_nic_init). */
extern const struct kport_ops bm_nic_kport_ops;

/**
 * bm_nic_rx_fill - post fresh pool buffers while the ring has room and the
 * pool has buffers; returns how many (the caller kicks, or hw_start lets
 * the device see them its own way).
 */
unsigned bm_nic_rx_fill(struct bm_nic *n);

/**
 * bm_nic_rx_repost - give ring buffer @p back to the device (len and
 * flags cleared); freed when the ring will not take it. Returns 1 when
 * posted, 0 when freed. For drivers that consume several ring buffers per
 * frame (BM_RX_OWN, BM_RX_BAD).
 */
unsigned bm_nic_rx_repost(struct bm_nic *n, struct pktbuf *p);

/** bm_nic_tx_reclaim - free every transmitted frame (whole chains); returns how many. */
unsigned bm_nic_tx_reclaim(struct bm_nic *n);

/** bm_nic_segs - segments of @p with data (len > 0): the descriptors its bytes need. */
unsigned bm_nic_segs(const struct pktbuf *p);

#endif
