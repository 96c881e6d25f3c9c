/*
 * apps/router/router.h — IPv4 forwarding as an extension (RFC 1812,
 * "Requirements for IP Version 4 Routers").
 *
 * Configuration: "extension router [zerocopy=yes|no] [redirects=yes|no]
 * [gro=yes|no]" (one instance). It installs one handler on ipv4_PacketArrived with a
 * guard "destination is not one of my addresses" (a trusted C predicate on
 * PKT_F_L3_LOCAL, which the IPv4 node sets for our addresses and
 * broadcasts). The IPv4 node has already validated the header and dropped
 * martian sources (RFC 1812 5.3.7: 0/8, 127/8, 224/4, 240/4, broadcasts)
 * and martian destinations (0/8, 127/8, 240/4). For each datagram, in
 * Linux's order:
 *   1. drop (counted) if it arrived as a link-layer broadcast or multicast
 *      (5.3.4), is to a multicast group, has a 169.254/16 source or
 *      destination (RFC 3927 2.7), has one of our addresses as source, or
 *      carries a source route option (off, as Linux's accept_source_route
 *      = 0) or a malformed option list;
 *   2. longest-prefix match over connected and static routes
 *      (protocols/ipv4/lpm_fib.h): none -> ICMP destination unreachable,
 *      net (code 0);
 *   3. TTL <= 1 -> ICMP time exceeded in transit (type 11 code 0, 5.3.1);
 *   4. DF set and total length > the outgoing MTU -> ICMP destination
 *      unreachable, fragmentation needed (code 4) with the next-hop MTU
 *      (RFC 1191 section 4);
 *   5. otherwise count it against its route and interfaces, decrement the
 *      TTL with an incremental checksum update (RFC 1624 eqn. 3), and send
 *      it with ipv4_output() (fragmenting to the MTU, RFC 791 3.2) to the
 *      next hop (the gateway, or the destination on a connected subnet)
 *      through ARP. When it leaves by the interface it came in on and the
 *      source is on the next hop's subnet, the source also gets an ICMP
 *      redirect for the host (5.2.7.2; redirects=no turns this off). When
 *      ARP gives up on the next hop (ARP_MAX_TRIES requests), the source
 *      gets ICMP destination unreachable, host (code 1).
 * Every ICMP error goes through icmp_send_error(), which rate-limits them
 * (RFC 1812 4.3.2.8) and never answers errors, fragments other than the
 * first, or broadcasts. IP options are forwarded unchanged (record route
 * and timestamp are not filled in).
 *
 * Zero copy (zerocopy=yes, the default). The received buffer belongs to
 * the raiser (the driver's netif_input) until the raise returns, so the
 * handler may not write it. The router takes its own reference, queues
 * the datagram with its decision, and sends it from a timer due at once,
 * which the main loop runs after the receive burst (netgraph_poll): by
 * then the raiser has dropped its reference, the router holds the only
 * one, and the TTL, checksum and Ethernet header are written in place.
 * If someone else still holds the buffer then, it is copied first. With
 * zerocopy=no every datagram is copied in the handler and sent at once.
 * Tests that inject frames must run due timers (testkit_advance(0)).
 *
 * Receive coalescing (gro=yes, the default; apps/router/gro.h). In the
 * transmit pass, consecutive in-order segments of one TCP connection
 * leaving by an interface whose port takes TSO4 (virtio-net HOST_TSO4),
 * partial checksums and chained buffers, and that fit its MTU, are merged
 * into one TCP/IPv4 super-frame, zero copy, and sent as one frame for the device to cut
 * again: the rules are Linux GRO's. Whatever is held is sent at the end of
 * the pass, so no segment waits past its receive burst. Other ports (e1000
 * has no TSO here) get the segments unchanged. zerocopy=no forwards each
 * datagram at once and so never coalesces.
 *
 * Counters: node "router" (apps/router/router_impl.h lists them), one node
 * "router.IFNAME" per interface (rx, rx_bytes, tx, tx_bytes, dropped), and
 * per route packets and bytes (ipv4_fib_foreach, router_print_routes).
 */
#ifndef SPINDLE_APPS_ROUTER_H
#define SPINDLE_APPS_ROUTER_H

/**
 * router_print_routes - the routing table, one line per route, for the
 * console: a header line, then every static route and every connected
 * prefix, longest prefix first:
 *   "10.1.0.0/24        connected     eth1   fwd 12 pkts 1008 bytes"
 *   "0.0.0.0/0          via 10.1.0.254 eth1  fwd 3 pkts 252 bytes"
 * and a last line naming the lookup structure and its memory. Each line
 * (no newline) goes to @emit(@ctx, line); @emit NULL prints with kprintf.
 * Works whether or not the router extension is installed (the counters
 * are then those of earlier forwarding, or 0).
 */
void router_print_routes(void (*emit)(void *ctx, const char *line), void *ctx);

#endif
