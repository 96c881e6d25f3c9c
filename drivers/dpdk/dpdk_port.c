/*
 * drivers/dpdk/dpdk_port.c — the "dpdk" driver class: opening a port on a
 * DPDK ethdev from a configuration line (dpdk.h), starting, stopping and
 * closing it. The data path is dpdk_rx.c and dpdk_tx.c.
 *
 * Open does everything that can fail for a reason the operator must fix,
 * so that nothing starts when a device is wrong: EAL up, the device probed
 * (rte_dev_probe: a missing interface or a bad argument fails here, with
 * the PMD's own log line as the reason), configured with its queues, its
 * pool made. Start only starts it and applies the MAC and the receive
 * modes. Close undoes open; a hot-plugged device is removed again
 * (rte_dev_remove), so a net_tap interface disappears with the port.
 *
 * Sources: DPDK 22.11 Programmer's Guide, "Poll Mode Driver" (device
 * configuration, hot plug); rte_ethdev.h, rte_dev.h.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>

#include "drivers/dpdk/dpdk.h"
#include "drivers/dpdk/dpdk_eal.h"
#include "drivers/dpdk/dpdk_port.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/log.h"

/* Buffers of a pool beyond its rings' needs: bursts in flight, queues. */
#define DPDK_POOL_SLACK 1024u
#define DPDK_POOL_MIN 2048u
/* Ethernet header, FCS and one VLAN tag beyond the IP MTU. */
#define DPDK_FRAME_OVERHEAD 18u

/* ethdev ports held by a spindle port. */
static bool port_in_use[RTE_MAX_ETHPORTS];

/* PMDs that read and write frames with the CPU, in this process: a
 * buffer outside DPDK memory is as good as any (no DMA, no memory table
 * shared with another process), so other pools' buffers go out attached. */
static bool cpu_copying_pmd(const char *driver)
{
    static const char *const names[] = {
        "net_af_packet", "net_tap", "net_pcap", "net_ring", "net_null", "net_memif",
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(driver, names[i]) == 0)
            return true;
    return false;
}

/*
 * The ring frame size of a net_af_packet device (its framesz= argument,
 * default 2048), 0 for any other device. DPDK 22.11's net_af_packet copies
 * a whole ring frame's data into one mbuf, and joins a PACKET_FANOUT group
 * with PACKET_FANOUT_FLAG_DEFRAG, so the kernel hands it IP datagrams
 * reassembled, up to a frame's size: buffers must hold a frame.
 */
static unsigned long af_packet_framesz(const char *driver, const char *devargs)
{
    const char *f = strstr(devargs, ",framesz=");

    if (strcmp(driver, "net_af_packet") != 0)
        return 0;
    return f != NULL ? strtoul(f + 9, NULL, 10) : 2048u;
}

/* PMDs whose device is a host interface (a veth, a NIC the kernel drives,
 * a TAP): the link to the peer, whose address the appliance must not take,
 * or the host's own stack would also handle every frame sent to it. So, as
 * the pcap driver does, the interface stays as it is and is promiscuous. */
static bool host_link_pmd(const char *driver)
{
    return strcmp(driver, "net_af_packet") == 0 || strcmp(driver, "net_pcap") == 0 ||
           strcmp(driver, "net_tap") == 0;
}

/* ------------------------------------------------------------ params */

struct dpdk_params {
    const char *dev;
    uint64_t queues, rxd, txd, pool, mtu, idle_after_us, sleep_max_us;
    bool has_mtu, has_promisc, promisc, allmulti;
    enum dpdk_idle_mode idle;
};

static int parse_onoff(const struct kdriver_args *a, const char *key, bool dflt, bool *out,
                       char *err, size_t errlen)
{
    const char *v = kparams_get(a->params, key);

    *out = dflt;
    if (v == NULL)
        return 0;
    if (strcmp(v, "on") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0)
        *out = true;
    else if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0 || strcmp(v, "no") == 0)
        *out = false;
    else {
        snprintf(err, errlen, "dpdk: interface %s: %s=%s: expected on or off", a->ifname, key, v);
        return -KE_INVAL;
    }
    return 0;
}

static int parse_num(const struct kdriver_args *a, const char *key, uint64_t dflt, uint64_t min,
                     uint64_t max, uint64_t *out, char *err, size_t errlen)
{
    int rc = kparams_get_u64(a->params, key, dflt, min, max, out);

    if (rc < 0)
        snprintf(err, errlen, "dpdk: interface %s: %s=%s: not a number in [%llu, %llu]", a->ifname,
                 key, kparams_get(a->params, key), (unsigned long long)min,
                 (unsigned long long)max);
    return rc;
}

