/* kernel/port.c — driver classes, live ports and key=value parameters (kernel/port.h). */
#include "kernel/port.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

#define KDRIVER_MAX 16

static const struct kdriver *drivers[KDRIVER_MAX];
static unsigned ndrivers;
static struct kport *live;

const char *kparams_get(const struct kparams *p, const char *key)
{
    if (!p)
        return NULL;
    for (unsigned i = 0; i < p->n; i++)
        if (strcmp(p->key[i], key) == 0)
            return p->value[i];
    return NULL;
}

int kparams_get_u64(const struct kparams *p, const char *key, uint64_t dflt, uint64_t min,
                    uint64_t max, uint64_t *out)
{
    const char *v = kparams_get(p, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    uint64_t x;
    int rc = kparse_u64(v, strlen(v), &x);
    if (rc)
        return rc;
    if (x < min || x > max)
        return -KE_RANGE;
    *out = x;
    return 0;
}

int kdriver_register(const struct kdriver *d)
{
    const struct kdriver *have = kdriver_find(d->name);
    if (have == d)
        return 0;
    if (have != NULL)
        return -KE_EXIST;
    if (ndrivers == KDRIVER_MAX)
        return -KE_TOOBIG;
    drivers[ndrivers++] = d;
    return 0;
}

const struct kdriver *kdriver_find(const char *name)
{
    KSET_FOREACH(drivers, const struct kdriver, it)
    if (strcmp((*it)->name, name) == 0)
        return *it;
    for (unsigned i = 0; i < ndrivers; i++)
        if (strcmp(drivers[i]->name, name) == 0)
            return drivers[i];
    return NULL;
}

/* linked_after - the linked-in class with the smallest name greater than @prev (NULL: any). */
static const struct kdriver *linked_after(const char *prev)
{
    const struct kdriver *best = NULL;
    KSET_FOREACH(drivers, const struct kdriver, it)
    {
        const char *n = (*it)->name;
        if ((prev == NULL || strcmp(n, prev) > 0) && (best == NULL || strcmp(n, best->name) < 0))
            best = *it;
    }
    return best;
}

void kdriver_foreach(void (*cb)(const struct kdriver *d, void *ctx), void *ctx)
{
    for (const struct kdriver *d = linked_after(NULL); d != NULL; d = linked_after(d->name))
        cb(d, ctx);
    for (unsigned i = 0; i < ndrivers; i++)
        cb(drivers[i], ctx);
}

void kport_attach(struct kport *port)
{
    if (port->attached)
        return;
    port->next_live = live;
    live = port;
    port->attached = true;
}

void kport_detach(struct kport *port)
{
    if (!port->attached)
        return;
    for (struct kport **pp = &live; *pp; pp = &(*pp)->next_live) {
        if (*pp == port) {
            *pp = port->next_live;
            break;
        }
    }
    port->attached = false;
}

void kport_foreach(void (*cb)(struct kport *port, void *ctx), void *ctx)
{
    for (struct kport *p = live; p; p = p->next_live)
        cb(p, ctx);
}
