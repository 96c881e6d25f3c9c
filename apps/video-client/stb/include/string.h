/*
 * apps/video-client/stb/include/string.h — the string.h stb_image.h includes
 * when it is built freestanding (apps/video-client/vdec_stb.c): with
 * STBI_ONLY_JPEG it calls memcpy and memset alone, which kernel/klib.h
 * declares with their ISO C prototypes (libc on the hosted target,
 * kernel/lib/string.c on the VMs). Only that one file sees this directory.
 */
#ifndef SPINDLE_STB_STUB_STRING_H
#define SPINDLE_STB_STUB_STRING_H
#include "kernel/klib.h"
#endif
