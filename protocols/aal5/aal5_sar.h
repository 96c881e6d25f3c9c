/*
 * protocols/aal5/aal5_sar.h — segmentation and reassembly of AAL5
 * CPCS-PDUs (ITU-T I.363.5 10.1, 10.2) into and from the cells of
 * aal5_wire.h. Pure logic: no events, no interfaces, time from the caller.
 * Freestanding; the node (aal5.c), the Linux peer (tools/aal5/) and the
 * fuzz target use the same code.
 *
 * Segmentation writes the cells of one PDU, frame by frame, into memory
 * the caller provides. Reassembly takes the cells of received frames and
 * hands every complete, valid PDU to a callback as a struct pktbuf.
 */
#ifndef SPINDLE_PROTOCOLS_AAL5_SAR_H
#define SPINDLE_PROTOCOLS_AAL5_SAR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/pktbuf.h"
#include "protocols/aal5/aal5_wire.h"

/* ------------------------------------------------------------ segmentation */

/** The state of one PDU being segmented. Fields private; see aal5_seg_start. */
struct aal5_seg {
    const uint8_t *payload;  /* borrowed until the last cell is written */
    uint32_t len;            /* payload bytes */
    uint32_t cells;          /* cells of the CPCS-PDU */
    uint32_t next;           /* cells written so far */
    uint32_t crc;            /* CRC-32 register over the cells written */
    struct atm_cell_hdr hdr; /* header of every cell; AUU added to the last */
    uint8_t uu;              /* CPCS-UU of the trailer */
};

/**
 * aal5_seg_start - prepare to segment the @len payload bytes at @payload
 * (borrowed: they must stay unchanged until aal5_seg_done) into cells with
 * header @hdr (its VPI, VCI and CLP; PTI 0 on all cells but the last, which
 * carries AUU; GFC 0) and CPCS-UU @uu, CPI 0. Returns 0, or -KE_INVAL for
 * @len 0 (that Length means abort) or over AAL5_MAX_PAYLOAD, VCI 0, or a
 * PTI with ATM_PTI_NON_USER set.
 */
int aal5_seg_start(struct aal5_seg *s, const struct atm_cell_hdr *hdr, uint8_t uu,
                   const void *payload, uint32_t len);

/**
 * aal5_seg_frame - write the next cells of the PDU into @out (@cap bytes):
 * as many whole 53-byte cells as fit, at most AAL5_CELLS_PER_FRAME, which
 * is one Ethernet payload. The CRC-32 is computed as the cells are written.
 * Returns the bytes written (a multiple of ATM_CELL_LEN), 0 once every cell
 * is written or when @cap < ATM_CELL_LEN.
 */
size_t aal5_seg_frame(struct aal5_seg *s, uint8_t *out, size_t cap);

/** aal5_seg_done - true once the last cell has been written. */
static inline bool aal5_seg_done(const struct aal5_seg *s)
{
    return s->next >= s->cells;
}

/** aal5_seg_frames - frames (of up to AAL5_CELLS_PER_FRAME cells) still to write. */
static inline uint32_t aal5_seg_frames(const struct aal5_seg *s)
{
    return (s->cells - s->next + AAL5_CELLS_PER_FRAME - 1) / AAL5_CELLS_PER_FRAME;
}

/**
 * aal5_seg_abort - end a PDU cut short (some cells sent, the rest never
 * will be) with an abort (I.363.5 9.2.1: a trailer with Length 0): writes
 * one cell at @out with AUU set, PAD zeros, UU, CPI 0, Length 0 and the
 * CRC-32 over the cells written before and this one, so the receiver drops
 * the partial PDU at once instead of merging it with the next. Afterwards
 * aal5_seg_done() is true. Returns ATM_CELL_LEN.
 */
size_t aal5_seg_abort(struct aal5_seg *s, uint8_t out[ATM_CELL_LEN]);

/* ------------------------------------------------------------ reassembly */

/**
 * Receive counters, indexes into the array given in aal5_reasm_params.ctr
 * (the node appends its own after AAL5_RX_NCTR). A dropped PDU is counted
 * once, under the first reason found, in the order listed; a cell dropped
 * on its own (bad HEC, non-user, unassigned) is counted per cell, and the
 * PDU it belonged to then fails on its own account (bad CRC or length).
 */
enum aal5_rx_ctr {
    AAL5_RX_FRAMES,     /* frames given to aal5_reasm_input */
    AAL5_RX_CELLS,      /* cells in frames of a valid length */
    AAL5_RX_PDUS,       /* PDUs delivered */
    AAL5_RX_BYTES,      /* their payload bytes */
    AAL5_BAD_FRAME_LEN, /* frame of 0 or more than 28 cells, or not whole cells: all of it dropped */
    AAL5_BAD_HEC,       /* cell with a wrong HEC, dropped (its PDU then fails) */
    AAL5_NON_USER_CELLS,   /* PTI 1xx (OAM F5, RM, reserved): not AAL5 data, ignored */
    AAL5_UNASSIGNED_CELLS, /* VCI 0: no user VC, ignored */
    AAL5_BAD_CRC,          /* PDU whose CRC-32 is wrong (a lost last cell merges two PDUs: this) */
    AAL5_BAD_LENGTH,       /* PDU whose Length disagrees with its number of cells */
    AAL5_BAD_CPI,          /* PDU whose CPI is not 0 */
    AAL5_ABORTS,           /* PDU ended by an abort (Length 0) */
    AAL5_OVERSIZE,         /* PDU longer than the receiver's largest payload */
    AAL5_TIMEOUTS,         /* PDU not complete within timeout_ns of its first cell */
    AAL5_NO_MEMORY,        /* PDU dropped: no buffer free or max_bytes reached */
    AAL5_EVICTED,          /* PDU dropped to make room (slots or bytes) for a newer one */
    AAL5_FLUSHED,          /* PDU dropped by aal5_reasm_flush or destroy */
    AAL5_DISCARDED_CELLS,  /* cells of a PDU already dropped, thrown away up to its last cell */
    AAL5_RX_NCTR
};

