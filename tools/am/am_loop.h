/*
 * tools/am/am_loop.h — the host side of spindle's active messages: one
 * endpoint of the kernel's own engine (apps/am/am.h) on a Linux UDP socket
 * or on the AAL5 raw path through a packet socket (tools/aal5/aal5_sock.h),
 * and the loop that feeds it: received messages in, the kernel's timers
 * (retransmission) and strands (asynchronous handlers) run, on
 * CLOCK_MONOTONIC. Hosted tool code (libc).
 */
#ifndef SPINDLE_TOOLS_AM_LOOP_H
#define SPINDLE_TOOLS_AM_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "apps/am/am.h"

/** What to open (spindle-am's options). */
struct am_loop_opts {
    const char *udp;    /* "HOST:PORT": the peer, or with @serve the address to bind */
    uint16_t lport;     /* UDP client: local port (0: any) */
    const char *ifname; /* AAL5: the interface */
    const char *dst;    /* AAL5: the peer's MAC */
    const char *vc;     /* AAL5: "VPI/VCI" */
    unsigned window, rto_us, retries, chunk; /* 0: the engine's defaults */
    const char *mode; /* built-in handlers: sync | async | bounded[:US] (NULL: sync) */
    bool serve;
};

/** An open endpoint and its socket. */
struct am_loop {
    struct am_ep *ep;
    struct am_addr peer; /* whom commands talk to (unset when serving UDP) */
    uint64_t ctr[AM_NCTR];
    int fd;               /* UDP socket, or -1 */
    uint16_t port;        /* UDP: local port */
    struct aal5_sock *as; /* AAL5, or NULL */
    uint8_t vpi;
    uint16_t vci;
    uint64_t last_rx_ns; /* kclock time of the last message received, 0: none yet */
};

/** Set by a signal handler: every am_loop_run returns soon after. */
extern volatile sig_atomic_t am_loop_stopped;

/**
 * am_loop_open - the kernel core (dispatcher, default pool), the socket and
 * the endpoint (named "udp:PORT" or "aal5:VPI/VCI"; segment 0 of 64 KiB).
 * Returns 0 and *@out, or -1 with a message in @err.
 */
int am_loop_open(struct am_loop **out, const struct am_loop_opts *o, char *err, size_t errlen);

/**
 * am_loop_run - feed the endpoint for at most @max_ns, or until @until(@ctx)
 * (may be NULL) is true, or am_loop_stopped.
 */
void am_loop_run(struct am_loop *L, bool (*until)(void *ctx), void *ctx, uint64_t max_ns);

/** am_loop_print_counters - the endpoint's non-zero counters, one "name value" a line. */
void am_loop_print_counters(const struct am_loop *L, FILE *f);

/** am_loop_close - destroy the endpoint, close the socket. */
void am_loop_close(struct am_loop *L);

#endif
