/*
 * tests/unit/drivers/test_pcap_file.c — the pcap-file replay driver:
 * frames in file order at their trace times, kclock following the trace,
 * timers between frames, merging of two ports, the done flag, transmitted
 * frames in out=, the counted bad records and the error messages.
 */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/pktbuf.h"
#include "kernel/port.h"
#include "kernel/stats.h"
#include "kernel/timer.h"
#include "drivers/pcap/replay_clock.h"
#include "pcapkit.h"

/* 2026-11-21 08:00:00 UTC, a plausible capture time. */
#define T0 (1795248000ull * KNS_PER_S)

static struct kit_dir dir;
static struct pktpool *pool;

static void setup(void)
{
    kit_dir_make(&dir);
    pool = pktpool_create("test-rx", 16, PKT_BLOCK_SIZE, NULL, NULL);
    cr_assert_not_null(pool);
}

static void teardown(void)
{
    kit_dir_remove(&dir);
}

TestSuite(pcap_file, .init = setup, .fini = teardown, .timeout = 30);

/* What one delivered frame looked like. */
struct got {
    unsigned port; /* index into the ports array */
    uint8_t tag;   /* byte 14 of the frame */
    uint16_t len;
    uint64_t rx_ns;
    uint64_t clock_ns; /* kclock_now_ns() when rx_burst returned it */
};

/* Called for each delivered frame, as a protocol handler would be (NULL: none). */
static void (*on_frame)(const struct got *g);

/*
 * One main-loop iteration as apps/appliance does it: an rx burst from every
 * port (frames recorded and freed), then the due timers. Returns frames.
 */
static unsigned loop_once(struct kport **ports, unsigned nports, struct got *got, unsigned *ngot,
                          unsigned maxgot)
{
    unsigned total = 0;

    for (unsigned i = 0; i < nports; i++) {
        struct pktbuf *pkts[8];
        uint16_t n = ports[i]->ops->rx_burst(ports[i], pkts, 8);

        for (uint16_t k = 0; k < n; k++) {
            cr_assert_lt(*ngot, maxgot, "more frames than the traces hold");
            got[*ngot] = (struct got){ .port = i,
                                       .tag = pkt_data(pkts[k])[14],
                                       .len = pkts[k]->len,
                                       .rx_ns = pkts[k]->rx_ns,
                                       .clock_ns = kclock_now_ns() };
            if (on_frame != NULL)
                on_frame(&got[*ngot]);
            (*ngot)++;
            pkt_free(pkts[k]);
        }
        total += n;
    }
    ktimer_run_due(kclock_now_ns());
    return total;
}

/* Run the loop until every port is done (bounded); returns iterations. */
static unsigned run_until_done(struct kport **ports, unsigned nports, struct got *got,
                               unsigned *ngot, unsigned maxgot)
{
    for (unsigned it = 1; it <= 1000; it++) {
        bool all = true;

        loop_once(ports, nports, got, ngot, maxgot);
        for (unsigned i = 0; i < nports; i++)
            all = all && ports[i]->done;
        if (all)
            return it;
    }
    cr_assert_fail("replay did not finish in 1000 iterations");
    return 0;
}

static struct kport *open_file_port(const char *ifname, unsigned instance, const char *in,
                                    const char *out)
{
    struct kit_params p = { 0 };
    struct kport *port;
    char err[128];
    int rc;

    kit_param(&p, "in", in);
    kit_param(&p, "out", out);
    rc = kit_open(&pcap_file_driver, ifname, instance, &p, pool, &port, err, sizeof(err));
    cr_assert_eq(rc, 0, "open: %d %s", rc, err);
    cr_assert_not_null(port);
    cr_assert_eq(port->ops->start(port), 0, "start: %s", port->error);
    return port;
}

static void finish(struct kport **ports, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        ports[i]->ops->stop(ports[i]);
        ports[i]->ops->close(ports[i]);
    }
    cr_assert(pktpool_all_full(), "buffers still out");
    cr_assert_eq(pktpool_destroy(pool), 0);
}

