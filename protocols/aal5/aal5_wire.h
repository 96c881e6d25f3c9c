/*
 * protocols/aal5/aal5_wire.h — the wire format of spindle's AAL5 raw path:
 * ATM cells (ITU-T I.361 UNI cell header, I.432 HEC) carrying AAL5
 * CPCS-PDUs (ITU-T I.363.5), in Ethernet II frames of EtherType 0x88B5.
 * Pure definitions and functions, freestanding; the Linux peer
 * (tools/aal5/) and the Wireshark dissector (tools/wireshark/) implement the
 * same format, so every constant here is part of the interoperability
 * contract.
 *
 * Frame (Ethernet II payload): a whole number of 53-byte cells, 1 to
 * AAL5_CELLS_PER_FRAME (28: 28 * 53 = 1484 bytes fit a 1500-byte MTU). Cells
 * of one PDU may span several frames; a frame may carry cells of several
 * PDUs and VCs, in order.
 *
 * Cell (I.361 2.2, UNI format), 5-byte header + 48-byte payload:
 *   byte 0: GFC(4) VPI[7:4]      byte 1: VPI[3:0] VCI[15:12]
 *   byte 2: VCI[11:4]            byte 3: VCI[3:0] PTI(3) CLP(1)
 *   byte 4: HEC = CRC-8 (x^8 + x^2 + x + 1) of bytes 0..3, XOR 0x55 (I.432 4.3.2)
 * GFC is sent as 0 and ignored on receipt (I.361 2.2.2, uncontrolled access).
 * PTI (I.361 2.2.4): 0xx user data (bit 1 congestion experienced, bit 0 the
 * ATM-user-to-ATM-user indication, AUU); 1xx OAM and resource management.
 * AAL5 marks the last cell of a CPCS-PDU with AUU = 1 (I.363.5 9.1.2).
 * VCI 0 never identifies a user VC (I.361 2.2.3; VPI 0 / VCI 0 is the
 * unassigned cell, 2.2.1).
 *
 * CPCS-PDU (I.363.5 9.2.1): payload (1..65535 bytes), PAD (0..47 zero
 * bytes, so the whole is a multiple of 48), then the 8-byte trailer, right
 * justified in the last cell:
 *   +0 CPCS-UU (1)  +1 CPI (1) = 0  +2 Length (2, payload bytes, big-endian)
 *   +4 CRC-32 (4, big-endian) over the whole CPCS-PDU but itself.
 * A Length of 0 is the abort function (I.363.5 9.2.1): no payload.
 * CRC-32: generator 0x04C11DB7, register preset to all ones, bits not
 * reflected, the remainder complemented (I.363.5 9.2.1; the catalogue's
 * CRC-32/BZIP2): "123456789" gives 0xFC891918.
 */
#ifndef SPINDLE_PROTOCOLS_AAL5_WIRE_H
#define SPINDLE_PROTOCOLS_AAL5_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include "protocols/ether/ether_wire.h"
#include <stdbool.h>

#define AAL5_ETHERTYPE ETHERTYPE_AAL5 /* IEEE 802 Local Experimental EtherType 1 */

#define ATM_CELL_LEN 53u         /* bytes per cell */
#define ATM_HDR_LEN 5u           /* cell header, HEC included */
#define ATM_HDR_HEC_OFF 4u       /* the HEC byte; bytes 0..3 are what it covers */
#define ATM_PAYLOAD_LEN 48u      /* cell payload (one SAR-PDU) */
#define AAL5_CELLS_PER_FRAME 28u /* most cells in one Ethernet frame */
#define AAL5_FRAME_MAX (AAL5_CELLS_PER_FRAME * ATM_CELL_LEN) /* 1484 bytes */

#define ATM_HEC_COSET 0x55u /* I.432 4.3.2: added (XOR) to the CRC-8 */

