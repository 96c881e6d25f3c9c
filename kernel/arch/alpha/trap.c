/*
 * kernel/arch/alpha/trap.c — exceptions and interrupts through the OSF/1
 * PALcode (Alpha ARM II-B, "System Entry"): wrkgp and wrent at boot, then
 * alpha_trap() for everything entry.S hands over.
 *
 * entInt (a0: 0 interprocessor, 1 clock, 2 machine check, 3 device,
 * 4 performance counter): the clock interrupt is the PALcode alarm
 * (cserve 5, clock.c); a device interrupt comes with a1 = the SRM vector,
 * 0x800 + 16 * n, where n = Cchip DRIR bit + 16 for PCI lines and the ISA
 * IRQ (read by interrupt acknowledge) for DRIR bit 55 (qemu-palcode
 * sys-clipper.S, Sys_Dev_Vector). PCI lines are level-triggered: every
 * pending, unmasked DRIR bit (Cchip DIR0) runs its handler, which
 * acknowledges its device. A line nobody handles is masked in DIM0.
 *
 * entArith, entMM (a0 VA, a1 MMCSR, a2 cause), entIF (a0: 0 bpt, 1 bugchk,
 * 2 gentrap, 3 FEN, 4 opcdec), entUna (a0 VA, a1 opcode, a2 register),
 * entSys: unexpected in this kernel; the report names the trap, its
 * arguments and every register, then the machine halts with status 2 (a
 * CPU exception, as on x86_64).
 * An unaligned access is always a bug here (packet code must use
 * load_be16 & co., kernel/klib.h), so entUna is not emulated.
 */
#include "kernel/arch_budget_irq.h"
#include "kernel/arch.h"
#include "kernel/arch_uart.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "alpha.h"

#define NBITS 64
#define DRIR_ISA 55
#define SRM_VECTOR_BASE 0x800
#define PCI_VECTOR_FIRST (SRM_VECTOR_BASE + 16 * 16)

volatile int alpha_expect_trap;
volatile int alpha_wake;

static void (*irq_handler[NBITS])(unsigned bit);
static uint64_t dim0;
static volatile uint64_t clock_ticks;
static int in_fatal;

static void wrent(void (*entry)(void), uint64_t which)
{
    register uint64_t a0 __asm__("$16") = (uint64_t)(uintptr_t)entry;
    register uint64_t a1 __asm__("$17") = which;
    __asm__ volatile("call_pal %2"
                     : "+r"(a0), "+r"(a1)
                     : "i"(PAL_WRENT)
                     : "$0", "$1", "$18", "$19", "$20", "$21", "$22", "$23", "$24", "$25", "$27",
                       "$28", "memory");
}

static void wrkgp(uint64_t gp)
{
    register uint64_t a0 __asm__("$16") = gp;
    __asm__ volatile("call_pal %1"
                     : "+r"(a0)
                     : "i"(PAL_WRKGP)
                     : "$0", "$1", "$17", "$18", "$19", "$20", "$21", "$22", "$23", "$24", "$25",
                       "$27", "$28", "memory");
}

void alpha_traps_init(void)
{
    uint64_t gp;
    __asm__ volatile("mov $29, %0" : "=r"(gp));
    wrkgp(gp);
    wrent(alpha_entInt, ALPHA_ENT_INT);
    wrent(alpha_entArith, ALPHA_ENT_ARITH);
    wrent(alpha_entMM, ALPHA_ENT_MM);
    wrent(alpha_entIF, ALPHA_ENT_IF);
    wrent(alpha_entUna, ALPHA_ENT_UNA);
    wrent(alpha_entSys, ALPHA_ENT_SYS);
    dim0 = 0;
    cchip_write(CCHIP_DIM0, 0);
}

void alpha_ipl_enable(void)
{
    pal_swpipl(IPL_ALL);
}

void alpha_irq_set_handler(unsigned bit, void (*fn)(unsigned bit))
{
    if (bit < NBITS)
        irq_handler[bit] = fn;
}

void alpha_irq_unmask(unsigned bit)
{
    if (bit >= NBITS)
        return;
    uint64_t ipl = pal_swpipl(IPL_HIGH);
    dim0 |= 1ull << bit;
    cchip_write(CCHIP_DIM0, dim0);
    pal_swpipl(ipl);
}

void alpha_irq_mask(unsigned bit)
{
    if (bit >= NBITS)
        return;
    uint64_t ipl = pal_swpipl(IPL_HIGH);
    dim0 &= ~(1ull << bit);
    cchip_write(CCHIP_DIM0, dim0);
    pal_swpipl(ipl);
}

uint64_t alpha_clock_ticks(void)
{
    return clock_ticks;
}

static const char *const reg_names[32] = {
    "v0", "t0", "t1",  "t2",  "t3", "t4", "t5", "t6", "t7", "s0",   "s1",
    "s2", "s3", "s4",  "s5",  "fp", "a0", "a1", "a2", "a3", "a4",   "a5",
    "t8", "t9", "t10", "t11", "ra", "pv", "at", "gp", "sp", "zero",
};

static void dump_regs(const struct alpha_frame *f)
{
    uart_puts("  pc  ");
    uart_putx(f->pc, 16);
    uart_puts("  ps  ");
    uart_putx(f->ps, 16);
    uart_puts("\n");
    for (unsigned i = 0; i < 31; i++) {
        const char *n = reg_names[i];
        uart_puts("  ");
        uart_puts(n);
        uart_puts(n[2] ? " " : "  ");
        uart_putx(f->r[i], 16);
        if (i % 4 == 3 || i == 30)
            uart_puts("\n");
    }
}

