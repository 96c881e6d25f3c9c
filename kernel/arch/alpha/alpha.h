/*
 * kernel/arch/alpha/alpha.h — internals of the Alpha target (QEMU
 * `-M clipper`, a DP264 with the 21272 "Typhoon" chipset and an EV67 CPU)
 * shared by the files of kernel/arch/alpha. Nothing outside this folder
 * includes it.
 *
 * Sources: Alpha Architecture Reference Manual (4th ed.) part II-B (the
 * OSF/1 PALcode interface: call_pal numbers, entry points, stack frame);
 * 21272 Chipset Hardware Reference Manual (Cchip, Pchip CSRs); QEMU
 * hw/alpha/dp264.c, hw/alpha/typhoon.c and qemu-palcode (pal.S, init.c,
 * core-typhoon.h) for what the emulation implements.
 */
#ifndef SPINDLE_ARCH_ALPHA_ALPHA_H
#define SPINDLE_ARCH_ALPHA_ALPHA_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* ---- address spaces ---- */

/*
 * KSEG: the kernel superpage. In kernel mode a VA of the form
 * 0xfffffc00_00000000 + pa reaches physical address pa directly; QEMU moves
 * VA bit 40 to PA bit 43, so the Typhoon's I/O half (PA 0x800_0000_0000 and
 * up) appears at KSEG_IO + offset.
 */
#define KSEG_BASE 0xfffffc0000000000ull
#define KSEG_IO 0xfffffd0000000000ull

/* Offsets into the I/O half (21272 HRM, table "Physical address map"). */
#define TYPHOON_PCI_MEM 0x000000000ull  /* hose 0 PCI memory, 4 GiB */
#define TYPHOON_PCHIP0 0x180000000ull   /* Pchip0 CSRs */
#define TYPHOON_CCHIP 0x1a0000000ull    /* Cchip CSRs */
#define TYPHOON_PCI_IO 0x1fc000000ull   /* hose 0 PCI I/O space, 32 MiB */
#define TYPHOON_PCI_CONF 0x1fe000000ull /* hose 0 configuration space, 16 MiB */

/* Cchip CSR offsets (21272 HRM section 10.2.2). */
#define CCHIP_MISC 0x080
#define CCHIP_DIM0 0x200
#define CCHIP_DIR0 0x280
#define CCHIP_DRIR 0x300

/* Pchip CSR offsets (21272 HRM section 10.2.5): window n at +0x40*n. */
#define PCHIP_WSBA(n) (0x000 + 0x40 * (n))
#define PCHIP_WSM(n) (0x100 + 0x40 * (n))
#define PCHIP_TBA(n) (0x200 + 0x40 * (n))
#define PCHIP_PCTL 0x300

/** kseg_va / kseg_pa - physical address <-> KSEG virtual address (RAM only). */
static inline void *kseg_va(uint64_t pa)
{
    return (void *)(uintptr_t)(KSEG_BASE + pa);
}
static inline uint64_t kseg_pa(const void *va)
{
    return (uint64_t)(uintptr_t)va - KSEG_BASE;
}
/** kseg_is_ram - true when @va lies in KSEG below the I/O half. */
static inline bool kseg_is_ram(uint64_t va)
{
    return va >= KSEG_BASE && va < KSEG_IO;
}

/* Chip CSRs take 8-byte accesses only. */
static inline uint64_t cchip_read(uint32_t off)
{
    return *(volatile uint64_t *)(uintptr_t)(KSEG_IO + TYPHOON_CCHIP + off);
}
static inline void cchip_write(uint32_t off, uint64_t v)
{
    *(volatile uint64_t *)(uintptr_t)(KSEG_IO + TYPHOON_CCHIP + off) = v;
    __asm__ volatile("mb" ::: "memory");
}
static inline uint64_t pchip_read(uint32_t off)
{
    return *(volatile uint64_t *)(uintptr_t)(KSEG_IO + TYPHOON_PCHIP0 + off);
}
static inline void pchip_write(uint32_t off, uint64_t v)
{
    *(volatile uint64_t *)(uintptr_t)(KSEG_IO + TYPHOON_PCHIP0 + off) = v;
    __asm__ volatile("mb" ::: "memory");
}

/* PCI I/O space, byte-addressed with the EV56+ BWX loads and stores. */
static inline volatile uint8_t *pio_addr(uint32_t port)
{
    return (volatile uint8_t *)(uintptr_t)(KSEG_IO + TYPHOON_PCI_IO + port);
}
static inline uint8_t inb(uint32_t port)
{
    return *pio_addr(port);
}
static inline void outb(uint32_t port, uint8_t v)
{
    *pio_addr(port) = v;
    __asm__ volatile("mb" ::: "memory");
}

