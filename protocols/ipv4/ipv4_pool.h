/*
 * protocols/ipv4/ipv4_pool.h — buffers for datagrams larger than one
 * default pool block (part of the IPv4 node's public interface).
 *
 * A default pool block is PKT_BLOCK_SIZE (2048) bytes: enough for one
 * Ethernet frame, not for a reassembled datagram of up to 65535 bytes
 * (RFC 791 total length). The IPv4 node therefore keeps a second pool,
 * "ipv4-big", of IPV4_BIG_COUNT blocks of IPV4_BIG_BLOCK bytes each
 * (pktbuf's block size is 16 bits, so 65535 is the largest block), created
 * on first use with pktpool_create() and destroyed by ipv4_fini() once all
 * its buffers are back. Reassembly (reasm.c) builds whole datagrams in it,
 * and ICMP and UDP build replies to such datagrams in it; fragmentation
 * (frag.c) cuts them back into MTU-sized frames from the default pool.
 */
#ifndef SPINDLE_PROTOCOLS_IPV4_POOL_H
#define SPINDLE_PROTOCOLS_IPV4_POOL_H

#include <stdint.h>
#include "kernel/pktbuf.h"

#define IPV4_BIG_BLOCK 65535u /* bytes per block of the large pool */
#define IPV4_BIG_COUNT 32u    /* blocks in the large pool (about 2 MiB) */

/**
 * ipv4_pkt_alloc - a fresh buffer (refcnt 1, len 0, layers unset) able to
 * take @len bytes of data: from the default pool when PKT_HEADROOM + @len
 * fits its block, else from the large pool. Headroom is PKT_HEADROOM, or
 * less (down to 0) when @len would not fit behind it in a 65535-byte block.
 * Returns NULL when @len > 65535 or no buffer is free.
 */
struct pktbuf *ipv4_pkt_alloc(uint32_t len);

/**
 * ipv4_linearize - @pkt as one segment (kernel/pktbuf.h pkt_linearize, with
 * the large pool for datagrams that do not fit a default block). Consumes
 * @pkt; NULL when no buffer fits.
 */
struct pktbuf *ipv4_linearize(struct pktbuf *pkt);

#endif
