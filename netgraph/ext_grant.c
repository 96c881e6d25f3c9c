/*
 * netgraph/ext_grant.c — kext_grant_scope (netgraph/extension.h): the
 * grant of a resource an extension names with a parameter of its own (an
 * AAL5 VC's vc=), derived from the line like port='s, or checked against
 * grant= like port='s (SPIN's capabilities, Bershad et al. SOSP 1995
 * section 3.1: an extension holds only what it was granted).
 */
#include "netgraph/extension.h"

#include "kernel/capability.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/nameservice.h"

/* need_of - the class's declared need for @domain, or NULL. */
static const struct kext_need *need_of(const struct kextension *c, const char *domain)
{
    for (const struct kext_need *n = c->needs; n != NULL && n->domain != NULL; n++)
        if (strcmp(n->domain, domain) == 0)
            return n;
    return NULL;
}

/* scope_text - [@lo, @hi] as grant= writes it: "N-M", or "H/L-H/L" for a domain of pairs. */
static void scope_text(const struct kext_need *n, uint32_t lo, uint32_t hi, char *buf, size_t size)
{
    if (n->flags & KEXT_NEED_PAIRS)
        ksnprintf(buf, size, "%u/%u-%u/%u", (unsigned)(lo >> 16), (unsigned)(lo & 0xffffu),
                  (unsigned)(hi >> 16), (unsigned)(hi & 0xffffu));
    else
        ksnprintf(buf, size, "%u-%u", (unsigned)lo, (unsigned)hi);
}

int kext_grant_scope(struct kext *x, const char *domain, uint32_t lo, uint32_t hi, const char *what,
                     const char *scope, char *err, size_t errlen)
{
    const struct kext_need *need = need_of(x->cls, domain);
    if (!x->grant_given) {
        struct kcap *c = NULL;
        if (x->caps == NULL && (x->caps = kcapset_create()) == NULL) {
            ksnprintf(err, errlen, "out of memory");
            return -KE_NOMEM;
        }
        int rc = kns_subscribe(domain, KCAP_IMPORT, lo, hi, &c);
        if (rc == 0 && (rc = kcapset_add(x->caps, c)) < 0)
            kcap_free(c);
        if (rc < 0)
            ksnprintf(err, errlen, "%s: cannot be granted (%s:%s): %s", what, domain, scope,
                      rc == -KE_NOENT ? "nothing is published under that name" : kerr_str(rc));
        return rc;
    }
    const struct kcap *cap = NULL;
    if (kcapset_find(x->caps, domain, KCAP_IMPORT, lo, hi, &cap) < 0) {
        ksnprintf(err, errlen, "%s is not granted (grant=%s:%s)", what, domain, scope);
        return -KE_PERM;
    }
    for (unsigned i = 0; need != NULL && (need->flags & KEXT_NEED_EXACT) && i < x->caps->n; i++) {
        const struct kcap *c = x->caps->cap[i];
        if (strcmp(c->name, domain) == 0 && (c->scope_lo != lo || c->scope_hi != hi)) {
            char had[32];
            scope_text(need, c->scope_lo, c->scope_hi, had, sizeof had);
            ksnprintf(err, errlen, "grant: '%s:%s' is too wide: %s needs %s only (%s:%s)", domain,
                      had, x->cls->name, what, domain, scope);
            return -KE_PERM;
        }
    }
    return 0;
}
