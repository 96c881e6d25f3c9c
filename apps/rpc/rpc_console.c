/*
 * apps/rpc/rpc_console.c — the console's view of ONC RPC:
 *
 *   rpc stats      every endpoint (rpc_node.h): transport, mode, the program
 *                  versions it serves and whether the portmapper lists them,
 *                  its non-zero counters; then every RPC client instance
 *                  (rpc-ping) with its non-zero counters
 *   rpc programs   the portmapper's registry, as `rpcinfo -T udp` lists it
 */
#include "apps/console/command.h"
#include "apps/rpc/rpc_node.h"
#include "kernel/klib.h"
#include "netgraph/instances.h"

/* put_counters - "   name value" for every non-zero counter of @g, a few per line. */
static void put_counters(struct console_session *s, const struct kstat_group *g)
{
    unsigned col = 0;
    for (unsigned i = 0; i < g->n; i++) {
        if (g->values[i] == 0)
            continue;
        console_printf(s, "%s%s %llu", col == 0 ? "   " : "  ", g->names[i],
                       (unsigned long long)g->values[i]);
        if (++col == 6) {
            console_puts(s, "\n");
            col = 0;
        }
    }
    if (col > 0)
        console_puts(s, "\n");
}

struct stats_walk {
    struct console_session *s;
    unsigned n;
};

static void put_endpoint(const struct rpc_node_ep *ep, void *ctx)
{
    struct stats_walk *w = ctx;
    struct console_session *s = w->s;
    w->n++;
    if (ep->transport == RPC_XPRT_UDP)
        console_printf(s, "%s: udp port %u, %s\n", ep->x->node, ep->port,
                       rpc_node_mode_name(ep->mode));
    else
        console_printf(s, "%s: vc %u/%u, %s\n", ep->x->node, ep->vpi, ep->vci,
                       rpc_node_mode_name(ep->mode));
    for (unsigned i = 0; i < ep->nprogs; i++) {
        const struct rpc_program *p = ep->progs[i];
        const char *reg = ep->transport != RPC_XPRT_UDP               ? ""
                          : p->prog == PMAP_PROG || ep->registered[i] ? ", registered"
                                                                      : ", not registered";
        console_printf(s, "   program %u version %u (%s)%s\n", (unsigned)p->prog, (unsigned)p->vers,
                       p->name, reg);
    }
    put_counters(s, &ep->x->stats);
}

static void put_client(const struct kext *x, void *ctx)
{
    struct stats_walk *w = ctx;
    if (strcmp(x->cls->name, "rpc-ping") != 0)
        return;
    w->n++;
    console_printf(w->s, "%s: rpc-ping, instance %u\n", x->node, x->id);
    put_counters(w->s, &x->stats);
}

static enum console_status cmd_rpc_stats(struct console_session *s, const struct console_args *a)
{
    (void)a;
    struct stats_walk w = { .s = s };
    rpc_node_foreach(put_endpoint, &w);
    netgraph_ext_foreach(put_client, &w);
    if (w.n == 0)
        console_puts(s, "no RPC servers or clients (extension portmap, rpc-echo, rpc-latrpc, "
                        "rpc-stats, rpc-ping)\n");
    return CONSOLE_OK;
}

static const struct console_cmd rpc_stats_cmd = {
    "rpc stats",
    "",
    "ONC RPC servers and clients: programs, mode, counters",
    0,
    0,
    cmd_rpc_stats,
    CONSOLE_CMD_READONLY,
};
KCONSOLE_COMMAND(rpc_stats_cmd);

static enum console_status cmd_rpc_programs(struct console_session *s, const struct console_args *a)
{
    (void)a;
    const struct rpc_pmap *m = rpc_node_registry();
    if (m->n == 0) {
        console_puts(s, "no programs registered\n");
        return CONSOLE_OK;
    }
    console_printf(s, "%10s %7s %5s %-20s %s\n", "program", "version", "netid", "address", "owner");
    for (unsigned i = 0; i < m->n; i++) {
        char ua[24];
        rpc_uaddr_format(ua, sizeof ua, 0, m->e[i].port);
        console_printf(s, "%10u %7u %5s %-20s %s\n", (unsigned)m->e[i].prog, (unsigned)m->e[i].vers,
                       RPC_PMAP_NETID, ua, RPC_PMAP_OWNER);
    }
    return CONSOLE_OK;
}

static const struct console_cmd rpc_programs_cmd = {
    "rpc programs",
    "",
    "the portmapper's registry (what rpcinfo -T udp lists)",
    0,
    0,
    cmd_rpc_programs,
    CONSOLE_CMD_READONLY,
};
KCONSOLE_COMMAND(rpc_programs_cmd);
