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

/*
 * instance_of - @gnode is an extension instance's node (netgraph/extension.h)
 * of what @node names: "NAME#ID" or "NAME#ID:REST" for @node "NAME", and
 * "NAME#ID:REST" for @node "NAME:REST" (the instance's id left out).
 */
static bool instance_of(const char *gnode, const char *node)
{
    size_t n = 0;
    while (gnode[n] != '\0' && gnode[n] != '#')
        n++;
    if (gnode[n] != '#' || strncmp(gnode, node, n) != 0)
        return false;
    if (node[n] == '\0')
        return true;
    const char *rest = gnode + n + 1;
    while (*rest >= '0' && *rest <= '9')
        rest++;
    return node[n] == ':' && strcmp(rest, node + n) == 0;
}

int kstats_find(const char *node, const char *name, uint64_t *out)
{
    bool exact = false;
    for (struct kstat_group *g = head; g && !exact; g = g->next)
        exact = strcmp(g->node, node) == 0;
    for (struct kstat_group *g = head; g; g = g->next) {
        if (exact ? strcmp(g->node, node) != 0 : !instance_of(g->node, node))
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
