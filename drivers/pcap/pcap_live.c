/*
 * drivers/pcap/pcap_live.c — the hosted "pcap" driver: a port on a Linux
 * network interface through libpcap live capture (receive) and pcap_inject
 * (transmit). The usual device is one end of a veth pair or a TAP.
 *
 *   interface eth0 driver=pcap device=veth-app [snaplen=N] [mtu=N] [mac=...]
 *
 * device=   host interface to capture on and inject into (required)
 * snaplen=  bytes captured per frame, 64..262144 (default 65535); a frame
 *           longer than that arrives truncated and is counted rx_truncated
 * mtu=      IP MTU reported to the interface, 68..9000 (default 1500)
 * mac=      the port's address (default 02:00:00:00:00:00 + instance); the
 *           appliance owns its MAC, so the host interface is put in
 *           promiscuous mode and its own address is not used
 *
 * The handle is activated at open so that a configuration naming a missing
 * device fails before anything starts, with libpcap's reason. Capture is
 * immediate (no batching delay), direction "in" only (our own injected
 * frames are not received back), non-blocking; port->wait_fd is the
 * selectable descriptor for the hosted arch_idle.
 *
 * Frames a veth peer sends with checksum offload may carry partial
 * checksums and, with GSO/GRO, exceed the MTU; lab setups turn offloads off
 * on the peer (ethtool -K PEER tx off tso off gso off gro off).
 *
 * Sources: pcap_create(3PCAP), pcap_activate(3PCAP), pcap_setdirection(3PCAP),
 * pcap_dispatch(3PCAP), pcap_inject(3PCAP), pcap_get_selectable_fd(3PCAP).
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "drivers/pcap/pcap_common.h"
#include "drivers/pcap/pcap_drivers.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/log.h"
#include "kernel/port.h"

/** Kernel capture buffer per port, bytes: about 2000 full-size frames. */
#define PCAP_LIVE_BUFFER_BYTES (4u << 20)

struct pcap_live {
    struct pcap_port c; /* first: port.priv points here */
    pcap_t *handle;
    char device[64];
    bool started;
    bool read_failing; /* the last read failed: log once per streak */
};

/* Receive context handed to pcap_dispatch's callback. */
struct pcap_live_rx {
    struct pcap_live *pl;
    struct pktbuf **pkts;
    uint16_t n;
};

static void pcap_live_rx_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct pcap_live_rx *rx = (struct pcap_live_rx *)(void *)user;
    struct pktbuf *p = pcap_rx_frame(&rx->pl->c, bytes, h->caplen, h->len, kclock_now_ns());

    if (p != NULL)
        rx->pkts[rx->n++] = p;
}

static uint16_t pcap_live_rx_burst(struct kport *port, struct pktbuf **pkts, uint16_t max)
{
    struct pcap_live *pl = port->priv;
    struct pcap_live_rx rx = { .pl = pl, .pkts = pkts, .n = 0 };
    int rc;

    if (!pl->started || max == 0)
        return 0;
    /* pcap_dispatch hands over at most max frames; each adds at most one buffer. */
    rc = pcap_dispatch(pl->handle, max, pcap_live_rx_cb, (u_char *)&rx);
    if (rc < 0 && rc != PCAP_ERROR_BREAK) {
        pl->c.ctr[PCAP_CTR_READ_ERRORS]++;
        port->rx_errors++;
        if (!pl->read_failing)
            KWARN("pcap", "device %s: read failed: %s", pl->device, pcap_geterr(pl->handle));
        pl->read_failing = true;
    } else {
        pl->read_failing = false;
    }
    if (rx.n > 0)
        pl->c.ctr[PCAP_CTR_RX_BURSTS]++;
    return rx.n;
}

static uint16_t pcap_live_tx_burst(struct kport *port, struct pktbuf **pkts, uint16_t n)
{
    struct pcap_live *pl = port->priv;
    for (uint16_t i = 0; i < n; i++) {
        struct pktbuf *p = pkts[i];

        if (!pl->started) {
            pl->c.ctr[PCAP_CTR_TX_STOPPED]++;
            port->tx_dropped++;
        } else if (pcap_inject(pl->handle, pkt_data(p), p->len) != (int)p->len) {
            pl->c.ctr[PCAP_CTR_TX_ERRORS]++;
            port->tx_errors++;
        } else {
            port->tx_packets++;
            port->tx_bytes += p->len;
        }
        pkt_free(p);
    }
    return n; /* every frame taken: sent, or dropped for an error and counted */
}

static int pcap_live_start(struct kport *port)
{
    struct pcap_live *pl = port->priv;

    pl->started = true;
    port->link_up = true;
    return 0;
}

static void pcap_live_stop(struct kport *port)
{
    struct pcap_live *pl = port->priv;

    pl->started = false;
    port->link_up = false;
}

static void pcap_live_close(struct kport *port)
{
    struct pcap_live *pl = port->priv;

    pcap_live_stop(port);
    if (pl->handle != NULL)
        pcap_close(pl->handle);
    pcap_port_free(&pl->c);
}

static const struct kport_ops pcap_live_ops = {
    .start = pcap_live_start,
    .stop = pcap_live_stop,
    .rx_burst = pcap_live_rx_burst,
    .tx_burst = pcap_live_tx_burst,
    .close = pcap_live_close,
};

