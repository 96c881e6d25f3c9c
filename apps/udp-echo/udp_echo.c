/*
 * apps/udp-echo/udp_echo.c — the UDP echo service (RFC 862: "When a datagram
 * is received, the data from it is sent back in an answering datagram").
 *
 * One instance per configuration line, each on its own port. A datagram from
 * source port 0 cannot be answered; one from the port of a well-known
 * datagram service that answers every datagram (echo 7, daytime 13, quote 17,
 * chargen 19, time 37) is refused so two such services cannot loop on each
 * other (the check BSD inetd makes for its internal services). Both are
 * counted and dropped. Large payloads are answered whole: udp_reply picks a
 * buffer big enough and IPv4 fragments the reply.
 */
#include "apps/udp-echo/udp_echo.h"

#include "kernel/kerr.h"
#include "netgraph/extension.h"
#include "protocols/udp/udp.h"

/* Counters of one instance. */
enum { ECHO_RX, ECHO_RX_BYTES, ECHO_TX, ECHO_TX_ERRORS, ECHO_BAD_SPORT, ECHO_LOOP };
static const char *const echo_counters[] = {
    "rx",           /* datagrams received on the port */
    "rx_bytes",     /* their payload bytes */
    "tx",           /* replies sent */
    "tx_errors",    /* udp_reply failed (no buffer, no route) */
    "bad_sport",    /* source port 0: no reply possible */
    "loop_refused", /* source port of a well-known answering service: refused */
    NULL,
};

/* echo_loop_port - true for the source ports of services that answer every datagram. */
static bool echo_loop_port(uint16_t port)
{
    return port == 7 || port == 13 || port == 17 || port == 19 || port == 37;
}

/* echo_rx - the handler on udp_PacketArrived (guard: dst port == port=). */
static int echo_rx(void *ctx, struct pktbuf *pkt)
{
    uint64_t *ctr = ctx;
    struct udp_info in;
    udp_parse(pkt, &in);
    ctr[ECHO_RX]++;
    ctr[ECHO_RX_BYTES] += in.payload_len;
    if (in.sport == 0) {
        ctr[ECHO_BAD_SPORT]++;
        return -KE_INVAL;
    }
    if (echo_loop_port(in.sport)) {
        ctr[ECHO_LOOP]++;
        return -KE_INVAL;
    }
    if (udp_reply(pkt, in.payload, in.payload_len) == 0)
        ctr[ECHO_TX]++;
    else
        ctr[ECHO_TX_ERRORS]++;
    return KH_TAKEN;
}

static int echo_install(struct kext *x, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return udp_ext_install(x, echo_rx, x->ctr);
}

/* It needs UDP destination ports: with port=, that one (netgraph/extension.h). */
static const struct kext_need udp_echo_ext_needs[] = {
    { .domain = "udp", .scope = "ports", .lo = 0, .hi = 65535, .flags = KEXT_NEED_PORT },
    { .domain = NULL },
};

static const struct kextension udp_echo_ext = {
    .name = "udp-echo",
    .usage = "udp-echo [port=N]",
    .summary = "answers every datagram to its port with the same payload (RFC 862)",
    .event = &udp_PacketArrived,
    .guard = "udp dst port PORT",
    .common = KEXT_PORT | KEXT_GRANT | KEXT_GUARD | KEXT_MODE,
    .default_port = UDP_ECHO_PORT,
    .grant_domain = "udp",
    .needs = udp_echo_ext_needs,
    .counters = echo_counters,
    .install = echo_install,
};
KEXTENSION_REGISTER(udp_echo_ext);
