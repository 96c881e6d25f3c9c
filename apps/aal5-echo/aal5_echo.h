/*
 * apps/aal5-echo/aal5_echo.h — the AAL5 raw path's ping: an extension that
 * answers every PDU on one VC with the same payload (and CPCS-UU), on the
 * same VC, to the Ethernet source of the PDU's frames, out of the
 * interface it came in on (in the spirit of the echo service of RFC 862).
 *
 * Configuration: "extension aal5-echo vc=VPI/VCI" (VPI 0..255, VCI
 * 1..65535, decimal). Installs one handler on aal5_PacketArrived through
 * the "aal5" domain (aal5_install_granted: it sees that VC only), granted
 * exactly its VC (grant=aal5:VPI/VCI, derived from vc= when absent). Counters under node "aal5-echo". Two instances
 * on one VC each answer (the second guard matches too): give each its own VC.
 */
#ifndef SPINDLE_APPS_AAL5_ECHO_H
#define SPINDLE_APPS_AAL5_ECHO_H

#endif
