/*
 * tools/aal5/aal5_sock.h — the AAL5 raw path from a Linux program: a packet
 * socket (AF_PACKET, packet(7)) on one interface, sending and receiving
 * whole AAL5 PDUs in spindle's encapsulation (protocols/aal5/aal5_wire.h:
 * ATM cells in Ethernet II frames of EtherType 0x88B5). Segmentation and
 * reassembly are the tree's own (protocols/aal5/aal5_sar.h), run on the
 * host. Hosted tool code (libc); needs CAP_NET_RAW.
 *
 *   struct aal5_sock *s;
 *   aal5_sock_open(&s, "veth0", peer_mac, err, sizeof err);
 *   aal5_sock_send(s, 0, 32, 0, buf, len);
 *   struct aal5_sock_pdu pdu;
 *   if (aal5_sock_recv(s, &pdu, 1000) == 1) { ...; aal5_sock_pdu_free(&pdu); }
 *   aal5_sock_close(s);
 */
#ifndef SPINDLE_TOOLS_AAL5_SOCK_H
#define SPINDLE_TOOLS_AAL5_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include "protocols/aal5/aal5_sar.h"

struct aal5_sock;

/** A received PDU. */
struct aal5_sock_pdu {
    uint8_t vpi;
    uint16_t vci;
    uint8_t uu;          /* CPCS-UU */
    uint8_t src[6];      /* Ethernet source of its frames */
    const uint8_t *data; /* payload, valid until aal5_sock_pdu_free */
    size_t len;          /* payload bytes, 1..65535 */
    uint64_t rx_ns;      /* CLOCK_MONOTONIC time its last frame was read */
    struct pktbuf *buf;  /* private */
};

/**
 * aal5_sock_open - a packet socket on interface @ifname for EtherType
 * 0x88B5. Frames go to @peer (6 bytes; NULL: broadcast) and are accepted
 * only from @peer when it is given, else from anyone. Returns 0 and *@out,
 * or -1 with a message (interface, call, errno text) in @err.
 */
int aal5_sock_open(struct aal5_sock **out, const char *ifname, const uint8_t *peer, char *err,
                   size_t errlen);

/** aal5_sock_close - close the socket, free queued PDUs and the reassembler. NULL ignored. */
void aal5_sock_close(struct aal5_sock *s);

/** aal5_sock_mac - the interface's own MAC (6 bytes). */
const uint8_t *aal5_sock_mac(const struct aal5_sock *s);

/**
 * aal5_sock_send - segment @len bytes at @payload (1..65535) into cells on
 * VC @vpi/@vci with CPCS-UU @uu and send them in frames of up to 28 cells.
 * Returns 0, or -1 with errno (EINVAL for a length or VCI the format
 * refuses; send(2)'s errno, the PDU then cut short).
 */
int aal5_sock_send(struct aal5_sock *s, uint8_t vpi, uint16_t vci, uint8_t uu, const void *payload,
                   size_t len);

/**
 * aal5_sock_recv - the next complete, valid PDU received, waiting at most
 * @timeout_ms (0: do not wait, -1: forever). Returns 1 with *@pdu (free it
 * with aal5_sock_pdu_free), 0 on timeout, -1 with errno on a socket error.
 * Damaged input is counted (aal5_sock_counters) and dropped.
 */
int aal5_sock_recv(struct aal5_sock *s, struct aal5_sock_pdu *pdu, int timeout_ms);

/** aal5_sock_pdu_free - release a PDU from aal5_sock_recv. */
void aal5_sock_pdu_free(struct aal5_sock_pdu *pdu);

/** aal5_sock_counters - the receive counters, indexed by enum aal5_rx_ctr (AAL5_RX_NCTR). */
const uint64_t *aal5_sock_counters(const struct aal5_sock *s);

/** aal5_sock_now_ns - CLOCK_MONOTONIC in ns (the clock rx_ns and timeouts use). */
uint64_t aal5_sock_now_ns(void);

#endif
