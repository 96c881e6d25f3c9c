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

/** testkit_pool_full - every pool has all its buffers back (prints pools that do not). */
bool testkit_pool_full(void);

/** testkit_ip - parse dotted quad to host order (aborts the test on error). */
uint32_t testkit_ip(const char *dotted);

#endif