/* ---- PALcode calls (Alpha ARM II-B, OSF/1 PALcode) ---- */

/*
 * PALcode may change v0, t0, a0-a5, t8-t11 ($0 $1 $16-$21 $22-$25) and at;
 * every wrapper lists them. The PAL temporaries p0-p7 are QEMU's shadow
 * registers and never touch the kernel's.
 */
#define PAL_CLOBBERS                                                                          \
    "$1", "$16", "$17", "$18", "$19", "$20", "$21", "$22", "$23", "$24", "$25", "$27", "$28", \
        "memory"

#define PAL_HALT 0x00
#define PAL_CSERVE 0x09
#define PAL_WRENT 0x34
#define PAL_SWPIPL 0x35
#define PAL_WRKGP 0x37
#define PAL_WTINT 0x3e
#define PAL_BPT 0x80
#define PAL_BUGCHK 0x81

/* cserve selectors of QEMU's PALcode (qemu-palcode pal.S, Cserve_Table). */
#define CSERVE_GET_WALL_TIME 3 /* host wall clock, ns */
#define CSERVE_SET_ALARM_REL 5 /* a1: ns from now; raises a clock interrupt */
#define CSERVE_SET_ALARM_ABS 6 /* a1: absolute VM time in ns; 0 disarms */
#define CSERVE_GET_VM_TIME 7   /* QEMU_CLOCK_VIRTUAL, ns */

/** pal_cserve - console service @fn with argument @arg; returns v0. */
static inline uint64_t pal_cserve(uint64_t fn, uint64_t arg)
{
    register uint64_t a0 __asm__("$16") = fn;
    register uint64_t a1 __asm__("$17") = arg;
    register uint64_t v0 __asm__("$0");
    __asm__ volatile("call_pal %3"
                     : "=r"(v0), "+r"(a0), "+r"(a1)
                     : "i"(PAL_CSERVE)
                     : "$1", "$18", "$19", "$20", "$21", "$22", "$23", "$24", "$25", "$27", "$28",
                       "memory");
    return v0;
}

/** pal_swpipl - set the interrupt priority level (0 all enabled .. 7 none); returns the old one. */
static inline uint64_t pal_swpipl(uint64_t ipl)
{
    register uint64_t a0 __asm__("$16") = ipl;
    register uint64_t v0 __asm__("$0");
    __asm__ volatile("call_pal %2"
                     : "=r"(v0), "+r"(a0)
                     : "i"(PAL_SWPIPL)
                     : "$1", "$17", "$18", "$19", "$20", "$21", "$22", "$23", "$24", "$25", "$27",
                       "$28", "memory");
    return v0;
}

/** pal_wtint - wait until an interrupt is pending (even a masked one: QEMU's has_work ignores IPL). */
static inline void pal_wtint(void)
{
    register uint64_t a0 __asm__("$16") = 0;
    register uint64_t v0 __asm__("$0");
    __asm__ volatile("call_pal %2"
                     : "=r"(v0), "+r"(a0)
                     : "i"(PAL_WTINT)
                     : "$1", "$17", "$18", "$19", "$20", "$21", "$22", "$23", "$24", "$25", "$27",
                       "$28", "memory");
}

/** pal_halt - leave the kernel: QEMU's PALcode turns it into a clean shutdown (exit 0). */
static inline _Noreturn void pal_halt(void)
{
    __asm__ volatile("call_pal %0" : : "i"(PAL_HALT) : "memory");
    __builtin_unreachable();
}

/** rpcc - the low 32 bits of the cycle counter (250 MHz in QEMU, HWRPB cycle_freq). */
static inline uint32_t rpcc(void)
{
    uint64_t v;
    __asm__ volatile("rpcc %0" : "=r"(v));
    return (uint32_t)v;
}

#define IPL_ALL 0  /* every interrupt enabled */
#define IPL_HIGH 7 /* every interrupt masked */

/* ---- trap frame ---- */

/*
 * What the PALcode pushes (ps, pc, gp, a0-a2; ARM II-B "stack frame") sits
 * above what entry.S saves: the integer registers by number. r[16..18] hold
 * the interrupted a0-a2 (copied from the PAL frame by alpha_trap), r[29] gp,
 * r[30] the interrupted stack pointer.
 */
