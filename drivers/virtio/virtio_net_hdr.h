/*
 * drivers/virtio/virtio_net_hdr.h — the virtio-net header (OASIS virtio
 * 1.1 section 5.1.6 "Device Operation", struct virtio_net_hdr) and its
 * mapping to and from a packet buffer's offload fields (kernel/pktbuf.h
 * PKT_F_CSUM_PARTIAL, PKT_F_CSUM_VALID, PKT_F_GSO_TCPV4): pure functions,
 * no bus, so they compile hosted and are unit-tested there
 * (tests/unit/drivers/rings/test_virtio_net_hdr.c).
 *
 * Layout, little-endian (virtio 1.x; the legacy interface uses the guest's
 * byte order, little-endian on every target here):
 *   u8 flags; u8 gso_type; le16 hdr_len; le16 gso_size; le16 csum_start;
 *   le16 csum_offset; le16 num_buffers (with VIRTIO_F_VERSION_1 or
 *   VIRTIO_NET_F_MRG_RXBUF only: 12 bytes, else 10).
 * csum_start is counted from the start of the Ethernet frame, as
 * pkt->csum_start is from the data start.
 */
#ifndef SPINDLE_DRIVERS_VIRTIO_NET_HDR_H
#define SPINDLE_DRIVERS_VIRTIO_NET_HDR_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/pktbuf.h"

/* Feature bits of the network device (section 5.1.3). */
#define VIRTIO_NET_F_CSUM 0u       /* device completes partial checksums on transmit */
#define VIRTIO_NET_F_GUEST_CSUM 1u /* driver takes partial / validated checksums on receive */
#define VIRTIO_NET_F_MAC 5u
#define VIRTIO_NET_F_GUEST_TSO4 7u /* driver takes TCP/IPv4 super-frames (needs GUEST_CSUM) */
#define VIRTIO_NET_F_GUEST_ECN 9u
#define VIRTIO_NET_F_HOST_TSO4 11u /* device cuts TCP/IPv4 super-frames (needs CSUM) */
#define VIRTIO_NET_F_MRG_RXBUF 15u /* a received frame may span several buffers */
#define VIRTIO_NET_F_STATUS 16u

/* Byte offsets of the header's fields. */
#define VNET_HDR_FLAGS 0u
#define VNET_HDR_GSO_TYPE 1u
#define VNET_HDR_HDR_LEN 2u
#define VNET_HDR_GSO_SIZE 4u
#define VNET_HDR_CSUM_START 6u
#define VNET_HDR_CSUM_OFFSET 8u
#define VNET_HDR_NUM_BUFFERS 10u
/** Header bytes: without num_buffers (legacy, no MRG_RXBUF), and with it. */
#define VNET_HDR_LEGACY 10u
#define VNET_HDR_V1 12u

/* flags (section 5.1.6). */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1u /* sum from csum_start to the end, stored at +csum_offset */
#define VIRTIO_NET_HDR_F_DATA_VALID 2u /* receive: the checksum is known good */
/* gso_type (section 5.1.6). */
#define VIRTIO_NET_HDR_GSO_NONE 0u
#define VIRTIO_NET_HDR_GSO_TCPV4 1u
#define VIRTIO_NET_HDR_GSO_UDP 3u
#define VIRTIO_NET_HDR_GSO_TCPV6 4u
#define VIRTIO_NET_HDR_GSO_ECN 0x80u

/** What a receiving port negotiated, for vnet_hdr_get. */
struct vnet_rx_offloads {
    bool csum; /* VIRTIO_NET_F_GUEST_CSUM */
    bool tso4; /* VIRTIO_NET_F_GUEST_TSO4 */
};

/**
 * vnet_hdr_put - fill the @hdr_len-byte header @hdr (10 or 12) for
 * transmitting frame @p (its data is the Ethernet frame, possibly chained,
 * @total bytes in all): flags NEEDS_CSUM with csum_start/csum_offset for
 * PKT_F_CSUM_PARTIAL; gso_type TCPV4 with gso_size and hdr_len (the
 * Ethernet, IP and TCP headers: csum_start plus the TCP data offset read
 * from the head buffer) for PKT_F_GSO_TCPV4; num_buffers 0. Returns 0, or
 * -KE_INVAL (a GSO frame without PKT_F_CSUM_PARTIAL or gso_size, or whose
 * TCP header is not in the head buffer; a checksum field beyond @total).
 */
int vnet_hdr_put(uint8_t *hdr, unsigned hdr_len, const struct pktbuf *p, uint32_t total);

/**
 * vnet_hdr_get - apply a received header @hdr to frame @p of @len bytes:
 * NEEDS_CSUM -> PKT_F_CSUM_PARTIAL (csum_start, csum_offset), DATA_VALID ->
 * PKT_F_CSUM_VALID, gso_type TCPV4 -> PKT_F_GSO_TCPV4 (gso_size), each only
 * when @neg says the driver asked for it (a DATA_VALID it did not ask for
 * is ignored: QEMU passes the TAP's header through as it is). Returns 0, or
 * -KE_INVAL and leaves @p's flags alone for what the driver never
 * negotiated or cannot be: NEEDS_CSUM without GUEST_CSUM or pointing past
 * the frame, a GSO type other than TCPV4 (or with ECN: GUEST_ECN is not
 * negotiated), TCPV4 without GUEST_TSO4 or with gso_size 0.
 */
int vnet_hdr_get(const uint8_t *hdr, struct pktbuf *p, uint32_t len,
                 const struct vnet_rx_offloads *neg);

/** vnet_hdr_num_buffers - the num_buffers field of a @hdr_len-byte header (1 when it has none). */
static inline uint16_t vnet_hdr_num_buffers(const uint8_t *hdr, unsigned hdr_len)
{
    return hdr_len >= VNET_HDR_V1
               ? (uint16_t)(hdr[VNET_HDR_NUM_BUFFERS] | (hdr[VNET_HDR_NUM_BUFFERS + 1] << 8))
               : 1u;
}

#endif
