/*
 * apps/router/unreach.c — ICMP destination unreachable, host (RFC 1812
 * 4.3.3.1 / RFC 792 code 1) when ARP cannot resolve a next hop, as Linux
 * sends from its neighbour layer when resolution fails.
 *
 * The ARP node raises arp.ResolveFailed for every packet it drops because
 * the next hop never answered (protocols/arp/arp.h); the router answers
 * those it forwarded. Datagrams we originated ourselves (source is one of
 * our addresses) get no error: there is nobody else to tell.
 */
#include "apps/router/router_impl.h"

#include "netgraph/extension.h"
#include "protocols/arp/arp.h"
#include "protocols/icmp/icmp.h"
#include "protocols/ipv4/ipv4.h"

/* Handler on arp.ResolveFailed: @pkt (data at the IPv4 header) is the
 * datagram as forwarded (TTL already decremented, like Linux's quote). */
static int router_resolve_failed(void *ctx, struct pktbuf *pkt)
{
    (void)ctx;
    if (netif_local_addr(ipv4_src(pkt), NULL))
        return KH_PASS;
    router.ctr[RT_HOST_UNREACH]++;
    router_icmp(pkt, ICMP_UNREACH, ICMP_UNREACH_HOST, 0);
    return KH_TAKEN;
}

int router_unreach_init(struct kext *x)
{
    return kext_install_on(x, &arp_ResolveFailed, (khandler_generic_fn)router_resolve_failed, NULL,
                           NULL);
}
