/*
 * kernel/arch/x86_64/start.c — from boot.S to vm_main(): bring the machine
 * up in order (console, memory map, allocator, IDT, PIC, clock, interrupts
 * on, PCI), print what was found, and hand over to the portable VM main.
 * The command-line word "fault-test" makes it read an unmapped address
 * first, to show the exception report (tests/vm). Also the command line
 * (QEMU -append) and arch_halt through QEMU's
 * isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,iosize=0x04:
 * writing v makes QEMU exit with status (v << 1) | 1).
 */
#include "kernel/arch.h"
#include "kernel/arch_pci.h"
#include "kernel/arch_uart.h"
#include "kernel/bootcfg.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xF4
#define COM1_IRQ 4

void x86_start(uint32_t start_info);

_Noreturn void arch_halt(int status)
{
    cli();
    uart_puts("x86: interrupts taken:");
    for (unsigned irq = 0; irq < X86_NIRQ; irq++) {
        if (!x86_irq_count(irq))
            continue;
        uart_puts(" irq");
        uart_putu(irq);
        uart_puts("=");
        uart_putu(x86_irq_count(irq));
    }
    if (x86_stray_interrupts) {
        uart_puts(" stray=");
        uart_putu(x86_stray_interrupts);
    }
    uart_puts("\nx86: boot stack used ");
    uart_putu(x86_stack_used() / 1024);
    uart_puts(" KiB of ");
    uart_putu((uint64_t)(boot_stack_top - boot_stack_bottom) / 1024);
    uart_puts("\nx86: halt, status ");
    uart_putu((uint64_t)(unsigned)status);
    uart_puts("\n");
    outl(DEBUG_EXIT_PORT, (uint32_t)status);
    /* No isa-debug-exit device: stop here for good. */
    for (;;)
        __asm__ volatile("cli; hlt");
}

#define STACK_PAINT 0x5350494e444c4521ull /* "SPINDLE!" */

void x86_stack_paint(void)
{
    uint64_t *p = (uint64_t *)(uintptr_t)boot_stack_bottom;
    uint64_t *sp = (uint64_t *)__builtin_frame_address(0) - 64; /* stay below our frame */
    while (p < sp)
        *p++ = STACK_PAINT;
}

size_t x86_stack_used(void)
{
    const uint64_t *p = (const uint64_t *)(uintptr_t)boot_stack_bottom;
    const uint64_t *top = (const uint64_t *)(uintptr_t)boot_stack_top;
    while (p < top && *p == STACK_PAINT)
        p++;
    return (size_t)((const char *)top - (const char *)p);
}

const char *arch_boot_cmdline(void)
{
    return x86_cmdline;
}

const char *arch_target_name(void)
{
    return "x86_64";
}

/* TSC ticks to microseconds; hz >= 1 MHz (x86_clock_init guarantees it). */
static uint64_t tsc_to_us(uint64_t ticks, uint64_t hz)
{
    return ticks / (hz / 1000000);
}

void x86_start(uint32_t start_info)
{
    /* The TSC counts from the vCPU's reset (QEMU: from the VM's start), so
     * this reading is the time the firmware took to hand over. */
    uint64_t entry_tsc = rdtsc();
    x86_stack_paint();
    uart_init();
    uart_puts("\nx86: spindle x86_64 kernel, PVH entry\n");
    if (x86_boot_info(start_info) != 0)
        uart_puts("x86: warning: no hvm_start_info at %ebx; memory map from fw_cfg\n");
    if (x86_memmap_n == 0) {
        uart_puts("x86: no memory map from the loader or fw_cfg\n");
        arch_halt(1);
    }
    x86_palloc_init();
    x86_idt_init();
    x86_pic_init();
    x86_clock_init();
    uart_rx_interrupt(true);
    x86_pic_unmask(COM1_IRQ);
    sti();

    for (unsigned i = 0; i < x86_memmap_n; i++)
        kprintf("x86: memory 0x%012llx-0x%012llx %s\n", (unsigned long long)x86_memmap[i].base,
                (unsigned long long)(x86_memmap[i].base + x86_memmap[i].size - 1),
                x86_memmap[i].type == 1 ? "ram" : "reserved");
    uint64_t total, free_pages;
    x86_palloc_stats(&total, &free_pages);
    uint64_t hz = x86_tsc_hz();
    kprintf(
        "x86: %llu KiB free for allocation, TSC %llu.%03llu MHz (PIT-calibrated), cmdline \"%s\"\n",
        (unsigned long long)(free_pages * 4), (unsigned long long)(hz / 1000000),
        (unsigned long long)(hz / 1000 % 1000), x86_cmdline);
    /* Where the boot's time went: the log's [seconds] count from "clock ready". */
    kprintf("x86: boot timeline (TSC since reset): PVH entry %llu us, clock ready %llu us\n",
            (unsigned long long)tsc_to_us(entry_tsc, hz),
            (unsigned long long)tsc_to_us(x86_clock_base_tsc(), hz));
    pci_enumerate(NULL);
    if (arch_boot_flag("fault-test")) {
        /* Exercise the fatal exception path: read an unmapped address (4 TiB). */
        uart_puts("x86: fault-test: reading unmapped 0x40000000000\n");
        (void)*(volatile uint64_t *)(uintptr_t)0x40000000000ull;
    }
    vm_main();
}
