/*
 * drivers/pcap/pcap_file.c — the hosted "pcap-file" driver: deterministic
 * offline replay. Receive reads the frames of a capture file; transmit
 * writes frames to another capture file; time follows the trace.
 *
 *   interface eth0 driver=pcap-file in=trace.pcap out=sent.pcap [mtu=N] [mac=...]
 *
 * in=   the capture to replay (pcap, microsecond or nanosecond, or pcapng),
 *       link type Ethernet (DLT_EN10MB) only (required)
 * out=  where transmitted frames go, a pcap of link type Ethernet with
 *       snaplen 65535 and the timestamp precision of in= (nanosecond if in=
 *       is a nanosecond pcap, microsecond otherwise) (required; truncated)
 * mtu=  IP MTU, 68..9000 (default 1500)
 * mac=  the port's address (default 02:00:00:01:00:00 + instance, so that it
 *       differs from the live pcap driver's default)
 *
 * Time. While a pcap-file port is started, kclock_now_ns() is the replay
 * clock of drivers/pcap/replay_clock.h, shared by all pcap-file ports of the
 * process: frames of several ports are merged by timestamp; the clock stops
 * at each frame's timestamp (ns since the Unix epoch) and at every timer
 * deadline before it, so timers due between two frames run before the later
 * frame is delivered. A frame whose timestamp is earlier than the clock
 * (out of order in its file) is delivered at the clock's time and counted
 * rx_late. Each received buffer's rx_ns is its delivery time; each
 * transmitted frame is written with the current replay time.
 *
 * End of input. The next record is read as soon as the previous one is
 * delivered, so the rx_burst call that delivers the last frame (or start(),
 * for an empty trace) finds the end and sets port->done, flushing out=.
 * The main loop (appliance_poll) still processes that burst and runs the
 * timers due at its time before it checks appliance_done(); setting done
 * there rather than one call later spares the loop an idle wait. No grace
 * period of trace time is added after the last frame: the protocols answer
 * synchronously (ARP replies, echo replies), and timers due later than the
 * last frame (ARP cache expiry, retransmissions) are not part of the
 * replayed trace's expected output. A truncated last record is counted
 * (read_errors, rx_errors) and ends the input.
 *
 * wait_fd is -1 and no_idle is set: a replay never idle-waits; the main loop keeps polling
 * while a replay port is not done.
 *
 * Sources: pcap-savefile(5) and the pcap/pcapng file formats
 * (draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng), pcap_open_offline(3PCAP),
 * pcap_open_dead(3PCAP), pcap_dump_open(3PCAP).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "drivers/pcap/pcap_common.h"
#include "drivers/pcap/pcap_drivers.h"
#include "drivers/pcap/replay_clock.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/log.h"
#include "kernel/port.h"

struct pcap_file {
    struct pcap_port c; /* first: port.priv points here */
    pcap_t *in;         /* the trace, read with nanosecond timestamps */
    pcap_t *dead;       /* the handle out= is written through */
    pcap_dumper_t *dumper;
    bool nano_out; /* out= has nanosecond timestamps */
    bool started;
    bool stopped;  /* stopped after a start: transmit drops */
    bool eof;      /* the input is exhausted */
    bool has_head; /* head_hdr/head_data hold the next frame */
    struct pcap_pkthdr head_hdr;
    const u_char *head_data; /* libpcap's, valid until the next read */
    uint64_t head_ts_ns;     /* the head's trace timestamp */
    struct replay_src src;
    char in_name[96]; /* for messages */
    char out_name[96];
};

/* pcap nanosecond-precision record time as ns since the epoch (negative: 0). */
static uint64_t pcap_file_ts_ns(const struct pcap_pkthdr *h)
{
    if (h->ts.tv_sec < 0)
        return 0;
    return (uint64_t)h->ts.tv_sec * KNS_PER_S + (uint64_t)h->ts.tv_usec;
}

/* Offer the head to the replay clock; count it if it is late. */
static void pcap_file_offer(struct pcap_file *pf)
{
    uint64_t late = pf->src.late;

    replay_clock_offer(&pf->src, pf->head_ts_ns);
    pf->c.ctr[PCAP_CTR_RX_LATE] += pf->src.late - late;
}

static void pcap_file_flush(struct pcap_file *pf)
{
    if (pf->dumper != NULL && pcap_dump_flush(pf->dumper) != 0) {
        pf->c.ctr[PCAP_CTR_TX_ERRORS]++;
        pf->c.port.tx_errors++;
        KWARN("pcap-file", "out=%s: write failed: %s", pf->out_name, strerror(errno));
    }
}

