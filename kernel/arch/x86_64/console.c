/*
 * kernel/arch/x86_64/console.c — the console on COM1: the 16550A UART at I/O
 * port 0x3F8, driven by kernel/uart16550.c (115200 8N1, polled output)
 * through in/out instructions; receive raises IRQ 4 (8259 line, unmasked by
 * start.c) so typed input wakes arch_idle().
 */
#include "kernel/arch.h"
#include "kernel/arch_uart.h"
#include "x86.h"

#define COM1 0x3F8

uint8_t arch_uart_read(unsigned reg)
{
    return inb((uint16_t)(COM1 + reg));
}

void arch_uart_write(unsigned reg, uint8_t v)
{
    outb((uint16_t)(COM1 + reg), v);
}

void arch_uart_relax(void)
{
    cpu_relax();
}

void arch_console_write(const char *s, size_t n)
{
    uart_write(s, n);
}

int arch_console_getc(void)
{
    return uart_getc();
}
