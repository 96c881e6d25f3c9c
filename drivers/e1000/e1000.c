/*
 * drivers/e1000/e1000.c — the Intel 82540EM (QEMU's "e1000") and its 8254x
 * siblings: driver class "e1000", `interface eth0 driver=e1000
 * [rx_ring=N] [tx_ring=N] [pool=N] [promisc=0|1] [itr=N] [rdtr=N] [radv=N]
 * [tidv=N] [tadv=N] [offload=on|off]`, binding the Nth matching PCI
 * function in bus order. Source: Intel PCI/PCI-X Family of Gigabit Ethernet
 * Controllers Software Developer's Manual (8254x SDM): chapter 14 "General
 * Initialization and Reset Operation", chapter 3 (descriptors, see
 * e1000_ring.h), chapter 13 (registers, e1000_regs.h).
 *
 * This file is the device control: binding, reset, station address, link,
 * statistics registers, bring-up and open. The port itself is the
 * bare-metal NIC skeleton (drivers/bm/nic.h) over the ring operations of
 * e1000_rxtx.c: zero-copy receive into pktbuf blocks (RCTL.BSIZE = 2048
 * bytes; the pool's blocks are PKT_HEADROOM + 2048 bytes so the device can
 * never write past one), transmit gathering a chained frame's segments, and
 * transmit checksum offload through context descriptors (offload=off turns
 * it off).
 *
 * Interrupt moderation (SDM 13.4.18 ITR, 13.4.29 RDTR, 13.4.30 RADV,
 * 13.4.44 TIDV, 13.4.47 TADV) is programmed from the parameters of the same
 * names, in the registers' own units (ITR 256 ns, the others 1.024 us; 0
 * leaves the timer off). QEMU's e1000 models ITR, RADV (only with RDTR
 * non-zero) and TADV (only for descriptors with IDE, set when tidv > 0) and,
 * with its default mitigation=on, never raises two interrupts closer than
 * 500 x 256 ns = 128 us whatever they say (hw/net/e1000.c
 * set_interrupt_cause); RDTR and TIDV as relative timers it does not model.
 * The interrupts only wake an idle CPU: they stay masked while the main
 * loop polls (e1000_rxtx.c).
 *
 * DMA addresses come from bus_dma_addr(dev, virt, false): the e1000 is a
 * normal bus master going through the host bridge's translation. That works
 * on any kernel pointer, not only on memory from bus_dma_alloc, because on
 * both bare-metal targets all kernel memory is physically contiguous and
 * identity/KSEG mapped (a property of kernel/bus.h); so a frame from any
 * pool can be transmitted in place. Receive buffers and rings are DMA
 * memory all the same (bus_dma_alloc).
 *
 * A one-second watchdog folds the clear-on-read statistics registers into
 * the counters and refreshes the link state.
 */
#include "drivers/e1000/e1000.h"

#include "drivers/bm/nic_params.h"
#include "drivers/e1000/e1000_priv.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/pktbuf.h"
#include "kernel/port.h"

#define E1000_SLOTS 8u
#define E1000_RESET_TIMEOUT_NS (100ull * KNS_PER_MS)
#define E1000_EERD_TIMEOUT_NS (10ull * KNS_PER_MS)

static const char *const e1000_ctr_names[E1000_NCTR] = {
    "crcerrs",      "algnerrc",   "symerrs",       "rxerrc",      "mpc",  "colc",
    "gprc",         "bprc",       "mprc",          "gptc",        "gorc", "gotc",
    "rnbc",         "ruc",        "roc",           "tpr",         "tpt",  "rx_desc_errors",
    "rx_fragments", "rx_bad_len", "tx_collisions", "tx_contexts", "irqs", "link_changes"
};
/* Statistics registers in counter order; GORC/GOTC are 64-bit (low register given). */
static const uint16_t e1000_stat_regs[E1000_C_HW_LAST + 1] = {
    E1000_CRCERRS, E1000_ALGNERRC, E1000_SYMERRS, E1000_RXERRC, E1000_MPC,   E1000_COLC,
    E1000_GPRC,    E1000_BPRC,     E1000_MPRC,    E1000_GPTC,   E1000_GORCL, E1000_GOTCL,
    E1000_RNBC,    E1000_RUC,      E1000_ROC,     E1000_TPR,    E1000_TPT
};

