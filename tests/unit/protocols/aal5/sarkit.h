/*
 * tests/unit/protocols/aal5/sarkit.h — helpers for the AAL5 segmentation
 * and reassembly tests: cells of a PDU built by the segmenter or by hand
 * (for malformed ones), a reassembler on private pools, and a collector of
 * delivered PDUs. Hosted test code.
 */
#ifndef SPINDLE_TESTS_SARKIT_H
#define SPINDLE_TESTS_SARKIT_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/pktbuf.h"
#include "protocols/aal5/aal5_sar.h"

#define SK_MAX_PDUS 64

/** A test reassembler and what it delivered. */
struct sk {
    struct aal5_reasm *r;
    struct pktpool *small, *big;
    uint64_t ctr[AAL5_RX_NCTR];
    unsigned n; /* PDUs delivered and not yet taken */
    struct pktbuf *pdu[SK_MAX_PDUS];
    struct aal5_pdu_info info[SK_MAX_PDUS];
};

/** Cells: @n of them, 53 bytes each, contiguous. Free with free(). */
struct sk_cells {
    uint8_t *b;
    size_t n;
};

/**
 * sk_setup - (after testkit_init) pools (@nsmall of 2048 bytes, @nbig of 65535) and
 * a reassembler with @p's limits (its pools and counters are filled in).
 */
void sk_setup(struct sk *k, struct aal5_reasm_params p, unsigned nsmall, unsigned nbig);
/** sk_params - default limits: 8 VCs, max payload 65535, 4 big blocks of bytes, 1 s, headroom 0. */
struct aal5_reasm_params sk_params(void);
/** sk_teardown - free what was delivered, destroy the reassembler and pools; asserts all back. */
void sk_teardown(struct sk *k);

/** sk_pattern - @len deterministic bytes (seed @seed) into @out. */
void sk_pattern(uint8_t *out, size_t len, unsigned seed);

/** sk_segment - the cells of a PDU (payload @p, @len bytes, VC @vpi/@vci, UU @uu) by aal5_seg. */
struct sk_cells sk_segment(const uint8_t *p, uint32_t len, uint8_t vpi, uint16_t vci, uint8_t uu);

/**
 * sk_craft - cells of a PDU built by hand: payload @p of @len bytes padded
 * to @ncells cells (0: as many as the payload needs), trailer UU @uu, CPI
 * @cpi, Length field @length_field, the CRC-32 correct plus @crc_xor.
 */
struct sk_cells sk_craft(const uint8_t *p, uint32_t len, uint8_t vpi, uint16_t vci, uint8_t uu,
                         uint8_t cpi, uint16_t length_field, uint32_t ncells, uint32_t crc_xor);

/**
 * sk_feed - give cells [@from, @to) of @c to the reassembler on @link at
 * @now, in frames of @per_frame cells. Returns the PDUs delivered.
 */
int sk_feed(struct sk *k, const struct sk_cells *c, size_t from, size_t to, unsigned per_frame,
            uint64_t link, uint64_t now);
/** sk_feed_all - all of @c in full frames (28 cells) on link 0 at time 0. */
int sk_feed_all(struct sk *k, const struct sk_cells *c);

/**
 * sk_input_frame - check that frame @f (data at its Ethernet header) goes
 * from @src to @dst with EtherType 0x88B5 and 1..28 whole cells, and give
 * its cells to the reassembler. Returns the PDUs delivered.
 */
int sk_input_frame(struct sk *k, const struct pktbuf *f, const uint8_t dst[6],
                   const uint8_t src[6]);

/** sk_frame - an Ethernet frame @dst <- @src, type 0x88B5, cells [@from, @from + @n) of @c, at @f; returns its length. */
size_t sk_frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], const struct sk_cells *c,
                size_t from, size_t n);

/** sk_take - the oldest delivered PDU (caller frees), asserting there is one. */
struct pktbuf *sk_take(struct sk *k, struct aal5_pdu_info *info);

/** sk_big_buf - a buffer of k's big pool holding the @len bytes at @p (no headroom). */
struct pktbuf *sk_big_buf(struct sk *k, const uint8_t *p, uint32_t len);

/** sk_cell_hdr - rewrite cell @i's header to @h (HEC recomputed). */
void sk_cell_hdr(struct sk_cells *c, size_t i, const struct atm_cell_hdr *h);

#endif
