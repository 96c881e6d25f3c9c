/*
 * apps/rpc-ping/rpc_ping.h — rpc-ping, spindle's ONC RPC client as an
 * extension: COUNT calls of one procedure to another RPC server (a spindle's
 * or any other), one after the other, each with clnt_call's timeout and
 * retransmission (apps/rpc/rpc_client.h: the same xid resent after RETRY
 * ms, the wait doubling up to 1 s, given up after TIMEOUT ms), and the
 * round-trip times of the answered calls summarised in its counters
 * (minimum, p50, p99, maximum, mean; nearest-rank percentiles), so one
 * spindle measures another (SPIN's Table 7, Bershad et al. SOSP 1995).
 *
 * Configuration ("extension NAME ..." or the console's "extension install"):
 *
 *   rpc-ping peer=A.B.C.D[:PORT] | mac=MAC vc=VPI/VCI [if=NAME]
 *            [prog=N] [vers=V] [proc=P] [size=BYTES] [count=N] [warmup=N]
 *            [interval=MS] [timeout=MS] [retry=MS] [start=MS] [port=N]
 *
 *   peer=     over UDP to A.B.C.D port PORT; without :PORT the peer's
 *             portmapper (UDP 111, version 2 GETPORT, RFC 1833 section 3)
 *             is asked first, as clnt_create does
 *   mac= vc=  over the AAL5 raw path (protocols/aal5/aal5.h): each call one
 *             PDU on VC VPI/VCI to Ethernet address MAC, out of interface
 *             NAME (default: the first interface); replies are the PDUs
 *             from MAC on that VC
 *   prog vers proc  the procedure (default 537198593 1 0: rpcecho's NULL)
 *   size=     the arguments are opaque<BYTES> (0..8192) of a fixed pattern,
 *             and the results must be the same opaque (rpcecho's ECHO,
 *             proc=1); without it the arguments are void and any results
 *             of a SUCCESS are accepted
 *   count=    calls measured (1..200000, default 100), after warmup= calls
 *             (0..10000, default 0) that are made the same way but not
 *             summarised
 *   interval= pause between a call's end and the next call (default 0:
 *             the next call leaves from the reply's receive handler)
 *   timeout=  total time of one call (default 2000 ms); retry= its first
 *             retransmission (default 250 ms, libtirpc's clnt_dg wait)
 *   start=    delay before the first call (default 0)
 *   port=     the local UDP port (default: one from 49152 up)
 *
 * A round trip runs from a call's first transmission to its reply's
 * arrival in the handler (kclock_now_ns), as clnt_call would see it: a
 * retransmitted call counts its wait. Calls that time out, or end with
 * anything but SUCCESS, are counted and not summarised. When the last call
 * ends the instance logs one line, "rpc-ping: done ... rtt
 * min/p50/p99/max/mean A/B/C/D/E us" (tools/bench/rpc reads it), sets
 * "done" and stays installed with its counters until removed.
 */
#ifndef SPINDLE_APPS_RPC_PING_H
#define SPINDLE_APPS_RPC_PING_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "apps/rpc/rpc_client.h"
#include "kernel/strand.h"
#include "netgraph/extension.h"

/** Limits of the parameters. */
#define RPC_PING_COUNT_MAX 200000u
#define RPC_PING_WARMUP_MAX 10000u
#define RPC_PING_SIZE_MAX 8192u
#define RPC_PING_TIME_MAX_MS 600000u
/** Bytes of a call message: header with AUTH_NONE, opaque<8192>, slack. */
#define RPC_PING_MSG_MAX (RPC_PING_SIZE_MAX + 128u)
/** The longest wait between two transmissions of one call. */
#define RPC_PING_MAX_WAIT_NS 1000000000ull

