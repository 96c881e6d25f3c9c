/*
 * apps/router/router_impl.h — private to the router extension (router.c,
 * forward.c, output.c, unreach.c, print.c): its state, counters and the
 * steps of forwarding. Tests include it to reach the TTL update.
 */
#ifndef SPINDLE_APPS_ROUTER_IMPL_H
#define SPINDLE_APPS_ROUTER_IMPL_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/event.h"
#include "kernel/klib.h"
#include "protocols/ipv4/ipv4_wire.h"
#include "kernel/pktbuf.h"
#include "kernel/stats.h"
#include "netgraph/netif.h"
#include "apps/router/gro.h"

#define ROUTER_TXQ_MAX 256 /* datagrams held for one deferred transmit pass */

/** Counters of node "router". */
enum router_ctr {
    RT_RX,              /* datagrams not for us, offered to the router */
    RT_FORWARDED,       /* datagrams passing every check, sent on (or counted nomem, tx_errors) */
    RT_FORWARDED_BYTES, /* their IPv4 total lengths, bytes */
    RT_IN_PLACE,        /* ... forwarded in the buffer they arrived in (zero copy) */
    RT_COPIED,          /* ... forwarded from a private copy (zerocopy=no, or still shared) */
    RT_FRAGMENTED,      /* ... larger than the next MTU without DF: sent as fragments */
    RT_L2_BCAST,        /* arrived as link-layer broadcast/multicast (RFC 1812 5.3.4): dropped */
    RT_DST_MCAST,       /* multicast destination (no multicast routing): dropped */
    RT_LINK_LOCAL,      /* 169.254.0.0/16 source or destination (RFC 3927 2.7): dropped */
    RT_SRC_LOCAL,       /* source is one of our own addresses: dropped */
    RT_SOURCE_ROUTED,   /* LSRR or SSRR option (RFC 1812 5.3.13.4, off): dropped */
    RT_BAD_OPTIONS,     /* malformed option list: dropped */
    RT_NO_ROUTE,        /* no route: ICMP destination unreachable, net */
    RT_TTL_EXCEEDED,    /* TTL <= 1: ICMP time exceeded in transit */
    RT_FRAG_NEEDED,     /* DF and larger than the next MTU: ICMP fragmentation needed */
    RT_HOST_UNREACH,    /* ARP never resolved the next hop: ICMP destination unreachable, host */
    RT_REDIRECTS,       /* ICMP redirects (host) sent to the source (RFC 1812 5.2.7.2) */
    RT_ICMP_SENT,       /* ICMP errors sent */
    RT_ICMP_NOT_SENT,   /* ... refused by icmp_send_error (rate limit, RFC 1122 rules) or failed */
    RT_NO_IF,           /* the route names an interface that is gone: dropped */
    RT_NOMEM,           /* no buffer for a private copy: dropped */
    RT_TX_ERRORS,       /* ipv4_output failed (fragment buffers, ARP queue, port) */
    RT_NOT_GRANTED,     /* the route leaves by an interface outside the grant: dropped */
    RT_GRO_MERGED,      /* TCP segments merged into a super-frame (gro.h GRO_MERGED) */
    RT_GRO_FLUSHES,     /* super-frames sent in their place (GRO_FLUSHES) */
    RT_GRO_BAD_CSUM,    /* segments not merged: wrong TCP checksum (GRO_BAD_CSUM) */
    RT_GRO_CHECKED,     /* TCP checksums verified in software (GRO_CHECKED) */
    RT_NCTR
};

_Static_assert(RT_GRO_FLUSHES - RT_GRO_MERGED == GRO_FLUSHES &&
                   RT_GRO_BAD_CSUM - RT_GRO_MERGED == GRO_BAD_CSUM &&
                   RT_GRO_CHECKED - RT_GRO_MERGED == GRO_CHECKED,
               "the router's GRO counters are the gro_table's, in its order");

/** Counters of node "router.IFNAME", one group per interface. */
enum router_if_ctr {
    RIF_RX, /* datagrams received on it for forwarding */
    RIF_RX_BYTES,
    RIF_TX, /* datagrams forwarded out of it */
    RIF_TX_BYTES,
    RIF_DROPPED, /* datagrams received on it and not forwarded (errors included) */
    RIF_NCTR
};

