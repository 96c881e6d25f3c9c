/*
 * apps/router/gro.c — receive coalescing of forwarded TCP/IPv4 segments
 * into super-frames (apps/router/gro.h: the rules, the buffers). Reads
 * and writes only the IPv4 and TCP headers (RFC 791 3.1, RFC 9293 3.1) of
 * datagrams the IPv4 node has validated.
 */
#include "apps/router/gro.h"

#include "kernel/klib.h"
#include "protocols/ether/ether_wire.h"
#include "protocols/ipv4/ipv4_wire.h"
#include "protocols/tcp/tcp_wire.h"

/* TCP flags that end coalescing (never merged, never start a super-frame). */
#define GRO_F_STOP (TCP_F_SYN | TCP_F_FIN | TCP_F_RST | TCP_F_URG | TCP_F_CWR)

/* One offered segment, parsed. */
struct gro_seg {
    uint8_t *ip, *tcp;
    uint32_t src, dst, ports; /* the header's bytes, as in struct gro_flow */
    uint32_t seq;
    uint16_t total;   /* IPv4 total length */
    uint16_t payload; /* TCP payload bytes */
    unsigned thlen;   /* TCP header bytes, options included */
    bool has_ports;   /* the TCP ports are in this datagram (not a later fragment) */
    bool candidate;   /* may merge (gro.h's first rule) */
};

static inline uint32_t raw32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* gro_parse - fill @s from @pkt's L3 view; false when it is not TCP at all. */
static bool gro_parse(const struct pktbuf *pkt, struct gro_seg *s)
{
    uint8_t *h = pkt_layer_ptr(pkt, PKT_L3);
    if (h == NULL || h[IPV4_OFF_PROTO] != IPPROTO_TCP)
        return false;
    uint16_t len = pkt_layer_len(pkt, PKT_L3);
    unsigned hlen = ipv4_vhl_hlen(h[IPV4_OFF_VHL]);
    uint16_t frag = load_be16(h + IPV4_OFF_FRAG);
    s->ip = h;
    s->tcp = h + hlen;
    s->src = raw32(h + IPV4_OFF_SRC);
    s->dst = raw32(h + IPV4_OFF_DST);
    s->has_ports = (frag & IPV4_OFFMASK) == 0 && (unsigned)len >= hlen + 4u;
    s->ports = s->has_ports ? raw32(s->tcp) : 0;
    s->candidate = false;
    s->total = len;
    if (h[IPV4_OFF_VHL] != IPV4_VHL_DEFAULT || (frag & (IPV4_F_MF | IPV4_OFFMASK)) != 0 ||
        len < IPV4_HDR_LEN + TCP_HDR_LEN || pkt->frag != NULL ||
        (pkt->flags & (PKT_F_GSO_TCPV4 | PKT_F_CSUM_PARTIAL)) != 0)
        return true;
    s->thlen = (s->tcp[TCP_OFF_DOFF] >> 4) * 4u;
    if (s->thlen < TCP_HDR_LEN || IPV4_HDR_LEN + s->thlen >= len)
        return true; /* a header past the datagram, or no payload */
    uint8_t fl = s->tcp[TCP_OFF_FLAGS];
    if (!(fl & TCP_F_ACK) || (fl & GRO_F_STOP))
        return true;
    s->payload = (uint16_t)(len - IPV4_HDR_LEN - s->thlen);
    s->seq = load_be32(s->tcp + TCP_OFF_SEQ);
    s->candidate = true;
    return true;
}

/* tcp_csum_ok - the TCP checksum of the @total-byte datagram @ip (IHL 5) is right (RFC 9293 3.1). */
static bool tcp_csum_ok(const uint8_t *ip, uint16_t total)
{
    uint32_t s = inet_csum_add(0, ip + IPV4_OFF_SRC, 8); /* pseudo-header: the addresses, */
    s += IPPROTO_TCP + (uint32_t)(total - IPV4_HDR_LEN); /* zero, protocol, TCP length */
    s = inet_csum_add(s, ip + IPV4_HDR_LEN, (size_t)total - IPV4_HDR_LEN);
    return inet_csum_fold(s) == 0;
}

