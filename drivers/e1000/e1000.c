/*
 * drivers/e1000/e1000.c — the Intel 82540EM (QEMU's "e1000") and its 8254x
 * siblings: driver class "e1000", `interface eth0 driver=e1000
 * [rx_ring=N] [tx_ring=N] [pool=N] [promisc=0|1]`, binding the Nth
 * matching PCI function in bus order. Source: Intel PCI/PCI-X Family of
 * Gigabit Ethernet Controllers Software Developer's Manual (8254x SDM):
 * chapter 14 "General Initialization and Reset Operation", chapter 3
 * (descriptors, see e1000_ring.h), chapter 13 (registers, e1000_regs.h).
 *
 * Receive is zero copy: each legacy receive descriptor points at a pktbuf
 * block's data area (RCTL.BSIZE = 2048 bytes; the port's pool has blocks of
 * PKT_HEADROOM + 2048 bytes so the device can never write past the block);
 * a completed buffer is handed up and a fresh one posted in its place.
 * Transmit gives the frame's own bytes to the device (one legacy descriptor,
 * EOP | IFCS | RS) and frees the buffer when DD comes back.
 *
 * DMA addresses come from bus_dma_addr(dev, virt, false): the e1000 is a
 * normal bus master going through the host bridge's translation. That works
 * on any kernel pointer, not only on memory from bus_dma_alloc, because on
 * both bare-metal targets all kernel memory is physically contiguous and
 * identity/KSEG mapped (a property of kernel/bus.h); so a frame from any
 * pool can be transmitted in place. Receive buffers and rings are DMA
 * memory all the same (bus_dma_alloc).
 *
 * Interrupts (RXT0, RXDMT0, RXO, LSC, TXDW) only wake the CPU: the handler
 * reads ICR (which clears it and deasserts INTx) and notes the causes; the
 * main loop polls rx_burst. A one-second watchdog timer folds the
 * clear-on-read statistics registers into the counters and refreshes the
 * link state.
 */
#include "drivers/e1000/e1000.h"
#include "protocols/ether/ether_wire.h"

#include "drivers/bm/dma_pool.h"
#include "drivers/bm/nic_params.h"
#include "drivers/bm/nic_port.h"
#include "drivers/bm/pci_bind.h"
#include "drivers/e1000/e1000_regs.h"
#include "drivers/e1000/e1000_ring.h"
#include "kernel/bus.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/pktbuf.h"
#include "kernel/port.h"
#include "kernel/stats.h"
#include "kernel/timer.h"

#define E1000_TAG "e1000"
#define E1000_SLOTS 8u
#define E1000_RX_BUF 2048u                       /* RCTL.BSIZE */
#define E1000_BLOCK (PKT_HEADROOM + E1000_RX_BUF) /* pool block size, bytes */
#define E1000_RESET_TIMEOUT_NS (100ull * KNS_PER_MS)
#define E1000_EERD_TIMEOUT_NS (10ull * KNS_PER_MS)
#define E1000_WATCHDOG_NS KNS_PER_S
#define E1000_IMS_ENABLE (E1000_ICR_RXT0 | E1000_ICR_RXDMT0 | E1000_ICR_RXO | E1000_ICR_LSC | \
                          E1000_ICR_TXDW)

