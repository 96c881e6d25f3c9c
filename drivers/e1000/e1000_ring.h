/*
 * drivers/e1000/e1000_ring.h — the 8254x legacy descriptor rings as pure
 * functions over memory: no bus, no device registers, so they compile hosted
 * and are unit-tested there (tests/unit/drivers/rings).
 *
 * Source: 8254x SDM section 3.2.3 (legacy receive descriptor), 3.3.3 (legacy
 * transmit descriptor), 3.2.6 / 3.4 (ring head/tail semantics). A ring is
 * @count 16-byte descriptors in DMA memory. Hardware owns the descriptors
 * from its head (RDH/TDH) up to, not including, the tail (RDT/TDT) software
 * writes; head == tail means the hardware owns none, so at most count - 1
 * descriptors are ever given to it.
 *
 * Software keeps two indices: `tail`, the next descriptor it fills (the value
 * for RDT/TDT), and `next`, the next descriptor it examines for the DD
 * ("descriptor done") status bit the device writes back. `used` counts the
 * descriptors between them.
 *
 * Ordering is the caller's: after filling descriptors, a write barrier
 * (bus_wmb) before writing the tail register; after e1000_*_ready() returns
 * true, a read barrier (bus_rmb) before e1000_*_take() reads the other fields.
 * Descriptor fields are little-endian and written with store_le* (byte
 * stores: never torn in a way that matters, because the device reads a
 * descriptor only after the tail moves past it); the status byte the device
 * writes back is read with one volatile byte load.
 */
#ifndef SPINDLE_DRIVERS_E1000_RING_H
#define SPINDLE_DRIVERS_E1000_RING_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** Bytes per descriptor, receive and transmit (SDM 3.2.3, 3.3.3). */
#define E1000_DESC_BYTES 16u
/** Ring sizes accepted: RDLEN/TDLEN must be a multiple of 128 bytes (8 descriptors). */
#define E1000_RING_MIN 8u
#define E1000_RING_MAX 4096u
/** Largest buffer one legacy transmit descriptor may carry, bytes (SDM 3.3.3). */
#define E1000_TX_MAX_LEN 16288u

/* Legacy receive descriptor: byte offsets of its fields (SDM table 3-1). */
#define E1000_RXD_ADDR 0u     /* le64 buffer bus address */
#define E1000_RXD_LENGTH 8u   /* le16 bytes written to the buffer */
#define E1000_RXD_CSUM 10u    /* le16 packet checksum */
#define E1000_RXD_STATUS 12u  /* u8 */
#define E1000_RXD_ERRORS 13u  /* u8 */
#define E1000_RXD_SPECIAL 14u /* le16 VLAN tag */

/* Receive status bits (SDM table 3-2). */
#define E1000_RXD_STAT_DD 0x01u  /* descriptor done */
#define E1000_RXD_STAT_EOP 0x02u /* end of packet */
#define E1000_RXD_STAT_VP 0x08u  /* 802.1Q tag stripped (VME) */
/* Receive error bits (SDM table 3-3). */
#define E1000_RXD_ERR_CE 0x01u   /* CRC or alignment error */
#define E1000_RXD_ERR_SE 0x02u   /* symbol error */
#define E1000_RXD_ERR_SEQ 0x04u  /* sequence error */
#define E1000_RXD_ERR_CXE 0x10u  /* carrier extension error */
#define E1000_RXD_ERR_TCPE 0x20u /* TCP/UDP checksum error (offload only) */
#define E1000_RXD_ERR_IPE 0x40u  /* IP checksum error (offload only) */
#define E1000_RXD_ERR_RXE 0x80u  /* RX data error */
/** Errors that make the frame itself bad (checksum bits excluded: receive offload is off). */
#define E1000_RXD_ERR_FRAME                                                        \
    (E1000_RXD_ERR_CE | E1000_RXD_ERR_SE | E1000_RXD_ERR_SEQ | E1000_RXD_ERR_CXE | \
     E1000_RXD_ERR_RXE)

