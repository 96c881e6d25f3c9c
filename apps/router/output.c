/*
 * apps/router/output.c — sending forwarded datagrams, without copying when
 * the buffer can be ours alone (apps/router/router.h "Zero copy").
 *
 * The handler runs inside the driver's raise, which holds the buffer's
 * first reference (kernel/pktbuf.h: a raiser keeps ownership across the
 * raise), so the buffer is shared and must not be written there. The
 * handler queues its own reference with the decision; a timer due at once
 * (run by the main loop after the receive burst) sends the queue. Each
 * buffer is by then normally ours alone (refcnt 1): the TTL, checksum and
 * Ethernet header are written in place and the very buffer the driver
 * filled goes to the output port. A buffer someone else still holds (an
 * observer that kept it) is copied first. Two queues alternate, so
 * datagrams queued while a pass is sending (a loop link delivering
 * synchronously) wait for the next pass; a full queue is sent at once,
 * which makes the buffers still held by their raisers copies.
 */
#include "apps/router/router_impl.h"

#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "protocols/arp/arp.h"
#include "protocols/icmp/icmp.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/ipv4_pool.h"

void router_icmp(struct pktbuf *pkt, uint8_t type, uint8_t code, uint32_t info)
{
    int rc = icmp_send_error(pkt, type, code, info);
    router.ctr[rc == 0 ? RT_ICMP_SENT : RT_ICMP_NOT_SENT]++;
}

/* router_copy - a private copy of datagram @pkt (data at its IPv4 header); frees @pkt. NULL: none free. */
static struct pktbuf *router_copy(struct pktbuf *pkt)
{
    struct pktbuf *c = ipv4_pkt_alloc(pkt->len);
    if (c != NULL) {
        memcpy(pkt_append(c, pkt->len), pkt_data(pkt), pkt->len);
        pkt_set_layer(c, PKT_L3);
        c->layer[PKT_L4] = (uint16_t)(c->data_off + ipv4_vhl_hlen(pkt_data(pkt)[IPV4_OFF_VHL]));
        c->flags = pkt->flags;
        c->ifindex = pkt->ifindex;
        c->rx_ns = pkt->rx_ns;
    }
    pkt_free(pkt);
    return c;
}

/*
 * router_transmit - the last step for datagram @pkt (our only reference):
 * TTL, the redirect and ipv4_output() (a next hop ARP cannot resolve comes
 * back as arp.ResolveFailed: unreach.c).
 */
static void router_transmit(struct pktbuf *pkt, uint16_t ifindex, uint32_t next_hop, bool redirect)
{
    struct netif *out = netif_get(ifindex);
    if (out == NULL) {
        router.ctr[RT_NO_IF]++;
        pkt_free(pkt);
        return;
    }
    uint8_t *h = pkt_data(pkt);
    router_ttl_decrement(h);
    if (redirect) {
        router.ctr[RT_REDIRECTS]++;
        router_icmp(pkt, ICMP_REDIRECT, ICMP_REDIRECT_HOST, next_hop);
    }
    if (ipv4_output(out, next_hop, pkt) < 0)
        router.ctr[RT_TX_ERRORS]++;
}

void router_flush(void)
{
    if (router.flushing)
        return;
    router.flushing = true;
    struct router_txq *q = &router.q[router.cur];
    router.cur ^= 1u;
    for (unsigned i = 0; i < q->n; i++) {
        struct router_txent *e = &q->e[i];
        struct pktbuf *pkt = e->pkt;
        e->pkt = NULL;
        if (pkt_writable(pkt)) {
            router.ctr[RT_IN_PLACE]++;
        } else {
            pkt = router_copy(pkt);
            if (pkt == NULL) {
                router.ctr[RT_NOMEM]++;
                continue;
            }
            router.ctr[RT_COPIED]++;
        }
        router_transmit(pkt, e->ifindex, e->next_hop, e->redirect);
    }
    q->n = 0;
    router.flushing = false;
}

/* The timer's callback: the transmit pass after the receive burst. */
static void router_flush_timer(struct ktimer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    router_flush();
    if (router.q[router.cur].n > 0) /* queued while sending: another pass */
        ktimer_arm(&router.flush_timer, kclock_now_ns());
}

void router_send(struct pktbuf *pkt, uint16_t ifindex, uint32_t next_hop, bool redirect)
{
    if (!router.zerocopy) {
        pkt = router_copy(pkt);
        if (pkt == NULL) {
            router.ctr[RT_NOMEM]++;
            return;
        }
        router.ctr[RT_COPIED]++;
        router_transmit(pkt, ifindex, next_hop, redirect);
        return;
    }
    struct router_txq *q = &router.q[router.cur];
    if (q->n == ROUTER_TXQ_MAX) {
        router_flush(); /* the older ones are ours alone by now */
        q = &router.q[router.cur];
        if (q->n == ROUTER_TXQ_MAX) { /* both full: inside a pass; copy and send */
            pkt = router_copy(pkt);
            if (pkt == NULL) {
                router.ctr[RT_NOMEM]++;
                return;
            }
            router.ctr[RT_COPIED]++;
            router_transmit(pkt, ifindex, next_hop, redirect);
            return;
        }
    }
    struct router_txent e = { .pkt = pkt, .next_hop = next_hop, .ifindex = ifindex,
                              .redirect = redirect };
    q->e[q->n++] = e;
    if (!router.flush_timer.armed)
        ktimer_arm(&router.flush_timer, kclock_now_ns());
}

void router_output_init(void)
{
    ktimer_init(&router.flush_timer, router_flush_timer, NULL);
}

void router_output_fini(void)
{
    ktimer_cancel(&router.flush_timer);
    router_flush();
    router_flush(); /* and whatever the first pass queued */
}
