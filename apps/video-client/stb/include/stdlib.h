/*
 * apps/video-client/stb/include/stdlib.h — the stdlib.h stb_image.h includes
 * when it is built freestanding (apps/video-client/vdec_stb.c): size_t and
 * NULL only. The decoder's allocations go to the kernel allocator through
 * STBI_MALLOC, STBI_REALLOC_SIZED and STBI_FREE, so nothing else is needed.
 * Only that one file sees this directory.
 */
#ifndef SPINDLE_STB_STUB_STDLIB_H
#define SPINDLE_STB_STUB_STDLIB_H
#include <stddef.h>
#endif
