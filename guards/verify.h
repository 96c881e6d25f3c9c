/*
 * guards/verify.h — the guard verifier the dispatcher calls at install.
 *
 * A declarative test reads at most 4 bytes at a 16-bit offset of a known
 * layer: it cannot write and always terminates; reads past the valid bytes
 * are refused at run time by guard_test_eval. The verifier refuses tests
 * that can never be in bounds (offset + width > 65535), masks wider than the
 * width, values outside the mask (an EQ that can never hold), and a BPF
 * program that was not verified by kbpf_verify().
 */
#ifndef SPINDLE_GUARDS_VERIFY_H
#define SPINDLE_GUARDS_VERIFY_H

#include <stddef.h>
#include "kernel/event.h"

/** guard_verify - 0 when @g may be installed on @ev, else -KE_PERM with @why. */
int guard_verify(const struct kevent *ev, const struct kguard *g, char *why, size_t whylen);

#endif
