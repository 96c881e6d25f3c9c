/*
 * kernel/arch/alpha/console.c — the console on COM1: the SMC37C669
 * Super I/O's 16550 at ISA port 0x3f8, reached through the Typhoon's PCI
 * I/O window (alpha.h pio_addr). PC16550D datasheet: RBR/THR +0, IER +1,
 * FCR +2, LCR +3, MCR +4, LSR +5; DLL/DLM at +0/+1 while LCR.DLAB is set.
 * 115200 8N1, polled output.
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
#include "kernel/bootcfg.h"
#include "alpha.h"

#define COM1 0x3f8
#define UART_RBR 0
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR 0x01     /* receive data ready */
#define LSR_THRE 0x20   /* transmit holding register empty */
#define IER_RDA 0x01    /* received data available interrupt */

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC_EOI 0x20
#define COM1_ISA_IRQ 4
#define DRIR_ISA 55     /* Cchip DRIR bit the 8259 output drives (hw/alpha/typhoon.c) */

static bool console_ready;
static bool rx_irq_on;
static volatile bool rx_masked;   /* the handler turned IER off */

void alpha_console_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x80);       /* DLAB */
    outb(COM1 + 0, 1);                 /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0);
    outb(COM1 + UART_LCR, 0x03);       /* 8 data bits, no parity, 1 stop */
    outb(COM1 + UART_FCR, 0xc7);       /* FIFOs on and cleared, 14-byte threshold */
    outb(COM1 + UART_MCR, 0x0b);       /* DTR, RTS, OUT2 (gates the IRQ) */
    console_ready = true;
}

void alpha_console_rx_irq(void)
{
    uint8_t mask = inb(PIC1_DATA);
    outb(PIC1_DATA, (uint8_t)(mask & ~(1u << COM1_ISA_IRQ)));
    alpha_irq_unmask(DRIR_ISA);
    rx_irq_on = true;
    outb(COM1 + UART_IER, IER_RDA);
}

void alpha_isa_irq(unsigned irq)
{
    if (irq == COM1_ISA_IRQ) {
        outb(COM1 + UART_IER, 0x00);   /* until getc drains the FIFO */
        rx_masked = true;
    }
    outb(PIC1_CMD, PIC_EOI);
}

static void uart_putc(char c)
{
    /* Bounded wait: a UART that never drains must not hang the kernel. */
    for (unsigned spin = 0; spin < 100000; spin++)
        if (inb(COM1 + UART_LSR) & LSR_THRE)
            break;
    outb(COM1 + UART_THR, (uint8_t)c);
}

void arch_console_write(const char *s, size_t n)
{
    if (!console_ready)
        alpha_console_init();
    for (size_t i = 0; i < n; i++)
        uart_putc(s[i]);
}

int arch_console_getc(void)
{
    if (inb(COM1 + UART_LSR) & LSR_DR)
        return inb(COM1 + UART_RBR);
    if (rx_irq_on && rx_masked) {
        rx_masked = false;
        outb(COM1 + UART_IER, IER_RDA);   /* drained: let the next byte interrupt */
    }
    return -1;
}

void alpha_puts(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    arch_console_write(s, n);
}

void alpha_putx(uint64_t v, int digits)
{
    char buf[16];
    if (digits < 1)
        digits = 1;
    if (digits > 16)
        digits = 16;
    for (int i = digits - 1; i >= 0; i--) {
        buf[i] = "0123456789abcdef"[v & 0xf];
        v >>= 4;
    }
    arch_console_write(buf, (size_t)digits);
}

void alpha_putu(uint64_t v)
{
    char buf[20];
    int i = 20;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i > 0);
    arch_console_write(buf + i, (size_t)(20 - i));
}
