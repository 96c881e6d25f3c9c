/* guards/event_facts.c — the facts table of the graph's events (guards/event_facts.h). */
#include "guards/event_facts.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/pktbuf.h"

#define L(x) (1u << (x))
#define ALL_LAYERS (L(PKT_L2) | L(PKT_L3) | L(PKT_L4) | L(PKT_L5))

/* Known fields, in layer addressing. */
#define ETHERTYPE_IPV4 KGUARD_FIELD(PKT_L2, 12, 2, 0xffffu, KG_EQ, 0x0800u)
/* RFC 791 3.1: flags and fragment offset; MF (0x2000) and offset (0x1fff) clear: a whole datagram */
#define IPV4_WHOLE KGUARD_FIELD(PKT_L3, 6, 2, 0x3fffu, KG_EQ, 0u)
#define IPV4_PROTO_UDP KGUARD_FIELD(PKT_L3, 9, 1, 0xffu, KG_EQ, 17u)

struct facts_row {
    const char *event;
    struct guard_facts f;
};

static const struct facts_row rows[] = {
    { "ether.PacketArrived",
      { .may_layers = L(PKT_L2) | L(PKT_L3),
        .layers = L(PKT_L2) | L(PKT_L3),
        .l3_after_l2 = true } },
    { "ipv4.PacketArrived",
      { .may_layers = L(PKT_L2) | L(PKT_L3) | L(PKT_L4),
        .layers = L(PKT_L2) | L(PKT_L3) | L(PKT_L4),
        .l3_after_l2 = true,
        .l4_after_ipv4 = true,
        .nknown = 1,
        .known = { ETHERTYPE_IPV4 } } },
    { "ipv4.LocalArrived",
      { .may_layers = L(PKT_L2) | L(PKT_L3) | L(PKT_L4),
        .layers = L(PKT_L2) | L(PKT_L3) | L(PKT_L4),
        .l3_after_l2 = true,
        .l4_after_ipv4 = true,
        .nknown = 2,
        .known = { ETHERTYPE_IPV4, IPV4_WHOLE } } },
    { "udp.PacketArrived",
      { .may_layers = ALL_LAYERS,
        .layers = L(PKT_L2) | L(PKT_L3) | L(PKT_L4),
        .l3_after_l2 = true,
        .l4_after_ipv4 = true,
        .nknown = 3,
        .known = { ETHERTYPE_IPV4, IPV4_WHOLE, IPV4_PROTO_UDP } } },
};

int guard_event_facts(const struct kevent *ev, struct guard_facts *out)
{
    for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (ev && ev->name && strcmp(ev->name, rows[i].event) == 0) {
            *out = rows[i].f;
            return 0;
        }
    }
    memset(out, 0, sizeof *out);
    out->may_layers = ALL_LAYERS;
    return -KE_NOENT;
}
