/*
 * kernel/arch_uart.h — the console UART of the bare-metal targets: a 16550
 * at COM1 (ISA I/O port 0x3f8). The driver is portable (kernel/uart16550.c);
 * a target gives it byte access to the UART's registers through the hooks
 * below (x86_64: in/out instructions; alpha: the Typhoon's PCI I/O space
 * in memory) and builds arch_console_write() / arch_console_getc()
 * (kernel/arch.h) and its interrupt routing on top.
 *
 * Registers (PC16550D datasheet, National Semiconductor, "Register
 * addressing"): byte offsets from COM1: RBR (read) / THR (write) +0,
 * IER +1, FCR +2, LCR +3, MCR +4, LSR +5; the divisor latch DLL/DLM at
 * +0/+1 while LCR.DLAB is set.
 *
 * Freestanding C11; the hosted target has no UART and provides none of this.
 */
#ifndef SPINDLE_KERNEL_ARCH_UART_H
#define SPINDLE_KERNEL_ARCH_UART_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/*
 * ---- hooks: implemented by each bare-metal target ----
 */

/** arch_uart_read - read the COM1 register at byte offset @reg (0..7). */
uint8_t arch_uart_read(unsigned reg);

/** arch_uart_write - write @v to the COM1 register at byte offset @reg (0..7); done when this returns. */
void arch_uart_write(unsigned reg, uint8_t v);

/**
 * arch_uart_relax - called between two polls of the line status register
 * while waiting to transmit: x86_64 executes PAUSE (a spin-wait hint, Intel
 * SDM vol. 2), alpha does nothing.
 */
void arch_uart_relax(void);

/*
 * ---- portable driver (kernel/uart16550.c) ----
 */

/**
 * uart_init - program COM1: receive interrupt off, 115200 baud (divisor 1),
 * 8 data bits, no parity, 1 stop bit (LCR 0x03), FIFOs on and cleared with
 * a 14-byte receive threshold (FCR 0xc7), DTR, RTS and OUT2 (MCR 0x0b; OUT2
 * gates the interrupt line on PCs). Safe to call again.
 */
void uart_init(void);

/**
 * uart_write - send @n bytes of @s (not NUL-terminated), initialising the
 * UART first if uart_init() has not run. Polled: each byte waits for
 * LSR.THRE (transmit holding register empty), at most 100000 polls, then is
 * written anyway, so a UART that never drains cannot hang the kernel.
 */
void uart_write(const char *s, size_t n);

/** uart_getc - the next received byte (LSR.DR set: read RBR), or -1 when none is waiting. Never blocks. */
int uart_getc(void);

/** uart_rx_interrupt - turn the received-data-available interrupt (IER bit 0) on or off. */
void uart_rx_interrupt(bool on);

/**
 * uart_puts / uart_putx / uart_putu - minimal printing for boot and fault
 * paths, needing nothing but the UART: a NUL-terminated string; @v in
 * lowercase hexadecimal as exactly @digits digits (1..16, zero-padded, high
 * digits cut); @v in decimal.
 */
void uart_puts(const char *s);
void uart_putx(uint64_t v, int digits);
void uart_putu(uint64_t v);

#endif
