/*
 * apps/spindle/console.c — the hosted console front-ends (apps/spindle/console.h):
 * standard input and a listening UNIX stream socket, both polled without
 * blocking from the main loop, each connection one console session
 * (apps/console/console.h). Every descriptor is registered with
 * hosted_idle_watch_fd so that typed input wakes arch_idle().
 */
#include "apps/spindle/console.h"
#include "apps/console/console.h"
#include "apps/spindle/console_sock.h"
#include "kernel/arch/hosted/hosted.h"
#include "kernel/kerr.h"
#include "kernel/log.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK 512 /* bytes per read() */
#define READ_ROUNDS 16 /* reads per descriptor per console_poll() */

static struct {
    bool stdin_on, stdin_tty, stdin_watched;
    struct console_session in;
    bool shutdown;
} con;

/* ------------------------------------------------------------- output */

/** fd_write_all - write @n bytes to @fd, waiting up to CONSOLE_WRITE_WAIT_MS for room; 0 or -1. */
static int fd_write_all(int fd, const char *s, size_t n)
{
    int waited_ms = 0;
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w > 0) {
            s += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
            waited_ms < CONSOLE_WRITE_WAIT_MS) {
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            (void)poll(&p, 1, 100);
            waited_ms += 100;
            continue;
        }
        return -1;
    }
    return 0;
}

static void stdout_write(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    (void)fd_write_all(1, s, n); /* a closed standard output loses the output only */
}

/* -------------------------------------------------------------- stdin */

static void stdin_stop(const char *why)
{
    if (!con.stdin_on)
        return;
    if (con.stdin_watched)
        hosted_idle_unwatch_fd(0);
    con.stdin_on = con.stdin_watched = false;
    KINFO("console", "standard input console closed (%s); the appliance keeps running", why);
}

static int stdin_start(void)
{
    con.stdin_on = true;
    con.stdin_tty = isatty(0);
    if (con.stdin_tty)
        signal(SIGTTIN, SIG_IGN); /* a read from the background gets EIO, not a stop */
    signal(SIGPIPE, SIG_IGN);     /* a closed standard output is an error, not death */
    unsigned flags = con.stdin_tty ? CONSOLE_SHOW_PROMPT : 0;
    console_session_init(&con.in, stdout_write, NULL, flags);
    console_prompt(&con.in);
    return 0;
}

static void stdin_poll(void)
{
    if (!con.stdin_on)
        return;
    if (con.stdin_tty && tcgetpgrp(0) != getpgrp()) {
        /* In the background: typed input is the shell's, do not wake for it. */
        if (con.stdin_watched)
            hosted_idle_unwatch_fd(0);
        con.stdin_watched = false;
        return;
    }
    if (!con.stdin_watched)
        con.stdin_watched = hosted_idle_watch_fd(0) == 0;
    for (int round = 0; round < READ_ROUNDS; round++) {
        struct pollfd p = { .fd = 0, .events = POLLIN };
        if (poll(&p, 1, 0) <= 0)
            return;
        char buf[READ_CHUNK];
        ssize_t r = read(0, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EIO))
            return;
        if (r <= 0) {
            stdin_stop(r == 0 ? "end of input" : strerror(errno));
            return;
        }
        enum console_status st = console_feed(&con.in, buf, (size_t)r);
        if (st == CONSOLE_SHUTDOWN) {
            con.shutdown = true;
            return;
        }
        if (st == CONSOLE_QUIT) {
            stdin_stop("quit");
            return;
        }
    }
}

/* ---------------------------------------------------------------- API */

int console_open(const char *const *specs, unsigned n, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    con.shutdown = false;
    if (n == 0) {
        if (isatty(0) && tcgetpgrp(0) == getpgrp())
            return stdin_start();
        return 0;
    }
    int rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        const char *spec = specs[i];
        if (strcmp(spec, "none") == 0)
            continue;
        if (strcmp(spec, "stdin") == 0) {
            if (!con.stdin_on)
                rc = stdin_start();
        } else if (strncmp(spec, "unix:", 5) == 0) {
            rc = console_sock_open(spec, false, err, errlen);
        } else if (strncmp(spec, "ro:unix:", 8) == 0) {
            rc = console_sock_open(spec + 3, true, err, errlen); /* --console-ro unix:PATH */
        } else {
            snprintf(err, errlen, "--console %s: expected stdin, unix:PATH[,options] or none",
                     spec);
            rc = -KE_INVAL;
        }
    }
    if (rc < 0)
        console_close();
    return rc;
}

bool console_poll(void)
{
    stdin_poll();
    if (console_sock_poll())
        con.shutdown = true;
    return con.shutdown;
}

bool console_busy(void)
{
    return console_sock_busy();
}

void console_close(void)
{
    if (con.stdin_on) {
        if (con.stdin_watched)
            hosted_idle_unwatch_fd(0);
        con.stdin_on = con.stdin_watched = false;
    }
    console_sock_close();
}