/** Counters beyond the port's (kstat group "e1000-IFNAME"): hardware registers, then driver. */
enum e1000_ctr {
    E1000_C_CRCERRS, E1000_C_ALGNERRC, E1000_C_SYMERRS, E1000_C_RXERRC, E1000_C_MPC,
    E1000_C_COLC, E1000_C_GPRC, E1000_C_BPRC, E1000_C_MPRC, E1000_C_GPTC, E1000_C_GORC,
    E1000_C_GOTC, E1000_C_RNBC, E1000_C_RUC, E1000_C_ROC, E1000_C_TPR, E1000_C_TPT,
    E1000_C_HW_LAST = E1000_C_TPT,
    E1000_C_RX_DESC_ERRORS, E1000_C_RX_FRAGMENTS, E1000_C_RX_BAD_LEN, E1000_C_RX_NO_BUF,
    E1000_C_TX_BAD_LEN, E1000_C_TX_RING_FULL, E1000_C_TX_COLLISIONS, E1000_C_IRQS,
    E1000_C_LINK_CHANGES, E1000_NCTR
};
static const char *const e1000_ctr_names[E1000_NCTR] = {
    "crcerrs", "algnerrc", "symerrs", "rxerrc", "mpc", "colc", "gprc", "bprc", "mprc", "gptc",
    "gorc", "gotc", "rnbc", "ruc", "roc", "tpr", "tpt",
    "rx_desc_errors", "rx_fragments", "rx_bad_len", "rx_no_buf", "tx_bad_len", "tx_ring_full",
    "tx_collisions", "irqs", "link_changes"
};
/* Statistics registers in counter order; GORC/GOTC are 64-bit (low register given). */
static const uint16_t e1000_stat_regs[E1000_C_HW_LAST + 1] = {
    E1000_CRCERRS, E1000_ALGNERRC, E1000_SYMERRS, E1000_RXERRC, E1000_MPC, E1000_COLC,
    E1000_GPRC, E1000_BPRC, E1000_MPRC, E1000_GPTC, E1000_GORCL, E1000_GOTCL, E1000_RNBC,
    E1000_RUC, E1000_ROC, E1000_TPR, E1000_TPT
};

/*
 * A device's permanent state: bus.h can neither free DMA memory nor detach
 * an interrupt handler, so what those hold lives here and is reused when the
 * same function is opened again (drivers/bm/pci_bind.h). e1000_slots[i]
 * belongs to e1000_pci[i].
 */
struct e1000_slot {
    struct pci_bind_slot *pci;  /* the function, its name "e1000 00:03.0" and in_use */
    bool mapped;                /* bar is valid */
    struct bus_bar bar;         /* BAR0: 128 KiB of registers */
    volatile uint32_t icr_noted; /* ICR causes the handler saw since the main loop looked */
    volatile uint64_t irqs;
    uint16_t rx_count, tx_count;
    struct bus_dma rx_mem, tx_mem;
    struct dma_pool rx_pool;    /* receive buffers' DMA memory, "IFNAME-rx" */
    void **rx_cookie, **tx_cookie;
};
static struct pci_bind_slot e1000_pci[E1000_SLOTS];
static struct e1000_slot e1000_slots[E1000_SLOTS];

/** The port's private state. */
struct e1000_port {
    struct kport port;
    struct e1000_slot *slot;
    struct e1000_ring rx, tx;
    bool running;
    bool promisc;
    bool rx_discard;            /* dropping the rest of a frame that spanned buffers */
    struct ktimer watchdog;
    uint64_t ctr[E1000_NCTR];
    struct nic_stats stats;     /* "e1000-IFNAME" over ctr */
};

static uint32_t rd(const struct e1000_slot *s, uint32_t reg)
{
    return bus_read32(&s->bar, reg);
}
static void wr(const struct e1000_slot *s, uint32_t reg, uint32_t v)
{
    bus_write32(&s->bar, reg, v);
}

/* ---- binding ---- */

static bool is_e1000(const struct bus_device *d)
{
    if (d->vendor_id != E1000_VENDOR_INTEL)
        return false;
    switch (d->device_id) {
    case E1000_DEV_82540EM:
    case E1000_DEV_82545EM:
    case E1000_DEV_82544GC:
    case E1000_DEV_82543GC:
        return true;
    default:
        return false;
    }
}

static const struct pci_bind_class e1000_class = {
    .driver = "e1000", .device = "e1000", .match = is_e1000,
    .slots = e1000_pci, .nslots = E1000_SLOTS,
};

/* ---- interrupt: note and acknowledge only ---- */

static void e1000_irq(void *ctx)
{
    struct e1000_slot *s = ctx;
    if (!s->mapped)
        return;
    uint32_t icr = rd(s, E1000_ICR); /* read clears, deasserting INTx */
    if (icr) {
        s->icr_noted |= icr;
        s->irqs = s->irqs + 1;
    }
}

/* ---- device control ---- */

/* Poll until (reg & mask) == want or @timeout_ns passes (bounded). */
static bool wait_reg(const struct e1000_slot *s, uint32_t reg, uint32_t mask, uint32_t want,
                     uint64_t timeout_ns, uint32_t *last)
{
    uint64_t deadline = kclock_now_ns() + timeout_ns;
    uint32_t v = 0;
    for (unsigned spins = 0; spins < 10000000u; spins++) {
        v = rd(s, reg);
        if ((v & mask) == want)
            break;
        if (kclock_now_ns() > deadline)
            break;
    }
    if (last)
        *last = v;
    return (v & mask) == want;
}

