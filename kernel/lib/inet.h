/*
 * kernel/lib/inet.h — IPv4 and Ethernet addresses as text, and IPv4 prefix
 * arithmetic: the one place spindle parses and prints them (configuration,
 * console, drivers' mac=, logs). Addresses are host byte order uint32_t;
 * MAC addresses are 6 bytes in transmission order. Freestanding.
 */
#ifndef SPINDLE_KERNEL_LIB_INET_H
#define SPINDLE_KERNEL_LIB_INET_H

#include <stddef.h>
#include <stdint.h>

/** Buffer sizes, NUL included: "255.255.255.255", "ff:ff:ff:ff:ff:ff". */
#define INET_IPV4_STRLEN 16
#define INET_MAC_STRLEN 18

/**
 * inet_plen_mask - the netmask of prefix length @plen, host order; @plen
 * above 32 counts as 32 (RFC 4632 section 3.1 prefix notation).
 */
static inline uint32_t inet_plen_mask(unsigned plen)
{
    return plen == 0 ? 0 : 0xffffffffu << (32 - (plen > 32 ? 32 : plen));
}

/**
 * inet_parse_ipv4 - the dotted quad at [@s, @s + @n) ("10.0.0.1") into
 * host order *@out. Exactly four decimal parts 0..255, no leading zeros
 * (refused as inet_pton refuses them), nothing else. 0 or -KE_INVAL.
 */
int inet_parse_ipv4(const char *s, size_t n, uint32_t *out);

/**
 * inet_parse_prefix - "A.B.C.D/LEN" at [@s, @s + @n) into *@addr (host
 * order, host bits kept as written) and *@plen (0..32). 0 or -KE_INVAL.
 */
int inet_parse_prefix(const char *s, size_t n, uint32_t *addr, uint8_t *plen);

/**
 * inet_parse_mac - "xx:xx:xx:xx:xx:xx" (hex digits, either case) at [@s,
 * @s + @n) into @mac, 6 bytes in transmission order. 0 or -KE_INVAL.
 */
int inet_parse_mac(const char *s, size_t n, uint8_t mac[6]);

/** inet_fmt_ipv4 - "a.b.c.d" of host-order @addr into @buf; returns @buf. */
const char *inet_fmt_ipv4(uint32_t addr, char buf[INET_IPV4_STRLEN]);

/** inet_fmt_mac - "xx:xx:xx:xx:xx:xx" (lower case) of @mac into @buf; returns @buf. */
const char *inet_fmt_mac(const uint8_t mac[6], char buf[INET_MAC_STRLEN]);

#endif
