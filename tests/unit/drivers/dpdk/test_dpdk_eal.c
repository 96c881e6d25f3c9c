/*
 * tests/unit/drivers/dpdk/test_dpdk_eal.c — the EAL argument string of the
 * dpdk driver: splitting it into words as a shell would for the simple
 * cases (blanks, quotes), refusing what it cannot split, and the defaults
 * (no hugepages, no PCI, the lcore on the CPUs the process may use).
 * Nothing here starts EAL.
 */
#include <criterion/criterion.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "drivers/dpdk/dpdk_eal.h"
#include "kernel/kerr.h"

static char store[600];
static char *argv[DPDK_EAL_MAX_ARGS];

Test(dpdk_eal, split_blanks_and_quotes)
{
    int argc = dpdk_eal_split("  --no-huge\t-m 256 --vdev='net_tap0,iface=a b' \"x\"y ", store,
                              sizeof(store), argv);

    cr_assert_eq(argc, 6);
    cr_assert_str_eq(argv[0], "spindle");
    cr_assert_str_eq(argv[1], "--no-huge");
    cr_assert_str_eq(argv[2], "-m");
    cr_assert_str_eq(argv[3], "256");
    cr_assert_str_eq(argv[4], "--vdev=net_tap0,iface=a b");
    cr_assert_str_eq(argv[5], "xy");
    cr_assert_null(argv[6]);
}

Test(dpdk_eal, split_empty_is_program_name_only)
{
    cr_assert_eq(dpdk_eal_split("", store, sizeof(store), argv), 1);
    cr_assert_eq(dpdk_eal_split("   ", store, sizeof(store), argv), 1);
    cr_assert_null(argv[1]);
}

Test(dpdk_eal, split_refuses_unbalanced_quote)
{
    cr_assert_eq(dpdk_eal_split("--vdev='net_tap0", store, sizeof(store), argv), -KE_INVAL);
    cr_assert_eq(dpdk_eal_split("a \"b", store, sizeof(store), argv), -KE_INVAL);
}

Test(dpdk_eal, split_refuses_too_many_words)
{
    char many[400] = "";

    for (int i = 0; i < DPDK_EAL_MAX_ARGS; i++)
        strcat(many, "w ");
    cr_assert_eq(dpdk_eal_split(many, store, sizeof(store), argv), -KE_INVAL);
    /* one word fewer than the table (argv[0] and the NULL take two slots) fits */
    many[2 * (DPDK_EAL_MAX_ARGS - 2)] = '\0';
    cr_assert_eq(dpdk_eal_split(many, store, sizeof(store), argv), DPDK_EAL_MAX_ARGS - 1);
}

Test(dpdk_eal, split_refuses_what_does_not_fit_the_store)
{
    char small[16];

    cr_assert_eq(dpdk_eal_split("--no-huge --no-pci", small, sizeof(small), argv), -KE_INVAL);
}

Test(dpdk_eal, defaults_need_no_hugepages_and_no_pci)
{
    char args[400];
    int argc;
    bool no_huge = false, no_pci = false, mem = false, lcores = false;

    dpdk_eal_default_args(args, sizeof(args));
    argc = dpdk_eal_split(args, store, sizeof(store), argv);
    cr_assert_gt(argc, 1, "defaults '%s' do not split", args);
    for (int i = 1; i < argc; i++) {
        no_huge |= strcmp(argv[i], "--no-huge") == 0;
        no_pci |= strcmp(argv[i], "--no-pci") == 0;
        mem |= strcmp(argv[i], "-m") == 0;
        lcores |= strncmp(argv[i], "--lcores=0@(", 12) == 0;
    }
    cr_assert(no_huge && no_pci && mem && lcores, "defaults: %s", args);
}

Test(dpdk_eal, default_lcore_follows_the_affinity)
{
    cpu_set_t one;
    char args[400], want[32];
    int cpu = sched_getcpu();

    cr_assert_geq(cpu, 0);
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    cr_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
    dpdk_eal_default_args(args, sizeof(args));
    snprintf(want, sizeof(want), "--lcores=0@(%d)", cpu);
    cr_assert(strstr(args, want) != NULL, "'%s' lacks '%s'", args, want);
}
