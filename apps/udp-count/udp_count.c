/*
 * apps/udp-count/udp_count.c — per-destination-port datagram and byte
 * counters (see udp_count.h).
 *
 * The counter group of an instance grows as ports are seen: slot names are
 * written once, when a port first claims its slot, and the group's length
 * (kstat_group.n) is raised to cover it, so readers never see an unused slot.
 */
#include "guards/guard_expr.h"
#include "apps/udp-count/udp_count.h"

#include "apps/extension.h"
#include "kernel/capability.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/stats.h"
#include "protocols/udp/udp.h"

/* Fixed counters, then two per port slot. */
enum { CNT_DATAGRAMS, CNT_BYTES, CNT_OTHER_DATAGRAMS, CNT_OTHER_BYTES, CNT_FIXED };
#define CNT_TOTAL (CNT_FIXED + 2 * UDP_COUNT_PORTS)

struct udp_count {
    struct khandler *handler;
    struct kcapset *caps;                /* granted by the configuration (apps/extension.h) */
    void *guard_handle;                  /* guard="...": the compiled expression (guards/guard_expr.h) */
    bool listener;                       /* port= given: KH_TAKEN */
    unsigned nports;                     /* slots in use */
    uint16_t port[UDP_COUNT_PORTS];      /* destination port of each slot */
    uint64_t ctr[CNT_TOTAL];
    const char *names[CNT_TOTAL];
    char slot_name[2 * UDP_COUNT_PORTS][24]; /* "port65535_datagrams" */
    char node[24];                       /* "udp-count" or "udp-count:N" */
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

static int count_install(const struct kparams *params, void **state, char *err, size_t errlen)
{
    for (unsigned i = 0; params && i < params->n; i++) {
        if (strcmp(params->key[i], "port") != 0 && strcmp(params->key[i], "guard") != 0 &&
            !extension_common_param(params->key[i])) {
            ksnprintf(err, errlen,
                      "udp-count: unknown parameter '%s' (usage: udp-count [port=N] [guard=\"EXPR\"])",
                      params->key[i]);
            return -KE_INVAL;
        }
    }
    uint64_t port;
    int rc = kparams_get_u64(params, "port", 0, 1, 65535, &port);
    if (rc < 0) {
        ksnprintf(err, errlen, "udp-count: port: %s (expected 1..65535)",
                  rc == -KE_RANGE ? "out of range" : "not a number");
        return rc;
    }
    /* guard="tcpdump expression": compiled by the target's guard compiler
     * (hosted: libpcap, lowered into field tests where it can be, so it joins
     * udp.PacketArrived's decision tree); AND-ed with port= if both are given. */
    const char *gexpr = kparams_get(params, "guard");
    const struct kguard *eg = NULL;
    void *ghandle = NULL;
    if (gexpr) {
        char why[160];
        rc = guard_expr_compile(gexpr, &udp_PacketArrived, &eg, &ghandle, why, sizeof why);
        if (rc < 0) {
            ksnprintf(err, errlen, "udp-count: guard: %s", why);
            return rc;
        }
    }
    struct kguard g = { 0 };
    if (port)
        g = udp_guard_dport((uint16_t)port);
    if (eg && (rc = kguard_and(&g, port ? &g : NULL, eg)) < 0) {
        ksnprintf(err, errlen, "udp-count: guard and port= together are too many tests");
        guard_expr_free(ghandle);
        return rc;
    }
    struct udp_count *c = kmalloc(sizeof *c);
    if (c == NULL) {
        ksnprintf(err, errlen, "udp-count: out of memory");
        guard_expr_free(ghandle);
        return -KE_NOMEM;
    }
    c->guard_handle = ghandle;
    static const char *const fixed[CNT_FIXED] = { "datagrams", "bytes", "other_datagrams",
                                                  "other_bytes" };
    for (unsigned i = 0; i < CNT_FIXED; i++)
        c->names[i] = fixed[i];
    /* A port= or guard= instance listens: it takes what its guard selects, so
     * those datagrams get no port unreachable. Without either it observes. */
    c->listener = port != 0 || gexpr != NULL;
    if (port)
        ksnprintf(c->node, sizeof c->node, "udp-count:%u", (unsigned)port);
    else if (gexpr)
        kstrlcpy(c->node, "udp-count:guard", sizeof c->node);
    else
        kstrlcpy(c->node, "udp-count", sizeof c->node);
    c->stats.node = c->node;
    c->stats.names = c->names;
    c->stats.values = c->ctr;
    c->stats.n = CNT_FIXED;

    char derived[16] = "udp:*"; /* no port: an observer of every datagram */
    if (port)
        ksnprintf(derived, sizeof derived, "udp:%u", (unsigned)port);
    rc = extension_grants(params, "udp-count", derived, &c->caps, err, errlen);
    if (rc < 0) {
        guard_expr_free(ghandle);
        kfree(c);
        return rc;
    }
    const struct khandler_props props = { .name = "udp-count" };
    rc = udp_install_granted(c->caps, count_rx, c, (port || eg) ? &g : NULL, &props, &c->handler);
    if (rc < 0) {
        ksnprintf(err, errlen, "udp-count: cannot install: %s",
                  rc == -KE_PERM ? "port not granted (grant=)" : kerr_str(rc));
        kcapset_destroy(c->caps);
        guard_expr_free(ghandle);
        kfree(c);
        return rc;
    }
    kstats_register(&c->stats);
    *state = c;
    return 0;
}

static void count_remove(void *state)
{
    struct udp_count *c = state;
    if (c == NULL)
        return;
    kevent_uninstall(c->handler);
    guard_expr_free(c->guard_handle); /* after the uninstall: the guard may point into it */
    kstats_unregister(&c->stats);
    kcapset_destroy(c->caps);
    kfree(c);
}

const struct kextension udp_count_extension = {
    .name = "udp-count",
    .usage = "udp-count [port=N] [guard=\"tcpdump expression\"]",
    .install = count_install,
    .remove = count_remove,
};
