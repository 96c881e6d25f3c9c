/*
 * kernel/arch.h — what every target (hosted, x86_64, alpha) provides to the
 * portable core. Each target implements these in kernel/arch/<target>/.
 *
 * The core never includes a target header; it calls only these functions and
 * those of kernel/bus.h. Freestanding C11: <stddef.h>, <stdint.h>,
 * <stdbool.h>, <stdarg.h> only.
 */
#ifndef SPINDLE_KERNEL_ARCH_H
#define SPINDLE_KERNEL_ARCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/**
 * arch_console_write - write bytes to the target's console.
 * @s: bytes, not NUL-terminated; @n: count in bytes.
 * Hosted: standard error. x86_64 and alpha: the 16550 UART on COM1.
 * Never fails; output may be dropped if the console is gone.
 */
void arch_console_write(const char *s, size_t n);

/**
 * arch_console_getc - one byte typed on the target's console, or -1 when none
 * is waiting. Never blocks. x86_64 and alpha: the COM1 receive register
 * (16550 LSR.DR). Hosted: -1 (the hosted console reads stdin or a UNIX
 * socket itself, apps/spindle).
 */
int arch_console_getc(void);

/**
 * arch_clock_ns - the target's monotonic clock.
 * Returns nanoseconds since an arbitrary epoch fixed at boot; never goes back.
 * Hosted: CLOCK_MONOTONIC. x86_64: TSC calibrated against the PIT.
 * alpha: PALcode cserve 7 (VM time in ns).
 * The core reads time through kclock_now_ns() (kernel/clock.h), which a
 * replay driver may redirect to a trace's timestamps.
 */
uint64_t arch_clock_ns(void);

/**
 * arch_alloc - allocate @size bytes aligned to @align (a power of two, at
 * least sizeof(void *)). Returns NULL when memory is exhausted.
 * Memory is zero-filled. The core uses kmalloc() (kernel/mem.h), not this.
 */
void *arch_alloc(size_t size, size_t align);

/**
 * arch_alloc_raw - arch_alloc without the zero fill: the bytes are whatever
 * was there. For large areas the caller writes before it reads (packet
 * buffer blocks): a VM's fresh RAM is then touched only when used.
 */
void *arch_alloc_raw(size_t size, size_t align);

/** arch_free - release memory from arch_alloc() or arch_alloc_raw(); NULL is ignored. */
void arch_free(void *p);

/**
 * arch_idle - wait until an interrupt, a device becoming ready, or the
 * monotonic clock reaching @deadline_ns (UINT64_MAX: no deadline).
 * Returns early at any event; callers re-check their work. Bare-metal
 * targets halt the CPU (hlt / wtint) so an idle VM costs the host nothing.
 */
void arch_idle(uint64_t deadline_ns);

/**
 * arch_halt - stop the machine with an exit status (0 success, nonzero
 * failure). Hosted: exit(). x86_64: isa-debug-exit port 0xf4, so QEMU exits
 * with (status << 1) | 1. alpha: call_pal halt (0) or pvpanic (failure).
 */
_Noreturn void arch_halt(int status);

#endif