/* Legacy transmit descriptor: byte offsets (SDM table 3-8). */
#define E1000_TXD_ADDR 0u     /* le64 buffer bus address */
#define E1000_TXD_LENGTH 8u   /* le16 bytes to send from the buffer */
#define E1000_TXD_CSO 10u     /* u8 checksum offset */
#define E1000_TXD_CMD 11u     /* u8 */
#define E1000_TXD_STATUS 12u  /* u8, low nibble written back */
#define E1000_TXD_CSS 13u     /* u8 checksum start */
#define E1000_TXD_SPECIAL 14u /* le16 */

/* Transmit command bits (SDM table 3-10). */
#define E1000_TXD_CMD_EOP 0x01u  /* end of packet */
#define E1000_TXD_CMD_IFCS 0x02u /* insert FCS */
#define E1000_TXD_CMD_IC 0x04u   /* insert checksum */
#define E1000_TXD_CMD_RS 0x08u   /* report status: write DD back */
#define E1000_TXD_CMD_DEXT 0x20u /* extended descriptor (0: legacy) */
#define E1000_TXD_CMD_VLE 0x40u  /* VLAN insert */
#define E1000_TXD_CMD_IDE 0x80u  /* interrupt delay enable */
/* Transmit status bits (SDM table 3-11). */
#define E1000_TXD_STAT_DD 0x01u /* descriptor done */
#define E1000_TXD_STAT_EC 0x02u /* excess collisions */
#define E1000_TXD_STAT_LC 0x04u /* late collision */
#define E1000_TXD_STAT_TU 0x08u /* transmit underrun */

/* Transmit context descriptor (SDM 3.3.6): byte offsets of its fields. */
#define E1000_TCD_IPCSS 0u   /* u8 IP checksum start */
#define E1000_TCD_IPCSO 1u   /* u8 IP checksum offset (where it goes) */
#define E1000_TCD_IPCSE 2u   /* le16 IP checksum end (inclusive; 0: to the end) */
#define E1000_TCD_TUCSS 4u   /* u8 TCP/UDP checksum start */
#define E1000_TCD_TUCSO 5u   /* u8 TCP/UDP checksum offset */
#define E1000_TCD_TUCSE 6u   /* le16 TCP/UDP checksum end (0: to the end of the packet) */
#define E1000_TCD_PAYLEN 8u  /* le32: PAYLEN 19:0, DTYP 23:20 (0000), TUCMD 31:24 */
#define E1000_TCD_HDRLEN 13u /* u8 header length (TSO) */
#define E1000_TCD_MSS 14u    /* le16 maximum segment size (TSO) */
/* Transmit data descriptor (SDM 3.3.7): address as legacy, then le32 DTALEN 19:0,
 * DTYP 23:20 (0001), DCMD 31:24; status at 12 as legacy; POPTS at 13. */
#define E1000_TDD_DTALEN 8u
#define E1000_TDD_POPTS 13u
#define E1000_TXD_DTYP_CONTEXT 0x0u /* DTYP of a context descriptor */
#define E1000_TXD_DTYP_DATA 0x1u    /* DTYP of a data descriptor */
/* TUCMD bits of a context descriptor (SDM table 3-12); DEXT, RS, IDE as in E1000_TXD_CMD_*. */
#define E1000_TUCMD_TCP 0x01u /* TCP (else UDP), for TSO */
#define E1000_TUCMD_IP 0x02u  /* IPv4 (else IPv6), for TSO */
#define E1000_TUCMD_TSE 0x04u /* TCP segmentation enable */
/* DCMD bits of a data descriptor (SDM table 3-14): as legacy, TSE in place of IC. */
#define E1000_DCMD_TSE 0x04u
/* POPTS bits of a data descriptor (SDM table 3-15). */
#define E1000_POPTS_IXSM 0x01u /* insert the IP checksum (context IPCSS/IPCSO/IPCSE) */
#define E1000_POPTS_TXSM 0x02u /* insert the TCP/UDP checksum (context TUCSS/TUCSO/TUCSE) */
/** Largest buffer one data descriptor may carry here, bytes (QEMU reads 16 bits of DTALEN). */
#define E1000_TDD_MAX_LEN 0xffffu