/* Global reset (SDM 14.9): mask interrupts, CTRL.RST, wait for it to clear. */
static int hw_reset(struct e1000_slot *s)
{
    wr(s, E1000_IMC, 0xffffffffu);
    wr(s, E1000_RCTL, 0);
    wr(s, E1000_TCTL, 0);
    (void)rd(s, E1000_STATUS); /* flush posted writes */
    wr(s, E1000_CTRL, rd(s, E1000_CTRL) | E1000_CTRL_RST);
    if (!wait_reg(s, E1000_CTRL, E1000_CTRL_RST, 0, E1000_RESET_TIMEOUT_NS, NULL))
        return -KE_IO;
    wr(s, E1000_IMC, 0xffffffffu);
    (void)rd(s, E1000_ICR);
    return 0;
}

/* EEPROM word @addr through EERD (SDM 13.4.4); -KE_IO when it never completes. */
static int eeprom_read(struct e1000_slot *s, uint8_t addr, uint16_t *out)
{
    wr(s, E1000_EERD, ((uint32_t)addr << E1000_EERD_ADDR_SHIFT) | E1000_EERD_START);
    uint32_t v;
    if (!wait_reg(s, E1000_EERD, E1000_EERD_DONE, E1000_EERD_DONE, E1000_EERD_TIMEOUT_NS, &v))
        return -KE_IO;
    *out = (uint16_t)(v >> E1000_EERD_DATA_SHIFT);
    return 0;
}

/* The station address: RAL0/RAH0 when valid (QEMU loads them), else EEPROM words 0-2. */
static int read_mac(struct e1000_slot *s, uint8_t mac[6])
{
    uint32_t ral = rd(s, E1000_RAL0), rah = rd(s, E1000_RAH0);
    if ((rah & E1000_RAH_AV) && (ral | (rah & 0xffffu))) {
        uint8_t b[8];
        store_le32(b, ral);
        store_le32(b + 4, rah);
        memcpy(mac, b, 6);
        return 0;
    }
    for (uint8_t w = 0; w < 3; w++) {
        uint16_t v;
        if (eeprom_read(s, w, &v) != 0)
            return -KE_IO;
        store_le16(mac + 2 * w, v);
    }
    return 0;
}

static void write_mac(struct e1000_slot *s, const uint8_t mac[6])
{
    wr(s, E1000_RAL0, load_le32(mac));
    wr(s, E1000_RAH0, (uint32_t)load_le16(mac + 4) | E1000_RAH_AV);
}

static void update_link(struct e1000_port *e)
{
    bool up = e->running && (rd(e->slot, E1000_STATUS) & E1000_STATUS_LU);
    if (up != e->port.link_up) {
        e->ctr[E1000_C_LINK_CHANGES]++;
        KINFO(E1000_TAG, "%s (%s): link %s", e->port.name, e->slot->pci->name, up ? "up" : "down");
    }
    e->port.link_up = up;
}

/* Fold the clear-on-read statistics registers into the counters (SDM 13.7). */
static void read_stats(struct e1000_port *e)
{
    struct e1000_slot *s = e->slot;
    uint64_t d[E1000_C_HW_LAST + 1];
    for (unsigned i = 0; i <= E1000_C_HW_LAST; i++) {
        uint16_t reg = e1000_stat_regs[i];
        d[i] = rd(s, reg);
        if (i == E1000_C_GORC || i == E1000_C_GOTC)
            d[i] |= (uint64_t)rd(s, reg + 4u) << 32; /* low first; reading high clears both */
        e->ctr[i] += d[i];
    }
    e->port.rx_dropped += d[E1000_C_MPC];
    e->port.rx_errors += d[E1000_C_CRCERRS] + d[E1000_C_RXERRC] + d[E1000_C_RUC] + d[E1000_C_ROC];
    e->ctr[E1000_C_IRQS] = s->irqs;
}

static void e1000_watchdog(struct ktimer *t, void *ctx)
{
    struct e1000_port *e = ctx;
    read_stats(e);
    update_link(e);
    ktimer_arm_in(t, E1000_WATCHDOG_NS);
}

