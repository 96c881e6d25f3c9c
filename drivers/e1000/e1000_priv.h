/*
 * drivers/e1000/e1000_priv.h — the e1000 driver's state, shared by its
 * device control (e1000.c) and its ring operations for the bare-metal NIC
 * skeleton (e1000_rxtx.c, drivers/bm/nic.h). Private to drivers/e1000.
 * Source: Intel 8254x Family of Gigabit Ethernet Controllers Software
 * Developer's Manual (8254x SDM).
 */
#ifndef SPINDLE_DRIVERS_E1000_PRIV_H
#define SPINDLE_DRIVERS_E1000_PRIV_H

#include <stdint.h>
#include <stdbool.h>
#include "drivers/bm/dma_pool.h"
#include "drivers/bm/nic.h"
#include "drivers/bm/pci_bind.h"
#include "drivers/e1000/e1000_regs.h"
#include "drivers/e1000/e1000_ring.h"
#include "kernel/bus.h"

#define E1000_TAG "e1000"
#define E1000_RX_BUF 2048u                        /* RCTL.BSIZE, bytes */
#define E1000_BLOCK (PKT_HEADROOM + E1000_RX_BUF) /* pool block size, bytes */
/** Segments of a chained frame sent as it is; more are linearized (drivers/bm/nic.h). */
#define E1000_TX_MAX_SEGS 16u
/** Interrupt causes cleared before arming (ICR is write-1-to-clear, SDM 13.4.17). */
#define E1000_ICR_STALE \
    (E1000_ICR_RXT0 | E1000_ICR_RXDMT0 | E1000_ICR_RXO | E1000_ICR_TXDW | E1000_ICR_TXQE)

/** The driver's counters, after the skeleton's (BM_DRV_CTR): hardware registers, then driver. */
enum e1000_ctr {
    E1000_C_CRCERRS,
    E1000_C_ALGNERRC,
    E1000_C_SYMERRS,
    E1000_C_RXERRC,
    E1000_C_MPC,
    E1000_C_COLC,
    E1000_C_GPRC,
    E1000_C_BPRC,
    E1000_C_MPRC,
    E1000_C_GPTC,
    E1000_C_GORC,
    E1000_C_GOTC,
    E1000_C_RNBC,
    E1000_C_RUC,
    E1000_C_ROC,
    E1000_C_TPR,
    E1000_C_TPT,
    E1000_C_HW_LAST = E1000_C_TPT,
    E1000_C_RX_DESC_ERRORS,
    E1000_C_RX_FRAGMENTS,
    E1000_C_RX_BAD_LEN,
    E1000_C_TX_COLLISIONS,
    E1000_C_TX_CONTEXTS,
    E1000_C_IRQS,
    E1000_C_LINK_CHANGES,
    E1000_NCTR
};

/*
 * A device's permanent state: bus.h can neither free DMA memory nor detach
 * an interrupt handler, so what those hold lives here and is reused when the
 * same function is opened again (drivers/bm/pci_bind.h).
 */
struct e1000_slot {
    struct pci_bind_slot *pci;   /* the function, its name "e1000 00:03.0" and in_use */
    bool mapped;                 /* bar is valid */
    struct bus_bar bar;          /* BAR0: 128 KiB of registers */
    volatile uint32_t icr_noted; /* ICR causes the handler saw since the main loop looked */
    volatile uint64_t irqs;
    volatile bool armed; /* IMS holds `ims`; the handler clears it when it masks */
    uint32_t ims;        /* causes enabled by the last arming */
    uint16_t rx_count, tx_count;
    struct bus_dma rx_mem, tx_mem;
    struct dma_pool rx_pool; /* receive buffers' DMA memory, "IFNAME-rx" */
    void **rx_cookie, **tx_cookie;
};

/** Interrupt moderation registers as configured (SDM 13.4.18, 13.4.29-30, 13.4.44, 13.4.47). */
struct e1000_moderation {
    uint16_t itr;  /* ITR: minimum interval between interrupts, 256 ns units */
    uint16_t rdtr; /* RDTR: receive delay timer, 1.024 us units (0: RADV unused) */
    uint16_t radv; /* RADV: receive absolute delay, 1.024 us units */
    uint16_t tidv; /* TIDV: transmit delay, 1.024 us units (descriptors get IDE when > 0) */
    uint16_t tadv; /* TADV: transmit absolute delay, 1.024 us units */
};

/** The port's private state; the skeleton's first. */
struct e1000_port {
    struct bm_nic nic;
    struct e1000_slot *slot;
    struct e1000_ring rx, tx;
    bool promisc;
    bool rx_discard;         /* dropping the rest of a frame that spanned buffers */
    bool ctx_valid;          /* the device holds context `ctx` (SDM 3.3.6) */
    struct e1000_tx_ctx ctx; /* the last context descriptor sent */
    struct e1000_moderation mod;
};

static inline struct e1000_port *e1000_of(struct bm_nic *n)
{
    return (struct e1000_port *)n;
}

static inline uint32_t e1000_rd(const struct e1000_slot *s, uint32_t reg)
{
    return bus_read32(&s->bar, reg);
}

static inline void e1000_wr(const struct e1000_slot *s, uint32_t reg, uint32_t v)
{
    bus_write32(&s->bar, reg, v);
}

/* Ring operations (e1000_rxtx.c); e1000.c adds the device control to make a bm_ring_ops. */
int e1000_nic_rx_post(struct bm_nic *n, struct pktbuf *p);
unsigned e1000_nic_rx_space(struct bm_nic *n);
enum bm_rx_kind e1000_nic_rx_reap(struct bm_nic *n, struct pktbuf **buf);
void e1000_nic_rx_kick(struct bm_nic *n);
struct pktbuf *e1000_nic_rx_detach(struct bm_nic *n);
int e1000_nic_tx_post(struct bm_nic *n, struct pktbuf *p);
unsigned e1000_nic_tx_free(struct bm_nic *n);
struct pktbuf *e1000_nic_tx_reap(struct bm_nic *n);
void e1000_nic_tx_kick(struct bm_nic *n);
struct pktbuf *e1000_nic_tx_detach(struct bm_nic *n);
bool e1000_nic_intr_enable(struct bm_nic *n, bool tx_wake);
void e1000_nic_intr_disable(struct bm_nic *n);
/** e1000_irq - the interrupt handler: read ICR (clearing it), note the causes, mask all. */
void e1000_irq(void *ctx);

#endif
