/*
 * apps/aal5-echo/aal5_echo.c — the aal5-echo extension (aal5_echo.h).
 * The reply reuses the received buffer: aal5_send only reads its payload,
 * so the handler passes it on with its own reference (pkt_ref), no copy.
 */
#include "apps/aal5-echo/aal5_echo.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "netgraph/extension.h"
#include "protocols/aal5/aal5.h"

/* Counters of one instance. */
enum { AECHO_RX, AECHO_RX_BYTES, AECHO_TX, AECHO_TX_ERRORS, AECHO_NO_IF, AECHO_BAD_SRC };
static const char *const aecho_counters[] = {
    "rx",        /* PDUs received on the VC */
    "rx_bytes",  /* their payload bytes */
    "tx",        /* replies sent */
    "tx_errors", /* aal5_send failed (no buffers, interface refused) */
    "no_if",     /* the input interface is gone */
    "bad_src",   /* a group (multicast) source address: no reply possible */
    NULL,
};

/* aecho_rx - the handler on aal5_PacketArrived (guard: the configured VC). */
static int aecho_rx(void *ctx, struct pktbuf *pdu)
{
    uint64_t *ctr = ctx;
    struct aal5_rx_info in;
    aal5_rx_info(pdu, &in);
    ctr[AECHO_RX]++;
    ctr[AECHO_RX_BYTES] += in.len;
    if (in.src_mac[0] & 0x01u) {
        ctr[AECHO_BAD_SRC]++;
        return -KE_INVAL;
    }
    struct netif *ifp = netif_get(in.ifindex);
    if (ifp == NULL) {
        ctr[AECHO_NO_IF]++;
        return -KE_NOENT;
    }
    if (aal5_send_uu(ifp, in.src_mac, in.vpi, in.vci, in.uu, pkt_ref(pdu)) == 0)
        ctr[AECHO_TX]++;
    else
        ctr[AECHO_TX_ERRORS]++;
    return KH_TAKEN;
}

static int aecho_install(struct kext *x, char *err, size_t errlen)
{
    uint8_t vpi;
    uint16_t vci;
    int rc = aal5_ext_vc(x, &vpi, &vci, err, errlen);
    if (rc < 0)
        return rc;
    struct khandler *h = NULL;
    rc = aal5_install_granted(x->caps, aecho_rx, x->ctr, vpi, vci, &x->props, &h);
    if (rc == 0)
        rc = kext_handler(x, h);
    if (rc < 0 && err[0] == '\0')
        ksnprintf(err, errlen, "cannot install on vc %u/%u: %s", vpi, vci, kerr_str(rc));
    return rc;
}

/* It needs the VC it names, and no more (a capability of the "aal5" domain). */
static const struct kext_need aecho_needs[] = {
    AAL5_KEXT_NEED,
    { .domain = NULL },
};

static const char *const aecho_params[] = { "vc", NULL };

static const struct kextension aal5_echo_ext = {
    .name = "aal5-echo",
    .usage = "aal5-echo vc=VPI/VCI [grant=aal5:VPI/VCI] [mode=sync|async|bounded[:US]]",
    .summary = "answers every PDU on its VC with the same payload (the raw path's ping)",
    .event = &aal5_PacketArrived,
    .guard = "vc == VPI/VCI",
    .common = KEXT_MODE | KEXT_GRANT,
    .needs = aecho_needs,
    .params = aecho_params,
    .counters = aecho_counters,
    .install = aecho_install,
};
KEXTENSION_REGISTER(aal5_echo_ext);
