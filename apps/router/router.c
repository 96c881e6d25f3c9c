/*
 * apps/router/router.c — the "router" extension's installation, parameters
 * and counters (apps/router/router.h). The forwarding itself is in
 * forward.c (decisions), output.c (transmit, zero copy, ICMP errors) and
 * unreach.c (host unreachable when ARP fails); state.c holds the state and
 * counters all of them use. The files form a line: router.c -> forward.c
 * -> output.c -> state.c, and unreach.c -> output.c.
 */
#include "apps/router/router.h"
#include "apps/router/router_impl.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "netgraph/extension.h"
#include "protocols/ipv4/ipv4.h"

static int router_install(struct kext *x, char *err, size_t errlen)
{
    if (router.installed) {
        ksnprintf(err, errlen, "already installed (one instance forwards for all interfaces)");
        return -KE_EXIST;
    }
    bool zerocopy = true, redirects = true, gro = true;
    int rc = kext_yes_no(x, "zerocopy", true, &zerocopy, err, errlen);
    if (rc == 0)
        rc = kext_yes_no(x, "redirects", true, &redirects, err, errlen);
    if (rc == 0)
        rc = kext_yes_no(x, "gro", true, &gro, err, errlen);
    if (rc < 0)
        return rc;

    memset(&router, 0, sizeof router);
    router.zerocopy = zerocopy;
    router.redirects = redirects;
    router.gro_on = gro;
    router.gro.ctr = &router.ctr[RT_GRO_MERGED];
    router.caps = x->caps;
    router.granted_ncaps = ~0u; /* router_granted computes the mask at the first packet */
    router.stats.node = "router";
    router.stats.names = router_ctr_names;
    router.stats.values = router.ctr;
    router.stats.n = RT_NCTR;
    rc = router_output_init(x);
    if (rc < 0) {
        ksnprintf(err, errlen, "cannot install on dev.BurstEnd: %s", kerr_str(rc));
        return rc;
    }

    /* Through the "ipv4-forward" domain's install procedure: it imposes
     * "not for us, arrived on a granted interface" (protocols/ipv4/ipv4.h). */
    struct khandler *h = NULL;
    rc = ipv4_forward_install_granted(x->caps, router_input, &router, NULL, &x->props, &h);
    if (rc == 0)
        rc = kext_handler(x, h);
    if (rc < 0) {
        ksnprintf(err, errlen, "cannot install on ipv4.PacketArrived: %s",
                  rc == -KE_PERM ? "no ipv4-forward capability (grant=)" : kerr_str(rc));
        return rc;
    }
    rc = router_unreach_init(x);
    if (rc < 0) {
        ksnprintf(err, errlen, "cannot install on arp.ResolveFailed: %s", kerr_str(rc));
        return rc;
    }
    kstats_register(&router.stats);
    for (unsigned i = 0; i < netif_count() && i < NETIF_MAX; i++)
        (void)router_if_ctr((uint16_t)i);
    router.installed = true;
    return 0;
}

static void router_remove(struct kext *x)
{
    (void)x;
    if (!router.installed)
        return;
    router_output_fini();
    kstats_unregister(&router.stats);
    for (unsigned i = 0; i < NETIF_MAX; i++)
        if (router.ifs[i].registered)
            kstats_unregister(&router.ifs[i].stats);
    router.installed = false;
}

static const char *const router_params[] = { "zerocopy", "redirects", "gro", NULL };

/* It needs the right to forward what arrives on, and leaves by, interfaces. */
static const struct kext_need router_needs[] = {
    { .domain = "ipv4-forward", .scope = "interface indexes", .lo = 0, .hi = NETIF_MAX - 1 },
    { .domain = NULL },
};

static const struct kextension router_ext = {
    .name = "router",
    .usage =
        "router [zerocopy=yes|no] [redirects=yes|no] [gro=yes|no] [grant=ipv4-forward:IF[-IF]]",
    .summary = "forwards IPv4 datagrams not for us (RFC 1812)",
    .event = &ipv4_PacketArrived,
    .guard = "destination not local, arrival interface granted",
    .common = KEXT_GRANT,
    .grant_domain = "ipv4-forward",
    .needs = router_needs,
    .params = router_params,
    .install = router_install,
    .remove = router_remove,
};
KEXTENSION_REGISTER(router_ext);
