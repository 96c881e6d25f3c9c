/*
 * apps/router/output.c — sending forwarded datagrams, without copying when
 * the buffer can be ours alone (apps/router/router.h "Zero copy").
 *
 * The handler runs inside the driver's raise, which holds the buffer's
 * first reference (kernel/pktbuf.h: a raiser keeps ownership across the
 * raise), so the buffer is shared and must not be written there. The
 * handler queues its own reference with the decision; at the end of the
 * receive burst (dev.BurstEnd, netgraph/netif.h) the queue is sent, and the
 * interfaces then send it on, one transmit burst each. Each buffer is by
 * then normally ours alone (refcnt 1): the TTL, checksum and Ethernet
 * header are written in place and the very buffer the driver filled goes
 * to the output port. A buffer someone else still holds (an
 * observer that kept it) is copied first. Two queues alternate, so
 * datagrams queued while a pass is sending (a loop link delivering
 * synchronously) wait for the next pass; a full queue is sent at once,
 * which makes the buffers still held by their raisers copies.
 */
#include "apps/router/router_impl.h"

#include "kernel/kerr.h"
#include "netgraph/extension.h"
#include "protocols/arp/arp.h"
#include "protocols/icmp/icmp.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/ipv4_pool.h"

void router_icmp(struct pktbuf *pkt, uint8_t type, uint8_t code, uint32_t info)
{
    int rc = icmp_send_error(pkt, type, code, info);
    router.ctr[rc == 0 ? RT_ICMP_SENT : RT_ICMP_NOT_SENT]++;
}

/* router_copy - a private copy of datagram @pkt (its L3 view); frees @pkt. NULL: none free. */
static struct pktbuf *router_copy(struct pktbuf *pkt)
{
    uint16_t len = pkt_layer_len(pkt, PKT_L3);
    struct pktbuf *c = ipv4_pkt_alloc(len);
    if (c != NULL) {
        const uint8_t *h = pkt_layer_ptr(pkt, PKT_L3);
        memcpy(pkt_append(c, len), h, len);
        uint16_t hlen = (uint16_t)ipv4_vhl_hlen(h[IPV4_OFF_VHL]);
        pkt_set_view(c, PKT_L3, c->data_off, len);
        pkt_set_view(c, PKT_L4, (uint16_t)(c->data_off + hlen), (uint16_t)(len - hlen));
        c->flags = pkt->flags;
        c->ifindex = pkt->ifindex;
        c->rx_ns = pkt->rx_ns;
        for (unsigned i = 0; i < 4; i++)
            c->meta[i] = pkt->meta[i];
    }
    pkt_free(pkt);
    return c;
}

/*
 * router_transmit_on - the last step for datagram @pkt (our only reference)
 * leaving by @out: TTL, the redirect and ipv4_output() (a next hop ARP
 * cannot resolve comes back as arp.ResolveFailed: unreach.c).
 */
static inline void router_transmit_on(struct netif *out, struct pktbuf *pkt, uint32_t next_hop,
                                      bool redirect)
{
    pkt_focus(pkt, PKT_L3); /* ours alone: the data becomes the datagram */
    uint8_t *h = pkt_data(pkt);
    router_ttl_decrement(h);
    if (redirect) {
        router.ctr[RT_REDIRECTS]++;
        router_icmp(pkt, ICMP_REDIRECT, ICMP_REDIRECT_HOST, next_hop);
    }
    if (ipv4_output(out, next_hop, pkt) < 0)
        router.ctr[RT_TX_ERRORS]++;
}

/* router_transmit - router_transmit_on interface @ifindex, if it still exists. */
static void router_transmit(struct pktbuf *pkt, uint16_t ifindex, uint32_t next_hop, bool redirect)
{
    struct netif *out = netif_get(ifindex);
    if (out == NULL) {
        router.ctr[RT_NO_IF]++;
        pkt_free(pkt);
        return;
    }
    router_transmit_on(out, pkt, next_hop, redirect);
}

/* router_emit - gro.h's gro_emit_fn: send what coalescing gives back. */
static void router_emit(void *ctx, struct pktbuf *pkt, uint16_t ifindex, uint32_t next_hop)
{
    (void)ctx;
    router_transmit(pkt, ifindex, next_hop, false);
}

/*
 * router_gro_due - datagram @pkt may be coalesced on its way out of @out:
 * the port cuts TCP super-frames (TSO4), completes partial checksums and
 * gathers chained buffers, what a coalesced frame needs (gro.h; without
 * them it would only be cut again in software), and the datagram fits the
 * outgoing MTU (one that does not is fragmented, RFC 791 3.2, not cut).
 */
static inline bool router_gro_due(const struct netif *out, const struct pktbuf *pkt)
{
    const struct kport *port = out->port;
    return port != NULL && port->tx_tso4 && port->tx_csum && port->tx_gather &&
           pkt_layer_len(pkt, PKT_L3) <= (out->mtu != 0 ? out->mtu : 1500u);
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
        struct netif *out = netif_get(e->ifindex);
        if (out == NULL) {
            router.ctr[RT_NO_IF]++;
            pkt_free(pkt);
            continue;
        }
        if (router.gro_on && router_gro_due(out, pkt) && !e->redirect &&
            gro_offer(&router.gro, pkt, e->ifindex, e->next_hop, router_emit, NULL))
            continue;
        router_transmit_on(out, pkt, e->next_hop, e->redirect);
    }
    q->n = 0;
    if (router.gro.n > 0)
        gro_flush(&router.gro, router_emit, NULL); /* nothing is held past the pass */
    router.flushing = false;
}

/* On dev.BurstEnd: the transmit pass after each receive burst (netgraph/netif.h). */
static int router_burst_end(void *ctx, struct netif *ifp)
{
    (void)ctx;
    (void)ifp;
    while (router.q[router.cur].n > 0) /* and what a pass queued (a loop link) */
        router_flush();
    return KH_PASS;
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
    struct router_txent e = {
        .pkt = pkt, .next_hop = next_hop, .ifindex = ifindex, .redirect = redirect
    };
    q->e[q->n++] = e;
}

int router_output_init(struct kext *x)
{
    return kext_install_on(x, &dev_BurstEnd, (khandler_generic_fn)router_burst_end, NULL, NULL);
}

void router_output_fini(void)
{
    router_flush();
    router_flush(); /* and whatever the first pass queued */
}
