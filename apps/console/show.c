/*
 * apps/console/show.c — the console's "show" commands: the graph (events,
 * handlers, guards) as a tree or DOT, node counters (kernel/stats.h), packet
 * pools (kernel/pktbuf.h), the ARP cache (protocols/arp/arp.h), the routing
 * table (protocols/ipv4/ipv4.h) and the interfaces (netgraph/netif.h).
 * They only read. Freestanding.
 */
#include "apps/console/commands.h"
#include "guards/guard_eval.h"
#include "kernel/clock.h"
#include "kernel/event.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "kernel/pktbuf.h"
#include "kernel/stats.h"
#include "netgraph/introspect.h"
#include "netgraph/extension.h"
#include "netgraph/node.h"
#include "netgraph/netif.h"
#include "protocols/arp/arp.h"
#include "protocols/ipv4/ipv4.h"

/* ------------------------------------------------------------- graph */

#define GRAPH_MAX_EVENTS 128 /* events shown; more are summarised */
#define GRAPH_MAX_DEPTH 16   /* tree levels (an event and its handlers are two) */

struct graph {
    struct console_session *s;
    struct kevent *ev[GRAPH_MAX_EVENTS];
    bool shown[GRAPH_MAX_EVENTS];
    unsigned n, skipped;
};

static void graph_collect(struct kevent *ev, void *ctx)
{
    struct graph *g = ctx;
    if (g->n < GRAPH_MAX_EVENTS)
        g->ev[g->n++] = ev;
    else
        g->skipped++;
}

static void indent(struct console_session *s, unsigned depth)
{
    static const char spaces[] = "                                ";
    unsigned n = depth * 2 < sizeof(spaces) - 1 ? depth * 2 : (unsigned)sizeof(spaces) - 1;
    console_write(s, spaces, n);
}

/*
 * graph_event - event @i, its handlers with guards and counts, and under
 * each handler the events its node raises (its descriptor's .raises,
 * netgraph/node.h netgraph_raises). Each event once.
 */
static void graph_event(struct graph *g, unsigned i, unsigned depth)
{
    struct console_session *s = g->s;
    const struct kevent *ev = g->ev[i];
    char gbuf[160];
    g->shown[i] = true;
    indent(s, depth);
    console_puts(s, ev->name);
    console_printf(s, " (raised %llu, unhandled %llu)\n", (unsigned long long)ev->raised,
                   (unsigned long long)ev->unhandled);
    for (const struct khandler *h = ev->handlers; h; h = h->next) {
        indent(s, depth + 1);
        console_puts(s, h->name[0] ? h->name : "(unnamed)");
        console_puts(s, " [");
        console_puts(s, h->has_guard ? guard_format(&h->guard, gbuf, sizeof(gbuf)) : "true");
        console_printf(s, "] calls %llu taken %llu errors %llu", (unsigned long long)h->calls,
                       (unsigned long long)h->taken, (unsigned long long)h->errors);
        if (h->props.mode == KH_ASYNC)
            console_puts(s, " async");
        if (h->props.budget_ns)
            console_printf(s, " budget %lluns", (unsigned long long)h->props.budget_ns);
        if (h->overruns || h->faulty)
            console_printf(s, " overruns %llu%s", (unsigned long long)h->overruns,
                           h->faulty ? " FAULTY" : "");
        console_puts(s, "\n");
        if (!h->name[0] || depth + 2 >= GRAPH_MAX_DEPTH)
            continue;
        for (unsigned k = 0; k < g->n; k++)
            if (!g->shown[k] && netgraph_raises(h->name, g->ev[k]->name))
                graph_event(g, k, depth + 2);
    }
}

/* graph_node - one node's descriptor: where it attaches, its guard, what it raises. */
static void graph_node(const struct knode *n, void *ctx)
{
    console_printf(ctx, "  %-6s on %s [%s] raises %s\n", n->name, n->attaches, n->guard,
                   n->raises[0] ? n->raises : "-");
}

/* graph_class - one extension class's descriptor: its event, guard and syntax. */
static void graph_class(const struct kextension *c, void *ctx)
{
    console_printf(ctx, "  %-12s on %s [%s]: %s\n", c->name, c->event ? c->event->name : "-",
                   c->guard ? c->guard : "-", c->usage ? c->usage : c->name);
}

static void to_session(void *ctx, const char *bytes, size_t n)
{
    console_write(ctx, bytes, n);
}

