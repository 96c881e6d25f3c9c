/*
 * netgraph/runtime.c — bring-up, the main loop and shutdown of the graph
 * (netgraph/runtime.h).
 */
#include "netgraph/runtime.h"

#include "guards/dispatch.h"
#include "kernel/arch.h"
#include "kernel/blk.h"
#include "kernel/clock.h"
#include "kernel/event.h"
#include "kernel/kerr.h"
#include "kernel/pktbuf.h"
#include "kernel/port.h"
#include "kernel/stats.h"
#include "kernel/strand.h"
#include "kernel/timer.h"
#include "netgraph/haltpoll.h"
#include "netgraph/instances.h"
#include "netgraph/netif.h"
#include "netgraph/node.h"

static struct {
    bool running;
    bool configured;
    struct pktpool *pool; /* the default pool we created */
    struct haltpoll hp;   /* mode haltpoll: polling before idling (max_ns 0: off) */
} rt;

static const char *const haltpoll_ctr_names[HP_NCTR] = {
    "idle_periods", "poll_hits", "halts", "grows", "shrinks", "limit_ns", "busy_skips",
};
static struct kstat_group haltpoll_stats = {
    .node = "haltpoll", .names = haltpoll_ctr_names, .values = rt.hp.ctr, .n = HP_NCTR
};

void netgraph_set_halt_poll(uint64_t max_ns)
{
    haltpoll_init(&rt.hp, max_ns);
    if (max_ns != 0)
        kstats_register(&haltpoll_stats);
    else
        kstats_unregister(&haltpoll_stats);
}

int netgraph_init(uint32_t pool_buffers)
{
    if (rt.running)
        return 0;
    uint32_t count = pool_buffers ? pool_buffers : NETGRAPH_DEFAULT_POOL;
    if (rt.pool != NULL && pktpool_destroy(rt.pool) == 0)
        rt.pool = NULL; /* an earlier run's pool, every buffer back */
    struct pktpool *pool = pktpool_create("default", count, PKT_BLOCK_SIZE, NULL, NULL);
    if (pool == NULL)
        return -KE_NOMEM;
    rt.pool = pool;
    pktpool_set_default(pool);
    int rc = guards_init();
    if (rc < 0)
        return rc;
    rc = netgraph_nodes_up();
    if (rc < 0)
        return rc;
    rt.running = true;
    rt.configured = false;
    return 0;
}

bool netgraph_running(void)
{
    return rt.running;
}

bool netgraph_configured(void)
{
    return rt.configured;
}

void netgraph_set_configured(bool yes)
{
    rt.configured = yes;
}

/* Before idling: every port that can asks its device for an interrupt at
 * its next event (kport_ops.intr_enable); true when one has work already. */
static bool ports_intr_enable(void)
{
    bool work = false;
    for (unsigned i = 0; i < netif_count(); i++) {
        struct netif *ifp = netif_get((uint16_t)i);
        struct kport *port = ifp ? ifp->port : NULL;
        if (port != NULL && !port->done && port->ops->intr_enable != NULL &&
            port->ops->intr_enable(port))
            work = true;
    }
    return work;
}

bool netgraph_halt_polling(void)
{
    return rt.hp.since_ns != 0 && !rt.hp.halted;
}

unsigned netgraph_poll(bool may_idle)
{
    unsigned total = 0;
    /* frames that waited for transmit ring space go first, in order */
    (void)netif_tx_flush_all();
    bool busy = false;
    struct pktbuf *pkts[NETGRAPH_BURST];
    for (unsigned i = 0; i < netif_count(); i++) {
        struct netif *ifp = netif_get((uint16_t)i);
        struct kport *port = ifp ? ifp->port : NULL;
        if (port == NULL || port->done || port->ops->rx_burst == NULL)
            continue;
        busy |= port->no_idle; /* a replay port always has work: never idle on it */
        uint16_t n = port->ops->rx_burst(port, pkts, NETGRAPH_BURST);
        netif_input_burst(ifp, pkts, n);
        total += n;
    }
    unsigned ran = ktimer_run_due(kclock_now_ns());
    ran += ksched_run(NETGRAPH_BURST);    /* runnable strands: asynchronous handlers, timers */
    ran += kblk_poll_all(NETGRAPH_BURST); /* disk completions (kernel/blk.h) */
    unsigned waiting = netif_tx_flush_all();
    haltpoll_frames(&rt.hp, total);
    if (rt.hp.since_ns != 0 && (total != 0 || ran != 0))
        haltpoll_work(&rt.hp, kclock_now_ns()); /* an idle period ended */
    if (may_idle && total == 0 && ran == 0 && !busy && ksched_runnable() == 0 &&
        !kblk_work_pending()) {
        if (haltpoll_keep_polling(&rt.hp, kclock_now_ns()))
            return total; /* mode haltpoll: poll again before halting */
        /* Frames waiting for ring space: sleep until the device's transmit
         * interrupt (drivers arm it when their ring is full), as Linux stops
         * its queue, rather than spin on a CPU the device model needs; the
         * short deadline only bounds the wait if an interrupt is missed. */
        uint64_t deadline = ktimer_next_deadline();
        if (waiting) {
            uint64_t soon = kclock_now_ns() + NETGRAPH_TX_WAIT_NS;
            if (soon < deadline)
                deadline = soon;
        }
        if (!ports_intr_enable()) {
            if (rt.hp.max_ns != 0)
                haltpoll_halting(&rt.hp);
            arch_idle(kclock_arch_deadline(deadline));
        }
    }
    return total;
}

bool netgraph_done(void)
{
    unsigned n = netif_count();
    if (n == 0)
        return false;
    for (unsigned i = 0; i < n; i++) {
        const struct netif *ifp = netif_get((uint16_t)i);
        if (ifp == NULL || ifp->port == NULL || !ifp->port->done)
            return false;
    }
    return true;
}

void netgraph_shutdown(void)
{
    kevent_batch_begin(); /* each plan rebuilt once, not once per instance removed */
    netgraph_ext_remove_all();
    (void)kevent_batch_end();
    netif_destroy_all();
    netgraph_nodes_down();
    rt.running = false;
    rt.configured = false;
    /* rt.pool stays: the caller checks pktpool_all_full() and prints it. */
}
