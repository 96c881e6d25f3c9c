/*
 * apps/spindle/console.h — the hosted program's front-ends to the operator
 * console (apps/console/console.h): standard input and a UNIX stream socket.
 *
 *   --console stdin       commands on standard input, output on standard
 *                         output (the default when standard input is a
 *                         terminal and spindle runs in the foreground)
 *   --console unix:PATH[,mode=OCTAL][,group=G][,ro][,idle=SECONDS]
 *                         a listening UNIX socket at PATH, created 0600 (then
 *                         mode= and group=); each connection (socat -
 *                         UNIX-CONNECT:PATH) is one session with a banner and
 *                         a prompt, at most CONSOLE_MAX_CLIENTS in all; "ro":
 *                         only commands that change nothing
 *   --console-ro unix:PATH[,...]  the same, read-only (spec "ro:unix:PATH")
 *   --console none        no console
 *
 * The main loop calls console_open() once the appliance is configured,
 * console_poll() once per loop iteration (after netgraph_poll(); arch_idle
 * wakes for console input because every console descriptor is registered
 * with hosted_idle_watch_fd), and console_close() before shutdown. Nothing
 * here blocks on a socket client (apps/spindle/console_sock.h: bounded
 * output, idle and stall timeouts); standard output waits at most
 * CONSOLE_WRITE_WAIT_MS.
 *
 * 'quit' closes a socket session, or stops reading standard input; the
 * appliance keeps running. 'shutdown' makes console_poll() return true.
 */
#ifndef SPINDLE_APPS_SPINDLE_CONSOLE_H
#define SPINDLE_APPS_SPINDLE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

/** Socket sessions at once; a further client is told so and closed. */
#define CONSOLE_MAX_CLIENTS 4
/** Longest wait, in ms, for standard output to take output before it is dropped. */
#define CONSOLE_WRITE_WAIT_MS 1000
/** Most --console options. */
#define CONSOLE_MAX_SPECS 4

/**
 * console_open - start the consoles named by @specs (@n of them: "stdin",
 * "unix:PATH[,options]", "ro:unix:PATH[,options]", "none"; @n == 0 means the default: stdin when it is a
 * terminal of the foreground process group, else none). A stale socket file
 * at PATH (nobody accepting) is replaced. Returns 0, or -KE_* with a message
 * in @err (@errlen bytes): -KE_INVAL unknown spec or a path too long for a
 * UNIX socket, -KE_EXIST PATH is in use or is not a socket, -KE_IO the
 * socket could not be created, bound or listened on. On error nothing stays
 * open.
 */
int console_open(const char *const *specs, unsigned n, char *err, size_t errlen);

/**
 * console_poll - accept clients and run the commands waiting on every
 * console; never blocks (see above). Returns true when a 'shutdown'
 * command asks the appliance to stop.
 */
bool console_poll(void);

/**
 * console_busy - true when a console has work it could do now (lines read
 * and not yet run, output a socket can take): the main loop must not idle.
 */
bool console_busy(void);

/** console_close - close every session and the socket (its file is removed). */
void console_close(void);

#endif
