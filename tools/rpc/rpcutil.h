/*
 * tools/rpc/rpcutil.h — what the Linux RPC tools share: opening a libtirpc
 * client (through the peer's portmapper, or straight to a port), command
 * line numbers, and latency percentiles.
 */
#ifndef SPINDLE_TOOLS_RPCUTIL_H
#define SPINDLE_TOOLS_RPCUTIL_H

#include <stddef.h>
#include <rpc/rpc.h>

/**
 * rpcu_open - a client of @prog/@vers on @host over @proto ("udp" or
 * "tcp"). @port 0: ask the host's portmapper (clnt_create: rpcbind v4
 * GETADDR, v3, then portmap v2 GETPORT); otherwise call that port directly
 * (no portmapper traffic). Total timeout @timeout_ms per call; over UDP a
 * retransmission after @retry_ms. Prints the libtirpc error and returns
 * NULL on failure.
 */
CLIENT *rpcu_open(const char *host, unsigned long prog, unsigned long vers, const char *proto,
                  int port, int timeout_ms, int retry_ms);

/** rpcu_now_ns - CLOCK_MONOTONIC in ns. */
double rpcu_now_ns(void);

/** rpcu_number - parse a decimal option value in [lo, hi] or exit 2 naming @what. */
long rpcu_number(const char *s, long lo, long hi, const char *what);

/**
 * rpcu_report - sort the @n round-trip times @ns (ns) and print
 * "LABEL: N calls, p50 X us, p99 Y us, min Z us, max W us".
 */
void rpcu_report(const char *label, double *ns, size_t n);

#endif
