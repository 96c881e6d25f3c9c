/*
 * apps/rpc/rpc_node.h — the RPC node: ONC RPC servers (rpc_server.h) bound
 * to the protocol graph. An endpoint is one server on one transport address:
 *
 *   UDP   a handler on udp.PacketArrived with the guard "dst port == PORT"
 *         (udp_ext_install: the instance's grant applies). One datagram is
 *         one call; the reply goes back with udp_reply (addresses and ports
 *         swapped, from the address the call was sent to, RFC 1122 4.1.3.5).
 *   VC    a handler on aal5.PacketArrived with the guard "VPI/VCI"
 *         (protocols/aal5/aal5.h). One AAL5 CPCS-PDU is one call: AAL5
 *         delimits messages, so no record marking (RFC 5531 section 11 is
 *         for byte streams). The reply goes back on the same VC to the
 *         Ethernet source of the call's cells, out of the interface they
 *         came in on (aal5_send).
 *
 * The program extensions (apps/rpc-echo, apps/rpc-latrpc, apps/rpc-stats,
 * apps/portmap) are one endpoint each: their descriptor takes
 * RPC_NODE_EXT_COMMON and RPC_NODE_EXT_PARAMS, keeps a struct rpc_node_ep
 * as its state and rpc_node_counters as its counters, and its install
 * calls rpc_node_install() with the program versions it serves; its remove
 * is rpc_node_remove().
 *
 * How a call runs (mode=, SPIN's two columns of Table 7, Bershad et al.
 * SOSP 1995):
 *   bounded[:US]  (the default, with RPC_NODE_BUDGET_US) the whole call --
 *         decoding, the checks, the duplicate-request cache, the procedure,
 *         the reply -- inline in the raise of the transport's event, under
 *         the dispatcher's time budget (kernel/event.h bounded handlers);
 *   sync  the same without a budget;
 *   async the handler decides inline (rpc_server_decide: malformed calls,
 *         unknown programs and retransmissions are answered or dropped at
 *         once) and queues each call to run as a strand of its own
 *         (kernel/strand.h): rpc_server_execute and the reply run from the
 *         scheduler after the raise has returned, with a reference on the
 *         call's buffer meanwhile. A procedure that is not finished
 *         (RPC_PROC_PENDING) yields and runs again. At most RPC_NODE_JOBS
 *         calls wait at once per endpoint; more are dropped (jobs_full) and
 *         their cache entries forgotten, so a retransmission runs them.
 *   The handler itself is installed synchronous in every mode and returns
 *   KH_TAKEN for every datagram of its port: an endpoint owns its port
 *   (no ICMP port unreachable for a call it drops or queues).
 *
 * The portmapper's registry (RFC 1833): every UDP endpoint registers its
 * program versions with rpc_pmap_set when installed and unsets them when
 * removed, whether or not `extension portmap` runs, so a portmapper
 * installed later lists them. A version already registered by another
 * endpoint (a second rpc-echo on another port) is served but not
 * registered (counted in "not_registered" of `rpc stats`); when the
 * registered endpoint goes, another one serving that version takes its place.
 * VC endpoints are not registered: the portmapper speaks of UDP ports.
 *
 * One endpoint per transport address: a second RPC extension on a UDP port
 * or VC that an endpoint serves is refused (-KE_EXIST).
 *
 * Counters (one kernel/stats.h group per endpoint, node "CLASS#ID:PORT" or
 * "CLASS#ID:VPI/VCI", ID the instance's (netgraph/extension.h), e.g.
 * "rpc-echo#2:40001"; "rpc-echo:40001" for an instance made without an id):
 * the engine's (rpc_server.h, enum rpc_server_ctr), then enum rpc_node_ctr.
 *
 * Over UDP an endpoint is installed with udp_ext_install: datagrams sent to
 * a broadcast or multicast address are ignored unless the line says
 * bcast=yes, and a port taken by another extension is refused unless both
 * say shared=yes (netgraph/instances.c).
 */
#ifndef SPINDLE_APPS_RPC_RPC_NODE_H
#define SPINDLE_APPS_RPC_RPC_NODE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "apps/rpc/portmap.h"
#include "apps/rpc/rpc_server.h"
#include "kernel/strand.h"
#include "netgraph/extension.h"

/** Budget of a call when mode= is absent, microseconds (bounded). */
#define RPC_NODE_BUDGET_US 20000u
/** Calls of one async endpoint that may wait for their strand at once. */
#define RPC_NODE_JOBS 32u
/** Entries and reply bytes of an endpoint's duplicate-request cache (rpc_drc.h). */
#define RPC_NODE_DRC_ENTRIES 64u
#define RPC_NODE_DRC_BYTES (128u * 1024u)
/** Largest reply an endpoint sends, bytes (an rpcecho ECHO of 8192 bytes needs 8224). */
#define RPC_NODE_REPLY_MAX 16384u
/** Program versions one endpoint serves. */
#define RPC_NODE_PROGS_MAX 4u

/** The transport counters, after the engine's RPC_SERVER_NCTR in rpc_node_counters. */
enum rpc_node_ctr {
    RPC_NODE_TX = 0,    /* replies sent */
    RPC_NODE_TX_ERRORS, /* the reply could not be sent (no buffer, no route, interface refused) */
    RPC_NODE_BAD_SRC,   /* UDP source port 0, or a group MAC on a VC: no reply possible; dropped */
    RPC_NODE_NO_IF,     /* VC: the input interface is gone; no reply */
    RPC_NODE_QUEUED,    /* async: calls queued as strands */
    RPC_NODE_JOBS_FULL, /* async: RPC_NODE_JOBS calls waiting; dropped */
    RPC_NODE_NCTR
};
/** Counter names of an endpoint instance: the engine's, then enum rpc_node_ctr; NULL-terminated. */
extern const char *const rpc_node_counters[];

