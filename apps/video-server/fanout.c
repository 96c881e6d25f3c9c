/*
 * apps/video-server/fanout.c — one send turned into one datagram per client
 * (fanout.h).
 */
#include "apps/video-server/fanout.h"

#include "apps/video-server/counters.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "netgraph/netif.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/udp/udp_wire.h"

void vs_fanout_init(struct vs_fanout *fo, uint16_t sport, uint8_t mcast_ttl, struct pktpool *pool,
                    uint64_t *ctr)
{
    memset(fo, 0, sizeof *fo);
    fo->sport = sport;
    fo->mcast_ttl = mcast_ttl ? mcast_ttl : 1u;
    fo->pool = pool;
    fo->ctr = ctr;
}

void vs_fanout_fini(struct vs_fanout *fo)
{
    kfree(fo->clients);
    fo->clients = NULL;
    fo->n = fo->cap = 0;
}

int vs_fanout_find(const struct vs_fanout *fo, uint32_t addr, uint16_t port)
{
    for (uint32_t i = 0; i < fo->n; i++)
        if (fo->clients[i].addr == addr && fo->clients[i].port == port)
            return (int)i;
    return -1;
}

int vs_fanout_add(struct vs_fanout *fo, uint32_t addr, uint16_t port)
{
    if (port == 0 || (port & 1u) || port == 0xffffu || addr == 0 || addr == 0xffffffffu ||
        ipv4_is_class_e(addr) || ipv4_is_zeronet(addr) || ipv4_is_loopback(addr) ||
        netif_bcast_addr(addr))
        return -KE_INVAL;
    for (uint32_t i = 0; i < fo->n; i++) {
        const struct vs_client *c = &fo->clients[i];
        if (c->addr != addr)
            continue;
        if (c->port == port)
            return -KE_EXIST;
        if (c->port + 1u == port || port + 1u == c->port)
            return -KE_INVAL; /* RTP and RTCP ports would overlap */
    }
    uint32_t src = ipv4_source_for(addr);
    if (src == 0)
        return -KE_UNREACH;
    if (fo->n == VS_MAX_CLIENTS)
        return -KE_TOOBIG;
    if (fo->n == fo->cap) {
        uint32_t cap = fo->cap ? fo->cap * 2u : 8u;
        if (cap > VS_MAX_CLIENTS)
            cap = VS_MAX_CLIENTS;
        struct vs_client *nc = kmalloc((size_t)cap * sizeof *nc);
        if (nc == NULL)
            return -KE_NOMEM;
        if (fo->n)
            memcpy(nc, fo->clients, (size_t)fo->n * sizeof *nc);
        kfree(fo->clients);
        fo->clients = nc;
        fo->cap = cap;
    }
    fo->clients[fo->n++] = (struct vs_client){ .addr = addr, .port = port, .src = src };
    return 0;
}

int vs_fanout_remove(struct vs_fanout *fo, uint32_t addr, uint16_t port)
{
    int i = vs_fanout_find(fo, addr, port);
    if (i < 0)
        return -KE_NOENT;
    /* Keep the order: clients[0] stays the first remaining one joined. */
    memmove(&fo->clients[i], &fo->clients[i + 1],
            (size_t)(fo->n - (uint32_t)i - 1u) * sizeof *fo->clients);
    fo->n--;
    return 0;
}

int vs_fanout_error(struct vs_fanout *fo, uint32_t addr, uint16_t dport, uint64_t now_ns)
{
    for (uint32_t i = 0; i < fo->n; i++) {
        struct vs_client *c = &fo->clients[i];
        if (c->addr != addr || (dport != c->port && dport != c->port + 1u))
            continue;
        if (c->errors == 0 || now_ns - c->last_err_ns > VS_CLIENT_ERROR_GAP_NS) {
            c->errors = 0;
            c->first_err_ns = now_ns;
        }
        c->errors++;
        c->last_err_ns = now_ns;
        return c->errors >= VS_CLIENT_MAX_ERRORS && now_ns - c->first_err_ns >= VS_CLIENT_GRACE_NS
                   ? (int)i
                   : -1;
    }
    return -2;
}

uint16_t vs_csum_update16(uint16_t hc, uint16_t old, uint16_t new_word)
{
    uint32_t s = (uint32_t)(uint16_t)~hc + (uint16_t)~old + new_word;
    s = (s & 0xffffu) + (s >> 16);
    s = (s & 0xffffu) + (s >> 16);
    return (uint16_t)~s;
}

/* csum_update32 - vs_csum_update16 for a 32-bit field (two words). */
static uint16_t csum_update32(uint16_t hc, uint32_t old, uint32_t new_word)
{
    hc = vs_csum_update16(hc, (uint16_t)(old >> 16), (uint16_t)(new_word >> 16));
    return vs_csum_update16(hc, (uint16_t)old, (uint16_t)new_word);
}