static int check_keys(const struct kdriver_args *a, char *err, size_t errlen)
{
    static const char *const known[] = {
        "dev",     "queues",   "rxd",  "txd",        "pool",      "mtu",
        "promisc", "allmulti", "idle", "idle-after", "sleep-max", NULL,
    };
    const struct kparams *p = a->params;

    for (unsigned i = 0; p != NULL && i < p->n; i++) {
        bool ok = false;

        for (unsigned k = 0; !ok && known[k] != NULL; k++)
            ok = strcmp(p->key[i], known[k]) == 0;
        if (!ok) {
            snprintf(err, errlen,
                     "dpdk: interface %s: unknown parameter %s= (known: dev= queues= "
                     "rxd= txd= pool= mtu= promisc= allmulti= idle= idle-after= sleep-max=; EAL's "
                     "arguments go on a line of their own: dpdk eal=\"...\")",
                     a->ifname, p->key[i]);
            return -KE_INVAL;
        }
    }
    return 0;
}

static int parse_params(const struct kdriver_args *a, struct dpdk_params *pp, char *err,
                        size_t errlen)
{
    const char *idle;
    int rc = check_keys(a, err, errlen);

    if (rc < 0)
        return rc;
    memset(pp, 0, sizeof(*pp));
    pp->dev = kparams_get(a->params, "dev");
    if (pp->dev == NULL || pp->dev[0] == '\0') {
        snprintf(err, errlen,
                 "dpdk: interface %s: missing dev=DEVARGS (a PCI address or a "
                 "virtual device such as net_af_packet0,iface=IFNAME)",
                 a->ifname);
        return -KE_INVAL;
    }
    if (strlen(pp->dev) >= sizeof(((struct dpdk_port *)NULL)->devargs)) {
        snprintf(err, errlen, "dpdk: interface %s: dev= longer than %zu bytes", a->ifname,
                 sizeof(((struct dpdk_port *)NULL)->devargs) - 1);
        return -KE_INVAL;
    }
    pp->has_mtu = kparams_get(a->params, "mtu") != NULL;
    pp->has_promisc = kparams_get(a->params, "promisc") != NULL;
    if ((rc = parse_num(a, "queues", 1, 1, DPDK_MAX_RXQ, &pp->queues, err, errlen)) < 0 ||
        (rc = parse_num(a, "rxd", 1024, 64, 4096, &pp->rxd, err, errlen)) < 0 ||
        (rc = parse_num(a, "txd", 1024, 64, 4096, &pp->txd, err, errlen)) < 0 ||
        (rc = parse_num(a, "pool", 0, 256, 1u << 20, &pp->pool, err, errlen)) < 0 ||
        (rc = parse_num(a, "mtu", 1500, 68, 9000, &pp->mtu, err, errlen)) < 0 ||
        (rc = parse_num(a, "idle-after", 500, 1, 10000000, &pp->idle_after_us, err, errlen)) < 0 ||
        (rc = parse_num(a, "sleep-max", 1000, 20, 1000000, &pp->sleep_max_us, err, errlen)) < 0 ||
        (rc = parse_onoff(a, "promisc", false, &pp->promisc, err, errlen)) < 0 ||
        (rc = parse_onoff(a, "allmulti", true, &pp->allmulti, err, errlen)) < 0)
        return rc;
    idle = kparams_get(a->params, "idle");
    if (idle == NULL || strcmp(idle, "poll") == 0) {
        pp->idle = DPDK_IDLE_POLL;
    } else if (strcmp(idle, "adaptive") == 0) {
        pp->idle = DPDK_IDLE_ADAPTIVE;
    } else {
        snprintf(err, errlen, "dpdk: interface %s: idle=%s: expected poll or adaptive", a->ifname,
                 idle);
        return -KE_INVAL;
    }
    return 0;
}

/* ------------------------------------------------------------- probe */

/* A PCI address, "0000:01:00.0" or "01:00.0" (DBDF or BDF), at the start of @devargs. */
static bool looks_pci(const char *devargs)
{
    unsigned dom, bus, dev, fn;
    char c;

    return sscanf(devargs, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &c) >= 4 ||
           sscanf(devargs, "%x:%x.%x%c", &bus, &dev, &fn, &c) >= 3;
}

