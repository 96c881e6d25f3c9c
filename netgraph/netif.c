/* netgraph/netif.c — interfaces, the root of the protocol graph (netgraph/netif.h). */
#include "netgraph/netif.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"

KEVENT_DEFINE(dev_PacketArrived, struct pktbuf *, "dev.PacketArrived", true, NULL);
KEVENT_DEFINE(dev_BurstEnd, struct netif *, "dev.BurstEnd", false, NULL);

static const char *const netif_ctr_names[NETIF_NCTR] = {
    [NETIF_RX_FRAMES] = "rx_frames",       [NETIF_RX_BYTES] = "rx_bytes",
    [NETIF_TX_FRAMES] = "tx_frames",       [NETIF_TX_BYTES] = "tx_bytes",
    [NETIF_TX_DROPPED] = "tx_dropped",     [NETIF_TX_QUEUED] = "tx_queued",
    [NETIF_TX_SEGMENTED] = "tx_segmented", [NETIF_TX_OFFLOAD_ERRORS] = "tx_offload_errors",
};

struct netif_table netif_table;
static uint32_t tx_pending; /* bit i: interface i has frames in its transmit queue */

int netif_create(struct kport *port, const char *name, const uint8_t *mac, struct netif **out)
{
    if (netif_find(name))
        return -KE_EXIST;
    if (netif_table.n == NETIF_MAX)
        return -KE_TOOBIG;
    struct netif *ifp = kmalloc(sizeof *ifp);
    if (!ifp)
        return -KE_NOMEM;
    ifp->index = (uint16_t)netif_table.n;
    kstrlcpy(ifp->name, name, sizeof ifp->name);
    /* The override is the device's address too: a NIC filters on it (e1000
     * RAL0/RAH0, virtio's MAC), so the port must know it before it starts. */
    if (mac)
        memcpy(port->mac, mac, 6);
    memcpy(ifp->mac, port->mac, 6);
    ifp->mtu = port->mtu ? port->mtu : 1500;
    ifp->port = port;
    ifp->stats.node = ifp->name;
    ifp->stats.names = netif_ctr_names;
    ifp->stats.values = ifp->ctr;
    ifp->stats.n = NETIF_NCTR;
    kstats_register(&ifp->stats);
    kport_attach(port);
    netif_table.ifs[netif_table.n++] = ifp;
    netif_table.generation++;
    if (out)
        *out = ifp;
    return 0;
}

struct netif *netif_find(const char *name)
{
    for (unsigned i = 0; i < netif_table.n; i++)
        if (strcmp(netif_table.ifs[i]->name, name) == 0)
            return netif_table.ifs[i];
    return NULL;
}

int netif_add_addr(struct netif *ifp, uint32_t addr, uint8_t plen)
{
    if (plen > 32)
        return -KE_INVAL;
    for (unsigned i = 0; i < ifp->naddrs; i++)
        if (ifp->addr[i] == addr)
            return -KE_EXIST;
    if (ifp->naddrs == NETIF_MAX_ADDRS)
        return -KE_TOOBIG;
    ifp->addr[ifp->naddrs] = addr;
    ifp->plen[ifp->naddrs] = plen;
    ifp->naddrs++;
    netif_table.generation++;
    return 0;
}

/* Receive bursts being dispatched (nested when a loop link delivers inside one). */
static unsigned bursts_active;

void netif_input_burst(struct netif *ifp, struct pktbuf **pkts, unsigned n)
{
    bursts_active++;
    for (unsigned i = 0; i < n; i++) {
        struct pktbuf *pkt = pkts[i];
        ifp->ctr[NETIF_RX_FRAMES]++;
        ifp->ctr[NETIF_RX_BYTES] += pkt->len;
        pkt->ifindex = ifp->index;
        dev_PacketArrived_raise(pkt);
        pkt_free(pkt);
    }
    dev_BurstEnd_raise(ifp);
    if (--bursts_active == 0)
        (void)netif_tx_flush_all(); /* one transmit burst per interface */
}

void netif_input(struct netif *ifp, struct pktbuf *pkt)
{
    netif_input_burst(ifp, &pkt, 1);
}

/* Offer waiting frames to the device, oldest first, in bursts; stop at the
 * first burst the device does not take whole. Returns frames still waiting. */
