/*
 * guards/event_facts.h — what the protocol graph's events guarantee about
 * the packets they are raised with, for the guard verifier (a test on a
 * layer the event never sets can never be true) and for lowering tcpdump
 * expressions into field tests (guards/pcap_expr.h).
 *
 * The facts are those of the nodes as written (ARCHITECTURE.md, "The
 * picture"; protocols/ether/ether.c, protocols/ipv4/ipv4.c and reasm.c,
 * protocols/udp/udp.c): the Ethernet node sets L2 and L3 = L2 + 14 (Ethernet
 * II, RFC 894; no 802.1Q tag); the IPv4 node raises ipv4.PacketArrived for
 * frames of type 0x0800 with L4 = L3 + 4 * IHL (RFC 791 3.1) and
 * ipv4.LocalArrived only for whole datagrams (reassembled ones carry no link
 * header: L2 unset); the UDP node raises udp.PacketArrived for protocol 17.
 * Events not in the table (a module's private ones, tests') get no facts.
 */
#ifndef SPINDLE_GUARDS_EVENT_FACTS_H
#define SPINDLE_GUARDS_EVENT_FACTS_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/event.h"
#include "kernel/guard.h"

#define GUARD_FACTS_MAX_KNOWN 4

/** Facts about the packets of one event. */
struct guard_facts {
    /** bit (1u << L) for every enum pkt_layer L that may be set when the event is raised. */
    uint8_t may_layers;
    /**
     * bit (1u << L) for every layer a lowered tcpdump test may address:
     * PKT_L2 when tcpdump's absolute offsets count from L2 whenever L2 is
     * set and, when it is not, another layer is (so the classic-BPF form,
     * kbpf_run, rejects the packet as the lowered test does); PKT_L3 and
     * PKT_L4 when the two flags below hold.
     */
    uint8_t layers;
    bool l3_after_l2;   /* L3 starts 14 bytes after L2: tcpdump's [14 + k] is L3 offset k */
    bool l4_after_ipv4; /* an IPv4 header at L3 and L4 = L3 + 4 * IHL: tcpdump's [x + 14 + k] after
                           ldx 4*([14]&0xf) is L4 offset k */
    uint8_t nknown;
    /** EQ tests that hold for every packet of the event (as if its link header were present). */
    struct kguard_test known[GUARD_FACTS_MAX_KNOWN];
};

/**
 * guard_event_facts - the facts of @ev (looked up by its public name) into
 * @out. Returns 0, or -KE_NOENT for an event the table does not know: then
 * every layer may be set and nothing may be lowered (layers = 0).
 */
int guard_event_facts(const struct kevent *ev, struct guard_facts *out);

#endif
