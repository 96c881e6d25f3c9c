/* tests/unit/apps/test_extensions.c — the extension classes linked in (netgraph/extension.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "netgraph/extension.h"
#include "kernel/pktbuf.h"

static void collect(const struct kextension *e, void *ctx)
{
    char *names = ctx;
    strcat(names, e->name);
    strcat(names, ",");
}

Test(extensions, find_by_name)
{
    const char *const names[] = { "udp-echo", "udp-count", "sockperf" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const struct kextension *e = kext_class_find(names[i]);
        cr_assert_not_null(e, "%s", names[i]);
        cr_assert_str_eq(e->name, names[i]);
        cr_assert_not_null(e->usage);
        cr_assert_eq(strncmp(e->usage, names[i], strlen(names[i])), 0, "usage names it");
        cr_assert_not_null(e->install);
        cr_assert_not_null(e->event, "every class names the event it attaches to");
    }
    cr_assert_null(kext_class_find("udp"));
    cr_assert_null(kext_class_find("udp-echoo"));
    cr_assert_null(kext_class_find(""));
    cr_assert(pktpool_all_full());
}

Test(extensions, foreach_lists_each_once)
{
    char names[256] = "";
    kext_class_foreach(collect, names);
    cr_assert_not_null(strstr(names, "udp-echo,"));
    cr_assert_not_null(strstr(names, "udp-count,"));
    cr_assert_not_null(strstr(names, "sockperf,"));
    cr_assert_null(strstr(strstr(names, "udp-echo,") + 1, "udp-echo,"), "listed once");
    cr_assert(pktpool_all_full());
}
