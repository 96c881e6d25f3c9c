/*
 * netgraph/instances.c — the table of running extension instances
 * (netgraph/instances.h): an array in installation order.
 */
#include "netgraph/instances.h"

#include "kernel/capability.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "netgraph/runtime.h"

static struct {
    struct kext **x; /* installed, in installation order */
    unsigned n, cap;
    unsigned last_id; /* id of the newest instance; 0 when none was installed */
} inst;

/* reserve - room for one more instance: 0 or -KE_NOMEM. */
static int reserve(void)
{
    if (inst.n < inst.cap)
        return 0;
    unsigned ncap = inst.cap ? inst.cap * 2 : 8;
    struct kext **n = kmalloc(ncap * sizeof(*n));
    if (n == NULL)
        return -KE_NOMEM;
    if (inst.x != NULL) {
        memcpy(n, inst.x, inst.n * sizeof(*n));
        kfree(inst.x);
    }
    inst.x = n;
    inst.cap = ncap;
    return 0;
}

struct known {
    char *buf;
    size_t size, len;
};

static void add_known(const struct kextension *c, void *ctx)
{
    struct known *k = ctx;
    if (k->len + 1 >= k->size)
        return;
    int n = ksnprintf(k->buf + k->len, k->size - k->len, "%s%s", k->len ? ", " : "", c->name);
    k->len += (size_t)n;
    if (k->len >= k->size)
        k->len = k->size - 1;
}

void netgraph_ext_known(char *buf, size_t size)
{
    struct known k = { .buf = buf, .size = size, .len = 0 };
    if (size == 0)
        return;
    buf[0] = '\0';
    kext_class_foreach(add_known, &k);
    if (k.len == 0)
        kstrlcpy(buf, "none", size);
}

/*
 * port_domain - the domain in which instance @x holds its port=: its class's
 * grant_domain, or, for a class that obtains its capabilities at install
 * (the RPC node: only its UDP endpoints hold a port), the domain of the
 * capability that covers the port. NULL: it holds no port.
 */
static const char *port_domain(const struct kext *x)
{
    if (!x->has_port)
        return NULL;
    if (x->cls->grant_domain != NULL)
        return x->cls->grant_domain;
    for (unsigned i = 0; x->caps != NULL && i < x->caps->n; i++)
        if (kcap_covers(x->caps->cap[i], x->port, x->port))
            return x->caps->cap[i]->name;
    return NULL;
}

/*
 * port_holder - an installed instance that holds the port of new instance
 * @x in the same domain and may not share it (unless both say shared=yes),
 * or NULL. Instances without a port= (a guard, or every port) hold none.
 */
static const struct kext *port_holder(const struct kext *x)
{
    const char *dom = port_domain(x);
    if (dom == NULL)
        return NULL;
    for (unsigned i = 0; i < inst.n; i++) {
        const struct kext *y = inst.x[i];
        const char *ydom = port_domain(y);
        if (ydom != NULL && y->port == x->port && strcmp(ydom, dom) == 0 &&
            !(x->shared && y->shared))
            return y;
    }
    return NULL;
}

int netgraph_ext_install(const char *name, const struct kparams *params, unsigned *id_out,
                         char *err, size_t errlen)
{
    char scratch[8];
    if (err == NULL || errlen == 0) {
        err = scratch;
        errlen = sizeof scratch;
    }
    err[0] = '\0';
    if (!netgraph_running()) {
        ksnprintf(err, errlen, "netgraph_init() was not called");
        return -KE_INVAL;
    }
    const struct kextension *c = kext_class_find(name);
    if (c == NULL) {
        char known[128];
        netgraph_ext_known(known, sizeof known);
        ksnprintf(err, errlen, "unknown extension '%s' (known: %s)", name ? name : "", known);
        return -KE_NOENT;
    }
    if (reserve() < 0) {
        ksnprintf(err, errlen, "%s: out of memory", c->name);
        return -KE_NOMEM;
    }
    struct kext *x = NULL;
    int rc = kext_create_id(c, params, inst.last_id + 1, &x, err, errlen);
    if (rc < 0)
        return rc;
    const struct kext *holder = port_holder(x);
    if (holder != NULL) {
        ksnprintf(err, errlen,
                  "%s: port %u is taken by %s (id %u); two instances share a port only when "
                  "both say shared=yes",
                  c->name, x->port, holder->cls->name, holder->id);
        kext_destroy(x);
        return -KE_EXIST;
    }
    inst.last_id++;
    inst.x[inst.n++] = x;
    if (id_out != NULL)
        *id_out = x->id;
    /* Installs at run time are logged; those of the configuration are its summary. */
    klog(netgraph_configured() ? KLOG_INFO : KLOG_DEBUG, "netgraph",
         "extension %s installed (id %u)", c->name, x->id);
    return 0;
}

/* drop - remove instance number @i of the table (not its id) and close the gap. */
static void drop(unsigned i)
{
    struct kext *x = inst.x[i];
    memmove(&inst.x[i], &inst.x[i + 1], (inst.n - i - 1) * sizeof(*inst.x));
    inst.n--;
    kext_destroy(x);
}

int netgraph_ext_remove(unsigned id)
{
    for (unsigned i = 0; i < inst.n; i++) {
        if (inst.x[i]->id == id) {
            const char *name = inst.x[i]->cls->name;
            drop(i);
            KINFO("netgraph", "extension %s removed (id %u)", name, id);
            return 0;
        }
    }
    return -KE_NOENT;
}

void netgraph_ext_foreach(void (*cb)(const struct kext *x, void *ctx), void *ctx)
{
    for (unsigned i = 0; i < inst.n; i++)
        cb(inst.x[i], ctx);
}

unsigned netgraph_ext_count(void)
{
    return inst.n;
}

void netgraph_ext_remove_since(unsigned keep)
{
    while (inst.n > keep)
        drop(inst.n - 1);
}

void netgraph_ext_remove_all(void)
{
    netgraph_ext_remove_since(0);
    kfree(inst.x);
    inst.x = NULL;
    inst.cap = 0;
    inst.last_id = 0;
}
