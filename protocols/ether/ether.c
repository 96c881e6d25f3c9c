/*
 * protocols/ether/ether.c — the Ethernet II node (IEEE 802.3-2018 clause
 * 3.2.6: a Length/Type value >= 0x0600 is an EtherType; clause 3.2.3: the
 * I/G bit, bit 0 of the first destination octet, marks group addresses).
 *
 * Receive: a handler on dev_PacketArrived filters frames by destination,
 * marks broadcast and multicast, sets PKT_L2 (the header) and PKT_L3 (+14)
 * and raises ether_PacketArrived. Send: ether_send() prepends the header,
 * pads to ETHER_MIN_FRAME, raises ether_SendPacket and, unless an
 * interposer took the frame, hands it to the interface's port.
 */
#include "protocols/ether/ether.h"

#include "netgraph/node.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/stats.h"

const uint8_t ether_broadcast[ETHER_ADDR_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/*
 * ether_combine_rx - ether_PacketArrived's combiner: counts the handlers
 * that recognised the frame, whether they took it (KH_TAKEN) or dropped it
 * for a reason (negative). A result of 0 means no protocol knew the
 * EtherType (counted unknown_type); observers returning KH_PASS do not count.
 */
static int ether_combine_rx(int acc, int r)
{
    return acc + (r != KH_PASS);
}

KEVENT_DEFINE(ether_PacketArrived, struct pktbuf *, "ether.PacketArrived", true, ether_combine_rx);
/* ether.SendPacket: the first negative result (an interposer refused the frame)
 * wins; otherwise the count of KH_TAKEN. */
KEVENT_DEFINE(ether_SendPacket, struct pktbuf *, "ether.SendPacket", true,
              kevent_combine_first_error);

/* Counters of the "ether" node. */
enum {
    ETHER_RX,              /* frames accepted and raised on ether_PacketArrived */
    ETHER_RX_BCAST,        /* ... of which to ff:ff:ff:ff:ff:ff */
    ETHER_RX_MCAST,        /* ... of which to another group address */
    ETHER_RUNT,            /* shorter than the 14-byte header */
    ETHER_NOT_FOR_US,      /* unicast to another station's MAC */
    ETHER_BAD_SRC,         /* source address with the I/G bit set */
    ETHER_NOT_ETHERNET_II, /* Length/Type < 0x0600: an 802.3 length (LLC), not a type */
    ETHER_NO_IF,           /* pkt->ifindex names no interface */
    ETHER_UNKNOWN_TYPE,    /* accepted, but no protocol took the EtherType */
    ETHER_TX,              /* frames handed to the port */
    ETHER_TX_TAKEN,        /* frames an ether_SendPacket interposer took over */
    ETHER_TX_VETOED,       /* frames an interposer refused (negative result) */
    ETHER_TX_NOMEM,        /* no headroom/tailroom or no buffer for a private copy */
    ETHER_TX_ERRORS,       /* netif_transmit returned an error */
    ETHER_NCTR
};
static const char *const ether_ctr_names[ETHER_NCTR] = {
    "rx",    "rx_bcast",     "rx_mcast", "runt",     "not_for_us", "bad_src",  "not_ethernet_ii",
    "no_if", "unknown_type", "tx",       "tx_taken", "tx_vetoed",  "tx_nomem", "tx_errors",
};
static uint64_t ether_ctr[ETHER_NCTR];
static struct kstat_group ether_stats = KSTAT_GROUP("ether", ether_ctr_names, ether_ctr);

static struct khandler *ether_rx_handler;

static bool ether_addr_eq(const uint8_t *a, const uint8_t *b)
{
    return memcmp(a, b, ETHER_ADDR_LEN) == 0;
}

/*
 * ether_input - the handler on dev_PacketArrived. Data = the whole frame.
 * Returns KH_TAKEN when the frame was for us (whether or not a protocol
 * took it), -KE_INVAL or -KE_NOENT when it was counted and dropped. The
 * raiser (netif_input) keeps and frees the buffer.
 */
static int ether_input(void *ctx, struct pktbuf *pkt)
{
    (void)ctx;
    if (pkt->len < ETHER_HDR_LEN) {
        ether_ctr[ETHER_RUNT]++;
        return -KE_INVAL;
    }
    struct netif *ifp = netif_get(pkt->ifindex);
    if (ifp == NULL) {
        ether_ctr[ETHER_NO_IF]++;
        return -KE_NOENT;
    }
    const uint8_t *h = pkt_data(pkt);
    const uint8_t *dst = h + ETHER_OFF_DST, *src = h + ETHER_OFF_SRC;
    uint32_t flags = 0;
    if (ether_addr_is_group(dst))
        flags = ether_addr_eq(dst, ether_broadcast) ? PKT_F_L2_BCAST : PKT_F_L2_MCAST;
    else if (!ether_addr_eq(dst, ifp->mac)) {
        ether_ctr[ETHER_NOT_FOR_US]++;
        return -KE_INVAL;
    }
    if (ether_addr_is_group(src)) {
        ether_ctr[ETHER_BAD_SRC]++;
        return -KE_INVAL;
    }
    if (load_be16(h + ETHER_OFF_TYPE) < ETHER_TYPE_MIN) {
        ether_ctr[ETHER_NOT_ETHERNET_II]++;
        return -KE_INVAL;
    }

    pkt->flags = (pkt->flags & ~(uint32_t)(PKT_F_L2_BCAST | PKT_F_L2_MCAST)) | flags;
    pkt_set_view(pkt, PKT_L2, pkt->data_off, pkt->len);
    pkt_set_view(pkt, PKT_L3, (uint16_t)(pkt->data_off + ETHER_HDR_LEN),
                 (uint16_t)(pkt->len - ETHER_HDR_LEN));
    ether_ctr[ETHER_RX]++;
    if (flags & PKT_F_L2_BCAST)
        ether_ctr[ETHER_RX_BCAST]++;
    else if (flags & PKT_F_L2_MCAST)
        ether_ctr[ETHER_RX_MCAST]++;

    if (ether_PacketArrived_raise(pkt) == 0)
        ether_ctr[ETHER_UNKNOWN_TYPE]++;
    return KH_TAKEN;
}

int ether_init(void)
{
    if (ether_rx_handler != NULL)
        return 0;
    static const struct khandler_props props = { .name = "ether" };
    int rc = dev_PacketArrived_install(ether_input, NULL, NULL, &props, &ether_rx_handler);
    if (rc < 0) {
        ether_rx_handler = NULL;
        return rc;
    }
    memset(ether_ctr, 0, sizeof(ether_ctr));
    kstats_register(&ether_stats);
    return 0;
}

void ether_fini(void)
{
    if (ether_rx_handler != NULL) {
        kevent_uninstall(ether_rx_handler);
        ether_rx_handler = NULL;
    }
    kstats_unregister(&ether_stats);
}

struct kguard ether_guard_type(uint16_t type)
{
    struct kguard g = { 0 };
    g.ntests = 1;
    g.test[0] = KGUARD_FIELD(PKT_L2, ETHER_OFF_TYPE, 2, 0xffffu, KG_EQ, type);
    return g;
}

int ether_send(struct netif *ifp, const uint8_t dst[ETHER_ADDR_LEN], uint16_t ethertype,
               struct pktbuf *pkt)
{
    pkt = pkt_unshare(pkt); /* the header is written in place */
    if (pkt == NULL) {
        ether_ctr[ETHER_TX_NOMEM]++;
        return -KE_NOMEM;
    }
    uint8_t *h = pkt_push(pkt, ETHER_HDR_LEN);
    if (h == NULL) {
        ether_ctr[ETHER_TX_NOMEM]++;
        pkt_free(pkt);
        return -KE_NOMEM;
    }
    memcpy(h + ETHER_OFF_DST, dst, ETHER_ADDR_LEN);
    memcpy(h + ETHER_OFF_SRC, ifp->mac, ETHER_ADDR_LEN);
    store_be16(h + ETHER_OFF_TYPE, ethertype);
    if (pkt->frag != NULL && pkt_total_len(pkt) < ETHER_MIN_FRAME &&
        (pkt = pkt_linearize(pkt, NULL)) == NULL) { /* the padding goes after the last byte */
        ether_ctr[ETHER_TX_NOMEM]++;
        return -KE_NOMEM;
    }
    if (pkt->frag == NULL && pkt->len < ETHER_MIN_FRAME) {
        uint16_t pad = (uint16_t)(ETHER_MIN_FRAME - pkt->len);
        uint8_t *tail = pkt_append(pkt, pad);
        if (tail == NULL) {
            ether_ctr[ETHER_TX_NOMEM]++;
            pkt_free(pkt);
            return -KE_NOMEM;
        }
        memset(tail, 0, pad);
    }
    pkt_set_layer(pkt, PKT_L2);
    pkt->ifindex = ifp->index;

    int r = ether_SendPacket_raise(pkt);
    if (r > 0) {
        ether_ctr[ETHER_TX_TAKEN]++;
        pkt_free(pkt);
        return 0;
    }
    if (r < 0) {
        ether_ctr[ETHER_TX_VETOED]++;
        pkt_free(pkt);
        return r;
    }
    int rc = netif_transmit(ifp, pkt);
    if (rc < 0)
        ether_ctr[ETHER_TX_ERRORS]++;
    else
        ether_ctr[ETHER_TX]++;
    return rc;
}

static const struct knode ether_node = {
    .name = "ether",
    .summary = "Ethernet II (IEEE 802.3 clause 3.2.6)",
    .layer = KNODE_LAYER_LINK,
    .attaches = "dev.PacketArrived",
    .guard = "every frame",
    .raises = "ether.PacketArrived ether.SendPacket",
    .init = ether_init,
    .fini = ether_fini,
    .stats = &ether_stats,
};
KNODE_REGISTER(ether_node);
