/* kernel/stats.c — the counter registry (kernel/stats.h). */
#include "kernel/stats.h"
#include "kernel/kerr.h"

/* The registry: a doubly linked list in registration order (O(1) either way). */
static struct kstat_group *head, *last;

void kstats_register(struct kstat_group *g)
{
    if (g->registered)
        return;
    g->next = NULL;
    g->prev = last;
    if (last != NULL)
        last->next = g;
    else
        head = g;
    last = g;
    g->registered = true;
}

void kstats_unregister(struct kstat_group *g)
{
    if (!g->registered)
        return;
    if (g->prev != NULL)
        g->prev->next = g->next;
    else
        head = g->next;
    if (g->next != NULL)
        g->next->prev = g->prev;
    else
        last = g->prev;
    g->next = g->prev = NULL;
    g->registered = false;
}

void kstats_foreach(void (*cb)(const struct kstat_group *g, void *ctx), void *ctx)
{
    for (struct kstat_group *g = head; g; g = g->next)
        cb(g, ctx);
}

int kstats_find(const char *node, const char *name, uint64_t *out)
{
    for (struct kstat_group *g = head; g; g = g->next) {
        if (strcmp(g->node, node) != 0)
            continue;
        for (unsigned i = 0; i < g->n; i++) {
            if (strcmp(g->names[i], name) == 0) {
                *out = g->values[i];
                return 0;
            }
        }
    }
    return -KE_NOENT;
}

void kstats_reset_all(void)
{
    for (struct kstat_group *g = head; g; g = g->next)
        for (unsigned i = 0; i < g->n; i++)
            g->values[i] = 0;
}
