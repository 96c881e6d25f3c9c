/*
 * kernel/arch/x86_64/pic.c — the two cascaded 8259A interrupt controllers
 * (Intel 8259A datasheet: ICW1-4, OCW1 mask, OCW2 EOI, OCW3 read ISR) and
 * the edge/level control registers at 0x4D0/0x4D1 (PIIX3/ICH9 ELCR).
 *
 * Lines 0-7 go to vectors 32-39, 8-15 to 40-47. All lines start masked
 * except the cascade (IRQ 2). The local APIC is put in "virtual wire" mode
 * (MP specification 1.4, 3.6.2.2: LINT0 = ExtINT delivers the 8259's
 * output, LINT1 = NMI), as SeaBIOS leaves it; a minimal firmware (qboot)
 * leaves LINT0 masked as at reset, and then no 8259 interrupt would arrive.
 * PCI INTx lines that the firmware routed to the 8259 are level-triggered.
 */
#include "x86.h"

#define IA32_APIC_BASE 0x1B /* SDM vol. 3A 10.4.4 */
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_ADDR 0xFFFFFF000ull
#define LAPIC_SVR 0xF0 /* spurious-interrupt vector register */
#define LAPIC_SVR_ENABLE 0x100
#define LAPIC_SPURIOUS_VECTOR 0xFF /* counted and ignored (idt.c) */
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LVT_DM_NMI 0x400
#define LVT_DM_EXTINT 0x700

/* Virtual wire mode on the local APIC; nothing when it is globally disabled
 * (then the 8259's output reaches the CPU's INTR pin directly). */
static void lapic_virtual_wire(void)
{
    uint64_t base = rdmsr(IA32_APIC_BASE);
    if (!(base & APIC_BASE_ENABLE))
        return;
    uint64_t phys = base & APIC_BASE_ADDR;
    if (x86_map_mmio(phys, 4096) != 0)
        return;
    volatile uint32_t *apic = (volatile uint32_t *)(uintptr_t)phys;
    apic[LAPIC_SVR / 4] = LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR;
    apic[LAPIC_LVT_LINT0 / 4] = LVT_DM_EXTINT;
    apic[LAPIC_LVT_LINT1 / 4] = LVT_DM_NMI;
}

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define ELCR1 0x4D0
#define ELCR2 0x4D1
#define PIC_EOI 0x20
#define OCW3_READ_ISR 0x0B

static uint16_t pic_mask = 0xFFFF & ~(1u << 2);

static void mask_write(void)
{
    outb(PIC1_DATA, (uint8_t)pic_mask);
    outb(PIC2_DATA, (uint8_t)(pic_mask >> 8));
}

void x86_pic_init(void)
{
    outb(PIC1_CMD, 0x11); /* ICW1: edge, cascade, ICW4 follows */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, X86_IRQ_BASE); /* ICW2: vector base */
    outb(PIC2_DATA, X86_IRQ_BASE + 8);
    outb(PIC1_DATA, 1u << 2); /* ICW3: slave on IRQ 2 */
    outb(PIC2_DATA, 2);       /* ICW3: slave identity */
    outb(PIC1_DATA, 0x01);    /* ICW4: 8086 mode, normal EOI */
    outb(PIC2_DATA, 0x01);
    mask_write();
    lapic_virtual_wire();
}

void x86_pic_unmask(unsigned irq)
{
    if (irq >= X86_NIRQ)
        return;
    uint64_t f = irq_save();
    pic_mask &= (uint16_t) ~(1u << irq);
    mask_write();
    irq_restore(f);
}

void x86_pic_mask(unsigned irq)
{
    if (irq >= X86_NIRQ || irq == 2)
        return;
    uint64_t f = irq_save();
    pic_mask |= (uint16_t)(1u << irq);
    mask_write();
    irq_restore(f);
}

void x86_pic_set_level(unsigned irq)
{
    /* ELCR bits for 0, 1, 2, 8 and 13 must stay 0 (edge). */
    if (irq >= X86_NIRQ || irq == 0 || irq == 1 || irq == 2 || irq == 8 || irq == 13)
        return;
    uint16_t port = irq < 8 ? ELCR1 : ELCR2;
    uint8_t bit = (uint8_t)(1u << (irq & 7));
    outb(port, inb(port) | bit);
}

bool x86_pic_eoi(unsigned irq)
{
    if (irq == 7 || irq == 15) {
        /* A spurious interrupt is not in service: no EOI to its chip. */
        uint16_t cmd = irq == 7 ? PIC1_CMD : PIC2_CMD;
        outb(cmd, OCW3_READ_ISR);
        if (!(inb(cmd) & 0x80)) {
            if (irq == 15)
                outb(PIC1_CMD, PIC_EOI); /* the cascade line was in service */
            return false;
        }
    }
    if (irq >= 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
    return true;
}