/* Hot-plug @dpp->devargs (or find the port EAL probed itself): sets port_id. */
static int probe(struct dpdk_port *dpp, char *err, size_t errlen)
{
    bool before[RTE_MAX_ETHPORTS] = { false };
    bool af_packet = strncmp(dpp->devargs, "net_af_packet", 13) == 0;
    struct dpdk_fdset fds;
    char ifname[IF_NAMESIZE + 1];
    struct dpdk_log_capture cap;
    struct rte_dev_iterator it;
    char said[120];
    uint16_t id;
    int rc;

    RTE_ETH_FOREACH_DEV(id)
    before[id] = true;
    if (af_packet)
        dpdk_fdset_snapshot(&fds);
    dpdk_log_capture_begin(&cap);
    rc = rte_dev_probe(dpp->devargs);
    dpdk_log_capture_end(&cap, said, sizeof(said));
    if (af_packet && rc == 0 && dpdk_afpacket_iface(dpp->devargs, ifname, sizeof(ifname)) &&
        dpdk_afpacket_find(&dpp->af, &fds, ifname) == 0)
        KWARN("dpdk", "%s: net_af_packet's sockets on %s not found: its ring drops go uncounted",
              dpp->port.name, ifname);
    if (rc < 0 && rc != -EEXIST) {
        dpdk_fmt(err, errlen, "dpdk: interface %s: dev=%s: %s%s", dpp->port.name, dpp->devargs,
                 said[0] ? said : strerror(-rc),
                 looks_pci(dpp->devargs) && dpdk_eal_no_pci()
                     ? " (EAL runs with --no-pci: give dpdk eal=... without it)"
                     : "");
        return -KE_NODEV;
    }
    dpp->hotplugged = rc == 0;
    RTE_ETH_FOREACH_DEV(id)
    {
        if (!before[id]) {
            dpp->port_id = id;
            return 0;
        }
    }
    /* Probed before (by EAL's own scan, or -EEXIST): the port that matches. */
    if (rte_eth_iterator_init(&it, dpp->devargs) == 0) {
        id = rte_eth_iterator_next(&it);
        rte_eth_iterator_cleanup(&it);
        if (id != RTE_MAX_ETHPORTS) {
            dpp->port_id = id;
            return 0;
        }
    }
    snprintf(err, errlen, "dpdk: interface %s: dev=%s: probed, but it has no ethdev port",
             dpp->port.name, dpp->devargs);
    return -KE_NODEV;
}

/* ---------------------------------------------------------- configure */

