/*
 * apps/rpc/portmap_impl.h — private to the portmapper: the procedure tables
 * of its versions 2, 3 and 4 (portmap_procs.c), which portmap.c installs in
 * each portmapper's program structures.
 */
#ifndef SPINDLE_APPS_RPC_PORTMAP_IMPL_H
#define SPINDLE_APPS_RPC_PORTMAP_IMPL_H

#include <stdint.h>
#include "apps/rpc/rpc_server.h"

extern const struct rpc_proc rpc_pmap_v2_procs[];
extern const uint32_t rpc_pmap_v2_nprocs;
extern const struct rpc_proc rpc_pmap_v3_procs[];
extern const uint32_t rpc_pmap_v3_nprocs;
extern const struct rpc_proc rpc_pmap_v4_procs[];
extern const uint32_t rpc_pmap_v4_nprocs;

#endif