/* PTI bits (I.361 2.2.4). */
#define ATM_PTI_AUU 0x1u      /* user data cells: ATM-user-to-ATM-user indication */
#define ATM_PTI_EFCI 0x2u     /* user data cells: congestion experienced */
#define ATM_PTI_NON_USER 0x4u /* set: OAM F5 (100, 101) or RM (110) cell, reserved (111) */

/* The CPCS-PDU trailer (I.363.5 9.2.1), offsets from its start. */
#define AAL5_TRAILER_LEN 8u
#define AAL5_TRL_UU 0u     /* CPCS-UU: user-to-user indication, 1 byte */
#define AAL5_TRL_CPI 1u    /* common part indicator, 1 byte, 0 */
#define AAL5_TRL_LENGTH 2u /* payload length, 2 bytes big-endian; 0 = abort */
#define AAL5_TRL_CRC 4u    /* CRC-32, 4 bytes big-endian */
/* The trailer's place in the last cell's payload. */
#define AAL5_LAST_TRL_OFF (ATM_PAYLOAD_LEN - AAL5_TRAILER_LEN) /* 40 */

#define AAL5_MAX_PAYLOAD 65535u /* largest Length (I.363.5 9.2.1) */
/** AAL5_PDU_CELLS - cells of the CPCS-PDU for a payload of @len bytes. */
#define AAL5_PDU_CELLS(len) \
    (((uint32_t)(len) + AAL5_TRAILER_LEN + ATM_PAYLOAD_LEN - 1) / ATM_PAYLOAD_LEN)
#define AAL5_MAX_CELLS AAL5_PDU_CELLS(AAL5_MAX_PAYLOAD) /* 1366 */

#define AAL5_CRC32_INIT 0xffffffffu    /* register preset */
#define AAL5_CRC32_RESIDUE 0xc704dd7bu /* register after a PDU and its correct CRC */
#define AAL5_CRC32_CHECK 0xfc891918u   /* aal5_crc32("123456789", 9) */

/** A cell header's fields (I.361 2.2), host order. */
struct atm_cell_hdr {
    uint8_t gfc;  /* 4 bits */
    uint8_t vpi;  /* 8 bits at the UNI */
    uint16_t vci; /* 16 bits */
    uint8_t pti;  /* 3 bits: ATM_PTI_* */
    uint8_t clp;  /* 1 bit: cell loss priority */
};

/**
 * atm_hec - the HEC of header bytes @h[0..3]: CRC-8 with generator
 * x^8 + x^2 + x + 1, register preset to 0, XOR ATM_HEC_COSET (I.432 4.3.2).
 * An all-zero header has HEC 0x55.
 */
uint8_t atm_hec(const uint8_t h[4]);

/**
 * atm_hdr_encode - write @h as a 5-byte cell header at @out, HEC included.
 * Fields are masked to their widths (GFC 4, PTI 3, CLP 1 bits).
 */
void atm_hdr_encode(const struct atm_cell_hdr *h, uint8_t out[ATM_HDR_LEN]);

/**
 * atm_hdr_decode - the fields of the 5-byte header at @in into *@h. Returns
 * true when its HEC is correct (I.432 detection mode: no correction), false
 * otherwise (the fields are filled all the same).
 */
bool atm_hdr_decode(const uint8_t in[ATM_HDR_LEN], struct atm_cell_hdr *h);

/**
 * aal5_crc32_update - feed @n bytes at @p into the running CRC-32 register
 * @crc (start from AAL5_CRC32_INIT), most significant bit first. The CRC
 * field's value is ~register after the PDU (aal5_crc32_final); feeding a PDU
 * and then its correct CRC leaves AAL5_CRC32_RESIDUE.
 */
uint32_t aal5_crc32_update(uint32_t crc, const void *p, size_t n);

/** aal5_crc32_final - the CRC field value for register @crc: its complement. */
static inline uint32_t aal5_crc32_final(uint32_t crc)
{
    return ~crc;
}

/** aal5_crc32 - the AAL5 CRC-32 of @n bytes at @p (CRC-32/BZIP2). */
uint32_t aal5_crc32(const void *p, size_t n);

#endif
