/*
 * netgraph/extension.h — extensions: handlers installed on the protocol
 * graph at run time from a configuration line "extension NAME [key=value
 * ...]" or the console's "extension install NAME ...". Several instances of
 * one extension may run (N lines, N instances).
 *
 * An extension is one folder under apps/ holding its sources, its
 * meson.build and one descriptor registered at link time:
 *
 *     static const char *const echo_counters[] = { "rx", "tx", NULL };
 *     static int echo_install(struct kext *x, char *err, size_t errlen)
 *     {
 *         return udp_ext_install(x, echo_rx, x->state);  // dport == port=
 *     }
 *     static const struct kextension echo_ext = {
 *         .name = "udp-echo", .usage = "udp-echo [port=N]",
 *         .event = &udp_PacketArrived, .guard = "udp dst port PORT",
 *         .common = KEXT_PORT | KEXT_GRANT | KEXT_MODE, .default_port = 7,
 *         .grant_domain = "udp", .state_size = sizeof(struct echo),
 *         .counters = echo_counters, .install = echo_install,
 *     };
 *     KEXTENSION_REGISTER(echo_ext);
 *
 * The framework (netgraph/extension.c) does what every extension needs, so
 * that an install holds only what is its own:
 *  - it refuses parameters the class does not take ("unknown parameter");
 *  - it parses the common parameters the class declares in .common:
 *      port=N             1..65535; .default_port when absent (0: optional);
 *      grant=SPEC[,SPEC]  capabilities (kernel/capability.h, kns_grant);
 *                         absent: derived from the line, "DOMAIN:PORT" or
 *                         "DOMAIN:*" without a port (.grant_domain);
 *      guard="EXPR"       a guard expression compiled for .event by the
 *                         target's compiler (guards/guard_expr.h);
 *      shared=yes|no      (with KEXT_PORT) two instances may take one port of
 *                         one domain only when both say shared=yes; otherwise
 *                         the second install is refused (netgraph/instances.c);
 *      bcast=yes|no       (with KEXT_PORT) also see datagrams sent to a
 *                         broadcast or multicast address; by default a UDP
 *                         service ignores them, as ICMP echo does (RFC 1122
 *                         3.2.2.6), so that it cannot be made an amplifier;
 *      mode=sync|async|bounded[:US]
 *                         how its handlers run (kernel/event.h): inline,
 *                         queued as a strand, or inline under a budget of US
 *                         microseconds (default KEXT_DEFAULT_BUDGET_US);
 *  - it allocates .state_size bytes of zeroed state and the instance's
 *    counters (.counters, registered as node x->node: "NAME#ID" for an
 *    instance of the running appliance, id from netgraph/instances.h, so
 *    that two instances' counters are told apart; "NAME" without an id);
 *  - it uninstalls every handler recorded with kext_handler() and frees the
 *    state, counters, capabilities and compiled guard after .remove.
 *
 * Capabilities (SPIN section 3.1; kernel/capability.h): an instance reaches
 * the kernel's domains only through the capabilities its grant gives; UDP's
 * install procedure (udp_ext_install, protocols/udp/udp.h) imposes "dst port
 * within the grant" on every handler.
 */
#ifndef SPINDLE_NETGRAPH_EXTENSION_H
#define SPINDLE_NETGRAPH_EXTENSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/event.h"
#include "kernel/port.h"
#include "kernel/section.h"
#include "kernel/stats.h"

/** The common parameters an extension class may accept (struct kextension.common). */
enum kext_common {
    KEXT_PORT = 1u << 0,  /* port=N */
    KEXT_GRANT = 1u << 1, /* grant=SPEC */
    KEXT_GUARD = 1u << 2, /* guard="EXPR" */
    KEXT_MODE = 1u << 3,  /* mode=sync|async|bounded[:US] */
};

/** Budget of a mode=bounded handler when none is given, microseconds. */
#define KEXT_DEFAULT_BUDGET_US 1000u
/** Handlers one instance may record for automatic removal. */
#define KEXT_MAX_HANDLERS 8
/** Counters one instance may declare. */
#define KEXT_MAX_COUNTERS 48

