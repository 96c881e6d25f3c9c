/*
 * protocols/aal5/aal5_wire.c — ATM cell headers (ITU-T I.361 2.2, UNI) and
 * their HEC (I.432 4.3.2). The CRC-32 is in aal5_crc32.c.
 */
#include "protocols/aal5/aal5_wire.h"

uint8_t atm_hec(const uint8_t h[4])
{
    /* CRC-8, generator x^8 + x^2 + x + 1 (0x07), MSB first, preset 0. */
    uint8_t crc = 0;
    for (unsigned i = 0; i < 4; i++) {
        crc ^= h[i];
        for (unsigned b = 0; b < 8; b++)
            crc = (uint8_t)((crc & 0x80u) ? (unsigned)(crc << 1) ^ 0x07u : (unsigned)(crc << 1));
    }
    return (uint8_t)(crc ^ ATM_HEC_COSET);
}

void atm_hdr_encode(const struct atm_cell_hdr *h, uint8_t out[ATM_HDR_LEN])
{
    out[0] = (uint8_t)((h->gfc & 0x0fu) << 4 | h->vpi >> 4);
    out[1] = (uint8_t)((h->vpi & 0x0fu) << 4 | h->vci >> 12);
    out[2] = (uint8_t)(h->vci >> 4);
    out[3] = (uint8_t)((h->vci & 0x0fu) << 4 | (h->pti & 0x07u) << 1 | (h->clp & 0x01u));
    out[ATM_HDR_HEC_OFF] = atm_hec(out);
}

bool atm_hdr_decode(const uint8_t in[ATM_HDR_LEN], struct atm_cell_hdr *h)
{
    h->gfc = in[0] >> 4;
    h->vpi = (uint8_t)((in[0] & 0x0fu) << 4 | in[1] >> 4);
    h->vci = (uint16_t)((in[1] & 0x0fu) << 12 | in[2] << 4 | in[3] >> 4);
    h->pti = (in[3] >> 1) & 0x07u;
    h->clp = in[3] & 0x01u;
    return atm_hec(in) == in[ATM_HDR_HEC_OFF];
}
