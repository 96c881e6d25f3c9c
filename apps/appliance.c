/*
 * apps/appliance.c — bring-up, main loop and shutdown of an appliance
 * (apps/appliance.h). Portable: the hosted program and the VM kernels differ
 * only in the driver classes they register before appliance_configure().
 *
 * Bring-up order (appliance_configure): open every interface's port and wrap
 * it in a netif, add addresses, add routes, start the ports, install the
 * extensions. Any failure undoes everything done so far (extensions removed,
 * routes deleted, every interface stopped and closed) and names the
 * offending configuration line. Return codes: -KE_IO when a device could not
 * be opened or started (the hosted program exits 3 for it); -KE_NOENT,
 * -KE_INVAL, -KE_EXIST, -KE_TOOBIG, -KE_RANGE, -KE_UNREACH for configuration
 * mistakes found at bring-up (unknown driver or extension, bad parameter,
 * gateway on no connected subnet); -KE_NOMEM.
 *
 * The default pool outlives appliance_shutdown() so that the caller can
 * check pktpool_all_full() and print it; the next appliance_init() destroys
 * it if every buffer came back.
 */
#include "apps/appliance.h"
#include "apps/extension.h"
#include "guards/dispatch.h"
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/pktbuf.h"
#include "kernel/nameservice.h"
#include "kernel/port.h"
#include "kernel/strand.h"
#include "kernel/timer.h"
#include "netgraph/netif.h"
#include "protocols/arp/arp.h"
#include "protocols/ether/ether.h"
#include "protocols/icmp/icmp.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/udp/udp.h"

#define APPLIANCE_DEFAULT_POOL 4096u

/** The protocol nodes, in installation order (removed in reverse). */
static const struct {
    const char *name;
    int (*init)(void);
    void (*fini)(void);
} protocols[] = {
    { "ether", ether_init, ether_fini },
    { "arp", arp_init, arp_fini },
    { "ipv4", ipv4_init, ipv4_fini },
    { "icmp", icmp_init, icmp_fini },
    { "udp", udp_init, udp_fini },
};

/** One installed extension instance. */
struct ext_instance {
    const struct kextension *ext;
    void *state;
    unsigned id;                  /* 1, 2, ... in installation order; never reused in a run */
    struct kparams *params;       /* owned copy of the parameters (strings in the same block) */
};

static struct {
    bool inited;
    unsigned nprotocols;          /* protocol nodes up */
    struct pktpool *pool;         /* the default pool we created */
    struct ext_instance *exts;    /* installed, in installation order */
    unsigned nexts, cap_exts;
    unsigned last_ext_id;         /* id of the newest instance; 0 when none was installed */
} app;

/* ------------------------------------------------------------- init */

static void protocols_down(void)
{
    while (app.nprotocols > 0) {
        app.nprotocols--;
        protocols[app.nprotocols].fini();
    }
}

int appliance_init(uint32_t pool_buffers)
{
    if (app.inited)
        return 0;
    uint32_t count = pool_buffers ? pool_buffers : APPLIANCE_DEFAULT_POOL;
    if (app.pool && pktpool_destroy(app.pool) == 0)
        app.pool = NULL; /* an earlier run's pool, every buffer back */
    struct pktpool *pool = pktpool_create("default", count, PKT_BLOCK_SIZE, NULL, NULL);
    if (!pool)
        return -KE_NOMEM;
    app.pool = pool;
    pktpool_set_default(pool);
    int rc = guards_init();
    if (rc < 0)
        return rc;
    for (app.nprotocols = 0; app.nprotocols < KARRAY_SIZE(protocols); app.nprotocols++) {
        rc = protocols[app.nprotocols].init();
        if (rc < 0) {
            KERR("appliance", "%s node: %s", protocols[app.nprotocols].name, kerr_str(rc));
            protocols_down();
            return rc;
        }
    }
    app.inited = true;
    return 0;
}

/* --------------------------------------------------------- configure */

/** A list of names ("pcap, pcap-file, loop") for "unknown X" messages. */
struct namelist {
    char buf[96];
    size_t len;
};

static void namelist_add(struct namelist *l, const char *name)
{
    if (l->len >= sizeof(l->buf) - 1)
        return;
    int n = ksnprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s", l->len ? ", " : "", name);
    l->len += (size_t)n;
    if (l->len >= sizeof(l->buf))
        l->len = sizeof(l->buf) - 1;
}

static void add_driver_name(const struct kdriver *d, void *ctx)
{
    namelist_add(ctx, d->name);
}

