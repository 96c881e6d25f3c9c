/*
 * guards/tree.c — the compiled dispatch plan (guard_tree_dispatch,
 * guards/dispatch.h): every guard installed on one event merged into one
 * decision tree, so the cost of a raise does not grow with the number of
 * handlers whose guards ask for different values of the same field.
 *
 * Sources of the idea: SPIN's guard compilation (Bershad et al., SOSP 1995,
 * section 4.2), the merged filter trie with hashed demultiplexing of DPF
 * (Engler and Kaashoek, SIGCOMM 1996) and Click's IPClassifier pattern tree
 * (Kohler et al., ACM TOCS 18(3), 2000).
 *
 * A field is (layer, offset, width, mask) of a declarative test
 * (kernel/guard.h). The tree has three kinds of node:
 *  - SWITCH on one field: the field is read once; its value selects a child
 *    through a table (a short array for <= TREE_SMALL_SWITCH values, else an
 *    open-addressing hash table at most 3/4 full); a value with no child, or
 *    a field that cannot be read (layer unset, bytes past the data), selects
 *    the default child.
 *  - LEAF: handlers in list order, each with the tests of its guard the path
 *    to the leaf has not decided, its BPF program and its predicate.
 *  - SEQ: children that cover consecutive runs of the handler list, run one
 *    after the other (handlers that do not take part in a switch and come
 *    before or after all that do; lists whose one tree would be too large).
 *
 * Building (on every install and removal; kernel/event.c swaps plans whole):
 * a set of entries (a handler and the bit set of its tests still to decide)
 * is split on the field tested for equality by the most entries (ties: the
 * lowest layer, then offset, width, mask: protocol order, so shared prefixes
 * are tested first), if at least two entries test it. Every distinct value v
 * gets the child built from the entries that ask for v (their equality tests
 * on the field removed, other tests on the same field decided for v) merged,
 * in list order, with the entries that do not test the field for equality;
 * those alone form the default child. An entry that asks for two different
 * values of the field can never accept and is dropped. Sets with fewer than
 * two entries sharing a field become leaves. Entries that do not ask for a
 * value and come before the first (after the last) entry that does are not
 * copied into the children: the set becomes a SEQ of the tree of those
 * before, the switch, and the tree of those after.
 *
 * Entries that do not test the split field are copied into every child, which
 * keeps the list order inside each leaf but can multiply the tree's size
 * (many handlers on field A and many on field B). Where the copies ((values
 * + 1) x wildcards) would exceed the entries dispatched + 16, the list is cut
 * in two halves run in turn instead. As a last resort a build is given a budget
 * of 16 units per handler plus 256 (a unit is a node, a table slot or an
 * entry); a list whose tree would exceed it is cut in two halves built
 * separately under a SEQ node, recursively, so the size stays O(n log n) and
 * the cost of a raise degrades gracefully towards the linear plan instead of
 * the memory blowing up.
 *
 * Semantics: a raise runs kevent_run_handler() for exactly the handlers the
 * linear plan (guards/linear.c) would run, in list order, with the same
 * accumulator, and calls each handler's BPF program and predicate under the
 * same conditions (its field tests all hold), in the same order. One
 * difference is intended: a field a SWITCH reads is read once, before any
 * handler below that switch runs, where the linear plan reads it again for
 * each handler. The two select the same handlers whenever handlers leave the
 * packet's bytes and layer offsets as they found them (as the protocol nodes
 * do: they restore data_off and len after raising); a handler that rewrote a
 * tested field for the handlers after it would be seen by the linear plan
 * only. A handler removed during a raise is skipped before its guard is
 * read (its BPF program may already be freed).
 *
 * Freestanding; one core, run to completion; the plan is read-only once
 * built, so nested raises of the same event share it safely.
 */
#include "guards/tree.h"
#include "guards/tree_impl.h"

#include "guards/bpf.h"
#include "guards/dispatch.h"
#include "guards/guard_eval.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"

/* ---- running ----------------------------------------------------------- */