enum console_status cmd_show_graph(struct console_session *s, const struct console_args *a)
{
    if (a->argc == 1) {
        if (strcmp(a->argv[0], "dot") != 0)
            return console_fail(s, a, "unknown '%s' (expected nothing or 'dot')", a->argv[0]);
        introspect_dot_write(to_session, s);
        return CONSOLE_OK;
    }
    static struct graph g; /* large; the console runs one command at a time */
    memset(&g, 0, sizeof(g));
    g.s = s;
    kevent_foreach(graph_collect, &g);
    if (g.n == 0) {
        console_puts(s, "no events have handlers\n");
        return CONSOLE_OK;
    }
    /* The root first: the drivers' dev.PacketArrived. */
    for (unsigned i = 0; i < g.n; i++)
        if (g.ev[i] == &dev_PacketArrived)
            graph_event(&g, i, 0);
    for (unsigned i = 0; i < g.n; i++)
        if (!g.shown[i])
            graph_event(&g, i, 0);
    if (g.skipped)
        console_printf(s, "(%u more events not shown)\n", g.skipped);
    return CONSOLE_OK;
}

enum console_status cmd_show_nodes(struct console_session *s, const struct console_args *a)
{
    (void)a;
    console_puts(s, "nodes (bring-up order):\n");
    netgraph_node_foreach(graph_node, s);
    console_puts(s, "extension classes:\n");
    kext_class_foreach(graph_class, s);
    return CONSOLE_OK;
}

/* ----------------------------------------------------------- counters */

struct counters {
    struct console_session *s;
    const char *node; /* NULL: every node, nonzero counters */
    unsigned matched;
};

/**
 * node_matches - @name is @want, or an instance of it: "udp-echo#3" and
 * "udp-count#2:5000" for "udp-echo" and "udp-count", "udp-count#2:5000"
 * for "udp-count#2".
 */
static bool node_matches(const char *name, const char *want)
{
    size_t n = strlen(want);
    return strncmp(name, want, n) == 0 && (name[n] == '\0' || name[n] == ':' || name[n] == '#');
}

static void counters_node(const struct kstat_group *grp, void *ctx)
{
    struct counters *c = ctx;
    struct console_session *s = c->s;
    if (c->node && !node_matches(grp->node, c->node))
        return;
    c->matched++;
    console_puts(s, grp->node);
    console_puts(s, ":");
    if (c->node) {
        console_puts(s, "\n");
        for (unsigned i = 0; i < grp->n; i++)
            console_printf(s, "  %-24s %llu\n", grp->names[i], (unsigned long long)grp->values[i]);
        return;
    }
    unsigned nonzero = 0;
    for (unsigned i = 0; i < grp->n; i++) {
        if (grp->values[i] == 0)
            continue;
        nonzero++;
        console_puts(s, " ");
        console_puts(s, grp->names[i]);
        console_printf(s, "=%llu", (unsigned long long)grp->values[i]);
    }
    console_puts(s, nonzero ? "\n" : " all zero\n");
}

struct node_names {
    struct console_session *s;
    unsigned n;
};

static void list_node(const struct kstat_group *grp, void *ctx)
{
    struct node_names *l = ctx;
    console_puts(l->s, l->n++ ? ", " : "");
    console_puts(l->s, grp->node);
}

enum console_status cmd_show_counters(struct console_session *s, const struct console_args *a)
{
    struct counters c = { .s = s, .node = a->argc ? a->argv[0] : NULL };
    kstats_foreach(counters_node, &c);
    if (c.node && c.matched == 0) {
        console_printf(s, "%s: no node '%s' (nodes: ", a->cmd, c.node);
        struct node_names l = { .s = s };
        kstats_foreach(list_node, &l);
        console_puts(s, l.n ? ")\n" : "none)\n");
        return CONSOLE_FAILED;
    }
    if (c.matched == 0)
        console_puts(s, "no counters registered\n");
    return CONSOLE_OK;
}

/* --------------------------------------------------------------- pools */

static void pool_line(const struct pktpool *pool, void *ctx)
{
    struct console_session *s = ctx;
    struct pktpool_stats st;
    pktpool_get_stats(pool, &st);
    console_puts(s, "pool ");
    console_puts(s, st.name ? st.name : "?");
    console_printf(s, ": count=%u out=%u low_water=%u allocs=%llu alloc_fails=%llu\n", st.count,
                   st.out, st.low_water, (unsigned long long)st.allocs,
                   (unsigned long long)st.alloc_fails);
}

enum console_status cmd_show_pools(struct console_session *s, const struct console_args *a)
{
    pktpool_foreach(pool_line, s);
    return CONSOLE_OK;
}

/* ----------------------------------------------------------------- arp */

static const char *ifname_of(uint16_t index)
{
    const struct netif *ifp = netif_get(index);
    return ifp ? ifp->name : "?";
}

struct arp_table {
    struct console_session *s;
    uint64_t now;
    unsigned n;
};

