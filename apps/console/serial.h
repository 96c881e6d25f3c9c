/*
 * apps/console/serial.h — the console on the target's own console device
 * (kernel/arch.h: arch_console_getc / arch_console_write): the VMs' serial
 * port, COM1's 16550 UART on x86_64 and alpha. Portable and freestanding;
 * the VM main loop polls it (the UART's receive interrupt wakes arch_idle).
 *
 *   console_serial_init(CONSOLE_ECHO | CONSOLE_SHOW_PROMPT | CONSOLE_PERMANENT, true);
 *   for (;;) {
 *       netgraph_poll(true);
 *       if (console_serial_poll() == CONSOLE_SHUTDOWN)
 *           break;  // shut down cleanly
 *   }
 */
#ifndef SPINDLE_APPS_CONSOLE_SERIAL_H
#define SPINDLE_APPS_CONSOLE_SERIAL_H

#include <stdbool.h>
#include "apps/console/console.h"

/** Bytes console_serial_poll() reads at most per call (the rest wait for the next). */
#define CONSOLE_SERIAL_BUDGET 256

/**
 * console_serial_init - start the serial console session with @flags (enum
 * console_flags; a raw serial terminal wants CONSOLE_ECHO, and the session
 * cannot be closed, so CONSOLE_PERMANENT). With @crlf, every "\n" of the
 * console's output leaves as "\r\n" (a raw terminal does not return the
 * carriage itself). Prints the prompt if the flags ask for one.
 */
void console_serial_init(unsigned flags, bool crlf);

/**
 * console_serial_poll - run what was typed: at most CONSOLE_SERIAL_BUDGET
 * bytes from arch_console_getc(). Never blocks. Returns CONSOLE_SHUTDOWN
 * when a 'shutdown' command asks the caller to stop the appliance, else
 * CONSOLE_OK or CONSOLE_FAILED (a command failed; already reported).
 * Does nothing before console_serial_init().
 */
enum console_status console_serial_poll(void);

#endif
