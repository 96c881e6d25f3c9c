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
#include "drivers/bm_drivers.h"

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
#define ETH_HLEN 14u
#define ETH_MAX_FRAME 1518u /* 1500-byte MTU + header + one 802.1Q tag, without FCS */

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
 * same function is opened again.
 */
struct e1000_slot {
    bool bound;                 /* slot belongs to dev */
    bool in_use;                /* a port is open on it */
    bool mapped;                /* bar is valid */
    struct bus_device dev;      /* copy taken at first open */
    struct bus_bar bar;         /* BAR0: 128 KiB of registers */
    bool irq_attached;
    volatile uint32_t icr_noted; /* ICR causes the handler saw since the main loop looked */
    volatile uint64_t irqs;
    uint16_t rx_count, tx_count;
    struct bus_dma rx_mem, tx_mem, pool_mem;
    bool pool_mem_busy;
    void **rx_cookie, **tx_cookie;
    char name[24];              /* "e1000 00:03.0" */
    char pool_name[24];
};
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
    char stats_name[KPORT_NAME_MAX + 8];
    struct kstat_group stats;
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

struct e1000_match {
    unsigned want, seen;
    struct bus_device found;
};

static int match_cb(struct bus_device *d, void *ctx)
{
    struct e1000_match *m = ctx;
    if (!is_e1000(d))
        return 0;
    if (m->seen++ == m->want) {
        m->found = *d;
        return 1;
    }
    return 0;
}

static struct e1000_slot *slot_for(const struct bus_device *d)
{
    struct e1000_slot *free_slot = NULL;
    for (unsigned i = 0; i < E1000_SLOTS; i++) {
        struct e1000_slot *s = &e1000_slots[i];
        if (s->bound && s->dev.bus == d->bus && s->dev.dev == d->dev && s->dev.fn == d->fn)
            return s;
        if (!s->bound && !free_slot)
            free_slot = s;
    }
    if (free_slot) {
        free_slot->bound = true;
        free_slot->dev = *d;
        ksnprintf(free_slot->name, sizeof free_slot->name, "e1000 %02x:%02x.%x", d->bus, d->dev,
                  d->fn);
    }
    return free_slot;
}

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

/* pktpool allocator: the slot's DMA memory, allocated once and reused. */
static void *e1000_pool_alloc(void *ctx, size_t bytes)
{
    struct e1000_slot *s = ctx;
    if (!s->pool_mem_busy && s->pool_mem.virt && s->pool_mem.size >= bytes)
        memset(s->pool_mem.virt, 0, bytes);
    else if (bus_dma_alloc(bytes, 4096u, &s->pool_mem) != 0)
        return NULL;
    s->pool_mem_busy = true;
    return s->pool_mem.virt;
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
        KINFO(E1000_TAG, "%s (%s): link %s", e->port.name, e->slot->name, up ? "up" : "down");
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
    return e1000_rx_post(&e->rx, bus_dma_addr(&e->slot->dev, pkt_data(p), false), p);
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
        switch (e1000_rx_classify(&info, ETH_HLEN, pkt_tailroom(p))) {
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
        if (p->len < ETH_HLEN || p->len > ETH_MAX_FRAME) {
            e->ctr[E1000_C_TX_BAD_LEN]++;
            port->tx_errors++;
            pkt_free(p);
            continue;
        }
        uint16_t len = p->len;
        uint64_t addr = bus_dma_addr(&e->slot->dev, pkt_data(p), false);
        if (e1000_tx_post(&e->tx, addr, len,
                          E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS, p) != 0) {
            e->ctr[E1000_C_TX_RING_FULL]++;
            port->tx_dropped++;
            pkt_free(p);
            continue;
        }
        port->tx_packets++;
        port->tx_bytes += len;
        queued++;
    }
    if (queued) {
        bus_wmb(); /* descriptors before the tail that hands them over */
        wr(e->slot, E1000_TDT, e->tx.tail);
    }
    return queued;
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
        KWARN(E1000_TAG, "%s: %s: reset did not complete at stop", port->name, e->slot->name);
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
    uint64_t a = bus_dma_addr(&s->dev, desc, false);
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
        ksnprintf(port->error, sizeof port->error, "%s: reset did not complete", s->name);
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
        ksnprintf(port->error, sizeof port->error, "%s: bad ring size", s->name);
        return rc;
    }
    e->rx_discard = false;
    if (rx_fill(e) == 0) {
        ksnprintf(port->error, sizeof port->error, "%s: no receive buffers in pool %s", s->name,
                  s->pool_name);
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
    KINFO(E1000_TAG, "%s: %s (%04x:%04x), rx %u tx %u descriptors, link %s", port->name, s->name,
          s->dev.vendor_id, s->dev.device_id, s->rx_count, s->tx_count,
          port->link_up ? "up" : "down");
    return 0;
}

