/*
 * apps/video-server/mjpeg_rate.c — a file's frame rate from its name
 * ("clip@30.mjpeg", apps/video-server/README.md) and the frame times it
 * gives: nanoseconds for pacing, 90 kHz ticks for RTP (RFC 2435 section 3).
 */
#include "apps/video-server/mjpeg.h"
#include "kernel/klib.h"
#include "kernel/kerr.h"

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && !memcmp(s + n - k, suffix, k);
}

bool mjpeg_is_video_name(const char *name)
{
    size_t n = strlen(name);
    return ends_with(name, n, ".mjpeg") || ends_with(name, n, ".mjpg");
}

int mjpeg_rate_from_name(const char *name, struct mjpeg_rate *rate)
{
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/')
            base = p + 1;
    const char *at = NULL;
    for (const char *p = base; *p; p++)
        if (*p == '@')
            at = p;
    if (!at) {
        rate->num = MJPEG_DEFAULT_FPS;
        rate->den = 1;
        return 0;
    }
    const char *p = at + 1;
    uint64_t num = 0, den = 1;
    unsigned digits = 0, decimals = 0;
    for (; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
        num = num * 10 + (uint64_t)(*p - '0');
    if (!digits)
        return -KE_INVAL;
    if (p[0] == '.' && p[1] >= '0' && p[1] <= '9') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (++decimals > 3)
                return -KE_INVAL;
            num = num * 10 + (uint64_t)(*p - '0');
            den *= 10;
        }
    }
    if (*p && strcmp(p, ".mjpeg") != 0 && strcmp(p, ".mjpg") != 0)
        return -KE_INVAL;
    if (num < den || num > (uint64_t)MJPEG_MAX_FPS * den)
        return -KE_INVAL;
    /* lowest terms, so that 30.0 and 30 give the same rate */
    while (den > 1 && num % 10 == 0 && den % 10 == 0) {
        num /= 10;
        den /= 10;
    }
    rate->num = (uint32_t)num;
    rate->den = (uint32_t)den;
    return 0;
}

/*
 * n * mul / num without overflow: for n < 2^32 and a rate of 1..240 frames/s
 * (den <= num <= 240000, mul = 1e9 or 90000 times den) both terms stay
 * below 2^63.
 */
static uint64_t scale(uint64_t n, uint64_t mul, uint32_t num)
{
    return (n / num) * mul + ((n % num) * mul) / num;
}

uint64_t mjpeg_frame_time_ns(const struct mjpeg_rate *rate, uint64_t n)
{
    return scale(n, 1000000000ull * rate->den, rate->num);
}

uint64_t mjpeg_frame_rtp_ticks(const struct mjpeg_rate *rate, uint64_t n)
{
    return scale(n, 90000ull * rate->den, rate->num);
}
