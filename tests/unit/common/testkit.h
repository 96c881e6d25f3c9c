/*
 * tests/unit/common/testkit.h — what every unit test of the graph needs: an
 * initialised core on a test clock, interfaces on in-memory loop ports,
 * frame injection through the real receive path (netif_input →
 * dev_PacketArrived → ...), and the frames the graph sent.
 *
 * Criterion runs each test in its own process, so global state starts fresh.
 * Every test that moves packets ends with cr_assert(testkit_pool_full()).
 */
#ifndef SPINDLE_TESTKIT_H
#define SPINDLE_TESTKIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/pktbuf.h"
#include "netgraph/netif.h"

/**
 * testkit_init - core up: the default guard dispatch (the compiled tree) and
 * verifier, tcpdump guard expressions (guard=), a default pool
 * of 1024 buffers, kclock on a test clock starting at 1 s, log level from
 * SPINDLE_TEST_LOG (default warnings). Protocol nodes are NOT initialised:
 * call ether_init() etc. yourself.
 */
void testkit_init(void);

/**
 * testkit_traces - the folder of the captured traces (tests/traces of the
 * source tree, compiled in as TESTKIT_TRACES), or $SPINDLE_TRACES when set.
 */
const char *testkit_traces(void);

/** testkit_now - the test clock, ns. */
uint64_t testkit_now(void);
/** testkit_advance - move the test clock @ns forward and run due timers. */
void testkit_advance(uint64_t ns);

/**
 * testkit_netif - an interface @name on a loop port with @mac, started, with
 * address @cidr ("10.0.0.1/24", or NULL for none).
 */
struct netif *testkit_netif(const char *name, const uint8_t mac[6], const char *cidr);

/** testkit_inject - receive @len bytes of @frame on @ifp through the full receive path now. */
void testkit_inject(struct netif *ifp, const void *frame, size_t len);

/** testkit_sent - the oldest frame @ifp transmitted (caller pkt_free()s it), or NULL. */
struct pktbuf *testkit_sent(struct netif *ifp);
/** testkit_sent_count - frames transmitted on @ifp not yet taken. */
unsigned testkit_sent_count(struct netif *ifp);
/** testkit_drain - free every frame @ifp transmitted; returns how many. */
unsigned testkit_drain(struct netif *ifp);

/**
 * testkit_arp_frame - an ARP packet for IPv4 over Ethernet (RFC 826: htype 1,
 * ptype 0x0800, hlen 6, plen 4) in a 60-byte frame at @f, zero-padded:
 * Ethernet destination @eth_dst, source @sha; operation @op (1 request,
 * 2 reply); sender @sha/@spa, target @tha (NULL: zero)/@tpa. Addresses in
 * host order. Returns 60, the frame's length in bytes.
 */
size_t testkit_arp_frame(uint8_t f[60], const uint8_t eth_dst[6], uint16_t op, const uint8_t sha[6],
                         uint32_t spa, const uint8_t *tha, uint32_t tpa);

/**
 * testkit_teach_peer - the peer @peer_mac/@peer_ip broadcasts an ARP request
 * for @our_ip on @ifp, so ARP learns it (RFC 826 merge) and later sends go
 * out at once. Aborts the test if ARP did not learn it. Frees what @ifp sent
 * in answer and returns how many frames that was.
 */
unsigned testkit_teach_peer(struct netif *ifp, const uint8_t peer_mac[6], uint32_t peer_ip,
                            uint32_t our_ip);

/** testkit_pool_full - every pool has all its buffers back (prints pools that do not). */
bool testkit_pool_full(void);
/**
 * testkit_fini_pool_full - the same check for a suite's .fini, where
 * Criterion ignores assertions: a buffer still out ends the test process
 * with status 1 (the test fails, "exited during its setup or teardown").
 */
void testkit_fini_pool_full(void);

/** testkit_ip - parse dotted quad to host order (aborts the test on error). */
uint32_t testkit_ip(const char *dotted);

#endif
