/* drivers/loop/loop.c — the in-memory link (drivers/loop/loop.h). Portable. */
#include "drivers/loop/loop.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

struct pktq {
    struct pktbuf *head, *tail;
    unsigned n;
};

struct loop_priv {
    struct pktq rxq, txq;
    struct kport *peer;
    unsigned tx_limit; /* 0: none; else the "ring" holds this many untaken frames */
};

static void q_put(struct pktq *q, struct pktbuf *p)
{
    p->next = NULL;
    if (q->tail)
        q->tail->next = p;
    else
        q->head = p;
    q->tail = p;
    q->n++;
}

static struct pktbuf *q_get(struct pktq *q)
{
    struct pktbuf *p = q->head;
    if (!p)
        return NULL;
    q->head = p->next;
    if (!q->head)
        q->tail = NULL;
    p->next = NULL;
    q->n--;
    return p;
}

static void q_flush(struct pktq *q)
{
    struct pktbuf *p;
    while ((p = q_get(q)))
        pkt_free(p);
}

static int loop_start(struct kport *port)
{
    port->link_up = true;
    return 0;
}

static void loop_stop(struct kport *port)
{
    struct loop_priv *lp = port->priv;
    port->link_up = false;
    q_flush(&lp->rxq);
    q_flush(&lp->txq);
}

static uint16_t loop_rx_burst(struct kport *port, struct pktbuf **pkts, uint16_t max)
{
    struct loop_priv *lp = port->priv;
    uint16_t n = 0;
    while (n < max) {
        struct pktbuf *p = q_get(&lp->rxq);
        if (!p)
            break;
        p->rx_ns = kclock_now_ns();
        port->rx_packets++;
        port->rx_bytes += p->len;
        pkts[n++] = p;
    }
    return n;
}

static uint16_t loop_tx_burst(struct kport *port, struct pktbuf **pkts, uint16_t n)
{
    struct loop_priv *lp = port->priv;
    for (uint16_t i = 0; i < n; i++) {
        struct pktbuf *p = pkts[i];
        if (!lp->peer && lp->tx_limit && lp->txq.n >= lp->tx_limit)
            return i; /* the "ring" is full: the caller keeps pkts[i..n) */
        port->tx_packets++;
        port->tx_bytes += p->len;
        if (lp->peer) {
            /* the peer receives a copy in its own pool, as a wire would deliver it */
            struct loop_priv *pp = lp->peer->priv;
            struct pktbuf *c = pkt_alloc(lp->peer->pool);
            if (c && p->len <= pkt_tailroom(c)) {
                memcpy(pkt_append(c, p->len), pkt_data(p), p->len);
                q_put(&pp->rxq, c);
            } else {
                pkt_free(c);
                lp->peer->rx_dropped++;
            }
            pkt_free(p);
        } else {
            q_put(&lp->txq, p);
        }
    }
    return n;
}

/* unjoin - cut @port's cable: neither end points at the other afterwards. */
static void unjoin(struct kport *port)
{
    struct loop_priv *lp = port->priv;
    if (lp->peer != NULL) {
        struct loop_priv *pp = lp->peer->priv;
        if (pp->peer == port)
            pp->peer = NULL;
        lp->peer = NULL;
    }
}

/* Loop ports opened by configuration, so "peer=" can name an earlier one. */
static struct kport *loop_by_name[8];
static unsigned nloops;

static void loop_close(struct kport *port)
{
    struct loop_priv *lp = port->priv;
    for (unsigned i = 0; i < nloops; i++)
        if (loop_by_name[i] == port)
            loop_by_name[i] = NULL;
    q_flush(&lp->rxq);
    q_flush(&lp->txq);
    unjoin(port);
    kfree(lp);
    kfree(port);
}

static const struct kport_ops loop_ops = {
    .start = loop_start,
    .stop = loop_stop,
    .rx_burst = loop_rx_burst,
    .tx_burst = loop_tx_burst,
    .close = loop_close,
};

