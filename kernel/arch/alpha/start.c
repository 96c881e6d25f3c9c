/*
 * kernel/arch/alpha/start.c — from entry.S to vm_main(): bring the machine
 * up in order (console, PALcode entry points, boot parameters and memory,
 * allocator, clock, PCI and the DMA window, console input interrupt, IPL 0),
 * print what was found and hand over to the portable VM main.
 *
 * arch_halt: status 0 is call_pal halt, which QEMU's PALcode turns into a
 * clean shutdown (QEMU exits 0). A failure status needs
 * `-device pvpanic-pci -action panic=exit-failure`: writing 1 (PANICKED,
 * QEMU docs/specs/pvpanic.rst) to its BAR0 makes QEMU exit 1. Without that
 * device the failure is only printed and QEMU still exits 0. Either way the
 * console's last line is "alpha: halt, status N", which the launcher
 * (tools/vm/spindle-vm-alpha) turns into its exit status.
 *
 * The command-line word "fault-test" makes the kernel read an unmapped
 * virtual address (0x40000000000, outside KSEG and the PALcode's page
 * table) before vm_main: the memory-management fault report and status 2
 * are what tests/vm-alpha checks.
 */
#include "kernel/arch.h"
#include "kernel/arch_uart.h"
#include "kernel/bootcfg.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "alpha.h"

#define PVPANIC_PANICKED 0x01
#define PVPANIC_WAIT_NS 2000000000ull

void alpha_start(void);

_Noreturn void arch_halt(int status)
{
    pal_swpipl(IPL_HIGH);
    uart_puts("alpha: halt, status ");
    uart_putu((uint64_t)(unsigned)status);
    uart_puts("\n");
    if (status != 0) {
        volatile uint8_t *pv = alpha_pvpanic();
        if (pv) {
            __asm__ volatile("mb" ::: "memory");
            *pv = PVPANIC_PANICKED;
            __asm__ volatile("mb" ::: "memory");
            /* QEMU exits inside the write; wait a little in case it is slow. */
            uint64_t t0 = pal_cserve(CSERVE_GET_VM_TIME, 0);
            while (pal_cserve(CSERVE_GET_VM_TIME, 0) - t0 < PVPANIC_WAIT_NS)
                ;
            uart_puts("alpha: pvpanic did not stop QEMU (no -action panic=exit-failure?)\n");
        } else {
            uart_puts("alpha: no pvpanic-pci device: QEMU will exit 0 despite this failure\n");
        }
    }
    pal_halt();
}

void alpha_start(void)
{
    uart_init();
    uart_puts("\nalpha: spindle alpha kernel, entered from QEMU's PALcode\n");
    alpha_traps_init();
    if (alpha_boot_info() != 0)
        arch_halt(1);
    alpha_palloc_init();
    alpha_clock_init();
    alpha_pci_init();
    alpha_console_rx_irq();
    alpha_ipl_enable();
    if (arch_boot_flag("fault-test")) {
        uart_puts("alpha: fault-test: reading unmapped 0x40000000000\n");
        (void)*(volatile uint64_t *)(uintptr_t)0x40000000000ull;
        uart_puts("alpha: fault-test: the read did not fault\n");
        arch_halt(1);
    }

    uint64_t total, free_pages;
    alpha_palloc_stats(&total, &free_pages);
    kprintf("alpha: RAM %llu MiB; kernel 0x%llx-0x%llx; %llu KiB free for allocation; "
            "cmdline \"%s\"\n",
            (unsigned long long)(alpha_ram_size >> 20), (unsigned long long)kseg_pa(__kernel_start),
            (unsigned long long)kseg_pa(__kernel_end),
            (unsigned long long)(free_pages * (ALPHA_PAGE_SIZE / 1024)), arch_boot_cmdline());
    size_t cfg_len = 0;
    if (arch_boot_config(&cfg_len))
        kprintf("alpha: configuration from -initrd: %zu bytes\n", cfg_len);
    else
        kprintf("alpha: no -initrd configuration\n");
    vm_main();
}
