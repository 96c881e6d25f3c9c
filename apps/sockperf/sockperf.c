/*
 * apps/sockperf/sockperf.c — the sockperf UDP ping-pong server (see
 * sockperf.h for the message layout, from sockperf 3.7 src/message.h).
 *
 * Per datagram, as sockperf 3.7's Server::server_receive_then_send
 * (src/server.h) does for UDP:
 *  - shorter than the 14-byte header, or a length field that is not the
 *    datagram's payload length (a sockperf client sends exactly one message
 *    per datagram): malformed, counted, dropped;
 *  - the client bit clear (a server's message): ignored;
 *  - a warm-up message: counted, not answered;
 *  - otherwise counted as received and, if the pong-request bit is set,
 *    sent back whole (length bytes) to the sender with the client bit
 *    cleared (MsgHeader::setServer) and every other byte unchanged.
 * The request buffer may be shared: the reply is built from a private copy.
 */
#include "apps/sockperf/sockperf.h"

#include "apps/extension.h"
#include "kernel/capability.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/stats.h"
#include "protocols/udp/udp.h"

/* Counters of one instance. */
enum {
    SP_RX,            /* valid client messages (warm-up excluded) */
    SP_RX_BYTES,      /* their bytes, header included */
    SP_PONGS,         /* replies sent */
    SP_NO_PONG,       /* valid messages that asked for no reply */
    SP_WARMUP,        /* warm-up messages: not answered */
    SP_NOT_CLIENT,    /* client bit clear: ignored */
    SP_SHORT,         /* shorter than the 14-byte header: dropped */
    SP_BAD_LENGTH,    /* length field != datagram payload length: dropped */
    SP_TX_ERRORS,     /* udp_reply failed */
    SP_NCTR
};
static const char *const sp_ctr_names[SP_NCTR] = {
    "rx", "rx_bytes", "pongs", "no_pong_request", "warmup", "not_client",
    "malformed_short", "malformed_length", "tx_errors",
};

struct sockperf {
    struct khandler *handler;
    struct kcapset *caps;   /* granted by the configuration (apps/extension.h) */
    uint16_t port;
    uint8_t *scratch;       /* private copy of a message being answered */
    uint16_t scratch_len;   /* bytes allocated at scratch */
    uint64_t ctr[SP_NCTR];
    struct kstat_group stats;
};

/* sp_scratch - a private buffer of at least @len bytes, or NULL. */
static uint8_t *sp_scratch(struct sockperf *s, uint16_t len)
{
    if (len <= s->scratch_len)
        return s->scratch;
    uint8_t *b = kmalloc(len);
    if (b == NULL)
        return NULL;
    kfree(s->scratch);
    s->scratch = b;
    s->scratch_len = len;
    return b;
}

/* sp_rx - the handler on udp_PacketArrived (guard: dport == port). */
static int sp_rx(void *ctx, struct pktbuf *pkt)
{
    struct sockperf *s = ctx;
    struct udp_info in;
    udp_parse(pkt, &in);
    if (in.payload_len < SOCKPERF_HDR_LEN) {
        s->ctr[SP_SHORT]++;
        return -KE_INVAL;
    }
    uint32_t length = load_be32(in.payload + SOCKPERF_OFF_LENGTH);
    if (length != in.payload_len) {
        s->ctr[SP_BAD_LENGTH]++;
        return -KE_INVAL;
    }
    uint16_t flags = load_be16(in.payload + SOCKPERF_OFF_FLAGS);
    if (!(flags & SOCKPERF_F_CLIENT)) {
        s->ctr[SP_NOT_CLIENT]++;
        return KH_TAKEN;
    }
    if (flags & SOCKPERF_F_WARMUP) {
        s->ctr[SP_WARMUP]++;
        return KH_TAKEN;
    }
    s->ctr[SP_RX]++;
    s->ctr[SP_RX_BYTES] += length;
    if (!(flags & SOCKPERF_F_PONG)) {
        s->ctr[SP_NO_PONG]++;
        return KH_TAKEN;
    }
    uint8_t *msg = sp_scratch(s, in.payload_len);
    if (msg == NULL) {
        s->ctr[SP_TX_ERRORS]++;
        return KH_TAKEN;
    }
    memcpy(msg, in.payload, in.payload_len);
    store_be16(msg + SOCKPERF_OFF_FLAGS, (uint16_t)(flags & ~SOCKPERF_F_CLIENT));
    if (udp_reply(pkt, msg, in.payload_len) == 0)
        s->ctr[SP_PONGS]++;
    else
        s->ctr[SP_TX_ERRORS]++;
    return KH_TAKEN;
}

static int sp_install(const struct kparams *params, void **state, char *err, size_t errlen)
{
    for (unsigned i = 0; params && i < params->n; i++) {
        if (strcmp(params->key[i], "port") != 0 && !extension_common_param(params->key[i])) {
            ksnprintf(err, errlen, "sockperf: unknown parameter '%s' (usage: sockperf [port=N])",
                      params->key[i]);
            return -KE_INVAL;
        }
    }
    uint64_t port;
    int rc = kparams_get_u64(params, "port", SOCKPERF_PORT, 1, 65535, &port);
    if (rc < 0) {
        ksnprintf(err, errlen, "sockperf: port: %s (expected 1..65535)",
                  rc == -KE_RANGE ? "out of range" : "not a number");
        return rc;
    }
    struct sockperf *s = kmalloc(sizeof *s);
    if (s == NULL) {
        ksnprintf(err, errlen, "sockperf: out of memory");
        return -KE_NOMEM;
    }
    s->port = (uint16_t)port;
    char derived[16];
    ksnprintf(derived, sizeof derived, "udp:%u", s->port);
    rc = extension_grants(params, "sockperf", derived, &s->caps, err, errlen);
    if (rc < 0) {
        kfree(s);
        return rc;
    }
    s->stats.node = "sockperf";
    s->stats.names = sp_ctr_names;
    s->stats.values = s->ctr;
    s->stats.n = SP_NCTR;
    struct kguard g = udp_guard_dport(s->port);
    const struct khandler_props props = { .name = "sockperf" };
    rc = udp_install_granted(s->caps, sp_rx, s, &g, &props, &s->handler);
    if (rc < 0) {
        ksnprintf(err, errlen, "sockperf: cannot install on port %u: %s", s->port,
                  rc == -KE_PERM ? "not granted (grant=)" : kerr_str(rc));
        kcapset_destroy(s->caps);
        kfree(s);
        return rc;
    }
    kstats_register(&s->stats);
    *state = s;
    return 0;
}

static void sp_remove(void *state)
{
    struct sockperf *s = state;
    if (s == NULL)
        return;
    kevent_uninstall(s->handler);
    kstats_unregister(&s->stats);
    kcapset_destroy(s->caps);
    kfree(s->scratch);
    kfree(s);
}

const struct kextension sockperf_extension = {
    .name = "sockperf",
    .usage = "sockperf [port=N]",
    .install = sp_install,
    .remove = sp_remove,
};
