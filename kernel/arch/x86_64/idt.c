/*
 * kernel/arch/x86_64/idt.c — the interrupt descriptor table, the TSS, and
 * what happens on a trap (SDM vol. 3A ch. 6 "Interrupt and Exception
 * Handling", 7.7 "Task Management in 64-bit Mode").
 *
 * Vectors 0-31 are CPU exceptions: each prints a report on the console
 * (vector, name, error code, all registers, CR2 for a page fault, and a
 * backtrace from the frame-pointer chain; the image is built with
 * -fno-omit-frame-pointer) and stops the VM with status 2. Vectors 32-47
 * are the 8259 lines: the line's handler runs, then EOI. Every interrupt
 * sets x86_wake for arch_idle(). A double fault runs on its own stack
 * (IST 1) so a blown stack still gets a report. Vectors 48-255 only count
 * (x86_stray_interrupts): the local APIC's spurious vector lands there.
 */
#include "kernel/arch.h"
#include "kernel/arch_uart.h"
#include "x86.h"

struct idt_entry {
    uint16_t off_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t off_mid;
    uint32_t off_hi;
    uint32_t zero;
} __attribute__((packed));

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

struct idt_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define SEL_CODE64 0x08
#define SEL_TSS 0x18
#define GATE_INTERRUPT 0x8E /* present, DPL 0, 64-bit interrupt gate */
#define NSTUBS 48

extern const uint64_t x86_isr_stubs[NSTUBS];
extern char x86_isr_stray[];
volatile uint64_t x86_stray_interrupts;
extern uint64_t gdt64[];

static struct idt_entry idt[256] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static uint8_t df_stack[8192] __attribute__((aligned(16)));
static void (*irq_handler[X86_NIRQ])(unsigned irq);
static uint64_t irq_count[X86_NIRQ];
static int in_report;

volatile int x86_expect_ud;
volatile int x86_wake;

static const char *const exc_name[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor segment overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD error",
    "#VE virtualization",
    "#CP control protection",
    "reserved 22",
    "reserved 23",
    "reserved 24",
    "reserved 25",
    "reserved 26",
    "reserved 27",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security",
    "reserved 31",
};

static void set_gate(unsigned vec, uint64_t addr, uint8_t ist)
{
    idt[vec].off_lo = (uint16_t)addr;
    idt[vec].selector = SEL_CODE64;
    idt[vec].ist = ist;
    idt[vec].type_attr = GATE_INTERRUPT;
    idt[vec].off_mid = (uint16_t)(addr >> 16);
    idt[vec].off_hi = (uint32_t)(addr >> 32);
    idt[vec].zero = 0;
}

void x86_idt_init(void)
{
    /* TSS: only IST 1, for #DF. */
    tss.ist[0] = (uint64_t)(uintptr_t)(df_stack + sizeof(df_stack));
    tss.iomap_base = sizeof(tss);
    uint64_t base = (uint64_t)(uintptr_t)&tss;
    uint64_t limit = sizeof(tss) - 1;
    gdt64[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) |
               (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    gdt64[4] = base >> 32;
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS));

    for (unsigned v = 0; v < NSTUBS; v++)
        set_gate(v, x86_isr_stubs[v], v == 8 ? 1 : 0);
    for (unsigned v = NSTUBS; v < 256; v++)
        set_gate(v, (uint64_t)(uintptr_t)x86_isr_stray, 0);
    struct idt_ptr p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(p));
}

void x86_irq_set_handler(unsigned irq, void (*fn)(unsigned irq))
{
    if (irq < X86_NIRQ)
        irq_handler[irq] = fn;
}

uint64_t x86_irq_count(unsigned irq)
{
    return irq < X86_NIRQ ? irq_count[irq] : 0;
}

static void reg(const char *name, uint64_t v)
{
    uart_puts(name);
    uart_puts(" 0x");
    uart_putx(v, 16);
}

