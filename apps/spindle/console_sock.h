/*
 * apps/spindle/console_sock.h — the UNIX-socket consoles of the hosted
 * program (apps/spindle/console.h), private to apps/spindle: listening
 * sockets and their sessions, polled without ever blocking.
 *
 * A console cannot hurt the appliance it runs in:
 *  - output goes into a bounded buffer per session (CONSOLE_OUT_MAX bytes)
 *    written with non-blocking sends; a session reads no more commands while
 *    CONSOLE_OUT_HIGH bytes wait, one whose output would overflow the buffer,
 *    or that takes none of it for CONSOLE_STALL_MS, is disconnected; the
 *    data plane never waits for a client;
 *  - at most CONSOLE_LINES_PER_POLL command lines of one session run per
 *    console_poll();
 *  - a session without input for its idle timeout (idle=SECONDS, default
 *    CONSOLE_IDLE_S) is closed, and when every slot is taken a new client
 *    replaces the session idle longest if that one has been idle for
 *    CONSOLE_EVICT_IDLE_S, so idle sessions cannot lock the operator out;
 *  - the socket file is created with mode 0600 (no window with a wider
 *    one: the umask is 0177 across bind), then given mode= and group=;
 *  - a read-only socket (the "ro" flag, or --console-ro) runs only the
 *    commands declared CONSOLE_CMD_READONLY (apps/console/command.h).
 *
 * Specification: unix:PATH[,mode=OCTAL][,group=NAME|GID][,ro][,idle=SECONDS]
 */
#ifndef SPINDLE_APPS_SPINDLE_CONSOLE_SOCK_H
#define SPINDLE_APPS_SPINDLE_CONSOLE_SOCK_H

#include <stdbool.h>
#include <stddef.h>

/** Bytes of output one session may have waiting; beyond it the session is dropped. */
#define CONSOLE_OUT_MAX (256u * 1024u)
/** Waiting output above which a session's further commands are not read yet. */
#define CONSOLE_OUT_HIGH (64u * 1024u)
/** A session whose waiting output makes no progress for this long is dropped, ms. */
#define CONSOLE_STALL_MS 5000u
/** Default idle timeout, seconds. */
#define CONSOLE_IDLE_S 600u
/** A session idle this long may be replaced by a new client when all slots are taken, s. */
#define CONSOLE_EVICT_IDLE_S 10u
/** Command lines of one session run per console_poll(). */
#define CONSOLE_LINES_PER_POLL 8u
/** Listening sockets at once (a read-write and a read-only one, typically). */
#define CONSOLE_MAX_LISTENERS 2

/**
 * console_sock_open - listen as @spec says (see above; @ro forces the
 * read-only flag, --console-ro). Returns 0, or -KE_INVAL (malformed spec,
 * unknown group, path too long), -KE_EXIST (in use, or not a socket),
 * -KE_TOOBIG (too many listeners), -KE_IO, with a message in @err.
 */
int console_sock_open(const char *spec, bool ro, char *err, size_t errlen);

/**
 * console_sock_poll - accept, flush output, read and run commands, apply the
 * timeouts; never blocks. Returns true when a session asked for shutdown.
 */
bool console_sock_poll(void);

/**
 * console_sock_busy - true when a session has command lines already read
 * and not run yet, or output waiting on a socket that can take it now: the
 * main loop must not idle.
 */
bool console_sock_busy(void);

/** console_sock_close - close every session and listener (socket files removed). */
void console_sock_close(void);

#endif
