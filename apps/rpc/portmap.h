/*
 * apps/rpc/portmap.h — the portmapper: program 100000 versions 2 (portmap,
 * RFC 1833 section 3) and 3 and 4 (rpcbind, RFC 1833 section 2), answering
 * from a registry of the programs this appliance serves over UDP.
 *
 * It answers as Debian 12's rpcbind 1.2.6 does (captured in
 * tests/traces/rpc-*.pcap, compared field by field by the replay test),
 * except where RFC 5531 and the project's notes say otherwise:
 *
 *  v2  0 NULL          void
 *      1 SET, 2 UNSET  refused from the network: MSG_DENIED AUTH_ERROR
 *                      AUTH_TOOWEAK (rpcbind's svcerr_weakauth for a caller
 *                      that is not on the loopback interface); spindle's
 *                      programs register through rpc_pmap_set, never
 *                      through the network
 *      3 GETPORT       the port of (prog, any version, UDP) — rpcbind looks
 *                      a program up by number and transport and returns a
 *                      registration of another version when the asked one
 *                      is missing, so a client learns the port and hears
 *                      PROG_MISMATCH from the program itself; protocols
 *                      other than UDP (17): 0. Arguments cut short:
 *                      GARBAGE_ARGS (rpcbind answers SUCCESS with whatever
 *                      its receive buffer held; the notes say follow the RFC)
 *      4 DUMP          every registration as a pmaplist (prot 17)
 *      5 CALLIT        refused: no reply at all, as rpcbind without -r
 *                      (RFC 1833: CALLIT answers only when the remote
 *                      procedure ran)
 *  v3, v4  0 NULL; 1 SET, 2 UNSET refused as above;
 *      3 GETADDR       the universal address "a.b.c.d.p1.p2" (RFC 5665's
 *                      format for UDP over IPv4) of (prog, any version) on
 *                      the transport the call came on (rpcbind ignores
 *                      r_netid and looks in the caller's transport: "udp"),
 *                      with the address the call was sent to as a.b.c.d
 *                      (rpcbind's merge of a wildcard registration with
 *                      the local address); "" when absent
 *      4 DUMP          every registration as an rpcblist: netid "udp",
 *                      r_addr "0.0.0.0.p1.p2" (registered on every
 *                      address), owner "superuser" (what rpcbind writes for
 *                      a registration made by uid 0)
 *      5 CALLIT (v3) / BCAST (v4)  refused: no reply, as above
 *  v4  9 GETVERSADDR   as GETADDR, but only that exact version
 *     10 INDIRECT      SYSTEM_ERR, as rpcbind without remote calls
 *  Not provided (PROC_UNAVAIL; rpcbind has them): GETTIME (spindle keeps
 *  no time of day), UADDR2TADDR, TADDR2UADDR, GETADDRLIST, GETSTAT.
 *  Other versions: PROG_MISMATCH low 2 high 4, from the engine.
 *
 * Freestanding; the UDP glue registers the three versions on the RPC server
 * listening on port 111 and calls rpc_pmap_set/unset as RPC programs come
 * and go.
 */
#ifndef SPINDLE_APPS_RPC_PORTMAP_H
#define SPINDLE_APPS_RPC_PORTMAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "apps/rpc/rpc_server.h"

/** Program number and versions (RFC 1833 sections 2 and 3). */
enum {
    PMAP_PROG = 100000,
    PMAP_VERS = 2,
    RPCBVERS = 3,
    RPCBVERS4 = 4,
    PMAP_PORT = 111 /* the well-known port, UDP and TCP */
};