/* Read the next record into the head and offer it; at the end, retire and set done. */
static void pcap_file_read_next(struct pcap_file *pf)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;

    pf->has_head = false;
    if (pf->eof)
        return;
    rc = pcap_next_ex(pf->in, &h, &data);
    if (rc == 1) {
        pf->head_hdr = *h;
        pf->head_data = data;
        pf->head_ts_ns = pcap_file_ts_ns(h);
        pf->has_head = true;
        pcap_file_offer(pf);
        return;
    }
    if (rc != PCAP_ERROR_BREAK) {
        pf->c.ctr[PCAP_CTR_READ_ERRORS]++;
        pf->c.port.rx_errors++;
        KWARN("pcap-file", "in=%s: %s; input ends here", pf->in_name,
              rc == PCAP_ERROR ? pcap_geterr(pf->in) : "unexpected read status");
    }
    pf->eof = true;
    replay_clock_retire(&pf->src);
    pf->c.port.done = true;
    pcap_file_flush(pf);
}

static uint16_t pcap_file_rx_burst(struct kport *port, struct pktbuf **pkts, uint16_t max)
{
    struct pcap_file *pf = port->priv;
    uint16_t n = 0;

    if (!pf->started || max == 0 || !pf->has_head)
        return 0;
    /* At most max records consumed per call, delivered or counted. */
    for (uint16_t consumed = 0; consumed < max; consumed++) {
        struct pktbuf *p;

        if (replay_clock_step(&pf->src, n == 0) != REPLAY_DELIVER)
            break;
        p = pcap_rx_frame(&pf->c, pf->head_data, pf->head_hdr.caplen, pf->head_hdr.len,
                          kclock_now_ns());
        if (p != NULL)
            pkts[n++] = p;
        pcap_file_read_next(pf);
    }
    if (n > 0)
        pf->c.ctr[PCAP_CTR_RX_BURSTS]++;
    return n;
}

static uint16_t pcap_file_tx_burst(struct kport *port, struct pktbuf **pkts, uint16_t n)
{
    struct pcap_file *pf = port->priv;
    for (uint16_t i = 0; i < n; i++) {
        struct pktbuf *p = pkts[i];

        if (pf->stopped || pf->dumper == NULL) {
            pf->c.ctr[PCAP_CTR_TX_STOPPED]++;
            port->tx_dropped++;
        } else {
            uint64_t now = kclock_now_ns();
            struct pcap_pkthdr h;

            memset(&h, 0, sizeof(h));
            h.ts.tv_sec = (time_t)(now / KNS_PER_S);
            h.ts.tv_usec =
                (suseconds_t)(pf->nano_out ? now % KNS_PER_S : now % KNS_PER_S / KNS_PER_US);
            h.caplen = p->len;
            h.len = p->len;
            pcap_dump((u_char *)pf->dumper, &h, pkt_data(p));
            port->tx_packets++;
            port->tx_bytes += p->len;
        }
        pkt_free(p);
    }
    return n; /* every frame taken: sent, or dropped for an error and counted */
}

static int pcap_file_start(struct kport *port)
{
    struct pcap_file *pf = port->priv;

    if (pf->started)
        return 0;
    replay_clock_attach(&pf->src);
    if (pf->has_head)
        pcap_file_offer(pf); /* restarted: the head read before the stop */
    else
        pcap_file_read_next(pf);
    pf->started = true;
    pf->stopped = false;
    port->link_up = true;
    return 0;
}

static void pcap_file_stop(struct kport *port)
{
    struct pcap_file *pf = port->priv;

    if (!pf->started)
        return;
    replay_clock_detach(&pf->src);
    pf->started = false;
    pf->stopped = true;
    port->link_up = false;
    pcap_file_flush(pf);
}

static void pcap_file_close(struct kport *port)
{
    struct pcap_file *pf = port->priv;

    pcap_file_stop(port);
    if (pf->dumper != NULL) {
        pcap_file_flush(pf);
        pcap_dump_close(pf->dumper);
    }
    if (pf->dead != NULL)
        pcap_close(pf->dead);
    if (pf->in != NULL)
        pcap_close(pf->in);
    pcap_port_free(&pf->c);
}

static const struct kport_ops pcap_file_ops = {
    .start = pcap_file_start,
    .stop = pcap_file_stop,
    .rx_burst = pcap_file_rx_burst,
    .tx_burst = pcap_file_tx_burst,
    .close = pcap_file_close,
};

/*
 * Open in= for reading with nanosecond timestamps and check it is Ethernet.
 * Also tells whether it is a nanosecond pcap (magic 0xa1b23c4d, either byte
 * order) and refuses out= naming the same file (it would be truncated).
 */
