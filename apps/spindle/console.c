/*
 * apps/spindle/console.c — the hosted console front-ends (apps/spindle/console.h):
 * standard input and a listening UNIX stream socket, both polled without
 * blocking from the main loop, each connection one console session
 * (apps/console/console.h). Every descriptor is registered with
 * hosted_idle_watch_fd so that typed input wakes arch_idle().
 */
#include "apps/spindle/console.h"
#include "apps/console/console.h"
#include "kernel/arch/hosted/hosted.h"
#include "kernel/kerr.h"
#include "kernel/log.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define READ_CHUNK 512   /* bytes per read() */
#define READ_ROUNDS 16   /* reads per descriptor per console_poll() */

struct client {
    int fd;          /* -1: slot free */
    bool dead;       /* output failed: close at the next chance */
    struct console_session session;
};

static struct {
    bool stdin_on, stdin_tty, stdin_watched;
    struct console_session in;
    int listen_fd;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    struct client clients[CONSOLE_MAX_CLIENTS];
    bool shutdown;
} con = { .listen_fd = -1 };

/* ------------------------------------------------------------- output */

/** fd_write_all - write @n bytes to @fd, waiting up to CONSOLE_WRITE_WAIT_MS for room; 0 or -1. */
static int fd_write_all(int fd, const char *s, size_t n, bool is_socket)
{
    int waited_ms = 0;
    while (n > 0) {
        ssize_t w = is_socket ? send(fd, s, n, MSG_NOSIGNAL) : write(fd, s, n);
        if (w > 0) {
            s += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && waited_ms < CONSOLE_WRITE_WAIT_MS) {
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
    (void)fd_write_all(1, s, n, false); /* a closed standard output loses the output only */
}

static void client_write(void *ctx, const char *s, size_t n)
{
    struct client *c = ctx;
    if (!c->dead && fd_write_all(c->fd, s, n, true) < 0)
        c->dead = true;
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

/* ------------------------------------------------------------- socket */

static void client_close(struct client *c)
{
    if (c->fd < 0)
        return;
    hosted_idle_unwatch_fd(c->fd);
    close(c->fd);
    c->fd = -1;
    c->dead = false;
}

static int unix_start(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "--console unix:%s: a socket path needs 1..%zu bytes", path,
                 sizeof(sa.sun_path) - 1);
        return -KE_INVAL;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "--console unix:%s: exists and is not a socket", path);
            return -KE_EXIST;
        }
        /* A socket file: in use if someone accepts on it, else stale. */
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool in_use = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0;
        if (probe >= 0)
            close(probe);
        if (in_use) {
            snprintf(err, errlen, "--console unix:%s: in use by another process", path);
            return -KE_EXIST;
        }
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
        snprintf(err, errlen, "--console unix:%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -KE_IO;
    }
    int rc = hosted_idle_watch_fd(fd);
    if (rc < 0) {
        snprintf(err, errlen, "--console unix:%s: %s", path, kerr_str(rc));
        close(fd);
        unlink(path);
        return rc;
    }
    con.listen_fd = fd;
    memcpy(con.path, path, strlen(path) + 1);
    for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS; i++)
        con.clients[i].fd = -1;
    KINFO("console", "listening on %s", path);
    return 0;
}

static void accept_clients(void)
{
    for (;;) {
        int fd = accept4(con.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN: nobody waiting; anything else: try again next poll */
        struct client *c = NULL;
        for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS && !c; i++)
            if (con.clients[i].fd < 0)
                c = &con.clients[i];
        if (!c || hosted_idle_watch_fd(fd) < 0) {
            static const char busy[] = "spindle console: too many sessions; try again later\n";
            (void)send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->dead = false;
        console_session_init(&c->session, client_write, c, CONSOLE_SHOW_PROMPT);
        console_puts(&c->session, "spindle console; 'help' lists the commands\n");
        console_prompt(&c->session);
    }
}

static void client_poll(struct client *c)
{
    for (int round = 0; round < READ_ROUNDS && c->fd >= 0 && !c->dead; round++) {
        char buf[READ_CHUNK];
        ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (r <= 0) {
            client_close(c);
            return;
        }
        enum console_status st = console_feed(&c->session, buf, (size_t)r);
        if (st == CONSOLE_QUIT) {
            client_close(c);
            return;
        }
        if (st == CONSOLE_SHUTDOWN) {
            con.shutdown = true;
            break;
        }
    }
    if (c->dead)
        client_close(c);
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
            if (con.listen_fd >= 0) {
                snprintf(err, errlen, "--console %s: only one UNIX socket console", spec);
                rc = -KE_INVAL;
            } else {
                rc = unix_start(spec + 5, err, errlen);
            }
        } else {
            snprintf(err, errlen, "--console %s: expected stdin, unix:PATH or none", spec);
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
    if (con.listen_fd >= 0) {
        accept_clients();
        for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS; i++)
            if (con.clients[i].fd >= 0)
                client_poll(&con.clients[i]);
    }
    return con.shutdown;
}

void console_close(void)
{
    if (con.stdin_on) {
        if (con.stdin_watched)
            hosted_idle_unwatch_fd(0);
        con.stdin_on = con.stdin_watched = false;
    }
    if (con.listen_fd >= 0) {
        for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS; i++)
            client_close(&con.clients[i]);
        hosted_idle_unwatch_fd(con.listen_fd);
        close(con.listen_fd);
        con.listen_fd = -1;
        unlink(con.path);
    }
}
