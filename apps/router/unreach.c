/*
 * apps/router/unreach.c — ICMP destination unreachable, host (RFC 1812
 * 4.3.3.1 / RFC 792 code 1) when ARP cannot resolve a next hop, as Linux
 * sends from its neighbour layer when resolution fails.
 *
 * The ARP node drops the packets it queued for an address that never
 * answers (ARP_MAX_TRIES requests ARP_RETRY_NS apart) without telling
 * anyone (protocols/arp/arp.h has no such event). So the router keeps a
 * reference to each datagram it forwards to an unresolved next hop (at
 * most ROUTER_WATCH_MAX; more are counted "unwatched") and looks again
 * once ARP has given up: still unresolved means dropped, and the source
 * gets the error about the datagram as forwarded (TTL already
 * decremented, like Linux's quote). Holding the reference makes ARP queue
 * a copy (arp_output copies shared buffers): this path is the rare one.
 * An ARP event "resolution failed" raised with each dropped packet would
 * replace this file (see the report to the lead).
 */
#include "apps/router/router_impl.h"

#include "kernel/clock.h"
#include "protocols/arp/arp.h"
#include "protocols/icmp/icmp.h"

/* The ARP node gives up this long after its first request (arp.c: a request at 0, 1, 2 s). */
#define ROUTER_ARP_GIVE_UP_NS ((uint64_t)ARP_MAX_TRIES * ARP_RETRY_NS)

static void router_watch_arm(void)
{
    uint64_t first = UINT64_MAX;
    for (unsigned i = 0; i < router.nwatch; i++)
        if (router.watch[i].deadline_ns < first)
            first = router.watch[i].deadline_ns;
    if (first == UINT64_MAX)
        ktimer_cancel(&router.watch_timer);
    else
        ktimer_arm(&router.watch_timer, first);
}

/* The watch timer: judge every datagram whose deadline has come. */
static void router_watch_due(struct ktimer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    uint64_t now = kclock_now_ns();
    unsigned i = 0;
    while (i < router.nwatch) {
        struct router_watch w = router.watch[i];
        if (w.deadline_ns > now) {
            i++;
            continue;
        }
        router.watch[i] = router.watch[--router.nwatch];
        uint8_t mac[6];
        if (arp_lookup(w.ifindex, w.next_hop, mac) < 0) {
            router.ctr[RT_HOST_UNREACH]++;
            router_icmp(w.pkt, ICMP_UNREACH, ICMP_UNREACH_HOST, 0);
        }
        pkt_free(w.pkt);
    }
    router_watch_arm();
}

void router_watch_add(struct pktbuf *pkt, uint16_t ifindex, uint32_t next_hop)
{
    uint64_t deadline = kclock_now_ns() + ROUTER_ARP_GIVE_UP_NS + ROUTER_WATCH_MARGIN_NS;
    /* A datagram to a next hop already watched is judged with the first (ARP has one entry). */
    for (unsigned i = 0; i < router.nwatch; i++) {
        if (router.watch[i].ifindex == ifindex && router.watch[i].next_hop == next_hop &&
            router.watch[i].deadline_ns < deadline)
            deadline = router.watch[i].deadline_ns;
    }
    struct router_watch w = { .pkt = pkt, .deadline_ns = deadline, .next_hop = next_hop,
                              .ifindex = ifindex };
    router.watch[router.nwatch++] = w;
    if (!router.watch_timer.armed || router.watch_timer.deadline_ns > deadline)
        ktimer_arm(&router.watch_timer, deadline);
}

void router_watch_init(void)
{
    ktimer_init(&router.watch_timer, router_watch_due, NULL);
}

void router_watch_fini(void)
{
    ktimer_cancel(&router.watch_timer);
    for (unsigned i = 0; i < router.nwatch; i++)
        pkt_free(router.watch[i].pkt);
    router.nwatch = 0;
}