Test(pcap_file, frames_in_order_at_trace_time)
{
    struct kit_rec r[3];
    struct got got[8];
    unsigned ngot = 0;
    struct kport *port;
    struct pktbuf *pkts[8];

    kit_frame(&r[0], 1, T0 + 1000, 60); /* microsecond pcap: 1 us */
    kit_frame(&r[1], 2, T0 + 500 * KNS_PER_MS, 100);
    kit_frame(&r[2], 3, T0 + 2 * KNS_PER_S, 1514);
    kit_write_pcap(kit_path(&dir, "in.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, r, 3);
    port = open_file_port("eth0", 0, kit_path(&dir, "in.pcap"), kit_path(&dir, "out.pcap"));

    cr_assert_str_eq(port->name, "eth0");
    cr_assert_str_eq(port->driver, "pcap-file");
    cr_assert_eq(port->wait_fd, -1);
    cr_assert_eq(port->mtu, 1500);
    cr_assert(port->link_up);
    cr_assert_eq(kclock_now_ns(), T0 + 1000, "clock starts at the first frame");

    /* First burst: frame 1 only; frame 2 is later than now. */
    cr_assert_eq(port->ops->rx_burst(port, pkts, 8), 1);
    cr_assert_eq(pkt_data(pkts[0])[14], 1);
    cr_assert_eq(pkts[0]->len, 60);
    cr_assert_eq(pkts[0]->rx_ns, T0 + 1000);
    cr_assert_eq(pkts[0]->data_off, PKT_HEADROOM);
    cr_assert_eq(memcmp(pkt_data(pkts[0]), r[0].data, 60), 0);
    pkt_free(pkts[0]);

    run_until_done(&port, 1, got, &ngot, 8);
    cr_assert_eq(ngot, 2);
    cr_assert_eq(got[0].tag, 2);
    cr_assert_eq(got[0].len, 100);
    cr_assert_eq(got[0].rx_ns, T0 + 500 * KNS_PER_MS);
    cr_assert_eq(got[0].clock_ns, T0 + 500 * KNS_PER_MS);
    cr_assert_eq(got[1].tag, 3);
    cr_assert_eq(got[1].len, 1514);
    cr_assert_eq(got[1].rx_ns, T0 + 2 * KNS_PER_S);
    cr_assert_eq(kclock_now_ns(), T0 + 2 * KNS_PER_S, "no grace after the last frame");
    cr_assert(port->done);
    cr_assert_eq(port->rx_packets, 3);
    cr_assert_eq(port->rx_bytes, 60 + 100 + 1514);
    cr_assert_eq(port->rx_errors + port->rx_dropped, 0);
    finish(&port, 1);
}

Test(pcap_file, done_with_the_burst_that_delivers_the_last_frame)
{
    struct kit_rec r[2], out[2];
    struct kport *port;
    struct pktbuf *pkts[4];

    kit_frame(&r[0], 7, T0, 60);
    kit_frame(&r[1], 8, T0 + KNS_PER_MS, 60);
    kit_write_pcap(kit_path(&dir, "in.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, r, 2);
    port = open_file_port("eth0", 0, kit_path(&dir, "in.pcap"), kit_path(&dir, "out.pcap"));
    cr_assert_eq(port->ops->rx_burst(port, pkts, 4), 1);
    cr_assert_not(port->done, "done with a frame still to come");
    cr_assert_eq(port->ops->tx_burst(port, pkts, 1), 1); /* send it back */
    cr_assert_eq(port->ops->rx_burst(port, pkts, 4), 1);
    cr_assert(port->done, "done as soon as the last frame is handed over");
    /* out= is flushed at done: a program exiting now loses nothing. */
    cr_assert_eq(kit_read_pcap(kit_path(&dir, "out.pcap"), out, 2, NULL), 1);
    cr_assert_eq(out[0].data[14], 7);
    pkt_free(pkts[0]);
    cr_assert_eq(port->ops->rx_burst(port, pkts, 4), 0);
    cr_assert(port->done);
    finish(&port, 1);
}

Test(pcap_file, empty_trace_is_done_at_start)
{
    struct kport *port;
    struct pktbuf *pkts[4];

    kit_write_pcap(kit_path(&dir, "in.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, NULL, 0);
    port = open_file_port("eth0", 0, kit_path(&dir, "in.pcap"), kit_path(&dir, "out.pcap"));
    cr_assert(port->done);
    cr_assert_eq(port->ops->rx_burst(port, pkts, 4), 0);
    finish(&port, 1);
}

Test(pcap_file, nanosecond_trace_keeps_nanoseconds_in_and_out)
{
    struct kit_rec r[2], out[4];
    struct pktbuf *pkts[4], *tx;
    struct kport *port;
    int dlt;

    kit_frame(&r[0], 1, T0 + 123456789, 60);
    kit_frame(&r[1], 2, T0 + 123456790, 60);
    kit_write_pcap(kit_path(&dir, "in.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_NANO, r, 2);
    port = open_file_port("eth0", 0, kit_path(&dir, "in.pcap"), kit_path(&dir, "out.pcap"));
    cr_assert_eq(port->ops->rx_burst(port, pkts, 4), 1);
    cr_assert_eq(pkts[0]->rx_ns, T0 + 123456789);
    pkt_free(pkts[0]);
    cr_assert_eq(port->ops->rx_burst(port, pkts, 4), 1);
    cr_assert_eq(pkts[0]->rx_ns, T0 + 123456790);
    cr_assert_eq(kclock_now_ns(), T0 + 123456790);
    /* Echo it back: written at the replay time, to the nanosecond. */
    tx = pkts[0];
    cr_assert_eq(port->ops->tx_burst(port, &tx, 1), 1);
    finish(&port, 1);

    cr_assert_eq(kit_read_pcap(kit_path(&dir, "out.pcap"), out, 4, &dlt), 1);
    cr_assert_eq(dlt, DLT_EN10MB);
    cr_assert_eq(out[0].ts_ns, T0 + 123456790);
    cr_assert_eq(out[0].caplen, 60);
    cr_assert_eq(out[0].len, 60);
    cr_assert_eq(memcmp(out[0].data, r[1].data, 60), 0);
}

Test(pcap_file, transmitted_frames_written_with_replay_time)
{
    struct kit_rec r[2], out[4];
    struct pktbuf *pkts[4], *tx[3];
    struct kport *port;

    kit_frame(&r[0], 1, T0 + 10 * KNS_PER_US, 60);
    kit_frame(&r[1], 2, T0 + 3 * KNS_PER_S + 7 * KNS_PER_US, 60);
    kit_write_pcap(kit_path(&dir, "in.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, r, 2);
    port = open_file_port("eth0", 0, kit_path(&dir, "in.pcap"), kit_path(&dir, "out.pcap"));

    cr_assert_eq(port->ops->rx_burst(port, pkts, 4), 1);
    pkt_free(pkts[0]);
    for (unsigned i = 0; i < 2; i++) {
        struct kit_rec f;

        kit_frame(&f, (uint8_t)(0x40 + i), 0, 60 + 10 * i);
        tx[i] = pkt_alloc(pool);
        cr_assert_not_null(tx[i]);
        memcpy(pkt_append(tx[i], (uint16_t)f.len), f.data, f.len);
    }
    cr_assert_eq(port->ops->tx_burst(port, tx, 2), 2);
    cr_assert_eq(port->ops->rx_burst(port, pkts, 4), 1); /* clock -> frame 2 */
    pkt_free(pkts[0]);
    tx[2] = pkt_alloc(pool);
    memcpy(pkt_append(tx[2], 60), r[0].data, 60);
    cr_assert_eq(port->ops->tx_burst(port, &tx[2], 1), 1);
    cr_assert_eq(port->tx_packets, 3);
    cr_assert_eq(port->tx_bytes, 60 + 70 + 60);

    /* After stop nothing is sent; the buffer is still taken and freed. */
    port->ops->stop(port);
    tx[0] = pkt_alloc(pool);
    pkt_append(tx[0], 60);
    cr_assert_eq(port->ops->tx_burst(port, tx, 1), 1,
                 "taken: dropped and counted, not left with the caller");
    cr_assert_eq(port->tx_dropped, 1);
    finish(&port, 1);

    cr_assert_eq(kit_read_pcap(kit_path(&dir, "out.pcap"), out, 4, NULL), 3);
    cr_assert_eq(out[0].ts_ns, T0 + 10 * KNS_PER_US);
    cr_assert_eq(out[1].ts_ns, T0 + 10 * KNS_PER_US);
    cr_assert_eq(out[2].ts_ns, T0 + 3 * KNS_PER_S + 7 * KNS_PER_US);
    cr_assert_eq(out[0].len, 60);
    cr_assert_eq(out[0].data[14], 0x40);
    cr_assert_eq(out[1].len, 70);
    cr_assert_eq(out[1].data[14], 0x41);
    cr_assert_eq(memcmp(out[2].data, r[0].data, 60), 0);
}

/* Timer test: when each timer ran and how many frames had been seen by then. */
struct tmark {
    uint64_t ran_at;
    unsigned frames_seen;
    unsigned *ngot;
};

static void tmark_fn(struct ktimer *t, void *ctx)
{
    struct tmark *m = ctx;

    (void)t;
    m->ran_at = kclock_now_ns();
    m->frames_seen = *m->ngot;
}

Test(pcap_file, timers_between_frames_run_before_the_later_frame)
{
    struct kit_rec r[2];
    struct got got[4];
    unsigned ngot = 0;
    struct kport *port;
    struct ktimer t1, t2, t3;
    struct tmark m1 = { .ngot = &ngot }, m2 = { .ngot = &ngot }, m3 = { .ngot = &ngot };

    kit_frame(&r[0], 1, T0, 60);
    kit_frame(&r[1], 2, T0 + KNS_PER_S, 60);
    kit_write_pcap(kit_path(&dir, "in.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, r, 2);
    port = open_file_port("eth0", 0, kit_path(&dir, "in.pcap"), kit_path(&dir, "out.pcap"));
    ktimer_init(&t1, tmark_fn, &m1);
    ktimer_init(&t2, tmark_fn, &m2);
    ktimer_init(&t3, tmark_fn, &m3);
    ktimer_arm(&t1, T0 + 200 * KNS_PER_MS); /* between the frames */
    ktimer_arm(&t2, T0 + KNS_PER_S);        /* at the second frame's time */
    ktimer_arm(&t3, T0 + 5 * KNS_PER_S);    /* after the last frame: never */

    run_until_done(&port, 1, got, &ngot, 4);
    cr_assert_eq(ngot, 2);
    cr_assert_eq(m1.ran_at, T0 + 200 * KNS_PER_MS, "timer ran at its deadline in trace time");
    cr_assert_eq(m1.frames_seen, 1);
    cr_assert_eq(m2.ran_at, T0 + KNS_PER_S);
    cr_assert_eq(m2.frames_seen, 1, "a timer due at a frame's time runs before that frame");
    cr_assert_eq(m3.ran_at, 0);
    cr_assert(t3.armed);
    ktimer_cancel(&t3);
    finish(&port, 1);
}

static void never_runs(struct ktimer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    cr_assert_fail("this loop never runs timers");
}

Test(pcap_file, replay_ends_even_if_due_timers_never_run)
{
    struct kit_rec r[2];
    struct kport *port;
    struct ktimer t;
    unsigned got = 0, calls = 0;

    kit_frame(&r[0], 1, T0, 60);
    kit_frame(&r[1], 2, T0 + KNS_PER_S, 60);
    kit_write_pcap(kit_path(&dir, "in.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, r, 2);
    port = open_file_port("eth0", 0, kit_path(&dir, "in.pcap"), kit_path(&dir, "out.pcap"));
    ktimer_init(&t, never_runs, NULL);
    ktimer_arm(&t, T0); /* due at once, forever: a main loop that never runs timers */
    while (!port->done && calls < 1000) {
        struct pktbuf *pkts[4];
        uint16_t n = port->ops->rx_burst(port, pkts, 4);

        for (uint16_t i = 0; i < n; i++)
            pkt_free(pkts[i]);
        got += n;
        calls++;
    }
    cr_assert(port->done, "replay stuck behind a due timer");
    cr_assert_eq(got, 2);
    cr_assert_gt(calls, REPLAY_STALL_MAX, "frames waited for the due timer first");
    ktimer_cancel(&t);
    finish(&port, 1);
}

static struct ktimer now_timer;
static struct tmark now_mark;

static void arm_now(const struct got *g)
{
    if (g->tag == 1)
        ktimer_arm(&now_timer, kclock_now_ns());
}

Test(pcap_file, timer_armed_by_a_frame_runs_before_the_next_port_delivers)
{
    struct kit_rec a[1], b[1];
    struct got got[4];
    unsigned ngot = 0;
    struct kport *ports[2];

    /* Both ports have a frame at the same time; a's handler arms a timer due now. */
    kit_frame(&a[0], 1, T0 + KNS_PER_S, 60);
    kit_frame(&b[0], 2, T0 + KNS_PER_S, 60);
    kit_write_pcap(kit_path(&dir, "a.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, a, 1);
    kit_write_pcap(kit_path(&dir, "b.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, b, 1);
    ports[0] = open_file_port("a", 0, kit_path(&dir, "a.pcap"), kit_path(&dir, "ao.pcap"));
    ports[1] = open_file_port("b", 1, kit_path(&dir, "b.pcap"), kit_path(&dir, "bo.pcap"));
    now_mark.ngot = &ngot;
    ktimer_init(&now_timer, tmark_fn, &now_mark);
    on_frame = arm_now;

    run_until_done(ports, 2, got, &ngot, 4);
    cr_assert_eq(ngot, 2);
    cr_assert_eq(got[0].tag, 1);
    cr_assert_eq(now_mark.ran_at, T0 + KNS_PER_S);
    cr_assert_eq(now_mark.frames_seen, 1, "the timer due now ran after %u frames, want 1",
                 now_mark.frames_seen);
    cr_assert_eq(got[1].tag, 2);
    on_frame = NULL;
    finish(ports, 2);
}

Test(pcap_file, two_ports_merge_by_timestamp)
{
    struct kit_rec a[3], b[3];
    struct got got[8];
    unsigned ngot = 0;
    struct kport *ports[2];
    /* Merged by time; at the tie (+4 s) the port polled first after the clock got there. */
    static const uint8_t want_tag[6] = { 20, 10, 21, 11, 22, 12 };
    static const unsigned want_port[6] = { 1, 0, 1, 0, 1, 0 };
    static const uint64_t want_ms[6] = { 500, 1000, 2000, 3000, 4000, 4000 };

    /* Port b's trace starts first and ties with a's last frame at +4 s. */
    kit_frame(&a[0], 10, T0 + 1 * KNS_PER_S, 60);
    kit_frame(&a[1], 11, T0 + 3 * KNS_PER_S, 60);
    kit_frame(&a[2], 12, T0 + 4 * KNS_PER_S, 60);
    kit_frame(&b[0], 20, T0 + 500 * KNS_PER_MS, 60);
    kit_frame(&b[1], 21, T0 + 2 * KNS_PER_S, 60);
    kit_frame(&b[2], 22, T0 + 4 * KNS_PER_S, 60);
    kit_write_pcap(kit_path(&dir, "a.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, a, 3);
    kit_write_pcap(kit_path(&dir, "b.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, b, 3);
    ports[0] = open_file_port("a", 0, kit_path(&dir, "a.pcap"), kit_path(&dir, "ao.pcap"));
    ports[1] = open_file_port("b", 1, kit_path(&dir, "b.pcap"), kit_path(&dir, "bo.pcap"));
    cr_assert_neq(memcmp(ports[0]->mac, ports[1]->mac, 6), 0, "default MACs differ");

    run_until_done(ports, 2, got, &ngot, 8);
    cr_assert_eq(ngot, 6);
    for (unsigned i = 0; i < 6; i++) {
        cr_assert_eq(got[i].tag, want_tag[i], "frame %u: tag %u, want %u", i, got[i].tag,
                     want_tag[i]);
        cr_assert_eq(got[i].port, want_port[i]);
        cr_assert_eq(got[i].rx_ns, T0 + want_ms[i] * KNS_PER_MS);
        cr_assert_eq(got[i].clock_ns, got[i].rx_ns);
    }
    cr_assert_eq(ports[0]->rx_packets, 3);
    cr_assert_eq(ports[1]->rx_packets, 3);
    finish(ports, 2);
}

Test(pcap_file, out_of_order_frame_delivered_at_clock_and_counted)
{
    struct kit_rec r[3];
    struct got got[4];
    unsigned ngot = 0;
    struct kport *port;
    uint64_t late = 0;

    kit_frame(&r[0], 1, T0 + 10 * KNS_PER_S, 60);
    kit_frame(&r[1], 2, T0 + 9 * KNS_PER_S, 60);
    kit_frame(&r[2], 3, T0 + 11 * KNS_PER_S, 60);
    kit_write_pcap(kit_path(&dir, "in.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, r, 3);
    port = open_file_port("eth0", 0, kit_path(&dir, "in.pcap"), kit_path(&dir, "out.pcap"));
    run_until_done(&port, 1, got, &ngot, 4);
    cr_assert_eq(ngot, 3);
    cr_assert_eq(got[0].tag, 1);
    cr_assert_eq(got[1].tag, 2);
    cr_assert_eq(got[1].rx_ns, T0 + 10 * KNS_PER_S, "late frame at the clock's time");
    cr_assert_eq(got[2].rx_ns, T0 + 11 * KNS_PER_S);
    cr_assert_eq(kstats_find("pcap-file:eth0", "rx_late", &late), 0);
    cr_assert_eq(late, 1);
    finish(&port, 1);
}

Test(pcap_file, bad_records_are_counted_and_skipped)
{
    struct kit_rec r[5];
    struct got got[8];
    unsigned ngot = 0;
    struct kport *port;
    uint64_t v = 0;

    kit_frame(&r[0], 1, T0, 60);
    kit_frame(&r[1], 2, T0 + 1, 3000); /* longer than a buffer */
    kit_frame(&r[2], 3, T0 + 2, 100);
    r[2].caplen = 64;                /* truncated capture */
    kit_frame(&r[3], 4, T0 + 3, 10); /* shorter than an Ethernet header */
    kit_frame(&r[4], 5, T0 + 4, 60);
    kit_write_pcap(kit_path(&dir, "in.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_NANO, r, 5);
    port = open_file_port("eth0", 0, kit_path(&dir, "in.pcap"), kit_path(&dir, "out.pcap"));
    run_until_done(&port, 1, got, &ngot, 8);
    cr_assert_eq(ngot, 2);
    cr_assert_eq(got[0].tag, 1);
    cr_assert_eq(got[1].tag, 5);
    cr_assert_eq(port->rx_errors, 3);
    cr_assert_eq(port->rx_packets, 2);
    cr_assert_eq(kstats_find("pcap-file:eth0", "rx_oversize", &v), 0);
    cr_assert_eq(v, 1);
    cr_assert_eq(kstats_find("pcap-file:eth0", "rx_truncated", &v), 0);
    cr_assert_eq(v, 1);
    cr_assert_eq(kstats_find("pcap-file:eth0", "rx_runt", &v), 0);
    cr_assert_eq(v, 1);
    finish(&port, 1);
}

Test(pcap_file, truncated_file_ends_the_input_counted)
{
    struct kit_rec r[2];
    struct got got[4];
    unsigned ngot = 0;
    struct kport *port;
    const char *in = kit_path(&dir, "in.pcap");
    FILE *f;
    long size;
    uint64_t v = 0;

    kit_frame(&r[0], 1, T0, 60);
    kit_frame(&r[1], 2, T0 + 1000, 60);
    kit_write_pcap(in, DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, r, 2);
    f = fopen(in, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fclose(f);
    cr_assert_eq(truncate(in, size - 20), 0);

    port = open_file_port("eth0", 0, in, kit_path(&dir, "out.pcap"));
    run_until_done(&port, 1, got, &ngot, 4);
    cr_assert_eq(ngot, 1);
    cr_assert_eq(port->rx_errors, 1);
    cr_assert_eq(kstats_find("pcap-file:eth0", "read_errors", &v), 0);
    cr_assert_eq(v, 1);
    finish(&port, 1);
}

Test(pcap_file, empty_pool_drops_and_counts)
{
    struct kit_rec r[6];
    struct pktbuf *pkts[8], *held[16];
    struct kport *port;
    unsigned nheld = 0;

    for (unsigned i = 0; i < 6; i++)
        kit_frame(&r[i], (uint8_t)i, T0, 60); /* all at one time: one burst */
    kit_write_pcap(kit_path(&dir, "in.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, r, 6);
    port = open_file_port("eth0", 0, kit_path(&dir, "in.pcap"), kit_path(&dir, "out.pcap"));
    while (nheld < 14) { /* leave 2 of 16 buffers */
        held[nheld] = pkt_alloc(pool);
        cr_assert_not_null(held[nheld]);
        nheld++;
    }
    cr_assert_eq(port->ops->rx_burst(port, pkts, 8), 2);
    cr_assert_eq(pkt_data(pkts[0])[14], 0);
    cr_assert_eq(pkt_data(pkts[1])[14], 1);
    cr_assert_eq(port->rx_dropped, 4);
    cr_assert_eq(port->rx_packets, 2);
    pkt_free(pkts[0]);
    pkt_free(pkts[1]);
    while (nheld > 0)
        pkt_free(held[--nheld]);
    cr_assert(port->done);
    cr_assert_eq(port->ops->rx_burst(port, pkts, 8), 0);
    finish(&port, 1);
}

Test(pcap_file, clock_returns_to_the_target_after_close)
{
    struct kit_rec r[1];
    struct kport *port;

    kit_frame(&r[0], 1, T0, 60);
    kit_write_pcap(kit_path(&dir, "in.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, r, 1);
    port = open_file_port("eth0", 0, kit_path(&dir, "in.pcap"), kit_path(&dir, "out.pcap"));
    cr_assert_eq(kclock_now_ns(), T0);
    finish(&port, 1);
    cr_assert_lt(kclock_now_ns(), T0, "monotonic clock again (boot-relative)");
}

/* ---- errors ---- */

static void expect_open_error(struct kit_params *p, int want_rc, const char *want_text)
{
    struct kport *port;
    char err[160];
    int rc = kit_open(&pcap_file_driver, "eth0", 0, p, pool, &port, err, sizeof(err));

    cr_assert_eq(rc, want_rc, "rc %d, want %d (%s)", rc, want_rc, err);
    cr_assert_null(port);
    cr_assert_not_null(strstr(err, want_text), "error \"%s\" lacks \"%s\"", err, want_text);
    cr_assert(pktpool_all_full());
}

Test(pcap_file, missing_input_file_names_it)
{
    struct kit_params p = { 0 };
    char want[160];

    kit_param(&p, "in", kit_path(&dir, "nope.pcap"));
    kit_param(&p, "out", kit_path(&dir, "out.pcap"));
    snprintf(want, sizeof(want), "pcap-file: in=%s: No such file or directory",
             kit_path(&dir, "nope.pcap"));
    expect_open_error(&p, -KE_NOENT, want);
    cr_assert_neq(access(kit_path(&dir, "out.pcap"), F_OK), 0, "out= not created on error");
}

Test(pcap_file, missing_keys_are_named)
{
    struct kit_params p = { 0 }, q = { 0 }, u = { 0 };

    kit_param(&p, "out", kit_path(&dir, "out.pcap"));
    expect_open_error(&p, -KE_INVAL, "missing in=FILE");
    kit_param(&q, "in", kit_path(&dir, "in.pcap"));
    expect_open_error(&q, -KE_INVAL, "missing out=FILE");
    kit_param(&u, "in", kit_path(&dir, "in.pcap"));
    kit_param(&u, "out", kit_path(&dir, "out.pcap"));
    kit_param(&u, "inn", "x");
    expect_open_error(&u, -KE_INVAL, "unknown parameter inn=");
}

Test(pcap_file, non_ethernet_trace_is_refused)
{
    struct kit_rec r[1];
    struct kit_params p = { 0 };

    kit_frame(&r[0], 1, T0, 60);
    kit_write_pcap(kit_path(&dir, "raw.pcap"), DLT_RAW, PCAP_TSTAMP_PRECISION_MICRO, r, 1);
    kit_param(&p, "in", kit_path(&dir, "raw.pcap"));
    kit_param(&p, "out", kit_path(&dir, "out.pcap"));
    expect_open_error(&p, -KE_NOTSUP, "is not Ethernet");
}

Test(pcap_file, garbage_input_and_unwritable_output)
{
    struct kit_rec r[1];
    struct kit_params p = { 0 }, q = { 0 }, s = { 0 };
    FILE *f = fopen(kit_path(&dir, "junk.pcap"), "wb");
    char want[160];

    cr_assert_not_null(f);
    fputs("this is not a capture file at all", f);
    fclose(f);
    kit_param(&p, "in", kit_path(&dir, "junk.pcap"));
    kit_param(&p, "out", kit_path(&dir, "out.pcap"));
    snprintf(want, sizeof(want), "pcap-file: in=%s: ", kit_path(&dir, "junk.pcap"));
    expect_open_error(&p, -KE_INVAL, want);

    kit_frame(&r[0], 1, T0, 60);
    kit_write_pcap(kit_path(&dir, "in.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, r, 1);
    kit_param(&q, "in", kit_path(&dir, "in.pcap"));
    kit_param(&q, "out", kit_path(&dir, "no/such/dir/out.pcap"));
    snprintf(want, sizeof(want), "pcap-file: out=%s: No such file or directory",
             kit_path(&dir, "no/such/dir/out.pcap"));
    expect_open_error(&q, -KE_IO, want);

    kit_param(&s, "in", kit_path(&dir, "in.pcap"));
    kit_param(&s, "out", kit_path(&dir, "in.pcap"));
    expect_open_error(&s, -KE_INVAL, "is the in= file");
}

Test(pcap_file, mtu_and_mac_parameters)
{
    struct kit_rec r[1];
    struct kit_params p = { 0 };
    struct kport *port;
    char err[128];
    static const uint8_t want[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

    kit_frame(&r[0], 1, T0, 60);
    kit_write_pcap(kit_path(&dir, "in.pcap"), DLT_EN10MB, PCAP_TSTAMP_PRECISION_MICRO, r, 1);
    kit_param(&p, "in", kit_path(&dir, "in.pcap"));
    kit_param(&p, "out", kit_path(&dir, "out.pcap"));
    kit_param(&p, "mtu", "1400");
    kit_param(&p, "mac", "02:11:22:33:44:55");
    cr_assert_eq(kit_open(&pcap_file_driver, "eth3", 3, &p, pool, &port, err, sizeof(err)), 0, "%s",
                 err);
    cr_assert_eq(port->mtu, 1400);
    cr_assert_eq(memcmp(port->mac, want, 6), 0);
    port->ops->close(port);

    p.kp.value[2] = "20";
    expect_open_error(&p, -KE_RANGE, "mtu=20");
    p.kp.value[2] = "1500";
    p.kp.value[3] = "02:11:22:33:44";
    expect_open_error(&p, -KE_INVAL, "mac=02:11:22:33:44");
    cr_assert_eq(pktpool_destroy(pool), 0);
}
