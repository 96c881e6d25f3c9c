/*
 * protocols/aal5/aal5.h — the AAL5 raw path: AAL5 CPCS-PDUs (ITU-T I.363.5)
 * in ATM cells carried by Ethernet II frames of EtherType 0x88B5 (the wire
 * format is aal5_wire.h), a node of the protocol graph.
 *
 * Installed on ether_PacketArrived with guard EtherType == 0x88B5. Cells are
 * reassembled per (interface, source MAC, VPI, VCI) (aal5_sar.h); each
 * complete, valid PDU is raised on aal5_PacketArrived and freed after the
 * raise (a handler that keeps it takes pkt_ref()). Extensions install on it
 * with a guard on the VC: aal5_guard_vci() or aal5_guard_vc(). Malformed
 * cells, frames and PDUs are counted (kstat group "aal5") and dropped.
 *
 * A delivered PDU (the argument of aal5_PacketArrived):
 *   data        the CPCS-PDU payload, pkt->len bytes (1..AAL5_RX_MAX_PAYLOAD)
 *   PKT_L3      AAL5_RX_HDR_LEN (4) bytes right in front of the data: the
 *               header of the PDU's last cell as received, without its HEC
 *               (I.361 2.2: GFC 4, VPI 8, VCI 16, PTI 3, CLP 1 bits), so a
 *               guard's field test reads the VC: VCI = L3 bytes 0..3 & 0x000FFFF0
 *               >> 4, VPI = L3 bytes 0..3 & 0x0FF00000 >> 20
 *   PKT_L5      = data (the payload); PKT_L2 and PKT_L4 unset
 *   ifindex     the interface the cells came in on; rx_ns of the last frame
 *   meta[0]     VPI << 16 | VCI
 *   meta[1]     source MAC bytes 0..3 (byte 0 in bits 31..24)
 *   meta[2]     source MAC bytes 4..5 in bits 31..16, CPCS-UU in bits 15..8,
 *               the last cell's PTI << 1 | CLP in bits 7..0
 *   meta[3]     cells the PDU took
 * Read them with aal5_rx_info() rather than by hand.
 *
 * Why the largest delivered payload is 65531 bytes, not 65535: pktbuf's
 * block size, offsets and length are 16-bit, and the 4-byte header the
 * guards read must lie in the same block as the payload. The reassembler
 * never stores PAD or trailer (aal5_reasm.c), so the limit is only this
 * header. A valid PDU of 65532..65535 bytes is counted oversize and
 * dropped; aal5_send() sends payloads up to 65535 bytes.
 */
#ifndef SPINDLE_PROTOCOLS_AAL5_H
#define SPINDLE_PROTOCOLS_AAL5_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/capability.h"
#include "kernel/event.h"
#include "kernel/pktbuf.h"
#include "netgraph/netif.h"
#include "protocols/aal5/aal5_wire.h"

#define AAL5_RX_HDR_LEN 4u    /* cell header (no HEC) kept at PKT_L3 */
#define AAL5_BIG_BLOCK 65535u /* bytes per block of the node's large pool */
#define AAL5_BIG_COUNT 16u    /* blocks in it (1 MiB) */
#define AAL5_RX_MAX_PAYLOAD (AAL5_BIG_BLOCK - AAL5_RX_HDR_LEN) /* 65531 bytes */
#define AAL5_REASM_MAX_VCS 64u                                 /* PDUs in progress at once */
#define AAL5_REASM_MAX_BYTES (8u * AAL5_BIG_BLOCK)             /* buffer bytes they may hold */
#define AAL5_REASM_TIMEOUT_NS 1000000000ull /* a PDU must complete within 1 s of its first cell */

/** Field-test masks of the 32-bit word at PKT_L3 (the cell header without HEC). */
#define AAL5_HDR_VCI_MASK 0x000ffff0u
#define AAL5_HDR_VPI_MASK 0x0ff00000u

/**
 * aal5_PacketArrived - a complete, valid AAL5 PDU for us: data = payload,
 * the last cell's header at PKT_L3, VC and sender in meta[] (see above).
 * Raised by the node, which frees the buffer after the raise.
 */
KEVENT_DECLARE(aal5_PacketArrived, struct pktbuf *);

/** aal5_init - install the node on ether_PacketArrived, create its pool, register counters. */
int aal5_init(void);
/**
 * aal5_fini - remove it: PDUs in progress are dropped (counted flushed);
 * the large pool is destroyed once all its buffers are back (else kept
 * for the next aal5_init, with a warning).
 */
void aal5_fini(void);

/** aal5_guard_vci - a guard "VCI == @vci" (PKT_L3 offset 0, 4 bytes, mask AAL5_HDR_VCI_MASK). */
struct kguard aal5_guard_vci(uint16_t vci);
/** aal5_guard_vc - a guard "VPI == @vpi and VCI == @vci" (one test, mask VPI | VCI). */
struct kguard aal5_guard_vc(uint8_t vpi, uint16_t vci);

/**
 * aal5_vc_num - the number of VC @vpi/@vci in the "aal5" capability domain:
 * VPI << 16 | VCI, 0..AAL5_VC_NUM_MAX. A grant names VCs as VPI/VCI
 * ("grant=aal5:0/40", "grant=aal5:0/32-0/47"), which the name service reads
 * as these numbers (kernel/nameservice.h).
 */
