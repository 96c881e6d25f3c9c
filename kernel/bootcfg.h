/*
 * kernel/bootcfg.h — what a bare-metal target hands the portable VM main
 * (apps/vm/main.c): the configuration text and command line the VM host
 * gave it, and the target's self-test. (Console input is arch_console_getc
 * in kernel/arch.h.)
 *
 * Implemented per bare-metal target in kernel/arch/<target>/, except
 * arch_boot_flag, which kernel/bootcfg.c builds once on arch_boot_cmdline();
 * the hosted target does not use it. Freestanding C11.
 *
 * Boot order: the target's boot code initialises the CPU, memory, console,
 * clock, interrupts and PCI, then calls vm_main(), which never returns.
 */
#ifndef SPINDLE_KERNEL_BOOTCFG_H
#define SPINDLE_KERNEL_BOOTCFG_H

#include <stddef.h>
#include <stdbool.h>

/**
 * arch_boot_config - the appliance configuration text handed over by the VM
 * host: on x86_64 the fw_cfg file "opt/spindle/config" (QEMU
 * `-fw_cfg name=opt/spindle/config,file=FILE`, docs/specs/fw_cfg.rst).
 * Returns the text (NUL-terminated, @len bytes without the NUL) or NULL
 * when the host gave none (*@len = 0). The memory stays valid forever.
 */
const char *arch_boot_config(size_t *len);

/** arch_boot_config_name - where arch_boot_config() came from, for error messages ("opt/spindle/config"). */
const char *arch_boot_config_name(void);

/**
 * arch_boot_cmdline - the kernel command line (QEMU `-append`), "" when none.
 * Blank-separated words; see arch_boot_flag().
 */
const char *arch_boot_cmdline(void);

/** arch_boot_flag - true when the word @word appears in the command line. */
bool arch_boot_flag(const char *word);

/** arch_target_name - "x86_64", "alpha". */
const char *arch_target_name(void);

/**
 * arch_selftest - exercise the target's own machinery and print one line
 * per check ("selftest: NAME ok" / "selftest: NAME FAILED: why"): the
 * allocator (alignment, zero fill, reuse), the clock (monotonic, rate
 * against an independent timer), a timer interrupt, the exception report.
 * Returns the number of failed checks (0: all passed).
 */
int arch_selftest(void);

/**
 * vm_main - the portable VM main (apps/vm/main.c): parse the boot
 * configuration, bring the appliance up, run its main loop. Never returns:
 * ends in arch_halt() (0 after a clean "shutdown", 1 on a configuration
 * error or a buffer leak).
 */
_Noreturn void vm_main(void);

#endif
