/*
 * kernel/arch/x86_64/x86.h — internals of the x86_64 target shared by its
 * files: port I/O, CPU helpers, the trap frame, and each part's init.
 * Nothing outside kernel/arch/x86_64 includes this.
 */
#ifndef SPINDLE_ARCH_X86_64_X86_H
#define SPINDLE_ARCH_X86_64_X86_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* ---- port I/O (SDM vol. 2: IN, OUT) ---- */
static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* ---- CPU ---- */
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
/** rdmsr - read model-specific register msr (SDM vol. 2: RDMSR). */
static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void cli(void)
{
    __asm__ volatile("cli" ::: "memory");
}
static inline void sti(void)
{
    __asm__ volatile("sti" ::: "memory");
}
/** sti_hlt - enable interrupts and halt; an interrupt pending at the sti is taken in hlt (STI shadow). */
static inline void sti_hlt(void)
{
    __asm__ volatile("sti; hlt" ::: "memory");
}
static inline uint64_t read_rflags(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f;
}
static inline uint64_t read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
static inline uint64_t read_cr3(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
static inline void invlpg(uintptr_t va)
{
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}
static inline void cpu_relax(void)
{
    __asm__ volatile("pause");
}
#define RFLAGS_IF 0x200u

/** irq_save / irq_restore - mask interrupts and put the previous state back. */
static inline uint64_t irq_save(void)
{
    uint64_t f = read_rflags();
    cli();
    return f;
}
static inline void irq_restore(uint64_t f)
{
    if (f & RFLAGS_IF)
        sti();
}

/* ---- trap frame: pushed by isr.S, lowest address first ---- */
struct x86_frame {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/** Vectors: exceptions 0..31, PIC lines 32..47. */
#define X86_IRQ_BASE 32
#define X86_NIRQ 16

/* ---- console.c: the kernel/arch_uart.h hooks for COM1 (kernel/uart16550.c drives it;
 * uart_puts & co. print with no core code, for panic paths) ---- */

/* ---- memmap.c ---- */
#define X86_MEMMAP_MAX 32
struct x86_memrange {
    uint64_t base, size;
    uint32_t type;
}; /* type 1: RAM (ACPI E820) */
extern struct x86_memrange x86_memmap[X86_MEMMAP_MAX];
extern unsigned x86_memmap_n;
extern char x86_cmdline[256];
/** x86_boot_info - copy the memory map and command line from hvm_start_info (or fw_cfg etc/e820). 0 or -1. */
int x86_boot_info(uint32_t start_info_paddr);
/** x86_range_is_ram - true when any byte of [base, base+size) is RAM in the memory map. */
bool x86_range_is_ram(uint64_t base, uint64_t size);

/* ---- palloc.c: physical pages and arch_alloc ---- */
/** x86_palloc_init - take every RAM page below 4 GiB above 1 MiB not under the image. */
void x86_palloc_init(void);
/** x86_pages_alloc - @npages contiguous zeroed 4 KiB pages aligned to @align bytes; NULL if none. */
void *x86_pages_alloc(size_t npages, size_t align);
/** x86_palloc_stats - pages managed and pages free. */
void x86_palloc_stats(uint64_t *total, uint64_t *free_pages);

/* ---- paging.c ---- */
/** x86_map_mmio - identity-map [phys, phys+size) uncached (PCD|PWT). 0 or -KE_NOMEM / -KE_RANGE. */
int x86_map_mmio(uint64_t phys, uint64_t size);

/* ---- idt.c ---- */
void x86_idt_init(void);
/** x86_irq_set_handler - the function called for PIC line @irq (0..15), before EOI. */
void x86_irq_set_handler(unsigned irq, void (*fn)(unsigned irq));
/** x86_irq_count - interrupts taken on PIC line @irq (0..15) since boot. */
uint64_t x86_irq_count(unsigned irq);
/** x86_stray_interrupts - interrupts on vectors 48-255 (ignored). */
extern volatile uint64_t x86_stray_interrupts;
/** x86_stack_paint / x86_stack_used - mark the unused boot stack; bytes ever used since. */
void x86_stack_paint(void);
size_t x86_stack_used(void);
/** Self-test hook: when nonzero, a #UD prints its report and resumes after the 2-byte ud2. */
extern volatile int x86_expect_ud;
/** x86_wake - set by every interrupt; arch_idle clears it. */
extern volatile int x86_wake;
/** x86_backtrace - print return addresses by walking the frame-pointer chain from @rbp. */
void x86_backtrace(uint64_t rip, uint64_t rbp);

/* ---- pic.c: 8259A pair + ELCR ---- */
void x86_pic_init(void);
void x86_pic_unmask(unsigned irq);
void x86_pic_mask(unsigned irq);
void x86_pic_set_level(unsigned irq);
/** x86_pic_eoi - end of interrupt for @irq; false when it was spurious (IRQ 7/15 not in service). */
bool x86_pic_eoi(unsigned irq);

/* ---- clock.c: TSC and PIT ---- */
/** x86_clock_init - calibrate the TSC against PIT channel 2 and take over IRQ 0. */
void x86_clock_init(void);
/** x86_tsc_hz - calibrated TSC frequency in Hz. */
uint64_t x86_tsc_hz(void);
/** x86_clock_base_tsc - the TSC value at which arch_clock_ns() reads 0 (end of calibration). */
uint64_t x86_clock_base_tsc(void);
/** x86_pit_measure_tsc - TSC ticks spanning @pit_ticks of PIT channel 2 (1193182 Hz). */
uint64_t x86_pit_measure_tsc(uint16_t pit_ticks);
/** x86_timer_ticks - IRQ 0 interrupts taken so far. */
uint64_t x86_timer_ticks(void);
/** x86_timer_oneshot_ns - program PIT channel 0 to interrupt in @ns (clamped to 1 us .. 54 ms). */
void x86_timer_oneshot_ns(uint64_t ns);

/* ---- pci.c: the kernel/arch_pci.h hooks; kernel/pci.c enumerates (pci_enumerate) ---- */

/* ---- fwcfg.c: QEMU fw_cfg (docs/specs/fw_cfg.rst) ---- */
/** x86_fwcfg_present - true when the "QEMU" signature answers at 0x510/0x511. */
bool x86_fwcfg_present(void);
/**
 * x86_fwcfg_find - look @name up in the file directory (selector 0x19).
 * Returns true with its selector and size in bytes.
 */
bool x86_fwcfg_find(const char *name, uint16_t *select, uint32_t *size);
/** x86_fwcfg_read - select @select and read @len bytes into @buf. */
void x86_fwcfg_read(uint16_t select, void *buf, uint32_t len);

/* ---- selftest.c ---- */
/* arch_selftest() is declared in kernel/bootcfg.h. */

/* Linker-script symbols (linker.ld). */
extern char __kernel_start[], __kernel_end[], __bss_start[], __bss_end[];
extern char boot_stack_bottom[], boot_stack_top[];
extern uint64_t boot_pml4[];

#endif