static inline uint32_t aal5_vc_num(uint8_t vpi, uint16_t vci)
{
    return (uint32_t)vpi << 16 | vci;
}
#define AAL5_VC_NUM_MAX 0xffffffu /* VPI 255 (the UNI's 8 bits, I.361 2.2), VCI 65535 */

/**
 * aal5_install_granted - install @fn on aal5_PacketArrived for the PDUs of
 * VC @vpi/@vci, for a client holding the capabilities @caps: the "aal5"
 * domain's install procedure, published by the node (scope: VC numbers,
 * aal5_vc_num). The guard "VC == @vpi/@vci" is the imposed guard, so the
 * client sees that VC's PDUs only. Returns 0 and *@out, -KE_PERM when no
 * capability of @caps obtained under "aal5" covers the VC, or
 * kevent_install's errors.
 */
int aal5_install_granted(const struct kcapset *caps, aal5_PacketArrived_fn fn, void *ctx,
                         uint8_t vpi, uint16_t vci, const struct khandler_props *props,
                         struct khandler **out);

/**
 * aal5_parse_vc - "VPI/VCI" in decimal (a configuration's vc=) into @vpi,
 * @vci. Returns 0, -KE_INVAL (not two numbers around a '/'), -KE_RANGE (VPI
 * over 255, or VCI 0 or over 65535; VCI 0 is unassigned, I.361 2.2.3).
 */
int aal5_parse_vc(const char *s, uint8_t *vpi, uint16_t *vci);

/**
 * AAL5_KEXT_NEED - the struct kext_need entry of an extension class that
 * serves a VC (netgraph/extension.h): the "aal5" domain, exactly the VC it
 * names (KEXT_NEED_EXACT), written VPI/VCI in messages (KEXT_NEED_PAIRS).
 */
#define AAL5_KEXT_NEED                                                    \
    {                                                                     \
        .domain = "aal5", .scope = "VCs", .lo = 0, .hi = AAL5_VC_NUM_MAX, \
        .flags = KEXT_NEED_EXACT | KEXT_NEED_PAIRS                        \
    }

struct kext;
/**
 * aal5_ext_vc - the VC of extension instance @x (netgraph/extension.h):
 * its vc=VPI/VCI parameter, parsed into @vpi, @vci and granted with
 * kext_grant_scope in the "aal5" domain (without grant= the instance gets
 * exactly that VC, and a grant the framework derived from a default port=
 * is dropped: a VC endpoint holds no UDP port; with grant= it must name
 * that VC and no more when the class marks "aal5" KEXT_NEED_EXACT). The
 * class then installs with aal5_install_granted(x->caps, ...). Returns 0,
 * or -KE_INVAL (no vc=, or not VPI/VCI), -KE_RANGE, -KE_PERM, -KE_NOMEM
 * with a one-line reason in @err.
 */
int aal5_ext_vc(struct kext *x, uint8_t *vpi, uint16_t *vci, char *err, size_t errlen);

/** Where a delivered PDU came from, as aal5_rx_info() reads it. */
struct aal5_rx_info {
    uint16_t ifindex; /* input interface */
    uint8_t vpi;
    uint16_t vci;
    uint8_t src_mac[6]; /* Ethernet source of its frames */
    uint8_t uu;         /* CPCS-UU */
    uint8_t pti;        /* of the last cell: AUU set, ATM_PTI_EFCI if congestion was seen */
    uint8_t clp;        /* of the last cell */
    uint16_t cells;     /* cells it took */
    const uint8_t *payload;
    uint16_t len; /* payload bytes */
};
/** aal5_rx_info - the fields of @pdu as raised on aal5_PacketArrived. */
void aal5_rx_info(const struct pktbuf *pdu, struct aal5_rx_info *out);

/**
 * aal5_send_uu - segment payload @payload (data = the payload, 1..65535
 * bytes) into cells on VC @vpi/@vci with CPCS-UU @uu, CPI 0, CLP 0, and send
 * them in frames of up to AAL5_CELLS_PER_FRAME cells with ether_send to
 * @dst_mac on @ifp. Frames come from the default pool and are all taken
 * before the first is sent, so a PDU goes out whole or not at all when
 * buffers are short; should the interface refuse a frame after the first,
 * one abort cell (Length 0, I.363.5 9.2.1) ends the PDU at the peer.
 * Consumes @payload (only read: it may be shared). Returns 0, -KE_INVAL
 * (length 0 or over 65535, VCI 0), -KE_NOMEM (no buffers), or ether_send's
 * error. Counted under "aal5" tx_*.
 */
int aal5_send_uu(struct netif *ifp, const uint8_t dst_mac[6], uint8_t vpi, uint16_t vci, uint8_t uu,
                 struct pktbuf *payload);

/** aal5_send - aal5_send_uu with CPCS-UU 0. */
int aal5_send(struct netif *ifp, const uint8_t dst_mac[6], uint8_t vpi, uint16_t vci,
              struct pktbuf *payload);

#endif
