/*
 * netgraph/offload.c — what a frame asks of its device that the device
 * cannot do (netgraph/netif.h netif_offload): complete a partial checksum
 * (PKT_F_CSUM_PARTIAL, the virtio-net header's NEEDS_CSUM: OASIS virtio 1.1
 * 5.1.6.2) and cut a TCP/IPv4 super-frame into segments (PKT_F_GSO_TCPV4,
 * TSO), in software, just before the frame leaves by a port that lacks
 * tx_csum or tx_tso4. Frames are Ethernet II at this point (data at the
 * Ethernet header); csum_start counts from it, as virtio's does.
 *
 * Segmentation (RFC 9293 3.1; Linux's tcp_gso_segment does the same): each
 * segment carries gso_size payload bytes (the last the rest), a copy of the
 * Ethernet, IPv4 and TCP headers with the IPv4 total length, identification
 * (+ the segment's number) and header checksum, the TCP sequence number
 * (+ the bytes before it), FIN and PSH only on the last segment, CWR only on
 * the first, and the TCP checksum computed over the pseudo-header, header
 * and payload.
 */
#include "netgraph/netif.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "protocols/ether/ether_wire.h"
#include "protocols/ipv4/ipv4_wire.h"
#include "protocols/tcp/tcp_wire.h"

/* copy_out - @len bytes of packet @p from @off bytes into its data (across segments) into @dst. */
static void copy_out(const struct pktbuf *p, uint32_t off, uint32_t len, uint8_t *dst)
{
    for (; p != NULL && len > 0; p = p->frag) {
        if (off >= p->len) {
            off -= p->len;
            continue;
        }
        uint32_t n = p->len - off < len ? p->len - off : len;
        memcpy(dst, pkt_data(p) + off, n);
        dst += n;
        len -= n;
        off = 0;
    }
}

/* csum_complete - finish @p's partial checksum in software (its data is writable). */
static int csum_complete(struct pktbuf *p)
{
    uint32_t total = pkt_total_len(p);
    uint32_t start = p->csum_start, at = (uint32_t)p->csum_start + p->csum_offset;
    if (start >= total || at + 2 > total || at + 2 > p->len)
        return -KE_INVAL; /* the checksum field must lie in the head buffer */
    uint16_t sum = inet_csum_fold(pkt_sum(p, start, total - start));
    store_be16(pkt_data(p) + at, sum);
    p->flags &= ~(uint32_t)PKT_F_CSUM_PARTIAL;
    return 0;
}

/* tcp_sum - the TCP checksum of the @len-byte segment @seg with @src, @dst (RFC 9293 3.1). */
static uint16_t tcp_sum(const uint8_t *ip, const uint8_t *seg, uint16_t len)
{
    uint8_t pseudo[12];
    memcpy(pseudo, ip + IPV4_OFF_SRC, 8);
    pseudo[8] = 0;
    pseudo[9] = IPPROTO_TCP;
    store_be16(pseudo + 10, len);
    return inet_csum_fold(inet_csum_add(inet_csum_add(0, pseudo, sizeof pseudo), seg, len));
}