static int pcap_file_open_in(struct pcap_file *pf, const char *in, const char *out, char *err,
                             size_t errlen)
{
    static const uint8_t nano_be[4] = { 0xa1, 0xb2, 0x3c, 0x4d };
    static const uint8_t nano_le[4] = { 0x4d, 0x3c, 0xb2, 0xa1 };
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    uint8_t magic[4] = { 0, 0, 0, 0 };
    struct stat st_in, st_out;
    FILE *fp;
    int link;

    fp = fopen(in, "rb");
    if (fp == NULL) {
        int e = errno;

        snprintf(err, errlen, "pcap-file: in=%s: %s", in, strerror(e));
        return e == ENOENT ? -KE_NOENT : -KE_IO;
    }
    if (fstat(fileno(fp), &st_in) == 0 && stat(out, &st_out) == 0 &&
        st_in.st_dev == st_out.st_dev && st_in.st_ino == st_out.st_ino) {
        fclose(fp);
        snprintf(err, errlen, "pcap-file: out=%s: is the in= file; it would be overwritten", out);
        return -KE_INVAL;
    }
    if (fread(magic, 1, sizeof(magic), fp) == sizeof(magic))
        pf->nano_out = memcmp(magic, nano_be, 4) == 0 || memcmp(magic, nano_le, 4) == 0;
    rewind(fp);
    pf->in = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (pf->in == NULL) {
        fclose(fp); /* libpcap leaves the stream to its caller on failure */
        snprintf(err, errlen, "pcap-file: in=%s: %s", in, errbuf);
        return -KE_INVAL;
    }
    link = pcap_datalink(pf->in);
    if (link != DLT_EN10MB) {
        const char *name = pcap_datalink_val_to_name(link);
        const char *what = pcap_datalink_val_to_description(link);

        snprintf(err, errlen, "pcap-file: in=%s: link type %d (%s%s%s) is not Ethernet (EN10MB)",
                 in, link, name != NULL ? name : "unknown", what != NULL ? ", " : "",
                 what != NULL ? what : "");
        return -KE_NOTSUP;
    }
    return 0;
}

static int pcap_file_open(const struct kdriver_args *a, struct kport **out, char *err,
                          size_t errlen)
{
    static const char *const known[] = { "in", "out", NULL };
    static const uint8_t mac_base[6] = { 0x02, 0, 0, 0x01, 0, 0 };
    struct pcap_file *pf;
    const char *in, *outname;
    int rc;

    rc = pcap_params_check("pcap-file", a, known, err, errlen);
    if (rc < 0)
        return rc;
    in = kparams_get(a->params, "in");
    outname = kparams_get(a->params, "out");
    if (in == NULL || in[0] == '\0') {
        snprintf(err, errlen, "pcap-file: interface %s: missing in=FILE (the trace to replay)",
                 a->ifname);
        return -KE_INVAL;
    }
    if (outname == NULL || outname[0] == '\0') {
        snprintf(err, errlen,
                 "pcap-file: interface %s: missing out=FILE (where transmitted frames go)",
                 a->ifname);
        return -KE_INVAL;
    }
    pf = (struct pcap_file *)pcap_port_new(sizeof(*pf), "pcap-file", a, mac_base, &rc, err, errlen);
    if (pf == NULL)
        return rc;
    pf->c.port.ops = &pcap_file_ops;
    pf->c.port.no_idle = true; /* a replay always has work until done: never idle-wait */
    snprintf(pf->in_name, sizeof(pf->in_name), "%s", in);
    snprintf(pf->out_name, sizeof(pf->out_name), "%s", outname);

    rc = pcap_file_open_in(pf, in, outname, err, errlen);
    if (rc == 0) {
        pf->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535,
                                                        pf->nano_out ? PCAP_TSTAMP_PRECISION_NANO
                                                                     : PCAP_TSTAMP_PRECISION_MICRO);
        if (pf->dead == NULL) {
            snprintf(err, errlen, "pcap-file: out=%s: out of memory", outname);
            rc = -KE_NOMEM;
        }
    }
    if (rc == 0) {
        pf->dumper = pcap_dump_open(pf->dead, outname);
        if (pf->dumper == NULL) {
            const char *why = pcap_geterr(pf->dead);
            size_t nl = strlen(outname);

            /* libpcap says "FILE: reason"; name the file once. */
            if (strncmp(why, outname, nl) == 0 && why[nl] == ':' && why[nl + 1] == ' ')
                why += nl + 2;
            snprintf(err, errlen, "pcap-file: out=%s: %s", outname, why);
            rc = -KE_IO;
        }
    }
    if (rc < 0) {
        pcap_file_close(&pf->c.port);
        return rc;
    }
    *out = &pf->c.port;
    return 0;
}

/** The "pcap-file" driver class: replay in= in trace time, write transmissions to out=. */
const struct kdriver pcap_file_driver = {
    .name = "pcap-file",
    .open = pcap_file_open,
};
KDRIVER_REGISTER(pcap_file_driver);
