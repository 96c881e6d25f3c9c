/*
 * protocols/ipv4/lpm_fib.h — the routing table of protocols/ipv4/ipv4.h
 * seen as a forwarding table (FIB): the same longest-prefix match as
 * ipv4_route_lookup(), plus a handle naming the route that matched so a
 * forwarder (apps/router) can count what each route carried, and an
 * enumeration with those counters for the console.
 *
 * route.c keeps static and connected routes (connected ones derived from
 * the interfaces' addresses, RFC 1812 5.2.4.3 longest match) in one
 * DIR-16-8-8 table (protocols/ipv4/lpm.h).
 */
#ifndef SPINDLE_PROTOCOLS_IPV4_LPM_FIB_H
#define SPINDLE_PROTOCOLS_IPV4_LPM_FIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "protocols/ipv4/ipv4.h"

/** A handle that names no route (ipv4_fib_count ignores it). */
#define IPV4_FIB_NO_HANDLE 0xffffffffu

/**
 * ipv4_fib_lookup - ipv4_route_lookup() (same result, same errors: 0 or
 * -KE_UNREACH), and in *@handle the route that matched, for
 * ipv4_fib_count(). A handle is valid until the routing table or an
 * interface address changes; a stale one is ignored, never misattributed
 * to a different prefix. The last successful answer is kept (a one-entry
 * destination cache) and given again for the same @dst until a route is
 * added or removed or an interface or address is added.
 */
int ipv4_fib_lookup(uint32_t dst, struct ipv4_route *out, uint32_t *handle);

/** ipv4_fib_count - count one packet of @bytes (IPv4 total length) against route @handle. */
void ipv4_fib_count(uint32_t handle, uint32_t bytes);

/** A route with its counters, as ipv4_fib_foreach() shows it. */
struct ipv4_fib_entry {
    struct ipv4_route route; /* host order; static routes as added */
    bool connected;          /* derived from an interface address */
    uint64_t packets;        /* packets counted by ipv4_fib_count */
    uint64_t bytes;          /* their IPv4 total lengths, bytes */
};

/**
 * ipv4_fib_foreach - call @cb for every static route, then every connected
 * prefix (one entry per prefix: the first interface holding it).
 */
void ipv4_fib_foreach(void (*cb)(const struct ipv4_fib_entry *e, void *ctx), void *ctx);

/** What the table is built of, for the console and the benchmarks. */
struct ipv4_fib_info {
    const char *algorithm; /* "DIR-16-8-8", or "linear" while the table is degraded */
    size_t memory;         /* bytes held by the lookup table */
    unsigned prefixes;     /* distinct prefixes (static and connected) */
};
/** ipv4_fib_get_info - fill @info. */
void ipv4_fib_get_info(struct ipv4_fib_info *info);

#endif
