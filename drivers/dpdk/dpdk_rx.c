/*
 * drivers/dpdk/dpdk_rx.c — the receive path of a dpdk port: bursts
 * without copying (dpdk_pool.h), and the statistics.
 *
 * Receive: first the transmit queues of every port go to their devices
 * (dpdk_tx.c), then rte_eth_rx_burst on each queue in turn; an mbuf of a
 * dpdk pool is its block's pktbuf (the reference the mbuf held passes to
 * the graph), an mbuf of any other mempool is copied into the port's pool
 * and freed.
 *
 * Sources: rte_ethdev.h (rte_eth_rx_burst, rte_eth_stats_get,
 * rte_eth_link_get_nowait, rte_eth_tx_done_cleanup).
 */
#include <string.h>

#include "drivers/dpdk/dpdk_port.h"
#include "kernel/clock.h"
#include "kernel/klib.h"

/** Ethernet header bytes (IEEE 802.3 clause 3.1.1). */
#define DPDK_ETH_HLEN 14u

const char *const dpdk_ctr_names[DPDK_NCTR] = {
    [DPDK_CTR_IPACKETS] = "ipackets",
    [DPDK_CTR_IBYTES] = "ibytes",
    [DPDK_CTR_IMISSED] = "imissed",
    [DPDK_CTR_IERRORS] = "ierrors",
    [DPDK_CTR_RX_NOMBUF] = "rx_nombuf",
    [DPDK_CTR_OPACKETS] = "opackets",
    [DPDK_CTR_OBYTES] = "obytes",
    [DPDK_CTR_OERRORS] = "oerrors",
    [DPDK_CTR_RX_RING_DROPS] = "rx_ring_drops",
    [DPDK_CTR_RX_MULTISEG] = "rx_multiseg",
    [DPDK_CTR_RX_RUNT] = "rx_runt",
    [DPDK_CTR_RX_COPIED] = "rx_copied",
    [DPDK_CTR_RX_NO_BUFFER] = "rx_no_buffer",
    [DPDK_CTR_TX_WRAPPED] = "tx_wrapped",
    [DPDK_CTR_TX_COPIED] = "tx_copied",
    [DPDK_CTR_TX_NO_MBUF] = "tx_no_mbuf",
    [DPDK_CTR_TX_STOPPED] = "tx_stopped",
    [DPDK_CTR_TX_OVERSIZE] = "tx_oversize",
    [DPDK_CTR_IDLE_SLEEPS] = "idle_sleeps",
    [DPDK_CTR_IDLE_WAKEUPS] = "idle_wakeups",
};

/* ------------------------------------------------------------ receive */

/* The pktbuf for received @m, or NULL (dropped and counted). */
static struct pktbuf *rx_one(struct dpdk_port *dpp, struct rte_mbuf *m)
{
    struct dpdk_pool *dp;
    struct pktbuf *p;

    if (unlikely(m->nb_segs != 1)) {
        dpp->ctr[DPDK_CTR_RX_MULTISEG]++;
        dpp->own_rx_errors++;
        rte_pktmbuf_free(m);
        return NULL;
    }
    if (unlikely(m->data_len < DPDK_ETH_HLEN)) {
        dpp->ctr[DPDK_CTR_RX_RUNT]++;
        dpp->own_rx_errors++;
        rte_pktmbuf_free(m);
        return NULL;
    }
    dp = likely(m->pool == dpp->dp->mp) ? dpp->dp : dpdk_pool_of_mbuf(m);
    if (likely(dp != NULL)) {
        p = dpdk_mbuf_pkt(m);
        p->data_off = m->data_off;
        p->len = m->data_len;
        return p;
    }
    /* An mbuf of another mempool (a PMD's own, or a loop-back of an attached
     * buffer): copied, since only dpdk pools' mbufs are pktbufs. */
    p = pkt_alloc(dpp->dp->pool);
    if (p == NULL || m->data_len > pkt_tailroom(p)) {
        pkt_free(p);
        dpp->ctr[DPDK_CTR_RX_NO_BUFFER]++;
        dpp->own_rx_dropped++;
        rte_pktmbuf_free(m);
        return NULL;
    }
    memcpy(pkt_append(p, m->data_len), rte_pktmbuf_mtod(m, const void *), m->data_len);
    dpp->ctr[DPDK_CTR_RX_COPIED]++;
    rte_pktmbuf_free(m);
    return p;
}

