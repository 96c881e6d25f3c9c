/*
 * kernel/arch/alpha/console.c — the console on COM1: the SMC37C669
 * Super I/O's 16550 at ISA port 0x3f8, reached through the Typhoon's PCI
 * I/O window (alpha.h pio_addr) and driven by kernel/uart16550.c (115200
 * 8N1, polled output).
 *
 * Input: the UART's receive interrupt is ISA IRQ 4 on the 8259 pair that
 * QEMU wires to Cchip DRIR bit 55; the PALcode reads the ISA vector by an
 * interrupt-acknowledge cycle and enters entInt with a1 = 0x800 + irq * 16.
 * The lines are level-triggered (the PALcode sets the ELCRs), so the
 * handler turns the UART's receive interrupt off until arch_console_getc()
 * has drained the FIFO, then sends the 8259 its EOI (Intel 8259A
 * datasheet, OCW2 non-specific EOI 0x20).
 */
#include "kernel/arch.h"
#include "kernel/arch_uart.h"
#include "alpha.h"

#define COM1 0x3f8

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC_EOI 0x20
#define COM1_ISA_IRQ 4
#define DRIR_ISA 55 /* Cchip DRIR bit the 8259 output drives (hw/alpha/typhoon.c) */

static bool rx_irq_on;
static volatile bool rx_masked; /* the handler turned IER off */

uint8_t arch_uart_read(unsigned reg)
{
    return inb(COM1 + reg);
}

void arch_uart_write(unsigned reg, uint8_t v)
{
    outb(COM1 + reg, v);
}

void arch_uart_relax(void)
{
}

void alpha_console_rx_irq(void)
{
    uint8_t mask = inb(PIC1_DATA);
    outb(PIC1_DATA, (uint8_t)(mask & ~(1u << COM1_ISA_IRQ)));
    alpha_irq_unmask(DRIR_ISA);
    rx_irq_on = true;
    uart_rx_interrupt(true);
}

void alpha_isa_irq(unsigned irq)
{
    if (irq == COM1_ISA_IRQ) {
        uart_rx_interrupt(false); /* until getc drains the FIFO */
        rx_masked = true;
    }
    outb(PIC1_CMD, PIC_EOI);
}

void arch_console_write(const char *s, size_t n)
{
    uart_write(s, n);
}

int arch_console_getc(void)
{
    int c = uart_getc();
    if (c >= 0)
        return c;
    if (rx_irq_on && rx_masked) {
        rx_masked = false;
        uart_rx_interrupt(true); /* drained: let the next byte interrupt */
    }
    return -1;
}
