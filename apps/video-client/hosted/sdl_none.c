/* apps/video-client/hosted/sdl_none.c — sdl_sink_create() when built without SDL2 (sdl_sink.h). */
#include "apps/video-client/hosted/sdl_sink.h"

#include <stdio.h>

struct vsink *sdl_sink_create(const char *title, char *err, size_t errlen)
{
    (void)title;
    snprintf(err, errlen, "display=window: built without SDL2 (install libsdl2-dev and rebuild)");
    return NULL;
}

bool sdl_sink_available(void)
{
    return false;
}
