/*
 * tests/unit/drivers/dpdk/dpdkkit.h — what the dpdk driver's unit tests
 * share: EAL up with the driver's defaults (no hugepages, no PCI), or the
 * test skipped with EAL's reason; and opening a port of the dpdk driver
 * class from "key=value" words. Criterion runs each test in its own
 * process, so each starts EAL afresh.
 */
#ifndef SPINDLE_TEST_DPDKKIT_H
#define SPINDLE_TEST_DPDKKIT_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "drivers/dpdk/dpdk.h"
#include "drivers/dpdk/dpdk_eal.h"
#include "kernel/kerr.h"
#include "kernel/port.h"

/* EAL up with the defaults (dpdk.h), or skip: EAL needs what the machine may lack. */
static inline void dpdkkit_eal(void)
{
    char err[256];

    if (dpdk_eal_ensure(NULL, err, sizeof(err)) < 0)
        cr_skip_test("EAL does not start here: %s", err);
}

/*
 * dpdkkit_open - open interface @ifname with the dpdk driver class and the
 * parameters @kv ("key=value" strings, @n of them, NULL-terminated list
 * not needed). Returns the driver's code; *@out the port on success, @err
 * its message on failure.
 */
static inline int dpdkkit_open(const char *ifname, const char *const *kv, unsigned n,
                               struct kport **out, char *err, size_t errlen)
{
    static char store[16][128];
    struct kparams p = { .n = 0 };
    struct kdriver_args a = { .ifname = ifname, .params = &p, .instance = 0, .pool = NULL };

    for (unsigned i = 0; i < n && i < 16; i++) {
        char *eq;

        snprintf(store[i], sizeof(store[i]), "%s", kv[i]);
        eq = strchr(store[i], '=');
        cr_assert_not_null(eq, "parameter %s has no '='", kv[i]);
        *eq = '\0';
        p.key[p.n] = store[i];
        p.value[p.n] = eq + 1;
        p.n++;
    }
    err[0] = '\0';
    return dpdk_driver.open(&a, out, err, errlen);
}

#endif
