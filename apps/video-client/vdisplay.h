/*
 * apps/video-client/vdisplay.h — what the extension's `display=` names on
 * the running target: a sink (vsink.h) and a decoder (vdec.h) that writes
 * the sink's pixel format, opened and closed together.
 *
 * One implementation per kind of target, chosen by the build (the way
 * kernel/arch/ is), so the extension itself has no target conditionals:
 *   hosted/vdisplay_hosted.c (the hosted program), libjpeg-turbo:
 *     window      an SDL2 window (hosted/sdl_sink.h); when the program was
 *                 built without SDL2, an error saying so
 *     FILE.y4m    frames appended to a YUV4MPEG2 file (hosted/y4m.h)
 *     none        headless: decoded to I420, counted, shown nowhere
 *   bm/vdisplay_bm.c (the x86_64 and Alpha VMs), stb_image:
 *     fb[:WxH]    QEMU's standard VGA in a WxH 32-bpp Bochs VBE mode
 *                 (default 640x480; drivers/vga/bochs_vbe.h), the decoder
 *                 writing each frame straight into the framebuffer, centred;
 *                 a VM without a standard VGA gets the headless sink
 *                 (vdisplay.headless, a warning in the log)
 *     none        headless: decoded to XRGB8888, counted, shown nowhere
 * Anything else is refused with the kinds the target offers.
 */
#ifndef SPINDLE_APPS_VIDEO_CLIENT_VDISPLAY_H
#define SPINDLE_APPS_VIDEO_CLIENT_VDISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include "apps/video-client/vdec.h"
#include "apps/video-client/vsink.h"

/** An open display. Filled by vdisplay_open; the fields belong to it. */
struct vdisplay {
    struct vsink *sink;
    struct vdec *dec;
    bool headless; /* frames are decoded and counted, shown nowhere */
    char desc[96]; /* one line for "video-client stats": "fb 640x480 (vga 00:02.0)" */
    void *priv;    /* the target's own (the VGA binding) */
};

/**
 * vdisplay_open - open the display @spec names ("window", "out.y4m",
 * "fb", "fb:800x600", "none"; NULL means "none") into *@d, @title naming
 * it where the target can (the window title). Returns 0, or with a
 * one-line message in @err (@errlen bytes) beginning "display=SPEC: ":
 * -KE_NOTSUP (not a kind this target offers, or SDL2 missing), -KE_INVAL
 * (malformed mode), -KE_IO (file or window cannot be opened), -KE_EXIST
 * (the framebuffer is another instance's), -KE_NOMEM. On error *@d holds
 * nothing to close.
 */
int vdisplay_open(const char *spec, const char *title, struct vdisplay *d, char *err,
                  size_t errlen);

/**
 * vdisplay_close - destroy the sink and decoder and release the device
 * (files closed, window gone, the framebuffer's mode switched off). Call
 * after vclient_destroy() of the client using them. A zeroed @d is ignored.
 */
void vdisplay_close(struct vdisplay *d);

#endif
