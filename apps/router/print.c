/*
 * apps/router/print.c — router_print_routes(): the routing table with the
 * packets and bytes forwarded per route, for the console.
 */
#include "apps/router/router.h"
#include "apps/router/router_impl.h"

#include "kernel/log.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/lpm_fib.h"

#define PRINT_LINE 112

struct print_ctx {
    void (*emit)(void *ctx, const char *line);
    void *ctx;
    int plen; /* the prefix length this pass prints */
};

static void print_emit(struct print_ctx *p, const char *line)
{
    if (p->emit != NULL)
        p->emit(p->ctx, line);
    else
        kprintf("%s\n", line);
}

static void print_one(const struct ipv4_fib_entry *e, void *ctx)
{
    struct print_ctx *p = ctx;
    if (e->route.plen != p->plen)
        return;
    char pfx[24], via[32], a[16], line[PRINT_LINE];
    ksnprintf(pfx, sizeof pfx, "%s/%u", inet_fmt_ipv4(e->route.prefix, a), e->route.plen);
    if (e->connected)
        ksnprintf(via, sizeof via, "connected");
    else
        ksnprintf(via, sizeof via, "via %s", inet_fmt_ipv4(e->route.gateway, a));
    const struct netif *ifp = e->route.ifindex != 0xffffu ? netif_get(e->route.ifindex) : NULL;
    ksnprintf(line, sizeof line, "%-18s %-18s %-8s %12llu %14llu", pfx, via,
              ifp != NULL ? ifp->name : "-", (unsigned long long)e->packets,
              (unsigned long long)e->bytes);
    print_emit(p, line);
}

void router_print_routes(void (*emit)(void *ctx, const char *line), void *ctx)
{
    struct print_ctx p = { .emit = emit, .ctx = ctx, .plen = 32 };
    char line[PRINT_LINE];
    ksnprintf(line, sizeof line, "%-18s %-18s %-8s %12s %14s", "prefix", "next hop", "dev",
              "fwd packets", "fwd bytes");
    print_emit(&p, line);
    /* Longest prefix first: the order a lookup prefers them in. */
    for (p.plen = 32; p.plen >= 0; p.plen--)
        ipv4_fib_foreach(print_one, &p);
    struct ipv4_fib_info info;
    ipv4_fib_get_info(&info);
    ksnprintf(line, sizeof line, "%u prefixes, lookup %s, %zu bytes", info.prefixes, info.algorithm,
              info.memory);
    print_emit(&p, line);
}