struct alpha_frame {
    uint64_t r[32];
    uint64_t ps, pc, gp, a0, a1, a2;
};

/* Entry types passed by entry.S. */
enum { ALPHA_ENT_INT, ALPHA_ENT_ARITH, ALPHA_ENT_MM, ALPHA_ENT_IF, ALPHA_ENT_UNA, ALPHA_ENT_SYS };

/** alpha_trap - C side of every PALcode entry (entry.S). */
void alpha_trap(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t type, struct alpha_frame *f);
/** alpha_traps_init - wrkgp and wrent for every entry point. */
void alpha_traps_init(void);
/** alpha_irq_set_handler - the function run for Cchip DRIR bit @bit (0..63) on a device interrupt. */
void alpha_irq_set_handler(unsigned bit, void (*fn)(unsigned bit));
/** alpha_irq_unmask / alpha_irq_mask - set or clear DRIR bit @bit in DIM0. */
void alpha_irq_unmask(unsigned bit);
void alpha_irq_mask(unsigned bit);
/** alpha_clock_ticks - clock interrupts (alarm expiries) taken since boot. */
uint64_t alpha_clock_ticks(void);
/** Self-test hook: when nonzero, an entIF (bpt) or entUna trap is reported and resumed, and the flag cleared. */
extern volatile int alpha_expect_trap;
/** alpha_wake - set by every interrupt; arch_idle clears it. */
extern volatile int alpha_wake;
/** alpha_ipl_enable - lower the IPL to 0 once the handlers are in place. */
void alpha_ipl_enable(void);

/* Entry points in entry.S, handed to wrent. */
void alpha_entInt(void);
void alpha_entArith(void);
void alpha_entMM(void);
void alpha_entIF(void);
void alpha_entUna(void);
void alpha_entSys(void);

/* ---- console.c: the kernel/arch_uart.h hooks for COM1, a 16550 at PCI I/O 0x3f8
 * (kernel/uart16550.c drives it; uart_puts & co. print with no core code) ---- */
/** alpha_console_rx_irq - take ISA IRQ 4 (UART receive) through the 8259 and DRIR bit 55. */
void alpha_console_rx_irq(void);
/** alpha_isa_irq - a device interrupt for ISA IRQ @irq (from the PALcode's IACK); acknowledges it. */
void alpha_isa_irq(unsigned irq);

/* ---- boot.c: parameter block and HWRPB ---- */
/** alpha_boot_info - read the command line, -initrd and the memory clusters; 0 or -1. */
int alpha_boot_info(void);
/** Usable RAM for the allocator [alpha_ram_lo, alpha_ram_hi) physical; total RAM size. */
extern uint64_t alpha_ram_lo, alpha_ram_hi, alpha_ram_size;

/* ---- palloc.c ---- */
/** alpha_palloc_init - take [alpha_ram_lo, alpha_ram_hi) for arch_alloc. */
void alpha_palloc_init(void);
/** alpha_pages_alloc - @npages contiguous zeroed 8 KiB pages aligned to @align bytes; NULL if none. */
void *alpha_pages_alloc(size_t npages, size_t align);
/** alpha_palloc_stats - pages managed and pages free. */
void alpha_palloc_stats(uint64_t *total, uint64_t *free_pages);
#define ALPHA_PAGE_SIZE 8192u

/* ---- clock.c ---- */
void alpha_clock_init(void);
/** alpha_alarm_ns - arm the PALcode alarm @ns from now (0: disarm). */
void alpha_alarm_ns(uint64_t ns);
/** alpha_walltime_ns - the host's wall clock through cserve 3 (ns since 1970). */
uint64_t alpha_walltime_ns(void);

/* ---- pci.c ---- */
/** alpha_pci_init - DMA window, enumeration, listing; finds pvpanic. */
void alpha_pci_init(void);
/** alpha_pvpanic - the pvpanic-pci register (BAR0) or NULL when there is none. */
volatile uint8_t *alpha_pvpanic(void);
/** Bus address of physical 0 for normal bus masters: the base of Pchip window 0. */
#define ALPHA_DMA_WINDOW_BASE 0x80000000ull
/** Size of that direct-mapped window: RAM above it is out of a bus master's reach. */
#define ALPHA_DMA_WINDOW_SIZE 0x80000000ull

/* Linker-script symbols (linker.ld). */
extern char __kernel_start[], __kernel_end[], __bss_start[], __bss_end[], __text_end[];
/* entry.S */
extern char boot_stack_bottom[], boot_stack_top[];

#endif
