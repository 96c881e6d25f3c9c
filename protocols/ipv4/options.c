/*
 * protocols/ipv4/options.c — checking the options of a received IPv4
 * header (RFC 791 section 3.1 "Options"; RFC 1122 3.2.1.8; RFC 1812 5.2.5
 * for a router). Options we do not act on are still walked, so that one
 * whose length runs past the header, or a route or timestamp option whose
 * pointer is not a legal value, is found and answered with ICMP parameter
 * problem instead of being read by anybody later.
 */
#include "protocols/ipv4/ipv4_impl.h"

/* route_ok - RFC 791 record route / source routes: length >= 3, pointer >= 4,
 * and a pointer that is not past the option leaves room for one address. */
static unsigned route_check(const uint8_t *o, unsigned at)
{
    unsigned len = o[1], ptr = o[2];
    if (len < 3)
        return at + 1;
    if (ptr < 4 || (ptr <= len && ptr + 3 > len))
        return at + 2;
    return 0;
}

/* ts_check - RFC 791 internet timestamp: length >= 4, pointer >= 5, flag 0,
 * 1 or 3 with entries of 4 or 8 bytes that fit. */
static unsigned ts_check(const uint8_t *o, unsigned at)
{
    unsigned len = o[1], ptr = o[2], flg = o[3] & 0x0fu;
    if (len < 4)
        return at + 1;
    if (flg != 0 && flg != 1 && flg != 3)
        return at + 3;
    unsigned entry = flg == 0 ? 4u : 8u;
    if (ptr < 5 || (ptr <= len && ptr + entry - 1 > len))
        return at + 2;
    return 0;
}

unsigned ipv4_options_check(const uint8_t *h, unsigned hlen)
{
    unsigned i = IPV4_HDR_LEN;
    while (i < hlen) {
        uint8_t type = h[i];
        if (type == IPOPT_EOL)
            return 0; /* the rest is padding */
        if (type == IPOPT_NOP) {
            i++;
            continue;
        }
        /* Every other option is type, length (counting both), data. */
        if (i + 1 >= hlen)
            return i; /* no room for its length octet */
        unsigned len = h[i + 1];
        if (len < 2 || i + len > hlen)
            return i + 1;
        unsigned bad = 0;
        switch (type) {
        case IPOPT_RR:
        case IPOPT_LSRR:
        case IPOPT_SSRR: bad = route_check(h + i, i); break;
        case IPOPT_TS: bad = ts_check(h + i, i); break;
        case IPOPT_SID: bad = len == 4 ? 0 : i + 1; break;
        default: break; /* RFC 1122 3.2.1.8: an option not understood is ignored */
        }
        if (bad != 0)
            return bad;
        i += len;
    }
    return 0;
}
