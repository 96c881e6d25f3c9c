/*
 * kernel/lib/inet.c — address text (kernel/lib/inet.h).
 */
#include "kernel/lib/inet.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int inet_parse_ipv4(const char *s, size_t n, uint32_t *out)
{
    uint32_t addr = 0;
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return -KE_INVAL;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < n && is_digit(s[i]) && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        size_t digits = i - start;
        if (digits == 0 || v > 255 || (digits > 1 && s[start] == '0'))
            return -KE_INVAL;
        if (i < n && is_digit(s[i]))
            return -KE_INVAL;
        addr = (addr << 8) | v;
    }
    if (i != n)
        return -KE_INVAL;
    *out = addr;
    return 0;
}

int inet_parse_prefix(const char *s, size_t n, uint32_t *addr, uint8_t *plen)
{
    size_t slash = 0;
    while (slash < n && s[slash] != '/')
        slash++;
    if (slash == n || slash + 1 == n || n - slash - 1 > 2)
        return -KE_INVAL;
    unsigned len = 0;
    for (size_t i = slash + 1; i < n; i++) {
        if (!is_digit(s[i]))
            return -KE_INVAL;
        len = len * 10 + (unsigned)(s[i] - '0');
    }
    if (len > 32 || (n - slash - 1 == 2 && s[slash + 1] == '0'))
        return -KE_INVAL;
    uint32_t a;
    if (inet_parse_ipv4(s, slash, &a) < 0)
        return -KE_INVAL;
    *addr = a;
    *plen = (uint8_t)len;
    return 0;
}

int inet_parse_mac(const char *s, size_t n, uint8_t mac[6])
{
    if (n != 17)
        return -KE_INVAL;
    uint8_t m[6];
    for (int b = 0; b < 6; b++) {
        const char *p = s + b * 3;
        int hi = hexval(p[0]), lo = hexval(p[1]);
        if (hi < 0 || lo < 0 || (b < 5 && p[2] != ':'))
            return -KE_INVAL;
        m[b] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(mac, m, 6);
    return 0;
}

const char *inet_fmt_ipv4(uint32_t addr, char buf[INET_IPV4_STRLEN])
{
    ksnprintf(buf, INET_IPV4_STRLEN, "%u.%u.%u.%u", (unsigned)(addr >> 24),
              (unsigned)((addr >> 16) & 0xff), (unsigned)((addr >> 8) & 0xff),
              (unsigned)(addr & 0xff));
    return buf;
}

const char *inet_fmt_mac(const uint8_t mac[6], char buf[INET_MAC_STRLEN])
{
    ksnprintf(buf, INET_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
              mac[4], mac[5]);
    return buf;
}
