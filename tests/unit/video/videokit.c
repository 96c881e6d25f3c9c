/* tests/unit/video/videokit.c — see videokit.h. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "videokit.h"
#include "testkit.h"
#include "kernel/kerr.h"

uint8_t *vk_read_file(const char *rel, size_t *len)
{
    char path[4 * PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", testkit_traces(), rel);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

struct vk_dev vk_dev(const uint8_t *data, uint64_t size)
{
    return (struct vk_dev){ .data = data, .size = size, .fail_at = UINT64_MAX };
}

int vk_read(void *ctx, uint64_t off, void *buf, uint32_t len)
{
    struct vk_dev *d = ctx;
    if (len > d->max_read)
        d->max_read = len;
    if (off > d->size || len > d->size - off)
        return -KE_IO;
    if (d->fail_at >= off && d->fail_at < off + len)
        return -KE_IO;
    memcpy(buf, d->data + off, len);
    d->reads++;
    return 0;
}
