/*
 * tests/unit/router/grokit.c — TCP/IPv4 segments for the coalescing tests
 * (grokit.h). Header layouts: RFC 894 (Ethernet), RFC 791 3.1 (IPv4),
 * RFC 9293 3.1 (TCP), RFC 7323 3.2 (timestamps).
 */
#include "grokit.h"

#include <criterion/criterion.h>
#include <string.h>

#include "../protocols/ip/ipkit.h"
#include "kernel/klib.h"

uint8_t gk_stream_byte(uint16_t sport, uint32_t seq)
{
    return (uint8_t)(seq * 7u + (seq >> 8) + sport);
}

uint32_t gk_sum(uint32_t s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

uint16_t gk_fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* pseudo - the pseudo-header sum of @ip for @tcp_len TCP bytes, not folded. */
static uint32_t pseudo(const uint8_t *ip, uint16_t tcp_len)
{
    uint8_t ph[12];
    memcpy(ph, ip + 12, 8);
    ph[8] = 0;
    ph[9] = 6;
    store_be16(ph + 10, tcp_len);
    return gk_sum(0, ph, 12);
}

bool gk_tcp_ok(const uint8_t *ip)
{
    unsigned hlen = (ip[0] & 0x0fu) * 4u;
    uint16_t total = load_be16(ip + 2);
    uint16_t tl = (uint16_t)(total - hlen);
    return gk_fold(gk_sum(pseudo(ip, tl), ip + hlen, tl)) == 0;
}

size_t gk_frame(uint8_t *f, const struct gk_seg *s)
{
    unsigned optlen = s->no_opts ? 0u : GK_OPTLEN, thlen = 20u + optlen;
    size_t total = 20u + thlen + s->payload;
    cr_assert_leq(14u + total, GK_MAX_FRAME);
    memset(f, 0, 14u + total);
    memcpy(f, IK_OUR_MAC, 6);
    memcpy(f + 6, IK_PEER_MAC, 6);
    store_be16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *tcp = ip + 20;
    ip[0] = 0x45;
    ip[1] = s->tos;
    store_be16(ip + 2, (uint16_t)total);
    store_be16(ip + 4, s->id);
    store_be16(ip + 6, (uint16_t)((s->no_df ? 0u : 0x4000u) | s->frag));
    ip[8] = s->ttl ? s->ttl : 64;
    ip[9] = 6;
    store_be32(ip + 12, s->src ? s->src : GK_SRC);
    store_be32(ip + 16, s->dst ? s->dst : GK_DST);
    store_be16(ip + 10, gk_fold(gk_sum(0, ip, 20)));
    uint16_t sport = s->sport ? s->sport : 40000;
    store_be16(tcp, sport);
    store_be16(tcp + 2, s->dport ? s->dport : 5201);
    store_be32(tcp + 4, s->seq);
    store_be32(tcp + 8, s->ack ? s->ack : 0x0badcafeu);
    tcp[12] = (uint8_t)((thlen / 4u) << 4);
    tcp[13] = s->flags ? s->flags : 0x10;
    store_be16(tcp + 14, s->window ? s->window : 502);
    if (optlen) {
        tcp[20] = 1; /* NOP */
        tcp[21] = 1;
        tcp[22] = 8; /* timestamps, length 10 */
        tcp[23] = 10;
        store_be32(tcp + 24, s->tsval);
        store_be32(tcp + 28, 0x00c0ffeeu); /* TSecr */
    }
    for (unsigned k = 0; k < s->payload; k++)
        tcp[thlen + k] = gk_stream_byte(sport, s->seq + k);
    uint16_t c =
        gk_fold(gk_sum(pseudo(ip, (uint16_t)(thlen + s->payload)), tcp, thlen + s->payload));
    store_be16(tcp + 16, (uint16_t)(c + (s->bad_tcp_csum ? 1 : 0)));
    return 14u + total;
}

void gk_train(struct gk_seg *out, unsigned n, const struct gk_seg *tmpl, uint32_t seq, uint16_t id,
              uint16_t mss)
{
    for (unsigned i = 0; i < n; i++) {
        out[i] = *tmpl;
        out[i].seq = seq + i * (uint32_t)mss;
        out[i].id = (uint16_t)(id + i);
        out[i].payload = mss;
    }
}

size_t gk_flat(const struct pktbuf *p, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; p != NULL; p = p->frag) {
        cr_assert_leq(n + p->len, cap);
        memcpy(out + n, pkt_data(p), p->len);
        n += p->len;
    }
    return n;
}

void gk_complete(uint8_t *f, size_t len, uint16_t start, uint16_t offset)
{
    cr_assert_lt((size_t)start + offset + 2u, len + 1u);
    uint16_t c = gk_fold(gk_sum(0, f + start, len - start));
    store_be16(f + start + offset, c);
}
