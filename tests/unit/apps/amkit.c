/* tests/unit/apps/amkit.c — see amkit.h. Hosted test code. */
#include "amkit.h"
#include "testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kerr.h"
#include "kernel/strand.h"

#define AK_QMAX 4096

struct ak_msg {
    struct pktbuf *pkt;
    bool to_b;
};

static struct ak *cur;
static struct ak_msg q[AK_QMAX];
static unsigned qhead, qlen;

static int ak_send(void *ctx, const struct am_addr *to, struct pktbuf *msg)
{
    (void)to;
    bool to_b = ctx == (void *)&cur->addr_b;
    if (qlen == AK_QMAX) {
        pkt_free(msg);
        return -KE_AGAIN;
    }
    q[(qhead + qlen++) % AK_QMAX] = (struct ak_msg){ msg, to_b };
    cur->queued = qlen;
    return 0;
}

void ak_setup(struct ak *k, const struct am_config *cfg)
{
    testkit_init();
    memset(k, 0, sizeof *k);
    cur = k;
    qhead = qlen = 0;
    k->addr_a = (struct am_addr){ .kind = AM_KIND_UDP, .ip = 0x0a000001u, .port = 9000 };
    k->addr_b = (struct am_addr){ .kind = AM_KIND_UDP, .ip = 0x0a000002u, .port = 9000 };
    struct am_config c = *cfg;
    struct am_transport ta = { .kind = AM_KIND_UDP, .send = ak_send, .ctx = &k->addr_b };
    struct am_transport tb = { .kind = AM_KIND_UDP, .send = ak_send, .ctx = &k->addr_a };
    int err = 0;
    c.name = "A";
    c.epoch_seed = 1;
    k->a = am_ep_create(&c, &ta, &err);
    c.name = "B";
    c.epoch_seed = 2;
    k->b = am_ep_create(&c, &tb, &err);
    if (k->a == NULL || k->b == NULL) {
        fprintf(stderr, "amkit: endpoints not created: %s\n", kerr_str(err));
        abort();
    }
}

static void drain(void)
{
    while (qlen > 0) {
        pkt_free(q[qhead].pkt);
        qhead = (qhead + 1) % AK_QMAX;
        qlen--;
    }
}

void ak_teardown(struct ak *k)
{
    drain();
    am_ep_destroy(k->a);
    am_ep_destroy(k->b);
    drain();
    ksched_run(100000);
    cur = NULL;
}

static void deliver(struct ak *k, struct ak_msg m)
{
    struct am_ep *to = m.to_b ? k->b : k->a;
    const struct am_addr *from = m.to_b ? &k->addr_a : &k->addr_b;
    am_ep_input(to, from, pkt_data(m.pkt), m.pkt->len);
}

/* carry - what the link does to one message: lose, deliver, or deliver twice. */
static void carry(struct ak *k, struct ak_msg m)
{
    unsigned nth = ++k->carried;
    bool lose = (k->link.drop_every && nth % k->link.drop_every == 0) ||
                (k->link.drop && k->link.drop(pkt_data(m.pkt), m.pkt->len, m.to_b));
    if (lose) {
        k->dropped++;
    } else {
        deliver(k, m);
        if (k->link.dup_every && nth % k->link.dup_every == 0) {
            k->duplicated++;
            deliver(k, m);
        }
    }
    pkt_free(m.pkt);
}

static struct ak_msg pop(void)
{
    struct ak_msg m = q[qhead];
    qhead = (qhead + 1) % AK_QMAX;
    qlen--;
    return m;
}

void ak_run(struct ak *k)
{
    for (unsigned steps = 0; steps < 100000; steps++) {
        if (qlen == 0) {
            if (k->link.no_sched || ksched_run(64) == 0)
                break;
            continue;
        }
        if (k->link.hold)
            break;
        struct ak_msg m = pop();
        if (k->link.swap_every && (k->carried + 1) % k->link.swap_every == 0 && qlen > 0) {
            struct ak_msg n = pop();
            k->queued = qlen;
            carry(k, n);
        }
        k->queued = qlen;
        carry(k, m);
        if (!k->link.no_sched)
            ksched_run(64);
    }
    k->queued = qlen;
}

void ak_advance(struct ak *k, uint64_t ns)
{
    testkit_advance(ns);
    ak_run(k);
}

unsigned ak_sent(const struct ak *k)
{
    return k->carried + qlen;
}

uint64_t ak_ctr(const struct am_ep *ep, enum am_ctr c)
{
    return am_ep_counters(ep)[c];
}

void ak_done_cb(void *ctx, const struct am_result *r)
{
    struct ak_done *d = ctx;
    d->calls++;
    d->r = *r;
}
