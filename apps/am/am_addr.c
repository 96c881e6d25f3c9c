/* apps/am/am_addr.c — see am_addr.h. */
#include "apps/am/am_addr.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"

/* split - the index of @c in @s, or -1. */
static long split(const char *s, char c)
{
    for (long i = 0; s[i] != '\0'; i++)
        if (s[i] == c)
            return i;
    return -1;
}

int am_parse_ipport(const char *s, uint32_t *ip, uint16_t *port)
{
    long colon = split(s, ':');
    size_t iplen = colon < 0 ? strlen(s) : (size_t)colon;
    if (inet_parse_ipv4(s, iplen, ip) < 0)
        return -KE_INVAL;
    if (colon < 0)
        return 0;
    uint64_t p = 0;
    int rc = kparse_u64(s + colon + 1, strlen(s + colon + 1), &p);
    if (rc < 0)
        return rc;
    if (p < 1 || p > 65535)
        return -KE_RANGE;
    *port = (uint16_t)p;
    return 0;
}
