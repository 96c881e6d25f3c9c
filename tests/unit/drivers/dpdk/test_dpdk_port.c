/*
 * tests/unit/drivers/dpdk/test_dpdk_port.c — the dpdk driver class through
 * the kport interface, on net_ring (DPDK's ring PMD: created without
 * arguments it is a loop-back, what is sent comes back on receive, the
 * same mbufs). So a frame sent from the port's own pool must come back as
 * the very same pktbuf (zero copy both ways), one of another pool as an
 * equal copy, and every buffer must be home after close. Also: parameter
 * and device errors named, DPDK's tx_burst semantics when the ring is full,
 * runts, oversize and stopped ports counted, adaptive idle. Needs EAL
 * (skipped where it cannot start).
 */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "drivers/dpdk/dpdk_port.h"
#include "dpdkkit.h"
#include "kernel/stats.h"

static struct kport *port;
static char err[256];

static void open_ring(const char *extra)
{
    const char *kv[3] = { "dev=net_ring0", extra, NULL };

    dpdkkit_eal();
    cr_assert_eq(dpdkkit_open("eth0", kv, extra ? 2 : 1, &port, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(port->driver, "dpdk");
    cr_assert_eq(port->mtu, 1500);
    cr_assert_not_null(port->pool);
}

static void setup(void)
{
    open_ring(NULL);
    cr_assert_eq(port->ops->start(port), 0, "%s", port->error);
}

static void close_and_check(void)
{
    port->ops->stop(port);
    port->ops->close(port);
    cr_assert(pktpool_all_full(), "every buffer home after close");
}

static struct pktbuf *frame(struct pktpool *pool, uint16_t len, uint8_t fill)
{
    struct pktbuf *p = pkt_alloc(pool);

    cr_assert_not_null(p);
    memset(pkt_append(p, len), fill, len);
    return p;
}

static uint64_t ctr(const char *name)
{
    uint64_t v = 0;

    cr_assert_eq(kstats_find("dpdk:eth0", name, &v), 0, "no counter %s", name);
    return v;
}

TestSuite(dpdk_port, .timeout = 60);

Test(dpdk_port, own_pool_frame_loops_back_as_the_same_pktbuf, .init = setup)
{
    struct pktbuf *p = frame(port->pool, 60, 0xab), *in[4];

    cr_assert(port->no_idle, "idle=poll: the main loop never sleeps");
    cr_assert_eq(port->ops->tx_burst(port, &p, 1), 1);
    cr_assert_eq(pktpool_out(port->pool), 1, "in the ring, still out");
    cr_assert_eq(port->ops->rx_burst(port, in, 4), 1);
    cr_assert_eq(in[0], p, "zero copy: the same buffer came back");
    cr_assert_eq(in[0]->len, 60);
    cr_assert_eq(pkt_data(in[0])[59], 0xab);
    cr_assert_gt(in[0]->rx_ns, 0);
    pkt_free(in[0]);
    cr_assert_eq(port->tx_packets, 1);
    cr_assert_eq(port->rx_packets, 1);
    cr_assert_eq(ctr("tx_wrapped") + ctr("tx_copied") + ctr("rx_copied"), 0);
    close_and_check();
}

Test(dpdk_port, other_pools_frame_is_sent_in_place_and_received_as_a_copy, .init = setup)
{
    struct pktpool *plain = pktpool_create("t-plain", 8, PKT_BLOCK_SIZE, NULL, NULL);
    struct pktbuf *p = frame(plain, 100, 0x5a), *in[4];

    cr_assert_eq(port->ops->tx_burst(port, &p, 1), 1);
    cr_assert_eq(ctr("tx_wrapped"), 1, "net_ring reads with the CPU: attached, not copied");
    cr_assert_eq(pktpool_out(plain), 1, "the attached mbuf holds the buffer");
    cr_assert_eq(port->ops->rx_burst(port, in, 4), 1);
    cr_assert_eq(in[0]->pool, port->pool, "received into the port's pool");
    cr_assert_eq(in[0]->len, 100);
    cr_assert_eq(pkt_data(in[0])[99], 0x5a);
    cr_assert_eq(pktpool_out(plain), 0, "the other pool's buffer went home");
    dpdk_port_refresh(port->priv);
    cr_assert_eq(ctr("rx_copied"), 1);
    pkt_free(in[0]);
    close_and_check();
}

Test(dpdk_port, shared_frame_is_attached_not_given_away, .init = setup)
{
    struct pktbuf *p = frame(port->pool, 64, 1), *in[4];

    pkt_ref(p); /* someone else holds it too */
    cr_assert_eq(port->ops->tx_burst(port, &p, 1), 1);
    cr_assert_eq(p->refcnt, 2, "our reference and the attached mbuf's");
    cr_assert_eq(port->ops->rx_burst(port, in, 4), 1);
    cr_assert_neq(in[0], p);
    cr_assert_eq(p->refcnt, 1);
    pkt_free(in[0]);
    pkt_free(p);
    close_and_check();
}

Test(dpdk_port, full_ring_leaves_the_rest_with_the_caller, .init = setup)
{
    struct pktbuf *b[DPDK_BURST], *in[DPDK_BURST];
    unsigned sent = 0, kept = 0, got = 0;

    /* net_ring's ring holds 1023 frames, the port's queue DPDK_TXQ_MAX more: offer more */
    for (int round = 0; round < 40; round++) {
        uint16_t k;

        for (int i = 0; i < DPDK_BURST; i++)
            b[i] = frame(port->pool, 60, (uint8_t)i);
        k = port->ops->tx_burst(port, b, DPDK_BURST);
        sent += k;
        for (int i = k; i < DPDK_BURST; i++) {
            cr_assert_eq(b[i]->refcnt, 1, "an untaken frame is the caller's, unchanged");
            cr_assert_eq(b[i]->len, 60);
            pkt_free(b[i]);
            kept++;
        }
    }
    cr_assert_eq(sent, 1023 + DPDK_TXQ_MAX);
    cr_assert_eq(kept, 40 * DPDK_BURST - 1023 - DPDK_TXQ_MAX);
    for (uint16_t n; (n = port->ops->rx_burst(port, in, DPDK_BURST)) > 0; got += n)
        for (uint16_t i = 0; i < n; i++)
            pkt_free(in[i]);
    cr_assert_eq(got, sent);
    close_and_check();
}

Test(dpdk_port, frames_wait_for_a_burst_or_the_next_poll, .init = setup)
{
    struct pktbuf *b[DPDK_BURST], *in[DPDK_BURST];
    struct pktbuf *p = frame(port->pool, 60, 7);

    cr_assert_eq(port->ops->tx_burst(port, &p, 1), 1, "taken into the queue");
    cr_assert_eq(port->tx_packets, 0, "not yet given to the device");
    cr_assert_eq(port->ops->rx_burst(port, in, 4), 1, "the poll sent it first, then received it");
    cr_assert_eq(in[0], p);
    pkt_free(in[0]);
    cr_assert_eq(port->tx_packets, 1);
    for (int i = 0; i < DPDK_BURST; i++)
        b[i] = frame(port->pool, 60, (uint8_t)i);
    cr_assert_eq(port->ops->tx_burst(port, b, DPDK_BURST), DPDK_BURST);
    cr_assert_eq(port->tx_packets, 1 + DPDK_BURST, "a whole burst goes at once");
    cr_assert_eq(port->ops->rx_burst(port, in, DPDK_BURST), DPDK_BURST);
    for (int i = 0; i < DPDK_BURST; i++) {
        cr_assert_eq(in[i], b[i], "in order");
        pkt_free(in[i]);
    }
    close_and_check();
}

Test(dpdk_port, runt_oversize_and_stopped_are_counted, .init = setup)
{
    struct pktbuf *p = frame(port->pool, 10, 0), *in[4];

    cr_assert_eq(port->ops->tx_burst(port, &p, 1), 1);
    cr_assert_eq(port->ops->rx_burst(port, in, 4), 0, "a 10-byte frame is no Ethernet frame");
    cr_assert_eq(ctr("rx_runt"), 1);
    p = frame(port->pool, 1500 + 19, 0);
    cr_assert_eq(port->ops->tx_burst(port, &p, 1), 1, "taken, and dropped");
    cr_assert_eq(ctr("tx_oversize"), 1);
    port->ops->stop(port);
    p = frame(port->pool, 60, 0);
    cr_assert_eq(port->ops->tx_burst(port, &p, 1), 1);
    cr_assert_eq(ctr("tx_stopped"), 1);
    cr_assert_eq(port->tx_dropped, 2);
    cr_assert_eq(port->rx_errors, 1);
    close_and_check();
}

Test(dpdk_port, statistics_come_from_ethdev, .init = setup)
{
    struct pktbuf *p, *in[4];

    for (int i = 0; i < 3; i++) {
        p = frame(port->pool, 80, 0);
        cr_assert_eq(port->ops->tx_burst(port, &p, 1), 1);
        cr_assert_eq(port->ops->rx_burst(port, in, 4), 1);
        pkt_free(in[0]);
    }
    dpdk_port_refresh(port->priv);
    cr_assert_eq(ctr("ipackets"), 3);
    cr_assert_eq(ctr("opackets"), 3);
    cr_assert(port->link_up);
    close_and_check();
}

Test(dpdk_port, adaptive_idle_sleeps_on_a_timer_and_wakes_on_a_frame)
{
    struct pktbuf *p, *in[4];

    open_ring("idle=adaptive");
    /* net_ring has no receive interrupt: the timer back-off */
    cr_assert_eq(port->ops->start(port), 0, "%s", port->error);
    cr_assert(port->no_idle, "spinning at first");
    usleep(1000); /* past idle-after (500 us) */
    cr_assert_eq(port->ops->rx_burst(port, in, 4), 0);
    cr_assert_not(port->no_idle, "idle for long: the loop may sleep");
    cr_assert_geq(port->wait_fd, 0, "on the back-off timer");
    p = frame(port->pool, 60, 0);
    cr_assert_eq(port->ops->tx_burst(port, &p, 1), 1);
    cr_assert_eq(port->tx_packets, 1, "asleep, a frame goes to the device at once");
    cr_assert_eq(port->ops->rx_burst(port, in, 4), 1);
    pkt_free(in[0]);
    cr_assert(port->no_idle, "a frame: spinning again");
    cr_assert_eq(port->wait_fd, -1);
    dpdk_port_refresh(port->priv);
    cr_assert_eq(ctr("idle_sleeps"), 1);
    cr_assert_eq(ctr("idle_wakeups"), 1);
    close_and_check();
}

Test(dpdk_port, parameters_are_checked_before_anything_opens)
{
    struct kport *p = NULL;
    const char *bad[][2] = {
        { "dev=net_ring0", "colour=blue" }, { "dev=net_ring0", "idle=sometimes" },
        { "dev=net_ring0", "queues=0" },    { "dev=net_ring0", "promisc=maybe" },
        { "dev=net_ring0", "mtu=9001" },
    };

    dpdkkit_eal();
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = dpdkkit_open("eth0", bad[i], 2, &p, err, sizeof(err));

        char key[16];

        snprintf(key, sizeof(key), "%.*s=", (int)strcspn(bad[i][1], "="), bad[i][1]);
        cr_assert(rc == -KE_INVAL || rc == -KE_RANGE, "%s: rc %d", bad[i][1], rc);
        cr_assert(strstr(err, "interface eth0") != NULL, "names the interface: %s", err);
        cr_assert(strstr(err, key) != NULL, "names %s: %s", key, err);
    }
    cr_assert_eq(dpdkkit_open("eth0", (const char *[]){ "queues=2" }, 1, &p, err, sizeof(err)),
                 -KE_INVAL);
    cr_assert(strstr(err, "missing dev=") != NULL, "%s", err);
    cr_assert(pktpool_all_full());
}

Test(dpdk_port, a_device_that_cannot_be_probed_is_named_with_the_reason)
{
    struct kport *p = NULL;

    dpdkkit_eal();
    cr_assert_eq(dpdkkit_open("eth1", (const char *[]){ "dev=net_af_packet0,iface=no-such-if" }, 1,
                              &p, err, sizeof(err)),
                 -KE_NODEV);
    cr_assert(strstr(err, "eth1") && strstr(err, "net_af_packet0,iface=no-such-if"), "%s", err);
    /* As root the PMD finds no interface; without CAP_NET_RAW it has no socket at all. */
    cr_assert(strstr(err, geteuid() == 0 ? "No such device" : "AF_PACKET socket") != NULL,
              "the PMD's reason: %s", err);
    cr_assert_eq(
        dpdkkit_open("eth1", (const char *[]){ "dev=net_nonsense0" }, 1, &p, err, sizeof(err)),
        -KE_NODEV);
    cr_assert(strstr(err, "net_nonsense0") != NULL, "%s", err);
}

Test(dpdk_port, one_device_one_interface)
{
    struct kport *second = NULL;

    open_ring(NULL);
    cr_assert_eq(
        dpdkkit_open("eth1", (const char *[]){ "dev=net_ring0" }, 1, &second, err, sizeof(err)),
        -KE_EXIST);
    cr_assert(strstr(err, "eth1") != NULL, "%s", err);
    close_and_check();
}
