/*
 * drivers/e1000/e1000_regs.h — registers and bits of the Intel 8254x family
 * as the 82540EM (QEMU's "e1000", PCI 8086:100e) implements them.
 *
 * Source: Intel PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual (8254x SDM), rev. 4.0, chapter 13 "General Register
 * Descriptions" (register offsets are byte offsets into BAR0, the 128 KiB
 * memory-mapped register space) and chapter 3 (descriptor formats, see
 * e1000_ring.h). All registers are 32-bit, little-endian.
 */
#ifndef SPINDLE_DRIVERS_E1000_REGS_H
#define SPINDLE_DRIVERS_E1000_REGS_H

/* ---- General (SDM 13.4) ---- */
#define E1000_CTRL 0x0000u     /* Device Control */
#define E1000_STATUS 0x0008u   /* Device Status (read only) */
#define E1000_EECD 0x0010u     /* EEPROM/Flash Control */
#define E1000_EERD 0x0014u     /* EEPROM Read (82540EM: word address 15:8) */
#define E1000_CTRL_EXT 0x0018u /* Extended Device Control */
#define E1000_FCAL 0x0028u     /* Flow Control Address Low */
#define E1000_FCAH 0x002Cu     /* Flow Control Address High */
#define E1000_FCT 0x0030u      /* Flow Control Type */
#define E1000_FCTTV 0x0170u    /* Flow Control Transmit Timer Value */

/* CTRL bits (SDM 13.4.1) */
#define E1000_CTRL_FD (1u << 0)       /* full duplex */
#define E1000_CTRL_LRST (1u << 3)     /* link reset */
#define E1000_CTRL_ASDE (1u << 5)     /* auto-speed detection enable */
#define E1000_CTRL_SLU (1u << 6)      /* set link up */
#define E1000_CTRL_ILOS (1u << 7)     /* invert loss-of-signal */
#define E1000_CTRL_RST (1u << 26)     /* device reset, self-clearing */
#define E1000_CTRL_VME (1u << 30)     /* VLAN mode enable */
#define E1000_CTRL_PHY_RST (1u << 31) /* PHY reset */

/* STATUS bits (SDM 13.4.2) */
#define E1000_STATUS_FD (1u << 0) /* full duplex */
#define E1000_STATUS_LU (1u << 1) /* link up */

/* EERD fields, 82540EM layout (SDM 13.4.4) */
#define E1000_EERD_START (1u << 0)
#define E1000_EERD_DONE (1u << 4)
#define E1000_EERD_ADDR_SHIFT 8u
#define E1000_EERD_DATA_SHIFT 16u

/* ---- Interrupts (SDM 13.4.17-13.4.21) ---- */
#define E1000_ICR 0x00C0u /* Interrupt Cause Read: read clears */
#define E1000_ITR 0x00C4u /* Interrupt Throttling: minimum interval, 256 ns units */
#define E1000_ICS 0x00C8u /* Interrupt Cause Set */
#define E1000_IMS 0x00D0u /* Interrupt Mask Set/Read */
#define E1000_IMC 0x00D8u /* Interrupt Mask Clear */

/* Interrupt cause bits, shared by ICR/ICS/IMS/IMC (SDM table 13-65) */
#define E1000_ICR_TXDW (1u << 0)   /* transmit descriptor written back */
#define E1000_ICR_TXQE (1u << 1)   /* transmit queue empty */
#define E1000_ICR_LSC (1u << 2)    /* link status change */
#define E1000_ICR_RXSEQ (1u << 3)  /* receive sequence error */
#define E1000_ICR_RXDMT0 (1u << 4) /* receive descriptor minimum threshold */
#define E1000_ICR_RXO (1u << 6)    /* receiver overrun */
#define E1000_ICR_RXT0 (1u << 7)   /* receiver timer interrupt */

/* ---- Receive (SDM 13.4.22-13.4.30) ---- */
#define E1000_RCTL 0x0100u  /* Receive Control */
#define E1000_RDBAL 0x2800u /* Receive Descriptor Base Address Low (16-byte aligned) */
#define E1000_RDBAH 0x2804u /* Receive Descriptor Base Address High */
#define E1000_RDLEN 0x2808u /* Receive Descriptor Length, bytes, multiple of 128 */
#define E1000_RDH 0x2810u   /* Receive Descriptor Head */
#define E1000_RDT 0x2818u   /* Receive Descriptor Tail */
#define E1000_RDTR 0x2820u  /* Receive Delay Timer, 1.024 us units */
#define E1000_RADV 0x282Cu  /* Receive Interrupt Absolute Delay Timer, 1.024 us units */
#define E1000_RSRPD 0x2C00u /* Receive Small Packet Detect Interrupt */

