/*
 * tests/unit/drivers/rings/test_virtio_net_hdr.c — the virtio-net header
 * to and from a packet buffer's offload fields (drivers/virtio/
 * virtio_net_hdr.c) against OASIS virtio 1.1 section 5.1.6: field offsets
 * and byte order, what a driver may send, what it accepts only when it
 * negotiated it.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "drivers/virtio/virtio_net_hdr.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"

static struct pktpool *pool;

static void setup(void)
{
    pool = pktpool_create("vnet-hdr-test", 8, 2048, NULL, NULL);
    cr_assert_not_null(pool);
}

static void teardown(void)
{
    /* Criterion ignores assertions in .fini: a leak fails the test by exiting */
    if (!pktpool_all_full()) {
        fprintf(stderr, "buffers leaked\n");
        exit(1);
    }
}

TestSuite(vnet_hdr, .init = setup, .fini = teardown);

/* A 1514-byte TCP/IPv4 frame whose TCP header is @doff words long. */
static struct pktbuf *tcp_frame(uint8_t doff)
{
    struct pktbuf *p = pkt_alloc(pool);
    uint8_t *f = pkt_append(p, 1514);
    memset(f, 0, 1514);
    store_be16(f + 12, 0x0800);
    f[14] = 0x45;
    f[23] = 6;
    f[34 + 12] = (uint8_t)(doff << 4);
    return p;
}

Test(vnet_hdr, plain_frame_gets_an_all_zero_header)
{
    struct pktbuf *p = tcp_frame(5);
    uint8_t h[VNET_HDR_V1];
    memset(h, 0xAA, sizeof h);
    cr_assert_eq(vnet_hdr_put(h, VNET_HDR_V1, p, 1514), 0);
    const uint8_t zero[VNET_HDR_V1] = { 0 };
    cr_assert_arr_eq(h, zero, VNET_HDR_V1, "num_buffers 0 on transmit, no flags");
    memset(h, 0xAA, sizeof h);
    cr_assert_eq(vnet_hdr_put(h, VNET_HDR_LEGACY, p, 1514), 0);
    cr_assert_arr_eq(h, zero, VNET_HDR_LEGACY);
    cr_assert_eq(h[VNET_HDR_LEGACY], 0xAA, "a 10-byte header writes 10 bytes");
    pkt_free(p);
}

Test(vnet_hdr, partial_checksum_and_tso_map_to_the_spec_fields)
{
    struct pktbuf *p = tcp_frame(8); /* 32-byte TCP header: timestamps */
    p->flags |= PKT_F_CSUM_PARTIAL;
    p->csum_start = 34;
    p->csum_offset = 16;
    uint8_t h[VNET_HDR_V1];
    cr_assert_eq(vnet_hdr_put(h, VNET_HDR_V1, p, 1514), 0);
    const uint8_t want_csum[VNET_HDR_V1] = { 1, 0, 0, 0, 0, 0, 34, 0, 16, 0, 0, 0 };
    cr_assert_arr_eq(h, want_csum, VNET_HDR_V1);
    p->flags |= PKT_F_GSO_TCPV4;
    p->gso_size = 1448;
    cr_assert_eq(vnet_hdr_put(h, VNET_HDR_V1, p, 30000), 0);
    /* hdr_len 34 + 32 = 66; gso_size 1448 = 0x05A8, little-endian. */
    const uint8_t want_gso[VNET_HDR_V1] = { 1, 1, 66, 0, 0xA8, 0x05, 34, 0, 16, 0, 0, 0 };
    cr_assert_arr_eq(h, want_gso, VNET_HDR_V1);
    pkt_free(p);
}

Test(vnet_hdr, transmit_requests_that_cannot_be_expressed_are_refused)
{
    struct pktbuf *p = tcp_frame(5);
    uint8_t h[VNET_HDR_V1];
    p->flags = PKT_F_GSO_TCPV4;
    p->gso_size = 1448;
    cr_assert_eq(vnet_hdr_put(h, VNET_HDR_V1, p, 1514), -KE_INVAL, "GSO needs NEEDS_CSUM");
    p->flags |= PKT_F_CSUM_PARTIAL;
    p->csum_start = 34;
    p->csum_offset = 16;
    p->gso_size = 0;
    cr_assert_eq(vnet_hdr_put(h, VNET_HDR_V1, p, 1514), -KE_INVAL, "gso_size 0");
    p->gso_size = 1448;
    pkt_data(p)[34 + 12] = 4 << 4;
    cr_assert_eq(vnet_hdr_put(h, VNET_HDR_V1, p, 1514), -KE_INVAL, "TCP data offset below 5");
    pkt_data(p)[34 + 12] = 5 << 4;
    p->len = 40; /* the TCP header would run past the head buffer */
    cr_assert_eq(vnet_hdr_put(h, VNET_HDR_V1, p, 30000), -KE_INVAL);
    p->len = 1514;
    p->flags = PKT_F_CSUM_PARTIAL;
    p->csum_start = 1500;
    p->csum_offset = 16;
    cr_assert_eq(vnet_hdr_put(h, VNET_HDR_V1, p, 1514), -KE_INVAL, "field past the frame's end");
    pkt_free(p);
}

