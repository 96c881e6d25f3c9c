/*
 * apps/video-client/vclient_ext.h — the video client as an extension of the
 * protocol graph (SPIN's video client: it awaits RTP/JPEG datagrams through
 * a guard on its UDP port, reassembles, decodes and displays each frame in
 * the handler, with no copy across a protection boundary):
 *
 *     extension video-client port=N [display=SPEC] [latency=MS]
 *
 * port=     the UDP port the stream arrives on (default 5004, RFC 3551's
 *           usual RTP port); the handler's guard is "udp dst port N".
 * display=  vdisplay.h: window, FILE.y4m or none on the hosted program;
 *           fb, fb:WxH or none on the VMs. Default none (headless).
 * latency=  how long the jitter buffer waits for a missing packet, ms
 *           (1..1000, default 20).
 *
 * Each datagram goes to vclient_rx() from the udp.PacketArrived handler;
 * a timer armed at vclient_next_deadline() gives up lost packets and
 * stale frames when no more datagrams come. The instance's counters are
 * the client's (vclient.h: frames shown, dropped late/incomplete/corrupt,
 * packets lost and reordered, decode time in ns), node "video-client",
 * current after every datagram and timer run. The console command
 * "video-client stats [ID]" (vclient_cmd.c) prints them.
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_VCLIENT_EXT_H
#define SPINDLE_APPS_VIDEO_CLIENT_VCLIENT_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include "netgraph/extension.h"

/** The port= a video-client instance takes when none is given (RFC 3551 section 11). */
#define VCLIENT_DEFAULT_PORT 5004

/** The extension class "video-client". */
extern const struct kextension vclient_extension;

/**
 * vclient_ext_format - instance @x of vclient_extension as text: a line
 * "video-client ID: port P, display DESC, decoder NAME", then the client's
 * counters (vclient_stats_format). Returns the length the full text has
 * (ksnprintf semantics: @buf holds at most @size - 1 bytes of it).
 */
int vclient_ext_format(const struct kext *x, char *buf, size_t size);

#endif
