/*
 * protocols/aal5/aal5_send.c — the AAL5 node's transmit side (aal5.h):
 * a payload segmented into cells (aal5_seg.c), the cells packed into
 * frames of up to AAL5_CELLS_PER_FRAME, each frame sent with ether_send.
 */
#include "protocols/aal5/aal5.h"
#include "protocols/aal5/aal5_impl.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "protocols/ether/ether.h"

/* Frames of the longest PDU: 1366 cells, 28 a frame. */
#define AAL5_MAX_FRAMES ((AAL5_MAX_CELLS + AAL5_CELLS_PER_FRAME - 1) / AAL5_CELLS_PER_FRAME)

/* aal5_free_frames - free frames[@from..@n). */
static void aal5_free_frames(struct pktbuf **frames, uint32_t from, uint32_t n)
{
    for (uint32_t i = from; i < n; i++)
        pkt_free(frames[i]);
}

/*
 * aal5_send_abort - the frame at index @i was refused: end the PDU at the
 * peer with an abort cell, in a spare frame buffer (frames[@i + 1] when
 * there is one, else a fresh one), and free the rest.
 */
static void aal5_send_abort(struct netif *ifp, const uint8_t *dst, struct aal5_seg *s,
                            struct pktbuf **frames, uint32_t i, uint32_t n)
{
    struct pktbuf *f = i + 1 < n ? frames[i + 1] : pkt_alloc(pktpool_default());
    aal5_free_frames(frames, i + 2, n);
    if (f == NULL)
        return;
    f->len = 0;
    uint8_t *c = pkt_append(f, ATM_CELL_LEN);
    if (c == NULL) {
        pkt_free(f);
        return;
    }
    aal5_seg_abort(s, c);
    pkt_set_layer(f, PKT_L3);
    aal5_ctr[AAL5_TX_ABORTS]++;
    aal5_ctr[AAL5_TX_FRAMES]++;
    aal5_ctr[AAL5_TX_CELLS]++;
    ether_send(ifp, dst, ETHERTYPE_AAL5, f);
}

int aal5_send_uu(struct netif *ifp, const uint8_t dst_mac[6], uint8_t vpi, uint16_t vci, uint8_t uu,
                 struct pktbuf *payload)
{
    struct aal5_seg s;
    const struct atm_cell_hdr h = { .vpi = vpi, .vci = vci };
    if (payload == NULL || aal5_seg_start(&s, &h, uu, pkt_data(payload), payload->len) < 0) {
        aal5_ctr[AAL5_TX_INVALID]++;
        pkt_free(payload);
        return -KE_INVAL;
    }
    uint8_t dst[ETHER_ADDR_LEN];
    memcpy(dst, dst_mac, ETHER_ADDR_LEN); /* @dst_mac may point into @payload's pool */
    struct pktbuf *frames[AAL5_MAX_FRAMES];
    uint32_t n = aal5_seg_frames(&s);
    for (uint32_t i = 0; i < n; i++) {
        frames[i] = pkt_alloc(pktpool_default());
        if (frames[i] == NULL || pkt_tailroom(frames[i]) < AAL5_FRAME_MAX) {
            aal5_free_frames(frames, 0, i + 1);
            aal5_ctr[AAL5_TX_NOMEM]++;
            pkt_free(payload);
            return -KE_NOMEM;
        }
    }
    uint16_t len = payload->len;
    int rc = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct pktbuf *f = frames[i];
        size_t bytes = aal5_seg_frame(&s, pkt_data(f), pkt_tailroom(f));
        pkt_append(f, (uint16_t)bytes);
        pkt_set_layer(f, PKT_L3);
        aal5_ctr[AAL5_TX_FRAMES]++;
        aal5_ctr[AAL5_TX_CELLS] += bytes / ATM_CELL_LEN;
        rc = ether_send(ifp, dst, ETHERTYPE_AAL5, f);
        if (rc < 0) {
            aal5_ctr[AAL5_TX_ERRORS]++;
            if (i > 0)
                aal5_send_abort(ifp, dst, &s, frames, i, n);
            else
                aal5_free_frames(frames, 1, n);
            break;
        }
    }
    pkt_free(payload);
    if (rc == 0) {
        aal5_ctr[AAL5_TX_PDUS]++;
        aal5_ctr[AAL5_TX_BYTES] += len;
    }
    return rc;
}

int aal5_send(struct netif *ifp, const uint8_t dst_mac[6], uint8_t vpi, uint16_t vci,
              struct pktbuf *payload)
{
    return aal5_send_uu(ifp, dst_mac, vpi, vci, 0, payload);
}
