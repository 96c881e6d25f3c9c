/*
 * apps/video-client/vsink.h — where the video client's decoded frames go: a
 * display or a file. A sink lends the client a picture buffer to decode
 * into (begin), then shows what was decoded (show): so a framebuffer sink
 * can have the decoder write straight into video memory.
 *
 * Sinks: y4m (hosted, YUV4MPEG2 file; apps/video-client/hosted/y4m.h),
 * sdl (hosted, SDL2 window; hosted/sdl_sink.h), fb (a linear framebuffer,
 * any target; vsink_fb.h), null (counted headless sink; vsink_null.h).
 *
 * Freestanding C11.
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_VSINK_H
#define SPINDLE_APPS_VIDEO_CLIENT_VSINK_H

#include <stdint.h>
#include "apps/video-client/vimage.h"

struct vsink;

/** A sink's entry points. */
struct vsink_ops {
    /**
     * begin - lend in *@dst a picture buffer of the sink's format able to
     * hold @width x @height pixels (the frame's size from its RTP/JPEG
     * header); the buffer stays the sink's and is valid until show() or
     * the next begin(). Returns 0, -KE_TOOBIG (cannot show that size),
     * -KE_NOMEM or -KE_IO.
     */
    int (*begin)(struct vsink *s, uint32_t width, uint32_t height, struct vimage *dst);
    /**
     * show - present the @width x @height picture decoded into the buffer
     * begin() lent, with RTP timestamp @timestamp (90 kHz). Returns 0 or
     * -KE_IO (the frame is then counted as not shown).
     */
    int (*show)(struct vsink *s, uint32_t width, uint32_t height, uint32_t timestamp);
    /** destroy - finish (close files, windows) and free the sink. */
    void (*destroy)(struct vsink *s);
};

/** A sink instance. */
struct vsink {
    const char *name;          /* "y4m", "sdl", "fb", "null" */
    enum vimage_format format; /* what its buffers hold */
    const struct vsink_ops *ops;
};

/** vsink_destroy - @s->ops->destroy; NULL is ignored. */
static inline void vsink_destroy(struct vsink *s)
{
    if (s)
        s->ops->destroy(s);
}

#endif
