/*
 * drivers/virtio/virtio_net_hdr.c — the virtio-net header to and from a
 * packet buffer's offload fields (drivers/virtio/virtio_net_hdr.h; OASIS
 * virtio 1.1 section 5.1.6).
 */
#include "drivers/virtio/virtio_net_hdr.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

/* TCP (RFC 793 section 3.1): the data offset, in 32-bit words, is the high nibble of byte 12. */
#define TCP_OFF_DOFF 12u
#define TCP_HDR_MIN 20u

int vnet_hdr_put(uint8_t *hdr, unsigned hdr_len, const struct pktbuf *p, uint32_t total)
{
    memset(hdr, 0, hdr_len);
    bool partial = p->flags & PKT_F_CSUM_PARTIAL;
    if (partial) {
        if ((uint32_t)p->csum_start + p->csum_offset + 2u > total)
            return -KE_INVAL;
        hdr[VNET_HDR_FLAGS] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        store_le16(hdr + VNET_HDR_CSUM_START, p->csum_start);
        store_le16(hdr + VNET_HDR_CSUM_OFFSET, p->csum_offset);
    }
    if (p->flags & PKT_F_GSO_TCPV4) {
        /* Section 5.1.6.2: a GSO frame also asks for its checksum; hdr_len
         * covers every header, so the TCP header must be in the head. */
        if (!partial || p->gso_size == 0 || (uint32_t)p->csum_start + TCP_HDR_MIN > p->len)
            return -KE_INVAL;
        uint32_t thl = (uint32_t)(pkt_data(p)[p->csum_start + TCP_OFF_DOFF] >> 4) * 4u;
        if (thl < TCP_HDR_MIN || (uint32_t)p->csum_start + thl > p->len)
            return -KE_INVAL;
        hdr[VNET_HDR_GSO_TYPE] = VIRTIO_NET_HDR_GSO_TCPV4;
        store_le16(hdr + VNET_HDR_HDR_LEN, (uint16_t)(p->csum_start + thl));
        store_le16(hdr + VNET_HDR_GSO_SIZE, p->gso_size);
    }
    return 0;
}

int vnet_hdr_get(const uint8_t *hdr, struct pktbuf *p, uint32_t len,
                 const struct vnet_rx_offloads *neg)
{
    uint8_t flags = hdr[VNET_HDR_FLAGS], gso = hdr[VNET_HDR_GSO_TYPE];
    uint16_t start = load_le16(hdr + VNET_HDR_CSUM_START);
    uint16_t off = load_le16(hdr + VNET_HDR_CSUM_OFFSET);
    uint16_t gso_size = load_le16(hdr + VNET_HDR_GSO_SIZE);
    uint32_t set = 0;
    if (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        if (!neg->csum || (uint32_t)start + off + 2u > len)
            return -KE_INVAL;
        set |= PKT_F_CSUM_PARTIAL;
    } else if ((flags & VIRTIO_NET_HDR_F_DATA_VALID) && neg->csum) {
        set |= PKT_F_CSUM_VALID;
    }
    if (gso != VIRTIO_NET_HDR_GSO_NONE) {
        if (gso != VIRTIO_NET_HDR_GSO_TCPV4 || !neg->tso4 || gso_size == 0)
            return -KE_INVAL;
        set |= PKT_F_GSO_TCPV4;
    }
    p->flags |= set;
    if (set & PKT_F_CSUM_PARTIAL) {
        p->csum_start = start;
        p->csum_offset = off;
    }
    if (set & PKT_F_GSO_TCPV4)
        p->gso_size = gso_size;
    return 0;
}