static const char *trap_name(uint64_t type, uint64_t a0)
{
    static const char *const if_names[5] = {
        "breakpoint (bpt)", "bugcheck (bugchk; integer division by zero)",
        "gentrap",          "floating point disabled",
        "illegal opcode",
    };
    switch (type) {
    case ALPHA_ENT_INT: return a0 == 2 ? "machine check" : "unexpected interrupt";
    case ALPHA_ENT_ARITH: return "arithmetic trap";
    case ALPHA_ENT_MM: return "memory management fault";
    case ALPHA_ENT_IF: return a0 < 5 ? if_names[a0] : "instruction fault";
    case ALPHA_ENT_UNA: return "unaligned access";
    case ALPHA_ENT_SYS: return "system call";
    default: return "unknown entry";
    }
}

static bool is_text(uint64_t a)
{
    return a >= (uint64_t)(uintptr_t)__kernel_start && a < (uint64_t)(uintptr_t)__text_end &&
           (a & 3) == 0;
}

/*
 * The Alpha ABI keeps no frame-pointer chain, so the backtrace is the pc,
 * ra and every text address found on the stack above the trap (a superset
 * of the real return addresses). tools/vm/spindle-vm-alpha resolves the
 * "#N 0x..." lines with addr2line.
 */
static void backtrace(const struct alpha_frame *f)
{
    uart_puts("  backtrace (pc, ra, then text addresses on the stack):\n");
    unsigned n = 0;
    uint64_t first[2] = { f->pc, f->r[26] };
    for (unsigned i = 0; i < 2; i++) {
        if (!is_text(first[i]))
            continue;
        uart_puts("    #");
        uart_putu(n++);
        uart_puts(" 0x");
        uart_putx(first[i], 16);
        uart_puts("\n");
    }
    uint64_t sp = f->r[30], top = (uint64_t)(uintptr_t)boot_stack_top;
    if (sp < (uint64_t)(uintptr_t)boot_stack_bottom || sp >= top)
        return;
    for (uint64_t a = sp & ~7ull; a < top && n < 16; a += 8) {
        uint64_t v = *(const uint64_t *)(uintptr_t)a;
        if (!is_text(v))
            continue;
        uart_puts("    #");
        uart_putu(n++);
        uart_puts(" 0x");
        uart_putx(v, 16);
        uart_puts("\n");
    }
}

static void report(const char *what, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t type,
                   const struct alpha_frame *f)
{
    uart_puts("alpha: ");
    uart_puts(what);
    uart_puts(": ");
    uart_puts(trap_name(type, a0));
    uart_puts(" (entry ");
    uart_putu(type);
    uart_puts(") a0=");
    uart_putx(a0, 16);
    uart_puts(" a1=");
    uart_putx(a1, 16);
    uart_puts(" a2=");
    uart_putx(a2, 16);
    uart_puts("\n");
    if (type == ALPHA_ENT_MM)
        uart_puts("  (a0 = address, a1 = MMCSR 0 TNV 1 ACV 2 FOR 3 FOW 4 FOE, a2 = -1 exec 0 read "
                  "1 write)\n");
    if (type == ALPHA_ENT_UNA)
        uart_puts(
            "  (a0 = address, a1 = opcode, a2 = register; packet code must use load_be16 & co.)\n");
    dump_regs(f);
}

static void device_interrupt(uint64_t vector)
{
    if (vector < PCI_VECTOR_FIRST) {
        alpha_isa_irq((unsigned)((vector - SRM_VECTOR_BASE) / 16));
        return;
    }
    uint64_t pending = cchip_read(CCHIP_DIR0) & ~(1ull << DRIR_ISA);
    while (pending) {
        unsigned bit = (unsigned)__builtin_ctzll(pending);
        pending &= pending - 1;
        if (irq_handler[bit]) {
            irq_handler[bit](bit);
        } else {
            dim0 &= ~(1ull << bit);
            cchip_write(CCHIP_DIM0, dim0);
            klog(KLOG_WARN, "alpha", "interrupt on DRIR bit %u has no handler: masked", bit);
        }
    }
}

void alpha_trap(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t type, struct alpha_frame *f)
{
    f->r[16] = f->a0;
    f->r[17] = f->a1;
    f->r[18] = f->a2;
    f->r[29] = f->gp;
    f->r[30] = (uint64_t)(uintptr_t)(f + 1);
    f->r[31] = 0;

    if (type == ALPHA_ENT_INT) {
        alpha_wake = 1;
        switch (a0) {
        case 0: /* interprocessor: one CPU, nothing to do */
        case 4: /* performance counter: not used */ return;
        case 1:
            clock_ticks = clock_ticks + 1;
            kbudget_timer_interrupt(); /* may not return: a bounded handler overran (budget.c) */
            return;
        case 3: device_interrupt(a1); return;
        default: break;
        }
    }
    if (alpha_expect_trap && ((type == ALPHA_ENT_IF && a0 == 0) || type == ALPHA_ENT_UNA)) {
        report("expected trap", a0, a1, a2, type, f);
        alpha_expect_trap = 0;
        return; /* bpt and entUna both resume after the instruction */
    }
    if (in_fatal++) {
        uart_puts("alpha: trap while reporting a trap\n");
        if (in_fatal > 2)
            for (;;) /* arch_halt itself faults: stop here, never exit 0 */
                pal_wtint();
        arch_halt(2);
    }
    report("EXCEPTION", a0, a1, a2, type, f);
    backtrace(f);
    arch_halt(2);
}