static unsigned netif_tx_flush(struct netif *ifp)
{
    while (ifp->txq_head) {
        struct pktbuf *burst[NETIF_TX_BURST];
        uint16_t n = 0;
        for (struct pktbuf *p = ifp->txq_head; p && n < NETIF_TX_BURST; p = p->next)
            burst[n++] = p;
        struct pktbuf *rest = burst[n - 1]->next;
        uint16_t k = ifp->port->ops->tx_burst(ifp->port, burst, n);
        ifp->ctr[NETIF_TX_FRAMES] += k;
        ifp->txq_len -= k;
        if (k < n) {
            /* Ring full: the untaken frames are still chained to each other and
             * to rest; the bytes sent are those queued less those left (the
             * frames taken may be gone already). */
            uint64_t left = 0;
            for (struct pktbuf *p = burst[k]; p; p = p->next)
                left += pkt_total_len(p);
            ifp->ctr[NETIF_TX_BYTES] += ifp->txq_bytes - left;
            ifp->txq_bytes = left;
            ifp->txq_head = burst[k];
            return ifp->txq_len;
        }
        ifp->txq_head = rest;
    }
    ifp->txq_tail = NULL;
    ifp->ctr[NETIF_TX_BYTES] += ifp->txq_bytes;
    ifp->txq_bytes = 0;
    tx_pending &= ~(1u << ifp->index);
    return 0;
}

/* netif_transmit_one - netif_transmit of one frame the port can take as it is. */
static int netif_transmit_one(struct netif *ifp, struct pktbuf *pkt)
{
    if (pkt->frag != NULL && !ifp->port->tx_gather &&
        (pkt = pkt_linearize(pkt, NULL)) == NULL) { /* the port takes one segment per frame */
        ifp->ctr[NETIF_TX_DROPPED]++;
        return -KE_NOMEM;
    }
    uint32_t len = pkt_total_len(pkt);
    pkt->next = NULL;
    if (!ifp->txq_head && bursts_active == 0) {
        struct pktbuf *one[1] = { pkt };
        if (ifp->port->ops->tx_burst(ifp->port, one, 1) == 1) {
            ifp->ctr[NETIF_TX_FRAMES]++;
            ifp->ctr[NETIF_TX_BYTES] += len;
            return 0;
        }
    }
    if (ifp->txq_len >= NETIF_TXQ_MAX) {
        ifp->ctr[NETIF_TX_DROPPED]++;
        pkt_free(pkt);
        return -KE_AGAIN;
    }
    if (ifp->txq_tail)
        ifp->txq_tail->next = pkt;
    else
        ifp->txq_head = pkt;
    ifp->txq_tail = pkt;
    ifp->txq_len++;
    ifp->txq_bytes += len;
    tx_pending |= 1u << ifp->index;
    if (bursts_active == 0)
        ifp->ctr[NETIF_TX_QUEUED]++; /* waits for ring space; else for the burst's end */
    return 0;
}

int netif_transmit(struct netif *ifp, struct pktbuf *pkt)
{
    const struct kport *port = ifp->port;
    if (__builtin_expect((pkt->flags & PKT_F_GSO_TCPV4) && !port->tx_tso4, 0) ||
        __builtin_expect((pkt->flags & PKT_F_CSUM_PARTIAL) && !port->tx_csum, 0)) {
        struct pktbuf *list = netif_offload(ifp, pkt); /* netgraph/offload.c */
        if (list == NULL)
            return -KE_INVAL;
        int rc = 0;
        while (list != NULL) {
            struct pktbuf *next = list->next;
            list->next = NULL;
            int r = netif_transmit_one(ifp, list);
            if (r < 0 && rc == 0)
                rc = r;
            list = next;
        }
        return rc;
    }
    return netif_transmit_one(ifp, pkt);
}

unsigned netif_tx_flush_all(void)
{
    unsigned waiting = 0;
    for (uint32_t m = tx_pending; m != 0; m &= m - 1)
        waiting += netif_tx_flush(netif_table.ifs[__builtin_ctz(m)]);
    return waiting;
}

void netif_destroy_all(void)
{
    for (unsigned i = netif_table.n; i-- > 0;) {
        struct netif *ifp = netif_table.ifs[i];
        while (ifp->txq_head) {
            struct pktbuf *p = ifp->txq_head;
            ifp->txq_head = p->next;
            p->next = NULL;
            ifp->ctr[NETIF_TX_DROPPED]++;
            pkt_free(p);
        }
        ifp->txq_tail = NULL;
        ifp->txq_len = 0;
        ifp->txq_bytes = 0;
        kstats_unregister(&ifp->stats);
        kport_detach(ifp->port);
        if (ifp->port->ops->stop)
            ifp->port->ops->stop(ifp->port);
    }
    /* Closed only once every port has stopped: a buffer of one port's pool
     * may sit in another's transmit ring (a zero-copy forward) until that
     * port's stop reclaims it, and a pool is destroyed only when full. */
    for (unsigned i = netif_table.n; i-- > 0;) {
        struct netif *ifp = netif_table.ifs[i];
        if (ifp->port->ops->close)
            ifp->port->ops->close(ifp->port);
        kfree(ifp);
        netif_table.ifs[i] = NULL;
    }
    netif_table.n = 0;
    tx_pending = 0;
    netif_table.generation++;
}
