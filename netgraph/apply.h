/*
 * netgraph/apply.h — applying a parsed configuration (netgraph/config.h) to
 * the running graph, in stages (netgraph/stage.h), with file:line:col errors
 * and full undo.
 */
#ifndef SPINDLE_NETGRAPH_APPLY_H
#define SPINDLE_NETGRAPH_APPLY_H

#include "netgraph/config.h"

/**
 * netgraph_configure - apply @cfg: every stage in order (interfaces opened
 * through their driver classes, addresses, routes, ports started,
 * extensions installed, and the stages of module keywords). On error
 * nothing stays started: returns -KE_* with @err naming file, line, column
 * and why (e.g. which device failed to start): -KE_IO or -KE_NOENT when a
 * device could not be opened or started (the hosted program exits 3 for
 * -KE_IO), any other code for a configuration error (exit 2). -KE_INVAL
 * before netgraph_init().
 */
int netgraph_configure(const struct config *cfg, struct config_error *err);

#endif
