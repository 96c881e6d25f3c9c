/*
 * guards/verify.h — the guard verifier the dispatcher calls at install
 * (kevent_guard_verifier, kernel/event.h; installed by guards_init()).
 *
 * What a verified guard cannot do: write (field tests only load; a
 * classic-BPF program writes nothing but its own scratch memory); loop (a
 * field test is one load; a BPF program's jumps all go forward, kbpf_verify);
 * read outside the packet (every load is checked at run time against the
 * layer's start and the end of the valid data: guard_field_load, kbpf_run).
 *
 * What the verifier refuses, with a message that says why (-KE_PERM):
 *  - more than KGUARD_MAX_TESTS tests; tests or BPF on a non-packet event;
 *  - a test on no layer, of width other than 1, 2 or 4 bytes, with an
 *    unknown operator, at offset + width > 65535 (past any packet), with a
 *    mask wider than its width;
 *  - a test that can never hold: EQ with value bits outside the mask, LT 0,
 *    GT >= mask, GE > mask (the masked field lies in [0, mask]); two EQ tests
 *    asking one field for different values;
 *  - a test on a layer the event never sets (guards/event_facts.h: e.g. L4 on
 *    ether.PacketArrived);
 *  - a BPF program not marked verified, or one that fails kbpf_verify again
 *    (its instructions are borrowed and might have changed).
 * A C predicate is trusted code and is not verified.
 */
#ifndef SPINDLE_GUARDS_VERIFY_H
#define SPINDLE_GUARDS_VERIFY_H

#include <stddef.h>
#include "kernel/event.h"

/**
 * guard_verify - 0 when @g may be installed on @ev (NULL @g: true, accepted),
 * else -KE_PERM with a one-line reason in @why (@whylen bytes, may be 0).
 */
int guard_verify(const struct kevent *ev, const struct kguard *g, char *why, size_t whylen);

#endif
