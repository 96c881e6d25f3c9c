/*
 * apps/video-server/sdp.c — SDP text for an RTP/JPEG stream (RFC 4566
 * sections 5 and 6, RFC 3551 table 5); see sdp.h.
 */
#include "apps/video-server/sdp.h"
#include "apps/video-server/rtp.h"
#include "kernel/klib.h"
#include "kernel/kerr.h"

/* An IPv4 address (host order) as dotted quad into @s (16 bytes). */
static void dotted(char s[16], uint32_t a)
{
    ksnprintf(s, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* A rate as a decimal number with at most three decimals, zeros trimmed. */
static void decimal_rate(char s[24], const struct mjpeg_rate *r)
{
    uint32_t whole = r->num / r->den;
    uint32_t milli = (uint32_t)((uint64_t)(r->num % r->den) * 1000u / r->den);
    if (!milli) {
        ksnprintf(s, 24, "%u", whole);
        return;
    }
    int n = ksnprintf(s, 24, "%u.%03u", whole, milli);
    while (n > 0 && s[n - 1] == '0')
        s[--n] = '\0';
}

int sdp_write_rtp_jpeg(char *buf, size_t cap, const struct sdp_rtp_jpeg *d)
{
    if (!d->name || !d->name[0] || !d->rate.den)
        return -KE_INVAL;
    for (const char *p = d->name; *p; p++)
        if (*p == '\r' || *p == '\n')
            return -KE_INVAL;
    char origin[16], dest[16], rate[24], ttl[8] = "";
    dotted(origin, d->origin);
    dotted(dest, d->dest);
    decimal_rate(rate, &d->rate);
    if ((d->dest >> 28) == 0xe) /* 224.0.0.0/4: a multicast c= carries a TTL */
        ksnprintf(ttl, sizeof ttl, "/%u", d->ttl ? d->ttl : 1u);
    unsigned long long id = (unsigned long long)d->session_id;
    int n = ksnprintf(buf, cap,
                      "v=0\r\n"
                      "o=- %llu %llu IN IP4 %s\r\n"
                      "s=%s\r\n"
                      "c=IN IP4 %s%s\r\n"
                      "t=0 0\r\n"
                      "a=tool:spindle\r\n"
                      "m=video %u RTP/AVP %u\r\n"
                      "a=rtpmap:%u JPEG/%u\r\n"
                      "a=framerate:%s\r\n",
                      id, id, origin, d->name, dest, ttl, d->port, RTP_PT_JPEG, RTP_PT_JPEG,
                      RTP_JPEG_CLOCK_HZ, rate);
    if (n < 0 || (size_t)n >= cap)
        return -KE_TOOBIG;
    return n;
}
