/*
 * tests/unit/rpc/nodekit.h — what the tests of the RPC node and its
 * extensions share (apps/rpc/rpc_node.h, apps/rpc-ping): extension
 * instances from a "key=value ..." text through the extension framework,
 * calls sent to the graph as UDP datagrams from the peer of udpkit
 * (10.0.0.2) and the replies it sends back, read independently of the code
 * under test (udpkit's frame parser, the reply codec of apps/rpc/rpc_msg.h).
 */
#ifndef SPINDLE_TESTS_NODEKIT_H
#define SPINDLE_TESTS_NODEKIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "apps/rpc/rpc_msg.h"
#include "netgraph/extension.h"
#include "netgraph/netif.h"
#include "rpckit.h"

/**
 * nk_try - create an instance of class @cls with the parameters in @text
 * ("k=v k2=v2", NULL or "" for none; no quoting). Returns kext_create's
 * code; the message in @err (@errlen bytes), the instance in *@out.
 */
int nk_try(const char *cls, const char *text, struct kext **out, char *err, size_t errlen);
/** nk_install - nk_try that must succeed; returns the instance. */
struct kext *nk_install(const char *cls, const char *text);

/** nk_send - the datagram 10.0.0.2:@sport -> 10.0.0.1:@dport carrying @m, received on @ifp now. */
void nk_send(struct netif *ifp, uint16_t sport, uint16_t dport, const struct rk_msg *m);

/** A reply the graph sent: its UDP fields and its RPC header. */
struct nk_reply {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint8_t b[16384]; /* the RPC message */
    size_t n;
    struct rpc_reply r; /* its decoded header */
};
/**
 * nk_take - the oldest frame @ifp sent, which must be one whole UDP
 * datagram with a valid checksum holding a well-formed RPC reply; false
 * when nothing was sent.
 */
bool nk_take(struct netif *ifp, struct nk_reply *out);

/** nk_ctr - counter @name of node @node (fails the test when absent). */
uint64_t nk_ctr(const char *node, const char *name);

#endif
