/*
 * guards/pcap_expr.h — guards written as tcpdump filter expressions
 * (pcap-filter(7)), hosted target only (libpcap).
 *
 * The expression is compiled by libpcap's own compiler for an Ethernet link
 * (pcap_open_dead(DLT_EN10MB, 65535), pcap_compile with optimisation),
 * checked by the classic-BPF verifier (kbpf_verify, guards/bpf.h) and then
 * lowered into declarative field tests where its structure allows
 * (kbpf_lower, guards/bpf_lower.h), given what the event the guard is for
 * guarantees about its packets (guards/event_facts.h). A lowered guard joins
 * the event's decision tree (guards/tree.c): "udp dst port 5000" on
 * udp.PacketArrived becomes the single test L4[2:2] == 5000, exactly
 * udp_guard_dport(5000), and 10,000 such guards cost one table lookup. An
 * expression that does not lower (a disjunction such as "udp port 53" or
 * "host 10.0.0.1", arithmetic, "len > 100", and anything on an event without
 * facts) stays a verified cBPF program, run by kbpf_run on the frame from its
 * Ethernet header.
 *
 * Usage (the configuration's `extension udp-count guard="udp dst port 5000"`):
 *
 *     struct guard_tcpdump *tg;
 *     char err[160];
 *     int rc = guard_from_tcpdump(expr, &udp_PacketArrived, &tg, err, sizeof err);
 *     if (rc)
 *         return report(err);                       // says why, names the expression
 *     rc = udp_PacketArrived_install(fn, ctx, &tg->guard, &props, &h);
 *     ...
 *     kevent_uninstall(h);                          // when the extension is removed,
 *     guard_tcpdump_free(tg);                       // then free: in this order
 *
 * Lifetime: kevent_install copies tg->guard, but when the expression was not
 * lowered the copy points to the program inside *tg (tg->guard.bpf ==
 * &tg->prog), so *tg must outlive every handler installed with it: free it
 * only after kevent_uninstall() of those handlers has returned (a handler
 * removed during a raise is never evaluated again, so freeing right after
 * the uninstall is safe even then).
 */
#ifndef SPINDLE_GUARDS_PCAP_EXPR_H
#define SPINDLE_GUARDS_PCAP_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include "guards/bpf.h"
#include "guards/event_facts.h"
#include "kernel/event.h"
#include "kernel/guard.h"

/** A guard compiled from a tcpdump expression; owns the program its guard may point to. */
struct guard_tcpdump {
    struct kguard guard;   /* install this: field tests, or bpf = &prog */
    bool lowered;          /* true: field tests only (joins the decision tree) */
    char why_not[96];      /* when not lowered: why (kbpf_lower's reason) */
    struct kbpf_prog prog; /* the verified program (also kept when lowered) */
    unsigned ninsns;
    struct kbpf_insn insns[]; /* prog.insns points here */
};

/** Flags of guard_from_tcpdump_facts. */
enum {
    GUARD_TCPDUMP_KEEP_BPF = 1u << 0 /* do not lower: always a cBPF guard (benchmarks, tests) */
};

/**
 * guard_from_tcpdump - compile tcpdump expression @expr into a guard for
 * event @ev (the facts of @ev, guard_event_facts, decide what lowers) in a
 * new *@out (free with guard_tcpdump_free). Returns 0, or with a one-line
 * message in @err (@errlen bytes) naming the expression:
 *  -KE_INVAL  libpcap cannot compile it (its message), or the program fails
 *             kbpf_verify (the verifier's reason), or @expr is NULL/empty;
 *  -KE_RANGE  no packet of @ev can ever match (e.g. "tcp" on udp.PacketArrived);
 *  -KE_NOMEM.
 */
int guard_from_tcpdump(const char *expr, const struct kevent *ev, struct guard_tcpdump **out,
                       char *err, size_t errlen);

/**
 * guard_from_tcpdump_facts - as guard_from_tcpdump with explicit @facts
 * (NULL: none, nothing lowers) and @flags (GUARD_TCPDUMP_*).
 */
int guard_from_tcpdump_facts(const char *expr, const struct guard_facts *facts, unsigned flags,
                             struct guard_tcpdump **out, char *err, size_t errlen);

/** guard_tcpdump_free - free @g (NULL ignored); see the lifetime rule above. */
void guard_tcpdump_free(struct guard_tcpdump *g);
/**
 * guard_tcpdump_register - make tcpdump expressions the target's guard
 * language (guards/guard_expr.h), so guard="..." works in configurations.
 * The hosted program calls it at start-up.
 */
void guard_tcpdump_register(void);

#endif
