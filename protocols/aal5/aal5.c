/*
 * protocols/aal5/aal5.c — the AAL5 node's receive side (aal5.h): frames of
 * EtherType 0x88B5 into the reassembler, complete PDUs onto
 * aal5_PacketArrived, a timer for reassembly timeouts, the guards and the
 * counters. Transmit is aal5_send.c.
 */
#include "protocols/aal5/aal5.h"
#include "protocols/aal5/aal5_impl.h"

#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/stats.h"
#include "netgraph/node.h"
#include "kernel/timer.h"
#include "protocols/ether/ether.h"

KEVENT_DEFINE(aal5_PacketArrived, struct pktbuf *, "aal5.PacketArrived", true, NULL);

static const char *aal5_ctr_names[AAL5_NCTR];
static const char *const aal5_node_ctr_names[AAL5_NCTR - AAL5_RX_NCTR] = {
    "unhandled",  "tx_pdus",  "tx_bytes",  "tx_frames", "tx_cells",
    "tx_invalid", "tx_nomem", "tx_errors", "tx_aborts", "start_nomem",
};
uint64_t aal5_ctr[AAL5_NCTR];
static struct kstat_group aal5_stats = KSTAT_GROUP("aal5", aal5_ctr_names, aal5_ctr);

static struct khandler *aal5_rx_handler;
static struct aal5_reasm *aal5_reasm;
static struct pktpool *aal5_big_pool; /* kept across init/fini while buffers are out */
static struct ktimer aal5_timer;

/* The frame a reassembly is running for, for the delivery callback. */
struct aal5_rx_frame {
    const struct pktbuf *frame;
};

/* aal5_link - the reassembly key's link part: interface and Ethernet source. */
static uint64_t aal5_link(uint16_t ifindex, const uint8_t *mac)
{
    uint64_t l = (uint64_t)ifindex << 48;
    for (unsigned i = 0; i < ETHER_ADDR_LEN; i++)
        l |= (uint64_t)mac[i] << (40 - 8 * i);
    return l;
}

/* aal5_deliver - a complete PDU: header at L3, meta, raise, free. */
static void aal5_deliver(void *ctx, struct pktbuf *pdu, const struct aal5_pdu_info *info)
{
    const struct aal5_rx_frame *rx = ctx;
    uint8_t cell[ATM_HDR_LEN];
    atm_hdr_encode(&info->last, cell);
    pdu->data_off -= AAL5_RX_HDR_LEN; /* the reassembler kept this much headroom */
    memcpy(pkt_data(pdu), cell, AAL5_RX_HDR_LEN);
    pkt_set_layer(pdu, PKT_L3);
    pdu->data_off += AAL5_RX_HDR_LEN;
    pkt_set_layer(pdu, PKT_L5);
    pdu->ifindex = rx->frame->ifindex;
    pdu->rx_ns = rx->frame->rx_ns;
    pdu->flags = rx->frame->flags & (PKT_F_L2_BCAST | PKT_F_L2_MCAST);
    uint64_t mac = info->link & 0xffffffffffffull;
    pdu->meta[0] = (uint32_t)info->last.vpi << 16 | info->last.vci;
    pdu->meta[1] = (uint32_t)(mac >> 16);
    pdu->meta[2] = (uint32_t)(mac & 0xffffu) << 16 | (uint32_t)info->uu << 8 |
                   (uint32_t)(info->last.pti << 1 | info->last.clp);
    pdu->meta[3] = info->cells;
    if (aal5_PacketArrived_raise(pdu) == 0)
        aal5_ctr[AAL5_UNHANDLED]++;
    pkt_free(pdu);
}

/* aal5_arm - keep the timer at the earliest reassembly deadline. */
static void aal5_arm(void)
{
    uint64_t d = aal5_reasm != NULL ? aal5_reasm_next_deadline(aal5_reasm) : UINT64_MAX;
    if (d == UINT64_MAX)
        ktimer_cancel(&aal5_timer);
    else if (!aal5_timer.armed || aal5_timer.deadline_ns != d)
        ktimer_arm(&aal5_timer, d);
}

static void aal5_expire(struct ktimer *t, void *ctx)
{
    (void)t;
    (void)ctx;
    if (aal5_reasm != NULL)
        aal5_reasm_expire(aal5_reasm, kclock_now_ns());
    aal5_arm();
}

/*
 * aal5_start - the large-buffer pool and the reassembler, made when the
 * first frame arrives: a graph that never sees the raw path spends no
 * memory on it (AAL5_BIG_COUNT blocks of AAL5_BIG_BLOCK bytes). 0 or -KE_NOMEM.
 */
static int aal5_start(void)
{
    if (aal5_big_pool == NULL)
        aal5_big_pool =
            pktpool_create("aal5-big", AAL5_BIG_COUNT, (uint16_t)AAL5_BIG_BLOCK, NULL, NULL);
    if (aal5_big_pool == NULL)
        return -KE_NOMEM;
    const struct aal5_reasm_params rp = {
        .max_vcs = AAL5_REASM_MAX_VCS,
        .max_payload = AAL5_RX_MAX_PAYLOAD,
        .max_bytes = AAL5_REASM_MAX_BYTES,
        .timeout_ns = AAL5_REASM_TIMEOUT_NS,
        .headroom = AAL5_RX_HDR_LEN,
        .small = pktpool_default(),
        .big = aal5_big_pool,
        .ctr = aal5_ctr,
    };
    aal5_reasm = aal5_reasm_create(&rp);
    return aal5_reasm != NULL ? 0 : -KE_NOMEM;
}

