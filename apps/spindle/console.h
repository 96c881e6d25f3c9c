/*
 * apps/spindle/console.h — the seam where the hosted program's operator
 * console will attach (a later issue: commands on standard input or a UNIX
 * socket to show counters, the graph, routes, and to install or remove
 * extensions while running).
 *
 * The main loop calls console_open() once the appliance is configured,
 * console_poll() once per loop iteration (after appliance_poll(), so it runs
 * at least once a second: arch_idle wakes that often), and console_close()
 * before shutdown. Until the console exists these do nothing; a console that
 * needs to wake the loop registers its descriptor the way ports do
 * (kport.wait_fd), so arch_idle() returns when a command is waiting.
 */
#ifndef SPINDLE_APPS_SPINDLE_CONSOLE_H
#define SPINDLE_APPS_SPINDLE_CONSOLE_H

/** console_open - start the console. 0, or -KE_* (the program then runs without one). */
int console_open(void);
/** console_poll - handle waiting console input; never blocks. */
void console_poll(void);
/** console_close - stop the console. */
void console_close(void);

#endif
