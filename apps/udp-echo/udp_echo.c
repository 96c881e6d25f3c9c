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

#include "apps/extension.h"
#include "kernel/capability.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/stats.h"
#include "protocols/udp/udp.h"

/* Counters of one instance. */
enum {
    ECHO_RX,          /* datagrams received on the port */
    ECHO_RX_BYTES,    /* their payload bytes */
    ECHO_TX,          /* replies sent */
    ECHO_TX_ERRORS,   /* udp_reply failed (no buffer, no route) */
    ECHO_BAD_SPORT,   /* source port 0: no reply possible */
    ECHO_LOOP,        /* source port of a well-known answering service: refused */
    ECHO_NCTR
};
static const char *const echo_ctr_names[ECHO_NCTR] = {
    "rx", "rx_bytes", "tx", "tx_errors", "bad_sport", "loop_refused",
};

struct udp_echo {
    struct khandler *handler;
    struct kcapset *caps;       /* granted by the configuration (apps/extension.h) */
    uint16_t port;
    uint64_t ctr[ECHO_NCTR];
    struct kstat_group stats;
};

/* echo_loop_port - true for the source ports of services that answer every datagram. */
static bool echo_loop_port(uint16_t port)
{
    return port == 7 || port == 13 || port == 17 || port == 19 || port == 37;
}

/* echo_rx - the handler on udp_PacketArrived (guard: dport == port). */
static int echo_rx(void *ctx, struct pktbuf *pkt)
{
    struct udp_echo *e = ctx;
    struct udp_info in;
    udp_parse(pkt, &in);
    e->ctr[ECHO_RX]++;
    e->ctr[ECHO_RX_BYTES] += in.payload_len;
    if (in.sport == 0) {
        e->ctr[ECHO_BAD_SPORT]++;
        return -KE_INVAL;
    }
    if (echo_loop_port(in.sport)) {
        e->ctr[ECHO_LOOP]++;
        return -KE_INVAL;
    }
    if (udp_reply(pkt, in.payload, in.payload_len) == 0)
        e->ctr[ECHO_TX]++;
    else
        e->ctr[ECHO_TX_ERRORS]++;
    return KH_TAKEN;
}

static int echo_install(const struct kparams *params, void **state, char *err, size_t errlen)
{
    for (unsigned i = 0; params && i < params->n; i++) {
        if (strcmp(params->key[i], "port") != 0 && !extension_common_param(params->key[i])) {
            ksnprintf(err, errlen, "udp-echo: unknown parameter '%s' (usage: udp-echo [port=N])",
                      params->key[i]);
            return -KE_INVAL;
        }
    }
    uint64_t port;
    int rc = kparams_get_u64(params, "port", UDP_ECHO_PORT, 1, 65535, &port);
    if (rc < 0) {
        ksnprintf(err, errlen, "udp-echo: port: %s (expected 1..65535)",
                  rc == -KE_RANGE ? "out of range" : "not a number");
        return rc;
    }
    struct udp_echo *e = kmalloc(sizeof *e);
    if (e == NULL) {
        ksnprintf(err, errlen, "udp-echo: out of memory");
        return -KE_NOMEM;
    }
    e->port = (uint16_t)port;
    char derived[16];
    ksnprintf(derived, sizeof derived, "udp:%u", e->port);
    rc = extension_grants(params, "udp-echo", derived, &e->caps, err, errlen);
    if (rc < 0) {
        kfree(e);
        return rc;
    }
    e->stats.node = "udp-echo";
    e->stats.names = echo_ctr_names;
    e->stats.values = e->ctr;
    e->stats.n = ECHO_NCTR;
    struct kguard g = udp_guard_dport(e->port);
    const struct khandler_props props = { .name = "udp-echo" };
    rc = udp_install_granted(e->caps, echo_rx, e, &g, &props, &e->handler);
    if (rc < 0) {
        ksnprintf(err, errlen, "udp-echo: cannot install on port %u: %s", e->port,
                  rc == -KE_PERM ? "not granted (grant=)" : kerr_str(rc));
        kcapset_destroy(e->caps);
        kfree(e);
        return rc;
    }
    kstats_register(&e->stats);
    *state = e;
    return 0;
}

static void echo_remove(void *state)
{
    struct udp_echo *e = state;
    if (e == NULL)
        return;
    kevent_uninstall(e->handler);
    kstats_unregister(&e->stats);
    kcapset_destroy(e->caps);
    kfree(e);
}

const struct kextension udp_echo_extension = {
    .name = "udp-echo",
    .usage = "udp-echo [port=N]",
    .install = echo_install,
    .remove = echo_remove,
};
