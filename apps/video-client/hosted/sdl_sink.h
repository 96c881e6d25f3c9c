/*
 * apps/video-client/hosted/sdl_sink.h — the windowed display of the hosted
 * video client (`display=window`): an SDL2 window with a streaming IYUV
 * (I420) texture, sized to the first frame; frames are drawn as they are
 * shown. Closing the window makes later frames fail to show (-KE_IO).
 *
 * Built only when libsdl2-dev is found (apps/video-client/meson.build);
 * otherwise sdl_sink_create() reports that. Headless runs set
 * SDL_VIDEODRIVER=dummy. Hosted only.
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_HOSTED_SDL_SINK_H
#define SPINDLE_APPS_VIDEO_CLIENT_HOSTED_SDL_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include "apps/video-client/vsink.h"

/**
 * sdl_sink_create - a window titled @title (copied). Returns NULL with a
 * message in @err (@errlen bytes) when SDL's video cannot start or the
 * program was built without SDL2.
 */
struct vsink *sdl_sink_create(const char *title, char *err, size_t errlen);

/** sdl_sink_available - true when the program was built with SDL2. */
bool sdl_sink_available(void);

#endif
