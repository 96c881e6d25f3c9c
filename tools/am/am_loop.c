/* tools/am/am_loop.c — see am_loop.h. */
#include "tools/am/am_loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "apps/am/am_addr.h"
#include "guards/dispatch.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/lib/inet.h"
#include "kernel/log.h"
#include "kernel/pktbuf.h"
#include "kernel/strand.h"
#include "kernel/timer.h"
#include "protocols/aal5/aal5.h"
#include "tools/aal5/aal5_sock.h"

volatile sig_atomic_t am_loop_stopped;

static uint8_t rxbuf[65536];

static int fail(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    snprintf(err, errlen, fmt, a, b);
    return -1;
}

static int sock_udp_send(void *ctx, const struct am_addr *to, struct pktbuf *msg)
{
    struct am_loop *L = ctx;
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons(to->port),
                              .sin_addr.s_addr = htonl(to->ip) };
    ssize_t w = sendto(L->fd, pkt_data(msg), msg->len, 0, (struct sockaddr *)&sa, sizeof sa);
    pkt_free(msg);
    return w < 0 ? -KE_IO : 0;
}

static int sock_aal5_send(void *ctx, const struct am_addr *to, struct pktbuf *msg)
{
    struct am_loop *L = ctx;
    (void)to; /* the packet socket sends to its one peer (--dst) */
    int rc = aal5_sock_send(L->as, L->vpi, L->vci, 0, pkt_data(msg), msg->len);
    pkt_free(msg);
    return rc < 0 ? -KE_IO : 0;
}

/* parse_mode - sync | async | bounded[:US] into @p. */
static int parse_mode(const char *m, struct khandler_props *p)
{
    if (m == NULL || strcmp(m, "sync") == 0)
        return 0;
    if (strcmp(m, "async") == 0) {
        p->mode = KH_ASYNC;
        return 0;
    }
    if (strncmp(m, "bounded", 7) == 0) {
        unsigned long us = 1000;
        if (m[7] == ':')
            us = strtoul(m + 8, NULL, 10);
        else if (m[7] != '\0')
            return -1;
        p->budget_ns = (uint64_t)us * 1000u;
        return us > 0 ? 0 : -1;
    }
    return -1;
}

