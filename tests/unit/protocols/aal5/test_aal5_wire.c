/*
 * tests/unit/protocols/aal5/test_aal5_wire.c — the AAL5 wire format
 * (protocols/aal5/aal5_wire.h): the CRC-32 against published vectors
 * (the CRC-32/BZIP2 check value; the I.363.5 sample cells of 40 bytes of
 * 0x00, of 0xFF and of 0x01..0x28, each with UU 0, CPI 0, Length 40) and
 * its residue, the table against the bitwise definition, the HEC, and cell
 * header encoding and decoding.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "kernel/klib.h"
#include "protocols/aal5/aal5_sar.h"
#include "protocols/aal5/aal5_wire.h"

/* The CRC-32 register after one byte @b from 0, bit by bit: the generator's definition. */
static uint32_t crc_bitwise_byte(uint8_t b)
{
    uint32_t c = (uint32_t)b << 24;
    for (int i = 0; i < 8; i++)
        c = (c & 0x80000000u) ? (c << 1) ^ 0x04c11db7u : c << 1;
    return c;
}

/* The CRC-8 of I.432 bit by bit over 4 bytes, without the coset. */
static uint8_t crc8_bitwise(const uint8_t h[4])
{
    unsigned c = 0;
    for (int i = 0; i < 32; i++) {
        unsigned in = (h[i / 8] >> (7 - i % 8)) & 1u;
        unsigned top = (c >> 7) & 1u;
        c = (c << 1) & 0xffu;
        if (top ^ in)
            c ^= 0x07u;
    }
    return (uint8_t)c;
}

Test(aal5_wire, crc32_check_value)
{
    cr_assert_eq(aal5_crc32("123456789", 9), AAL5_CRC32_CHECK);
    cr_assert_eq(AAL5_CRC32_CHECK, 0xfc891918u);
}

Test(aal5_wire, crc32_table_matches_the_generator)
{
    for (unsigned b = 0; b < 256; b++) {
        uint8_t byte = (uint8_t)b;
        cr_assert_eq(aal5_crc32_update(0, &byte, 1), crc_bitwise_byte(byte), "entry %u", b);
    }
}

/* The CRC of one 48-byte cell holding @payload (40 bytes) and a trailer UU 0, CPI 0, Length 40. */
static uint32_t sample_cell_crc(const uint8_t payload[40])
{
    uint8_t cell[44];
    memcpy(cell, payload, 40);
    cell[40] = 0;
    cell[41] = 0;
    store_be16(cell + 42, 40);
    return aal5_crc32(cell, sizeof cell);
}

Test(aal5_wire, crc32_sample_cells)
{
    uint8_t p[40];
    memset(p, 0x00, sizeof p);
    cr_assert_eq(sample_cell_crc(p), 0x864d7f99u);
    memset(p, 0xff, sizeof p);
    cr_assert_eq(sample_cell_crc(p), 0xc55e457au);
    for (unsigned i = 0; i < 40; i++)
        p[i] = (uint8_t)(i + 1);
    cr_assert_eq(sample_cell_crc(p), 0xbf671ed0u);
}

Test(aal5_wire, crc32_residue)
{
    uint8_t buf[200];
    for (unsigned n = 0; n < 190; n += 17) {
        for (unsigned i = 0; i < n; i++)
            buf[i] = (uint8_t)(i * 31 + n);
        store_be32(buf + n, aal5_crc32(buf, n));
        cr_assert_eq(aal5_crc32_update(AAL5_CRC32_INIT, buf, n + 4), AAL5_CRC32_RESIDUE, "n %u", n);
    }
}

Test(aal5_wire, crc32_incremental_equals_whole)
{
    uint8_t buf[100];
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i ^ 0x5a);
    uint32_t c = aal5_crc32_update(AAL5_CRC32_INIT, buf, 37);
    c = aal5_crc32_update(c, buf + 37, sizeof buf - 37);
    cr_assert_eq(aal5_crc32_final(c), aal5_crc32(buf, sizeof buf));
}

