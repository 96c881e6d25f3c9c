/*
 * drivers/virtio/virtio_net_priv.h — the virtio-net driver's state, shared
 * by its device control (virtio_net.c) and its ring operations for the
 * bare-metal NIC skeleton (virtio_net_rxtx.c, drivers/bm/nic.h). Private to
 * drivers/virtio. Source: OASIS virtio 1.1 section 5.1.
 */
#ifndef SPINDLE_DRIVERS_VIRTIO_NET_PRIV_H
#define SPINDLE_DRIVERS_VIRTIO_NET_PRIV_H

#include <stdint.h>
#include <stdbool.h>
#include "drivers/bm/dma_pool.h"
#include "drivers/bm/nic.h"
#include "drivers/bm/pci_bind.h"
#include "drivers/virtio/virtio_net_hdr.h"
#include "drivers/virtio/virtio_pci.h"
#include "drivers/virtio/virtqueue.h"
#include "kernel/bus.h"

#define VNET_TAG "virtio"
#define VNET_RXQ 0u
#define VNET_TXQ 1u
/** Segments of a chained frame sent as it is (plus a header descriptor); more are linearized. */
#define VNET_TX_MAX_SEGS 16u
/** Bytes reserved per transmit header slot (a header fits in 12; 16 keeps them aligned). */
#define VNET_HDR_SLOT 16u
/** Block size of the pool that merged receive frames are copied into: the pktbuf limit. */
#define VNET_BIG_BLOCK 65535u

/** The driver's counters, after the skeleton's (BM_DRV_CTR). */
enum vnet_ctr {
    VNET_RX_BAD_LEN,
    VNET_RX_BAD_ID,
    VNET_RX_BAD_HDR,
    VNET_RX_TOO_BIG,
    VNET_RX_MERGED,
    VNET_TX_BAD_ID,
    VNET_KICKS,
    VNET_KICKS_SAVED,
    VNET_IRQS,
    VNET_CONFIG_CHANGES,
    VNET_NCTR
};
/** Their names, as "show counters" prints them (virtio_net_rxtx.c). */
extern const char *const vnet_ctr_names[VNET_NCTR];

/*
 * A device's permanent state. bus.h has neither DMA free nor interrupt
 * detach, so what those hold lives here, is never freed and is reused when
 * the same function is opened again (drivers/bm/pci_bind.h).
 */
struct vnet_slot {
    struct pci_bind_slot *pci; /* the function, its name "virtio 00:04.0" and in_use */
    struct virtio_pci vp;
    volatile uint8_t isr_noted; /* ISR bits the handler saw since the main loop looked */
    volatile uint64_t irqs;
    uint16_t rxq_size, txq_size;
    struct bus_dma rxq_mem, txq_mem;
    struct bus_dma hdr_mem;  /* txq_size transmit header slots of VNET_HDR_SLOT bytes */
    struct dma_pool rx_pool; /* receive buffers' DMA memory, "IFNAME-rx" */
    void **rx_cookie, **tx_cookie;
};

/** What the configuration line asked for (the device may offer less). */
struct vnet_want {
    bool offload; /* offload=on: CSUM, HOST_TSO4, MRG_RXBUF */
    bool rx_csum; /* rx_csum=on: GUEST_CSUM */
    bool rx_tso4; /* rx_tso4=on: GUEST_TSO4 (with GUEST_CSUM and MRG_RXBUF) */
    uint32_t big; /* rx_big=N: blocks of VNET_BIG_BLOCK bytes for merged frames */
};

/** The port's private state; the skeleton's first. */
struct vnet_port {
    struct bm_nic nic;
    struct vnet_slot *slot;
    struct virtio_pci *vp;
    struct vnet_want want;
    uint64_t features;              /* negotiated */
    uint16_t hdr_len;               /* bytes of virtio_net_hdr in every buffer */
    bool mrg;                       /* VIRTIO_NET_F_MRG_RXBUF */
    struct vnet_rx_offloads rx_off; /* GUEST_CSUM, GUEST_TSO4 */
    struct virtqueue rxq, txq;
    uint16_t rx_skip;    /* buffers left of a merged frame that is being dropped */
    struct pktpool *big; /* merged frames (GUEST_TSO4), else NULL */
    char big_name[KPORT_NAME_MAX + 8];
};

static inline struct vnet_port *vnet_of(struct bm_nic *n)
{
    return (struct vnet_port *)n;
}

static inline bool vnet_has(uint64_t f, unsigned bit)
{
    return (f >> bit) & 1u;
}

/* Ring operations (virtio_net_rxtx.c); virtio_net.c adds the device control. */
int vnet_nic_rx_post(struct bm_nic *n, struct pktbuf *p);
unsigned vnet_nic_rx_space(struct bm_nic *n);
enum bm_rx_kind vnet_nic_rx_reap(struct bm_nic *n, struct pktbuf **buf);
void vnet_nic_rx_kick(struct bm_nic *n);
struct pktbuf *vnet_nic_rx_detach(struct bm_nic *n);
int vnet_nic_tx_post(struct bm_nic *n, struct pktbuf *p);
unsigned vnet_nic_tx_free(struct bm_nic *n);
struct pktbuf *vnet_nic_tx_reap(struct bm_nic *n);
void vnet_nic_tx_kick(struct bm_nic *n);
struct pktbuf *vnet_nic_tx_detach(struct bm_nic *n);
bool vnet_nic_intr_enable(struct bm_nic *n, bool tx_wake);
void vnet_nic_intr_disable(struct bm_nic *n);
/**
 * VNET_RING_OPS - the ring half of a struct bm_ring_ops initializer (the
 * functions above); the driver, and the hosted tests' model ports, add
 * hw_start, hw_stop, release and the rest.
 */
#define VNET_RING_OPS                                                                          \
    .rx_post = vnet_nic_rx_post, .rx_space = vnet_nic_rx_space, .rx_reap = vnet_nic_rx_reap,   \
    .rx_kick = vnet_nic_rx_kick, .rx_detach = vnet_nic_rx_detach, .tx_post = vnet_nic_tx_post, \
    .tx_free = vnet_nic_tx_free, .tx_reap = vnet_nic_tx_reap, .tx_kick = vnet_nic_tx_kick,     \
    .tx_detach = vnet_nic_tx_detach, .intr_enable = vnet_nic_intr_enable,                      \
    .intr_disable = vnet_nic_intr_disable
/** vnet_irq - the interrupt handler: read the ISR (acknowledging it), note what it says. */
void vnet_irq(void *ctx);

#endif
