/*
 * guards/guard_eval.h — evaluating one guard on one event argument.
 *
 * Field tests read big-endian (network byte order) @width bytes at
 * layer start + offset; a test whose bytes are not all inside the packet's
 * valid data (from the layer start to data_off + len), or whose layer is
 * unset, is false. Source of the model: SPIN's guards (Bershad et al., SOSP
 * 1995, section 4.2) and Click's IPClassifier field tests.
 */
#ifndef SPINDLE_GUARDS_GUARD_EVAL_H
#define SPINDLE_GUARDS_GUARD_EVAL_H

#include <stdbool.h>
#include "kernel/guard.h"
#include "kernel/pktbuf.h"

/** guard_test_eval - one field test on @pkt. */
bool guard_test_eval(const struct kguard_test *t, const struct pktbuf *pkt);

/**
 * guard_eval - @g on event argument @arg (a struct pktbuf * when @packet).
 * A guard with no tests, BPF or predicate accepts.
 */
bool guard_eval(const struct kguard *g, void *arg, bool packet);

/**
 * guard_format - a readable form of @g into @buf ("L4[2:2]==0x7 && pred"),
 * for introspection. Returns @buf.
 */
const char *guard_format(const struct kguard *g, char *buf, unsigned size);

#endif