/* The kerr code for a pcap_activate() failure status. */
static int pcap_status_kerr(int status)
{
    switch (status) {
    case PCAP_ERROR_NO_SUCH_DEVICE: return -KE_NODEV;
    case PCAP_ERROR_PERM_DENIED:
    case PCAP_ERROR_PROMISC_PERM_DENIED: return -KE_PERM;
    case PCAP_ERROR_IFACE_NOT_UP: return -KE_AGAIN;
    default: return -KE_IO;
    }
}

/* Configure and activate the handle; 0 or -KE_* with @err naming the device. */
static int pcap_live_activate(struct pcap_live *pl, uint64_t snaplen, char *err, size_t errlen)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *h;
    int status;

    h = pcap_create(pl->device, errbuf);
    if (h == NULL) {
        snprintf(err, errlen, "pcap: device %s: %s", pl->device, errbuf);
        return -KE_NODEV;
    }
    pl->handle = h;
    if (pcap_set_snaplen(h, (int)snaplen) != 0 || pcap_set_promisc(h, 1) != 0 ||
        pcap_set_immediate_mode(h, 1) != 0 ||
        pcap_set_buffer_size(h, (int)PCAP_LIVE_BUFFER_BYTES) != 0) {
        snprintf(err, errlen, "pcap: device %s: cannot set capture options", pl->device);
        return -KE_IO;
    }
    status = pcap_activate(h);
    if (status < 0) {
        const char *why = pcap_geterr(h);

        /* libpcap fills an empty reason with the status text itself. */
        if (status == PCAP_ERROR || why == NULL || why[0] == '\0' ||
            strcmp(why, pcap_statustostr(status)) == 0)
            snprintf(err, errlen, "pcap: device %s: %s", pl->device,
                     status == PCAP_ERROR ? why : pcap_statustostr(status));
        else
            snprintf(err, errlen, "pcap: device %s: %s (%s)", pl->device, pcap_statustostr(status),
                     why);
        return pcap_status_kerr(status);
    }
    if (status > 0)
        KWARN("pcap", "device %s: %s: %s", pl->device, pcap_statustostr(status), pcap_geterr(h));
    if (pcap_datalink(h) != DLT_EN10MB) {
        const char *name = pcap_datalink_val_to_name(pcap_datalink(h));

        snprintf(err, errlen, "pcap: device %s: link type %s is not Ethernet (EN10MB)", pl->device,
                 name != NULL ? name : "unknown");
        return -KE_NOTSUP;
    }
    if (pcap_setdirection(h, PCAP_D_IN) != 0) {
        snprintf(err, errlen, "pcap: device %s: cannot capture inbound only: %s", pl->device,
                 pcap_geterr(h));
        return -KE_NOTSUP;
    }
    if (pcap_setnonblock(h, 1, errbuf) != 0) {
        snprintf(err, errlen, "pcap: device %s: cannot make non-blocking: %s", pl->device, errbuf);
        return -KE_IO;
    }
    pl->c.port.wait_fd = pcap_get_selectable_fd(h);
    return 0;
}

static int pcap_live_open(const struct kdriver_args *a, struct kport **out, char *err,
                          size_t errlen)
{
    static const char *const known[] = { "device", "snaplen", NULL };
    static const uint8_t mac_base[6] = { 0x02, 0, 0, 0, 0, 0 };
    struct pcap_live *pl;
    const char *device;
    uint64_t snaplen;
    int rc;

    rc = pcap_params_check("pcap", a, known, err, errlen);
    if (rc < 0)
        return rc;
    device = kparams_get(a->params, "device");
    if (device == NULL || device[0] == '\0') {
        snprintf(err, errlen,
                 "pcap: interface %s: missing device=IFNAME (the host interface to capture on)",
                 a->ifname);
        return -KE_INVAL;
    }
    if (strlen(device) >= sizeof(pl->device)) {
        snprintf(err, errlen, "pcap: interface %s: device=%s: name too long", a->ifname, device);
        return -KE_INVAL;
    }
    rc = kparams_get_u64(a->params, "snaplen", 65535, 64, 262144, &snaplen);
    if (rc < 0) {
        snprintf(err, errlen,
                 "pcap: interface %s: snaplen=%s: not a number of bytes in [64, 262144]", a->ifname,
                 kparams_get(a->params, "snaplen"));
        return rc;
    }
    pl = (struct pcap_live *)pcap_port_new(sizeof(*pl), "pcap", a, mac_base, &rc, err, errlen);
    if (pl == NULL)
        return rc;
    pl->c.port.ops = &pcap_live_ops;
    snprintf(pl->device, sizeof(pl->device), "%s", device);
    rc = pcap_live_activate(pl, snaplen, err, errlen);
    if (rc < 0) {
        pcap_live_close(&pl->c.port);
        return rc;
    }
    *out = &pl->c.port;
    return 0;
}

/** The "pcap" driver class: live capture and injection on a host interface. */
const struct kdriver pcap_driver = {
    .name = "pcap",
    .open = pcap_live_open,
};
KDRIVER_REGISTER(pcap_driver);