struct kext;
struct kcapset;

/**
 * One thing an extension class needs from the kernel (struct
 * kextension.needs): capabilities for the domain published as @domain
 * (kernel/nameservice.h), at most the resources [@lo, @hi] of it (numbers
 * the domain defines: UDP destination ports, interface indexes). A grant=
 * naming a domain a class does not declare, or wider than declared, is
 * refused at install (-KE_PERM, "grant=...: ... not needed / too wide").
 */
struct kext_need {
    const char *domain; /* "udp", "ipv4-forward"; NULL ends the list */
    const char *scope;  /* what the numbers are, for messages: "ports", "interface indexes" */
    uint32_t lo, hi;    /* the widest scope an instance may hold, inclusive */
    unsigned flags;     /* enum kext_need_flags */
};

/** Flags of a struct kext_need. */
enum kext_need_flags {
    /* An instance with port= needs only that port: a grant that covers it
     * and more is too wide (one without it is refused at install anyway). */
    KEXT_NEED_PORT = 1u << 0,
    /* An instance needs only the resource of this domain it names with a
     * parameter of its own (kext_grant_scope: an AAL5 VC's vc=): a grant
     * that covers it and more is too wide. */
    KEXT_NEED_EXACT = 1u << 1,
    /* The domain's resources are pairs numbered HI << 16 | LO (AAL5's
     * VPI/VCI): messages write a scope as HI/LO, as grant= takes it. */
    KEXT_NEED_PAIRS = 1u << 2,
};

/** An extension class: static storage, registered with KEXTENSION_REGISTER. */
struct kextension {
    const char *name;            /* "udp-echo" */
    const char *usage;           /* one line: "udp-echo [port=N]" */
    const char *summary;         /* one line: what it does */
    struct kevent *event;        /* the event its handlers attach to (guard= compiles for it) */
    const char *guard;           /* its own guard in words, for "show graph" */
    unsigned common;             /* enum kext_common: the common parameters it takes */
    uint16_t default_port;       /* port= when absent (KEXT_PORT); 0: no default, optional */
    uint16_t port_span;          /* ports an instance uses from port= on (its derived grant and
                                    KEXT_NEED_PORT cover port..port+span-1); 0 or 1: one */
    const char *grant_domain;    /* the domain of a derived grant ("udp"), NULL: no grant */
    const char *const *params;   /* its own parameter keys, NULL-terminated; NULL: none */
    size_t state_size;           /* bytes of zeroed state the framework allocates, x->state */
    const char *const *counters; /* per-instance counter names, NULL-terminated; NULL: none */
    const struct kext_need
        *needs; /* what it may be granted (ends at .domain NULL); NULL: not declared */
    /**
     * install - install the instance @x (parameters parsed, state and
     * counters allocated). Returns 0, or -KE_* with a one-line reason in
     * @err (the framework adds the class name, file:line:col and usage).
     * On failure the framework undoes what it did; the extension undoes
     * what it did itself except handlers recorded with kext_handler().
     */
    int (*install)(struct kext *x, char *err, size_t errlen);
    /** remove - undo what install did itself (NULL: nothing beyond the framework's). */
    void (*remove)(struct kext *x);
};

KSET_DECLARE(exts, const struct kextension);
/** KEXTENSION_REGISTER - link extension class @var (const struct kextension) into the image. */
#define KEXTENSION_REGISTER(var) KSET_ADD(exts, const struct kextension, var)

