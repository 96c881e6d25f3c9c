/*
 * tests/fuzz/fuzzkit.h — what the appliance-level fuzz targets share: an
 * appliance on loop ports brought up from configuration text on a
 * controlled clock, frames injected and polled, what it sent drained, and
 * the end-of-input check that every packet buffer is back in its pool.
 * Host-side test code (libc).
 */
#ifndef SPINDLE_TESTS_FUZZKIT_H
#define SPINDLE_TESTS_FUZZKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "netgraph/netif.h"

/** fk_now - the controlled clock, ns (starts at 1 s). */
uint64_t fk_now(void);
/** fk_advance - move the clock @ns forward and run the timers due. */
void fk_advance(uint64_t ns);

/**
 * fk_appliance - netgraph_init(@pool), the loop driver, and @text parsed
 * and brought up; aborts with the error when that fails (a target's own
 * configuration is never wrong). Logging at errors only.
 */
void fk_appliance(const char *text, uint32_t pool);

/**
 * fk_router_lab - fk_appliance(@text, 1024) for a router over eth0, eth1 and
 * eth2 (10.0.0.1, 10.1.0.1, 10.2.0.1 in @text), found into @ifs; each has
 * learned a peer 02:00:00:00:00:99 at .2 from an ARP reply, so forwarded
 * datagrams and ICMP errors leave at once. Aborts when an interface is
 * missing.
 */
void fk_router_lab(const char *text, struct netif *ifs[3]);

/** fk_inject - receive @len bytes on @ifp now (through netgraph_poll); false if no buffer. */
bool fk_inject(struct netif *ifp, const uint8_t *frame, size_t len);
/**
 * fk_settle - let every timer run out: @big_ns at once (reassembly), then
 * twelve 1 s steps so that ARP retransmits and gives up (ARP_MAX_TRIES),
 * polling and draining after each. Queued packets leave by resolution or
 * give-up, not by a flush.
 */
void fk_settle(uint64_t big_ns);
/** fk_drain - free what every interface sent; returns how many frames. */
unsigned fk_drain(void);
/** fk_check_pools - abort with a message when a buffer is out of its pool. */
void fk_check_pools(const char *target);

/** fk_safe_text - false when configuration or console text could reach outside the process
 *  (a driver other than loop, a file path, a display): such inputs are skipped. */
bool fk_safe_text(const uint8_t *data, size_t size);

/**
 * fk_ipv4 - an Ethernet frame to @dmac from 02:00:00:00:00:99 carrying an
 * IPv4 header (valid checksum, TTL @ttl, no options) @src -> @dst (host
 * order), protocol @proto, identification @id, flags and offset field
 * @frag, then @len bytes of @payload, into @f (at least 34 + @len bytes).
 * Returns the frame's length.
 */
size_t fk_ipv4(uint8_t *f, const uint8_t dmac[6], uint32_t src, uint32_t dst, uint8_t proto,
               uint16_t id, uint16_t frag, uint8_t ttl, const uint8_t *payload, size_t len);

/**
 * fk_arp - an ARP packet (RFC 826, Ethernet/IPv4) in a 42-byte frame:
 * operation @op from @sha/@spa for @tpa, to the broadcast address.
 */
size_t fk_arp(uint8_t *f, uint16_t op, const uint8_t sha[6], uint32_t spa, uint32_t tpa);

#endif