/* e1000_slots[i] belongs to e1000_pci[i] (drivers/bm/pci_bind.h). */
static struct pci_bind_slot e1000_pci[E1000_SLOTS];
static struct e1000_slot e1000_slots[E1000_SLOTS];

#define CTR(e, c) ((e)->nic.ctr[BM_DRV_CTR(c)])

/* ---- binding ---- */

static bool is_e1000(const struct bus_device *d)
{
    if (d->vendor_id != E1000_VENDOR_INTEL)
        return false;
    switch (d->device_id) {
    case E1000_DEV_82540EM:
    case E1000_DEV_82545EM:
    case E1000_DEV_82544GC:
    case E1000_DEV_82543GC: return true;
    default: return false;
    }
}

static const struct pci_bind_class e1000_class = {
    .driver = "e1000",
    .device = "e1000",
    .match = is_e1000,
    .slots = e1000_pci,
    .nslots = E1000_SLOTS,
};

/* ---- device control ---- */

/* Poll until (reg & mask) == want or @timeout_ns passes (bounded). */
static bool wait_reg(const struct e1000_slot *s, uint32_t reg, uint32_t mask, uint32_t want,
                     uint64_t timeout_ns, uint32_t *last)
{
    uint64_t deadline = kclock_now_ns() + timeout_ns;
    uint32_t v = 0;
    for (unsigned spins = 0; spins < 10000000u; spins++) {
        v = e1000_rd(s, reg);
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
    s->armed = false;
    e1000_wr(s, E1000_IMC, 0xffffffffu);
    e1000_wr(s, E1000_RCTL, 0);
    e1000_wr(s, E1000_TCTL, 0);
    (void)e1000_rd(s, E1000_STATUS); /* flush posted writes */
    e1000_wr(s, E1000_CTRL, e1000_rd(s, E1000_CTRL) | E1000_CTRL_RST);
    if (!wait_reg(s, E1000_CTRL, E1000_CTRL_RST, 0, E1000_RESET_TIMEOUT_NS, NULL))
        return -KE_IO;
    e1000_wr(s, E1000_IMC, 0xffffffffu);
    (void)e1000_rd(s, E1000_ICR);
    return 0;
}

/* EEPROM word @addr through EERD (SDM 13.4.4); -KE_IO when it never completes. */
static int eeprom_read(struct e1000_slot *s, uint8_t addr, uint16_t *out)
{
    e1000_wr(s, E1000_EERD, ((uint32_t)addr << E1000_EERD_ADDR_SHIFT) | E1000_EERD_START);
    uint32_t v;
    if (!wait_reg(s, E1000_EERD, E1000_EERD_DONE, E1000_EERD_DONE, E1000_EERD_TIMEOUT_NS, &v))
        return -KE_IO;
    *out = (uint16_t)(v >> E1000_EERD_DATA_SHIFT);
    return 0;
}

/* The station address: RAL0/RAH0 when valid (QEMU loads them), else EEPROM words 0-2. */
static int read_mac(struct e1000_slot *s, uint8_t mac[6])
{
    uint32_t ral = e1000_rd(s, E1000_RAL0), rah = e1000_rd(s, E1000_RAH0);
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
    e1000_wr(s, E1000_RAL0, load_le32(mac));
    e1000_wr(s, E1000_RAH0, (uint32_t)load_le16(mac + 4) | E1000_RAH_AV);
}

static void update_link(struct e1000_port *e)
{
    struct kport *port = &e->nic.port;
    bool up = e->nic.running && (e1000_rd(e->slot, E1000_STATUS) & E1000_STATUS_LU);
    if (up != port->link_up) {
        CTR(e, E1000_C_LINK_CHANGES)++;
        KINFO(E1000_TAG, "%s (%s): link %s", port->name, e->slot->pci->name, up ? "up" : "down");
    }
    port->link_up = up;
}

/* Fold the clear-on-read statistics registers into the counters (SDM 13.7). */
static void read_stats(struct e1000_port *e)
{
    struct e1000_slot *s = e->slot;
    uint64_t d[E1000_C_HW_LAST + 1];
    for (unsigned i = 0; i <= E1000_C_HW_LAST; i++) {
        uint16_t reg = e1000_stat_regs[i];
        d[i] = e1000_rd(s, reg);
        if (i == E1000_C_GORC || i == E1000_C_GOTC)
            d[i] |= (uint64_t)e1000_rd(s, reg + 4u) << 32; /* low first; reading high clears both */
        CTR(e, i) += d[i];
    }
    e->nic.port.rx_dropped += d[E1000_C_MPC];
    e->nic.port.rx_errors +=
        d[E1000_C_CRCERRS] + d[E1000_C_RXERRC] + d[E1000_C_RUC] + d[E1000_C_ROC];
    CTR(e, E1000_C_IRQS) = s->irqs;
}

static void e1000_watchdog(struct bm_nic *n)
{
    struct e1000_port *e = e1000_of(n);
    read_stats(e);
    update_link(e);
}

static void e1000_take_noted(struct bm_nic *n)
{
    struct e1000_port *e = e1000_of(n);
    uint32_t noted = e->slot->icr_noted;
    if (!noted)
        return;
    e->slot->icr_noted = 0;
    if (noted & E1000_ICR_LSC)
        update_link(e);
}

/* ---- bring-up (SDM 14.3 - 14.5) ---- */

static void e1000_hw_stop(struct bm_nic *n)
{
    struct e1000_port *e = e1000_of(n);
    struct kport *port = &n->port;
    if (hw_reset(e->slot) != 0) /* stops all DMA before the buffers go back */
        KWARN(E1000_TAG, "%s: %s: reset did not complete at stop", port->name, e->slot->pci->name);
    KDEBUG(E1000_TAG, "%s: stopped: gprc %llu gptc %llu mpc %llu rnbc %llu, interrupts %llu",
           port->name, (unsigned long long)CTR(e, E1000_C_GPRC),
           (unsigned long long)CTR(e, E1000_C_GPTC), (unsigned long long)CTR(e, E1000_C_MPC),
           (unsigned long long)CTR(e, E1000_C_RNBC), (unsigned long long)CTR(e, E1000_C_IRQS));
}

static void ring_base(struct e1000_slot *s, uint32_t bal, const void *desc, uint16_t count)
{
    uint64_t a = bus_dma_addr(&s->pci->dev, desc, false);
    e1000_wr(s, bal, (uint32_t)a);                             /* xDBAL */
    e1000_wr(s, bal + 4u, (uint32_t)(a >> 32));                /* xDBAH */
    e1000_wr(s, bal + 8u, (uint32_t)count * E1000_DESC_BYTES); /* xDLEN */
    e1000_wr(s, bal + 0x10u, 0);                               /* xDH */
    e1000_wr(s, bal + 0x18u, 0);                               /* xDT */
}

static int e1000_hw_start(struct bm_nic *n)
{
    struct e1000_port *e = e1000_of(n);
    struct e1000_slot *s = e->slot;
    struct kport *port = &n->port;
    if (hw_reset(s) != 0) {
        ksnprintf(port->error, sizeof port->error, "%s: reset did not complete", s->pci->name);
        return -KE_IO;
    }
    /* SDM 14.3: link set-up for the internal copper PHY; no flow control. */
    uint32_t ctrl = e1000_rd(s, E1000_CTRL);
    ctrl &= ~(E1000_CTRL_LRST | E1000_CTRL_PHY_RST | E1000_CTRL_ILOS | E1000_CTRL_VME);
    e1000_wr(s, E1000_CTRL, ctrl | E1000_CTRL_SLU | E1000_CTRL_ASDE);
    e1000_wr(s, E1000_FCAL, 0);
    e1000_wr(s, E1000_FCAH, 0);
    e1000_wr(s, E1000_FCT, 0);
    e1000_wr(s, E1000_FCTTV, 0);

    /* SDM 14.4: receive addresses, multicast table, ring, then RCTL. */
    write_mac(s, port->mac);
    for (uint32_t i = 0; i < E1000_MTA_NREG; i++)
        e1000_wr(s, E1000_MTA + 4u * i, 0);
    int rc = e1000_ring_init(&e->rx, s->rx_mem.virt, s->rx_cookie, s->rx_count);
    if (!rc)
        rc = e1000_ring_init(&e->tx, s->tx_mem.virt, s->tx_cookie, s->tx_count);
    if (rc) {
        ksnprintf(port->error, sizeof port->error, "%s: bad ring size", s->pci->name);
        return rc;
    }
    e->rx_discard = false;
    e->ctx_valid = false; /* the reset forgot the context (SDM 3.3.6) */
    if (bm_nic_rx_fill(n) == 0) {
        ksnprintf(port->error, sizeof port->error, "%s: no receive buffers in pool %s",
                  s->pci->name, s->rx_pool.name);
        return -KE_NOMEM;
    }
    ring_base(s, E1000_RDBAL, s->rx_mem.virt, s->rx_count);
    e1000_wr(s, E1000_RDTR, e->mod.rdtr);
    e1000_wr(s, E1000_RADV, e->mod.radv);

    /* SDM 14.5: transmit ring, TIPG, TCTL. */
    ring_base(s, E1000_TDBAL, s->tx_mem.virt, s->tx_count);
    e1000_wr(s, E1000_TIDV, e->mod.tidv);
    e1000_wr(s, E1000_TADV, e->mod.tadv);
    e1000_wr(s, E1000_TIPG, E1000_TIPG_COPPER);
    e1000_wr(s, E1000_TCTL,
             E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_RTLC |
                 (E1000_TCTL_CT_DEFAULT << E1000_TCTL_CT_SHIFT) |
                 (E1000_TCTL_COLD_FULL << E1000_TCTL_COLD_SHIFT));

    /* QEMU holds receive off for about 1 s after every RCTL write. */
    e1000_wr(s, E1000_RCTL,
             E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC | E1000_RCTL_BSIZE_2048 |
                 E1000_RCTL_RDMTS_HALF | (e->promisc ? E1000_RCTL_UPE | E1000_RCTL_MPE : 0u));
    bus_wmb();
    e1000_wr(s, E1000_RDT, e->rx.tail);

    /* Interrupts stay masked until the main loop first idles (intr_enable). */
    s->icr_noted = 0;
    s->armed = false;
    e1000_wr(s, E1000_ITR, e->mod.itr);
    KINFO(E1000_TAG, "%s: %s (%04x:%04x), rx %u tx %u descriptors, tx checksum offload %s",
          port->name, s->pci->name, s->pci->dev.vendor_id, s->pci->dev.device_id, s->rx_count,
          s->tx_count, port->tx_csum ? "on" : "off");
    return 0;
}

static void e1000_release(struct bm_nic *n)
{
    struct e1000_port *e = e1000_of(n);
    e->slot->pci->in_use = false;
    kfree(e);
}

static const struct bm_ring_ops e1000_nic_ops = {
    .hw_start = e1000_hw_start,
    .hw_stop = e1000_hw_stop,
    .rx_post = e1000_nic_rx_post,
    .rx_space = e1000_nic_rx_space,
    .rx_reap = e1000_nic_rx_reap,
    .rx_kick = e1000_nic_rx_kick,
    .rx_detach = e1000_nic_rx_detach,
    .tx_post = e1000_nic_tx_post,
    .tx_free = e1000_nic_tx_free,
    .tx_reap = e1000_nic_tx_reap,
    .tx_kick = e1000_nic_tx_kick,
    .tx_detach = e1000_nic_tx_detach,
    .intr_enable = e1000_nic_intr_enable,
    .intr_disable = e1000_nic_intr_disable,
    .take_noted = e1000_take_noted,
    .watchdog = e1000_watchdog,
    .release = e1000_release,
};

/* ---- open ---- */

/* One-time per device: BAR, reset, ring memory, interrupt. */
static int slot_prepare(struct e1000_slot *s, uint16_t rxn, uint16_t txn, char *err, size_t errlen)
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
    uint64_t rxn, txn, pool_n, promisc, offload, itr, rdtr, radv, tidv, tadv;
    const struct nic_param spec[] = {
        { "rx_ring", 256, E1000_RING_MIN, E1000_RING_MAX, &rxn },
        { "tx_ring", 256, E1000_RING_MIN, E1000_RING_MAX, &txn },
        { "pool", 0, 0, 65536, &pool_n },
        { "promisc", 0, 0, 1, &promisc },
        { "offload", 1, 0, 1, &offload },
        { "itr", 0, 0, 65535, &itr },
        { "rdtr", 0, 0, 65535, &rdtr },
        { "radv", 0, 0, 65535, &radv },
        { "tidv", 0, 0, 65535, &tidv },
        { "tadv", 0, 0, 65535, &tadv },
    };
    int rc = nic_params_get(e1000_driver.name, a->params, spec, KARRAY_SIZE(spec), err, errlen);
    if (rc)
        return rc;
    if (rxn % 8u || txn % 8u) {
        ksnprintf(err, errlen, "e1000: rx_ring and tx_ring must be multiples of 8 (SDM 13.4.27)");
        return -KE_INVAL;
    }
    if (!pool_n) /* the receive ring, plus frames forwarded and still waiting to leave */
        pool_n = rxn + txn + 512u;
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
    memset(e, 0, sizeof *e);
    e->slot = s;
    e->promisc = promisc != 0;
    e->mod = (struct e1000_moderation){ (uint16_t)itr, (uint16_t)rdtr, (uint16_t)radv,
                                        (uint16_t)tidv, (uint16_t)tadv };
    const struct bm_nic_cfg cfg = {
        .driver = e1000_driver.name,
        .ifname = a->ifname,
        .tag = E1000_TAG,
        .ctr_names = e1000_ctr_names,
        .nctr = E1000_NCTR,
        .tx_max_segs = E1000_TX_MAX_SEGS,
        .tx_lin_need = 2, /* a context and one buffer */
    };
    if (bm_nic_init(&e->nic, &e1000_nic_ops, &cfg) != 0) {
        ksnprintf(err, errlen, "%s: out of memory", s->pci->name);
        kfree(e);
        return -KE_NOMEM;
    }
    struct kport *port = &e->nic.port;
    port->tx_gather = true;
    port->tx_csum = offload != 0;
    if (read_mac(s, port->mac) != 0) {
        ksnprintf(err, errlen, "%s: no station address in RAL0/RAH0 and the EEPROM did not answer",
                  s->pci->name);
        bm_nic_free(&e->nic);
        kfree(e);
        return -KE_IO;
    }
    if (bm_nic_open_pool(&e->nic, &s->rx_pool, (uint32_t)pool_n, (uint16_t)E1000_BLOCK) != 0) {
        ksnprintf(err, errlen, "%s: no DMA memory for %u receive buffers", s->pci->name,
                  (unsigned)pool_n);
        bm_nic_free(&e->nic);
        kfree(e);
        return -KE_NOMEM;
    }
    bm_nic_register(&e->nic);
    s->pci->in_use = true;
    *out = port;
    return 0;
}

const struct kdriver e1000_driver = {
    .name = "e1000",
    .open = e1000_open,
};
KDRIVER_REGISTER(e1000_driver);
