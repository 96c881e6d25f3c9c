/*
 * apps/rpc/rpc_node_impl.h — private to the RPC node (rpc_node*.c): the
 * receive handlers, the reply path and the queue of an async endpoint.
 */
#ifndef SPINDLE_APPS_RPC_RPC_NODE_IMPL_H
#define SPINDLE_APPS_RPC_RPC_NODE_IMPL_H

#include "apps/rpc/rpc_node.h"
#include "kernel/pktbuf.h"

/** rpc_node_udp_rx - the handler on udp.PacketArrived (ctx: the endpoint). Always KH_TAKEN or -KE_*. */
int rpc_node_udp_rx(void *ctx, struct pktbuf *pkt);
/** rpc_node_vc_rx - the handler on aal5.PacketArrived (ctx: the endpoint). */
int rpc_node_vc_rx(void *ctx, struct pktbuf *pdu);

/**
 * rpc_node_call - run one call @msg of @len bytes from @peer that arrived
 * in @pkt (the handler's buffer) and is to be answered to @to, in the
 * endpoint's mode. Sends the reply, if any, before returning, except in
 * async mode for a call that runs: it is queued (a reference on @pkt
 * kept) and answered from its strand. Returns KH_TAKEN, or -KE_INVAL when
 * the call was dropped (counted).
 */
int rpc_node_call(struct rpc_node_ep *ep, struct pktbuf *pkt, const struct rpc_peer *peer,
                  const uint8_t *msg, size_t len, const struct rpc_node_to *to);

/**
 * rpc_node_send - send the @len reply bytes at @msg to @to on @ep's
 * transport in a fresh buffer (copied). Counts tx or tx_errors. Returns 0
 * or the transport's error.
 */
int rpc_node_send(struct rpc_node_ep *ep, const struct rpc_node_to *to, const void *msg,
                  size_t len);

/** rpc_node_jobs_init - the RPC_NODE_JOBS free jobs of an async endpoint; 0 or -KE_NOMEM. */
int rpc_node_jobs_init(struct rpc_node_ep *ep);
/** rpc_node_job_take - a free job of @ep (now taken), or NULL when all RPC_NODE_JOBS are. */
struct rpc_node_job *rpc_node_job_take(struct rpc_node_ep *ep);
/** rpc_node_job_give - return the taken job @j unused. */
void rpc_node_job_give(struct rpc_node_job *j);
/**
 * rpc_node_job_start - run the call decided in j->w as a strand that
 * answers it to @to, holding a reference on @pkt (the call's bytes) until
 * it is answered or dropped.
 */
void rpc_node_job_start(struct rpc_node_job *j, struct pktbuf *pkt, const struct rpc_node_to *to);
/** rpc_node_jobs_drop_all - cancel every queued call: cache entries forgotten, buffers freed. */
void rpc_node_jobs_drop_all(struct rpc_node_ep *ep);

#endif
