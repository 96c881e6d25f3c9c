/*
 * netgraph/extension.c — creating and destroying extension instances
 * (netgraph/extension.h): the parameters every extension has, its state,
 * counters and handlers. The table of running instances is
 * netgraph/instances.c.
 */
#include "netgraph/extension.h"

#include "guards/guard_expr.h"
#include "kernel/capability.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/nameservice.h"

/* ------------------------------------------------------------ classes */

const struct kextension *kext_class_find(const char *name)
{
    if (name == NULL)
        return NULL;
    KSET_FOREACH(exts, const struct kextension, it)
    if (strcmp((*it)->name, name) == 0)
        return *it;
    return NULL;
}

void kext_class_foreach(void (*cb)(const struct kextension *c, void *ctx), void *ctx)
{
    /* Link order: the order of the subdir() lines in apps/meson.build. */
    KSET_FOREACH(exts, const struct kextension, it)
    cb(*it, ctx);
}

/* ---------------------------------------------------------- parameters */

/* params_copy - @p (NULL: none) with its strings in one kmalloc'd block; NULL: no memory. */
static struct kparams *params_copy(const struct kparams *p)
{
    unsigned n = p ? p->n : 0;
    size_t bytes = sizeof(struct kparams);
    for (unsigned i = 0; i < n; i++)
        bytes += strlen(p->key[i]) + 1 + (p->value[i] ? strlen(p->value[i]) : 0) + 1;
    struct kparams *c = kmalloc(bytes);
    if (c == NULL)
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

/* common_key - the enum kext_common bit of common parameter @key, 0 if none. */
static unsigned common_key(const char *key)
{
    if (strcmp(key, "port") == 0)
        return KEXT_PORT;
    if (strcmp(key, "grant") == 0)
        return KEXT_GRANT;
    if (strcmp(key, "guard") == 0)
        return KEXT_GUARD;
    if (strcmp(key, "mode") == 0)
        return KEXT_MODE;
    return 0;
}

/* known_key - true when class @c takes parameter @key. */
static bool known_key(const struct kextension *c, const char *key)
{
    if (common_key(key) & c->common)
        return true;
    if ((c->common & KEXT_PORT) && (strcmp(key, "shared") == 0 || strcmp(key, "bcast") == 0))
        return true;
    for (const char *const *k = c->params; k != NULL && *k != NULL; k++)
        if (strcmp(*k, key) == 0)
            return true;
    return false;
}

/* parse_mode - "sync", "async", "bounded" or "bounded:US" into @props. */
static int parse_mode(const char *v, struct khandler_props *props)
{
    if (strcmp(v, "sync") == 0) {
        props->mode = KH_SYNC;
        return 0;
    }
    if (strcmp(v, "async") == 0) {
        props->mode = KH_ASYNC;
        return 0;
    }
    if (strncmp(v, "bounded", 7) != 0 || (v[7] != '\0' && v[7] != ':'))
        return -KE_INVAL;
    uint64_t us = KEXT_DEFAULT_BUDGET_US;
    if (v[7] == ':' && (kparse_u64(v + 8, strlen(v + 8), &us) < 0 || us == 0 || us > 10000000u))
        return -KE_RANGE;
    props->mode = KH_SYNC;
    props->budget_ns = us * 1000u;
    return 0;
}

/* port_span - the ports an instance of @c uses from port= on (1 at least). */
static uint32_t port_span(const struct kextension *c)
{
    return c->port_span > 1 ? c->port_span : 1u;
}

/*
 * check_needs - every capability of @x's grant is for a domain its class
 * declares in .needs, within the declared scope (and, for a KEXT_NEED_PORT
 * domain of an instance with port=, no wider than that port). 0, or
 * -KE_PERM with @err. A class without .needs is not checked.
 */
static int check_needs(const struct kext *x, char *err, size_t errlen)
{
    const struct kext_need *needs = x->cls->needs;
    if (needs == NULL || x->caps == NULL)
        return 0;
    for (unsigned i = 0; i < x->caps->n; i++) {
        const struct kcap *cap = x->caps->cap[i];
        const struct kext_need *n = needs;
        while (n->domain != NULL && strcmp(n->domain, cap->name) != 0)
            n++;
        if (n->domain == NULL) {
            ksnprintf(err, errlen, "grant: '%s': %s needs nothing of it (it declares %s)",
                      cap->name, x->cls->name, needs->domain ? needs->domain : "nothing");
            return -KE_PERM;
        }
        bool wide = cap->scope_lo < n->lo || cap->scope_hi > n->hi;
        uint32_t plo = x->port, phi = x->port + port_span(x->cls) - 1u;
        if (!wide && (n->flags & KEXT_NEED_PORT) && x->has_port && kcap_covers(cap, plo, phi))
            wide = cap->scope_lo != plo || cap->scope_hi != phi;
        if (wide) {
            uint32_t lo = n->lo, hi = n->hi;
            if ((n->flags & KEXT_NEED_PORT) && x->has_port) {
                lo = plo;
                hi = phi;
            }
            ksnprintf(err, errlen, "grant: '%s:%u-%u' is too wide: %s needs %s %u-%u of %s",
                      cap->name, (unsigned)cap->scope_lo, (unsigned)cap->scope_hi, x->cls->name,
                      n->scope ? n->scope : "resources", (unsigned)lo, (unsigned)hi, n->domain);
            return -KE_PERM;
        }
    }
    return 0;
}

/* parse_common - the common parameters of @x; 0 or -KE_* with @err. */
static int parse_common(struct kext *x, char *err, size_t errlen)
{
    const struct kextension *c = x->cls;
    const struct kparams *p = x->params;
    for (unsigned i = 0; i < p->n; i++) {
        if (!known_key(c, p->key[i])) {
            ksnprintf(err, errlen, "unknown parameter '%s'", p->key[i]);
            return -KE_INVAL;
        }
    }
    if (c->common & KEXT_PORT) {
        uint64_t port;
        int rc = kparams_get_u64(p, "port", c->default_port, 1, 65535, &port);
        if (rc < 0) {
            ksnprintf(err, errlen, "port: %s (expected 1..65535)",
                      rc == -KE_RANGE ? "out of range" : "not a number");
            return rc;
        }
        x->has_port = port != 0;
        x->port = (uint16_t)port;
        if (port + port_span(c) - 1u > 65535u) {
            ksnprintf(err, errlen, "port: %u..%u runs past 65535 (%s uses %u ports)",
                      (unsigned)port, (unsigned)(port + port_span(c) - 1u), c->name,
                      (unsigned)port_span(c));
            return -KE_RANGE;
        }
        int yn = kext_yes_no(x, "shared", false, &x->shared, err, errlen);
        if (yn == 0)
            yn = kext_yes_no(x, "bcast", false, &x->bcast, err, errlen);
        if (yn < 0)
            return yn;
    }
    x->props.name = c->name;
    const char *mode = kparams_get(p, "mode");
    if (mode != NULL) {
        int rc = parse_mode(mode, &x->props);
        if (rc < 0) {
            ksnprintf(err, errlen, "mode: '%s' %s (expected sync, async or bounded[:MICROSECONDS])",
                      mode, rc == -KE_RANGE ? "has a budget out of range" : "is not a mode");
            return rc;
        }
    }
    const char *gexpr = kparams_get(p, "guard");
    if (gexpr != NULL) {
        char why[160];
        int rc = guard_expr_compile(gexpr, c->event, &x->guard, &x->guard_handle, why, sizeof why);
        if (rc < 0) {
            ksnprintf(err, errlen, "guard: %s", why);
            return rc;
        }
        x->has_guard = true;
    }
    const char *spec = kparams_get(p, "grant");
    char derived[32];
    x->grant_given = spec != NULL;
    if (spec == NULL && c->grant_domain != NULL) {
        if (x->has_port && port_span(c) > 1)
            ksnprintf(derived, sizeof derived, "%s:%u-%u", c->grant_domain, x->port,
                      (unsigned)(x->port + port_span(c) - 1u));
        else if (x->has_port)
            ksnprintf(derived, sizeof derived, "%s:%u", c->grant_domain, x->port);
        else
            ksnprintf(derived, sizeof derived, "%s:*", c->grant_domain);
        spec = derived;
    }
    if (spec != NULL) {
        x->caps = kcapset_create();
        if (x->caps == NULL) {
            ksnprintf(err, errlen, "out of memory");
            return -KE_NOMEM;
        }
        char why[256];
        int rc = kns_grant(x->caps, spec, why, sizeof why);
        if (rc < 0) {
            /* why quotes the item at fault: repeating a long spec would push
             * the reason out of the message. */
            if (strlen(spec) <= 40)
                ksnprintf(err, errlen, "grant=%s: %s", spec, why);
            else
                ksnprintf(err, errlen, "grant=%.32s...: %s", spec, why);
            return rc;
        }
        rc = check_needs(x, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------ instances */

int kext_handler(struct kext *x, struct khandler *h)
{
    if (x->nhandlers == KEXT_MAX_HANDLERS) {
        kevent_uninstall(h);
        return -KE_TOOBIG;
    }
    x->handlers[x->nhandlers++] = h;
    return 0;
}

int kext_install_on(struct kext *x, struct kevent *ev, khandler_generic_fn fn, void *ctx,
                    const struct kguard *g)
{
    struct kguard both;
    int rc = kguard_and(&both, g, x->has_guard ? x->guard : NULL);
    if (rc < 0)
        return rc;
    struct khandler *h = NULL;
    bool any = g != NULL || x->has_guard;
    rc = kevent_install(ev, fn, ctx, any ? &both : NULL, &x->props, &h);
    if (rc < 0)
        return rc;
    return kext_handler(x, h);
}

int kext_yes_no(const struct kext *x, const char *key, bool dflt, bool *out, char *err,
                size_t errlen)
{
    const char *v = kparams_get(x->params, key);
    if (v == NULL) {
        *out = dflt;
        return 0;
    }
    if (strcmp(v, "yes") == 0 || strcmp(v, "1") == 0) {
        *out = true;
        return 0;
    }
    if (strcmp(v, "no") == 0 || strcmp(v, "0") == 0) {
        *out = false;
        return 0;
    }
    ksnprintf(err, errlen, "%s: '%s' is not yes or no", key, v);
    return -KE_INVAL;
}

/* counters_alloc - x->ctr and x->stats for the class's counters; 0 or -KE_NOMEM. */
static int counters_alloc(struct kext *x)
{
    unsigned n = 0;
    for (const char *const *k = x->cls->counters; k != NULL && *k != NULL; k++)
        n++;
    if (x->id != 0)
        ksnprintf(x->node, sizeof x->node, "%s#%u", x->cls->name, x->id);
    else
        kstrlcpy(x->node, x->cls->name, sizeof x->node);
    if (n == 0)
        return 0;
    x->ctr = kmalloc(n * sizeof(uint64_t));
    if (x->ctr == NULL)
        return -KE_NOMEM;
    x->stats.names = x->cls->counters;
    x->stats.values = x->ctr;
    x->stats.n = n;
    return 0;
}

/* kext_free - everything of @x but its handlers and the extension's own remove. */
static void kext_free(struct kext *x)
{
    while (x->nhandlers > 0)
        kevent_uninstall(x->handlers[--x->nhandlers]);
    guard_expr_free(x->guard_handle); /* after the handlers: their guards point into it */
    if (x->stats.registered)
        kstats_unregister(&x->stats);
    kcapset_destroy(x->caps);
    kfree(x->ctr);
    if (x->cls->state_size > 0)
        kfree(x->state);
    kfree(x->params);
    kfree(x);
}

/* say_usage - append "; usage: USAGE" to @err unless it already holds it. */
static void say_usage(const struct kextension *c, char *err, size_t errlen)
{
    size_t n = strlen(err), ul = c->usage ? strlen(c->usage) : 0;
    for (size_t i = 0; ul && i + ul <= n; i++)
        if (memcmp(err + i, c->usage, ul) == 0)
            return;
    if (ul)
        ksnprintf(err + n, errlen > n ? errlen - n : 0, "; usage: %s", c->usage);
}

int kext_create(const struct kextension *cls, const struct kparams *params, struct kext **out,
                char *err, size_t errlen)
{
    return kext_create_id(cls, params, 0, out, err, errlen);
}

int kext_create_id(const struct kextension *cls, const struct kparams *params, unsigned id,
                   struct kext **out, char *err, size_t errlen)
{
    char why[384] = "";
    *out = NULL;
    struct kext *x = kmalloc(sizeof *x);
    if (x == NULL || (x->params = params_copy(params)) == NULL) {
        kfree(x);
        ksnprintf(err, errlen, "%s: out of memory", cls->name);
        return -KE_NOMEM;
    }
    x->cls = cls;
    x->id = id;
    int rc = parse_common(x, why, sizeof why);
    if (rc == 0 && cls->state_size > 0 && (x->state = kmalloc(cls->state_size)) == NULL)
        rc = -KE_NOMEM;
    if (rc == 0)
        rc = counters_alloc(x);
    if (rc == 0) {
        rc = cls->install(x, why, sizeof why);
        if (rc < 0 && why[0] == '\0' && rc == -KE_PERM && x->has_port)
            ksnprintf(why, sizeof why, "cannot install on port %u: not granted (grant=)", x->port);
    }
    if (rc < 0) {
        ksnprintf(err, errlen, "%s: %s", cls->name, why[0] ? why : kerr_str(rc));
        if (rc == -KE_INVAL || rc == -KE_RANGE)
            say_usage(cls, err, errlen);
        kext_free(x);
        return rc;
    }
    if (x->stats.n > 0) {
        x->stats.node = x->node;
        kstats_register(&x->stats);
    }
    *out = x;
    return 0;
}

void kext_destroy(struct kext *x)
{
    if (x == NULL)
        return;
    if (x->cls->remove != NULL)
        x->cls->remove(x);
    kext_free(x);
}
