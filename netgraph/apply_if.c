/*
 * netgraph/apply_if.c — the built-in bring-up stages of interfaces
 * (netgraph/stage.h): "interfaces" opens every interface line's port through
 * its driver class (kernel/port.h) and wraps it in a netif, "addresses" adds
 * the address lines, "start" starts every port.
 */
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/lib/inet.h"
#include "kernel/pktbuf.h"
#include "kernel/port.h"
#include "netgraph/netif.h"
#include "netgraph/stage.h"

/** A list of names ("pcap, pcap-file, loop") for "unknown X" messages. */
struct namelist {
    char buf[96];
    size_t len;
};

static void add_driver_name(const struct kdriver *d, void *ctx)
{
    struct namelist *l = ctx;
    if (l->len >= sizeof(l->buf) - 1)
        return;
    int n =
        ksnprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s", l->len ? ", " : "", d->name);
    l->len += (size_t)n;
    if (l->len >= sizeof(l->buf))
        l->len = sizeof(l->buf) - 1;
}

static struct cfg_pos param_pos_or(const struct cfg_interface *ic, const char *key)
{
    for (unsigned i = 0; i < ic->params.n; i++)
        if (strcmp(ic->params.key[i], key) == 0)
            return ic->param_pos[i];
    return ic->pos;
}

/** device_words - " device veth-app": the first parameter other than driver= and mac=. */
static void device_words(const struct cfg_interface *ic, char *buf, size_t size)
{
    buf[0] = '\0';
    for (unsigned i = 0; i < ic->params.n; i++) {
        const char *k = ic->params.key[i];
        if (strcmp(k, "driver") != 0 && strcmp(k, "mac") != 0) {
            ksnprintf(buf, size, " %s %s", k, ic->params.value[i]);
            return;
        }
    }
}

/** contains - true when @needle occurs in @hay. */
static bool contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncmp(hay, needle, n) == 0)
            return true;
    return n == 0;
}

/** open_failure_code - a driver's open error as netgraph_configure reports it. */
static int open_failure_code(int rc)
{
    if (rc == -KE_INVAL || rc == -KE_RANGE || rc == -KE_NOTSUP || rc == -KE_NOMEM)
        return rc; /* a bad or unsupported parameter, or no memory: not the device's fault */
    return -KE_IO;
}

/** open_interface - open line @i's port through its driver class and make it a netif. */
static int open_interface(const struct config *cfg, unsigned i, struct config_error *err)
{
    const struct cfg_interface *ic = &cfg->interfaces[i];
    const struct kdriver *d = kdriver_find(ic->driver);
    if (d == NULL) {
        struct namelist known = { .len = 0 };
        known.buf[0] = '\0';
        kdriver_foreach(add_driver_name, &known);
        config_set_error(err, cfg->filename, param_pos_or(ic, "driver"),
                         "interface %s: unknown driver '%s' (known: %s)", ic->name, ic->driver,
                         known.len ? known.buf : "none");
        return -KE_NOENT;
    }
    struct kparams p = { .n = 0 };
    for (unsigned k = 0; k < ic->params.n; k++) {
        if (strcmp(ic->params.key[k], "driver") == 0 || strcmp(ic->params.key[k], "mac") == 0)
            continue;
        p.key[p.n] = ic->params.key[k];
        p.value[p.n] = ic->params.value[k];
        p.n++;
    }
    unsigned instance = 0;
    for (unsigned k = 0; k < i; k++)
        if (strcmp(cfg->interfaces[k].driver, ic->driver) == 0)
            instance++;
    struct kdriver_args a = {
        .ifname = ic->name, .params = &p, .instance = instance, .pool = pktpool_default()
    };
    struct kport *port = NULL;
    char derr[160] = "";
    int rc = d->open(&a, &port, derr, sizeof(derr));
    if (rc < 0 || port == NULL) {
        if (rc >= 0)
            rc = -KE_IO;
        /* A driver's message names the device; add the interface only if it does not. */
        if (derr[0] && contains(derr, ic->name))
            config_set_error(err, cfg->filename, ic->pos, "%s", derr);
        else
            config_set_error(err, cfg->filename, ic->pos, "interface %s: driver %s: %s", ic->name,
                             ic->driver, derr[0] ? derr : kerr_str(rc));
        return open_failure_code(rc);
    }
    if (port->driver == NULL)
        port->driver = d->name;
    if (!port->name[0])
        kstrlcpy(port->name, ic->name, sizeof(port->name));
    rc = netif_create(port, ic->name, ic->has_mac ? ic->mac : NULL, NULL);
    if (rc < 0) {
        if (port->ops->close)
            port->ops->close(port);
        config_set_error(err, cfg->filename, ic->pos, "interface %s: %s", ic->name,
                         rc == -KE_TOOBIG ? "too many interfaces" : kerr_str(rc));
        return rc;
    }
    return 0;
}

