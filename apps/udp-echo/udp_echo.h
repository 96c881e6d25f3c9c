/*
 * apps/udp-echo/udp_echo.h — the UDP echo service (RFC 862) as an extension.
 *
 * Configuration: "extension udp-echo [port=N] [grant=SPEC] [guard=\"EXPR\"]
 * [mode=sync|async|bounded[:US]]" (N in 1..65535, default 7). Installs one
 * handler on udp.PacketArrived with the guard "dst port N"; every datagram
 * to that port is answered with the same payload, ports and addresses
 * swapped (udp_reply). Counters under node "udp-echo".
 *
 * The model extension: a copy of this folder under another name, with its
 * name changed in the descriptor and one subdir() line in apps/meson.build,
 * is a new extension (docs/ARCHITECTURE.md "Adding an extension").
 */
#ifndef SPINDLE_APPS_UDP_ECHO_H
#define SPINDLE_APPS_UDP_ECHO_H

/** The RFC 862 well-known port. */
#define UDP_ECHO_PORT 7

#endif
