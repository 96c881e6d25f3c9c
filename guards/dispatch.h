/*
 * guards/dispatch.h — the dispatch plan builders guards/ offers the kernel's
 * dispatcher (struct kdispatch_ops, kernel/event.h).
 *
 * guard_linear_dispatch evaluates every handler's guard in list order: cost
 * grows with the number of handlers. It is the reference the compiled
 * decision tree (issue 5) is checked against.
 */
#ifndef SPINDLE_GUARDS_DISPATCH_H
#define SPINDLE_GUARDS_DISPATCH_H

#include "kernel/event.h"

/** Evaluate guards one by one, in handler order. */
extern const struct kdispatch_ops guard_linear_dispatch;

/** guards_init - install guard_linear_dispatch and the guard verifier. */
int guards_init(void);

#endif