static int interfaces_apply(const struct config *cfg, struct config_error *err)
{
    for (unsigned i = 0; i < cfg->ninterfaces; i++) {
        int rc = open_interface(cfg, i, err);
        if (rc < 0) {
            netif_destroy_all();
            return rc;
        }
    }
    return 0;
}

static void interfaces_undo(const struct config *cfg)
{
    (void)cfg;
    netif_destroy_all();
}

static const struct kconfig_stage interfaces_stage = {
    .name = "interfaces",
    .order = KSTAGE_INTERFACES,
    .apply = interfaces_apply,
    .undo = interfaces_undo,
};
KCONFIG_STAGE(interfaces_stage);

/* Addresses leave with their interfaces: the interfaces stage's undo removes them. */
static int addresses_apply(const struct config *cfg, struct config_error *err)
{
    for (unsigned i = 0; i < cfg->naddresses; i++) {
        const struct cfg_address *ca = &cfg->addresses[i];
        char abuf[INET_IPV4_STRLEN];
        struct netif *ifp = netif_find(ca->ifname);
        if (ifp == NULL) {
            config_set_error(err, cfg->filename, ca->pos, "address: unknown interface '%s'",
                             ca->ifname);
            return -KE_NOENT;
        }
        int rc = netif_add_addr(ifp, ca->addr, ca->plen);
        if (rc < 0) {
            const char *why = rc == -KE_EXIST    ? "already set"
                              : rc == -KE_TOOBIG ? "too many addresses on this interface"
                                                 : kerr_str(rc);
            config_set_error(err, cfg->filename, ca->pos, "address %s/%u on %s: %s",
                             inet_fmt_ipv4(ca->addr, abuf), ca->plen, ca->ifname, why);
            return rc;
        }
    }
    return 0;
}

static const struct kconfig_stage addresses_stage = {
    .name = "addresses",
    .order = KSTAGE_ADDRESSES,
    .apply = addresses_apply,
};
KCONFIG_STAGE(addresses_stage);

/* start_apply - start every interface's port, in creation order (the interfaces stage's undo stops them). */
static int start_apply(const struct config *cfg, struct config_error *err)
{
    for (unsigned i = 0; i < netif_count(); i++) {
        struct netif *ifp = netif_get((uint16_t)i);
        struct kport *port = ifp->port;
        if (port->ops->start == NULL)
            continue;
        port->error[0] = '\0';
        int rc = port->ops->start(port);
        if (rc < 0) {
            const struct cfg_interface *ic = NULL;
            for (unsigned k = 0; k < cfg->ninterfaces; k++)
                if (strcmp(cfg->interfaces[k].name, ifp->name) == 0)
                    ic = &cfg->interfaces[k];
            char dev[64] = "";
            struct cfg_pos pos = { 0, 0 };
            if (ic != NULL) {
                device_words(ic, dev, sizeof(dev));
                pos = ic->pos;
            }
            config_set_error(err, cfg->filename, pos, "interface %s: driver %s%s: %s", ifp->name,
                             port->driver ? port->driver : "?", dev,
                             port->error[0] ? port->error : kerr_str(rc));
            return -KE_IO;
        }
    }
    return 0;
}

static const struct kconfig_stage start_stage = {
    .name = "start",
    .order = KSTAGE_START,
    .apply = start_apply,
};
KCONFIG_STAGE(start_stage);
