/*
 * apps/extension.h — extensions: handlers installed on the protocol graph at
 * run time from a configuration line "extension NAME [key=value ...]".
 *
 * An extension's install() installs its handlers (with guards) on public
 * events and keeps its state; remove() uninstalls them and frees the state.
 * Several instances of one extension may be installed (N lines, N instances).
 */
#ifndef SPINDLE_APPS_EXTENSION_H
#define SPINDLE_APPS_EXTENSION_H

#include <stddef.h>
#include "kernel/port.h"

/** An extension class. */
struct kextension {
    const char *name;   /* "udp-echo" */
    const char *usage;  /* one line: "udp-echo [port=N]" */
    /**
     * install - install one instance with @params. Returns 0 and *@state, or
     * -KE_* with a message in @err naming the bad parameter (the caller adds
     * file:line:column).
     */
    int (*install)(const struct kparams *params, void **state, char *err, size_t errlen);
    /** remove - uninstall the instance and free @state. */
    void (*remove)(void *state);
};

/** extension_find - the extension class named @name, or NULL. */
const struct kextension *extension_find(const char *name);
/** extension_foreach - every extension class compiled in. */
void extension_foreach(void (*cb)(const struct kextension *e, void *ctx), void *ctx);

#endif
