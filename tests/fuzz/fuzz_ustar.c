/*
 * tests/fuzz/fuzz_ustar.c — libFuzzer target for the media disk's tar reader
 * (apps/video-server/ustar.h): the input is a whole device. The archive is
 * listed (bounded by its capacity), every member walked with ustar_next, and
 * each regular file's name run through the frame-rate parser, as the video
 * server does at start. A listed member must lie inside the device.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true -Dsanitize=true
 * Run:   build-fuzz/tests/fuzz/fuzz-ustar CORPUS_DIR -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apps/video-server/mjpeg.h"
#include "apps/video-server/ustar.h"
#include "kernel/kerr.h"

struct dev {
    const uint8_t *data;
    size_t size;
};

static int dev_read(void *ctx, uint64_t off, void *buf, uint32_t len)
{
    const struct dev *d = ctx;
    if (off > d->size || len > d->size - off)
        return -KE_IO;
    memcpy(buf, d->data + off, len);
    return 0;
}

static struct ustar_reader reader;
static struct ustar_entry files[8];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dev d = { data, size };
    char err[256];
    uint32_t n = 0;
    int rc = ustar_list(&reader, dev_read, &d, size, files, 8, &n, err, sizeof err);
    if (rc < 0 && (n != 0 || !err[0]))
        abort(); /* a refusal lists nothing and says why */
    for (uint32_t i = 0; i < n; i++) {
        struct mjpeg_rate r;
        if (files[i].data_off > size || files[i].size > size - files[i].data_off ||
            strlen(files[i].name) > USTAR_NAME_MAX)
            abort();
        if (mjpeg_rate_from_name(files[i].name, &r) == 0 &&
            (r.num < r.den || r.num > MJPEG_MAX_FPS * r.den))
            abort();
    }
    struct ustar_entry e;
    ustar_open(&reader, dev_read, &d, size);
    for (unsigned k = 0; k < 100000 && ustar_next(&reader, &e, err, sizeof err) == 1; k++)
        if (e.data_off > size || e.size > size - e.data_off)
            abort();
    return 0;
}
