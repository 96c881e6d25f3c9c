/*
 * apps/rpc/rpc_node_rx.c — the RPC node's receive paths: a datagram on an
 * endpoint's UDP port or a PDU on its VC becomes one call for the engine
 * (rpc_server.h), whose reply is copied into a fresh packet buffer and sent
 * back on the same transport (rpc_node.h).
 */
#include "apps/rpc/rpc_node_impl.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "netgraph/netif.h"
#include "protocols/aal5/aal5.h"
#include "protocols/ipv4/ipv4_pool.h"
#include "protocols/udp/udp.h"

/* ctr - the endpoint's transport counter @i (after the engine's). */
static inline uint64_t *ctr(struct rpc_node_ep *ep, enum rpc_node_ctr i)
{
    return &ep->x->ctr[RPC_SERVER_NCTR + i];
}

int rpc_node_send(struct rpc_node_ep *ep, const struct rpc_node_to *to, const void *msg, size_t len)
{
    int rc = -KE_NOMEM;
    struct pktbuf *pkt = len <= UDP_MAX_PAYLOAD ? ipv4_pkt_alloc((uint32_t)len) : NULL;
    if (pkt != NULL) {
        memcpy(pkt_append(pkt, (uint16_t)len), msg, len);
        if (ep->transport == RPC_XPRT_UDP) {
            rc = udp_send(pkt, to->src, to->dst, to->sport, to->dport);
        } else {
            struct netif *ifp = netif_get(to->ifindex);
            if (ifp != NULL) {
                rc = aal5_send(ifp, to->mac, ep->vpi, ep->vci, pkt);
            } else {
                pkt_free(pkt);
                (*ctr(ep, RPC_NODE_NO_IF))++;
                rc = -KE_NOENT;
            }
        }
    }
    (*ctr(ep, rc == 0 ? RPC_NODE_TX : RPC_NODE_TX_ERRORS))++;
    return rc;
}

int rpc_node_call(struct rpc_node_ep *ep, struct pktbuf *pkt, const struct rpc_peer *peer,
                  const uint8_t *msg, size_t len, const struct rpc_node_to *to)
{
    size_t outlen = 0;
    int v;
    if (ep->mode != RPC_NODE_ASYNC) {
        v = rpc_server_dispatch(&ep->srv, peer, msg, len, ep->out, RPC_NODE_REPLY_MAX, &outlen);
    } else {
        struct rpc_node_job *j = rpc_node_job_take(ep);
        struct rpc_work spare;
        struct rpc_work *w = j != NULL ? &j->w : &spare;
        v = rpc_server_decide(&ep->srv, peer, msg, len, w, ep->out, RPC_NODE_REPLY_MAX, &outlen);
        if (v == RPC_EXECUTE && j != NULL) {
            rpc_node_job_start(j, pkt, to);
            return KH_TAKEN;
        }
        if (v == RPC_EXECUTE) {
            /* every job taken: forget the call, so a retransmission runs it */
            rpc_server_abandon(w);
            (*ctr(ep, RPC_NODE_JOBS_FULL))++;
            v = RPC_DROP;
        }
        if (j != NULL)
            rpc_node_job_give(j);
    }
    if (v != RPC_SEND)
        return -KE_INVAL;
    rpc_node_send(ep, to, ep->out, outlen);
    return KH_TAKEN;
}

int rpc_node_udp_rx(void *ctx, struct pktbuf *pkt)
{
    struct rpc_node_ep *ep = ctx;
    struct udp_info in;
    udp_parse(pkt, &in);
    if (in.sport == 0) {
        (*ctr(ep, RPC_NODE_BAD_SRC))++;
        return -KE_INVAL;
    }
    struct rpc_peer peer = {
        .transport = RPC_XPRT_UDP,
        .addr = in.src,
        .port = in.sport,
        .local_addr = in.dst,
        .local_port = in.dport,
    };
    /* answer from the address the call was sent to, unless that was a
     * broadcast or multicast address (RFC 1122 4.1.3.5): the interface's */
    struct rpc_node_to to = {
        .src = netif_local_addr(in.dst, NULL) ? in.dst : 0,
        .dst = in.src,
        .sport = in.dport,
        .dport = in.sport,
    };
    return rpc_node_call(ep, pkt, &peer, in.payload, in.payload_len, &to);
}

int rpc_node_vc_rx(void *ctx, struct pktbuf *pdu)
{
    struct rpc_node_ep *ep = ctx;
    struct aal5_rx_info in;
    aal5_rx_info(pdu, &in);
    if (in.src_mac[0] & 0x01u) {
        (*ctr(ep, RPC_NODE_BAD_SRC))++;
        return -KE_INVAL;
    }
    struct rpc_peer peer = {
        .transport = RPC_XPRT_VC,
        .addr = load_be32(in.src_mac + 2),
        .port = load_be16(in.src_mac),
        .local_port = (uint32_t)in.vpi << 16 | in.vci,
    };
    struct rpc_node_to to = { .ifindex = in.ifindex };
    memcpy(to.mac, in.src_mac, 6);
    return rpc_node_call(ep, pdu, &peer, in.payload, in.len, &to);
}