static bool frame_ok(uint64_t rbp)
{
    /* Frames live on the boot stack or in identity-mapped RAM below 4 GiB. */
    return rbp >= 0x100000 && rbp < (4ull << 30) - 16 && (rbp & 7) == 0;
}

void x86_backtrace(uint64_t rip, uint64_t rbp)
{
    uart_puts("  backtrace (addr2line -e spindle-x86_64.elf):\n");
    uart_puts("    #0 0x");
    uart_putx(rip, 16);
    uart_puts("\n");
    for (unsigned depth = 1; depth < 32 && frame_ok(rbp); depth++) {
        const uint64_t *fp = (const uint64_t *)(uintptr_t)rbp;
        uint64_t ret = fp[1];
        if (ret == 0)
            break;
        uart_puts("    #");
        uart_putu(depth);
        uart_puts(" 0x");
        uart_putx(ret, 16);
        uart_puts("\n");
        if (fp[0] <= rbp) /* older frames sit higher: stop on a loop */
            break;
        rbp = fp[0];
    }
}

static void report(const struct x86_frame *f)
{
    uart_puts("\nx86: EXCEPTION vector ");
    uart_putu(f->vector);
    uart_puts(" (");
    uart_puts(exc_name[f->vector & 31]);
    uart_puts(") error code 0x");
    uart_putx(f->error, 4);
    uart_puts("\n  ");
    reg("rip", f->rip);
    uart_puts("  ");
    reg("cs", f->cs);
    uart_puts("  ");
    reg("rflags", f->rflags);
    uart_puts("\n  ");
    reg("rsp", f->rsp);
    uart_puts("  ");
    reg("ss", f->ss);
    if (f->vector == 14) {
        uart_puts("  ");
        reg("cr2", read_cr2());
    }
    uart_puts("\n  ");
    reg("rax", f->rax);
    uart_puts("  ");
    reg("rbx", f->rbx);
    uart_puts("  ");
    reg("rcx", f->rcx);
    uart_puts("\n  ");
    reg("rdx", f->rdx);
    uart_puts("  ");
    reg("rsi", f->rsi);
    uart_puts("  ");
    reg("rdi", f->rdi);
    uart_puts("\n  ");
    reg("rbp", f->rbp);
    uart_puts("  ");
    reg("r8 ", f->r8);
    uart_puts("  ");
    reg("r9 ", f->r9);
    uart_puts("\n  ");
    reg("r10", f->r10);
    uart_puts("  ");
    reg("r11", f->r11);
    uart_puts("  ");
    reg("r12", f->r12);
    uart_puts("\n  ");
    reg("r13", f->r13);
    uart_puts("  ");
    reg("r14", f->r14);
    uart_puts("  ");
    reg("r15", f->r15);
    uart_puts("\n");
    x86_backtrace(f->rip, f->rbp);
}

void x86_trap(struct x86_frame *f);
void x86_trap(struct x86_frame *f)
{
    if (f->vector >= X86_IRQ_BASE && f->vector < X86_IRQ_BASE + X86_NIRQ) {
        unsigned irq = (unsigned)(f->vector - X86_IRQ_BASE);
        if ((irq == 7 || irq == 15) && !x86_pic_eoi(irq))
            return; /* spurious */
        x86_wake = 1;
        irq_count[irq]++;
        if (irq_handler[irq])
            irq_handler[irq](irq);
        if (irq != 7 && irq != 15)
            x86_pic_eoi(irq);
        return;
    }
    if (f->vector == 6 && x86_expect_ud) {
        x86_expect_ud = 0;
        uart_puts("x86: expected #UD (self-test), report follows\n");
        report(f);
        f->rip += 2; /* skip ud2 */
        return;
    }
    if (in_report++) {
        uart_puts("\nx86: exception while reporting an exception; halting\n");
        arch_halt(2);
    }
    report(f);
    uart_puts("x86: halting after exception\n");
    arch_halt(2);
}