/** Counters of an instance, in the order of its counter names. */
enum rpc_ping_ctr {
    RPC_PING_CALLS,       /* calls ended (warm-up included) */
    RPC_PING_SENT,        /* datagrams or PDUs sent (retransmissions included) */
    RPC_PING_RETRANSMITS, /* retransmissions */
    RPC_PING_REPLIES,     /* calls answered SUCCESS (with the right results under size=) */
    RPC_PING_ERRORS,      /* calls answered otherwise (any other clnt_stat, wrong results) */
    RPC_PING_TIMEOUTS,    /* calls given up */
    RPC_PING_STRAY,       /* messages that were not a reply to the call in progress (another
                             xid, another sender, a CALL): ignored */
    RPC_PING_BAD_REPLIES, /* replies to the call in progress that did not decode: ignored */
    RPC_PING_TX_ERRORS,   /* a transmission failed (no buffer, no route, no interface) */
    RPC_PING_PORT,        /* the port the portmapper gave (peer= without :PORT) */
    RPC_PING_SAMPLES,     /* round trips summarised */
    RPC_PING_RTT_MIN_NS,  /* their minimum, ... */
    RPC_PING_RTT_P50_NS,
    RPC_PING_RTT_P99_NS,
    RPC_PING_RTT_MAX_NS,
    RPC_PING_RTT_MEAN_NS,
    RPC_PING_DONE, /* 1 when the last call has ended */
    RPC_PING_NCTR
};

/** Where an instance is in its run. */
enum rpc_ping_state {
    RPC_PING_START,
    RPC_PING_GETPORT,
    RPC_PING_CALL,
    RPC_PING_PAUSE,
    RPC_PING_FINISHED
};

/** An instance's state (x->state). Private to apps/rpc-ping. */
struct rpc_ping {
    struct kext *x;
    struct kstrand strand;
    /* where */
    bool vc;
    uint32_t peer_ip;   /* host order */
    uint16_t peer_port; /* 0 until the portmapper said */
    uint16_t lport;
    uint8_t mac[6];
    uint8_t vpi;
    uint16_t vci;
    uint16_t ifindex;
    /* what */
    uint32_t prog, vers, proc;
    bool has_size;
    uint32_t size;
    uint32_t count, warmup;
    uint64_t interval_ns, timeout_ns, retry_ns, start_ns;
    /* the run */
    uint8_t state; /* enum rpc_ping_state */
    struct rpc_clnt cl;
    uint32_t xid; /* of the call in progress */
    struct rpc_retry rt;
    uint64_t sent_ns; /* its first transmission */
    uint64_t next_ns; /* RPC_PING_PAUSE: when the next call leaves */
    uint8_t *msg;     /* its bytes (RPC_PING_MSG_MAX) */
    size_t msglen;
    uint8_t *pattern;  /* size= arguments */
    uint32_t *samples; /* count round trips, ns */
    uint32_t nsamples;
    uint64_t sum_ns;
};

/**
 * rpc_ping_sort - sort the @n values at @v ascending, in place (heapsort:
 * no allocation, O(n log n) whatever the order).
 */
void rpc_ping_sort(uint32_t *v, uint32_t n);
/**
 * rpc_ping_percentile - the nearest-rank @p-th percentile (1..100) of the
 * @n sorted values at @v: the value at rank ceil(p n / 100); 0 when @n is 0.
 */
uint32_t rpc_ping_percentile(const uint32_t *v, uint32_t n, unsigned p);

/* rpc_ping_run.c, for rpc_ping.c */
/** rpc_ping_step - the instance's strand: starts the run, retransmits, gives up, paces. */
int rpc_ping_step(struct kstrand *s, void *ctx);
/** rpc_ping_udp_rx - the handler on udp.PacketArrived (dst port = the local port). */
int rpc_ping_udp_rx(void *ctx, struct pktbuf *pkt);
/** rpc_ping_vc_rx - the handler on aal5.PacketArrived (the VC). */
int rpc_ping_vc_rx(void *ctx, struct pktbuf *pdu);

#endif
