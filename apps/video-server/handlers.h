/*
 * apps/video-server/handlers.h — installing the video server's handlers on
 * the graph's events for extension instance @x (netgraph/extension.h records
 * them and removes them with the instance): handlers.c says which and why.
 */
#ifndef SPINDLE_APPS_VIDEO_HANDLERS_H
#define SPINDLE_APPS_VIDEO_HANDLERS_H

#include <stddef.h>
#include "apps/video-server/server.h"

struct kext;

/**
 * vs_handlers_install - install server @s's handlers on ipv4.SendPacket
 * (the fan-out), icmp.ErrorArrived and arp.ResolveFailed (client errors)
 * and udp.PacketArrived (RTCP from receivers), each guarded on the server's
 * ports. Returns 0 or kext_install_on's code with @err filled; handlers
 * installed before a failure are removed with the instance.
 */
int vs_handlers_install(struct vs_server *s, struct kext *x, char *err, size_t errlen);

#endif
