/*
 * tools/aal5/aal5_sock.c — see aal5_sock.h. One AF_PACKET socket bound to
 * the interface and EtherType 0x88B5; frames are built with the Ethernet
 * header in front (SOCK_RAW), cells by aal5_seg; received frames go through
 * an aal5_reasm whose deliveries wait in a small queue.
 */
#include "tools/aal5/aal5_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SOCK_QMAX 64                  /* PDUs received and not yet taken */
#define SOCK_RCVBUF (8 << 20)         /* bytes: several 65535-byte PDUs in flight */
#define SOCK_TIMEOUT_NS 1000000000ull /* reassembly timeout */

struct aal5_sock {
    int fd;
    int ifindex;
    uint8_t mac[6];
    uint8_t peer[6];
    bool has_peer;
    struct pktpool *small, *big;
    struct aal5_reasm *r;
    uint64_t ctr[AAL5_RX_NCTR];
    struct aal5_sock_pdu q[SOCK_QMAX];
    unsigned qhead, qlen;
    uint64_t frame_ns; /* when the frame being reassembled was read */
    uint8_t frame[ETHER_HDR_LEN + AAL5_FRAME_MAX + 64];
};

uint64_t aal5_sock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int sock_fail(char *err, size_t errlen, const char *ifname, const char *what)
{
    snprintf(err, errlen, "%s: %s: %s", ifname, what, strerror(errno));
    return -1;
}

int aal5_sock_open(struct aal5_sock **out, const char *ifname, const uint8_t *peer, char *err,
                   size_t errlen)
{
    struct aal5_sock *s = calloc(1, sizeof *s);
    if (s == NULL)
        return sock_fail(err, errlen, ifname, "calloc");
    s->fd = -1;
    s->ifindex = (int)if_nametoindex(ifname);
    if (s->ifindex == 0) {
        sock_fail(err, errlen, ifname, "no such interface");
        goto fail;
    }
    s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(AAL5_ETHERTYPE));
    if (s->fd < 0) {
        sock_fail(err, errlen, ifname, "socket(AF_PACKET) (needs CAP_NET_RAW)");
        goto fail;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    if (ioctl(s->fd, SIOCGIFHWADDR, &ifr) < 0) {
        sock_fail(err, errlen, ifname, "SIOCGIFHWADDR");
        goto fail;
    }
    memcpy(s->mac, ifr.ifr_hwaddr.sa_data, 6);
    struct sockaddr_ll sll = { .sll_family = AF_PACKET,
                               .sll_protocol = htons(AAL5_ETHERTYPE),
                               .sll_ifindex = s->ifindex };
    if (bind(s->fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
        sock_fail(err, errlen, ifname, "bind");
        goto fail;
    }
    int rcv = SOCK_RCVBUF;
    if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) < 0)
        setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv); /* capped by rmem_max */
    if (peer != NULL) {
        memcpy(s->peer, peer, 6);
        s->has_peer = true;
    } else {
        memset(s->peer, 0xff, 6);
    }
    s->small = pktpool_create("aal5-sock-small", 256, 2048, NULL, NULL);
    s->big = pktpool_create("aal5-sock-big", 16, 65535, NULL, NULL);
    const struct aal5_reasm_params p = {
        .max_vcs = 64,
        .max_payload = AAL5_MAX_PAYLOAD,
        .max_bytes = 8u * 65535u,
        .timeout_ns = SOCK_TIMEOUT_NS,
        .headroom = 0,
        .small = s->small,
        .big = s->big,
        .ctr = s->ctr,
    };
    s->r = s->small && s->big ? aal5_reasm_create(&p) : NULL;
    if (s->r == NULL) {
        snprintf(err, errlen, "%s: no memory for reassembly", ifname);
        goto fail;
    }
    *out = s;
    return 0;
fail:
    aal5_sock_close(s);
    return -1;
}

