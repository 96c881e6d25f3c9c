/*
 * netgraph/node.c — bringing the linked-in protocol nodes up and down in
 * their defined order (netgraph/node.h).
 */
#include "netgraph/node.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"

/* The nodes brought up, in bring-up order; at most this many are linked in. */
#define NODES_MAX 32
static const struct knode *up[NODES_MAX];
static unsigned nup;

/* node_before - true when @a comes up before @b: lower layer, then smaller name. */
static bool node_before(const struct knode *a, const struct knode *b)
{
    if (a->layer != b->layer)
        return a->layer < b->layer;
    return strcmp(a->name, b->name) < 0;
}

/* node_after - the linked-in node that comes up right after @prev (NULL: the first). */
static const struct knode *node_after(const struct knode *prev)
{
    const struct knode *best = NULL;
    KSET_FOREACH(nodes, const struct knode, it)
    {
        const struct knode *n = *it;
        if ((prev == NULL || node_before(prev, n)) && (best == NULL || node_before(n, best)))
            best = n;
    }
    return best;
}

void netgraph_node_foreach(void (*cb)(const struct knode *n, void *ctx), void *ctx)
{
    for (const struct knode *n = node_after(NULL); n != NULL; n = node_after(n))
        cb(n, ctx);
}

/* word_in - true when @word is one of the blank-separated words of @list. */
static bool word_in(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p != NULL && *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if ((size_t)(e - p) == n && strncmp(p, word, n) == 0)
            return true;
        p = e;
    }
    return false;
}

bool netgraph_raises(const char *handler, const char *event)
{
    if (handler == NULL || handler[0] == '\0')
        return false;
    KSET_FOREACH(nodes, const struct knode, it)
    if (strcmp((*it)->name, handler) == 0)
        return word_in((*it)->raises, event);
    size_t n = strlen(handler);
    return strncmp(event, handler, n) == 0 && event[n] == '.';
}

int netgraph_nodes_up(void)
{
    if (nup > 0)
        return 0;
    for (const struct knode *n = node_after(NULL); n != NULL; n = node_after(n)) {
        if (nup == NODES_MAX) {
            KERR("netgraph", "more than %u protocol nodes linked in", NODES_MAX);
            netgraph_nodes_down();
            return -KE_TOOBIG;
        }
        int rc = n->init();
        if (rc < 0) {
            KERR("netgraph", "%s node: %s", n->name, kerr_str(rc));
            n->fini();
            netgraph_nodes_down();
            return rc;
        }
        up[nup++] = n;
    }
    return 0;
}

void netgraph_nodes_down(void)
{
    while (nup > 0)
        up[--nup]->fini();
}