/** The fields of a transmit context descriptor (SDM 3.3.6), host order. */
struct e1000_tx_ctx {
    uint8_t ipcss, ipcso; /* IP checksum start and where it goes: bytes from the frame start */
    uint16_t ipcse;       /* IP checksum end, inclusive (0: end of the packet) */
    uint8_t tucss, tucso; /* TCP/UDP checksum start and where it goes */
    uint16_t tucse;       /* TCP/UDP checksum end, inclusive (0: end of the packet) */
    uint32_t paylen;      /* TSO: payload bytes after the headers (20 bits) */
    uint8_t tucmd;        /* E1000_TUCMD_* (DEXT is added) */
    uint8_t hdrlen;       /* TSO: header bytes */
    uint16_t mss;         /* TSO: payload bytes per segment */
};

/** One buffer of a frame to send: its bus address and length in bytes. */
struct e1000_tx_seg {
    uint64_t addr;
    uint16_t len;
};

/** One descriptor ring and the software state that shadows it. */
struct e1000_ring {
    uint8_t *desc;  /* count * 16 bytes of descriptors (CPU address of DMA memory) */
    void **cookie;  /* count entries: what each given-out descriptor carries (a pktbuf) */
    uint16_t count; /* descriptors, a multiple of 8 in [8, 4096] */
    uint16_t tail;  /* next descriptor software fills: the RDT/TDT value */
    uint16_t next;  /* next descriptor software examines for DD */
    uint16_t used;  /* descriptors given to hardware, not yet taken back */
};

/** What a completed receive descriptor reported. */
struct e1000_rx_info {
    uint16_t length; /* bytes of frame data in the buffer (CRC stripped with RCTL.SECRC) */
    uint8_t status;  /* E1000_RXD_STAT_* */
    uint8_t errors;  /* E1000_RXD_ERR_* */
};

/** Verdict on a completed receive descriptor (e1000_rx_classify). */
enum e1000_rx_verdict {
    E1000_RX_OK = 0,    /* a whole good frame */
    E1000_RX_ERRORS,    /* the device flagged a frame error */
    E1000_RX_FRAGMENT,  /* no EOP: the frame spans buffers (too long), or its tail */
    E1000_RX_BAD_LENGTH /* shorter than an Ethernet header or longer than the buffer */
};

/**
 * e1000_ring_init - set up @r over @desc (@count * 16 bytes, 16-byte aligned)
 * and @cookie (@count pointers); zeroes both. Returns 0 or -KE_INVAL when
 * @count is not a multiple of 8 within [8, 4096] or a pointer is NULL.
 */
int e1000_ring_init(struct e1000_ring *r, void *desc, void **cookie, uint16_t count);

/** e1000_ring_space - descriptors software may still give out (count - 1 - used). */
static inline uint16_t e1000_ring_space(const struct e1000_ring *r)
{
    return (uint16_t)(r->count - 1u - r->used);
}

/**
 * e1000_rx_post - give the device an empty receive buffer at bus address
 * @bus_addr (bytes, the RCTL.BSIZE it was told) in descriptor `tail`,
 * remembering @cookie; status is cleared. Advances tail (the caller writes
 * it to RDT after bus_wmb). Returns 0 or -KE_AGAIN when the ring is full.
 */
int e1000_rx_post(struct e1000_ring *r, uint64_t bus_addr, void *cookie);

/** e1000_rx_ready - true when descriptor `next` is given out and its DD bit is set. */
bool e1000_rx_ready(const struct e1000_ring *r);