static void take_noted(struct e1000_port *e)
{
    uint32_t noted = e->slot->icr_noted;
    if (!noted)
        return;
    e->slot->icr_noted = 0;
    if (noted & E1000_ICR_LSC)
        update_link(e);
}

/* ---- receive ---- */

static int rx_post(struct e1000_port *e, struct pktbuf *p)
{
    if (pkt_tailroom(p) < E1000_RX_BUF)
        return -KE_INVAL;
    return e1000_rx_post(&e->rx, bus_dma_addr(&e->slot->pci->dev, pkt_data(p), false), p);
}

/* Give a buffer whose frame was dropped back to the device; 1 if posted. */
static unsigned rx_repost(struct e1000_port *e, struct pktbuf *p)
{
    p->len = 0;
    if (rx_post(e, p) == 0)
        return 1;
    pkt_free(p);
    return 0;
}

static unsigned rx_fill(struct e1000_port *e)
{
    unsigned n = 0;
    while (e1000_ring_space(&e->rx) > 0) {
        struct pktbuf *p = pkt_alloc(e->port.pool);
        if (!p)
            break;
        if (rx_post(e, p) != 0) {
            pkt_free(p);
            break;
        }
        n++;
    }
    return n;
}

static void tx_reclaim(struct e1000_port *e)
{
    while (e1000_tx_done(&e->tx)) {
        uint8_t st;
        bus_rmb();
        struct pktbuf *p = e1000_tx_take(&e->tx, &st);
        if (st & (E1000_TXD_STAT_EC | E1000_TXD_STAT_LC)) {
            e->ctr[E1000_C_TX_COLLISIONS]++;
            e->port.tx_errors++;
        }
        pkt_free(p);
    }
}

static uint16_t e1000_rx_burst(struct kport *port, struct pktbuf **pkts, uint16_t max)
{
    struct e1000_port *e = port->priv;
    if (!e->running)
        return 0;
    take_noted(e);
    tx_reclaim(e);

    uint16_t n = 0;
    unsigned posted = 0;
    uint64_t now = 0;
    while (n < max && e1000_rx_ready(&e->rx)) {
        struct e1000_rx_info info;
        bus_rmb();
        struct pktbuf *p = e1000_rx_take(&e->rx, &info);
        bool eop = info.status & E1000_RXD_STAT_EOP;
        if (e->rx_discard) {
            /* The tail of a frame that spanned buffers (SDM 3.2.3: EOP ends it). */
            e->rx_discard = !eop;
            posted += rx_repost(e, p);
            continue;
        }
        switch (e1000_rx_classify(&info, ETHER_HDR_LEN, pkt_tailroom(p))) {
        case E1000_RX_OK:
            break;
        case E1000_RX_ERRORS:
            e->ctr[E1000_C_RX_DESC_ERRORS]++;
            port->rx_errors++;
            e->rx_discard = !eop;
            posted += rx_repost(e, p);
            continue;
        case E1000_RX_FRAGMENT:
            e->ctr[E1000_C_RX_FRAGMENTS]++;
            port->rx_errors++;
            e->rx_discard = true;
            posted += rx_repost(e, p);
            continue;
        case E1000_RX_BAD_LENGTH:
        default:
            e->ctr[E1000_C_RX_BAD_LEN]++;
            port->rx_errors++;
            posted += rx_repost(e, p);
            continue;
        }
        struct pktbuf *fresh = pkt_alloc(port->pool);
        if (!fresh || rx_post(e, fresh) != 0) {
            /* No replacement: drop this frame and give its buffer back. */
            pkt_free(fresh);
            e->ctr[E1000_C_RX_NO_BUF]++;
            port->rx_dropped++;
            posted += rx_repost(e, p);
            continue;
        }
        posted++;
        if (!now)
            now = kclock_now_ns();
        p->len = info.length;
        p->rx_ns = now;
        port->rx_packets++;
        port->rx_bytes += info.length;
        pkts[n++] = p;
    }
    if (e1000_ring_space(&e->rx) > 0)
        posted += rx_fill(e);
    if (posted) {
        bus_wmb(); /* descriptors before the tail that hands them over */
        wr(e->slot, E1000_RDT, e->rx.tail);
    }
    return n;
}

