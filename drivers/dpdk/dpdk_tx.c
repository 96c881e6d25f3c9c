/*
 * drivers/dpdk/dpdk_tx.c — the transmit path of a dpdk port (kport_ops
 * tx_burst, rte_eth_tx_burst semantics: kernel/port.h).
 *
 * Each frame becomes an mbuf without a copy (dpdk_pool.h): a pktbuf of a
 * dpdk pool held once goes as its own mbuf; a shared one, or one of
 * another pool where the PMD reads with the CPU, as a header mbuf attached
 * to its block; otherwise as a copy in the port's pool.
 *
 * While the port spins (idle=poll, or adaptive and awake), frames are
 * buffered, as a DPDK application's rte_eth_tx_buffer does: they wait as
 * mbufs that own their references in the port's queue until DPDK_BURST of
 * them are there or until the next receive poll of any dpdk port
 * (dpdk_tx_flush_all, a loop iteration later at most), so that the PMD's
 * per-call cost (net_af_packet: one sendto system call) is paid per burst
 * and not per frame; a router forwards most frames one netif_transmit at
 * a time. A frame is taken when it enters the queue; frames the device
 * does not take stay queued, and a full queue takes no more (the caller
 * keeps those and offers them again: the ring-full case). Asleep (idle=
 * adaptive), a frame goes to the device at once, since no poll may come
 * soon, and what the device does not take stays the caller's, unchanged.
 *
 * Sources: rte_ethdev.h (rte_eth_tx_burst, rte_eth_tx_buffer), rte_mbuf.h.
 */
#include <string.h>

#include "drivers/dpdk/dpdk_port.h"

enum tx_kind { TX_OWN, TX_WRAP, TX_COPY };

/* Started ports, whose queues dpdk_tx_flush_all empties. */
static struct dpdk_port *active[RTE_MAX_ETHPORTS];
static unsigned nactive;

/* The mbuf to send @p with, or NULL (nothing changed) when none is free. */
static struct rte_mbuf *tx_mbuf(struct dpdk_port *dpp, struct pktbuf *p, enum tx_kind *kind)
{
    struct dpdk_pool *dp = likely(p->pool == dpp->dp->pool) ? dpp->dp : dpdk_pool_find(p->pool);
    struct rte_mbuf *m;
    struct pktbuf *c;

    if (dp != NULL && p->refcnt == 1) {
        *kind = TX_OWN;
        m = dpdk_pool_tx_mbuf(dp, p);
    } else if (dp != NULL || dpp->wrap_foreign) {
        rte_iova_t iova =
            dp != NULL ? dpdk_pool_iova(dp, p->block) : (rte_iova_t)(uintptr_t)p->block;

        *kind = TX_WRAP;
        m = dpdk_wrap(dpp->wrap_mp, p, iova);
        if (m != NULL)
            dpp->ctr[DPDK_CTR_TX_WRAPPED]++;
    } else {
        *kind = TX_COPY;
        c = pkt_copy(dpp->dp->pool, p);
        if (c == NULL)
            return NULL;
        dpp->ctr[DPDK_CTR_TX_COPIED]++;
        m = dpdk_pool_tx_mbuf(dpp->dp, c);
    }
    if (m == NULL)
        dpp->ctr[DPDK_CTR_TX_NO_MBUF]++;
    else
        m->port = dpp->port_id;
    return m;
}

/* A frame longer than MTU + 18 bytes: dropped, counted, taken. */
static void tx_oversize(struct dpdk_port *dpp, struct pktbuf *p)
{
    pkt_free(p);
    dpp->ctr[DPDK_CTR_TX_OVERSIZE]++;
    dpp->own_tx_dropped++;
    dpp->port.tx_dropped++;
}

/* Offer the queue to the device; what it does not take stays, in order. */
static void tx_flush(struct dpdk_port *dpp)
{
    uint16_t k;

    if (dpp->txq_n == 0)
        return;
    k = rte_eth_tx_burst(dpp->port_id, 0, dpp->txq, dpp->txq_n);
    for (uint16_t i = 0; i < k; i++) {
        dpp->port.tx_packets++;
        dpp->port.tx_bytes += dpp->txq[i]->pkt_len;
    }
    dpp->txq_n = (uint16_t)(dpp->txq_n - k);
    if (dpp->txq_n > 0 && k > 0)
        memmove(dpp->txq, dpp->txq + k, dpp->txq_n * sizeof(dpp->txq[0]));
}

