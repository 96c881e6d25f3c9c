/*
 * guards/bpf_lower.h — lowering a verified classic-BPF program into
 * declarative field tests (kernel/guard.h), so that it joins the decision
 * tree of its event (guards/tree.c) instead of running as a program.
 *
 * The idea is Click's IPClassifier (Kohler et al., ACM TOCS 18(3), 2000,
 * section 4.1): a filter that is a conjunction of field comparisons is a
 * path in a decision tree. The program is executed symbolically along every
 * path (jumps only go forward, so there are finitely many): loads become
 * fields, AND with a constant narrows a field's mask, conditional jumps on a
 * field against a constant become tests (JEQ: == / !=, JGT: > / <=, JGE:
 * >= / <, JSET k: (field & k) != 0 / == 0). A test the event's facts
 * (guards/event_facts.h) decide is dropped (true) or ends the path (false),
 * as is one decided by an equality already on the path. The program lowers
 * when exactly one path accepts (after removing paths another accepting path
 * subsumes) and its tests fit in KGUARD_MAX_TESTS.
 *
 * Addressing (tcpdump's, from the Ethernet header): an absolute offset k
 * below 14, or any offset without facts.l3_after_l2, is L2 offset k (if the
 * facts allow L2); k >= 14 is L3 offset k - 14 when L3 follows L2 by 14
 * bytes; [x + k] after "ldxb 4*([14]&0xf)" is L4 offset k - 14 when the
 * facts say L4 = L3 + 4 * IHL. Anything else (packet length, arithmetic,
 * comparisons of two fields, indexed loads from other bases, return values
 * other than constants or a field) keeps the program as cBPF.
 *
 * Bounds: each lowered test, like the load it comes from, is false when its
 * bytes are not all valid; a load whose value no test uses becomes a test
 * that only checks its bytes are there. Tests the facts decide are dropped
 * with their loads: the lowered guard behaves as the program would on the
 * packet with its link header present (so it also matches reassembled IPv4
 * datagrams, which kbpf_run rejects for want of an Ethernet header).
 */
#ifndef SPINDLE_GUARDS_BPF_LOWER_H
#define SPINDLE_GUARDS_BPF_LOWER_H

#include <stddef.h>
#include "guards/bpf.h"
#include "guards/event_facts.h"
#include "kernel/guard.h"

/**
 * kbpf_lower - the field tests equivalent to verified @prog on packets
 * satisfying @facts, into @out (tests only: bpf and pred NULL).
 * Returns 0; -KE_NOTSUP when the program does not lower (reason in @why,
 * @whylen bytes: the caller keeps it as cBPF); -KE_RANGE when no packet the
 * facts allow can match (reason in @why); -KE_INVAL when @prog is not verified.
 */
int kbpf_lower(const struct kbpf_prog *prog, const struct guard_facts *facts, struct kguard *out,
               char *why, size_t whylen);

#endif