static bool seg_csum_ok(struct gro_table *t, const struct pktbuf *pkt, const uint8_t *ip,
                        uint16_t total)
{
    if (pkt->flags & PKT_F_CSUM_VALID)
        return true;
    if (t->ctr != NULL)
        t->ctr[GRO_CHECKED]++;
    if (tcp_csum_ok(ip, total))
        return true;
    if (t->ctr != NULL)
        t->ctr[GRO_BAD_CSUM]++;
    return false;
}

/* finish - make flow @f's head the super-frame of its @f->nseg (>= 2) segments. */
static void finish(struct gro_flow *f)
{
    struct pktbuf *p = f->head;
    uint8_t *ip = pkt_layer_ptr(p, PKT_L3), *tcp = ip + IPV4_HDR_LEN;
    store_be16(ip + IPV4_OFF_LEN, (uint16_t)f->total);
    store_be16(ip + IPV4_OFF_CSUM, 0);
    store_be16(ip + IPV4_OFF_CSUM, inet_csum_fold(inet_csum_add(0, ip, IPV4_HDR_LEN)));
    if (f->psh)
        tcp[TCP_OFF_FLAGS] |= TCP_F_PSH;
    /* The checksum field holds the pseudo-header sum, not complemented, for
     * the device to finish per segment (virtio 1.1 5.1.6.2 NEEDS_CSUM). */
    uint32_t s = inet_csum_add(0, ip + IPV4_OFF_SRC, 8);
    s += IPPROTO_TCP + (f->total - IPV4_HDR_LEN);
    store_be16(tcp + TCP_OFF_CSUM, (uint16_t)~inet_csum_fold(s));
    p->flags = (p->flags & ~(uint32_t)PKT_F_CSUM_VALID) | PKT_F_GSO_TCPV4 | PKT_F_CSUM_PARTIAL;
    p->gso_size = f->mss;
    p->csum_start = ETHER_HDR_LEN + IPV4_HDR_LEN; /* from the Ethernet header the output prepends */
    p->csum_offset = TCP_OFF_CSUM;
}

/* emit_at - take flow @i out of the table and emit it. */
static void emit_at(struct gro_table *t, unsigned i, gro_emit_fn emit, void *ctx)
{
    struct gro_flow f = t->f[i];
    t->n--;
    for (unsigned k = i; k < t->n; k++)
        t->f[k] = t->f[k + 1];
    if (f.nseg >= 2) {
        finish(&f);
        if (t->ctr != NULL)
            t->ctr[GRO_FLUSHES]++;
    }
    emit(ctx, f.head, f.ifindex, f.next_hop);
}

/* joins - @s may follow the segments of flow @f (gro.h's rules but the checksums). */
static bool joins(const struct gro_flow *f, const struct gro_seg *s, uint16_t ifindex,
                  uint32_t next_hop)
{
    const uint8_t *ip0 = pkt_layer_ptr(f->head, PKT_L3), *tcp0 = ip0 + IPV4_HDR_LEN;
    if (ifindex != f->ifindex || next_hop != f->next_hop || s->seq != f->next_seq ||
        load_be16(s->ip + IPV4_OFF_ID) != f->next_id || s->payload > f->mss ||
        f->nseg >= GRO_MAX_SEGS || f->total + s->payload > IPV4_MAX_LEN - ETHER_HDR_LEN)
        return false;
    /* TOS and TTL equal; DF equal (MF and the offset are 0 in both) */
    if (s->ip[IPV4_OFF_TOS] != ip0[IPV4_OFF_TOS] || s->ip[IPV4_OFF_TTL] != ip0[IPV4_OFF_TTL] ||
        s->ip[IPV4_OFF_FRAG] != ip0[IPV4_OFF_FRAG])
        return false;
    /* data offset, flags but PSH, window: bytes 12-15; the ack; the options */
    if (s->tcp[TCP_OFF_DOFF] != tcp0[TCP_OFF_DOFF] ||
        (s->tcp[TCP_OFF_FLAGS] & (uint8_t)~TCP_F_PSH) != tcp0[TCP_OFF_FLAGS] ||
        memcmp(s->tcp + TCP_OFF_WINDOW, tcp0 + TCP_OFF_WINDOW, 2) != 0 ||
        memcmp(s->tcp + TCP_OFF_ACK, tcp0 + TCP_OFF_ACK, 4) != 0)
        return false;
    return s->thlen == TCP_HDR_LEN ||
           memcmp(s->tcp + TCP_HDR_LEN, tcp0 + TCP_HDR_LEN, s->thlen - TCP_HDR_LEN) == 0;
}

