/*
 * apps/rpc/programs.h — spindle's RPC programs as tables for the server
 * engine (apps/rpc/rpc_server.h). Their interface definitions (RFC 5531
 * section 12 language) are in tools/rpc/, where Debian's rpcgen compiles
 * them into the Linux clients and baseline servers:
 *
 *   rpcecho  tools/rpc/rpcecho.x  0x20050001 v1: 0 NULL, 1 ECHO (opaque<8192>
 *            returned unchanged)
 *   latrpc   tools/rpc/latrpc.x   404040 v1: lmbench's lat_rpc (0 NULL,
 *            1 RPC_XACT: a char in, the char 123 back; 2 RPC_EXIT, which
 *            stops lmbench's server, is not provided: PROC_UNAVAIL)
 *   spstats  tools/rpc/spstats.x  0x20050002 v1: the kernel/stats.h counters
 *            (0 NULL, 1 NODES: names of the nodes that keep counters,
 *            2 GET(name): the named counters of that node)
 *
 * Each program is stateless: ctx is NULL, one table serves every server
 * that registers it. Results may point into the call message (ECHO), so a
 * reply buffer must not overlap the call's.
 */
#ifndef SPINDLE_APPS_RPC_PROGRAMS_H
#define SPINDLE_APPS_RPC_PROGRAMS_H

#include "apps/rpc/rpc_server.h"

/** Numbers, as in the .x files. */
enum {
    RPCECHO_PROG = 0x20050001,
    RPCECHO_VERS = 1,
    RPCECHO_NULL = 0,
    RPCECHO_ECHO = 1,
    RPCECHO_MAXDATA = 8192,
    XACT_PROG = 404040,
    XACT_VERS = 1,
    RPC_XACT = 1,
    RPC_EXIT = 2,
    XACT_ANSWER = 123, /* what lat_rpc's server answers and its client checks */
    SPSTATS_PROG = 0x20050002,
    SPSTATS_VERS = 1,
    SPSTATS_NULL = 0,
    SPSTATS_NODES = 1,
    SPSTATS_GET = 2,
    SPSTATS_NAME_MAX = 32,
    SPSTATS_NODES_MAX = 256,
    SPSTATS_COUNTERS_MAX = 64,
};
/** spstats_status (tools/rpc/spstats.x). */
enum spstats_status { SPSTATS_OK = 0, SPSTATS_NOENT = 1, SPSTATS_TOOBIG = 2 };

extern const struct rpc_program rpcecho_program;
extern const struct rpc_program latrpc_program;
extern const struct rpc_program spstats_program;

#endif