/* Configure queues and the pool; 0 or -KE_* with @err. */
static int configure(struct dpdk_port *dpp, const struct dpdk_params *pp,
                     const struct rte_eth_dev_info *info, char *err, size_t errlen)
{
    struct rte_eth_conf conf;
    const char *ifn = dpp->port.name;
    char pname[32];
    uint32_t count, room;
    unsigned long frame;
    uint16_t mtu;
    int socket = rte_eth_dev_socket_id(dpp->port_id);
    int rc;

    if (socket < 0)
        socket = SOCKET_ID_ANY;
    if (pp->queues > info->max_rx_queues || info->max_tx_queues < 1) {
        snprintf(err, errlen, "dpdk: interface %s: queues=%llu: device %s has %u receive queues",
                 ifn, (unsigned long long)pp->queues, dpp->dev_name, info->max_rx_queues);
        return -KE_RANGE;
    }
    if (pp->has_mtu)
        mtu = (uint16_t)pp->mtu;
    else if (rte_eth_dev_get_mtu(dpp->port_id, &mtu) != 0 || mtu < 68 || mtu > 9000)
        mtu = 1500;
    if (mtu < info->min_mtu || mtu > info->max_mtu) {
        snprintf(err, errlen, "dpdk: interface %s: mtu=%u: device %s takes %u..%u", ifn, mtu,
                 dpp->dev_name, info->min_mtu, info->max_mtu);
        return -KE_RANGE;
    }
    dpp->port.mtu = mtu;
    dpp->max_frame = (uint16_t)(mtu + DPDK_FRAME_OVERHEAD);
    dpp->nb_rxq = (uint16_t)pp->queues;

    memset(&conf, 0, sizeof(conf));
    conf.rxmode.mtu = mtu;
    conf.intr_conf.rxq = pp->idle == DPDK_IDLE_ADAPTIVE;
    rc = rte_eth_dev_configure(dpp->port_id, dpp->nb_rxq, 1, &conf);
    if (rc < 0 && conf.intr_conf.rxq) {
        conf.intr_conf.rxq = 0; /* no receive interrupts: the timer back-off serves */
        rc = rte_eth_dev_configure(dpp->port_id, dpp->nb_rxq, 1, &conf);
    }
    if (rc < 0) {
        snprintf(err, errlen, "dpdk: interface %s: device %s: configure: %s", ifn, dpp->dev_name,
                 strerror(-rc));
        return -KE_IO;
    }
    dpp->configured = true;
    if (pp->has_mtu && (rc = rte_eth_dev_set_mtu(dpp->port_id, mtu)) < 0) {
        snprintf(err, errlen, "dpdk: interface %s: device %s: mtu=%u: %s", ifn, dpp->dev_name, mtu,
                 strerror(-rc));
        return -KE_IO;
    }
    dpp->nb_rxd = (uint16_t)pp->rxd;
    dpp->nb_txd = (uint16_t)pp->txd;
    (void)rte_eth_dev_adjust_nb_rx_tx_desc(dpp->port_id, &dpp->nb_rxd, &dpp->nb_txd);

    count = pp->pool ? (uint32_t)pp->pool
                     : 2u * ((uint32_t)dpp->nb_rxd * dpp->nb_rxq + dpp->nb_txd) + DPDK_POOL_SLACK;
    if (count < DPDK_POOL_MIN && pp->pool == 0)
        count = DPDK_POOL_MIN;
    room = dpp->max_frame < 2048u ? 2048u : RTE_ALIGN_CEIL((uint32_t)dpp->max_frame, 64u);
    frame = af_packet_framesz(info->driver_name, dpp->devargs);
    if (frame > UINT16_MAX - RTE_PKTMBUF_HEADROOM - 64u) {
        snprintf(err, errlen, "dpdk: interface %s: framesz=%lu: buffers hold at most %u bytes", ifn,
                 frame, UINT16_MAX - RTE_PKTMBUF_HEADROOM - 64u);
        return -KE_RANGE;
    }
    if (frame > room)
        room = RTE_ALIGN_CEIL((uint32_t)frame, 64u);
    if (frame != 0 && frame < 4096u)
        KINFO("dpdk",
              "%s: net_af_packet framesz=%lu: IP datagrams the kernel reassembles for "
              "it beyond %lu bytes arrive cut short; framesz=4096 or more for fragments (dpdk.h)",
              ifn, frame, frame - 32u);
    snprintf(pname, sizeof(pname), "dpdk-%s", ifn);
    dpp->dp = dpdk_pool_create(pname, count, (uint16_t)room, socket, err, errlen);
    if (dpp->dp == NULL)
        return -KE_NOMEM;
    dpp->port.pool = dpp->dp->pool;
    snprintf(pname, sizeof(pname), "dpdkw-%s", ifn);
    dpp->wrap_mp = dpdk_wrap_pool_create(pname, dpp->nb_txd + 2u * DPDK_BURST, socket);
    if (dpp->wrap_mp == NULL) {
        snprintf(err, errlen, "dpdk: interface %s: header pool: %s", ifn, rte_strerror(rte_errno));
        return -KE_NOMEM;
    }
    for (uint16_t q = 0; q < dpp->nb_rxq; q++) {
        rc = rte_eth_rx_queue_setup(dpp->port_id, q, dpp->nb_rxd, (unsigned)socket, NULL,
                                    dpp->dp->mp);
        if (rc < 0) {
            snprintf(err, errlen, "dpdk: interface %s: device %s: receive queue %u: %s", ifn,
                     dpp->dev_name, q, strerror(-rc));
            return -KE_IO;
        }
    }
    rc = rte_eth_tx_queue_setup(dpp->port_id, 0, dpp->nb_txd, (unsigned)socket, NULL);
    if (rc < 0) {
        snprintf(err, errlen, "dpdk: interface %s: device %s: transmit queue: %s", ifn,
                 dpp->dev_name, strerror(-rc));
        return -KE_IO;
    }
    return 0;
}

/* ------------------------------------------------------------ the ops */

