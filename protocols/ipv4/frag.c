/*
 * protocols/ipv4/frag.c — the last step of sending: fragmentation to the
 * interface MTU (RFC 791 section 3.2 "Fragmentation" and the example
 * procedure in 3.2; RFC 1122 3.3.3) and the hand-off to ARP.
 *
 * Every fragment but the last carries a multiple of 8 payload bytes, as many
 * as the MTU allows (1480 behind a 20-byte header at MTU 1500, as Linux
 * sends). The first fragment keeps all options; the others only those whose
 * "copied" flag (bit 7 of the option type) is set, padded with End of Option
 * List to a multiple of 4 bytes. Each fragment gets its own total length,
 * MF/offset and header checksum; a datagram that is itself a fragment keeps
 * its offset base and, on its last piece, its MF flag. Fragments are built
 * in fresh buffers (ipv4_pkt_alloc); the original is freed.
 */
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/ipv4_impl.h"
#include "protocols/ipv4/ipv4_pool.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "protocols/arp/arp.h"

/*
 * frag_copied_options - write into @out the options of header @h (@hlen
 * bytes) that must be copied into every fragment, padded to a multiple of
 * 4 bytes. Returns the new header length (20 + padded options). A malformed
 * option list stops the copy at the bad option.
 */
static uint16_t frag_copied_options(const uint8_t *h, uint16_t hlen, uint8_t *out)
{
    memcpy(out, h, IPV4_HDR_LEN);
    uint16_t n = IPV4_HDR_LEN;
    uint16_t i = IPV4_HDR_LEN;
    while (i < hlen) {
        uint8_t type = h[i];
        if (type == 0) /* End of Option List */
            break;
        if (type == 1) { /* No Operation: not copied */
            i++;
            continue;
        }
        if (i + 1 >= hlen)
            break;
        uint8_t olen = h[i + 1];
        if (olen < 2 || i + olen > hlen)
            break;
        if (type & 0x80) {
            memcpy(out + n, h + i, olen);
            n = (uint16_t)(n + olen);
        }
        i = (uint16_t)(i + olen);
    }
    while (n & 3)
        out[n++] = 0;
    return n;
}

/*
 * frag_send - cut @pkt (data at its IPv4 header) into fragments of at most
 * @mtu bytes and hand each to ARP. Consumes @pkt. Returns 0, -KE_TOOBIG (the
 * MTU leaves no room for 8 payload bytes) or -KE_NOMEM.
 */
static int frag_send(struct netif *ifp, uint32_t next_hop, struct pktbuf *pkt, uint16_t mtu)
{
    const uint8_t *h = pkt_data(pkt);
    uint16_t hlen = (uint16_t)((h[IPV4_OFF_VHL] & 0x0f) * 4);
    uint16_t fo = load_be16(h + IPV4_OFF_FRAG);
    uint32_t base = (uint32_t)(fo & IPV4_OFFMASK) * 8u;
    uint32_t payload = (uint32_t)pkt->len - hlen;
    uint8_t later_hdr[IPV4_MAX_HDR_LEN];
    uint16_t later_hlen = frag_copied_options(h, hlen, later_hdr);
    later_hdr[IPV4_OFF_VHL] = (uint8_t)(0x40 | (later_hlen / 4));

    if (mtu < hlen + 8u) {
        ipv4_ctr[IPV4_FRAG_FAIL]++;
        pkt_free(pkt);
        return -KE_TOOBIG;
    }
    int rc = 0;
    uint32_t done = 0;
    while (done < payload) {
        const uint8_t *fh = done == 0 ? h : later_hdr;
        uint16_t fhlen = done == 0 ? hlen : later_hlen;
        uint32_t chunk = ((uint32_t)mtu - fhlen) & ~7u;
        bool last = payload - done <= chunk;
        if (last)
            chunk = payload - done;
        struct pktbuf *f = ipv4_pkt_alloc(fhlen + chunk);
        if (f == NULL) {
            rc = -KE_NOMEM;
            break;
        }
        uint8_t *d = pkt_append(f, (uint16_t)(fhlen + chunk));
        memcpy(d, fh, fhlen);
        memcpy(d + fhlen, h + hlen + done, chunk);
        store_be16(d + IPV4_OFF_LEN, (uint16_t)(fhlen + chunk));
        uint16_t ffo = (uint16_t)((fo & IPV4_F_DF) | ((base + done) / 8u));
        if (!last || (fo & IPV4_F_MF))
            ffo |= IPV4_F_MF;
        store_be16(d + IPV4_OFF_FRAG, ffo);
        ipv4_hdr_csum(d, fhlen);
        pkt_set_layer(f, PKT_L3);
        f->layer[PKT_L4] = (uint16_t)(f->data_off + fhlen);
        done += chunk;
        ipv4_ctr[IPV4_FRAG_CREATED]++;
        int r = arp_output(ifp, next_hop, f);
        if (r < 0) {
            rc = r;
            break;
        }
    }
    pkt_free(pkt);
    ipv4_ctr[rc == 0 ? IPV4_FRAG_OK : IPV4_FRAG_FAIL]++;
    return rc;
}

int ipv4_xmit(struct netif *ifp, uint32_t next_hop, struct pktbuf *pkt)
{
    uint16_t mtu = ifp->mtu != 0 ? ifp->mtu : 1500;
    pkt_set_layer(pkt, PKT_L3);      /* ipv4_wire_len reads the header there */
    if (ipv4_wire_len(pkt) <= mtu) { /* a TCP super-frame is cut into segments that fit */
        ipv4_ctr[IPV4_TX]++;
        return arp_output(ifp, next_hop, pkt);
    }
    if (load_be16(pkt_data(pkt) + IPV4_OFF_FRAG) & IPV4_F_DF) {
        ipv4_ctr[IPV4_TX_TOOBIG]++;
        pkt_free(pkt);
        return -KE_TOOBIG;
    }
    pkt = ipv4_linearize(pkt); /* fragments are cut from one contiguous datagram */
    if (pkt == NULL) {
        ipv4_ctr[IPV4_FRAG_FAIL]++;
        return -KE_NOMEM;
    }
    return frag_send(ifp, next_hop, pkt, mtu);
}