/** Counter names for a kstat group, indexed by enum aal5_rx_ctr. */
extern const char *const aal5_rx_ctr_names[AAL5_RX_NCTR];

/** Limits and resources of a reassembler. */
struct aal5_reasm_params {
    uint32_t max_vcs;      /* PDUs in progress at once (one per VC and link), >= 1 */
    uint32_t max_payload;  /* largest payload delivered, 1..AAL5_MAX_PAYLOAD bytes */
    uint32_t max_bytes;    /* buffer bytes (block sizes) all PDUs in progress may hold */
    uint64_t timeout_ns;   /* a PDU not complete this long after its first cell is dropped */
    uint16_t headroom;     /* bytes kept free in front of a delivered payload, >= 0 */
    struct pktpool *small; /* first buffer of every PDU; NULL: big only */
    struct pktpool *big;   /* PDUs that outgrow a small buffer (65535-byte blocks) */
    uint64_t *ctr;         /* AAL5_RX_NCTR counters, owned by the caller */
};

/** What the reassembler knows about a delivered PDU. */
struct aal5_pdu_info {
    uint64_t link;            /* as given to aal5_reasm_input */
    struct atm_cell_hdr last; /* header of its last cell (VPI, VCI, PTI with AUU, CLP) */
    uint8_t uu;               /* CPCS-UU */
    uint16_t cells;           /* cells it took */
};

/**
 * A complete, valid PDU: @pdu has data = the payload (pdu->len bytes, at
 * least params.headroom bytes of headroom), one reference, which the
 * callee owns and must pkt_free() (or pass on). Layers, ifindex, flags and
 * meta are as pkt_alloc left them.
 */
typedef void (*aal5_deliver_fn)(void *ctx, struct pktbuf *pdu, const struct aal5_pdu_info *info);

struct aal5_reasm;

/**
 * aal5_reasm_create - a reassembler with limits @p (copied; the pools and
 * counters are borrowed and must outlive it). Returns NULL for -KE_NOMEM or
 * invalid limits (max_vcs 0, max_payload 0 or over AAL5_MAX_PAYLOAD, no
 * big pool, no counters).
 */
struct aal5_reasm *aal5_reasm_create(const struct aal5_reasm_params *p);

/** aal5_reasm_destroy - drop every PDU in progress (counted flushed) and free @r. NULL ignored. */
void aal5_reasm_destroy(struct aal5_reasm *r);

/**
 * aal5_reasm_input - the @len bytes at @cells (an Ethernet payload: a whole
 * number of 53-byte cells, 1..AAL5_CELLS_PER_FRAME) received at @now_ns on
 * @link (the caller's name for where they came from, e.g. interface and
 * source MAC: PDUs are reassembled per link and VC, as an ATM VC is defined
 * per link). Cells are taken in order, each PDU's payload copied into a
 * buffer from the pools (a small one, moved to a big one when it
 * outgrows it); every PDU completed by a last cell (AUU) is checked (Length
 * 0 abort, CRC-32, CPI, Length against cells, max_payload) and handed to
 * @fn(@ctx, ...) at once, before the next cell is read. PDUs in progress on
 * other VCs whose deadline has passed are not touched here (see
 * aal5_reasm_expire); one that receives a cell after its deadline is
 * dropped first (counted timeouts) and the cell starts a new PDU. Never
 * keeps @cells. @fn may send or raise events but must not destroy @r or
 * feed it input. Returns the number of PDUs delivered, or -KE_INVAL when the
 * frame's length is not 1..28 whole cells (counted bad_frame_len, nothing
 * read).
 */
int aal5_reasm_input(struct aal5_reasm *r, uint64_t link, const uint8_t *cells, size_t len,
                     uint64_t now_ns, aal5_deliver_fn fn, void *ctx);

/**
 * aal5_reasm_expire - drop every PDU in progress whose first cell arrived
 * timeout_ns or more before @now_ns (counted timeouts). Returns how many.
 */
unsigned aal5_reasm_expire(struct aal5_reasm *r, uint64_t now_ns);

/** aal5_reasm_next_deadline - the earliest time a PDU in progress expires, or UINT64_MAX. */
uint64_t aal5_reasm_next_deadline(const struct aal5_reasm *r);

/** aal5_reasm_pending - PDUs in progress (including ones being discarded up to their last cell). */
unsigned aal5_reasm_pending(const struct aal5_reasm *r);

/** aal5_reasm_held - buffer bytes (block sizes) held by PDUs in progress. */
uint32_t aal5_reasm_held(const struct aal5_reasm *r);

/** aal5_reasm_flush - drop every PDU in progress (counted flushed); returns how many held data. */
unsigned aal5_reasm_flush(struct aal5_reasm *r);

#endif
