/*
 * guards/guard_expr.h — guards written as text (the configuration's
 * guard="..." parameter), compiled by whatever the target provides.
 *
 * The portable core cannot compile tcpdump expressions itself: that is
 * libpcap's compiler, which only the hosted target links. So the target
 * registers a compiler at start-up (hosted: guard_tcpdump_register(),
 * guards/pcap_expr.h) and extensions call guard_expr_compile(); on a target
 * with none (the VMs) a guard= parameter is refused with a clear message.
 */
#ifndef SPINDLE_GUARDS_GUARD_EXPR_H
#define SPINDLE_GUARDS_GUARD_EXPR_H

#include <stddef.h>
#include "kernel/event.h"
#include "kernel/guard.h"

/** A guard-expression compiler. */
struct guard_expr_ops {
    const char *language; /* "tcpdump" */
    /**
     * compile - compile @expr for event @ev. Returns 0 with *@guard (valid
     * until free(*@handle)) and *@handle, or -KE_* with a one-line @err.
     */
    int (*compile)(const char *expr, const struct kevent *ev, const struct kguard **guard,
                   void **handle, char *err, size_t errlen);
    /** free - release a compiled guard, after every handler using it was uninstalled. */
    void (*free)(void *handle);
};

/** guard_expr_register - make @ops the target's compiler (NULL: none). */
void guard_expr_register(const struct guard_expr_ops *ops);

/**
 * guard_expr_compile - compile @expr for @ev with the registered compiler.
 * Returns 0 with *@guard and *@handle (free with guard_expr_free after the
 * handlers installed with the guard are uninstalled), -KE_NOTSUP when this
 * target has no compiler, or the compiler's error with @err filled.
 */
int guard_expr_compile(const char *expr, const struct kevent *ev, const struct kguard **guard,
                       void **handle, char *err, size_t errlen);

/** guard_expr_free - release @handle from guard_expr_compile (NULL ignored). */
void guard_expr_free(void *handle);

#endif
