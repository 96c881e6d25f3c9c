/*
 * tests/unit/video/videokit.h — what the video-server library tests share:
 * the trace directory, whole files in memory, and a memory "device" behind
 * the read callback of ustar.h and mjpeg.h (which can be made to fail).
 */
#ifndef SPINDLE_TESTS_VIDEOKIT_H
#define SPINDLE_TESTS_VIDEOKIT_H

#include <stddef.h>
#include <stdint.h>

/** vk_read_file - the whole file tests/traces/@rel in a malloc'd buffer; *@len its bytes. */
uint8_t *vk_read_file(const char *rel, size_t *len);

/** A device in memory. */
struct vk_dev {
    const uint8_t *data;
    uint64_t size;
    uint64_t fail_at;  /* a read touching this offset fails (-KE_IO); UINT64_MAX never */
    unsigned reads;    /* reads served */
    uint32_t max_read; /* the largest read asked for */
};

/** vk_dev - a device over [@data, @data + @size) that never fails. */
struct vk_dev vk_dev(const uint8_t *data, uint64_t size);

/** vk_read - the read callback over a struct vk_dev (@ctx): exact reads, -KE_IO past its end. */
int vk_read(void *ctx, uint64_t off, void *buf, uint32_t len);

#endif
