/*
 * apps/video-server/rtp.c — RTP fixed header and RTCP sender reports
 * (RFC 3550 sections 5.1, 6.1, 6.4.1, 6.5.1, 6.6); see rtp.h.
 */
#include "apps/video-server/rtp.h"
#include "kernel/klib.h"

void rtp_sender_init(struct rtp_sender *s, uint8_t pt, uint32_t ssrc, uint16_t seq0,
                     uint32_t ts_base)
{
    memset(s, 0, sizeof *s);
    s->pt = pt & 0x7f;
    s->ssrc = ssrc;
    s->seq = seq0;
    s->ts_base = ts_base;
}

size_t rtp_write_header(struct rtp_sender *s, uint8_t *dst, uint32_t ticks, bool marker,
                        uint32_t payload_len)
{
    dst[0] = (uint8_t)(RTP_VERSION << 6); /* P = 0, X = 0, CC = 0 */
    dst[1] = (uint8_t)((marker ? 0x80 : 0) | s->pt);
    store_be16(dst + 2, s->seq);
    store_be32(dst + 4, s->ts_base + ticks);
    store_be32(dst + 8, s->ssrc);
    s->seq++;
    s->packet_count++;
    s->octet_count += payload_len;
    return RTP_HEADER_LEN;
}

uint64_t rtp_ntp_from_unix_ns(uint64_t unix_ns)
{
    uint64_t sec = unix_ns / 1000000000ull, ns = unix_ns % 1000000000ull;
    uint64_t frac = (ns << 32) / 1000000000ull; /* ns < 2^30: no overflow */
    return ((sec + RTP_NTP_UNIX_OFFSET) << 32) | frac;
}

/* The common RTCP header (RFC 3550 6.4.1): V=2, P=0, count, type, length in
 * 32-bit words minus one. */
static void rtcp_header(uint8_t *p, unsigned count, unsigned type, size_t bytes)
{
    p[0] = (uint8_t)((RTP_VERSION << 6) | (count & 31));
    p[1] = (uint8_t)type;
    store_be16(p + 2, (uint16_t)(bytes / 4 - 1));
}

size_t rtcp_write_sr(const struct rtp_sender *s, uint8_t *dst, size_t cap, uint64_t ntp,
                     uint32_t ticks, const char *cname, bool bye)
{
    size_t clen = strlen(cname);
    if (clen == 0 || clen > RTCP_CNAME_MAX)
        return 0;
    /* SDES: header, SSRC, CNAME item (type, length, text), then at least one
     * zero octet ending the item list, up to the next 32-bit boundary. */
    size_t sdes = (4 + 4 + 2 + clen + 1 + 3) / 4 * 4;
    size_t total = RTCP_SR_LEN + sdes + (bye ? 8 : 0);
    if (total > cap)
        return 0;
    uint8_t *p = dst;
    rtcp_header(p, 0, RTCP_SR, RTCP_SR_LEN);
    store_be32(p + 4, s->ssrc);
    store_be64(p + 8, ntp);
    store_be32(p + 16, s->ts_base + ticks);
    store_be32(p + 20, s->packet_count);
    store_be32(p + 24, s->octet_count);
    p += RTCP_SR_LEN;
    memset(p, 0, sdes);
    rtcp_header(p, 1, RTCP_SDES, sdes);
    store_be32(p + 4, s->ssrc);
    p[8] = RTCP_SDES_CNAME;
    p[9] = (uint8_t)clen;
    for (size_t i = 0; i < clen; i++) /* SDES text is counted, not NUL-terminated (6.5) */
        p[10 + i] = (uint8_t)cname[i];
    p += sdes;
    if (bye) {
        rtcp_header(p, 1, RTCP_BYE, 8);
        store_be32(p + 4, s->ssrc);
    }
    return total;
}