void dpdk_tx_flush_all(void)
{
    for (unsigned i = 0; i < nactive; i++)
        if (active[i]->txq_n > 0)
            tx_flush(active[i]);
}

void dpdk_tx_start(struct dpdk_port *dpp)
{
    dpp->txq_n = 0;
    if (nactive < RTE_MAX_ETHPORTS)
        active[nactive++] = dpp;
}

void dpdk_tx_stop(struct dpdk_port *dpp)
{
    tx_flush(dpp);
    for (uint16_t i = 0; i < dpp->txq_n; i++) {
        rte_pktmbuf_free(dpp->txq[i]); /* the device would not take it: dropped */
        dpp->own_tx_dropped++;
        dpp->port.tx_dropped++;
    }
    dpp->txq_n = 0;
    for (unsigned i = 0; i < nactive; i++) {
        if (active[i] == dpp) {
            active[i] = active[--nactive];
            break;
        }
    }
}

/* Buffered: frames join the queue as self-contained mbufs. */
static uint16_t tx_deferred(struct dpdk_port *dpp, struct pktbuf **pkts, uint16_t n)
{
    uint16_t taken = 0;

    for (; taken < n; taken++) {
        struct pktbuf *p = pkts[taken];
        struct rte_mbuf *m;
        enum tx_kind kd;

        if (unlikely(p->len > dpp->max_frame)) {
            tx_oversize(dpp, p);
            continue;
        }
        if (dpp->txq_n == DPDK_TXQ_MAX) {
            tx_flush(dpp);
            if (dpp->txq_n == DPDK_TXQ_MAX)
                break; /* the device's ring is full */
        }
        m = tx_mbuf(dpp, p, &kd);
        if (unlikely(m == NULL))
            break;
        if (kd != TX_OWN)
            pkt_free(p); /* the mbuf holds its own reference, or a copy */
        dpp->txq[dpp->txq_n++] = m;
        if (dpp->txq_n >= DPDK_BURST)
            tx_flush(dpp);
    }
    return taken;
}

/* At once: DPDK's semantics exactly, untaken frames left as they were. */
static uint16_t tx_now(struct dpdk_port *dpp, struct pktbuf **pkts, uint16_t n)
{
    struct rte_mbuf *mb[DPDK_BURST];
    uint8_t kind[DPDK_BURST];
    uint16_t lead = 0; /* leading frames dropped before the first one sent */
    uint16_t c = 0, k;

    tx_flush(dpp); /* nothing may overtake what is queued */
    if (dpp->txq_n > 0)
        return 0;
    if (n > DPDK_BURST)
        n = DPDK_BURST;
    for (uint16_t i = 0; i < n; i++) {
        struct pktbuf *p = pkts[i];
        enum tx_kind kd;

        if (unlikely(p->len > dpp->max_frame)) {
            if (c > 0)
                break; /* dropped on the next call, once the frames before it are taken */
            tx_oversize(dpp, p);
            lead++;
            continue;
        }
        mb[c] = tx_mbuf(dpp, p, &kd);
        if (unlikely(mb[c] == NULL))
            break;
        kind[c++] = (uint8_t)kd;
    }
    k = c > 0 ? rte_eth_tx_burst(dpp->port_id, 0, mb, c) : 0;
    for (uint16_t j = 0; j < c; j++) {
        struct pktbuf *p = pkts[lead + j];

        if (j < k) {
            dpp->port.tx_packets++;
            dpp->port.tx_bytes += p->len;
            if (kind[j] != TX_OWN)
                pkt_free(p);
        } else if (kind[j] != TX_OWN) {
            rte_pktmbuf_free(mb[j]); /* the caller keeps @p as it was */
        }
    }
    return (uint16_t)(lead + k);
}

uint16_t dpdk_tx_burst(struct kport *port, struct pktbuf **pkts, uint16_t n)
{
    struct dpdk_port *dpp = port->priv;

    if (!dpp->started) {
        for (uint16_t i = 0; i < n; i++)
            pkt_free(pkts[i]);
        dpp->ctr[DPDK_CTR_TX_STOPPED] += n;
        dpp->own_tx_dropped += n;
        port->tx_dropped += n;
        return n;
    }
    return dpp->idle.sleeping ? tx_now(dpp, pkts, n) : tx_deferred(dpp, pkts, n);
}
