/*
 * apps/udp-spin/udp_spin.c — a UDP service that never returns: its handler
 * loops for ever on every datagram to its port. It exists to show and test
 * that a bounded handler (mode=bounded[:US], SPIN's bounded handler
 * property) is stopped at its budget and removed while the other handlers
 * keep answering, on every target: the hosted program's CPU-time timer,
 * the x86_64 and Alpha VMs' timer interrupt (kernel/arch_budget.h). Without
 * mode=bounded it would stop the appliance, which is the point of the
 * property: never install it so.
 *
 *   extension udp-spin port=N mode=bounded:US
 */
#include "kernel/kerr.h"
#include "netgraph/extension.h"
#include "protocols/udp/udp.h"

static const char *const spin_counters[] = { "rx", NULL };

/* spin_rx - count the datagram, then loop until the budget stops it. */
static int spin_rx(void *ctx, struct pktbuf *pkt)
{
    (void)pkt;
    uint64_t *ctr = ctx;
    ctr[0]++;
    volatile uint64_t n = 0;
    for (;;)
        n = n + 1;
    return KH_TAKEN;
}

static int spin_install(struct kext *x, char *err, size_t errlen)
{
    if (x->props.budget_ns == 0) {
        ksnprintf(err, errlen, "only with mode=bounded[:US]: it never returns");
        return -KE_INVAL;
    }
    return udp_ext_install(x, spin_rx, x->ctr);
}

static const struct kext_need spin_needs[] = {
    { .domain = "udp", .scope = "ports", .lo = 0, .hi = 65535, .flags = KEXT_NEED_PORT },
    { .domain = NULL },
};

static const struct kextension udp_spin_ext = {
    .name = "udp-spin",
    .usage = "udp-spin port=N mode=bounded[:US]",
    .summary = "never returns from a datagram (a test of bounded handlers)",
    .event = &udp_PacketArrived,
    .guard = "udp dst port PORT",
    .common = KEXT_PORT | KEXT_GRANT | KEXT_MODE,
    .default_port = 9,
    .grant_domain = "udp",
    .needs = spin_needs,
    .counters = spin_counters,
    .install = spin_install,
};
KEXTENSION_REGISTER(udp_spin_ext);
