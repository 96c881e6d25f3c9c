/*
 * apps/sockperf/sockperf.h — a server for the sockperf UDP ping-pong
 * (Mellanox sockperf 3.x, https://github.com/Mellanox/sockperf), as an
 * extension.
 *
 * Configuration: "extension sockperf [port=N]" (default 11111, sockperf's
 * default port). Answers `sockperf ping-pong -i ADDR -p N` (and the
 * periodic pong requests of under-load/throughput runs) like
 * `sockperf server` does. Counters under node "sockperf".
 *
 * Message layout (sockperf 3.7 src/message.h, called src/Message.h before
 * 3.0; class MsgHeader, packed to 2 bytes, converted with hton()/ntoh()
 * since 2.7: network byte order on the wire; confirmed on traffic of the
 * Debian sockperf 3.7 captured on loopback):
 *
 *   offset 0  8 bytes  sequence number
 *   offset 8  2 bytes  flags: bit 0 client (MASK_CLIENT), bit 1 pong request
 *                      (MASK_PONG), bit 2 warm-up message (MASK_WARMUP_MSG)
 *   offset 10 4 bytes  length of the whole message, header included, bytes
 *   offset 14          payload (MsgHeader::EFFECTIVE_SIZE = 14)
 */
#ifndef SPINDLE_APPS_SOCKPERF_H
#define SPINDLE_APPS_SOCKPERF_H

#define SOCKPERF_PORT 11111 /* sockperf's default port */
#define SOCKPERF_HDR_LEN 14 /* MsgHeader::EFFECTIVE_SIZE */
#define SOCKPERF_OFF_SEQ 0
#define SOCKPERF_OFF_FLAGS 8
#define SOCKPERF_OFF_LENGTH 10
#define SOCKPERF_F_CLIENT 0x0001u /* MASK_CLIENT: sent by a client */
#define SOCKPERF_F_PONG 0x0002u   /* MASK_PONG: the client wants this message back */
#define SOCKPERF_F_WARMUP 0x0004u /* MASK_WARMUP_MSG: warm-up, never answered */

#endif
