/* apps/video-client/hosted/sdl_sink.c — SDL2 window sink (sdl_sink.h). */
#include "apps/video-client/hosted/sdl_sink.h"

#include <SDL.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel/kerr.h"

struct sdl_sink {
    struct vsink base;
    char title[128];
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    uint32_t width, height;
    unsigned char *buf;
    size_t len;
    bool closed;
};

/* The window, renderer and texture for @w x @h, made at the first frame. */
static int open_window(struct sdl_sink *s, uint32_t w, uint32_t h)
{
    s->win = SDL_CreateWindow(s->title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, (int)w,
                              (int)h, 0);
    if (!s->win)
        return -KE_IO;
    s->ren = SDL_CreateRenderer(s->win, -1, 0);
    if (!s->ren)
        return -KE_IO;
    s->tex = SDL_CreateTexture(s->ren, SDL_PIXELFORMAT_IYUV, SDL_TEXTUREACCESS_STREAMING, (int)w,
                               (int)h);
    if (!s->tex)
        return -KE_IO;
    s->len = vimage_bytes(VIMAGE_I420, w, h);
    s->buf = malloc(s->len);
    if (!s->buf)
        return -KE_NOMEM;
    s->width = w;
    s->height = h;
    return 0;
}

static int sdl_begin(struct vsink *vs, uint32_t width, uint32_t height, struct vimage *dst)
{
    struct sdl_sink *s = (struct sdl_sink *)vs;
    if (s->closed)
        return -KE_IO;
    if (!s->win) {
        int rc = open_window(s, width, height);
        if (rc < 0) {
            s->closed = true;
            return rc;
        }
    } else if (width != s->width || height != s->height) {
        return -KE_TOOBIG;
    }
    return vimage_layout(dst, VIMAGE_I420, width, height, s->buf, s->len);
}

static int sdl_show(struct vsink *vs, uint32_t width, uint32_t height, uint32_t timestamp)
{
    struct sdl_sink *s = (struct sdl_sink *)vs;
    (void)timestamp;
    SDL_Event ev;
    while (SDL_PollEvent(&ev))
        if (ev.type == SDL_QUIT)
            s->closed = true;
    if (s->closed)
        return -KE_IO;
    struct vimage img;
    vimage_layout(&img, VIMAGE_I420, width, height, s->buf, s->len);
    if (SDL_UpdateYUVTexture(s->tex, NULL, img.plane[0], (int)img.stride[0], img.plane[1],
                             (int)img.stride[1], img.plane[2], (int)img.stride[2]) != 0 ||
        SDL_RenderClear(s->ren) != 0 || SDL_RenderCopy(s->ren, s->tex, NULL, NULL) != 0)
        return -KE_IO;
    SDL_RenderPresent(s->ren);
    return 0;
}

static void sdl_destroy(struct vsink *vs)
{
    struct sdl_sink *s = (struct sdl_sink *)vs;
    if (s->tex)
        SDL_DestroyTexture(s->tex);
    if (s->ren)
        SDL_DestroyRenderer(s->ren);
    if (s->win)
        SDL_DestroyWindow(s->win);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    free(s->buf);
    free(s);
}

static const struct vsink_ops sdl_ops = { .begin = sdl_begin,
                                          .show = sdl_show,
                                          .destroy = sdl_destroy };

struct vsink *sdl_sink_create(const char *title, char *err, size_t errlen)
{
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        snprintf(err, errlen, "display=window: SDL video: %s", SDL_GetError());
        return NULL;
    }
    struct sdl_sink *s = calloc(1, sizeof *s);
    if (!s) {
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        snprintf(err, errlen, "display=window: out of memory");
        return NULL;
    }
    snprintf(s->title, sizeof s->title, "%s", title);
    s->base = (struct vsink){ .name = "sdl", .format = VIMAGE_I420, .ops = &sdl_ops };
    return &s->base;
}

bool sdl_sink_available(void)
{
    return true;
}