Test(aal5_wire, segmented_sample_cells_carry_the_vectors)
{
    /* The same vectors through the segmenter: a 40-byte payload is one cell. */
    static const struct {
        uint8_t fill;
        uint32_t crc;
    } v[] = {
        { 0x00, 0x864d7f99u },
        { 0xff, 0xc55e457au },
    };
    for (unsigned k = 0; k < 2; k++) {
        uint8_t p[40], out[ATM_CELL_LEN];
        memset(p, v[k].fill, sizeof p);
        struct aal5_seg s;
        const struct atm_cell_hdr h = { .vpi = 0, .vci = 32 };
        cr_assert_eq(aal5_seg_start(&s, &h, 0, p, sizeof p), 0);
        cr_assert_eq(aal5_seg_frame(&s, out, sizeof out), ATM_CELL_LEN);
        cr_assert(aal5_seg_done(&s));
        cr_assert_eq(load_be32(out + ATM_HDR_LEN + 44), v[k].crc);
        cr_assert_eq(load_be16(out + ATM_HDR_LEN + 42), 40);
    }
}

Test(aal5_wire, hec_of_zero_header_is_0x55)
{
    static const uint8_t zero[4];
    cr_assert_eq(atm_hec(zero), 0x55);
}

Test(aal5_wire, hec_matches_bitwise_crc8_plus_coset)
{
    uint8_t h[4];
    for (unsigned i = 0; i < 5000; i++) {
        uint32_t x = i * 2654435761u;
        store_be32(h, x);
        cr_assert_eq(atm_hec(h), (uint8_t)(crc8_bitwise(h) ^ 0x55u), "header %08x", x);
    }
}

Test(aal5_wire, header_encode_layout)
{
    const struct atm_cell_hdr h = { .gfc = 0, .vpi = 0xab, .vci = 0xcdef, .pti = 0x5, .clp = 1 };
    uint8_t b[ATM_HDR_LEN];
    atm_hdr_encode(&h, b);
    cr_assert_eq(b[0], 0x0a);                /* GFC 0, VPI high nibble */
    cr_assert_eq(b[1], 0xbc);                /* VPI low nibble, VCI[15:12] */
    cr_assert_eq(b[2], 0xde);                /* VCI[11:4] */
    cr_assert_eq(b[3], 0xf0 | 0x5 << 1 | 1); /* VCI[3:0], PTI, CLP */
    cr_assert_eq(b[4], atm_hec(b));
}

Test(aal5_wire, header_roundtrip_and_bad_hec)
{
    for (unsigned vpi = 0; vpi < 256; vpi += 15) {
        for (unsigned vci = 0; vci < 65536; vci += 4099) {
            for (unsigned pti = 0; pti < 8; pti++) {
                const struct atm_cell_hdr h = { .gfc = (uint8_t)(vci & 0xf),
                                                .vpi = (uint8_t)vpi,
                                                .vci = (uint16_t)vci,
                                                .pti = (uint8_t)pti,
                                                .clp = (uint8_t)(pti & 1) };
                uint8_t b[ATM_HDR_LEN];
                atm_hdr_encode(&h, b);
                struct atm_cell_hdr d;
                cr_assert(atm_hdr_decode(b, &d));
                cr_assert_eq(d.gfc, h.gfc);
                cr_assert_eq(d.vpi, h.vpi);
                cr_assert_eq(d.vci, h.vci);
                cr_assert_eq(d.pti, h.pti);
                cr_assert_eq(d.clp, h.clp);
                /* Any single bit flipped anywhere in the header is detected. */
                for (unsigned bit = 0; bit < 40; bit++) {
                    uint8_t c[ATM_HDR_LEN];
                    memcpy(c, b, sizeof c);
                    c[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
                    cr_assert_not(atm_hdr_decode(c, &d), "bit %u", bit);
                }
            }
        }
    }
}

Test(aal5_wire, sizes)
{
    cr_assert_eq(AAL5_FRAME_MAX, 1484);
    cr_assert_leq(AAL5_FRAME_MAX, 1500);
    cr_assert_gt((AAL5_CELLS_PER_FRAME + 1) * ATM_CELL_LEN, 1500);
    cr_assert_eq(AAL5_PDU_CELLS(1), 1);
    cr_assert_eq(AAL5_PDU_CELLS(40), 1);
    cr_assert_eq(AAL5_PDU_CELLS(41), 2);
    cr_assert_eq(AAL5_MAX_CELLS, 1366);
}
