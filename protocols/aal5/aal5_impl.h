/*
 * protocols/aal5/aal5_impl.h — state shared by the AAL5 node's files
 * (aal5.c: receive; aal5_send.c: transmit). Private to protocols/aal5/.
 */
#ifndef SPINDLE_PROTOCOLS_AAL5_IMPL_H
#define SPINDLE_PROTOCOLS_AAL5_IMPL_H

#include <stdint.h>
#include "protocols/aal5/aal5_sar.h"

/* The node's counters: the reassembler's (enum aal5_rx_ctr), then these. */
enum aal5_node_ctr {
    AAL5_UNHANDLED = AAL5_RX_NCTR, /* PDUs no handler took */
    AAL5_TX_PDUS,                  /* PDUs sent whole */
    AAL5_TX_BYTES,                 /* their payload bytes */
    AAL5_TX_FRAMES,                /* frames handed to ether_send */
    AAL5_TX_CELLS,                 /* cells in them */
    AAL5_TX_INVALID,               /* aal5_send refused: length or VC */
    AAL5_TX_NOMEM,                 /* aal5_send found too few buffers: nothing sent */
    AAL5_TX_ERRORS,                /* a frame refused by ether_send */
    AAL5_TX_ABORTS,                /* PDUs cut short and ended with an abort cell */
    AAL5_START_NOMEM,              /* frames dropped: no memory for the pool or reassembler */
    AAL5_NCTR
};

extern uint64_t aal5_ctr[AAL5_NCTR];

/* aal5_vc_publish - publish the "aal5" domain (aal5_vc.c); 0 or kns_publish's codes. */
int aal5_vc_publish(void);
/* aal5_vc_unpublish - withdraw it (granted capabilities stay valid). */
void aal5_vc_unpublish(void);

#endif
