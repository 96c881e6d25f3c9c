/*
 * apps/video-client/bm/vdisplay_bm.c — the VMs' displays (vdisplay.h):
 * QEMU's standard VGA as a Bochs VBE linear framebuffer, or none, both fed
 * XRGB8888 by stb_image. Freestanding; compiled into the VM images only.
 */
#include "apps/video-client/vdisplay.h"

#include "apps/video-client/vsink_fb.h"
#include "drivers/vga/bochs_vbe.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"

/* The mode display=fb sets when it names none: VGA's 640x480. */
#define VDISPLAY_FB_WIDTH 640u
#define VDISPLAY_FB_HEIGHT 480u

/*
 * parse_mode - "fb" or "fb:WxH" into *@w, *@h; 0, or -KE_INVAL with a
 * message. Bochs VBE takes multiples of 8 (bochs_vbe_set_mode).
 */
static int parse_mode(const char *spec, uint32_t *w, uint32_t *h, char *err, size_t errlen)
{
    *w = VDISPLAY_FB_WIDTH;
    *h = VDISPLAY_FB_HEIGHT;
    if (spec[2] == '\0')
        return 0;
    const char *m = spec + 3, *x = m;
    while (*x != '\0' && *x != 'x')
        x++;
    uint64_t vw, vh;
    if (*x != 'x' || kparse_u64(m, (size_t)(x - m), &vw) < 0 ||
        kparse_u64(x + 1, strlen(x + 1), &vh) < 0 || vw < 8 || vh < 8 || vw > 2048 || vh > 2048 ||
        vw % 8 || vh % 8) {
        ksnprintf(err, errlen,
                  "display=%s: mode must be WxH, multiples of 8 from 8 to 2048 (fb:640x480)", spec);
        return -KE_INVAL;
    }
    *w = (uint32_t)vw;
    *h = (uint32_t)vh;
    return 0;
}

/* open_fb - the standard VGA in a @w x @h mode behind a framebuffer sink. */
static int open_fb(const char *spec, uint32_t w, uint32_t h, struct vdisplay *d, char *err,
                   size_t errlen)
{
    struct bochs_vbe *v = kmalloc(sizeof *v);
    if (v == NULL) {
        ksnprintf(err, errlen, "display=%s: out of memory", spec);
        return -KE_NOMEM;
    }
    char why[96] = "";
    int rc = bochs_vbe_open(0, v, why, sizeof why);
    if (rc == -KE_NODEV) {
        /* No display on this VM: frames are still decoded, and counted. */
        kfree(v);
        KWARN("video-client", "display=%s: %s; frames are decoded and counted, not shown", spec,
              why);
        d->sink = vsink_null_create(VIMAGE_XRGB8888);
        d->headless = true;
        ksnprintf(d->desc, sizeof d->desc, "none (headless: no standard VGA)");
        if (d->sink == NULL) {
            ksnprintf(err, errlen, "display=%s: out of memory", spec);
            return -KE_NOMEM;
        }
        return 0;
    }
    if (rc == 0 && (rc = bochs_vbe_set_mode(v, w, h)) < 0) {
        ksnprintf(why, sizeof why, "the VGA refuses a %ux%u 32-bpp mode (%s)", w, h, kerr_str(rc));
        bochs_vbe_close(v);
    }
    if (rc < 0) {
        kfree(v);
        ksnprintf(err, errlen, "display=%s: %s", spec, why);
        return rc;
    }
    d->sink = vsink_fb_create(&(struct vfb){ v->fb, v->width, v->height, v->pitch });
    if (d->sink == NULL) {
        bochs_vbe_close(v);
        kfree(v);
        ksnprintf(err, errlen, "display=%s: out of memory", spec);
        return -KE_NOMEM;
    }
    d->priv = v;
    ksnprintf(d->desc, sizeof d->desc, "fb %ux%u (Bochs VBE 0x%x)", v->width, v->height, v->id);
    return 0;
}

int vdisplay_open(const char *spec, const char *title, struct vdisplay *d, char *err, size_t errlen)
{
    (void)title;
    memset(d, 0, sizeof *d);
    if (spec == NULL)
        spec = "none";
    int rc;
    if (strcmp(spec, "fb") == 0 || strncmp(spec, "fb:", 3) == 0) {
        uint32_t w, h;
        if ((rc = parse_mode(spec, &w, &h, err, errlen)) < 0 ||
            (rc = open_fb(spec, w, h, d, err, errlen)) < 0)
            return rc;
    } else if (strcmp(spec, "none") == 0) {
        d->sink = vsink_null_create(VIMAGE_XRGB8888);
        d->headless = true;
        ksnprintf(d->desc, sizeof d->desc, "none (headless)");
        if (d->sink == NULL) {
            ksnprintf(err, errlen, "display=none: out of memory");
            return -KE_NOMEM;
        }
    } else {
        size_t n = strlen(spec);
        bool hosted = strcmp(spec, "window") == 0 || (n > 4 && strcmp(spec + n - 4, ".y4m") == 0);
        ksnprintf(err, errlen, "display=%s: not a display of the VM (fb, fb:WxH or none)%s", spec,
                  hosted ? "; window and FILE.y4m are the hosted program's" : "");
        return hosted ? -KE_NOTSUP : -KE_INVAL;
    }
    if (d->sink == NULL || (d->dec = vdec_stb_create()) == NULL) {
        ksnprintf(err, errlen, "display=%s: out of memory", spec);
        vdisplay_close(d);
        return -KE_NOMEM;
    }
    return 0;
}

void vdisplay_close(struct vdisplay *d)
{
    vdec_destroy(d->dec);
    vsink_destroy(d->sink);
    struct bochs_vbe *v = d->priv;
    if (v != NULL) {
        bochs_vbe_close(v);
        kfree(v);
    }
    memset(d, 0, sizeof *d);
}