static int dpdk_start(struct kport *port)
{
    struct dpdk_port *dpp = port->priv;
    struct rte_ether_addr mac;
    struct rte_eth_link link;
    struct dpdk_log_capture cap;
    char said[100];
    int rc;

    if (dpp->started)
        return 0;
    dpdk_log_capture_begin(&cap);
    rc = rte_eth_dev_start(dpp->port_id);
    dpdk_log_capture_end(&cap, said, sizeof(said));
    if (rc < 0) {
        dpdk_fmt(port->error, sizeof(port->error), "dpdk: %s: device %s: start: %s%s%s", port->name,
                 dpp->dev_name, strerror(-rc), said[0] ? ": " : "", said);
        return -KE_IO;
    }
    /* The interface's MAC (mac= of the configuration, netif_create) is the
     * device's unicast filter; where the device refuses it, promiscuous.
     * A host interface is the peer's link, not ours: its address stays. */
    if (!dpp->host_link && rte_eth_macaddr_get(dpp->port_id, &mac) == 0 &&
        memcmp(mac.addr_bytes, port->mac, 6) != 0) {
        memcpy(mac.addr_bytes, port->mac, 6);
        rc = rte_eth_dev_default_mac_addr_set(dpp->port_id, &mac);
        if (rc < 0 && !dpp->promisc) {
            KWARN("dpdk",
                  "%s: device %s refuses MAC %02x:%02x:%02x:%02x:%02x:%02x (%s): "
                  "promiscuous mode instead",
                  port->name, dpp->dev_name, port->mac[0], port->mac[1], port->mac[2], port->mac[3],
                  port->mac[4], port->mac[5], strerror(-rc));
            dpp->promisc = true;
        }
    }
    rc = dpp->promisc ? rte_eth_promiscuous_enable(dpp->port_id)
                      : rte_eth_promiscuous_disable(dpp->port_id);
    if (rc < 0 && rc != -ENOTSUP)
        KWARN("dpdk", "%s: promiscuous %s: %s", port->name, dpp->promisc ? "on" : "off",
              strerror(-rc));
    rc = dpp->allmulti ? rte_eth_allmulticast_enable(dpp->port_id)
                       : rte_eth_allmulticast_disable(dpp->port_id);
    if (rc < 0 && rc != -ENOTSUP)
        KWARN("dpdk", "%s: allmulti %s: %s", port->name, dpp->allmulti ? "on" : "off",
              strerror(-rc));
    if (rte_eth_link_get_nowait(dpp->port_id, &link) == 0)
        port->link_up = link.link_status == RTE_ETH_LINK_UP;
    rc = dpdk_idle_start(&dpp->idle, port, dpp->port_id, dpp->nb_rxq, kclock_now_ns());
    if (rc < 0) {
        (void)rte_eth_dev_stop(dpp->port_id);
        return rc;
    }
    if (dpp->idle.mode == DPDK_IDLE_ADAPTIVE)
        KINFO("dpdk", "%s: idle=adaptive: asleep, woken by %s", port->name,
              dpp->idle.have_intr ? "the receive interrupt"
                                  : "a backing-off timer (the PMD has no receive interrupt)");
    dpp->started = true;
    dpp->next_stats_ns = 0;
    dpdk_tx_start(dpp);
    return 0;
}

static void dpdk_stop(struct kport *port)
{
    struct dpdk_port *dpp = port->priv;

    if (!dpp->started)
        return;
    dpdk_tx_stop(dpp);
    dpdk_port_refresh(dpp); /* the last statistics, for the report at exit */
    dpdk_idle_stop(&dpp->idle, port);
    (void)rte_eth_dev_stop(dpp->port_id);
    dpp->started = false;
    port->link_up = false;
}

static void dpdk_close(struct kport *port)
{
    struct dpdk_port *dpp = port->priv;
    struct rte_eth_dev_info info;
    struct rte_device *dev = NULL;

    dpdk_stop(port);
    kport_detach(port);
    kstats_unregister(&dpp->stats);
    if (dpp->port_id < RTE_MAX_ETHPORTS && port_in_use[dpp->port_id]) {
        if (rte_eth_dev_info_get(dpp->port_id, &info) == 0)
            dev = info.device;
        /* Releases the queues: every mbuf in a ring goes back to its pool. */
        if (dpp->configured || dpp->hotplugged)
            (void)rte_eth_dev_close(dpp->port_id);
        if (dpp->hotplugged && dev != NULL && rte_dev_remove(dev) < 0)
            KWARN("dpdk", "%s: device %s: hot-unplug failed", port->name, dpp->dev_name);
        port_in_use[dpp->port_id] = false;
    }
    if (dpp->wrap_mp != NULL)
        rte_mempool_free(dpp->wrap_mp);
    if (dpp->dp != NULL && dpdk_pool_destroy(dpp->dp) < 0)
        KDEBUG("dpdk", "%s: buffers still out at close: pool kept until they are back", port->name);
    free(dpp);
}

