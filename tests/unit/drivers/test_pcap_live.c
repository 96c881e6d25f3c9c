/*
 * tests/unit/drivers/test_pcap_live.c — the live pcap driver on a veth pair
 * in a network namespace of the test's own (unshare(CLONE_NEWNET) in the
 * test's process; the namespace and its veth pair vanish when it exits).
 * The port runs on sp-a; the peer sp-b is driven with a raw AF_PACKET
 * socket. Needs root; skipped otherwise. Every wait is bounded (2 s).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"
#include "kernel/port.h"
#include "pcapkit.h"

#define WAIT_MS 2000

static struct pktpool *pool;

static void setup(void)
{
    pool = pktpool_create("test-live", 16, PKT_BLOCK_SIZE, NULL, NULL);
    cr_assert_not_null(pool);
}

TestSuite(pcap_live, .init = setup, .timeout = 30);

static uint64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void write_proc(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY);

    if (fd < 0)
        return; /* no IPv6 in this kernel: nothing to silence */
    if (write(fd, value, strlen(value)) < 0)
        cr_log_warn("%s: %s", path, strerror(errno));
    close(fd);
}

/* Enter a fresh network namespace (skip unless root) with veth sp-a <-> sp-b up. */
static void enter_lab(void)
{
    if (geteuid() != 0)
        cr_skip_test("needs root: creates a network namespace with a veth pair");
    if (unshare(CLONE_NEWNET) != 0)
        cr_skip_test("unshare(CLONE_NEWNET): %s", strerror(errno));
    /* No IPv6 router solicitations or MLD reports on the new links. */
    write_proc("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
    write_proc("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
    cr_assert_eq(system("ip link add sp-a type veth peer name sp-b && "
                        "ip link set sp-a up && ip link set sp-b up"),
                 0, "could not create the veth pair in the test's namespace");
}

/* A raw AF_PACKET socket on @ifname receiving every frame. */
static int raw_socket(const char *ifname)
{
    struct sockaddr_ll sll;
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

    cr_assert_geq(fd, 0, "socket(AF_PACKET): %s", strerror(errno));
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = (int)if_nametoindex(ifname);
    cr_assert_gt(sll.sll_ifindex, 0);
    cr_assert_eq(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0, "bind: %s", strerror(errno));
    return fd;
}

/* Receive on @fd until a test frame tagged @tag arrives (bounded); its length or -1. */
static int raw_recv_tag(int fd, uint8_t tag, uint8_t *buf, size_t cap)
{
    uint64_t end = mono_ms() + WAIT_MS;

    while (mono_ms() < end) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        ssize_t n;

        if (poll(&pfd, 1, (int)(end - mono_ms())) <= 0)
            continue;
        n = recv(fd, buf, cap, 0);
        if (n >= 15 && load_be16(buf + 12) == KIT_ETHERTYPE && buf[14] == tag)
            return (int)n;
    }
    return -1;
}

static struct kport *open_live(const char *device)
{
    struct kit_params p = { 0 };
    struct kport *port;
    char err[160];
    int rc;

    kit_param(&p, "device", device);
    rc = kit_open(&pcap_driver, "eth0", 0, &p, pool, &port, err, sizeof(err));
    cr_assert_eq(rc, 0, "open: %d %s", rc, err);
    cr_assert_eq(port->ops->start(port), 0, "start: %s", port->error);
    return port;
}

static struct pktbuf *frame_pkt(uint8_t tag, const uint8_t dst[6])
{
    struct kit_rec f;
    struct pktbuf *p = pkt_alloc(pool);

    cr_assert_not_null(p);
    kit_frame(&f, tag, 0, KIT_FRAME_LEN);
    memcpy(f.data, dst, 6);
    memcpy(pkt_append(p, KIT_FRAME_LEN), f.data, KIT_FRAME_LEN);
    return p;
}

static void finish(struct kport *port)
{
    port->ops->stop(port);
    port->ops->close(port);
    cr_assert(pktpool_all_full(), "buffers still out");
    cr_assert_eq(pktpool_destroy(pool), 0);
}

Test(pcap_live, transmit_reaches_the_peer)
{
    static const uint8_t dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
    uint8_t buf[2048];
    struct kport *port;
    struct pktbuf *p;
    int fd, n;

    enter_lab();
    fd = raw_socket("sp-b");
    port = open_live("sp-a");
    cr_assert_geq(port->wait_fd, 0);
    cr_assert_eq(port->mtu, 1500);
    cr_assert_eq(port->mac[0], 0x02);
    cr_assert_eq(port->mac[5], 0x00);
    cr_assert(port->link_up);

    p = frame_pkt(0x31, dst);
    cr_assert_eq(port->ops->tx_burst(port, &p, 1), 1);
    cr_assert_eq(port->tx_packets, 1);
    cr_assert_eq(port->tx_bytes, KIT_FRAME_LEN);
    n = raw_recv_tag(fd, 0x31, buf, sizeof(buf));
    cr_assert_eq(n, (int)KIT_FRAME_LEN, "peer got %d bytes", n);
    cr_assert_eq(memcmp(buf, dst, 6), 0);
    close(fd);
    finish(port);
}

Test(pcap_live, receives_peer_frames_but_not_its_own)
{
    uint8_t buf[2048];
    struct kit_rec want;
    struct kport *port;
    struct pktbuf *p;
    unsigned seen_peer = 0, seen_own = 0;
    uint64_t end;
    int fd, host_fd;

    enter_lab();
    fd = raw_socket("sp-b");
    host_fd = raw_socket("sp-a");
    port = open_live("sp-a");

    /* Our own transmission: must not come back through the capture. */
    p = frame_pkt(0x41, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
    cr_assert_eq(port->ops->tx_burst(port, &p, 1), 1);
    cr_assert_eq(raw_recv_tag(fd, 0x41, buf, sizeof(buf)), (int)KIT_FRAME_LEN);
    /* Nor what the host itself sends out of sp-a (outbound, not for the appliance). */
    kit_frame(&want, 0x42, 0, KIT_FRAME_LEN);
    memset(want.data, 0xff, 6);
    cr_assert_eq(send(host_fd, want.data, KIT_FRAME_LEN, 0), (ssize_t)KIT_FRAME_LEN, "send: %s",
                 strerror(errno));
    cr_assert_eq(raw_recv_tag(fd, 0x42, buf, sizeof(buf)), (int)KIT_FRAME_LEN);

    /* The peer sends to the port's own MAC, which is not sp-a's address. */
    kit_frame(&want, 0x52, 0, KIT_FRAME_LEN);
    memcpy(want.data, port->mac, 6);
    cr_assert_eq(send(fd, want.data, KIT_FRAME_LEN, 0), (ssize_t)KIT_FRAME_LEN, "send: %s",
                 strerror(errno));

    end = mono_ms() + WAIT_MS;
    while (mono_ms() < end) {
        struct pollfd pfd = { .fd = port->wait_fd, .events = POLLIN };
        struct pktbuf *pkts[8];
        uint16_t n;

        poll(&pfd, 1, 50);
        n = port->ops->rx_burst(port, pkts, 8);
        for (uint16_t i = 0; i < n; i++) {
            const uint8_t *d = pkt_data(pkts[i]);

            if (pkts[i]->len >= 15 && load_be16(d + 12) == KIT_ETHERTYPE) {
                if (d[14] == 0x41 || d[14] == 0x42)
                    seen_own++;
                if (d[14] == 0x52) {
                    seen_peer++;
                    end = mono_ms() + 200; /* drain a little longer for strays */
                    cr_assert_eq(pkts[i]->len, KIT_FRAME_LEN);
                    cr_assert_eq(memcmp(d, want.data, KIT_FRAME_LEN), 0);
                    cr_assert_eq(pkts[i]->data_off, PKT_HEADROOM);
                    cr_assert_neq(pkts[i]->rx_ns, 0);
                }
            }
            pkt_free(pkts[i]);
        }
    }
    cr_assert_eq(seen_peer, 1, "peer frame received %u times", seen_peer);
    cr_assert_eq(seen_own, 0, "outbound frames captured %u times", seen_own);
    cr_assert_geq(port->rx_packets, 1);
    close(host_fd);
    close(fd);
    finish(port);
}

Test(pcap_live, stopped_port_drops_transmissions)
{
    struct kport *port;
    struct pktbuf *p, *pkts[4];

    enter_lab();
    port = open_live("sp-a");
    port->ops->stop(port);
    cr_assert_not(port->link_up);
    p = frame_pkt(0x61, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
    cr_assert_eq(port->ops->tx_burst(port, &p, 1), 1,
                 "taken: dropped and counted, not left with the caller");
    cr_assert_eq(port->tx_dropped, 1);
    cr_assert_eq(port->ops->rx_burst(port, pkts, 4), 0);
    finish(port);
}

Test(pcap_live, missing_device_is_named)
{
    struct kit_params p = { 0 }, q = { 0 };
    struct kport *port;
    char err[160];

    kit_param(&p, "snaplen", "1600");
    cr_assert_eq(kit_open(&pcap_driver, "eth0", 0, &p, pool, &port, err, sizeof(err)), -KE_INVAL);
    cr_assert_null(port);
    cr_assert_not_null(strstr(err, "missing device=IFNAME"), "%s", err);
    cr_assert_not_null(strstr(err, "eth0"), "%s", err);

    kit_param(&q, "device", "sp-a");
    kit_param(&q, "snaplen", "12");
    cr_assert_eq(kit_open(&pcap_driver, "eth0", 0, &q, pool, &port, err, sizeof(err)), -KE_RANGE);
    cr_assert_not_null(strstr(err, "snaplen=12"), "%s", err);
    cr_assert_eq(pktpool_destroy(pool), 0);
}

Test(pcap_live, absent_device_error_names_it_and_the_reason)
{
    struct kit_params p = { 0 };
    struct kport *port;
    char err[160];
    int rc;

    enter_lab();
    kit_param(&p, "device", "sp-none");
    rc = kit_open(&pcap_driver, "eth0", 0, &p, pool, &port, err, sizeof(err));
    cr_assert_eq(rc, -KE_NODEV, "rc %d: %s", rc, err);
    cr_assert_null(port);
    cr_assert_not_null(strstr(err, "pcap: device sp-none: "), "%s", err);
    cr_assert_not_null(strstr(err, "No such device"), "%s", err);
    cr_assert(pktpool_all_full());
    cr_assert_eq(pktpool_destroy(pool), 0);
}