/* segment - cut super-frame @p into a list of frames (->next); NULL on a malformed frame or no memory. */
static struct pktbuf *segment(struct pktbuf *p, uint64_t *nomem)
{
    uint8_t hdr[ETHER_HDR_LEN + IPV4_MAX_HDR_LEN + 60] = { 0 };
    uint32_t total = pkt_total_len(p);
    if (p->gso_size == 0 || total < ETHER_HDR_LEN + IPV4_HDR_LEN + TCP_HDR_LEN)
        return NULL;
    copy_out(p, 0, ETHER_HDR_LEN + IPV4_HDR_LEN, hdr);
    uint8_t *ip = hdr + ETHER_HDR_LEN;
    unsigned hlen = ipv4_vhl_hlen(ip[IPV4_OFF_VHL]);
    if (load_be16(hdr + ETHER_OFF_TYPE) != ETHERTYPE_IPV4 || ip[IPV4_OFF_PROTO] != IPPROTO_TCP ||
        hlen < IPV4_HDR_LEN || ETHER_HDR_LEN + hlen + TCP_HDR_LEN > total)
        return NULL;
    copy_out(p, 0, ETHER_HDR_LEN + hlen + TCP_HDR_LEN, hdr);
    uint8_t *tcp = hdr + ETHER_HDR_LEN + hlen;
    unsigned thlen = (tcp[TCP_OFF_DOFF] >> 4) * 4u;
    uint32_t hdrs = ETHER_HDR_LEN + hlen + thlen;
    if (thlen < TCP_HDR_LEN || hdrs > total || hdrs + p->gso_size > PKT_BLOCK_SIZE - PKT_HEADROOM)
        return NULL;
    copy_out(p, 0, hdrs, hdr);
    uint32_t payload = total - hdrs, seq0 = load_be32(tcp + TCP_OFF_SEQ);
    uint16_t id0 = load_be16(ip + IPV4_OFF_ID);
    uint8_t flags0 = tcp[TCP_OFF_FLAGS];
    struct pktbuf *head = NULL, **tail = &head;
    for (uint32_t off = 0, i = 0; off < payload || (payload == 0 && i == 0);
         off += p->gso_size, i++) {
        uint32_t n = payload - off < p->gso_size ? payload - off : p->gso_size;
        bool last = off + n >= payload;
        struct pktbuf *s = pkt_alloc(pktpool_default());
        uint8_t *d = s != NULL ? pkt_append(s, (uint16_t)(hdrs + n)) : NULL;
        if (d == NULL) {
            pkt_free(s);
            pkt_free(head);
            (*nomem)++;
            return NULL;
        }
        memcpy(d, hdr, hdrs);
        copy_out(p, hdrs + off, n, d + hdrs);
        uint8_t *sip = d + ETHER_HDR_LEN, *stcp = sip + hlen;
        store_be16(sip + IPV4_OFF_LEN, (uint16_t)(hlen + thlen + n));
        store_be16(sip + IPV4_OFF_ID, (uint16_t)(id0 + i));
        store_be16(sip + IPV4_OFF_CSUM, 0);
        store_be16(sip + IPV4_OFF_CSUM, inet_csum_fold(inet_csum_add(0, sip, hlen)));
        store_be32(stcp + TCP_OFF_SEQ, seq0 + off);
        uint8_t f = flags0;
        if (!last)
            f &= (uint8_t) ~(TCP_F_FIN | TCP_F_PSH);
        if (i > 0)
            f &= (uint8_t)~TCP_F_CWR;
        stcp[TCP_OFF_FLAGS] = f;
        store_be16(stcp + TCP_OFF_CSUM, 0);
        store_be16(stcp + TCP_OFF_CSUM, tcp_sum(sip, stcp, (uint16_t)(thlen + n)));
        s->ifindex = p->ifindex;
        *tail = s;
        tail = &s->next;
        if (last)
            break;
    }
    return head;
}

struct pktbuf *netif_offload(struct netif *ifp, struct pktbuf *pkt)
{
    const struct kport *port = ifp->port;
    if ((pkt->flags & PKT_F_GSO_TCPV4) && !port->tx_tso4) {
        /* a segment's checksum is computed whole, so a partial one needs no completing */
        struct pktbuf *list = segment(pkt, &ifp->ctr[NETIF_TX_DROPPED]);
        if (list == NULL)
            ifp->ctr[NETIF_TX_OFFLOAD_ERRORS]++;
        else
            ifp->ctr[NETIF_TX_SEGMENTED]++;
        pkt_free(pkt);
        return list;
    }
    if ((pkt->flags & PKT_F_CSUM_PARTIAL) && !port->tx_csum) {
        pkt = pkt_unshare(pkt); /* the checksum is written into the frame */
        if (pkt == NULL || csum_complete(pkt) < 0) {
            ifp->ctr[NETIF_TX_OFFLOAD_ERRORS]++;
            pkt_free(pkt);
            return NULL;
        }
    }
    pkt->next = NULL;
    return pkt;
}
