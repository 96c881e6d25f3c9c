/*
 * apps/extensions.c — the registry of extension classes (apps/extension.h):
 * a static table of every extension compiled into this image. Adding an
 * extension means adding its header and one line to extension_table.
 */
#include "apps/extension.h"

#include "apps/router/router.h"
#include "apps/sockperf/sockperf.h"
#include "apps/udp-count/udp_count.h"
#include "apps/udp-echo/udp_echo.h"
#include "kernel/klib.h"

static const struct kextension *const extension_table[] = {
    &udp_echo_extension,
    &udp_count_extension,
    &sockperf_extension,
    &router_extension,
};

const struct kextension *extension_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < KARRAY_SIZE(extension_table); i++)
        if (strcmp(extension_table[i]->name, name) == 0)
            return extension_table[i];
    return NULL;
}

void extension_foreach(void (*cb)(const struct kextension *e, void *ctx), void *ctx)
{
    for (size_t i = 0; i < KARRAY_SIZE(extension_table); i++)
        cb(extension_table[i], ctx);
}