struct router_if {
    bool registered;
    char node[8 + KPORT_NAME_MAX]; /* "router." + interface name */
    uint64_t ctr[RIF_NCTR];
    struct kstat_group stats;
};

/** A datagram decided on and waiting for its transmit pass. */
struct router_txent {
    struct pktbuf *pkt; /* our reference; data at the IPv4 header, TTL not yet decremented */
    uint32_t next_hop;  /* host order */
    uint16_t ifindex;   /* outgoing interface */
    bool redirect;      /* also send the source an ICMP redirect to next_hop */
};

struct router_txq {
    unsigned n;
    struct router_txent e[ROUTER_TXQ_MAX];
};

/** The one router instance. */
struct router {
    bool installed;
    bool zerocopy;              /* parameter zerocopy=yes (default) */
    bool redirects;             /* parameter redirects=yes (default) */
    bool gro_on;                /* parameter gro=yes (default): coalesce TCP segments (gro.h) */
    const struct kcapset *caps; /* its grant: "ipv4-forward" interfaces (protocols/ipv4/ipv4.h) */
    unsigned granted_ncaps;     /* caps->n when granted was computed; ~0u: never */
    uint32_t granted;           /* bit i: ipv4_forward_granted(caps, i), i < NETIF_MAX */
    uint64_t ctr[RT_NCTR];
    struct kstat_group stats;
    struct router_if ifs[NETIF_MAX];
    struct router_txq q[2]; /* double buffer: one fills while the other is sent */
    unsigned cur;           /* the queue handlers append to */
    bool flushing;
    struct gro_table gro; /* segments held during one transmit pass (gro=yes) */
};
extern struct router router;
/** router_ctr_names - the names of node "router"'s counters, RT_NCTR of them (state.c). */
extern const char *const router_ctr_names[RT_NCTR];

/**
 * router_ttl_decrement - decrement the TTL of IPv4 header @h (TTL >= 1)
 * and update its header checksum incrementally: HC' = ~(~HC + ~m + m'),
 * RFC 1624 equation 3, m being the 16-bit word holding TTL and protocol.
 */
static inline void router_ttl_decrement(uint8_t *h)
{
    uint16_t m = load_be16(h + IPV4_OFF_TTL);
    uint16_t m2 = (uint16_t)(m - 0x0100u);
    uint32_t sum = (uint32_t)(uint16_t)~load_be16(h + IPV4_OFF_CSUM) + (uint16_t)~m + m2;
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    store_be16(h + IPV4_OFF_CSUM, (uint16_t)~sum);
    h[IPV4_OFF_TTL] = (uint8_t)(m2 >> 8);
}

/** router_input - the handler on ipv4_PacketArrived (forward.c); see router.h. */
int router_input(void *ctx, struct pktbuf *pkt);
/** router_if_ctr_slow - router_if_ctr for an interface not registered yet (state.c). */
uint64_t *router_if_ctr_slow(uint16_t ifindex);

/** router_if_ctr - the counters of interface @ifindex, registered on first use. */
static inline uint64_t *router_if_ctr(uint16_t ifindex)
{
    if (ifindex < NETIF_MAX && router.ifs[ifindex].registered)
        return router.ifs[ifindex].ctr;
    return router_if_ctr_slow(ifindex);
}
/** router_icmp - send an ICMP error about @pkt and count the outcome (output.c). */
void router_icmp(struct pktbuf *pkt, uint8_t type, uint8_t code, uint32_t info);

/* output.c */
/**
 * router_send - forward datagram @pkt (our reference) to @next_hop out of
 * @ifindex: deferred to the transmit pass when zero copy is on, else at once
 * from a private copy. Consumes the reference.
 */
void router_send(struct pktbuf *pkt, uint16_t ifindex, uint32_t next_hop, bool redirect);
/** router_flush - the transmit pass: send every queued datagram. */
void router_flush(void);
struct kext;
/** router_output_init - the transmit pass on dev.BurstEnd, a handler of instance @x: 0 or -KE_*. */
int router_output_init(struct kext *x);
/** router_output_fini - stop it and send what is queued. */
void router_output_fini(void);

/* unreach.c */
/** router_unreach_init - answer arp.ResolveFailed with host unreachable, a handler of @x (unreach.c); 0 or -KE_*. */
int router_unreach_init(struct kext *x);

#endif