/* RCTL bits (SDM 13.4.22) */
#define E1000_RCTL_EN (1u << 1)          /* receiver enable */
#define E1000_RCTL_SBP (1u << 2)         /* store bad packets */
#define E1000_RCTL_UPE (1u << 3)         /* unicast promiscuous */
#define E1000_RCTL_MPE (1u << 4)         /* multicast promiscuous */
#define E1000_RCTL_LPE (1u << 5)         /* long packet enable */
#define E1000_RCTL_RDMTS_HALF (0u << 8)  /* RXDMT0 at 1/2 of RDLEN free */
#define E1000_RCTL_BAM (1u << 15)        /* broadcast accept mode */
#define E1000_RCTL_BSIZE_2048 (0u << 16) /* with BSEX = 0 */
#define E1000_RCTL_BSEX (1u << 25)       /* buffer size extension */
#define E1000_RCTL_SECRC (1u << 26)      /* strip Ethernet CRC */

/* ---- Transmit (SDM 13.4.33-13.4.44) ---- */
#define E1000_TCTL 0x0400u  /* Transmit Control */
#define E1000_TIPG 0x0410u  /* Transmit Inter Packet Gap */
#define E1000_TDBAL 0x3800u /* Transmit Descriptor Base Address Low */
#define E1000_TDBAH 0x3804u /* Transmit Descriptor Base Address High */
#define E1000_TDLEN 0x3808u /* Transmit Descriptor Length, bytes, multiple of 128 */
#define E1000_TDH 0x3810u   /* Transmit Descriptor Head */
#define E1000_TDT 0x3818u   /* Transmit Descriptor Tail */
#define E1000_TIDV 0x3820u  /* Transmit Interrupt Delay Value, 1.024 us units */
#define E1000_TADV 0x382Cu  /* Transmit Absolute Interrupt Delay Value, 1.024 us units */

/* TCTL bits (SDM 13.4.33) */
#define E1000_TCTL_EN (1u << 1)     /* transmit enable */
#define E1000_TCTL_PSP (1u << 3)    /* pad short packets to 64 bytes */
#define E1000_TCTL_CT_SHIFT 4u      /* collision threshold, 8 bits */
#define E1000_TCTL_COLD_SHIFT 12u   /* collision distance, 10 bits */
#define E1000_TCTL_RTLC (1u << 24)  /* re-transmit on late collision */
#define E1000_TCTL_CT_DEFAULT 0x0Fu /* SDM 14.5: 0x0F (IEEE 802.3 attempt limit 16) */
#define E1000_TCTL_COLD_FULL 0x40u  /* SDM 14.5: 64 byte times, full duplex */

/* TIPG for the 82540EM copper PHY (SDM 13.4.34, table 13-77): IPGT 10, IPGR1 8, IPGR2 6 */
#define E1000_TIPG_COPPER ((10u) | (8u << 10) | (6u << 20))

/* ---- Filters (SDM 13.4.45-13.4.49) ---- */
#define E1000_MTA 0x5200u /* Multicast Table Array, 128 x 32 bits */
#define E1000_MTA_NREG 128u
#define E1000_RAL0 0x5400u      /* Receive Address Low, entry 0 */
#define E1000_RAH0 0x5404u      /* Receive Address High, entry 0 */
#define E1000_RAH_AV (1u << 31) /* address valid */

/* ---- Statistics, all clear-on-read (SDM 13.7) ---- */
#define E1000_CRCERRS 0x4000u  /* CRC error count */
#define E1000_ALGNERRC 0x4004u /* alignment error count */
#define E1000_SYMERRS 0x4008u  /* symbol error count */
#define E1000_RXERRC 0x400Cu   /* RX error count */
#define E1000_MPC 0x4010u      /* missed packets count (no room in the FIFO/ring) */
#define E1000_COLC 0x4028u     /* collision count */
#define E1000_GPRC 0x4074u     /* good packets received */
#define E1000_BPRC 0x4078u     /* broadcast packets received */
#define E1000_MPRC 0x407Cu     /* multicast packets received */
#define E1000_GPTC 0x4080u     /* good packets transmitted */
#define E1000_GORCL 0x4088u    /* good octets received, low (read low, then high) */
#define E1000_GORCH 0x408Cu
#define E1000_GOTCL 0x4090u /* good octets transmitted, low */
#define E1000_GOTCH 0x4094u
#define E1000_RNBC 0x40A0u /* receive no buffers count */
#define E1000_RUC 0x40A4u  /* receive undersize count */
#define E1000_ROC 0x40ACu  /* receive oversize count */
#define E1000_TPR 0x40D0u  /* total packets received */
#define E1000_TPT 0x40D4u  /* total packets transmitted */

/* PCI identity (SDM table 5-1). */
#define E1000_VENDOR_INTEL 0x8086u
#define E1000_DEV_82540EM 0x100Eu /* QEMU's e1000 */
#define E1000_DEV_82545EM 0x100Fu /* QEMU's e1000-82545em */
#define E1000_DEV_82544GC 0x100Cu /* QEMU's e1000-82544gc */
#define E1000_DEV_82543GC 0x1004u /* programs the same way for our needs (no EERD) */

#endif