static const struct kport_ops dpdk_ops = {
    .start = dpdk_start,
    .stop = dpdk_stop,
    .rx_burst = dpdk_rx_burst,
    .tx_burst = dpdk_tx_burst,
    .close = dpdk_close,
};

static int dpdk_open(const struct kdriver_args *a, struct kport **out, char *err, size_t errlen)
{
    struct dpdk_params pp;
    struct dpdk_port *dpp;
    struct rte_eth_dev_info info;
    struct rte_ether_addr mac;
    int rc;

    rc = parse_params(a, &pp, err, errlen);
    if (rc < 0)
        return rc;
    rc = dpdk_eal_ensure(NULL, err, errlen); /* up already when a dpdk line started it */
    if (rc < 0)
        return rc;
    dpp = calloc(1, sizeof(*dpp));
    if (dpp == NULL) {
        snprintf(err, errlen, "dpdk: interface %s: out of memory", a->ifname);
        return -KE_NOMEM;
    }
    dpp->port.ops = &dpdk_ops;
    dpp->port.priv = dpp;
    dpp->port.driver = "dpdk";
    snprintf(dpp->port.name, sizeof(dpp->port.name), "%s", a->ifname);
    dpp->port.wait_fd = -1;
    dpp->port_id = RTE_MAX_ETHPORTS;
    dpp->promisc = pp.promisc;
    dpp->allmulti = pp.allmulti;
    snprintf(dpp->devargs, sizeof(dpp->devargs), "%s", pp.dev);
    dpdk_idle_init(&dpp->idle, pp.idle, pp.idle_after_us * 1000u, pp.sleep_max_us * 1000u);

    rc = probe(dpp, err, errlen);
    if (rc < 0)
        goto fail;
    if (port_in_use[dpp->port_id]) {
        snprintf(err, errlen, "dpdk: interface %s: dev=%s: that device is another interface's",
                 a->ifname, pp.dev);
        dpp->hotplugged = false; /* not ours to remove */
        dpp->port_id = RTE_MAX_ETHPORTS;
        rc = -KE_EXIST;
        goto fail;
    }
    port_in_use[dpp->port_id] = true;
    if (rte_eth_dev_get_name_by_port(dpp->port_id, dpp->dev_name) != 0)
        snprintf(dpp->dev_name, sizeof(dpp->dev_name), "port %u", dpp->port_id);
    rc = rte_eth_dev_info_get(dpp->port_id, &info);
    if (rc < 0) {
        snprintf(err, errlen, "dpdk: interface %s: device %s: %s", a->ifname, dpp->dev_name,
                 strerror(-rc));
        rc = -KE_IO;
        goto fail;
    }
    dpp->wrap_foreign = cpu_copying_pmd(info.driver_name);
    dpp->host_link = host_link_pmd(info.driver_name);
    if (!pp.has_promisc)
        dpp->promisc = dpp->host_link;
    rc = configure(dpp, &pp, &info, err, errlen);
    if (rc < 0)
        goto fail;
    if (rte_eth_macaddr_get(dpp->port_id, &mac) == 0)
        memcpy(dpp->port.mac, mac.addr_bytes, 6);
    snprintf(dpp->stat_node, sizeof(dpp->stat_node), "dpdk:%s", a->ifname);
    dpp->stats.node = dpp->stat_node;
    dpp->stats.names = dpdk_ctr_names;
    dpp->stats.values = dpp->ctr;
    dpp->stats.n = DPDK_NCTR;
    kstats_register(&dpp->stats);
    KINFO("dpdk",
          "%s: device %s (%s), %u rx queue(s) x %u, tx %u descriptors, pool %u x %u "
          "bytes, idle=%s",
          a->ifname, dpp->dev_name, info.driver_name, dpp->nb_rxq, dpp->nb_rxd, dpp->nb_txd,
          dpp->dp->count, dpp->dp->block_size, pp.idle == DPDK_IDLE_POLL ? "poll" : "adaptive");
    *out = &dpp->port;
    return 0;
fail:
    dpdk_close(&dpp->port);
    return rc;
}

/** The "dpdk" driver class: ports on DPDK poll-mode drivers (dpdk.h). */
const struct kdriver dpdk_driver = {
    .name = "dpdk",
    .open = dpdk_open,
};
KDRIVER_REGISTER(dpdk_driver);