/** An installed instance of an extension class. Owned by the framework. */
struct kext {
    const struct kextension *cls;
    unsigned id;            /* 1, 2, ... in installation order (netgraph/instances.h) */
    struct kparams *params; /* private copy of the parameters, strings included */
    void *state;            /* cls->state_size zeroed bytes, or what install sets */
    /* Common parameters, parsed. */
    bool has_port;
    uint16_t port;        /* port=, or cls->default_port */
    struct kcapset *caps; /* the grant (KEXT_GRANT), or NULL */
    bool grant_given;     /* grant= was on the line (else caps, if any, were derived) */
    bool has_guard;
    const struct kguard *guard;  /* guard= compiled for cls->event, valid until removal */
    struct khandler_props props; /* mode= and the handler name (cls->name) */
    /* Counters. */
    uint64_t *ctr; /* one per cls->counters name */
    char node[32]; /* their node name: cls->name unless install sets another */
    struct kstat_group stats;
    /* Handlers removed with the instance. */
    struct khandler *handlers[KEXT_MAX_HANDLERS];
    unsigned nhandlers;
    void *guard_handle; /* private: guard_expr handle */
    /* Common parameters of a class that takes port= (KEXT_PORT), parsed. */
    bool shared; /* shared=yes: may share its port with instances that say so */
    bool bcast;  /* bcast=yes: also sees datagrams to broadcast/multicast addresses */
};

/**
 * kext_handler - record handler @h (installed by the instance) so that the
 * framework uninstalls it when the instance is removed. Returns 0 or
 * -KE_TOOBIG (then @h is uninstalled at once).
 */
int kext_handler(struct kext *x, struct khandler *h);

/**
 * kext_install_on - install @fn(@ctx) on @ev for instance @x with x->props
 * and the guard @g AND x->guard (either may be absent), and record the
 * handler. Returns 0 or kevent_install's and kguard_and's codes.
 */
int kext_install_on(struct kext *x, struct kevent *ev, khandler_generic_fn fn, void *ctx,
                    const struct kguard *g);

/**
 * kext_create - instantiate class @cls with @params (NULL: none; copied):
 * parse the common parameters, allocate state and counters, call install,
 * register the counters. Returns 0 and *@out, or -KE_* with a one-line
 * message in @err ("udp-echo: port: out of range (expected 1..65535);
 * usage: ..."): -KE_INVAL unknown or malformed parameter, -KE_RANGE, -KE_PERM
 * (grant), -KE_NOTSUP (guard= without a compiler), -KE_NOMEM, or the class's
 * own code. The id is left 0 (netgraph/instances.h numbers instances).
 */
int kext_create(const struct kextension *cls, const struct kparams *params, struct kext **out,
                char *err, size_t errlen);
/**
 * kext_create_id - kext_create for the instance numbered @id (1, 2, ...;
 * 0: none): x->id is @id and x->node, the node its counters are
 * registered under, is "NAME#ID" before install runs (an install that
 * names a node of its own builds it from x->node).
 */
int kext_create_id(const struct kextension *cls, const struct kparams *params, unsigned id,
                   struct kext **out, char *err, size_t errlen);
/** kext_destroy - remove instance @x (handlers, counters, state); NULL is ignored. */
void kext_destroy(struct kext *x);

/** kext_class_find - the extension class named @name, or NULL. */
const struct kextension *kext_class_find(const char *name);
/** kext_class_foreach - every linked-in class, sorted by name. */
void kext_class_foreach(void (*cb)(const struct kextension *c, void *ctx), void *ctx);

/**
 * kext_grant_scope - instance @x uses [@lo, @hi] of the capability domain
 * @domain (a resource it names with a parameter of its own, such as vc=;
 * port= is the framework's). Without grant= on its line, the instance is
 * granted exactly that (kns_subscribe, added to x->caps: a derived grant,
 * as port= derives "udp:PORT"). With grant=, the grant must cover it, and,
 * when the class's .needs marks @domain KEXT_NEED_EXACT, be no wider.
 * @what names the resource in messages ("vc 0/40"), @scope is its grant
 * text ("0/40"). Returns 0, or -KE_PERM (not granted, or too wide),
 * -KE_NOENT (nothing published as @domain), -KE_NOMEM, with @err.
 */
int kext_grant_scope(struct kext *x, const char *domain, uint32_t lo, uint32_t hi, const char *what,
                     const char *scope, char *err, size_t errlen);

/** kext_yes_no - parse parameter @key of @x as yes|no|1|0 (absent: @dflt); 0 or -KE_INVAL with @err. */
int kext_yes_no(const struct kext *x, const char *key, bool dflt, bool *out, char *err,
                size_t errlen);

#endif