/** Procedures of version 2 (RFC 1833 section 3). */
enum {
    PMAPPROC_NULL = 0,
    PMAPPROC_SET = 1,
    PMAPPROC_UNSET = 2,
    PMAPPROC_GETPORT = 3,
    PMAPPROC_DUMP = 4,
    PMAPPROC_CALLIT = 5
};
/** Procedures of versions 3 and 4 (RFC 1833 section 2.2). */
enum {
    RPCBPROC_NULL = 0,
    RPCBPROC_SET = 1,
    RPCBPROC_UNSET = 2,
    RPCBPROC_GETADDR = 3,
    RPCBPROC_DUMP = 4,
    RPCBPROC_CALLIT = 5,
    RPCBPROC_BCAST = 5,
    RPCBPROC_GETTIME = 6,
    RPCBPROC_UADDR2TADDR = 7,
    RPCBPROC_TADDR2UADDR = 8,
    RPCBPROC_GETVERSADDR = 9,
    RPCBPROC_INDIRECT = 10,
    RPCBPROC_GETADDRLIST = 11,
    RPCBPROC_GETSTAT = 12
};
/** IPPROTO_UDP, as pmap's "prot" field carries it (RFC 1833 section 3). */
#define PMAP_IPPROTO_UDP 17u

/** Registrations a portmapper holds (its own three included). */
#define RPC_PMAP_MAX 64u
/** Longest string argument accepted (netid, universal address, owner); RFC 1833 leaves them unbounded. */
#define RPCB_STRING_MAX 255u
/** The owner string of every registration (rpcbind's word for uid 0). */
#define RPC_PMAP_OWNER "superuser"
/** The netid of every registration (RFC 5665: "udp" is UDP over IPv4). */
#define RPC_PMAP_NETID "udp"

/** One registration: program, version, UDP port. */
struct rpc_pmap_entry {
    uint32_t prog, vers;
    uint16_t port;
};

/** A portmapper: its registry and its three program versions. */
struct rpc_pmap {
    struct rpc_pmap_entry e[RPC_PMAP_MAX];
    unsigned n;
    struct rpc_program v2, v3, v4; /* ctx = this portmapper */
};

/**
 * rpc_pmap_init - a portmapper whose registry holds its own versions 4, 3
 * and 2 on port @port (PMAP_PORT normally), in the order rpcbind lists them.
 */
void rpc_pmap_init(struct rpc_pmap *m, uint16_t port);
/**
 * rpc_pmap_set - register @prog/@vers on UDP port @port (appended: DUMP
 * lists registrations in the order they were made). Returns 0, -KE_EXIST
 * (that program and version are registered), -KE_TOOBIG (RPC_PMAP_MAX),
 * -KE_INVAL (port 0).
 */
int rpc_pmap_set(struct rpc_pmap *m, uint32_t prog, uint32_t vers, uint16_t port);
/** rpc_pmap_unset - remove @prog/@vers; -KE_NOENT when absent. */
int rpc_pmap_unset(struct rpc_pmap *m, uint32_t prog, uint32_t vers);
/**
 * rpc_pmap_lookup - the registration of @prog/@vers; with @any_version, the
 * first registration of @prog when that version is missing (rpcbind's
 * find_service). NULL when none.
 */
const struct rpc_pmap_entry *rpc_pmap_lookup(const struct rpc_pmap *m, uint32_t prog, uint32_t vers,
                                             bool any_version);
/**
 * rpc_pmap_register - register the portmapper's versions 2, 3 and 4 on the
 * RPC server @s (the one on UDP port 111). Returns 0 or the first error of
 * rpc_server_register (nothing is left registered then).
 */
int rpc_pmap_register(struct rpc_pmap *m, struct rpc_server *s);
/** rpc_pmap_unregister - remove them from @s. */
void rpc_pmap_unregister(struct rpc_pmap *m, struct rpc_server *s);

/**
 * rpc_uaddr_format - the universal address of IPv4 @addr (host order) and
 * @port: "h1.h2.h3.h4.p1.p2" (RFC 5665, UDP
 * and TCP over IPv4: the address bytes and the port's high and low byte), NUL-terminated in
 * @buf of @cap bytes (24 suffice). Returns its length.
 */
size_t rpc_uaddr_format(char *buf, size_t cap, uint32_t addr, uint16_t port);

#endif