/* ---- transmit ---- */

static uint16_t e1000_tx_burst(struct kport *port, struct pktbuf **pkts, uint16_t n)
{
    struct e1000_port *e = port->priv;
    uint16_t queued = 0;
    if (e->running)
        tx_reclaim(e);
    for (uint16_t i = 0; i < n; i++) {
        struct pktbuf *p = pkts[i];
        if (!e->running) {
            port->tx_dropped++;
            pkt_free(p);
            continue;
        }
        if (p->len < ETHER_HDR_LEN || p->len > ETHER_MAX_TAGGED_FRAME) {
            e->ctr[E1000_C_TX_BAD_LEN]++;
            port->tx_errors++;
            pkt_free(p);
            continue;
        }
        uint16_t len = p->len;
        uint64_t addr = bus_dma_addr(&e->slot->pci->dev, pkt_data(p), false);
        if (e1000_tx_post(&e->tx, addr, len,
                          E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS, p) != 0) {
            e->ctr[E1000_C_TX_RING_FULL]++;
            n = i; /* ring full: the caller keeps pkts[i..n) and offers them again */
            break;
        }
        port->tx_packets++;
        port->tx_bytes += len;
        queued++;
    }
    if (queued) {
        bus_wmb(); /* descriptors before the tail that hands them over */
        wr(e->slot, E1000_TDT, e->tx.tail);
    }
    return n; /* frames taken: queued, or dropped for an error and counted */
}

/* ---- bring-up (SDM 14.3 - 14.5) ---- */

static void release_buffers(struct e1000_port *e)
{
    void *c;
    while ((c = e1000_ring_reclaim(&e->rx)) != NULL)
        pkt_free(c);
    while ((c = e1000_ring_reclaim(&e->tx)) != NULL)
        pkt_free(c);
}

static void e1000_stop(struct kport *port)
{
    struct e1000_port *e = port->priv;
    if (!e->running)
        return;
    ktimer_cancel(&e->watchdog);
    read_stats(e);
    if (hw_reset(e->slot) != 0) /* stops all DMA before the buffers go back */
        KWARN(E1000_TAG, "%s: %s: reset did not complete at stop", port->name, e->slot->pci->name);
    e->running = false;
    release_buffers(e);
    port->link_up = false;
    KDEBUG(E1000_TAG, "%s: stopped: gprc %llu gptc %llu mpc %llu rnbc %llu, interrupts %llu",
           port->name, (unsigned long long)e->ctr[E1000_C_GPRC],
           (unsigned long long)e->ctr[E1000_C_GPTC], (unsigned long long)e->ctr[E1000_C_MPC],
           (unsigned long long)e->ctr[E1000_C_RNBC], (unsigned long long)e->ctr[E1000_C_IRQS]);
}

static void ring_base(struct e1000_slot *s, uint32_t bal, const void *desc, uint16_t count)
{
    uint64_t a = bus_dma_addr(&s->pci->dev, desc, false);
    wr(s, bal, (uint32_t)a);                /* xDBAL */
    wr(s, bal + 4u, (uint32_t)(a >> 32));   /* xDBAH */
    wr(s, bal + 8u, (uint32_t)count * E1000_DESC_BYTES); /* xDLEN */
    wr(s, bal + 0x10u, 0);                  /* xDH */
    wr(s, bal + 0x18u, 0);                  /* xDT */
}

