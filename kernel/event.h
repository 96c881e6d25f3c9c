/*
 * kernel/event.h — events, handlers and the dispatcher.
 *
 * An event is a named, typed hook (SPIN's "events are procedures"). A module
 * declares it with its argument type; KEVENT_DECLARE generates typed
 * NAME_raise() and NAME_install() wrappers, so installing a handler of the
 * wrong type does not compile:
 *
 *     // header:  KEVENT_DECLARE(ether_PacketArrived, struct pktbuf *);
 *     // source:  KEVENT_DEFINE(ether_PacketArrived, struct pktbuf *, "ether.PacketArrived", true);
 *     static int on_ip(void *ctx, struct pktbuf *p) { ...; return KH_TAKEN; }
 *     ether_PacketArrived_install(on_ip, NULL, &guard, &props, &h);
 *     int n = ether_PacketArrived_raise(pkt);   // 0 when nobody took it
 *
 * Handler results: KH_TAKEN (1) means the handler accepted the argument (a
 * listener answered it); KH_PASS (0) means it only observed; a negative KE_*
 * code means it dropped it for a reason. An event's combiner folds the
 * results of every handler run by one raise; the default counts KH_TAKEN.
 *
 * Dispatch: the handlers of an event are selected by their guards through a
 * dispatch plan built by guards/ (kdispatch_ops) whenever a handler is
 * installed or removed, and swapped in whole, so a raise never sees a
 * half-built plan. Raising an event with no handler is one load and a branch.
 * Single core, run to completion: no locks. Installing or removing handlers
 * from inside a handler is allowed; the plan in use is retired after the
 * outermost raise of that event returns.
 *
 * Handler properties (SPIN, Bershad et al. SOSP 1995, the extension model):
 *  - synchronous (KH_SYNC, default): runs inline, in the raiser's context;
 *  - asynchronous (KH_ASYNC): its guard is evaluated at the raise, then the
 *    invocation is queued as a strand (kernel/strand.h) and runs from the
 *    scheduler after the raiser continues. The dispatcher keeps the argument
 *    alive meanwhile: a packet event takes a pkt_ref() for the queued call
 *    (and records the packet's view — data_off, len, layer offsets — which
 *    it restores around the call) and frees it afterwards; a non-packet
 *    event must declare how to retain its argument (KEVENT_DEFINE_RETAINED),
 *    else installing an asynchronous handler fails with -KE_NOTSUP. An
 *    asynchronous invocation that was queued counts as KH_TAKEN in the raise's
 *    combined result (the packet has a taker: UDP sends no port unreachable
 *    for it); its own later result is counted on the handler only. A call
 *    that could not be queued (-KE_NOMEM, counted as async_lost) counts as
 *    nothing.
 *  - bounded (budget_ns > 0): runs under a time budget (kernel/budget.h,
 *    kernel/arch_budget.h). An overrun is counted (h->overruns, the
 *    "dispatch" counters), the handler is marked faulty and uninstalled, and
 *    its result for that raise is -KE_RANGE (the packet is dropped by it);
 *    the other handlers of the raise run as usual. On a target that can
 *    preempt (hosted) a handler that never returns is abandoned at its
 *    budget; elsewhere an overrun is detected when the handler returns (and
 *    its own result then stands). A handler the dispatcher removed this way
 *    stays allocated (faulty, not installed) until its owner calls
 *    kevent_uninstall() on it, so the owner's pointer stays valid; a handler
 *    installed without @out is freed at once.
 *  - ordering (before/after a named handler) and the event's result combiner.
 */
#ifndef SPINDLE_KERNEL_EVENT_H
#define SPINDLE_KERNEL_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "kernel/guard.h"

/** Handler results. */
enum { KH_PASS = 0, KH_TAKEN = 1 };

/** How a handler runs (SPIN section 4.1 handler properties). */
enum khandler_mode {
    KH_SYNC = 0, /* run to completion in the raiser's context (default) */
    KH_ASYNC = 1 /* queued and run later as a strand (kernel/strand.h) */
};

/** Properties given at install; a NULL pointer means all defaults. */
struct khandler_props {
    const char *name;        /* for introspection and ordering; may be NULL */
    enum khandler_mode mode; /* KH_SYNC default */
    uint64_t budget_ns;      /* bounded handler: time budget in ns, 0 unbounded */
    const char *before;      /* run before the handler of this name, or NULL */
    const char *after;       /* run after the handler of this name, or NULL */
};

struct kplan_retired;
struct kasync_call;

/** The uniform function type handlers are stored as; never called as such. */
typedef void (*khandler_generic_fn)(void);

struct kevent;

