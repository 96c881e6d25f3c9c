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

#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "netgraph/extension.h"
#include "protocols/udp/udp.h"

/* Counters of one instance. */
enum {
    SP_RX,         /* valid client messages (warm-up excluded) */
    SP_RX_BYTES,   /* their bytes, header included */
    SP_PONGS,      /* replies sent */
    SP_NO_PONG,    /* valid messages that asked for no reply */
    SP_WARMUP,     /* warm-up messages: not answered */
    SP_NOT_CLIENT, /* client bit clear: ignored */
    SP_SHORT,      /* shorter than the 14-byte header: dropped */
    SP_BAD_LENGTH, /* length field != datagram payload length: dropped */
    SP_TX_ERRORS,  /* udp_reply failed */
};
static const char *const sp_counters[] = {
    "rx",        "rx_bytes",   "pongs",           "no_pong_request",
    "warmup",    "not_client", "malformed_short", "malformed_length",
    "tx_errors", NULL,
};

struct sockperf {
    uint64_t *ctr;        /* the instance's counters (netgraph/extension.h) */
    uint8_t *scratch;     /* private copy of a message being answered */
    uint16_t scratch_len; /* bytes allocated at scratch */
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
    uint64_t *ctr = s->ctr;
    struct udp_info in;
    udp_parse(pkt, &in);
    if (in.payload_len < SOCKPERF_HDR_LEN) {
        ctr[SP_SHORT]++;
        return -KE_INVAL;
    }
    uint32_t length = load_be32(in.payload + SOCKPERF_OFF_LENGTH);
    if (length != in.payload_len) {
        ctr[SP_BAD_LENGTH]++;
        return -KE_INVAL;
    }
    uint16_t flags = load_be16(in.payload + SOCKPERF_OFF_FLAGS);
    if (!(flags & SOCKPERF_F_CLIENT)) {
        ctr[SP_NOT_CLIENT]++;
        return KH_TAKEN;
    }
    if (flags & SOCKPERF_F_WARMUP) {
        ctr[SP_WARMUP]++;
        return KH_TAKEN;
    }
    ctr[SP_RX]++;
    ctr[SP_RX_BYTES] += length;
    if (!(flags & SOCKPERF_F_PONG)) {
        ctr[SP_NO_PONG]++;
        return KH_TAKEN;
    }
    uint8_t *msg = sp_scratch(s, in.payload_len);
    if (msg == NULL) {
        ctr[SP_TX_ERRORS]++;
        return KH_TAKEN;
    }
    memcpy(msg, in.payload, in.payload_len);
    store_be16(msg + SOCKPERF_OFF_FLAGS, (uint16_t)(flags & ~SOCKPERF_F_CLIENT));
    if (udp_reply(pkt, msg, in.payload_len) == 0)
        ctr[SP_PONGS]++;
    else
        ctr[SP_TX_ERRORS]++;
    return KH_TAKEN;
}

static int sp_install(struct kext *x, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    struct sockperf *s = x->state;
    s->ctr = x->ctr;
    return udp_ext_install(x, sp_rx, s);
}

static void sp_remove(struct kext *x)
{
    struct sockperf *s = x->state;
    kfree(s->scratch);
}

/* It needs UDP destination ports: with port=, that one (netgraph/extension.h). */
static const struct kext_need sockperf_ext_needs[] = {
    { .domain = "udp", .scope = "ports", .lo = 0, .hi = 65535, .flags = KEXT_NEED_PORT },
    { .domain = NULL },
};

static const struct kextension sockperf_ext = {
    .name = "sockperf",
    .usage = "sockperf [port=N]",
    .summary = "answers sockperf ping-pong clients like `sockperf server`",
    .event = &udp_PacketArrived,
    .guard = "udp dst port PORT",
    .common = KEXT_PORT | KEXT_GRANT | KEXT_GUARD | KEXT_MODE,
    .default_port = SOCKPERF_PORT,
    .grant_domain = "udp",
    .needs = sockperf_ext_needs,
    .state_size = sizeof(struct sockperf),
    .counters = sp_counters,
    .install = sp_install,
    .remove = sp_remove,
};
KEXTENSION_REGISTER(sockperf_ext);