Test(vnet_hdr, receive_maps_only_what_was_negotiated)
{
    const struct vnet_rx_offloads none = { false, false }, csum = { true, false },
                                  all = { true, true };
    struct pktbuf *p = tcp_frame(5);
    uint8_t h[VNET_HDR_V1] = { VIRTIO_NET_HDR_F_DATA_VALID, 0 };
    cr_assert_eq(vnet_hdr_get(h, p, 1514, &none), 0, "an unasked DATA_VALID is ignored");
    cr_assert_eq(p->flags, 0);
    cr_assert_eq(vnet_hdr_get(h, p, 1514, &csum), 0);
    cr_assert_eq(p->flags, PKT_F_CSUM_VALID);
    p->flags = 0;
    const uint8_t partial[VNET_HDR_V1] = { 1, 0, 0, 0, 0, 0, 34, 0, 6, 0, 1, 0 };
    cr_assert_eq(vnet_hdr_get(partial, p, 1514, &none), -KE_INVAL,
                 "NEEDS_CSUM without GUEST_CSUM: the checksum is incomplete");
    cr_assert_eq(p->flags, 0, "flags untouched on refusal");
    cr_assert_eq(vnet_hdr_get(partial, p, 1514, &csum), 0);
    cr_assert_eq(p->flags, PKT_F_CSUM_PARTIAL);
    cr_assert_eq(p->csum_start, 34);
    cr_assert_eq(p->csum_offset, 6);
    cr_assert_eq(vnet_hdr_get(partial, p, 41, &csum), -KE_INVAL, "field past the frame");
    p->flags = 0;
    uint8_t gso[VNET_HDR_V1] = {
        1, VIRTIO_NET_HDR_GSO_TCPV4, 66, 0, 0xA8, 0x05, 34, 0, 16, 0, 1, 0
    };
    cr_assert_eq(vnet_hdr_get(gso, p, 30000, &csum), -KE_INVAL, "TCPV4 without GUEST_TSO4");
    cr_assert_eq(vnet_hdr_get(gso, p, 30000, &all), 0);
    cr_assert_eq(p->flags, PKT_F_CSUM_PARTIAL | PKT_F_GSO_TCPV4);
    cr_assert_eq(p->gso_size, 1448);
    p->flags = 0;
    gso[VNET_HDR_GSO_TYPE] = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
    cr_assert_eq(vnet_hdr_get(gso, p, 30000, &all), -KE_INVAL, "ECN: GUEST_ECN not negotiated");
    gso[VNET_HDR_GSO_TYPE] = VIRTIO_NET_HDR_GSO_UDP;
    cr_assert_eq(vnet_hdr_get(gso, p, 30000, &all), -KE_INVAL);
    gso[VNET_HDR_GSO_TYPE] = VIRTIO_NET_HDR_GSO_TCPV6;
    cr_assert_eq(vnet_hdr_get(gso, p, 30000, &all), -KE_INVAL);
    gso[VNET_HDR_GSO_TYPE] = VIRTIO_NET_HDR_GSO_TCPV4;
    gso[VNET_HDR_GSO_SIZE] = gso[VNET_HDR_GSO_SIZE + 1] = 0;
    cr_assert_eq(vnet_hdr_get(gso, p, 30000, &all), -KE_INVAL, "gso_size 0");
    cr_assert_eq(p->flags, 0);
    pkt_free(p);
}

Test(vnet_hdr, num_buffers_only_in_the_long_header)
{
    const uint8_t h[VNET_HDR_V1] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x01 };
    cr_assert_eq(vnet_hdr_num_buffers(h, VNET_HDR_V1), 0x0103);
    cr_assert_eq(vnet_hdr_num_buffers(h, VNET_HDR_LEGACY), 1);
}