void aal5_sock_close(struct aal5_sock *s)
{
    if (s == NULL)
        return;
    while (s->qlen > 0) {
        aal5_sock_pdu_free(&s->q[s->qhead]);
        s->qhead = (s->qhead + 1) % SOCK_QMAX;
        s->qlen--;
    }
    aal5_reasm_destroy(s->r);
    if (s->small)
        pktpool_destroy(s->small);
    if (s->big)
        pktpool_destroy(s->big);
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

const uint8_t *aal5_sock_mac(const struct aal5_sock *s)
{
    return s->mac;
}

const uint64_t *aal5_sock_counters(const struct aal5_sock *s)
{
    return s->ctr;
}

int aal5_sock_send(struct aal5_sock *s, uint8_t vpi, uint16_t vci, uint8_t uu, const void *payload,
                   size_t len)
{
    struct aal5_seg seg;
    const struct atm_cell_hdr h = { .vpi = vpi, .vci = vci };
    if (len > AAL5_MAX_PAYLOAD || aal5_seg_start(&seg, &h, uu, payload, (uint32_t)len) < 0) {
        errno = EINVAL;
        return -1;
    }
    uint8_t *f = s->frame;
    memcpy(f, s->peer, 6);
    memcpy(f + 6, s->mac, 6);
    f[12] = (uint8_t)(AAL5_ETHERTYPE >> 8);
    f[13] = (uint8_t)AAL5_ETHERTYPE;
    while (!aal5_seg_done(&seg)) {
        size_t n = aal5_seg_frame(&seg, f + ETHER_HDR_LEN, AAL5_FRAME_MAX);
        ssize_t w;
        do
            w = send(s->fd, f, ETHER_HDR_LEN + n, 0);
        while (w < 0 && (errno == EINTR || errno == ENOBUFS));
        if (w < 0)
            return -1;
    }
    return 0;
}

/* sock_deliver - queue a reassembled PDU (dropped, counted no_memory, when the queue is full). */
static void sock_deliver(void *ctx, struct pktbuf *pdu, const struct aal5_pdu_info *info)
{
    struct aal5_sock *s = ctx;
    if (s->qlen == SOCK_QMAX) {
        s->ctr[AAL5_NO_MEMORY]++; /* no room to keep it */
        pkt_free(pdu);
        return;
    }
    struct aal5_sock_pdu *q = &s->q[(s->qhead + s->qlen) % SOCK_QMAX];
    q->vpi = info->last.vpi;
    q->vci = info->last.vci;
    q->uu = info->uu;
    for (int i = 0; i < 6; i++)
        q->src[i] = (uint8_t)(info->link >> (40 - 8 * i));
    q->data = pkt_data(pdu);
    q->len = pdu->len;
    q->rx_ns = s->frame_ns;
    q->buf = pdu;
    s->qlen++;
}

/* sock_read - read every frame waiting (never blocks) into the reassembler. Returns -1 on error. */
static int sock_read(struct aal5_sock *s)
{
    for (;;) {
        struct sockaddr_ll from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(s->fd, s->frame, sizeof s->frame, MSG_DONTWAIT | MSG_TRUNC,
                             (struct sockaddr *)&from, &fl);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
        if (from.sll_pkttype == PACKET_OUTGOING || n < ETHER_HDR_LEN)
            continue;
        const uint8_t *src = s->frame + 6;
        if (s->has_peer && memcmp(src, s->peer, 6) != 0)
            continue;
        uint64_t link = 0;
        for (int i = 0; i < 6; i++)
            link = link << 8 | src[i];
        s->frame_ns = aal5_sock_now_ns();
        size_t len = (size_t)n - ETHER_HDR_LEN;
        if ((size_t)n > sizeof s->frame)
            len = 1; /* longer than 28 cells: counted bad_frame_len, nothing read */
        aal5_reasm_input(s->r, link, s->frame + ETHER_HDR_LEN, len, s->frame_ns, sock_deliver, s);
    }
}

int aal5_sock_recv(struct aal5_sock *s, struct aal5_sock_pdu *pdu, int timeout_ms)
{
    uint64_t start = aal5_sock_now_ns();
    for (;;) {
        if (s->qlen > 0) {
            *pdu = s->q[s->qhead];
            s->qhead = (s->qhead + 1) % SOCK_QMAX;
            s->qlen--;
            return 1;
        }
        uint64_t now = aal5_sock_now_ns();
        aal5_reasm_expire(s->r, now);
        int wait = -1;
        if (timeout_ms >= 0) {
            uint64_t end = start + (uint64_t)timeout_ms * 1000000ull;
            if (now >= end && timeout_ms > 0)
                return 0;
            wait = now >= end ? 0 : (int)((end - now + 999999) / 1000000);
        }
        struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
        int rc = poll(&pfd, 1, wait);
        if (rc < 0 && errno != EINTR)
            return -1;
        if (rc > 0 && sock_read(s) < 0)
            return -1;
        if (rc == 0 && timeout_ms == 0 && s->qlen == 0)
            return 0;
    }
}

void aal5_sock_pdu_free(struct aal5_sock_pdu *pdu)
{
    pkt_free(pdu->buf);
    pdu->buf = NULL;
    pdu->data = NULL;
}
