/*
 * apps/rpc/rpc_node_async.c — the calls of an async endpoint, each run as
 * a strand (kernel/strand.h) after the raise that decided it: the
 * procedure (rpc_server_execute) and the reply run from the scheduler,
 * holding a reference on the call's buffer, whose bytes the decoded
 * arguments point into (rpc_node.h).
 */
#include "apps/rpc/rpc_node_impl.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

int rpc_node_jobs_init(struct rpc_node_ep *ep)
{
    ep->jobs = kmalloc(RPC_NODE_JOBS * sizeof ep->jobs[0]);
    return ep->jobs != NULL ? 0 : -KE_NOMEM;
}

struct rpc_node_job *rpc_node_job_take(struct rpc_node_ep *ep)
{
    for (unsigned i = 0; ep->jobs != NULL && i < RPC_NODE_JOBS; i++) {
        struct rpc_node_job *j = &ep->jobs[i];
        if (!j->busy) {
            j->busy = true;
            j->ep = ep;
            return j;
        }
    }
    return NULL;
}

void rpc_node_job_give(struct rpc_node_job *j)
{
    if (j->call != NULL)
        pkt_free(j->call);
    j->call = NULL;
    j->busy = false;
}

/* job_step - one step of a queued call: run the procedure and answer. */
static int job_step(struct kstrand *s, void *ctx)
{
    (void)s;
    struct rpc_node_job *j = ctx;
    struct rpc_node_ep *ep = j->ep;
    size_t outlen = 0;
    int v = rpc_server_execute(&j->w, ep->out, RPC_NODE_REPLY_MAX, &outlen);
    if (v == -KE_AGAIN)
        return KSTRAND_YIELD; /* the procedure is not finished: run again */
    if (v == RPC_SEND)
        rpc_node_send(ep, &j->to, ep->out, outlen);
    return KSTRAND_EXIT;
}

/* job_exit - the call is answered (or dropped): the job is free again. */
static void job_exit(struct kstrand *s, void *ctx)
{
    (void)s;
    rpc_node_job_give(ctx);
}

void rpc_node_job_start(struct rpc_node_job *j, struct pktbuf *pkt, const struct rpc_node_to *to)
{
    j->call = pkt_ref(pkt);
    j->to = *to;
    j->ep->x->ctr[RPC_SERVER_NCTR + RPC_NODE_QUEUED]++;
    kstrand_init(&j->strand, j->ep->x->node, job_step, j, job_exit);
    kstrand_start(&j->strand);
}

void rpc_node_jobs_drop_all(struct rpc_node_ep *ep)
{
    for (unsigned i = 0; ep->jobs != NULL && i < RPC_NODE_JOBS; i++) {
        struct rpc_node_job *j = &ep->jobs[i];
        if (!j->busy)
            continue;
        /* removal never runs inside one of these steps (the console and
         * the configuration run between polls), so cancel succeeds */
        kstrand_cancel(&j->strand);
        rpc_server_abandon(&j->w);
        rpc_node_job_give(j);
    }
}
