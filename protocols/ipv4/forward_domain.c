/*
 * protocols/ipv4/forward_domain.c — the "ipv4-forward" domain: the right to
 * see the datagrams that are not for us (PKT_F_L3_LOCAL clear) arriving on
 * some interfaces, which is what a router extension needs (RFC 1812). The
 * IPv4 node publishes it with the name service (kernel/nameservice.h),
 * scope = interface indexes 0..NETIF_MAX-1, and offers one install
 * procedure, ipv4_forward_install_granted, which imposes its guard on the
 * client's (SPIN's imposed guards, Bershad et al. SOSP 1995 section 4.2),
 * as protocols/udp does for destination ports.
 */
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/ipv4_impl.h"

#include "kernel/capability.h"
#include "kernel/domain.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/nameservice.h"

static const struct kentry fwd_entries[] = {
    { "install", (kentry_fn)ipv4_forward_install_granted },
    { "output", (kentry_fn)ipv4_output },
};
static const struct kiface fwd_iface = { "ipv4-forward", fwd_entries, KARRAY_SIZE(fwd_entries) };
static struct kdomain fwd_domain;
static struct kns_publication fwd_publication;

int ipv4_forward_publish(void)
{
    const struct kiface *exports[] = { &fwd_iface };
    int rc = kdomain_init(&fwd_domain, "ipv4-forward", exports, 1, NULL, 0);
    if (rc < 0)
        return rc;
    return kns_publish(&fwd_publication, "ipv4-forward", &fwd_domain, KCAP_IMPORT, 0,
                       NETIF_MAX - 1);
}

void ipv4_forward_unpublish(void)
{
    kns_unpublish(&fwd_publication);
}

/*
 * fwd_guard - the imposed guard: the datagram is not for us and arrived on
 * an interface within the capability @ctx's scope.
 */
static bool fwd_guard(void *ctx, void *arg)
{
    const struct kcap *cap = ctx;
    const struct pktbuf *pkt = arg;
    return (pkt->flags & PKT_F_L3_LOCAL) == 0 && pkt->ifindex >= cap->scope_lo &&
           pkt->ifindex <= cap->scope_hi;
}

int ipv4_forward_install_granted(const struct kcapset *caps, ipv4_PacketArrived_fn fn, void *ctx,
                                 const struct kguard *g, const struct khandler_props *props,
                                 struct khandler **out)
{
    const struct kcap *cap = NULL;
    for (unsigned i = 0; caps != NULL && i < caps->n && cap == NULL; i++)
        if (caps->cap[i]->domain == &fwd_domain && kcap_allows(caps->cap[i], KCAP_IMPORT))
            cap = caps->cap[i];
    if (cap == NULL)
        return -KE_PERM;
    if (g != NULL && g->pred != NULL)
        return -KE_EXIST; /* the predicate slot is the imposed guard's */
    struct kguard both = { 0 };
    if (g != NULL)
        both = *g;
    both.pred = fwd_guard;
    both.pred_ctx = (void *)cap;
    return ipv4_PacketArrived_install(fn, ctx, &both, props, out);
}

bool ipv4_forward_granted(const struct kcapset *caps, uint16_t ifindex)
{
    for (unsigned i = 0; caps != NULL && i < caps->n; i++)
        if (caps->cap[i]->domain == &fwd_domain && kcap_covers(caps->cap[i], ifindex, ifindex))
            return true;
    return false;
}
