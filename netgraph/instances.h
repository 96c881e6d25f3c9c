/*
 * netgraph/instances.h — the running extension instances of the appliance:
 * installed from the configuration's extension lines (netgraph/apply.h) or
 * the console's "extension install NAME [k=v ...]" while traffic flows, and
 * removed by id. The dispatcher swaps in each new decision tree whole, so
 * no packet sees half an install (kernel/event.h).
 */
#ifndef SPINDLE_NETGRAPH_INSTANCES_H
#define SPINDLE_NETGRAPH_INSTANCES_H

#include <stddef.h>
#include "netgraph/extension.h"

/**
 * netgraph_ext_install - create one more instance of the extension class
 * @name with parameters @params (NULL: none; copied). Call between
 * netgraph_poll() calls or from a handler. Returns 0 with the instance id in
 * *@id_out (if non-NULL; ids count 1, 2, ... in installation order and are
 * not reused until netgraph_shutdown), or an error with a one-line message
 * in @err (@errlen bytes, may be NULL): -KE_NOENT "unknown extension 'x'
 * (known: udp-echo, ...)"; the class's error ("udp-echo: port: out of range
 * (expected 1..65535); usage: udp-echo [port=N]") with its code; -KE_NOMEM;
 * -KE_INVAL before netgraph_init().
 */
int netgraph_ext_install(const char *name, const struct kparams *params, unsigned *id_out,
                         char *err, size_t errlen);

/*
 * (netgraph_ext_install, continued) -KE_EXIST "udp-echo: port 7 is taken by
 * udp-echo (id 1); ...": the port= of the new instance is held in the same
 * domain by an installed one, and not both said shared=yes. The instance's
 * counters are registered as node "NAME#ID" (netgraph/extension.h).
 */

/** netgraph_ext_remove - remove the instance with id @id. Returns 0 or -KE_NOENT. */
int netgraph_ext_remove(unsigned id);

/**
 * netgraph_ext_foreach - call @cb for every instance in installation order
 * (the console's "extension list"). @cb must not install or remove.
 */
void netgraph_ext_foreach(void (*cb)(const struct kext *x, void *ctx), void *ctx);

/** netgraph_ext_count - instances installed. */
unsigned netgraph_ext_count(void);

/**
 * netgraph_ext_remove_since - remove the instances installed after the
 * first @keep ones, newest first (undo of a failed configuration).
 */
void netgraph_ext_remove_since(unsigned keep);

/** netgraph_ext_remove_all - remove every instance, newest first; ids start at 1 again. */
void netgraph_ext_remove_all(void);

/** netgraph_ext_known - "udp-echo, udp-count, ..." (every class) into @buf. */
void netgraph_ext_known(char *buf, size_t size);

#endif
