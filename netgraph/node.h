/*
 * netgraph/node.h — protocol nodes: the fixed part of the protocol graph
 * (ether, arp, ipv4, icmp, udp, aal5), each declared by one descriptor in
 * its own folder and registered at link time (kernel/section.h), as Click
 * registers an element with EXPORT_ELEMENT and VPP a node with
 * VLIB_REGISTER_NODE:
 *
 *     static const struct knode udp_node = {
 *         .name = "udp", .layer = KNODE_LAYER_TRANSPORT,
 *         .attaches = "ipv4.LocalArrived", .guard = "ip proto == 17",
 *         .raises = "udp.PacketArrived udp.PortUnreachable",
 *         .init = udp_init, .fini = udp_fini, .stats = &udp_stats,
 *     };
 *     KNODE_REGISTER(udp_node);
 *
 * netgraph_nodes_up() initialises every linked-in node in a defined order:
 * by layer (lowest first), then by name; netgraph_nodes_down() finalises them
 * in the reverse order. A node's init installs its handlers on the events
 * of the layer below (with its guard) and registers its counters; fini
 * removes both. The descriptor's words (attaches, guard, raises) are what
 * "show graph" prints; the handlers themselves carry the compiled guards.
 */
#ifndef SPINDLE_NETGRAPH_NODE_H
#define SPINDLE_NETGRAPH_NODE_H

#include <stdint.h>
#include "kernel/section.h"
#include "kernel/stats.h"

/** Bring-up order of nodes: a node comes up after every node of a lower layer. */
enum knode_layer {
    KNODE_LAYER_LINK = 2,      /* ether: on the devices' PacketArrived */
    KNODE_LAYER_ADAPT = 3,     /* arp, aal5: directly on ether */
    KNODE_LAYER_NETWORK = 4,   /* ipv4 */
    KNODE_LAYER_TRANSPORT = 5, /* icmp, udp */
};

/** A protocol node's descriptor. Static storage; every field read-only. */
struct knode {
    const char *name;    /* "ipv4": also its counters' node name */
    const char *summary; /* one line: "IPv4 (RFC 791, RFC 1122 3.2.1)" */
    enum knode_layer layer;
    const char *attaches; /* the event it installs on: "ether.PacketArrived" */
    const char *guard;    /* its guard in words: "type == 0x0800" */
    const char *raises;   /* events it raises, blank separated */
    /** init - install the node's handlers, register counters: 0 or -KE_*. */
    int (*init)(void);
    /** fini - remove them; safe when init failed or was not called. */
    void (*fini)(void);
    struct kstat_group *stats; /* its counters (registered by init), or NULL */
};

KSET_DECLARE(nodes, const struct knode);
/** KNODE_REGISTER - link node descriptor @var (a const struct knode) into the image. */
#define KNODE_REGISTER(var) KSET_ADD(nodes, const struct knode, var)

/**
 * netgraph_nodes_up - init every linked-in node, by layer then name. On a
 * failure the nodes already up are taken down again and the error is
 * returned, with the node named in the log.
 */
int netgraph_nodes_up(void);
/** netgraph_nodes_down - fini every node that netgraph_nodes_up brought up, newest first. */
void netgraph_nodes_down(void);
/**
 * netgraph_raises - true when the module whose handlers are named @handler
 * raises the event named @event: the node of that name lists it in its
 * descriptor's .raises; for a name that is no node's, the naming convention
 * "NAME.Event" stands in. What "show graph" and the DOT graph draw under a
 * handler.
 */
bool netgraph_raises(const char *handler, const char *event);

/**
 * netgraph_node_foreach - call @cb for every linked-in node in bring-up
 * order (layer, then name), whether up or not.
 */
void netgraph_node_foreach(void (*cb)(const struct knode *n, void *ctx), void *ctx);

#endif