/** An installed handler. Owned by the dispatcher; read-only for others. */
struct khandler {
    struct kevent *event;
    khandler_generic_fn fn; /* the typed handler, converted back by event->invoke */
    void *ctx;
    struct kguard guard; /* copy taken at install */
    bool has_guard;      /* false: accepts everything */
    struct khandler_props props;
    char name[32];         /* copy of props.name */
    uint64_t calls;        /* times run */
    uint64_t taken;        /* times it returned KH_TAKEN */
    uint64_t errors;       /* times it returned a negative code */
    uint64_t overruns;     /* bounded handler: budget exceeded */
    bool faulty;           /* marked faulty; uninstalled */
    struct khandler *next; /* the event's handler list, in run order */
    struct khandler *prev;
    struct khandler *dead_next; /* removed during a raise: freed after it, private */
    /* Lifetime and asynchronous invocations (kernel/event.c), private: */
    bool removed;                    /* no longer in the event's list */
    bool owned;                      /* the installer kept a pointer (@out): it frees it */
    bool on_dead_list;               /* waiting for the outermost raise to end */
    uint32_t pending;                /* asynchronous invocations queued or running */
    struct kasync_call *async_calls; /* those invocations */
    uint64_t async_queued;           /* asynchronous invocations queued */
    uint64_t async_lost;  /* ... that could not be queued (no memory, argument not retained) */
    uint64_t leaked_pkts; /* buffers estimated leaked by abandoned runs (kernel/budget.h) */
};

/** Typed trampoline generated by KEVENT_DEFINE. */
typedef int (*kevent_invoke_fn)(khandler_generic_fn fn, void *ctx, void *arg);
/** Result combiner: fold handler result @r into accumulator @acc. */
typedef int (*kevent_combine_fn)(int acc, int r);

/**
 * A dispatch plan builder (guards/ provides the implementation; the
 * compiled decision tree of guards/tree.c is one). build() is called with the event's current
 * handler list; run() must call kevent_run_handler() for exactly the handlers
 * whose guards accept @arg, in list order, threading the accumulator.
 */
struct kdispatch_ops {
    const char *name;
    void *(*build)(const struct kevent *ev); /* NULL: -KE_NOMEM */
    void (*destroy)(void *plan);
    int (*run)(const void *plan, struct kevent *ev, void *arg, int acc);
};

/**
 * Keeping a non-packet argument alive for an asynchronous handler: retain
 * returns the argument the queued invocation will see (the same pointer with
 * a reference taken, or a copy) or NULL when it cannot; release undoes it
 * after the invocation.
 */
typedef void *(*kevent_retain_fn)(void *arg);
typedef void (*kevent_release_fn)(void *arg);

/** An event. Define with KEVENT_DEFINE; all fields private. */
struct kevent {
    const char *name; /* "ether.PacketArrived" */
    kevent_invoke_fn invoke;
    kevent_combine_fn combine; /* NULL: count KH_TAKEN results */
    kevent_retain_fn retain;   /* non-packet events: allows KH_ASYNC handlers */
    kevent_release_fn release;
    bool packet;     /* argument is a struct pktbuf * (field tests allowed) */
    bool registered; /* in the global event list */
    uint32_t nhandlers;
    uint32_t depth;            /* raises in progress */
    struct khandler *handlers; /* in run order */
    struct khandler *last;     /* the list's last handler */
    bool stale;                /* in a batch: the plan is rebuilt at kevent_batch_end() */
    struct kevent *next_stale; /* private */
    void *plan;                /* NULL when no handler */
    const struct kdispatch_ops *plan_ops; /* ops that built plan */
    struct khandler *solo;         /* the one handler a raise calls directly, or NULL (private) */
    struct kplan_retired *retired; /* plans replaced while depth > 0, private */
    struct khandler *dead;         /* handlers removed while depth > 0, private */
    uint64_t raised;               /* times raised with handlers present */
    uint64_t unhandled;            /* raises whose combined result was 0 */
    struct kevent *next_event;     /* global list */
};

/**
 * kevent_combine_first_error - a combiner for events whose handlers act on
 * the argument or refuse it: the first negative result wins (it is returned
 * as the raise's result); otherwise the count of KH_TAKEN results. Used by
 * ether.SendPacket (a veto) and the error events (ipv4.ProtocolUnreachable,
 * udp.PortUnreachable, ...: KH_TAKEN when an error message was sent).
 */
int kevent_combine_first_error(int acc, int r);

/**
 * kevent_batch_begin - from now until the matching kevent_batch_end(),
 * installing and removing handlers updates the handler lists only; each
 * event's plan is rebuilt once, at the end (bring-up with 100,000
 * extension lines builds each decision tree once, not once per line). In
 * the meantime a raise runs the plan in place: handlers installed since are
 * not run yet, handlers removed since are skipped (and freed at the end).
 * Batches nest. For bring-up and shutdown, when no packet flows.
 */
void kevent_batch_begin(void);
/**
 * kevent_batch_end - end a batch; at the outermost, rebuild every plan the
 * batch changed. Returns 0, or the first rebuild error (-KE_NOMEM: that
 * event keeps its old plan).
 */
int kevent_batch_end(void);

/** kevent_set_dispatcher - the plan builder all events use from now on (rebuilds existing plans). */
int kevent_set_dispatcher(const struct kdispatch_ops *ops);
/** kevent_dispatcher - the current plan builder (NULL before one is set). */
const struct kdispatch_ops *kevent_dispatcher(void);