/**
 * e1000_rx_take - take back descriptor `next` (call only after
 * e1000_rx_ready() returned true, then bus_rmb()): fill @info, clear the
 * status, advance `next`. Returns the cookie posted with it.
 */
void *e1000_rx_take(struct e1000_ring *r, struct e1000_rx_info *info);

/**
 * e1000_rx_classify - judge a completed descriptor. @buf_len is the bytes
 * the buffer holds; frames shorter than @min_len (an Ethernet header, 14)
 * are bad. Error bits win over a missing EOP, which wins over the length.
 */
enum e1000_rx_verdict e1000_rx_classify(const struct e1000_rx_info *info, uint16_t min_len,
                                        uint16_t buf_len);

/**
 * e1000_tx_post - put one buffer (@bus_addr, @len bytes, 1..16288) with
 * command @cmd (E1000_TXD_CMD_*, legacy: DEXT clear) in descriptor `tail`
 * and remember @cookie. Advances tail (the caller writes TDT after
 * bus_wmb). Returns 0, -KE_AGAIN when full, -KE_INVAL for a bad length or
 * DEXT in @cmd.
 */
int e1000_tx_post(struct e1000_ring *r, uint64_t bus_addr, uint16_t len, uint8_t cmd, void *cookie);

/**
 * e1000_tx_csum_ctx - the context that has the device complete one TCP or
 * UDP checksum (SDM 3.3.6, POPTS.TXSM): the one's-complement sum of the
 * bytes from @csum_start (from the frame start) to the end of the packet,
 * the field at @csum_start + @csum_offset holding the pseudo-header sum,
 * stored there. Returns 0, or -KE_RANGE when either offset exceeds the
 * 8-bit TUCSS/TUCSO fields (255).
 */
int e1000_tx_csum_ctx(uint16_t csum_start, uint16_t csum_offset, struct e1000_tx_ctx *out);

/** e1000_tx_ctx_equal - true when @a and @b program the device alike (no need to resend). */
bool e1000_tx_ctx_equal(const struct e1000_tx_ctx *a, const struct e1000_tx_ctx *b);

/**
 * e1000_tx_post_frame - queue one frame of @nseg buffers @seg (each 1..
 * 16288 bytes legacy, 1..65535 extended), gathered by the device in order
 * (SDM 3.3): when @ctx is non-NULL first a context descriptor from it, then
 * one data descriptor (DEXT, DTYP 1, POPTS @popts) per buffer, else (no
 * context and @popts 0) one legacy descriptor per buffer. Every descriptor
 * has RS (each is written back, so the ring is reclaimed descriptor by
 * descriptor) and @cmd_extra (E1000_TXD_CMD_IDE or 0); the last also EOP
 * and IFCS and carries @cookie, the others NULL. Returns 0, -KE_AGAIN when
 * fewer than (@ctx ? 1 : 0) + @nseg descriptors are free (nothing queued),
 * or -KE_INVAL (no buffer, a length out of range, NULL @cookie).
 */
int e1000_tx_post_frame(struct e1000_ring *r, const struct e1000_tx_seg *seg, unsigned nseg,
                        const struct e1000_tx_ctx *ctx, uint8_t popts, uint8_t cmd_extra,
                        void *cookie);

/** e1000_tx_done - true when descriptor `next` is given out and the device set DD (needs RS). */
bool e1000_tx_done(const struct e1000_ring *r);

/**
 * e1000_tx_take - take back transmitted descriptor `next` (after
 * e1000_tx_done() and bus_rmb()); *@status (if non-NULL) gets its status
 * bits. Returns its cookie.
 */
void *e1000_tx_take(struct e1000_ring *r, uint8_t *status);

/**
 * e1000_ring_reclaim - take back the oldest given-out descriptor whatever its
 * status (only once the device is reset or its queue disabled). Returns its
 * cookie, or NULL when none is given out. Empties the ring when repeated.
 */
void *e1000_ring_reclaim(struct e1000_ring *r);

#endif
