/*
 * apps/router/router.c — the "router" extension's installation, parameters
 * and counters (apps/router/router.h). The forwarding itself is in
 * forward.c (decisions), output.c (transmit, zero copy) and unreach.c
 * (host unreachable when ARP fails).
 */
#include "apps/router/router.h"
#include "apps/router/router_impl.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "protocols/ipv4/ipv4.h"

struct router router;

static const char *const router_ctr_names[RT_NCTR] = {
    "rx", "forwarded", "forwarded_bytes", "in_place", "copied", "fragmented", "l2_bcast",
    "dst_mcast", "link_local", "src_local", "source_routed", "bad_options", "no_route",
    "ttl_exceeded", "frag_needed", "host_unreach", "redirects", "icmp_sent", "icmp_not_sent",
    "no_if", "nomem", "tx_errors",
};
static const char *const router_if_ctr_names[RIF_NCTR] = {
    "rx", "rx_bytes", "tx", "tx_bytes", "dropped",
};

uint64_t *router_if_ctr_slow(uint16_t ifindex)
{
    static uint64_t nowhere[RIF_NCTR];
    struct netif *ifp = ifindex < NETIF_MAX ? netif_get(ifindex) : NULL;
    if (ifp == NULL)
        return nowhere;
    struct router_if *ri = &router.ifs[ifindex];
    if (!ri->registered) {
        ksnprintf(ri->node, sizeof ri->node, "router.%s", ifp->name);
        ri->stats.node = ri->node;
        ri->stats.names = router_if_ctr_names;
        ri->stats.values = ri->ctr;
        ri->stats.n = RIF_NCTR;
        kstats_register(&ri->stats);
        ri->registered = true;
    }
    return ri->ctr;
}

/* router_not_local - the guard: the destination is none of our addresses or broadcasts. */
static bool router_not_local(void *pred_ctx, void *arg)
{
    (void)pred_ctx;
    return (((const struct pktbuf *)arg)->flags & PKT_F_L3_LOCAL) == 0;
}

/* router_yes_no - parse a yes/no parameter @key into *@out (default @dflt). */
static int router_yes_no(const struct kparams *p, const char *key, bool dflt, bool *out,
                         char *err, size_t errlen)
{
    const char *v = kparams_get(p, key);
    if (v == NULL) {
        *out = dflt;
        return 0;
    }
    if (strcmp(v, "yes") == 0 || strcmp(v, "1") == 0) {
        *out = true;
        return 0;
    }
    if (strcmp(v, "no") == 0 || strcmp(v, "0") == 0) {
        *out = false;
        return 0;
    }
    ksnprintf(err, errlen, "router: %s: '%s' is not yes or no", key, v);
    return -KE_INVAL;
}

static int router_install(const struct kparams *params, void **state, char *err, size_t errlen)
{
    if (router.installed) {
        ksnprintf(err, errlen, "router: already installed (one instance forwards for all interfaces)");
        return -KE_EXIST;
    }
    for (unsigned i = 0; params != NULL && i < params->n; i++) {
        if (strcmp(params->key[i], "zerocopy") != 0 && strcmp(params->key[i], "redirects") != 0 &&
            !extension_common_param(params->key[i])) {
            ksnprintf(err, errlen, "router: unknown parameter '%s' (usage: %s)", params->key[i],
                      router_extension.usage);
            return -KE_INVAL;
        }
    }
    bool zerocopy, redirects;
    int rc = router_yes_no(params, "zerocopy", true, &zerocopy, err, errlen);
    if (rc == 0)
        rc = router_yes_no(params, "redirects", true, &redirects, err, errlen);
    if (rc < 0)
        return rc;

    memset(&router, 0, sizeof router);
    router.zerocopy = zerocopy;
    router.redirects = redirects;
    router.stats.node = "router";
    router.stats.names = router_ctr_names;
    router.stats.values = router.ctr;
    router.stats.n = RT_NCTR;
    router_output_init();

    struct kguard g = { 0 };
    g.pred = router_not_local;
    static const struct khandler_props props = { .name = "router" };
    rc = ipv4_PacketArrived_install(router_input, &router, &g, &props, &router.handler);
    if (rc < 0) {
        ksnprintf(err, errlen, "router: cannot install on ipv4.PacketArrived: %s", kerr_str(rc));
        return rc;
    }
    rc = router_unreach_init();
    if (rc < 0) {
        kevent_uninstall(router.handler);
        router.handler = NULL;
        ksnprintf(err, errlen, "router: cannot install on arp.ResolveFailed: %s", kerr_str(rc));
        return rc;
    }
    kstats_register(&router.stats);
    for (unsigned i = 0; i < netif_count() && i < NETIF_MAX; i++)
        (void)router_if_ctr((uint16_t)i);
    router.installed = true;
    *state = &router;
    return 0;
}

static void router_remove(void *state)
{
    if (state != &router || !router.installed)
        return;
    kevent_uninstall(router.handler);
    router.handler = NULL;
    router_unreach_fini();
    router_output_fini();
    kstats_unregister(&router.stats);
    for (unsigned i = 0; i < NETIF_MAX; i++)
        if (router.ifs[i].registered)
            kstats_unregister(&router.ifs[i].stats);
    router.installed = false;
}

const struct kextension router_extension = {
    .name = "router",
    .usage = "router [zerocopy=yes|no] [redirects=yes|no]",
    .install = router_install,
    .remove = router_remove,
};
