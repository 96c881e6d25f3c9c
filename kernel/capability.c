/* kernel/capability.c — capabilities and capability sets (kernel/capability.h). */
#include "kernel/capability.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

struct kcap *kcap_create(struct kdomain *d, const char *name, uint32_t rights, uint32_t lo,
                         uint32_t hi)
{
    if (!d || !name || lo > hi)
        return NULL;
    struct kcap *c = kmalloc(sizeof *c);
    if (!c)
        return NULL;
    c->domain = d;
    c->rights = rights & KCAP_ALL;
    c->scope_lo = lo;
    c->scope_hi = hi;
    kstrlcpy(c->name, name, sizeof c->name);
    return c;
}

bool kcap_allows(const struct kcap *c, uint32_t rights)
{
    return c && (c->rights & rights) == rights;
}

bool kcap_covers(const struct kcap *c, uint32_t lo, uint32_t hi)
{
    return c && lo <= hi && lo >= c->scope_lo && hi <= c->scope_hi;
}

int kcap_restrict(const struct kcap *c, uint32_t rights, uint32_t lo, uint32_t hi,
                  struct kcap **out)
{
    if (!c || !out || lo > hi)
        return -KE_INVAL;
    if (!kcap_allows(c, rights) || !kcap_covers(c, lo, hi))
        return -KE_PERM;
    struct kcap *n = kcap_create(c->domain, c->name, rights, lo, hi);
    if (!n)
        return -KE_NOMEM;
    *out = n;
    return 0;
}

void kcap_free(struct kcap *c)
{
    kfree(c);
}

struct kcapset *kcapset_create(void)
{
    return kmalloc(sizeof(struct kcapset));
}

int kcapset_add(struct kcapset *s, struct kcap *c)
{
    if (!s || !c)
        return -KE_INVAL;
    if (s->n >= KCAPSET_MAX)
        return -KE_TOOBIG;
    s->cap[s->n++] = c;
    return 0;
}

void kcapset_destroy(struct kcapset *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < s->n; i++)
        kcap_free(s->cap[i]);
    kfree(s);
}

int kcapset_find(const struct kcapset *s, const char *name, uint32_t rights, uint32_t lo,
                 uint32_t hi, const struct kcap **out)
{
    for (unsigned i = 0; s && name && i < s->n; i++) {
        const struct kcap *c = s->cap[i];
        if (strcmp(c->name, name) == 0 && kcap_allows(c, rights) && kcap_covers(c, lo, hi)) {
            if (out)
                *out = c;
            return 0;
        }
    }
    return -KE_PERM;
}