/**
 * kevent_install - install @fn(@ctx, arg) on @ev behind guard @g (NULL:
 * always). Use the typed NAME_install() wrapper instead. Returns 0 and the
 * handler in *@out (if non-NULL), or -KE_INVAL (field tests on a non-packet
 * event, invalid test width/layer, unknown before/after name), -KE_NOMEM,
 * -KE_NOTSUP (asynchronous on a non-packet event that declares no
 * retainer, or a property the current dispatcher does not support),
 * -KE_PERM (the guard fails verification). A mode other than KH_SYNC or
 * KH_ASYNC is -KE_INVAL.
 */
int kevent_install(struct kevent *ev, khandler_generic_fn fn, void *ctx, const struct kguard *g,
                   const struct khandler_props *props, struct khandler **out);

/**
 * kevent_uninstall - remove @h from its event and free it (after the raise in
 * progress, if any). Queued asynchronous invocations of @h are cancelled and
 * their arguments released. Returns 0, or -KE_NOENT when @h was no longer
 * installed because the dispatcher removed it (a bounded overrun): that call
 * frees it.
 */
int kevent_uninstall(struct khandler *h);

/** kevent_dispatch - the slow path of a raise (handlers present); use NAME_raise(). */
int kevent_dispatch(struct kevent *ev, void *arg);

/** kevent_run_handler - for dispatch plans: run @h on @arg and fold its result into @acc. */
int kevent_run_handler(struct kevent *ev, struct khandler *h, void *arg, int acc);

/**
 * Dispatcher counters (also the "dispatch" kstats group): raises refused
 * because raises nested deeper than KFRAME_MAX (kernel/budget.h), bounded
 * overruns, abandoned bounded runs, asynchronous invocations queued, run and
 * lost, buffers estimated leaked by abandoned runs.
 */
struct kdispatch_stats {
    uint64_t too_deep;
    uint64_t overruns;
    uint64_t abandoned;
    uint64_t async_queued;
    uint64_t async_run;
    uint64_t async_lost;
    uint64_t leaked_pkts;
};
/** kevent_get_stats - fill @st with the dispatcher counters. */
void kevent_get_stats(struct kdispatch_stats *st);

/** kevent_foreach - call @cb for every event that has ever had a handler. */
void kevent_foreach(void (*cb)(struct kevent *ev, void *ctx), void *ctx);

/** kevent_verify_guard - the verifier hook guards/ installs; NULL accepts all. */
extern int (*kevent_guard_verifier)(const struct kevent *ev, const struct kguard *g, char *why,
                                    size_t whylen);

/**
 * KEVENT_DECLARE - declare event @ev taking argument type @argtype (a
 * pointer type) and its typed wrappers ev_raise(), ev_install() and the
 * handler type ev_fn.
 */
#define KEVENT_DECLARE(ev, argtype)                                                           \
    extern struct kevent ev;                                                                  \
    typedef int (*ev##_fn)(void *ctx, argtype arg);                                           \
    static inline int ev##_raise(argtype arg)                                                 \
    {                                                                                         \
        if (__builtin_expect(ev.plan == NULL, 1))                                             \
            return 0;                                                                         \
        return kevent_dispatch(&ev, (void *)(arg));                                           \
    }                                                                                         \
    static inline int ev##_install(ev##_fn fn, void *ctx, const struct kguard *g,             \
                                   const struct khandler_props *props, struct khandler **out) \
    {                                                                                         \
        return kevent_install(&ev, (khandler_generic_fn)fn, ctx, g, props, out);              \
    }                                                                                         \
    struct kevent_declared_##ev

/**
 * KEVENT_DEFINE - define event @ev once, in its module's source. @printable
 * is the event's public name ("udp.PacketArrived"); @is_packet says the
 * argument is a struct pktbuf * so guards may test its fields; @combiner is
 * a kevent_combine_fn or NULL for the default (count of KH_TAKEN).
 */
#define KEVENT_DEFINE(ev, argtype, printable, is_packet, combiner)                               \
    static int ev##_invoke(khandler_generic_fn fn, void *ctx, void *arg)                         \
    {                                                                                            \
        return ((ev##_fn)fn)(ctx, (argtype)arg);                                                 \
    }                                                                                            \
    struct kevent ev = {                                                                         \
        .name = (printable), .invoke = ev##_invoke, .combine = (combiner), .packet = (is_packet) \
    }

/**
 * KEVENT_DEFINE_RETAINED - define a non-packet event @ev whose argument can
 * be kept for asynchronous handlers by @retain / @release
 * (kevent_retain_fn, kevent_release_fn).
 */
#define KEVENT_DEFINE_RETAINED(ev, argtype, printable, combiner, retain_fn, release_fn) \
    static int ev##_invoke(khandler_generic_fn fn, void *ctx, void *arg)                \
    {                                                                                   \
        return ((ev##_fn)fn)(ctx, (argtype)arg);                                        \
    }                                                                                   \
    struct kevent ev = { .name = (printable),                                           \
                         .invoke = ev##_invoke,                                         \
                         .combine = (combiner),                                         \
                         .retain = (retain_fn),                                         \
                         .release = (release_fn),                                       \
                         .packet = false }

#endif
