/*
 * apps/video-client/hosted/vdisplay_hosted.c — the hosted program's
 * displays (vdisplay.h): an SDL2 window, a YUV4MPEG2 file or none, all fed
 * I420 by libjpeg-turbo.
 */
#include "apps/video-client/vdisplay.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "apps/video-client/hosted/sdl_sink.h"
#include "apps/video-client/hosted/y4m.h"
#include "apps/video-client/vsink_fb.h"
#include "kernel/kerr.h"

/* ends_with - true when @s ends in @suffix and has something before it. */
static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

int vdisplay_open(const char *spec, const char *title, struct vdisplay *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (spec == NULL)
        spec = "none";
    if (strcmp(spec, "window") == 0) {
        d->sink = sdl_sink_create(title, err, errlen);
        if (d->sink == NULL)
            return sdl_sink_available() ? -KE_IO : -KE_NOTSUP;
        snprintf(d->desc, sizeof d->desc, "window (SDL2)");
    } else if (ends_with(spec, ".y4m")) {
        d->sink = y4m_sink_create(spec, 0, 0);
        if (d->sink == NULL) {
            snprintf(err, errlen, "display=%s: cannot create the file: %s", spec, strerror(errno));
            return -KE_IO;
        }
        snprintf(d->desc, sizeof d->desc, "y4m %s", spec);
    } else if (strcmp(spec, "none") == 0) {
        d->sink = vsink_null_create(VIMAGE_I420);
        if (d->sink == NULL) {
            snprintf(err, errlen, "display=none: out of memory");
            return -KE_NOMEM;
        }
        d->headless = true;
        snprintf(d->desc, sizeof d->desc, "none (headless)");
    } else {
        snprintf(err, errlen,
                 "display=%s: not a display of the hosted program (window, FILE.y4m or none)",
                 spec);
        return strcmp(spec, "fb") == 0 || strncmp(spec, "fb:", 3) == 0 ? -KE_NOTSUP : -KE_INVAL;
    }
    d->dec = vdec_turbo_create();
    if (d->dec == NULL) {
        vsink_destroy(d->sink);
        d->sink = NULL;
        snprintf(err, errlen, "display=%s: libjpeg-turbo cannot start", spec);
        return -KE_NOMEM;
    }
    return 0;
}

void vdisplay_close(struct vdisplay *d)
{
    vdec_destroy(d->dec);
    vsink_destroy(d->sink);
    memset(d, 0, sizeof *d);
}
