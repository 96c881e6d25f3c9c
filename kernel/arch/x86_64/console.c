/*
 * kernel/arch/x86_64/console.c — the console on COM1, a 16550A UART at I/O
 * port 0x3F8 (PC16550D datasheet: RBR/THR +0, IER +1, FCR +2, LCR +3,
 * MCR +4, LSR +5; DLL/DLM at +0/+1 while LCR.DLAB is set), 115200 8N1,
 * polled output; receive raises IRQ 4 so typed input wakes arch_idle().
 */
#include "kernel/arch.h"
#include "kernel/bootcfg.h"
#include "x86.h"

#define COM1 0x3F8
#define UART_RBR 0
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR 0x01     /* receive data ready */
#define LSR_THRE 0x20   /* transmit holding register empty */

static bool console_ready;

void x86_console_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x80);       /* DLAB */
    outb(COM1 + 0, 1);                 /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0);
    outb(COM1 + UART_LCR, 0x03);       /* 8 data bits, no parity, 1 stop */
    outb(COM1 + UART_FCR, 0xC7);       /* FIFOs on and cleared, 14-byte threshold */
    outb(COM1 + UART_MCR, 0x0B);       /* DTR, RTS, OUT2 (gates the IRQ on PCs) */
    console_ready = true;
}

void x86_console_rx_irq(void)
{
    outb(COM1 + UART_IER, 0x01);       /* received data available */
}

static void uart_putc(char c)
{
    /* Bounded wait: a UART that never drains must not hang the kernel. */
    for (unsigned spin = 0; spin < 100000; spin++) {
        if (inb(COM1 + UART_LSR) & LSR_THRE)
            break;
        cpu_relax();
    }
    outb(COM1 + UART_THR, (uint8_t)c);
}

void arch_console_write(const char *s, size_t n)
{
    if (!console_ready)
        x86_console_init();
    for (size_t i = 0; i < n; i++)
        uart_putc(s[i]);
}

int arch_console_getc(void)
{
    if (inb(COM1 + UART_LSR) & LSR_DR)
        return inb(COM1 + UART_RBR);
    return -1;
}

void x86_puts(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    arch_console_write(s, n);
}

void x86_putx(uint64_t v, int digits)
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

void x86_putu(uint64_t v)
{
    char buf[20];
    int i = 20;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i > 0);
    arch_console_write(buf + i, (size_t)(20 - i));
}