static int e1000_start(struct kport *port)
{
    struct e1000_port *e = port->priv;
    struct e1000_slot *s = e->slot;
    if (e->running)
        return 0;
    port->error[0] = '\0';
    if (hw_reset(s) != 0) {
        ksnprintf(port->error, sizeof port->error, "%s: reset did not complete", s->pci->name);
        return -KE_IO;
    }
    /* SDM 14.3: link set-up for the internal copper PHY; no flow control. */
    uint32_t ctrl = rd(s, E1000_CTRL);
    ctrl &= ~(E1000_CTRL_LRST | E1000_CTRL_PHY_RST | E1000_CTRL_ILOS | E1000_CTRL_VME);
    wr(s, E1000_CTRL, ctrl | E1000_CTRL_SLU | E1000_CTRL_ASDE);
    wr(s, E1000_FCAL, 0);
    wr(s, E1000_FCAH, 0);
    wr(s, E1000_FCT, 0);
    wr(s, E1000_FCTTV, 0);

    /* SDM 14.4: receive addresses, multicast table, ring, then RCTL. */
    write_mac(s, port->mac);
    for (uint32_t i = 0; i < E1000_MTA_NREG; i++)
        wr(s, E1000_MTA + 4u * i, 0);
    int rc = e1000_ring_init(&e->rx, s->rx_mem.virt, s->rx_cookie, s->rx_count);
    if (!rc)
        rc = e1000_ring_init(&e->tx, s->tx_mem.virt, s->tx_cookie, s->tx_count);
    if (rc) {
        ksnprintf(port->error, sizeof port->error, "%s: bad ring size", s->pci->name);
        return rc;
    }
    e->rx_discard = false;
    if (rx_fill(e) == 0) {
        ksnprintf(port->error, sizeof port->error, "%s: no receive buffers in pool %s",
                  s->pci->name, s->rx_pool.name);
        return -KE_NOMEM;
    }
    ring_base(s, E1000_RDBAL, s->rx_mem.virt, s->rx_count);
    wr(s, E1000_RDTR, 0);
    wr(s, E1000_RADV, 0);

    /* SDM 14.5: transmit ring, TIPG, TCTL. */
    ring_base(s, E1000_TDBAL, s->tx_mem.virt, s->tx_count);
    wr(s, E1000_TIDV, 0);
    wr(s, E1000_TIPG, E1000_TIPG_COPPER);
    wr(s, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_RTLC |
                          (E1000_TCTL_CT_DEFAULT << E1000_TCTL_CT_SHIFT) |
                          (E1000_TCTL_COLD_FULL << E1000_TCTL_COLD_SHIFT));

    /* QEMU holds receive off for about 1 s after every RCTL write. */
    wr(s, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC | E1000_RCTL_BSIZE_2048 |
                          E1000_RCTL_RDMTS_HALF |
                          (e->promisc ? E1000_RCTL_UPE | E1000_RCTL_MPE : 0u));
    bus_wmb();
    wr(s, E1000_RDT, e->rx.tail);

    s->icr_noted = 0;
    wr(s, E1000_ITR, 0);
    wr(s, E1000_IMS, E1000_IMS_ENABLE);
    e->running = true;
    update_link(e);
    ktimer_arm_in(&e->watchdog, E1000_WATCHDOG_NS);
    KINFO(E1000_TAG, "%s: %s (%04x:%04x), rx %u tx %u descriptors, link %s", port->name,
          s->pci->name, s->pci->dev.vendor_id, s->pci->dev.device_id, s->rx_count, s->tx_count,
          port->link_up ? "up" : "down");
    return 0;
}

static void e1000_close(struct kport *port)
{
    struct e1000_port *e = port->priv;
    e1000_stop(port);
    kstats_unregister(&e->stats.group);
    if (dma_pool_destroy(&e->slot->rx_pool, port->pool) != 0)
        KWARN(E1000_TAG, "%s: pool %s still has buffers out; kept", port->name,
              e->slot->rx_pool.name);
    e->slot->pci->in_use = false;
    kfree(e);
}

static const struct kport_ops e1000_ops = {
    .start = e1000_start,
    .stop = e1000_stop,
    .rx_burst = e1000_rx_burst,
    .tx_burst = e1000_tx_burst,
    .close = e1000_close,
};

/* ---- open ---- */