/* Poll the queues in turn, from rxq_next, until @max frames or all empty. */
static uint16_t rx_queues(struct dpdk_port *dpp, struct pktbuf **pkts, uint16_t max, uint64_t now)
{
    struct rte_mbuf *mb[DPDK_BURST];
    uint16_t got = 0;

    for (uint16_t i = 0; i < dpp->nb_rxq && got < max; i++) {
        uint16_t q = dpp->rxq_next;
        uint16_t want = (uint16_t)(max - got);
        uint16_t n;

        dpp->rxq_next = (uint16_t)(q + 1 == dpp->nb_rxq ? 0 : q + 1);
        n = rte_eth_rx_burst(dpp->port_id, q, mb, want > DPDK_BURST ? DPDK_BURST : want);
        for (uint16_t k = 0; k < n; k++) {
            struct pktbuf *p = rx_one(dpp, mb[k]);

            if (p == NULL)
                continue;
            p->rx_ns = now;
            dpp->port.rx_packets++;
            dpp->port.rx_bytes += p->len;
            pkts[got++] = p;
        }
    }
    return got;
}

uint16_t dpdk_rx_burst(struct kport *port, struct pktbuf **pkts, uint16_t max)
{
    struct dpdk_port *dpp = port->priv;
    uint64_t now;
    uint16_t got;

    dpdk_tx_flush_all(); /* what the last loop iteration sent goes out first */
    if (!dpp->started || max == 0)
        return 0;
    now = kclock_now_ns();
    got = rx_queues(dpp, pkts, max, now);
    /* Frames still queued for the device count as work: no sleep on them. */
    if (dpp->idle.mode == DPDK_IDLE_ADAPTIVE &&
        dpdk_idle_after_rx(&dpp->idle, port, got + dpp->txq_n, now)) {
        got = rx_queues(dpp, pkts, max, now); /* interrupts just armed: look once more */
        (void)dpdk_idle_after_rx(&dpp->idle, port, got, now);
    }
    if (now >= dpp->next_stats_ns) {
        dpdk_port_refresh(dpp);
        dpp->next_stats_ns = now + DPDK_STATS_PERIOD_NS;
    }
    return got;
}

/* --------------------------------------------------------- statistics */

void dpdk_port_refresh(struct dpdk_port *dpp)
{
    struct kport *port = &dpp->port;
    struct rte_eth_stats st;
    struct rte_eth_link link;

    dpp->ctr[DPDK_CTR_RX_RING_DROPS] += dpdk_afpacket_drops(&dpp->af);
    if (rte_eth_stats_get(dpp->port_id, &st) == 0) {
        dpp->ctr[DPDK_CTR_IPACKETS] = st.ipackets;
        dpp->ctr[DPDK_CTR_IBYTES] = st.ibytes;
        dpp->ctr[DPDK_CTR_IMISSED] = st.imissed + dpp->ctr[DPDK_CTR_RX_RING_DROPS];
        dpp->ctr[DPDK_CTR_IERRORS] = st.ierrors;
        dpp->ctr[DPDK_CTR_RX_NOMBUF] = st.rx_nombuf;
        dpp->ctr[DPDK_CTR_OPACKETS] = st.opackets;
        dpp->ctr[DPDK_CTR_OBYTES] = st.obytes;
        dpp->ctr[DPDK_CTR_OERRORS] = st.oerrors;
    }
    port->rx_dropped =
        dpp->own_rx_dropped + dpp->ctr[DPDK_CTR_IMISSED] + dpp->ctr[DPDK_CTR_RX_NOMBUF];
    port->rx_errors = dpp->own_rx_errors + dpp->ctr[DPDK_CTR_IERRORS];
    port->tx_errors = dpp->ctr[DPDK_CTR_OERRORS];
    port->tx_dropped = dpp->own_tx_dropped;
    dpp->ctr[DPDK_CTR_IDLE_SLEEPS] = dpp->idle.sleeps;
    dpp->ctr[DPDK_CTR_IDLE_WAKEUPS] = dpp->idle.wakeups;
    if (rte_eth_link_get_nowait(dpp->port_id, &link) == 0)
        port->link_up = link.link_status == RTE_ETH_LINK_UP;
    (void)rte_eth_tx_done_cleanup(dpp->port_id, 0, 0);
}