/* open_udp - the socket: bound to HOST:PORT when serving, else to --lport. */
static int open_udp(struct am_loop *L, const struct am_loop_opts *o, char *err, size_t errlen)
{
    uint32_t ip;
    uint16_t port = 0;
    if (am_parse_ipport(o->udp, &ip, &port) < 0 || port == 0)
        return fail(err, errlen, "--udp %s%s: expected A.B.C.D:PORT", o->udp, "");
    L->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (L->fd < 0)
        return fail(err, errlen, "socket: %s%s", strerror(errno), "");
    struct sockaddr_in sa = { .sin_family = AF_INET };
    if (o->serve) {
        sa.sin_addr.s_addr = htonl(ip);
        sa.sin_port = htons(port);
    } else {
        sa.sin_port = htons(o->lport);
        L->peer = (struct am_addr){ .kind = AM_KIND_UDP, .ip = ip, .port = port };
    }
    int buf = 4 << 20;
    setsockopt(L->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    if (bind(L->fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        return fail(err, errlen, "bind %s: %s", o->udp, strerror(errno));
    socklen_t sl = sizeof sa;
    getsockname(L->fd, (struct sockaddr *)&sa, &sl);
    L->port = ntohs(sa.sin_port);
    return 0;
}

static int open_aal5(struct am_loop *L, const struct am_loop_opts *o, char *err, size_t errlen)
{
    uint8_t mac[6];
    if (o->dst == NULL || inet_parse_mac(o->dst, strlen(o->dst), mac) < 0)
        return fail(err, errlen, "--dst %s%s: expected the peer's MAC xx:xx:xx:xx:xx:xx",
                    o->dst ? o->dst : "(missing)", "");
    if (o->vc == NULL || aal5_parse_vc(o->vc, &L->vpi, &L->vci) < 0)
        return fail(err, errlen, "--vc %s%s: expected VPI/VCI", o->vc ? o->vc : "(missing)", "");
    if (aal5_sock_open(&L->as, o->ifname, mac, err, errlen) < 0)
        return -1;
    L->peer = (struct am_addr){ .kind = AM_KIND_AAL5 };
    memcpy(L->peer.mac, mac, 6);
    return 0;
}

int am_loop_open(struct am_loop **out, const struct am_loop_opts *o, char *err, size_t errlen)
{
    const char *lvl = getenv("SPINDLE_AM_LOG");
    klog_set_level(lvl ? (enum klog_level)atoi(lvl) : KLOG_WARN);
    if (guards_init() != 0)
        return fail(err, errlen, "the dispatcher did not start%s%s", "", "");
    if (pktpool_default() == NULL) {
        struct pktpool *pool = pktpool_create("default", 1024, PKT_BLOCK_SIZE, NULL, NULL);
        if (pool == NULL)
            return fail(err, errlen, "no memory for buffers%s%s", "", "");
        pktpool_set_default(pool);
    }
    struct am_loop *L = calloc(1, sizeof *L);
    L->fd = -1;
    struct khandler_props builtin = { 0 };
    if (parse_mode(o->mode, &builtin) < 0) {
        free(L);
        return fail(err, errlen, "--mode %s%s: sync, async or bounded[:US]", o->mode, "");
    }
    int rc = o->udp ? open_udp(L, o, err, errlen) : open_aal5(L, o, err, errlen);
    if (rc < 0) {
        am_loop_close(L);
        return -1;
    }
    char name[32];
    if (o->udp)
        snprintf(name, sizeof name, "udp:%u", L->port);
    else
        snprintf(name, sizeof name, "aal5:%u/%u", L->vpi, L->vci);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct am_config cfg = {
        .name = name,
        .window = o->window,
        .rto_ns = (uint64_t)o->rto_us * 1000u,
        .retries = o->retries,
        .chunk = o->chunk,
        .segment_bytes = AM_SEGMENT_DEFAULT,
        .epoch_seed = (uint32_t)ts.tv_nsec ^ (uint32_t)getpid() << 16,
        .builtin = builtin,
        .ctr = L->ctr,
    };
    struct am_transport t = { .kind = o->udp ? AM_KIND_UDP : AM_KIND_AAL5,
                              .send = o->udp ? sock_udp_send : sock_aal5_send,
                              .ctx = L };
    L->ep = am_ep_create(&cfg, &t, &rc);
    if (L->ep == NULL) {
        am_loop_close(L);
        return fail(err, errlen, "endpoint: %s%s", kerr_str(rc), "");
    }
    *out = L;
    return 0;
}

/* input - everything waiting on the socket, at most @wait_ms for the first. */
static void input(struct am_loop *L, int wait_ms)
{
    if (L->as != NULL) {
        struct aal5_sock_pdu pdu;
        while (aal5_sock_recv(L->as, &pdu, wait_ms) == 1) {
            struct am_addr from = { .kind = AM_KIND_AAL5 };
            memcpy(from.mac, pdu.src, 6);
            if (pdu.vpi == L->vpi && pdu.vci == L->vci) {
                L->last_rx_ns = kclock_now_ns();
                am_ep_input(L->ep, &from, pdu.data, pdu.len);
            }
            aal5_sock_pdu_free(&pdu);
            wait_ms = 0;
        }
        return;
    }
    struct pollfd pfd = { .fd = L->fd, .events = POLLIN };
    if (poll(&pfd, 1, wait_ms) <= 0)
        return;
    for (;;) {
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        ssize_t n = recvfrom(L->fd, rxbuf, sizeof rxbuf, MSG_DONTWAIT, (struct sockaddr *)&sa, &sl);
        if (n < 0)
            return;
        struct am_addr from = { .kind = AM_KIND_UDP,
                                .ip = ntohl(sa.sin_addr.s_addr),
                                .port = ntohs(sa.sin_port) };
        L->last_rx_ns = kclock_now_ns();
        am_ep_input(L->ep, &from, rxbuf, (size_t)n);
    }
}

void am_loop_run(struct am_loop *L, bool (*until)(void *ctx), void *ctx, uint64_t max_ns)
{
    uint64_t end = kclock_now_ns() + max_ns;
    while (!am_loop_stopped) {
        uint64_t now = kclock_now_ns();
        ktimer_run_due(now);
        ksched_run(64);
        if ((until != NULL && until(ctx)) || now >= end)
            return;
        uint64_t next = ktimer_next_deadline();
        if (next > end)
            next = end;
        int wait_ms = 0;
        if (ksched_runnable() == 0 && next > now) {
            uint64_t ms = (next - now + 999999) / 1000000;
            wait_ms = ms > 100 ? 100 : (int)ms;
        }
        input(L, wait_ms);
    }
}

void am_loop_print_counters(const struct am_loop *L, FILE *f)
{
    for (unsigned i = 0; i < AM_NCTR; i++)
        if (L->ctr[i] != 0)
            fprintf(f, "%s %llu\n", am_ctr_names[i], (unsigned long long)L->ctr[i]);
}

void am_loop_close(struct am_loop *L)
{
    if (L == NULL)
        return;
    am_ep_destroy(L->ep);
    if (L->fd >= 0)
        close(L->fd);
    aal5_sock_close(L->as);
    free(L);
}
