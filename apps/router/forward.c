/*
 * apps/router/forward.c — the router's forwarding decision for one
 * datagram (RFC 1812 section 5.2 and 5.3; the order of the checks is
 * Linux's ip_route_input + ip_forward, so the ICMP errors match a Linux
 * router's). See apps/router/router.h.
 */
#include "apps/router/router.h"
#include "apps/router/router_impl.h"

#include "kernel/capability.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "protocols/icmp/icmp.h"
#include "protocols/ipv4/ipv4.h"
#include "protocols/ipv4/lpm_fib.h"

/*
 * router_options - RT_NCTR when the options of header @h (@hlen bytes) may
 * be forwarded; RT_SOURCE_ROUTED for a loose or strict source route (RFC
 * 791; not honoured, as Linux with accept_source_route=0); RT_BAD_OPTIONS
 * for an option running past the header or shorter than 2 bytes.
 */
static enum router_ctr router_options(const uint8_t *h, unsigned hlen)
{
    unsigned i = IPV4_OFF_OPTIONS;
    while (i < hlen) {
        uint8_t type = h[i];
        if (type == IPOPT_EOL)
            break;
        if (type == IPOPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= hlen || h[i + 1] < 2 || i + h[i + 1] > hlen)
            return RT_BAD_OPTIONS;
        if (type == IPOPT_LSRR || type == IPOPT_SSRR)
            return RT_SOURCE_ROUTED;
        i += h[i + 1];
    }
    return RT_NCTR;
}

/*
 * router_redirect_due - RFC 1812 5.2.7.2: leaving by the interface it came
 * in on, towards a next hop on the same subnet of @out as the source.
 */
static bool router_redirect_due(const struct pktbuf *pkt, const struct netif *out, uint32_t src,
                                uint32_t next_hop)
{
    if (!router.redirects || pkt->ifindex != out->index)
        return false;
    for (unsigned a = 0; a < out->naddrs; a++) {
        uint32_t m = inet_plen_mask(out->plen[a]);
        if (((src ^ out->addr[a]) & m) == 0 && ((next_hop ^ out->addr[a]) & m) == 0)
            return true;
    }
    return false;
}

/*
 * router_granted - ipv4_forward_granted(router.caps, @ifindex), remembered
 * for every interface index in one bit mask. A capability set only grows
 * (kcapset_add) and a capability's domain and scope are fixed when it is
 * created (kernel/capability.h), so the answers change only when caps->n
 * does.
 */
static inline bool router_granted(uint16_t ifindex)
{
    if (ifindex >= NETIF_MAX)
        return ipv4_forward_granted(router.caps, ifindex);
    unsigned n = router.caps != NULL ? router.caps->n : 0;
    if (__builtin_expect(n != router.granted_ncaps, 0)) {
        uint32_t mask = 0;
        for (uint16_t i = 0; i < NETIF_MAX; i++)
            if (ipv4_forward_granted(router.caps, i))
                mask |= 1u << i;
        router.granted = mask;
        router.granted_ncaps = n;
    }
    return (router.granted >> ifindex) & 1u;
}

/* router_drop - count a datagram from @in_ctr dropped for @why; the handler's result. */
static int router_drop(uint64_t *in_ctr, enum router_ctr why, int result)
{
    router.ctr[why]++;
    in_ctr[RIF_DROPPED]++;
    return result;
}

int router_input(void *ctx, struct pktbuf *pkt)
{
    (void)ctx;
    const uint8_t *h = pkt_layer_ptr(pkt, PKT_L3); /* the datagram; shared: read only */
    uint16_t len = pkt_layer_len(pkt, PKT_L3);
    uint64_t *in = router_if_ctr(pkt->ifindex);
    router.ctr[RT_RX]++;
    in[RIF_RX]++;
    in[RIF_RX_BYTES] += len;

    uint32_t src = pkt->meta[PKT_META_IPV4_SRC], dst = pkt->meta[PKT_META_IPV4_DST];
    if (pkt->flags & (PKT_F_L2_BCAST | PKT_F_L2_MCAST))
        return router_drop(in, RT_L2_BCAST, -KE_INVAL);
    if (ipv4_is_mcast(dst))
        return router_drop(in, RT_DST_MCAST, -KE_INVAL);
    if (ipv4_is_link_local(src) || ipv4_is_link_local(dst))
        return router_drop(in, RT_LINK_LOCAL, -KE_INVAL);
    if (netif_local_addr(src, NULL))
        return router_drop(in, RT_SRC_LOCAL, -KE_INVAL);
    unsigned hlen = ipv4_vhl_hlen(h[IPV4_OFF_VHL]);
    if (hlen > 20) {
        enum router_ctr bad = router_options(h, hlen);
        if (bad != RT_NCTR)
            return router_drop(in, bad, -KE_INVAL);
    }

    struct ipv4_route rt;
    uint32_t handle;
    if (ipv4_fib_lookup(dst, &rt, &handle) < 0) {
        router_icmp(pkt, ICMP_UNREACH, ICMP_UNREACH_NET, 0);
        return router_drop(in, RT_NO_ROUTE, KH_TAKEN);
    }
    struct netif *out = netif_get(rt.ifindex);
    if (out == NULL)
        return router_drop(in, RT_NO_IF, -KE_NOENT);
    if (!router_granted(out->index))
        return router_drop(in, RT_NOT_GRANTED, -KE_PERM);
    if (h[IPV4_OFF_TTL] <= 1) {
        router_icmp(pkt, ICMP_TIMXCEED, ICMP_TIMXCEED_INTRANS, 0);
        return router_drop(in, RT_TTL_EXCEEDED, KH_TAKEN);
    }
    uint16_t mtu = out->mtu != 0 ? out->mtu : 1500;
    if (ipv4_wire_len(pkt) > mtu) {
        if (load_be16(h + IPV4_OFF_FRAG) & IPV4_F_DF) {
            router_icmp(pkt, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, mtu);
            return router_drop(in, RT_FRAG_NEEDED, KH_TAKEN);
        }
        router.ctr[RT_FRAGMENTED]++;
    }

    uint32_t next_hop = rt.gateway != 0 ? rt.gateway : dst;
    ipv4_fib_count(handle, len);
    uint64_t *oc = router_if_ctr(out->index);
    oc[RIF_TX]++;
    oc[RIF_TX_BYTES] += len;
    router.ctr[RT_FORWARDED]++;
    router.ctr[RT_FORWARDED_BYTES] += len;
    router_send(pkt_ref(pkt), out->index, next_hop, router_redirect_due(pkt, out, src, next_hop));
    return KH_TAKEN;
}
