/*
 * apps/aal5-echo/aal5_echo.c — the aal5-echo extension (aal5_echo.h).
 * The reply reuses the received buffer: aal5_send only reads its payload,
 * so the handler passes it on with its own reference (pkt_ref), no copy.
 */
#include "apps/aal5-echo/aal5_echo.h"

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/stats.h"
#include "protocols/aal5/aal5.h"

/* Counters of one instance. */
enum {
    AECHO_RX,        /* PDUs received on the VC */
    AECHO_RX_BYTES,  /* their payload bytes */
    AECHO_TX,        /* replies sent */
    AECHO_TX_ERRORS, /* aal5_send failed (no buffers, interface refused) */
    AECHO_NO_IF,     /* the input interface is gone */
    AECHO_BAD_SRC,   /* a group (multicast) source address: no reply possible */
    AECHO_NCTR
};
static const char *const aecho_ctr_names[AECHO_NCTR] = {
    "rx", "rx_bytes", "tx", "tx_errors", "no_if", "bad_src",
};

struct aal5_echo {
    struct khandler *handler;
    uint8_t vpi;
    uint16_t vci;
    uint64_t ctr[AECHO_NCTR];
    struct kstat_group stats;
};

/* aecho_rx - the handler on aal5_PacketArrived (guard: the configured VC). */
static int aecho_rx(void *ctx, struct pktbuf *pdu)
{
    struct aal5_echo *e = ctx;
    struct aal5_rx_info in;
    aal5_rx_info(pdu, &in);
    e->ctr[AECHO_RX]++;
    e->ctr[AECHO_RX_BYTES] += in.len;
    if (in.src_mac[0] & 0x01u) {
        e->ctr[AECHO_BAD_SRC]++;
        return -KE_INVAL;
    }
    struct netif *ifp = netif_get(in.ifindex);
    if (ifp == NULL) {
        e->ctr[AECHO_NO_IF]++;
        return -KE_NOENT;
    }
    if (aal5_send_uu(ifp, in.src_mac, in.vpi, in.vci, in.uu, pkt_ref(pdu)) == 0)
        e->ctr[AECHO_TX]++;
    else
        e->ctr[AECHO_TX_ERRORS]++;
    return KH_TAKEN;
}

/* aecho_parse_vc - "VPI/VCI" in decimal: VPI 0..255, VCI 1..65535. */
static int aecho_parse_vc(const char *s, uint8_t *vpi, uint16_t *vci)
{
    const char *slash = s;
    while (*slash != '\0' && *slash != '/')
        slash++;
    if (*slash != '/')
        return -KE_INVAL;
    uint64_t p, c;
    int rc = kparse_u64(s, (size_t)(slash - s), &p);
    if (rc == 0)
        rc = kparse_u64(slash + 1, strlen(slash + 1), &c);
    if (rc < 0)
        return rc;
    if (p > 255 || c < 1 || c > 65535)
        return -KE_RANGE;
    *vpi = (uint8_t)p;
    *vci = (uint16_t)c;
    return 0;
}

static int aecho_install(const struct kparams *params, void **state, char *err, size_t errlen)
{
    static const char usage[] = "usage: aal5-echo vc=VPI/VCI";
    for (unsigned i = 0; params != NULL && i < params->n; i++) {
        if (strcmp(params->key[i], "vc") != 0) {
            ksnprintf(err, errlen, "aal5-echo: unknown parameter '%s' (%s)", params->key[i], usage);
            return -KE_INVAL;
        }
    }
    const char *vc = kparams_get(params, "vc");
    if (vc == NULL) {
        ksnprintf(err, errlen, "aal5-echo: vc= is required (%s)", usage);
        return -KE_INVAL;
    }
    uint8_t vpi;
    uint16_t vci;
    int rc = aecho_parse_vc(vc, &vpi, &vci);
    if (rc < 0) {
        ksnprintf(err, errlen, "aal5-echo: vc=%s: %s (expected VPI/VCI, VPI 0..255, VCI 1..65535)",
                  vc, rc == -KE_RANGE ? "out of range" : "not VPI/VCI");
        return rc;
    }
    struct aal5_echo *e = kmalloc(sizeof *e);
    if (e == NULL) {
        ksnprintf(err, errlen, "aal5-echo: out of memory");
        return -KE_NOMEM;
    }
    e->vpi = vpi;
    e->vci = vci;
    e->stats.node = "aal5-echo";
    e->stats.names = aecho_ctr_names;
    e->stats.values = e->ctr;
    e->stats.n = AECHO_NCTR;
    struct kguard g = aal5_guard_vc(vpi, vci);
    const struct khandler_props props = { .name = "aal5-echo" };
    rc = aal5_PacketArrived_install(aecho_rx, e, &g, &props, &e->handler);
    if (rc < 0) {
        ksnprintf(err, errlen, "aal5-echo: cannot install on vc %u/%u: %s", vpi, vci, kerr_str(rc));
        kfree(e);
        return rc;
    }
    kstats_register(&e->stats);
    *state = e;
    return 0;
}

static void aecho_remove(void *state)
{
    struct aal5_echo *e = state;
    if (e == NULL)
        return;
    kevent_uninstall(e->handler);
    kstats_unregister(&e->stats);
    kfree(e);
}

const struct kextension aal5_echo_extension = {
    .name = "aal5-echo",
    .usage = "aal5-echo vc=VPI/VCI",
    .install = aecho_install,
    .remove = aecho_remove,
};
