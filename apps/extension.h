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

#include <stdbool.h>
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

/*
 * Capabilities (SPIN section 3.1; kernel/capability.h, kernel/nameservice.h).
 * An instance receives the capabilities its configuration line grants and
 * no others, and reaches the kernel's domains only through them: installing
 * on UDP goes through udp_install_granted(), whose imposed guard keeps the
 * handler to the granted ports, and a domain it was not granted cannot be
 * linked or looked up (-KE_PERM).
 *
 *   extension udp-echo port=7 grant=udp:7
 *   extension udp-count grant=udp:5000-5010
 *
 * grant=SPEC[,SPEC...] with SPEC = DOMAIN, DOMAIN:N, DOMAIN:N-M or DOMAIN:*
 * (kns_grant: each becomes one capability with the import right, obtained
 * from the name service; for "udp" the numbers are destination ports).
 * Without grant=, the grant is derived from the line as before capabilities
 * existed, so every existing configuration means what it meant:
 *   udp-echo [port=N], sockperf [port=N]: udp:N (N the port it serves,
 *       default 7 and 11111);
 *   udp-count port=N: udp:N;  udp-count (no port, it observes every
 *       datagram): udp:*.
 * An explicit grant that does not cover the port the extension serves makes
 * its install fail with -KE_PERM.
 */
struct kcapset;

/**
 * extension_grants - the capability set of an instance of extension @ext
 * configured with @params: from its grant= parameter, else from @derived
 * (the grant its other parameters imply, e.g. "udp:7"). Returns 0 and *@out
 * (the instance owns it: kcapset_destroy on remove), or kns_grant's error
 * with "EXT: grant=SPEC: why" in @err.
 */
int extension_grants(const struct kparams *params, const char *ext, const char *derived,
                     struct kcapset **out, char *err, size_t errlen);

/** extension_common_param - true for keys every extension accepts ("grant"). */
bool extension_common_param(const char *key);

/** extension_find - the extension class named @name, or NULL. */
const struct kextension *extension_find(const char *name);
/** extension_foreach - every extension class compiled in. */
void extension_foreach(void (*cb)(const struct kextension *e, void *ctx), void *ctx);

#endif