/* set_ttl - write @ttl into IPv4 header @h and recompute its checksum. */
static void set_ttl(uint8_t *h, uint8_t ttl)
{
    uint16_t hlen = (uint16_t)ipv4_vhl_hlen(h[IPV4_OFF_VHL]);
    h[IPV4_OFF_TTL] = ttl;
    store_be16(h + IPV4_OFF_CSUM, 0);
    store_be16(h + IPV4_OFF_CSUM, inet_csum_fold(inet_csum_add(0, h, hlen)));
}

/*
 * client_copy - @orig's bytes for one client: a header buffer holding its
 * IPv4 and UDP headers (@hdrs bytes) chained to a reference of @orig's
 * shared payload segment when @orig has one (no payload byte copied), else
 * a copy of the whole datagram.
 */
static struct pktbuf *client_copy(const struct vs_fanout *fo, const struct pktbuf *orig,
                                  uint16_t hdrs)
{
    if (orig->frag == NULL || orig->len != hdrs)
        return pkt_copy(fo->pool, orig);
    struct pktbuf *h = pkt_alloc(fo->pool);
    uint8_t *d = h != NULL ? pkt_append(h, hdrs) : NULL;
    if (d == NULL) {
        pkt_free(h);
        return NULL;
    }
    memcpy(d, pkt_data(orig), hdrs);
    if (pkt_chain(h, pkt_ref(orig->frag)) < 0) { /* cannot: the original has the same size */
        pkt_free(orig->frag);
        pkt_free(h);
        return NULL;
    }
    pkt_set_layer(h, PKT_L3);
    fo->ctr[VS_FANOUT_SHARED]++;
    return h;
}

struct pktbuf *vs_fanout_make(const struct vs_fanout *fo, const struct pktbuf *orig,
                              const struct vs_client *c)
{
    const uint8_t *oh = pkt_data(orig);
    uint16_t hlen = (uint16_t)ipv4_vhl_hlen(oh[IPV4_OFF_VHL]);
    struct pktbuf *p = client_copy(fo, orig, (uint16_t)(hlen + UDP_HDR_LEN));
    if (p == NULL)
        return NULL;
    uint8_t *h = pkt_data(p);
    uint8_t *uh = h + hlen;
    uint32_t osrc = load_be32(h + IPV4_OFF_SRC), odst = load_be32(h + IPV4_OFF_DST);
    uint16_t odport = load_be16(uh + UDP_OFF_DPORT);
    uint16_t dport = (uint16_t)(c->port + (load_be16(uh + UDP_OFF_SPORT) - fo->sport));
    store_be32(h + IPV4_OFF_SRC, c->src);
    store_be32(h + IPV4_OFF_DST, c->addr);
    store_be16(uh + UDP_OFF_DPORT, dport);
    uint16_t uc = load_be16(uh + UDP_OFF_CSUM);
    if (uc != 0) { /* RFC 768: 0 means none was sent; keep it so */
        uc = csum_update32(uc, osrc, c->src);
        uc = csum_update32(uc, odst, c->addr);
        uc = vs_csum_update16(uc, odport, dport);
        store_be16(uh + UDP_OFF_CSUM, uc == 0 ? 0xffffu : uc);
    }
    uint8_t ttl = ipv4_is_mcast(c->addr) ? fo->mcast_ttl : h[IPV4_OFF_TTL];
    set_ttl(h, ttl); /* and the header checksum, whatever changed */
    return p;
}

uint32_t vs_fanout_send(struct vs_fanout *fo, struct pktbuf *orig)
{
    uint8_t *h = pkt_data(orig);
    if (fo->n > 0 && ipv4_is_mcast(fo->clients[0].addr) && pkt_writable(orig) &&
        h[IPV4_OFF_TTL] != fo->mcast_ttl)
        set_ttl(h, fo->mcast_ttl);
    uint32_t sent = 0;
    for (uint32_t i = 1; i < fo->n; i++) {
        struct vs_client *c = &fo->clients[i];
        struct ipv4_route rt;
        struct netif *ifp;
        if (ipv4_route_lookup(c->addr, &rt) < 0 || (ifp = netif_get(rt.ifindex)) == NULL) {
            fo->ctr[VS_FANOUT_ERRORS]++;
            continue;
        }
        struct pktbuf *p = vs_fanout_make(fo, orig, c);
        if (p == NULL) {
            fo->ctr[VS_FANOUT_NO_BUFFER]++;
            continue;
        }
        uint32_t next_hop = rt.gateway != 0 && !ipv4_is_mcast(c->addr) ? rt.gateway : c->addr;
        if (ipv4_output(ifp, next_hop, p) < 0) {
            fo->ctr[VS_FANOUT_ERRORS]++;
            continue;
        }
        c->copies++;
        sent++;
    }
    fo->ctr[VS_FANOUT_COPIES] += sent;
    return sent;
}