/* One-time per device: BAR, reset, ring memory, interrupt. */
static int slot_prepare(struct e1000_slot *s, uint16_t rxn, uint16_t txn, char *err,
                        size_t errlen)
{
    if (!s->mapped) {
        int rc = bus_map_bar(&s->pci->dev, 0, &s->bar);
        if (rc || s->bar.kind != BUS_BAR_MMIO) {
            ksnprintf(err, errlen, "%s: BAR0 cannot be mapped (%s)", s->pci->name,
                      rc ? kerr_str(rc) : "not memory space");
            return rc ? rc : -KE_NODEV;
        }
        s->mapped = true;
    }
    bus_enable_master(&s->pci->dev);
    if (hw_reset(s) != 0) {
        ksnprintf(err, errlen, "%s: reset did not complete", s->pci->name);
        return -KE_IO;
    }
    if (s->rx_count && (s->rx_count != rxn || s->tx_count != txn)) {
        ksnprintf(err, errlen, "%s: ring sizes differ from the first open (%u/%u)", s->pci->name,
                  s->rx_count, s->tx_count);
        return -KE_INVAL;
    }
    if (!s->rx_count) {
        s->rx_cookie = kmalloc(sizeof(void *) * rxn);
        s->tx_cookie = kmalloc(sizeof(void *) * txn);
        if (!s->rx_cookie || !s->tx_cookie ||
            bus_dma_alloc((size_t)rxn * E1000_DESC_BYTES, 4096u, &s->rx_mem) != 0 ||
            bus_dma_alloc((size_t)txn * E1000_DESC_BYTES, 4096u, &s->tx_mem) != 0) {
            kfree(s->rx_cookie);
            kfree(s->tx_cookie);
            s->rx_cookie = s->tx_cookie = NULL;
            ksnprintf(err, errlen, "%s: out of DMA memory for the rings", s->pci->name);
            return -KE_NOMEM;
        }
        s->rx_count = rxn;
        s->tx_count = txn;
    }
    pci_bind_irq(s->pci, e1000_irq, s, E1000_TAG);
    return 0;
}

static int e1000_open(const struct kdriver_args *a, struct kport **out, char *err, size_t errlen)
{
    uint64_t rxn, txn, pool_n, promisc;
    const struct nic_param spec[] = {
        { "rx_ring", 256, E1000_RING_MIN, E1000_RING_MAX, &rxn },
        { "tx_ring", 256, E1000_RING_MIN, E1000_RING_MAX, &txn },
        { "pool", 0, 0, 65536, &pool_n },
        { "promisc", 0, 0, 1, &promisc },
    };
    int rc = nic_params_get(e1000_driver.name, a->params, spec, KARRAY_SIZE(spec), err, errlen);
    if (rc)
        return rc;
    if (rxn % 8u || txn % 8u) {
        ksnprintf(err, errlen, "e1000: rx_ring and tx_ring must be multiples of 8 (SDM 13.4.27)");
        return -KE_INVAL;
    }
    if (!pool_n)
        pool_n = 2u * rxn + 64u;
    if (pool_n < rxn) {
        ksnprintf(err, errlen, "e1000: pool=%u is smaller than rx_ring=%u", (unsigned)pool_n,
                  (unsigned)rxn);
        return -KE_RANGE;
    }

    int i = pci_bind(&e1000_class, a->instance, err, errlen);
    if (i < 0)
        return i;
    struct e1000_slot *s = &e1000_slots[i];
    s->pci = &e1000_pci[i];
    rc = slot_prepare(s, (uint16_t)rxn, (uint16_t)txn, err, errlen);
    if (rc)
        return rc;

    struct e1000_port *e = kmalloc(sizeof *e);
    if (!e) {
        ksnprintf(err, errlen, "%s: out of memory", s->pci->name);
        return -KE_NOMEM;
    }
    e->slot = s;
    e->promisc = promisc != 0;
    struct kport *port = &e->port;
    nic_port_init(port, &e1000_ops, e, e1000_driver.name, a->ifname);
    if (read_mac(s, port->mac) != 0) {
        ksnprintf(err, errlen, "%s: no station address in RAL0/RAH0 and the EEPROM did not answer",
                  s->pci->name);
        kfree(e);
        return -KE_IO;
    }
    port->pool = dma_pool_create(&s->rx_pool, a->ifname, (uint32_t)pool_n, (uint16_t)E1000_BLOCK);
    if (!port->pool) {
        ksnprintf(err, errlen, "%s: no DMA memory for %u receive buffers", s->pci->name,
                  (unsigned)pool_n);
        kfree(e);
        return -KE_NOMEM;
    }
    ktimer_init(&e->watchdog, e1000_watchdog, e);
    nic_stats_register(&e->stats, e1000_driver.name, a->ifname, e1000_ctr_names, e->ctr,
                       E1000_NCTR);
    s->pci->in_use = true;
    *out = port;
    return 0;
}

const struct kdriver e1000_driver = {
    .name = "e1000",
    .open = e1000_open,
};
KDRIVER_REGISTER(e1000_driver);
