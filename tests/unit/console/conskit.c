/* tests/unit/console/conskit.c — see conskit.h. Hosted test code. */
#include "conskit.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit.h"
#include "netgraph/apply.h"
#include "netgraph/instances.h"
#include "netgraph/runtime.h"
#include "drivers/loop/loop.h"
#include "netgraph/config.h"

const uint8_t CK_OUR_MAC[6] = { 2, 0, 0, 0, 0, 1 };
const uint8_t CK_PEER_MAC[6] = { 2, 0, 0, 0, 0, 0x99 };

const char ck_conf[] = "interface eth0 driver=loop mac=02:00:00:00:00:01\n"
                       "interface eth1 driver=loop mac=02:00:00:00:00:11\n"
                       "address eth0 10.0.0.1/24\n"
                       "address eth1 192.168.9.1/24\n"
                       "route 0.0.0.0/0 via 10.0.0.254\n"
                       "extension udp-count port=5000\n";

static struct config cfg;
static struct console_session session;
static char out[1 << 16];
static size_t out_len;

struct netif *ck_appliance(const char *text)
{
    struct config_error err;
    cr_assert_eq(netgraph_init(256), 0);
    cr_assert_eq(kdriver_register(&loop_driver), 0);
    cr_assert_eq(config_parse(text, strlen(text), "test.conf", &cfg, &err), 0, "%u:%u: %s",
                 err.line, err.col, err.msg);
    cr_assert_eq(netgraph_configure(&cfg, &err), 0, "%s", err.msg);
    struct netif *ifp = netif_find("eth0");
    cr_assert_not_null(ifp);
    return ifp;
}

void ck_finish(void)
{
    netgraph_shutdown();
    config_free(&cfg);
    cr_assert(testkit_pool_full(), "every packet buffer back in its pool");
}

static void capture(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    cr_assert_lt(out_len + n, sizeof out, "console output larger than the capture buffer");
    memcpy(out + out_len, s, n);
    out_len += n;
    out[out_len] = '\0';
}

struct console_session *ck_console(unsigned flags)
{
    console_session_init(&session, capture, NULL, flags);
    ck_clear();
    return &session;
}

enum console_status ck_run(const char *line)
{
    ck_clear();
    return console_exec(&session, line);
}

const char *ck_out(void)
{
    return out;
}

void ck_clear(void)
{
    out_len = 0;
    out[0] = '\0';
}

/* ------------------------------------------------------------- frames */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

uint16_t ck_csum(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

size_t ck_arp_request(uint8_t *f, uint32_t target)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    return testkit_arp_frame(f, bcast, 1, CK_PEER_MAC, CK_PEER_IP, NULL, target);
}

/* ipv4_frame - Ethernet + IPv4 header to us with @proto around @l4_len bytes already at f+34. */
static size_t ipv4_frame(uint8_t *f, uint8_t proto, size_t l4_len)
{
    static uint16_t ip_id = 1;
    memcpy(f, CK_OUR_MAC, 6);
    memcpy(f + 6, CK_PEER_MAC, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (uint16_t)(20 + l4_len));
    put16(ip + 4, ip_id++);
    put16(ip + 6, 0);
    ip[8] = 64;
    ip[9] = proto;
    put16(ip + 10, 0);
    put32(ip + 12, CK_PEER_IP);
    put32(ip + 16, CK_OUR_IP);
    put16(ip + 10, ck_csum(ip, 20));
    size_t len = 34 + l4_len;
    if (len < 60) {
        memset(f + len, 0, 60 - len);
        len = 60;
    }
    return len;
}

size_t ck_udp(uint8_t *f, size_t cap, uint16_t sport, uint16_t dport, const void *payload,
              size_t len)
{
    cr_assert_leq(34 + 8 + len, cap);
    uint8_t *u = f + 34;
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, (uint16_t)(8 + len));
    put16(u + 6, 0);
    memcpy(u + 8, payload, len);
    /* RFC 768 checksum over the pseudo-header and the datagram. */
    uint8_t pseudo[12 + 1500];
    put32(pseudo, CK_PEER_IP);
    put32(pseudo + 4, CK_OUR_IP);
    pseudo[8] = 0;
    pseudo[9] = 17;
    put16(pseudo + 10, (uint16_t)(8 + len));
    memcpy(pseudo + 12, u, 8 + len);
    uint16_t c = ck_csum(pseudo, 12 + 8 + len);
    put16(u + 6, c ? c : 0xffff);
    return ipv4_frame(f, 17, 8 + len);
}

size_t ck_ping(uint8_t *f, size_t cap, uint16_t id, uint16_t seq)
{
    static const char data[] = "spindle console test ping";
    cr_assert_leq(34 + 8 + sizeof data, cap);
    uint8_t *m = f + 34;
    m[0] = 8; /* echo request */
    m[1] = 0;
    put16(m + 2, 0);
    put16(m + 4, id);
    put16(m + 6, seq);
    memcpy(m + 8, data, sizeof data);
    put16(m + 2, ck_csum(m, 8 + sizeof data));
    return ipv4_frame(f, 1, 8 + sizeof data);
}

void ck_inject(struct netif *ifp, const uint8_t *f, size_t len)
{
    cr_assert_eq(loop_inject(ifp->port, f, len), 0, "loop_inject");
}

unsigned ck_poll(void)
{
    unsigned total = 0, n;
    for (int bound = 0; bound < 1000 && (n = netgraph_poll(false)) > 0; bound++)
        total += n;
    return total;
}

bool ck_take(struct netif *ifp, struct ck_sent *s)
{
    struct pktbuf *p = loop_take_tx(ifp->port);
    if (!p)
        return false;
    memset(s, 0, sizeof *s);
    s->len = p->len < sizeof s->frame ? p->len : sizeof s->frame;
    memcpy(s->frame, pkt_data(p), s->len);
    pkt_free(p);
    cr_assert_geq(s->len, 14);
    s->ethertype = get16(s->frame + 12);
    if (s->ethertype == 0x0800 && s->len >= 34) {
        const uint8_t *ip = s->frame + 14;
        size_t ihl = (size_t)(ip[0] & 15) * 4;
        size_t total = get16(ip + 2);
        cr_assert_eq(ck_csum(ip, ihl), 0, "IPv4 header checksum of a sent frame");
        cr_assert_leq(14 + total, s->len);
        s->proto = ip[9];
        s->src = get32(ip + 12);
        s->dst = get32(ip + 16);
        s->l4 = ip + ihl;
        s->l4_len = total - ihl;
    }
    return true;
}

unsigned ck_sent_drain(struct netif *ifp)
{
    unsigned n = 0;
    struct pktbuf *p;
    while ((p = loop_take_tx(ifp->port)) != NULL) {
        pkt_free(p);
        n++;
    }
    return n;
}
