/*
 * guards/dispatch.h — the dispatch plan builders guards/ offers the kernel's
 * dispatcher (struct kdispatch_ops, kernel/event.h).
 *
 * guard_tree_dispatch compiles every guard of an event into one decision
 * tree (guards/tree.c): equality tests of one field across handlers become
 * one table lookup, so the cost of a raise does not grow with the number of
 * handlers on distinct values of a field. It is the default.
 *
 * guard_linear_dispatch evaluates every handler's guard in list order: cost
 * grows with the number of handlers. It is the reference the tree is checked
 * against (tests/unit/guards) and the baseline of tools/bench/dispatch.
 *
 * Both run kevent_run_handler() for exactly the handlers whose guards
 * accept, in list order. Either may be chosen at any time with
 * kevent_set_dispatcher(), which rebuilds every event's plan.
 */
#ifndef SPINDLE_GUARDS_DISPATCH_H
#define SPINDLE_GUARDS_DISPATCH_H

#include "kernel/event.h"

/** Evaluate guards one by one, in handler order. */
extern const struct kdispatch_ops guard_linear_dispatch;

/** All guards of an event compiled into one decision tree (guards/tree.c). */
extern const struct kdispatch_ops guard_tree_dispatch;

/**
 * guards_init - install the guard verifier (guards/verify.h) as
 * kevent_guard_verifier and guard_tree_dispatch as the dispatcher. Returns
 * 0 or kevent_set_dispatcher's error (-KE_NOMEM: a plan could not be built).
 */
int guards_init(void);

#endif