/*
 * aal5_input - the handler on ether_PacketArrived (guard EtherType 0x88B5):
 * the frame's cells into the reassembler. Returns KH_TAKEN, or -KE_INVAL
 * for a frame that is not 1..28 whole cells (counted bad_frame_len). Never
 * keeps @pkt.
 */
static int aal5_input(void *ctx, struct pktbuf *pkt)
{
    (void)ctx;
    const uint8_t *eth = pkt_layer_ptr(pkt, PKT_L2);
    const uint8_t *cells = pkt_layer_ptr(pkt, PKT_L3);
    if (eth == NULL || cells == NULL) {
        aal5_ctr[AAL5_RX_FRAMES]++;
        aal5_ctr[AAL5_BAD_FRAME_LEN]++;
        return -KE_INVAL;
    }
    if (aal5_reasm == NULL && aal5_start() < 0) {
        aal5_ctr[AAL5_RX_FRAMES]++;
        aal5_ctr[AAL5_START_NOMEM]++;
        return -KE_NOMEM;
    }
    struct aal5_rx_frame rx = { pkt };
    int rc = aal5_reasm_input(aal5_reasm, aal5_link(pkt->ifindex, eth + ETHER_ADDR_LEN), cells,
                              pkt_layer_len(pkt, PKT_L3), kclock_now_ns(), aal5_deliver, &rx);
    aal5_arm();
    return rc < 0 ? rc : KH_TAKEN;
}

struct kguard aal5_guard_vci(uint16_t vci)
{
    struct kguard g = { .ntests = 1 };
    g.test[0] = KGUARD_FIELD(PKT_L3, 0, 4, AAL5_HDR_VCI_MASK, KG_EQ, (uint32_t)vci << 4);
    return g;
}

struct kguard aal5_guard_vc(uint8_t vpi, uint16_t vci)
{
    struct kguard g = { .ntests = 1 };
    g.test[0] = KGUARD_FIELD(PKT_L3, 0, 4, AAL5_HDR_VPI_MASK | AAL5_HDR_VCI_MASK, KG_EQ,
                             (uint32_t)vpi << 20 | (uint32_t)vci << 4);
    return g;
}

void aal5_rx_info(const struct pktbuf *pdu, struct aal5_rx_info *out)
{
    out->ifindex = pdu->ifindex;
    out->vpi = (uint8_t)(pdu->meta[0] >> 16);
    out->vci = (uint16_t)pdu->meta[0];
    store_be32(out->src_mac, pdu->meta[1]);
    out->src_mac[4] = (uint8_t)(pdu->meta[2] >> 24);
    out->src_mac[5] = (uint8_t)(pdu->meta[2] >> 16);
    out->uu = (uint8_t)(pdu->meta[2] >> 8);
    out->pti = (uint8_t)((pdu->meta[2] >> 1) & 0x07u);
    out->clp = (uint8_t)(pdu->meta[2] & 0x01u);
    out->cells = (uint16_t)pdu->meta[3];
    out->payload = pkt_data(pdu);
    out->len = pdu->len;
}

int aal5_init(void)
{
    if (aal5_rx_handler != NULL)
        return 0;
    for (unsigned i = 0; i < AAL5_NCTR; i++)
        aal5_ctr_names[i] =
            i < AAL5_RX_NCTR ? aal5_rx_ctr_names[i] : aal5_node_ctr_names[i - AAL5_RX_NCTR];
    memset(aal5_ctr, 0, sizeof aal5_ctr);
    ktimer_init(&aal5_timer, aal5_expire, NULL);
    struct kguard g = ether_guard_type(ETHERTYPE_AAL5);
    static const struct khandler_props props = { .name = "aal5" };
    int rc = ether_PacketArrived_install(aal5_input, NULL, &g, &props, &aal5_rx_handler);
    if (rc < 0) {
        aal5_rx_handler = NULL;
        return rc;
    }
    rc = aal5_vc_publish();
    if (rc < 0) {
        kevent_uninstall(aal5_rx_handler);
        aal5_rx_handler = NULL;
        return rc;
    }
    kstats_register(&aal5_stats);
    return 0;
}

void aal5_fini(void)
{
    aal5_vc_unpublish();
    if (aal5_rx_handler != NULL) {
        kevent_uninstall(aal5_rx_handler);
        aal5_rx_handler = NULL;
    }
    ktimer_cancel(&aal5_timer);
    aal5_reasm_destroy(aal5_reasm);
    aal5_reasm = NULL;
    kstats_unregister(&aal5_stats);
    if (aal5_big_pool != NULL) {
        if (pktpool_destroy(aal5_big_pool) == 0)
            aal5_big_pool = NULL;
        else
            KWARN("aal5", "large-buffer pool still has %u buffers out; kept",
                  (unsigned)pktpool_out(aal5_big_pool));
    }
}

static const struct knode aal5_node = {
    .name = "aal5",
    .summary = "AAL5 over Ethernet: ATM cells, CPCS-PDUs (ITU-T I.363.5, I.432)",
    .layer = KNODE_LAYER_ADAPT,
    .attaches = "ether.PacketArrived",
    .guard = "type == 0x88b5",
    .raises = "aal5.PacketArrived",
    .init = aal5_init,
    .fini = aal5_fini,
    .stats = &aal5_stats,
};
KNODE_REGISTER(aal5_node);
