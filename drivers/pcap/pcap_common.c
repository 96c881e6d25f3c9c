/*
 * drivers/pcap/pcap_common.c — port allocation, parameters, counters and
 * frame copy shared by the pcap and pcap-file drivers (pcap_common.h).
 */
#include "drivers/pcap/pcap_common.h"

#include <stdio.h>
#include <string.h>
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "protocols/ether/ether_wire.h"
#include "kernel/mem.h"
#include "kernel/pktbuf.h"

/** Receive pool made when the appliance gives none and there is no default. */
#define PCAP_OWN_POOL_BUFFERS 256u

static const char *const pcap_ctr_names[PCAP_NCTR] = {
    [PCAP_CTR_RX_TRUNCATED] = "rx_truncated", [PCAP_CTR_RX_OVERSIZE] = "rx_oversize",
    [PCAP_CTR_RX_RUNT] = "rx_runt",           [PCAP_CTR_RX_NO_BUFFER] = "rx_no_buffer",
    [PCAP_CTR_RX_LATE] = "rx_late",           [PCAP_CTR_READ_ERRORS] = "read_errors",
    [PCAP_CTR_TX_ERRORS] = "tx_errors",       [PCAP_CTR_TX_STOPPED] = "tx_stopped",
    [PCAP_CTR_RX_BURSTS] = "rx_bursts",
};

struct pcap_port *pcap_port_new(size_t size, const char *driver, const struct kdriver_args *a,
                                const uint8_t mac_base[6], int *rc, char *err, size_t errlen)
{
    struct pcap_port *pp;
    struct kport *port;
    uint64_t mtu;
    const char *mac;

    *rc = kparams_get_u64(a->params, "mtu", 1500, 68, 9000, &mtu);
    if (*rc < 0) {
        snprintf(err, errlen, "%s: interface %s: mtu=%s: not a number of bytes in [68, 9000]",
                 driver, a->ifname, kparams_get(a->params, "mtu"));
        return NULL;
    }
    pp = kmalloc(size < sizeof(*pp) ? sizeof(*pp) : size);
    if (pp == NULL) {
        *rc = -KE_NOMEM;
        snprintf(err, errlen, "%s: interface %s: out of memory", driver, a->ifname);
        return NULL;
    }
    port = &pp->port;
    port->priv = pp;
    port->driver = driver;
    kstrlcpy(port->name, a->ifname, sizeof(port->name));
    port->mtu = (uint16_t)mtu;
    port->wait_fd = -1;

    mac = kparams_get(a->params, "mac");
    if (mac != NULL) {
        if (inet_parse_mac(mac, strlen(mac), port->mac) < 0) {
            *rc = -KE_INVAL;
            snprintf(err, errlen, "%s: interface %s: mac=%s: not xx:xx:xx:xx:xx:xx", driver,
                     a->ifname, mac);
            kfree(pp);
            return NULL;
        }
    } else {
        uint32_t low =
            ((uint32_t)mac_base[3] << 16 | (uint32_t)mac_base[4] << 8 | mac_base[5]) + a->instance;

        memcpy(port->mac, mac_base, 3);
        port->mac[3] = (uint8_t)(low >> 16);
        port->mac[4] = (uint8_t)(low >> 8);
        port->mac[5] = (uint8_t)low;
    }

    port->pool = a->pool != NULL ? a->pool : pktpool_default();
    if (port->pool == NULL) {
        char pool_name[KPORT_NAME_MAX + 16];

        snprintf(pool_name, sizeof(pool_name), "%s:%s", driver, a->ifname);
        pp->own_pool = pktpool_create(pool_name, PCAP_OWN_POOL_BUFFERS, PKT_BLOCK_SIZE, NULL, NULL);
        if (pp->own_pool == NULL) {
            *rc = -KE_NOMEM;
            snprintf(err, errlen, "%s: interface %s: no memory for a receive pool", driver,
                     a->ifname);
            kfree(pp);
            return NULL;
        }
        port->pool = pp->own_pool;
    }

    snprintf(pp->stat_node, sizeof(pp->stat_node), "%s:%s", driver, a->ifname);
    pp->stats.node = pp->stat_node;
    pp->stats.names = pcap_ctr_names;
    pp->stats.values = pp->ctr;
    pp->stats.n = PCAP_NCTR;
    kstats_register(&pp->stats);
    *rc = 0;
    return pp;
}

void pcap_port_free(struct pcap_port *pp)
{
    if (pp == NULL)
        return;
    kport_detach(&pp->port); /* in case the port is closed before its interface is gone */
    kstats_unregister(&pp->stats);
    if (pp->own_pool != NULL && pktpool_destroy(pp->own_pool) < 0)
        fprintf(stderr, "%s: %u receive buffers still out at close; pool kept\n", pp->stat_node,
                (unsigned)pktpool_out(pp->own_pool));
    kfree(pp);
}

int pcap_params_check(const char *driver, const struct kdriver_args *a, const char *const *known,
                      char *err, size_t errlen)
{
    const struct kparams *p = a->params;

    if (p == NULL)
        return 0;
    for (unsigned i = 0; i < p->n; i++) {
        bool ok = strcmp(p->key[i], "mtu") == 0 || strcmp(p->key[i], "mac") == 0;

        for (unsigned k = 0; !ok && known[k] != NULL; k++)
            ok = strcmp(p->key[i], known[k]) == 0;
        if (!ok) {
            size_t used = (size_t)snprintf(
                err, errlen, "%s: interface %s: unknown parameter %s= (known:", driver, a->ifname,
                p->key[i]);
            for (unsigned k = 0; known[k] != NULL && used < errlen; k++)
                used += (size_t)snprintf(err + used, errlen - used, " %s=", known[k]);
            if (used < errlen)
                snprintf(err + used, errlen - used, " mtu= mac=)");
            return -KE_INVAL;
        }
    }
    return 0;
}

struct pktbuf *pcap_rx_frame(struct pcap_port *pp, const uint8_t *data, uint32_t caplen,
                             uint32_t wire_len, uint64_t rx_ns)
{
    struct kport *port = &pp->port;
    struct pktbuf *p;

    if (caplen < wire_len) {
        pp->ctr[PCAP_CTR_RX_TRUNCATED]++;
        port->rx_errors++;
        return NULL;
    }
    if (caplen < ETHER_HDR_LEN) {
        pp->ctr[PCAP_CTR_RX_RUNT]++;
        port->rx_errors++;
        return NULL;
    }
    p = pkt_alloc(port->pool);
    if (p == NULL) {
        pp->ctr[PCAP_CTR_RX_NO_BUFFER]++;
        port->rx_dropped++;
        return NULL;
    }
    if (caplen > pkt_tailroom(p)) {
        pkt_free(p);
        pp->ctr[PCAP_CTR_RX_OVERSIZE]++;
        port->rx_errors++;
        return NULL;
    }
    memcpy(pkt_append(p, (uint16_t)caplen), data, caplen);
    p->rx_ns = rx_ns;
    port->rx_packets++;
    port->rx_bytes += caplen;
    return p;
}