static void arp_line(const struct arp_entry_info *e, void *ctx)
{
    struct arp_table *t = ctx;
    struct console_session *s = t->s;
    char ip[16], mac[18], left[24];
    if (t->n++ == 0)
        console_printf(s, "%-10s %-15s %-17s %-10s %-9s %s\n", "interface", "address", "mac",
                       "state", "expires", "queued");
    if (e->resolved)
        ksnprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", e->mac[0], e->mac[1],
                  e->mac[2], e->mac[3], e->mac[4], e->mac[5]);
    else
        kstrlcpy(mac, "-", sizeof(mac));
    if (e->expires_ns > t->now) {
        uint64_t ms = (e->expires_ns - t->now) / 1000000u;
        ksnprintf(left, sizeof(left), "%llu.%llus", (unsigned long long)(ms / 1000),
                  (unsigned long long)(ms % 1000 / 100));
    } else {
        kstrlcpy(left, "expired", sizeof(left));
    }
    console_printf(s, "%-10s %-15s %-17s %-10s %-9s %u\n", ifname_of(e->ifindex),
                   inet_fmt_ipv4(e->ip, ip), mac, e->resolved ? "resolved" : "incomplete", left,
                   e->queued);
}

enum console_status cmd_show_arp(struct console_session *s, const struct console_args *a)
{
    struct arp_table t = { .s = s, .now = kclock_now_ns() };
    arp_foreach(arp_line, &t);
    if (t.n == 0)
        console_puts(s, "arp cache empty\n");
    return CONSOLE_OK;
}

/* -------------------------------------------------------------- routes */

struct route_table {
    struct console_session *s;
    unsigned n;
};

static void route_line(const struct ipv4_route *r, bool connected, void *ctx)
{
    struct route_table *t = ctx;
    struct console_session *s = t->s;
    char p[16], gw[16], dst[24];
    if (t->n++ == 0)
        console_printf(s, "%-18s %-15s %-10s %s\n", "destination", "gateway", "interface", "type");
    ksnprintf(dst, sizeof(dst), "%s/%u", inet_fmt_ipv4(r->prefix, p), r->plen);
    console_printf(s, "%-18s %-15s %-10s %s\n", dst,
                   r->gateway ? inet_fmt_ipv4(r->gateway, gw) : "-", ifname_of(r->ifindex),
                   connected ? "connected" : "static");
}

enum console_status cmd_show_routes(struct console_session *s, const struct console_args *a)
{
    struct route_table t = { .s = s };
    ipv4_route_foreach(route_line, &t);
    if (t.n == 0)
        console_puts(s, "no routes\n");
    return CONSOLE_OK;
}

/* ----------------------------------------------------------- interfaces */

/* The counters a port's driver keeps under "DRIVER:IFNAME" (pcap, dpdk: the
 * device's own statistics such as DPDK's ipackets, imissed, ierrors, rx_nombuf). */
struct port_counters {
    struct console_session *s;
    char node[48];
};

static void port_counters(const struct kstat_group *g, void *ctx)
{
    struct port_counters *pc = ctx;
    if (strcmp(g->node, pc->node) != 0)
        return;
    console_printf(pc->s, "  %s:", g->node);
    for (unsigned i = 0; i < g->n; i++)
        console_printf(pc->s, "%s%s=%llu", i && i % 6 == 0 ? "\n   " : " ", g->names[i],
                       (unsigned long long)g->values[i]);
    console_puts(pc->s, "\n");
}

enum console_status cmd_show_interfaces(struct console_session *s, const struct console_args *a)
{
    unsigned n = netif_count();
    if (n == 0) {
        console_puts(s, "no interfaces\n");
        return CONSOLE_OK;
    }
    for (unsigned i = 0; i < n; i++) {
        const struct netif *ifp = netif_get((uint16_t)i);
        if (!ifp)
            continue;
        const struct kport *port = ifp->port;
        const uint8_t *m = ifp->mac;
        console_printf(s, "%s: driver %s mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u link %s\n",
                       ifp->name, port && port->driver ? port->driver : "?", m[0], m[1], m[2], m[3],
                       m[4], m[5], ifp->mtu, port && port->link_up ? "up" : "down");
        for (unsigned k = 0; k < ifp->naddrs; k++) {
            char ip[16];
            console_printf(s, "  inet %s/%u\n", inet_fmt_ipv4(ifp->addr[k], ip), ifp->plen[k]);
        }
        console_printf(s, "  rx %llu frames %llu bytes",
                       (unsigned long long)ifp->ctr[NETIF_RX_FRAMES],
                       (unsigned long long)ifp->ctr[NETIF_RX_BYTES]);
        if (port)
            console_printf(s, " %llu dropped %llu errors", (unsigned long long)port->rx_dropped,
                           (unsigned long long)port->rx_errors);
        console_printf(s, "; tx %llu frames %llu bytes %llu dropped",
                       (unsigned long long)ifp->ctr[NETIF_TX_FRAMES],
                       (unsigned long long)ifp->ctr[NETIF_TX_BYTES],
                       (unsigned long long)ifp->ctr[NETIF_TX_DROPPED]);
        if (port)
            console_printf(s, " %llu errors", (unsigned long long)port->tx_errors);
        console_puts(s, "\n");
        if (port && port->driver) {
            struct port_counters pc = { .s = s };
            ksnprintf(pc.node, sizeof(pc.node), "%s:%s", port->driver, ifp->name);
            kstats_foreach(port_counters, &pc);
        }
    }
    return CONSOLE_OK;
}
