/*
 * apps/udp-echo/udp_echo.h — the UDP echo service (RFC 862) as an extension.
 *
 * Configuration: "extension udp-echo [port=N]" (N in 1..65535, default 7).
 * Installs one handler on udp_PacketArrived with guard udp_guard_dport(N);
 * every datagram to that port is answered with the same payload, ports and
 * addresses swapped (udp_reply). Counters under node "udp-echo".
 */
#ifndef SPINDLE_APPS_UDP_ECHO_H
#define SPINDLE_APPS_UDP_ECHO_H

#include "apps/extension.h"

/** The RFC 862 well-known port. */
#define UDP_ECHO_PORT 7

/** udp_echo_extension - the "udp-echo" extension class (apps/extensions.c lists it). */
extern const struct kextension udp_echo_extension;

#endif
