/*
 * drivers/bm/pci_bind.c — the Nth matching PCI function and its permanent
 * slot (drivers/bm/pci_bind.h).
 */
#include "drivers/bm/pci_bind.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"

/* bus_foreach context: count matches until the wanted one. */
struct pci_bind_match {
    bool (*match)(const struct bus_device *d);
    unsigned want, seen;
    struct bus_device found;
};

static int match_cb(struct bus_device *d, void *ctx)
{
    struct pci_bind_match *m = ctx;
    if (!m->match(d))
        return 0;
    if (m->seen++ == m->want) {
        m->found = *d;
        return 1;
    }
    return 0;
}

static bool same_function(const struct bus_device *a, const struct bus_device *b)
{
    return a->bus == b->bus && a->dev == b->dev && a->fn == b->fn;
}

/* The slot bound to @d, else the first free one bound to it now; -1 when full. */
static int slot_for(const struct pci_bind_class *c, const struct bus_device *d)
{
    int free_slot = -1;
    for (unsigned i = 0; i < c->nslots; i++) {
        struct pci_bind_slot *s = &c->slots[i];
        if (s->bound && same_function(&s->dev, d))
            return (int)i;
        if (!s->bound && free_slot < 0)
            free_slot = (int)i;
    }
    if (free_slot >= 0) {
        struct pci_bind_slot *s = &c->slots[free_slot];
        s->bound = true;
        s->dev = *d;
        ksnprintf(s->name, sizeof s->name, "%s %02x:%02x.%x", c->driver, d->bus, d->dev, d->fn);
    }
    return free_slot;
}

int pci_bind(const struct pci_bind_class *c, unsigned instance, char *err, size_t errlen)
{
    struct pci_bind_match m = { .match = c->match, .want = instance };
    if (!bus_foreach(match_cb, &m)) {
        ksnprintf(err, errlen, "no %s device #%u found (%u %s device%s present)", c->driver,
                  instance, m.seen, c->device, m.seen == 1 ? "" : "s");
        return -KE_NODEV;
    }
    int i = slot_for(c, &m.found);
    if (i < 0) {
        ksnprintf(err, errlen, "%s: more than %u devices", c->driver, c->nslots);
        return -KE_NOMEM;
    }
    if (c->slots[i].in_use) {
        ksnprintf(err, errlen, "%s: already bound to another interface", c->slots[i].name);
        return -KE_EXIST;
    }
    return i;
}

void pci_bind_irq(struct pci_bind_slot *s, void (*fn)(void *ctx), void *ctx, const char *tag)
{
    if (s->irq_attached)
        return;
    if (bus_irq_attach(&s->dev, fn, ctx) == 0)
        s->irq_attached = true;
    else
        KWARN(tag, "%s: no interrupt routed; receive is polled only", s->name);
}
