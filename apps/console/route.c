/*
 * apps/console/route.c — "route add", "route del" and "arp flush": changing
 * the IPv4 routing table (protocols/ipv4/ipv4.h) and the ARP cache
 * (protocols/arp/arp.h) while the appliance runs. Addresses are host order
 * throughout. Freestanding.
 */
#include "apps/console/commands.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "netgraph/config.h"
#include "netgraph/netif.h"
#include "protocols/arp/arp.h"
#include "protocols/ipv4/ipv4.h"

/**
 * parse_prefix - "A.B.C.D/LEN" into @prefix, @plen (RFC 4632 notation,
 * host bits zero). On error prints why and returns -KE_INVAL.
 */
static int parse_prefix(struct console_session *s, const struct console_args *a, const char *word,
                        uint32_t *prefix, uint8_t *plen)
{
    size_t slash = 0;
    while (word[slash] && word[slash] != '/')
        slash++;
    uint32_t addr;
    if (word[slash] != '/') {
        if (inet_parse_ipv4(word, slash, &addr) == 0)
            console_fail(s, a, "%s: expected A.B.C.D/LEN (a host route is %s/32)", word, word);
        else
            console_fail(s, a, "%s: expected A.B.C.D/LEN", word);
        return -KE_INVAL;
    }
    if (inet_parse_ipv4(word, slash, &addr) < 0) {
        console_fail(s, a, "%s: '%.*s' is not an IPv4 address", word, (int)slash, word);
        return -KE_INVAL;
    }
    uint64_t len;
    const char *l = word + slash + 1;
    if (kparse_u64(l, strlen(l), &len) < 0 || len > 32) {
        console_fail(s, a, "%s: prefix length must be 0..32", word);
        return -KE_INVAL;
    }
    if (addr & ~inet_plen_mask((unsigned)len)) {
        char net[16];
        console_fail(s, a, "%s: host bits set (the network is %s/%u)", word,
                     inet_fmt_ipv4(addr & inet_plen_mask((unsigned)len), net), (unsigned)len);
        return -KE_INVAL;
    }
    *prefix = addr;
    *plen = (uint8_t)len;
    return 0;
}

/** fail_no_interface - "dev NAME: no such interface (interfaces: eth0, eth1)". */
static enum console_status fail_no_interface(struct console_session *s,
                                             const struct console_args *a, const char *name)
{
    char list[128];
    size_t len = 0;
    list[0] = '\0';
    for (unsigned i = 0; i < netif_count() && len < sizeof(list); i++) {
        const struct netif *ifp = netif_get((uint16_t)i);
        if (ifp)
            len += (size_t)ksnprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "",
                                     ifp->name);
    }
    return console_fail(s, a, "dev %s: no such interface (interfaces: %s)", name,
                        list[0] ? list : "none");
}

/** Looking for an existing static route. */
struct route_find {
    uint32_t prefix;
    uint8_t plen;
    bool found, connected;
};

static void route_find_cb(const struct ipv4_route *r, bool connected, void *ctx)
{
    struct route_find *f = ctx;
    if (r->prefix == f->prefix && r->plen == f->plen) {
        if (connected)
            f->connected = true;
        else
            f->found = true;
    }
}