static void add_extension_name(const struct kextension *e, void *ctx)
{
    namelist_add(ctx, e->name);
}

/** param_index - index of @key in @p, or -1. */
static int param_index(const struct kparams *p, const char *key)
{
    for (unsigned i = 0; i < p->n; i++)
        if (strcmp(p->key[i], key) == 0)
            return (int)i;
    return -1;
}

static struct cfg_pos param_pos_or(const struct cfg_interface *ic, const char *key)
{
    int k = param_index(&ic->params, key);
    return k >= 0 ? ic->param_pos[k] : ic->pos;
}

/** device_words - "device veth-app": the first parameter other than driver= and mac=. */
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

/** strstr_simple - true when @needle occurs in @hay. */
static bool strstr_simple(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncmp(hay, needle, n) == 0)
            return true;
    return n == 0;
}

/** open_failure_code - a driver's open error as appliance_configure reports it. */
static int open_failure_code(int rc)
{
    if (rc == -KE_INVAL || rc == -KE_RANGE || rc == -KE_NOTSUP || rc == -KE_NOMEM)
        return rc; /* a bad or unsupported parameter, or no memory: not the device's fault */
    return -KE_IO;
}

/** open_interface - open @ic's port through its driver class and make it a netif. */
static int open_interface(const struct config *cfg, unsigned i, struct config_error *err)
{
    const struct cfg_interface *ic = &cfg->interfaces[i];
    const struct kdriver *d = kdriver_find(ic->driver);
    if (!d) {
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
    struct kdriver_args a = { .ifname = ic->name, .params = &p, .instance = instance,
                              .pool = app.pool };
    struct kport *port = NULL;
    char derr[160];
    derr[0] = '\0';
    int rc = d->open(&a, &port, derr, sizeof(derr));
    if (rc < 0 || !port) {
        if (rc >= 0)
            rc = -KE_IO;
        /* A driver's message names the device; add the interface only if it does not. */
        if (derr[0] && strstr_simple(derr, ic->name))
            config_set_error(err, cfg->filename, ic->pos, "%s", derr);
        else
            config_set_error(err, cfg->filename, ic->pos, "interface %s: driver %s: %s", ic->name,
                             ic->driver, derr[0] ? derr : kerr_str(rc));
        return open_failure_code(rc);
    }
    if (!port->driver)
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

static int add_address(const struct config *cfg, const struct cfg_address *ca,
                       struct config_error *err)
{
    char abuf[16];
    struct netif *ifp = netif_find(ca->ifname);
    if (!ifp) {
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
                         ipv4_fmt(ca->addr, abuf), ca->plen, ca->ifname, why);
        return rc;
    }
    return 0;
}

/** connected_ifindex - the interface whose connected subnet (longest) holds @addr; -1 none. */
static int connected_ifindex(uint32_t addr)
{
    int best = -1, best_plen = -1;
    for (unsigned i = 0; i < netif_count(); i++) {
        const struct netif *ifp = netif_get((uint16_t)i);
        for (unsigned k = 0; ifp && k < ifp->naddrs; k++) {
            uint8_t plen = ifp->plen[k];
            uint32_t mask = plen == 0 ? 0 : 0xffffffffu << (32 - plen);
            if ((addr & mask) == (ifp->addr[k] & mask) && (int)plen > best_plen) {
                best = (int)ifp->index;
                best_plen = plen;
            }
        }
    }
    return best;
}

static int add_route(const struct config *cfg, const struct cfg_route *cr,
                     struct config_error *err)
{
    char pbuf[16], gbuf[16];
    struct ipv4_route r = { .prefix = cr->prefix, .plen = cr->plen, .gateway = cr->gateway };
    if (cr->has_dev) {
        struct netif *ifp = netif_find(cr->dev);
        if (!ifp) {
            config_set_error(err, cfg->filename, cr->pos, "route %s/%u: unknown interface '%s'",
                             ipv4_fmt(cr->prefix, pbuf), cr->plen, cr->dev);
            return -KE_NOENT;
        }
        r.ifindex = ifp->index;
    } else {
        int idx = connected_ifindex(cr->gateway);
        if (idx < 0) {
            config_set_error(err, cfg->filename, cr->pos,
                             "route %s/%u: gateway %s is on no interface's subnet (add 'dev NAME' "
                             "or an address line)",
                             ipv4_fmt(cr->prefix, pbuf), cr->plen, ipv4_fmt(cr->gateway, gbuf));
            return -KE_UNREACH;
        }
        r.ifindex = (uint16_t)idx;
    }
    int rc = ipv4_route_add(&r);
    if (rc < 0) {
        config_set_error(err, cfg->filename, cr->pos, "route %s/%u: %s",
                         ipv4_fmt(cr->prefix, pbuf), cr->plen,
                         rc == -KE_TOOBIG ? "routing table full" : kerr_str(rc));
        return rc;
    }
    return 0;
}

/** start_ports - start every interface's port, in creation order. */
static int start_ports(const struct config *cfg, struct config_error *err)
{
    for (unsigned i = 0; i < netif_count(); i++) {
        struct netif *ifp = netif_get((uint16_t)i);
        struct kport *port = ifp->port;
        if (!port->ops->start)
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
            if (ic) {
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

static bool word_at(const char *msg, size_t at, size_t n)
{
    bool before = at == 0 || !(msg[at - 1] == '_' || msg[at - 1] == '-' ||
                               (msg[at - 1] >= 'a' && msg[at - 1] <= 'z') ||
                               (msg[at - 1] >= '0' && msg[at - 1] <= '9'));
    char c = msg[at + n];
    bool after = !(c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
    return before && after;
}

/** blamed_param - the position of the first parameter of @ce that @msg names, else the line's. */
static struct cfg_pos blamed_param(const struct cfg_extension *ce, const char *msg)
{
    size_t best = (size_t)-1;
    struct cfg_pos pos = ce->pos;
    size_t mlen = strlen(msg);
    for (unsigned i = 0; i < ce->params.n; i++) {
        size_t n = strlen(ce->params.key[i]);
        for (size_t at = 0; n && at + n <= mlen && at < best; at++) {
            if (memcmp(msg + at, ce->params.key[i], n) == 0 && word_at(msg, at, n)) {
                best = at;
                pos = ce->param_pos[i];
                break;
            }
        }
    }
    return pos;
}

/* ---------------------------------------------- extension instances */

/** params_copy - @p (NULL: none) with its strings in one kmalloc'd block; NULL: no memory. */
static struct kparams *params_copy(const struct kparams *p)
{
    unsigned n = p ? p->n : 0;
    size_t bytes = sizeof(struct kparams);
    for (unsigned i = 0; i < n; i++)
        bytes += strlen(p->key[i]) + 1 + (p->value[i] ? strlen(p->value[i]) : 0) + 1;
    struct kparams *c = kmalloc(bytes);
    if (!c)
        return NULL;
    char *s = (char *)(c + 1);
    c->n = n;
    for (unsigned i = 0; i < n; i++) {
        const char *v = p->value[i] ? p->value[i] : "";
        size_t kl = strlen(p->key[i]) + 1, vl = strlen(v) + 1;
        memcpy(s, p->key[i], kl);
        c->key[i] = s;
        s += kl;
        memcpy(s, v, vl);
        c->value[i] = s;
        s += vl;
    }
    return c;
}

/** ext_reserve - room for one more instance in app.exts: 0 or -KE_NOMEM. */
static int ext_reserve(void)
{
    if (app.nexts < app.cap_exts)
        return 0;
    unsigned ncap = app.cap_exts ? app.cap_exts * 2 : 8;
    struct ext_instance *n = kmalloc(ncap * sizeof(*n));
    if (!n)
        return -KE_NOMEM;
    if (app.exts) {
        memcpy(n, app.exts, app.nexts * sizeof(*n));
        kfree(app.exts);
    }
    app.exts = n;
    app.cap_exts = ncap;
    return 0;
}

/**
 * ext_instantiate - install one instance of @e with a private copy of
 * @params (so an extension may keep pointers to its parameter strings for
 * as long as it is installed) and record it with the next id (*@id if
 * non-NULL). The extension's error, if any, is its own message in @eerr.
 */
static int ext_instantiate(const struct kextension *e, const struct kparams *params, unsigned *id,
                           char *eerr, size_t errlen)
{
    if (ext_reserve() < 0)
        return -KE_NOMEM;
    struct kparams *copy = params_copy(params);
    if (!copy)
        return -KE_NOMEM;
    void *state = NULL;
    int rc = e->install(copy, &state, eerr, errlen);
    if (rc < 0) {
        kfree(copy);
        return rc;
    }
    struct ext_instance *x = &app.exts[app.nexts++];
    x->ext = e;
    x->state = state;
    x->params = copy;
    x->id = ++app.last_ext_id;
    if (id)
        *id = x->id;
    return 0;
}

/** ext_drop - uninstall instance number @i of app.exts (not its id) and close the gap. */
static void ext_drop(unsigned i)
{
    struct ext_instance x = app.exts[i];
    memmove(&app.exts[i], &app.exts[i + 1], (app.nexts - i - 1) * sizeof(x));
    app.nexts--;
    x.ext->remove(x.state);
    kfree(x.params);
}

static int install_extension(const struct config *cfg, const struct cfg_extension *ce,
                             struct config_error *err)
{
    const struct kextension *e = extension_find(ce->name);
    if (!e) {
        struct namelist known = { .len = 0 };
        known.buf[0] = '\0';
        extension_foreach(add_extension_name, &known);
        config_set_error(err, cfg->filename, ce->pos, "unknown extension '%s' (known: %s)",
                         ce->name, known.len ? known.buf : "none");
        return -KE_NOENT;
    }
    char eerr[160];
    eerr[0] = '\0';
    int rc = ext_instantiate(e, &ce->params, NULL, eerr, sizeof(eerr));
    if (rc < 0) {
        /* "udp-echo: port: ..." from the extension reads "extension udp-echo: port: ...". */
        size_t nl = strlen(ce->name);
        const char *why = eerr[0] ? eerr : kerr_str(rc);
        if (strncmp(why, ce->name, nl) == 0 && why[nl] == ':')
            why += nl + (why[nl + 1] == ' ' ? 2 : 1);
        bool say_usage = e->usage && !strstr_simple(eerr, e->usage);
        config_set_error(err, cfg->filename, eerr[0] ? blamed_param(ce, eerr) : ce->pos,
                         "extension %s: %s%s%s", ce->name, why, say_usage ? "; usage: " : "",
                         say_usage ? e->usage : "");
        return rc;
    }
    return 0;
}

static void extensions_remove(void)
{
    while (app.nexts > 0)
        ext_drop(app.nexts - 1);
    kfree(app.exts);
    app.exts = NULL;
    app.cap_exts = 0;
    app.last_ext_id = 0;
}

int appliance_extension_install(const char *name, const struct kparams *params, unsigned *id_out,
                                char *err, size_t errlen)
{
    char scratch[8];
    if (!err || errlen == 0) {
        err = scratch;
        errlen = sizeof(scratch);
    }
    err[0] = '\0';
    if (!app.inited) {
        ksnprintf(err, errlen, "appliance_init() was not called");
        return -KE_INVAL;
    }
    const struct kextension *e = extension_find(name);
    if (!e) {
        struct namelist known = { .len = 0 };
        known.buf[0] = '\0';
        extension_foreach(add_extension_name, &known);
        ksnprintf(err, errlen, "unknown extension '%s' (known: %s)", name ? name : "",
                  known.len ? known.buf : "none");
        return -KE_NOENT;
    }
    char eerr[160];
    eerr[0] = '\0';
    int rc = ext_instantiate(e, params, id_out, eerr, sizeof(eerr));
    if (rc < 0) {
        /* The extension's "udp-echo: port: ..." as is; a bare reason gets the class name. */
        size_t nl = strlen(e->name);
        const char *why = eerr[0] ? eerr : kerr_str(rc);
        bool named = strncmp(why, e->name, nl) == 0 && why[nl] == ':';
        bool say_usage = e->usage && !strstr_simple(why, e->usage);
        ksnprintf(err, errlen, "%s%s%s%s%s", named ? "" : e->name, named ? "" : ": ", why,
                  say_usage ? "; usage: " : "", say_usage ? e->usage : "");
        return rc;
    }
    KINFO("appliance", "extension %s installed (id %u)", e->name, app.last_ext_id);
    return 0;
}

int appliance_extension_remove(unsigned id)
{
    for (unsigned i = 0; i < app.nexts; i++) {
        if (app.exts[i].id == id) {
            const char *name = app.exts[i].ext->name;
            ext_drop(i);
            KINFO("appliance", "extension %s removed (id %u)", name, id);
            return 0;
        }
    }
    return -KE_NOENT;
}

void appliance_extension_foreach(void (*cb)(const struct appliance_extension_info *x, void *ctx),
                                 void *ctx)
{
    for (unsigned i = 0; i < app.nexts; i++) {
        struct appliance_extension_info info = {
            .id = app.exts[i].id, .ext = app.exts[i].ext, .params = app.exts[i].params,
        };
        cb(&info, ctx);
    }
}

int appliance_configure(const struct config *cfg, struct config_error *err)
{
    struct config_error scratch;
    if (!err)
        err = &scratch;
    if (!app.inited) {
        struct cfg_pos nowhere = { 0, 0 };
        config_set_error(err, cfg->filename, nowhere, "appliance_init() was not called");
        return -KE_INVAL;
    }
    unsigned routes_added = 0, exts_before = app.nexts;
    int rc = 0;
    for (unsigned i = 0; i < cfg->ninterfaces && rc == 0; i++)
        rc = open_interface(cfg, i, err);
    for (unsigned i = 0; i < cfg->naddresses && rc == 0; i++)
        rc = add_address(cfg, &cfg->addresses[i], err);
    for (unsigned i = 0; i < cfg->nroutes && rc == 0; i++) {
        rc = add_route(cfg, &cfg->routes[i], err);
        if (rc == 0)
            routes_added++;
    }
    if (rc == 0)
        rc = start_ports(cfg, err);
    for (unsigned i = 0; i < cfg->nextensions && rc == 0; i++)
        rc = install_extension(cfg, &cfg->extensions[i], err);
    if (rc == 0) {
        KINFO("appliance", "%u interfaces, %u addresses, %u routes, %u extensions",
              cfg->ninterfaces, cfg->naddresses, cfg->nroutes, cfg->nextensions);
        return 0;
    }
    /* Undo, newest first: nothing stays started. */
    while (app.nexts > exts_before)
        ext_drop(app.nexts - 1);
    while (routes_added > 0) {
        const struct cfg_route *cr = &cfg->routes[--routes_added];
        ipv4_route_del(cr->prefix, cr->plen);
    }
    netif_destroy_all();
    return rc;
}

/* ------------------------------------------------------------ running */

unsigned appliance_poll(bool may_idle)
{
    unsigned total = 0;
    /* frames that waited for transmit ring space go first, in order */
    (void)netif_tx_flush_all();
    bool busy = false;
    struct pktbuf *pkts[APPLIANCE_BURST];
    for (unsigned i = 0; i < netif_count(); i++) {
        struct netif *ifp = netif_get((uint16_t)i);
        struct kport *port = ifp ? ifp->port : NULL;
        if (!port || port->done || !port->ops->rx_burst)
            continue;
        busy |= port->no_idle; /* a replay port always has work: never idle on it */
        uint16_t n = port->ops->rx_burst(port, pkts, APPLIANCE_BURST);
        for (uint16_t k = 0; k < n; k++)
            netif_input(ifp, pkts[k]);
        total += n;
    }
    unsigned ran = ktimer_run_due(kclock_now_ns());
    ran += ksched_run(APPLIANCE_BURST); /* runnable strands: asynchronous handlers, timers */
    unsigned waiting = netif_tx_flush_all();
    if (may_idle && total == 0 && ran == 0 && !busy && ksched_runnable() == 0) {
        /* Frames waiting for ring space: sleep until the device's transmit
         * interrupt (drivers arm it when their ring is full), as Linux stops
         * its queue, rather than spin on a CPU the device model needs; the
         * short deadline only bounds the wait if an interrupt is missed. */
        uint64_t deadline = ktimer_next_deadline();
        if (waiting) {
            uint64_t soon = kclock_now_ns() + APPLIANCE_TX_WAIT_NS;
            if (soon < deadline)
                deadline = soon;
        }
        arch_idle(kclock_arch_deadline(deadline));
    }
    return total;
}

bool appliance_done(void)
{
    unsigned n = netif_count();
    if (n == 0)
        return false;
    for (unsigned i = 0; i < n; i++) {
        const struct netif *ifp = netif_get((uint16_t)i);
        if (!ifp || !ifp->port || !ifp->port->done)
            return false;
    }
    return true;
}

void appliance_shutdown(void)
{
    extensions_remove();
    netif_destroy_all();
    protocols_down();
    app.inited = false;
    /* app.pool stays: the caller checks pktpool_all_full() and prints it. */
}

/* ------------------------------------------------------- capabilities */

bool extension_common_param(const char *key)
{
    return strcmp(key, "grant") == 0;
}

int extension_grants(const struct kparams *params, const char *ext, const char *derived,
                     struct kcapset **out, char *err, size_t errlen)
{
    const char *spec = params ? kparams_get(params, "grant") : NULL;
    if (spec == NULL)
        spec = derived;
    struct kcapset *set = kcapset_create();
    if (set == NULL) {
        ksnprintf(err, errlen, "%s: out of memory", ext);
        return -KE_NOMEM;
    }
    char why[96];
    int rc = kns_grant(set, spec, why, sizeof why);
    if (rc < 0) {
        ksnprintf(err, errlen, "%s: grant=%s: %s", ext, spec, why);
        kcapset_destroy(set);
        return rc;
    }
    *out = set;
    return 0;
}
