/*
 * kernel/nameservice.h — the name service: how a client obtains a capability
 * for a domain published by name (SPIN's NameServer, Bershad et al. SOSP
 * 1995 section 3.1).
 *
 * It is built on one event, NameServer.Subscribe, whose argument is a
 * request (a name, the rights and scope wanted). A provider publishes a
 * domain by installing a handler on that event behind a guard on the name
 * (kns_guard_name: a C predicate, the event is not a packet event); only
 * that handler sees requests for the name, and it decides what to grant.
 * kns_publish() installs the standard provider handler (grant the rights and
 * scope asked for, if they are within what was published; a request for
 * the whole scope [KCAP_SCOPE_ALL_LO, KCAP_SCOPE_ALL_HI] gets the scope that
 * was published); a provider with
 * its own policy installs its own handler with kns_guard_name().
 *
 *   provider:  kns_publish(&pub, "udp", &udp_domain, KCAP_IMPORT, 0, 65535);
 *   client:    struct kcap *c;  kns_subscribe("udp", KCAP_IMPORT, 7, 7, &c);
 *
 * A provider's handler answers a request by setting req->cap (a new
 * capability the requester then owns) and returning KH_TAKEN, or refuses by
 * setting req->status to a negative KE_* code and returning it. A handler
 * must leave a request that already has a capability alone (two providers
 * of one name: the first installed answers).
 *
 * kns_grant() turns a grant specification from a configuration line into a
 * capability set by subscribing to each name (apps/extension.h).
 */
#ifndef SPINDLE_KERNEL_NAMESERVICE_H
#define SPINDLE_KERNEL_NAMESERVICE_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/capability.h"
#include "kernel/event.h"
#include "kernel/guard.h"

/** A subscription request, the argument of NameServer.Subscribe. */
struct kns_request {
    const char *name;  /* the published name asked for */
    uint32_t rights;   /* enum kcap_rights wanted */
    uint32_t scope_lo; /* resources wanted, inclusive (domain-defined) */
    uint32_t scope_hi;
    struct kcap *cap; /* out: the capability granted (the requester owns it) */
    int status;       /* out: a provider's refusal, negative KE_* */
};

/** NameServer.Subscribe - a client asks for a capability by name. */
KEVENT_DECLARE(NameServer_Subscribe, struct kns_request *);

/** A publication made by kns_publish(). Caller storage; must outlive it. */
struct kns_publication {
    char name[32];
    struct kdomain *domain;
    uint32_t rights;             /* the most a subscriber gets */
    uint32_t scope_lo, scope_hi; /* the widest scope a subscriber gets */
    struct khandler *handler;    /* on NameServer.Subscribe */
};

/**
 * kns_guard_name - the guard "request name == @name" for a provider's
 * handler on NameServer.Subscribe. @name is borrowed: it must outlive the
 * handler.
 */
struct kguard kns_guard_name(const char *name);

/**
 * kns_publish - publish @d under @name with at most @rights and scope
 * [@lo, @hi], through the standard provider handler. Returns 0, -KE_INVAL
 * (empty or too long a name, @lo > @hi), -KE_EXIST (@name is already
 * published by kns_publish), or kevent_install's errors.
 */
int kns_publish(struct kns_publication *pub, const char *name, struct kdomain *d, uint32_t rights,
                uint32_t lo, uint32_t hi);

/** kns_unpublish - withdraw @pub; capabilities already granted stay valid. */
void kns_unpublish(struct kns_publication *pub);

/**
 * kns_subscribe - raise NameServer.Subscribe for @name, @rights and scope
 * [@lo, @hi]. Returns 0 and *@out (the caller owns it: kcap_free or a
 * capability set), -KE_NOENT when no provider answered, or the provider's
 * refusal: -KE_PERM (rights not offered), -KE_RANGE (scope not offered).
 */
int kns_subscribe(const char *name, uint32_t rights, uint32_t lo, uint32_t hi, struct kcap **out);

/**
 * kns_grant - add to @set the capabilities named by @spec, each obtained
 * with KCAP_IMPORT through kns_subscribe:
 *
 *   spec  = item *("," item)
 *   item  = NAME [":" scope]         (no scope, or "*": all the provider offers)
 *   scope = "*" | N | N "-" M        (N <= M)
 *   N     = DIGITS | DIGITS "/" DIGITS (decimal; HI/LO, each 0..65535, is
 *                                      HI << 16 | LO: a domain of pairs)
 *
 * e.g. "udp:7", "udp:5000-5010,udp:7", "udp:*", "aal5:0/40" (VPI/VCI). Returns 0, or -KE_INVAL
 * (syntax), -KE_NOENT (nothing published under a name), -KE_PERM or
 * -KE_RANGE (refused), -KE_TOOBIG (set full), -KE_NOMEM; on error @err
 * (@errlen bytes) says which item and why, and @set may hold the
 * capabilities of the items before it.
 */
int kns_grant(struct kcapset *set, const char *spec, char *err, size_t errlen);

#endif
