/*
 * apps/udp-count/udp_count.c — per-destination-port datagram and byte
 * counters (see udp_count.h).
 *
 * The counter group of an instance grows as ports are seen: slot names are
 * written once, when a port first claims its slot, and the group's length
 * (kstat_group.n) is raised to cover it, so readers never see an unused slot.
 */
#include "apps/udp-count/udp_count.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/stats.h"
#include "netgraph/extension.h"
#include "protocols/udp/udp.h"

/* Fixed counters, then two per port slot. */
enum { CNT_DATAGRAMS, CNT_BYTES, CNT_OTHER_DATAGRAMS, CNT_OTHER_BYTES, CNT_FIXED };
#define CNT_TOTAL (CNT_FIXED + 2 * UDP_COUNT_PORTS)

struct udp_count {
    bool listener;                  /* port= given: KH_TAKEN */
    unsigned nports;                /* slots in use */
    uint16_t port[UDP_COUNT_PORTS]; /* destination port of each slot */
    uint64_t ctr[CNT_TOTAL];
    const char *names[CNT_TOTAL];
    char slot_name[2 * UDP_COUNT_PORTS][24]; /* "port65535_datagrams" */
    char node[40];                           /* "udp-count[#ID]" or "udp-count[#ID]:N" */
    struct kstat_group stats;
};

/* count_slot - the counter index of @port's slot, claiming one if free; -1 when full. */
static int count_slot(struct udp_count *c, uint16_t port)
{
    for (unsigned i = 0; i < c->nports; i++)
        if (c->port[i] == port)
            return (int)(CNT_FIXED + 2 * i);
    if (c->nports == UDP_COUNT_PORTS)
        return -1;
    unsigned i = c->nports;
    c->port[i] = port;
    ksnprintf(c->slot_name[2 * i], sizeof c->slot_name[0], "port%u_datagrams", port);
    ksnprintf(c->slot_name[2 * i + 1], sizeof c->slot_name[0], "port%u_bytes", port);
    c->names[CNT_FIXED + 2 * i] = c->slot_name[2 * i];
    c->names[CNT_FIXED + 2 * i + 1] = c->slot_name[2 * i + 1];
    c->nports++;
    c->stats.n = CNT_FIXED + 2 * c->nports;
    return (int)(CNT_FIXED + 2 * i);
}

/* count_rx - the handler on udp_PacketArrived. */
static int count_rx(void *ctx, struct pktbuf *pkt)
{
    struct udp_count *c = ctx;
    struct udp_info in;
    udp_parse(pkt, &in);
    c->ctr[CNT_DATAGRAMS]++;
    c->ctr[CNT_BYTES] += in.payload_len;
    int s = count_slot(c, in.dport);
    if (s < 0) {
        c->ctr[CNT_OTHER_DATAGRAMS]++;
        c->ctr[CNT_OTHER_BYTES] += in.payload_len;
    } else {
        c->ctr[s]++;
        c->ctr[s + 1] += in.payload_len;
    }
    return c->listener ? KH_TAKEN : KH_PASS;
}

static int count_install(struct kext *x, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    struct udp_count *c = x->state;
    static const char *const fixed[CNT_FIXED] = { "datagrams", "bytes", "other_datagrams",
                                                  "other_bytes" };
    for (unsigned i = 0; i < CNT_FIXED; i++)
        c->names[i] = fixed[i];
    /* A port= or guard= instance listens: it takes what its guard selects, so
     * those datagrams get no port unreachable. Without either it observes. */
    c->listener = x->has_port || x->has_guard;
    /* x->node is "udp-count" or, in the running appliance, "udp-count#ID". */
    if (x->has_port)
        ksnprintf(c->node, sizeof c->node, "%s:%u", x->node, (unsigned)x->port);
    else if (x->has_guard)
        ksnprintf(c->node, sizeof c->node, "%s:guard", x->node);
    else
        kstrlcpy(c->node, x->node, sizeof c->node);
    c->stats.node = c->node;
    c->stats.names = c->names;
    c->stats.values = c->ctr;
    c->stats.n = CNT_FIXED;
    int rc = udp_ext_install(x, count_rx, c);
    if (rc == 0)
        kstats_register(&c->stats);
    return rc;
}

static void count_remove(struct kext *x)
{
    struct udp_count *c = x->state;
    kstats_unregister(&c->stats);
}

/* It needs UDP destination ports: with port=, that one (netgraph/extension.h). */
static const struct kext_need udp_count_ext_needs[] = {
    { .domain = "udp", .scope = "ports", .lo = 0, .hi = 65535, .flags = KEXT_NEED_PORT },
    { .domain = NULL },
};

static const struct kextension udp_count_ext = {
    .name = "udp-count",
    .usage = "udp-count [port=N [shared=yes] [bcast=yes]] [guard=\"tcpdump expression\"]",
    .summary = "counts datagrams and bytes per destination port",
    .event = &udp_PacketArrived,
    .guard = "udp dst port PORT (or guard=, or every datagram)",
    .common = KEXT_PORT | KEXT_GRANT | KEXT_GUARD | KEXT_MODE,
    .default_port = 0,
    .grant_domain = "udp",
    .needs = udp_count_ext_needs,
    .state_size = sizeof(struct udp_count),
    .install = count_install,
    .remove = count_remove,
};
KEXTENSION_REGISTER(udp_count_ext);
