/* kernel/domain.c — interfaces and domains: Create, Resolve, Combine, Link (kernel/domain.h). */
#include "kernel/domain.h"
#include "kernel/capability.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

const struct kiface *kdomain_find(const struct kdomain *d, const char *name)
{
    for (unsigned i = 0; d && name && i < d->nexports; i++)
        if (strcmp(d->exports[i]->name, name) == 0)
            return d->exports[i];
    return NULL;
}

kentry_fn kiface_entry(const struct kiface *iface, const char *name)
{
    for (unsigned i = 0; iface && name && i < iface->n; i++)
        if (strcmp(iface->entries[i].name, name) == 0)
            return iface->entries[i].fn;
    return 0;
}

/* add_export - append @iface to @d's exports. */
static int add_export(struct kdomain *d, const struct kiface *iface)
{
    if (!iface || !iface->name)
        return -KE_INVAL;
    if (kdomain_find(d, iface->name))
        return -KE_EXIST;
    if (d->nexports >= KDOMAIN_MAX)
        return -KE_TOOBIG;
    d->exports[d->nexports++] = iface;
    return 0;
}

int kdomain_init(struct kdomain *d, const char *name, const struct kiface *const *exports,
                 unsigned nexports, const struct kimport *imports, unsigned nimports)
{
    if (!d || !name || (nexports && !exports) || (nimports && !imports))
        return -KE_INVAL;
    if (nexports > KDOMAIN_MAX || nimports > KDOMAIN_MAX)
        return -KE_TOOBIG;
    memset(d, 0, sizeof *d);
    kstrlcpy(d->name, name, sizeof d->name);
    for (unsigned i = 0; i < nexports; i++) {
        int rc = add_export(d, exports[i]);
        if (rc)
            return rc;
    }
    for (unsigned i = 0; i < nimports; i++) {
        if (!imports[i].name || !imports[i].slot)
            return -KE_INVAL;
        d->imports[i] = imports[i];
        *d->imports[i].slot = NULL;
    }
    d->nimports = nimports;
    return 0;
}

struct kdomain *kdomain_create(const char *name, const struct kiface *const *exports,
                               unsigned nexports, const struct kimport *imports, unsigned nimports,
                               int *err)
{
    int scratch;
    if (!err)
        err = &scratch;
    struct kdomain *d = kmalloc(sizeof *d);
    if (!d) {
        *err = -KE_NOMEM;
        return NULL;
    }
    int rc = kdomain_init(d, name, exports, nexports, imports, nimports);
    if (rc) {
        kfree(d);
        *err = rc;
        return NULL;
    }
    d->allocated = true;
    *err = 0;
    return d;
}

void kdomain_destroy(struct kdomain *d)
{
    if (d && d->allocated)
        kfree(d);
}

unsigned kdomain_unresolved(const struct kdomain *d)
{
    unsigned n = 0;
    for (unsigned i = 0; d && i < d->nimports; i++)
        if (!*d->imports[i].slot)
            n++;
    return n;
}

/* bind - bind @target's unresolved imports to what @source exports; returns how many. */
static int bind(const struct kdomain *source, struct kdomain *target)
{
    int n = 0;
    for (unsigned i = 0; i < target->nimports; i++) {
        struct kimport *im = &target->imports[i];
        if (*im->slot)
            continue;
        const struct kiface *iface = kdomain_find(source, im->name);
        if (iface) {
            *im->slot = iface;
            n++;
        }
    }
    return n;
}

int kdomain_resolve(const struct kcap *source, struct kdomain *target)
{
    if (!source || !target)
        return -KE_INVAL;
    if (!kcap_allows(source, KCAP_IMPORT))
        return -KE_PERM;
    return bind(source->domain, target);
}

struct kdomain *kdomain_combine(const char *name, const struct kcap *a, const struct kcap *b,
                                int *err)
{
    int scratch;
    if (!err)
        err = &scratch;
    if (!name || !a || !b) {
        *err = -KE_INVAL;
        return NULL;
    }
    if (!kcap_allows(a, KCAP_IMPORT) || !kcap_allows(b, KCAP_IMPORT)) {
        *err = -KE_PERM;
        return NULL;
    }
    struct kdomain *d = kdomain_create(name, NULL, 0, NULL, 0, err);
    if (!d)
        return NULL;
    const struct kdomain *src[2] = { a->domain, b->domain };
    for (unsigned k = 0; k < 2; k++) {
        for (unsigned i = 0; i < src[k]->nexports; i++) {
            int rc = add_export(d, src[k]->exports[i]);
            if (rc) {
                kdomain_destroy(d);
                *err = rc;
                return NULL;
            }
        }
    }
    return d;
}

int kdomain_link(struct kdomain *target, const struct kcapset *caps)
{
    if (!target)
        return -KE_INVAL;
    for (unsigned i = 0; caps && i < caps->n; i++)
        if (kcap_allows(caps->cap[i], KCAP_IMPORT))
            (void)bind(caps->cap[i]->domain, target);
    return kdomain_unresolved(target) ? -KE_PERM : 0;
}

int kdomain_export(const struct kcap *cap, const struct kiface *iface)
{
    if (!cap)
        return -KE_INVAL;
    if (!kcap_allows(cap, KCAP_MODIFY))
        return -KE_PERM;
    return add_export(cap->domain, iface);
}