/** Common parameters of a program extension (struct kextension.common). */
#define RPC_NODE_EXT_COMMON (KEXT_PORT | KEXT_GRANT | KEXT_MODE)
/** Its own parameters: vc=VPI/VCI (the raw path instead of a UDP port). */
extern const char *const rpc_node_ext_params[];
/**
 * What a program extension may be granted (struct kextension.needs): its UDP
 * port, and with port= no more than that one. A VC endpoint holds none.
 */
extern const struct kext_need rpc_node_ext_needs[];

/** How an endpoint runs its calls. */
enum rpc_node_mode { RPC_NODE_BOUNDED = 0, RPC_NODE_SYNC = 1, RPC_NODE_ASYNC = 2 };

struct rpc_node_ep;

/** Where a reply goes. */
struct rpc_node_to {
    uint32_t src, dst;     /* UDP, host order: from @src (0: the interface's address) to @dst */
    uint16_t sport, dport; /* UDP */
    uint16_t ifindex;      /* VC: the interface the call came in on */
    uint8_t mac[6];        /* VC: the caller's Ethernet address */
};

/** One queued call of an async endpoint. Private to rpc_node*.c. */
struct rpc_node_job {
    struct kstrand strand;
    struct rpc_node_ep *ep;
    bool busy;             /* taken (deciding, queued or running) */
    struct pktbuf *call;   /* queued or running: a reference on the call's buffer */
    struct rpc_node_to to; /* where its reply goes */
    struct rpc_work w;
};

/**
 * The state of a program extension instance (its x->state, state_size =
 * sizeof(struct rpc_node_ep)). Fields are private to rpc_node*.c; the
 * console and tests read them.
 */
struct rpc_node_ep {
    struct kext *x;
    uint32_t transport; /* enum rpc_transport */
    uint16_t port;      /* UDP port */
    uint8_t vpi;        /* VC */
    uint16_t vci;
    uint8_t mode;   /* enum rpc_node_mode */
    bool server_up; /* srv initialised (its cache allocated) */
    bool pmap;      /* the portmapper's endpoint (its registry entries are its own) */
    const struct rpc_program *progs[RPC_NODE_PROGS_MAX];
    bool registered[RPC_NODE_PROGS_MAX];
    unsigned nprogs;
    struct rpc_server srv;
    uint8_t *out;              /* RPC_NODE_REPLY_MAX bytes: replies are encoded here */
    struct rpc_node_job *jobs; /* async: RPC_NODE_JOBS of them */
    struct rpc_node_ep *next;  /* every endpoint, in installation order */
};

/**
 * rpc_node_install - make instance @x an endpoint serving the @n program
 * versions @progs (tables borrowed, at most RPC_NODE_PROGS_MAX): on the VC
 * of its vc= parameter, else on UDP port x->port; in the mode its mode=
 * gives (absent: bounded with RPC_NODE_BUDGET_US). Registers them with the
 * portmapper's registry (UDP). Names the counter node ("CLASS:PORT",
 * "CLASS:VPI/VCI"). Returns 0, or -KE_* with a one-line reason in @err:
 * -KE_INVAL (vc= malformed, vc= with port=, or too many programs),
 * -KE_RANGE (VPI or VCI out of range), -KE_EXIST (another endpoint
 * serves that port or VC), -KE_NOMEM, or the install's codes (-KE_PERM:
 * the port is not granted). On failure nothing of it is left.
 */
int rpc_node_install(struct kext *x, const struct rpc_program *const *progs, unsigned n, char *err,
                     size_t errlen);

/**
 * rpc_node_remove - undo rpc_node_install (the extension's remove): drop
 * the calls still queued (their cache entries forgotten, their buffers
 * freed), unregister the programs, free the server. The framework then
 * uninstalls the handler.
 */
void rpc_node_remove(struct kext *x);

/** rpc_node_foreach - call @cb for every endpoint, in installation order; @cb must not install or remove. */
void rpc_node_foreach(void (*cb)(const struct rpc_node_ep *ep, void *ctx), void *ctx);

/**
 * rpc_node_registry - the portmapper's registry of this appliance's UDP
 * programs (portmap.h), created empty on first use. The portmap extension
 * serves it; endpoints fill it.
 */
struct rpc_pmap *rpc_node_registry(void);

/**
 * rpc_node_registry_claim - make the registry a portmapper's on UDP @port:
 * its own versions 4, 3, 2 first (as rpcbind lists itself), then the
 * registrations made so far. Returns 0 or -KE_EXIST (a portmapper holds it).
 */
int rpc_node_registry_claim(uint16_t port);
/** rpc_node_registry_release - remove the portmapper's own versions from the registry. */
void rpc_node_registry_release(void);

/**
 * rpc_node_udp_grant - the capabilities of an instance @x that uses UDP
 * port @port: those of its grant= when given, else "udp:PORT" from the name
 * service (what the framework derives for a class with a grant_domain; RPC
 * classes have none, because on a VC they use no UDP port: a VC endpoint
 * holds no capability and no port). The port is held in the domain of the
 * capability that covers it (shared=, netgraph/instances.c). Returns 0 or
 * -KE_* with @err (-KE_NOMEM, kns_grant's codes).
 */
int rpc_node_udp_grant(struct kext *x, uint16_t port, char *err, size_t errlen);

/** rpc_node_mode_name - "bounded", "sync" or "async". */
const char *rpc_node_mode_name(unsigned mode);

#endif
