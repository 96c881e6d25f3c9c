/*
 * protocols/aal5/aal5_seg.c — AAL5 segmentation (ITU-T I.363.5 10.1.2 SAR
 * sender, 10.2.2 CPCS sender): the CPCS-PDU (payload, PAD, trailer) is cut
 * into 48-byte SAR-PDUs, each sent as one cell; the last carries AUU = 1.
 * The PDU is never built whole: each cell's payload is written straight
 * from the caller's bytes, zeros or the trailer, and the CRC-32 follows.
 */
#include "protocols/aal5/aal5_sar.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

int aal5_seg_start(struct aal5_seg *s, const struct atm_cell_hdr *hdr, uint8_t uu,
                   const void *payload, uint32_t len)
{
    if (len == 0 || len > AAL5_MAX_PAYLOAD || hdr->vci == 0 || (hdr->pti & ATM_PTI_NON_USER))
        return -KE_INVAL;
    s->payload = payload;
    s->len = len;
    s->cells = AAL5_PDU_CELLS(len);
    s->next = 0;
    s->crc = AAL5_CRC32_INIT;
    s->hdr = *hdr;
    s->hdr.gfc = 0;
    s->hdr.pti &= (uint8_t)~ATM_PTI_AUU;
    s->uu = uu;
    return 0;
}

/* seg_trailer - write the trailer (UU, CPI 0, Length @len) and the CRC into the
 * last 8 bytes of cell payload @pl, the CRC over everything before it. */
static void seg_trailer(struct aal5_seg *s, uint8_t *pl, uint16_t len)
{
    uint8_t *t = pl + AAL5_LAST_TRL_OFF;
    t[AAL5_TRL_UU] = s->uu;
    t[AAL5_TRL_CPI] = 0;
    store_be16(t + AAL5_TRL_LENGTH, len);
    s->crc = aal5_crc32_update(s->crc, pl, AAL5_LAST_TRL_OFF + AAL5_TRL_CRC);
    store_be32(t + AAL5_TRL_CRC, aal5_crc32_final(s->crc));
}

/* seg_cell - write cell s->next at @c and advance. */
static void seg_cell(struct aal5_seg *s, uint8_t *c)
{
    bool last = s->next + 1 == s->cells;
    struct atm_cell_hdr h = s->hdr;
    if (last)
        h.pti |= ATM_PTI_AUU;
    atm_hdr_encode(&h, c);
    uint8_t *pl = c + ATM_HDR_LEN;
    uint32_t off = s->next * ATM_PAYLOAD_LEN;
    uint32_t n = off < s->len ? s->len - off : 0;
    if (n > ATM_PAYLOAD_LEN)
        n = ATM_PAYLOAD_LEN;
    memcpy(pl, s->payload + off, n);
    memset(pl + n, 0, ATM_PAYLOAD_LEN - n); /* PAD (and the trailer's place) */
    if (last)
        seg_trailer(s, pl, (uint16_t)s->len);
    else
        s->crc = aal5_crc32_update(s->crc, pl, ATM_PAYLOAD_LEN);
    s->next++;
}

size_t aal5_seg_frame(struct aal5_seg *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (unsigned k = 0; k < AAL5_CELLS_PER_FRAME && !aal5_seg_done(s) && cap - n >= ATM_CELL_LEN;
         k++) {
        seg_cell(s, out + n);
        n += ATM_CELL_LEN;
    }
    return n;
}

size_t aal5_seg_abort(struct aal5_seg *s, uint8_t out[ATM_CELL_LEN])
{
    struct atm_cell_hdr h = s->hdr;
    h.pti |= ATM_PTI_AUU;
    atm_hdr_encode(&h, out);
    memset(out + ATM_HDR_LEN, 0, ATM_PAYLOAD_LEN);
    seg_trailer(s, out + ATM_HDR_LEN, 0);
    s->next = s->cells;
    return ATM_CELL_LEN;
}