static void e1000_close(struct kport *port)
{
    struct e1000_port *e = port->priv;
    e1000_stop(port);
    kstats_unregister(&e->stats);
    if (port->pool && pktpool_destroy(port->pool) != 0)
        KWARN(E1000_TAG, "%s: pool %s still has buffers out; kept", port->name,
              e->slot->pool_name);
    else
        e->slot->pool_mem_busy = false;
    e->slot->in_use = false;
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

static const char *const e1000_keys[] = { "rx_ring", "tx_ring", "pool", "promisc" };

static int check_keys(const struct kparams *p, char *err, size_t errlen)
{
    for (unsigned i = 0; p && i < p->n; i++) {
        bool known = false;
        for (unsigned k = 0; k < KARRAY_SIZE(e1000_keys); k++)
            known = known || strcmp(p->key[i], e1000_keys[k]) == 0;
        if (!known) {
            ksnprintf(err, errlen,
                      "e1000: unknown parameter '%s' (known: rx_ring, tx_ring, pool, promisc)",
                      p->key[i]);
            return -KE_INVAL;
        }
    }
    return 0;
}

/* One-time per device: BAR, reset, ring memory, interrupt. */
static int slot_prepare(struct e1000_slot *s, uint16_t rxn, uint16_t txn, char *err,
                        size_t errlen)
{
    if (!s->mapped) {
        int rc = bus_map_bar(&s->dev, 0, &s->bar);
        if (rc || s->bar.kind != BUS_BAR_MMIO) {
            ksnprintf(err, errlen, "%s: BAR0 cannot be mapped (%s)", s->name,
                      rc ? kerr_str(rc) : "not memory space");
            return rc ? rc : -KE_NODEV;
        }
        s->mapped = true;
    }
    bus_enable_master(&s->dev);
    if (hw_reset(s) != 0) {
        ksnprintf(err, errlen, "%s: reset did not complete", s->name);
        return -KE_IO;
    }
    if (s->rx_count && (s->rx_count != rxn || s->tx_count != txn)) {
        ksnprintf(err, errlen, "%s: ring sizes differ from the first open (%u/%u)", s->name,
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
            ksnprintf(err, errlen, "%s: out of DMA memory for the rings", s->name);
            return -KE_NOMEM;
        }
        s->rx_count = rxn;
        s->tx_count = txn;
    }
    if (!s->irq_attached) {
        if (bus_irq_attach(&s->dev, e1000_irq, s) == 0)
            s->irq_attached = true;
        else
            KWARN(E1000_TAG, "%s: no interrupt routed; receive is polled only", s->name);
    }
    return 0;
}

static int e1000_open(const struct kdriver_args *a, struct kport **out, char *err, size_t errlen)
{
    uint64_t rxn, txn, pool_n, promisc;
    int rc = check_keys(a->params, err, errlen);
    if (rc)
        return rc;
    if ((rc = kparams_get_u64(a->params, "rx_ring", 256, E1000_RING_MIN, E1000_RING_MAX, &rxn)) ||
        (rc = kparams_get_u64(a->params, "tx_ring", 256, E1000_RING_MIN, E1000_RING_MAX, &txn)) ||
        (rc = kparams_get_u64(a->params, "pool", 0, 0, 65536, &pool_n)) ||
        (rc = kparams_get_u64(a->params, "promisc", 0, 0, 1, &promisc))) {
        ksnprintf(err, errlen, "e1000: bad rx_ring/tx_ring/pool/promisc value: %s", kerr_str(rc));
        return rc;
    }
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

    struct e1000_match m = { .want = a->instance };
    if (!bus_foreach(match_cb, &m)) {
        ksnprintf(err, errlen, "no e1000 device #%u found (%u e1000 device%s present)",
                  a->instance, m.seen, m.seen == 1 ? "" : "s");
        return -KE_NODEV;
    }
    struct e1000_slot *s = slot_for(&m.found);
    if (!s) {
        ksnprintf(err, errlen, "e1000: more than %u devices", E1000_SLOTS);
        return -KE_NOMEM;
    }
    if (s->in_use) {
        ksnprintf(err, errlen, "%s: already bound to another interface", s->name);
        return -KE_EXIST;
    }
    rc = slot_prepare(s, (uint16_t)rxn, (uint16_t)txn, err, errlen);
    if (rc)
        return rc;

    struct e1000_port *e = kmalloc(sizeof *e);
    if (!e) {
        ksnprintf(err, errlen, "%s: out of memory", s->name);
        return -KE_NOMEM;
    }
    e->slot = s;
    e->promisc = promisc != 0;
    struct kport *port = &e->port;
    port->ops = &e1000_ops;
    port->priv = e;
    port->driver = e1000_driver.name;
    kstrlcpy(port->name, a->ifname, sizeof port->name);
    port->mtu = 1500;
    port->wait_fd = -1;
    if (read_mac(s, port->mac) != 0) {
        ksnprintf(err, errlen, "%s: no station address in RAL0/RAH0 and the EEPROM did not answer",
                  s->name);
        kfree(e);
        return -KE_IO;
    }
    ksnprintf(s->pool_name, sizeof s->pool_name, "%s-rx", a->ifname);
    port->pool = pktpool_create(s->pool_name, (uint32_t)pool_n, (uint16_t)E1000_BLOCK,
                                e1000_pool_alloc, s);
    if (!port->pool) {
        ksnprintf(err, errlen, "%s: no DMA memory for %u receive buffers", s->name,
                  (unsigned)pool_n);
        kfree(e);
        return -KE_NOMEM;
    }
    ktimer_init(&e->watchdog, e1000_watchdog, e);
    ksnprintf(e->stats_name, sizeof e->stats_name, "e1000-%s", a->ifname);
    e->stats = (struct kstat_group)KSTAT_GROUP(e->stats_name, e1000_ctr_names, e->ctr);
    kstats_register(&e->stats);
    s->in_use = true;
    *out = port;
    return 0;
}

const struct kdriver e1000_driver = {
    .name = "e1000",
    .open = e1000_open,
};