static const struct tnode *switch_child(const struct tswitch *n, uint32_t v)
{
    const struct tslot *s = n->slot;
    if (!n->hmask) {
        for (uint32_t i = 0; i < n->n; i++)
            if (s[i].key == v)
                return s[i].child;
        return n->dflt;
    }
    for (uint32_t i = tree_value_hash(v, n->hshift) & n->hmask;; i = (i + 1) & n->hmask) {
        if (!s[i].child)
            return n->dflt;
        if (s[i].key == v)
            return s[i].child;
    }
}

static bool entry_accepts(const struct tentry *e, const struct kevent *ev, void *arg)
{
    const struct kguard *g = &e->h->guard;
    for (unsigned r = e->rem, t = 0; r; r >>= 1, t++)
        if ((r & 1) && !guard_test_eval(&g->test[t], arg))
            return false;
    if (e->extra) {
        if (ev->packet && g->bpf && !kbpf_run(g->bpf, arg))
            return false;
        if (g->pred && !g->pred(g->pred_ctx, arg))
            return false;
    }
    return true;
}

static int run_node(const struct tnode *n, struct kevent *ev, void *arg, int acc)
{
    while (n) {
        if (n->kind == TN_SWITCH) {
            const struct tswitch *sw = (const struct tswitch *)n;
            uint32_t v;
            n = guard_field_load(&sw->field, arg, &v) ? switch_child(sw, v) : sw->dflt;
        } else if (n->kind == TN_LEAF) {
            const struct tleaf *lf = (const struct tleaf *)n;
            /* a handler removed during this raise is skipped before its
             * guard is read: its BPF program may already be freed */
            for (uint32_t i = 0; i < lf->n; i++)
                if (!lf->e[i].h->faulty && entry_accepts(&lf->e[i], ev, arg))
                    acc = kevent_run_handler(ev, lf->e[i].h, arg, acc);
            return acc;
        } else {
            const struct tseq *sq = (const struct tseq *)n;
            for (uint32_t i = 0; i < sq->n; i++)
                acc = run_node(sq->child[i], ev, arg, acc);
            return acc;
        }
    }
    return acc;
}

static int tree_run(const void *plan, struct kevent *ev, void *arg, int acc)
{
    return run_node(((const struct tree_plan *)plan)->root, ev, arg, acc);
}

const struct kdispatch_ops guard_tree_dispatch = {
    .name = "tree",
    .build = tree_plan_build,
    .destroy = tree_plan_destroy,
    .run = tree_run,
};

/* ---- introspection ----------------------------------------------------- */

static void stats_walk(const struct tnode *n, unsigned depth, struct guard_tree_stats *st)
{
    if (!n)
        return;
    if (depth > st->max_depth)
        st->max_depth = depth;
    if (n->kind == TN_SWITCH) {
        const struct tswitch *sw = (const struct tswitch *)n;
        st->switches++;
        if (sw->n > st->max_switch)
            st->max_switch = sw->n;
        uint32_t slots = sw->hmask ? sw->hmask + 1 : sw->n;
        for (uint32_t i = 0; i < slots; i++)
            if (sw->slot[i].child)
                stats_walk(sw->slot[i].child, depth + 1, st);
        stats_walk(sw->dflt, depth + 1, st);
    } else if (n->kind == TN_LEAF) {
        const struct tleaf *lf = (const struct tleaf *)n;
        st->leaves++;
        st->entries += lf->n;
        if (lf->n > st->max_leaf)
            st->max_leaf = lf->n;
    } else {
        const struct tseq *sq = (const struct tseq *)n;
        st->seqs++;
        for (uint32_t i = 0; i < sq->n; i++)
            stats_walk(sq->child[i], depth + 1, st);
    }
}

int guard_tree_stats(const struct kevent *ev, struct guard_tree_stats *st)
{
    memset(st, 0, sizeof *st);
    if (!ev->plan)
        return 0;
    if (ev->plan_ops != &guard_tree_dispatch)
        return -KE_INVAL;
    const struct tree_plan *p = ev->plan;
    st->handlers = p->nhandlers;
    st->bytes = garena_bytes(&p->arena);
    stats_walk(p->root, 1, st);
    return 0;
}