struct kport *loop_port_create(const char *name, const uint8_t mac[6], struct pktpool *pool)
{
    struct kport *port = kmalloc(sizeof *port);
    struct loop_priv *lp = kmalloc(sizeof *lp);
    if (!port || !lp) {
        kfree(port);
        kfree(lp);
        return NULL;
    }
    port->ops = &loop_ops;
    port->priv = lp;
    port->driver = "loop";
    kstrlcpy(port->name, name, sizeof port->name);
    memcpy(port->mac, mac, 6);
    port->mtu = 1500;
    port->wait_fd = -1;
    port->pool = pool ? pool : pktpool_default();
    return port;
}

void loop_join(struct kport *a, struct kport *b)
{
    /* A cable has two ends: a port joined elsewhere is cut from there first,
     * so no port is ever left pointing at one that no longer points back. */
    unjoin(a);
    unjoin(b);
    ((struct loop_priv *)a->priv)->peer = b;
    ((struct loop_priv *)b->priv)->peer = a;
}

int loop_inject(struct kport *port, const void *frame, size_t len)
{
    struct loop_priv *lp = port->priv;
    struct pktbuf *p = pkt_alloc(port->pool);
    if (!p) {
        port->rx_dropped++;
        return -KE_NOMEM;
    }
    if (len > pkt_tailroom(p)) {
        pkt_free(p);
        return -KE_TOOBIG;
    }
    memcpy(pkt_append(p, (uint16_t)len), frame, len);
    q_put(&lp->rxq, p);
    return 0;
}

struct pktbuf *loop_take_tx(struct kport *port)
{
    return q_get(&((struct loop_priv *)port->priv)->txq);
}

void loop_set_tx_limit(struct kport *port, unsigned frames)
{
    ((struct loop_priv *)port->priv)->tx_limit = frames;
}

unsigned loop_tx_pending(const struct kport *port)
{
    return ((const struct loop_priv *)port->priv)->txq.n;
}

/* Configuration: "interface NAME driver=loop [mtu=N] [peer=OTHER]". */
static int loop_open(const struct kdriver_args *a, struct kport **out, char *err, size_t errlen)
{
    uint64_t mtu;
    if (kparams_get_u64(a->params, "mtu", 1500, 68, 9000, &mtu)) {
        ksnprintf(err, errlen, "loop %s: mtu must be a number from 68 to 9000", a->ifname);
        return -KE_INVAL;
    }
    uint8_t mac[6] = { 0x02, 0, 0, 0, 0x10, (uint8_t)a->instance };
    struct kport *port = loop_port_create(a->ifname, mac, a->pool);
    if (!port) {
        ksnprintf(err, errlen, "loop %s: out of memory", a->ifname);
        return -KE_NOMEM;
    }
    port->mtu = (uint16_t)mtu;
    const char *peer = kparams_get(a->params, "peer");
    if (peer) {
        struct kport *other = NULL;
        for (unsigned i = 0; i < nloops; i++)
            if (loop_by_name[i] && strcmp(loop_by_name[i]->name, peer) == 0)
                other = loop_by_name[i];
        if (!other) {
            loop_close(port);
            ksnprintf(err, errlen, "loop %s: peer %s is not an earlier loop interface", a->ifname,
                      peer);
            return -KE_NOENT;
        }
        struct loop_priv *op = other->priv;
        if (op->peer != NULL) {
            char taken[sizeof op->peer->name];
            kstrlcpy(taken, op->peer->name, sizeof taken);
            loop_close(port);
            ksnprintf(err, errlen,
                      "loop %s: peer %s is already joined to %s (a cable has two ends)", a->ifname,
                      peer, taken);
            return -KE_INVAL; /* a bad parameter, not a device failure */
        }
        loop_join(port, other);
    }
    for (unsigned i = 0; i < KARRAY_SIZE(loop_by_name); i++) {
        if (!loop_by_name[i]) {
            loop_by_name[i] = port;
            if (i >= nloops)
                nloops = i + 1;
            break;
        }
    }
    *out = port;
    return 0;
}

const struct kdriver loop_driver = { .name = "loop", .open = loop_open };
KDRIVER_REGISTER(loop_driver);