enum console_status cmd_route_add(struct console_session *s, const struct console_args *a)
{
    struct ipv4_route r = { 0 };
    if (parse_prefix(s, a, a->argv[0], &r.prefix, &r.plen) < 0)
        return CONSOLE_FAILED;
    bool has_via = false;
    const char *dev = NULL;
    for (unsigned i = 1; i < a->argc; i += 2) {
        const char *key = a->argv[i];
        bool is_via = strcmp(key, "via") == 0, is_dev = strcmp(key, "dev") == 0;
        if (!is_via && !is_dev)
            return console_fail(s, a, "unexpected '%s' (expected 'via A.B.C.D' or 'dev NAME')",
                                key);
        if ((is_via && has_via) || (is_dev && dev))
            return console_fail(s, a, "'%s' given twice", key);
        if (i + 1 >= a->argc)
            return console_fail(s, a, "'%s' needs %s", key, is_via ? "an address" : "a name");
        const char *val = a->argv[i + 1];
        if (is_via) {
            if (inet_parse_ipv4(val, strlen(val), &r.gateway) < 0)
                return console_fail(s, a, "via %s: not an IPv4 address", val);
            if (r.gateway == 0 || r.gateway == 0xffffffffu)
                return console_fail(s, a, "via %s: not a usable gateway", val);
            has_via = true;
        } else {
            dev = val;
        }
    }
    if (!has_via && !dev)
        return console_fail(s, a, "expected 'via A.B.C.D' or 'dev NAME' after %s", a->argv[0]);
    char p[16], g[16];
    if (dev) {
        const struct netif *ifp = netif_find(dev);
        if (!ifp)
            return fail_no_interface(s, a, dev);
        r.ifindex = ifp->index;
    } else {
        /* The interface whose connected subnet (or direct route) holds the gateway. */
        struct ipv4_route via;
        if (ipv4_route_lookup(r.gateway, &via) < 0 || via.gateway != 0)
            return console_fail(s, a, "gateway %s is on no interface's subnet (add 'dev NAME')",
                                inet_fmt_ipv4(r.gateway, g));
        r.ifindex = via.ifindex;
    }
    if (r.gateway != 0 && netif_addr_kind(r.gateway, NULL) != NETIF_ADDR_OTHER)
        return console_fail(s, a, "via %s: %s, not another host", inet_fmt_ipv4(r.gateway, g),
                            netif_addr_kind(r.gateway, NULL) == NETIF_ADDR_LOCAL
                                ? "one of our own addresses"
                                : "a broadcast address");
    struct route_find f = { .prefix = r.prefix, .plen = r.plen };
    ipv4_route_foreach(route_find_cb, &f);
    int rc = ipv4_route_add(&r);
    if (rc < 0)
        return console_fail(s, a, "%s/%u: %s", inet_fmt_ipv4(r.prefix, p), r.plen,
                            rc == -KE_TOOBIG ? "routing table full" : kerr_str(rc));
    const struct netif *out = netif_get(r.ifindex);
    console_printf(s, "route %s/%u", inet_fmt_ipv4(r.prefix, p), r.plen);
    if (r.gateway)
        console_printf(s, " via %s", inet_fmt_ipv4(r.gateway, g));
    console_printf(s, " dev %s %s\n", out ? out->name : "?", f.found ? "replaced" : "added");
    return CONSOLE_OK;
}

enum console_status cmd_route_del(struct console_session *s, const struct console_args *a)
{
    struct route_find f = { 0 };
    if (parse_prefix(s, a, a->argv[0], &f.prefix, &f.plen) < 0)
        return CONSOLE_FAILED;
    ipv4_route_foreach(route_find_cb, &f);
    char p[16];
    if (!f.found && f.connected)
        return console_fail(s, a,
                            "%s/%u is the connected subnet of an interface address, not a "
                            "static route",
                            inet_fmt_ipv4(f.prefix, p), f.plen);
    int rc = ipv4_route_del(f.prefix, f.plen);
    if (rc == -KE_NOENT)
        return console_fail(s, a, "%s/%u: no such route", inet_fmt_ipv4(f.prefix, p), f.plen);
    if (rc < 0)
        return console_fail(s, a, "%s/%u: %s", inet_fmt_ipv4(f.prefix, p), f.plen, kerr_str(rc));
    console_printf(s, "route %s/%u deleted\n", inet_fmt_ipv4(f.prefix, p), f.plen);
    return CONSOLE_OK;
}

static void count_entry(const struct arp_entry_info *e, void *ctx)
{
    (*(unsigned *)ctx)++;
}

enum console_status cmd_arp_flush(struct console_session *s, const struct console_args *a)
{
    unsigned n = 0;
    arp_foreach(count_entry, &n);
    arp_flush();
    console_printf(s, "arp cache flushed (%u entr%s)\n", n, n == 1 ? "y" : "ies");
    return CONSOLE_OK;
}