/* merge - chain segment @pkt (@s) behind flow @f; true when @f is complete (emit it now). */
static bool merge(struct gro_table *t, struct gro_flow *f, struct pktbuf *pkt,
                  const struct gro_seg *s)
{
    bool psh = s->tcp[TCP_OFF_FLAGS] & TCP_F_PSH;
    pkt_focus(pkt, PKT_L3); /* ours alone: the data becomes the payload */
    (void)pkt_pull(pkt, (uint16_t)(IPV4_HDR_LEN + s->thlen));
    (void)pkt_chain(f->tail, pkt); /* within IPV4_MAX_LEN: joins() checked */
    f->tail = pkt;
    f->nseg++;
    f->total += s->payload;
    f->next_seq += s->payload;
    f->next_id++;
    f->psh |= psh;
    if (t->ctr != NULL)
        t->ctr[GRO_MERGED]++;
    return psh || s->payload < f->mss || f->nseg >= GRO_MAX_SEGS;
}

/* emit_matching - emit every held flow of @s's connection (its addresses when no ports). */
static void emit_matching(struct gro_table *t, const struct gro_seg *s, gro_emit_fn emit, void *ctx)
{
    for (unsigned i = 0; i < t->n;) {
        const struct gro_flow *f = &t->f[i];
        if (f->src == s->src && f->dst == s->dst && (!s->has_ports || f->ports == s->ports))
            emit_at(t, i, emit, ctx);
        else
            i++;
    }
}

bool gro_offer(struct gro_table *t, struct pktbuf *pkt, uint16_t ifindex, uint32_t next_hop,
               gro_emit_fn emit, void *ctx)
{
    struct gro_seg s;
    if (!gro_parse(pkt, &s))
        return false;
    if (!s.candidate) {
        emit_matching(t, &s, emit, ctx);
        return false;
    }
    unsigned i = 0;
    while (i < t->n && !(t->f[i].src == s.src && t->f[i].dst == s.dst && t->f[i].ports == s.ports))
        i++;
    if (i < t->n) {
        struct gro_flow *f = &t->f[i];
        if (!joins(f, &s, ifindex, next_hop)) {
            emit_at(t, i, emit, ctx);
        } else if (!f->verified && !seg_csum_ok(t, f->head, pkt_layer_ptr(f->head, PKT_L3),
                                                pkt_layer_len(f->head, PKT_L3))) {
            emit_at(t, i, emit, ctx); /* the head alone, as it came; @pkt may start anew */
        } else {
            f->verified = true;
            if (!seg_csum_ok(t, pkt, s.ip, s.total)) {
                emit_at(t, i, emit, ctx);
                return false; /* sent as it came, after its predecessors */
            }
            if (merge(t, f, pkt, &s))
                emit_at(t, i, emit, ctx);
            return true;
        }
    }
    if (s.tcp[TCP_OFF_FLAGS] & TCP_F_PSH)
        return false; /* the end of a push starts nothing (Linux flushes it) */
    if (t->n == GRO_MAX_FLOWS)
        emit_at(t, 0, emit, ctx);
    struct gro_flow *f = &t->f[t->n++];
    *f = (struct gro_flow){
        .head = pkt,
        .tail = pkt,
        .src = s.src,
        .dst = s.dst,
        .ports = s.ports,
        .next_seq = s.seq + s.payload,
        .next_hop = next_hop,
        .total = s.total,
        .ifindex = ifindex,
        .next_id = (uint16_t)(load_be16(s.ip + IPV4_OFF_ID) + 1u),
        .mss = s.payload,
        .nseg = 1,
        .psh = false,
        .verified = (pkt->flags & PKT_F_CSUM_VALID) != 0,
    };
    return true;
}

void gro_flush(struct gro_table *t, gro_emit_fn emit, void *ctx)
{
    while (t->n > 0)
        emit_at(t, 0, emit, ctx);
}
