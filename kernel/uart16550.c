/*
 * kernel/uart16550.c — the console driver of the bare-metal targets: the
 * 16550A UART at COM1 (PC16550D datasheet), polled output, input by
 * polling LSR.DR (the target may also route the receive interrupt, so
 * typed input wakes arch_idle()). Register access goes through the
 * target's hooks (kernel/arch_uart.h).
 */
#include "kernel/arch_uart.h"

#define UART_RBR 0 /* receive buffer (read) */
#define UART_THR 0 /* transmit holding (write) */
#define UART_DLL 0 /* divisor latch, low byte (LCR.DLAB = 1) */
#define UART_IER 1 /* interrupt enable */
#define UART_DLM 1 /* divisor latch, high byte (LCR.DLAB = 1) */
#define UART_FCR 2 /* FIFO control */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */

#define LCR_DLAB 0x80 /* divisor latch access */
#define LCR_8N1 0x03  /* 8 data bits, no parity, 1 stop bit */
#define FCR_FIFO 0xc7 /* FIFOs on and cleared, 14-byte receive threshold */
#define MCR_DTR_RTS_OUT2 0x0b
#define IER_RDA 0x01  /* received data available interrupt */
#define LSR_DR 0x01   /* receive data ready */
#define LSR_THRE 0x20 /* transmit holding register empty */
#define DIVISOR_115200 1
#define THRE_POLLS 100000u

static bool uart_ready;

void uart_init(void)
{
    arch_uart_write(UART_IER, 0x00);
    arch_uart_write(UART_LCR, LCR_DLAB);
    arch_uart_write(UART_DLL, DIVISOR_115200);
    arch_uart_write(UART_DLM, 0);
    arch_uart_write(UART_LCR, LCR_8N1);
    arch_uart_write(UART_FCR, FCR_FIFO);
    arch_uart_write(UART_MCR, MCR_DTR_RTS_OUT2);
    uart_ready = true;
}

static void uart_putc(char c)
{
    /* Bounded wait: a UART that never drains must not hang the kernel. */
    for (unsigned spin = 0; spin < THRE_POLLS; spin++) {
        if (arch_uart_read(UART_LSR) & LSR_THRE)
            break;
        arch_uart_relax();
    }
    arch_uart_write(UART_THR, (uint8_t)c);
}

void uart_write(const char *s, size_t n)
{
    if (!uart_ready)
        uart_init();
    for (size_t i = 0; i < n; i++)
        uart_putc(s[i]);
}

int uart_getc(void)
{
    if (arch_uart_read(UART_LSR) & LSR_DR)
        return arch_uart_read(UART_RBR);
    return -1;
}

void uart_rx_interrupt(bool on)
{
    arch_uart_write(UART_IER, on ? IER_RDA : 0x00);
}

void uart_puts(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    uart_write(s, n);
}

void uart_putx(uint64_t v, int digits)
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
    uart_write(buf, (size_t)digits);
}

void uart_putu(uint64_t v)
{
    char buf[20];
    int i = 20;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i > 0);
    uart_write(buf + i, (size_t)(20 - i));
}
