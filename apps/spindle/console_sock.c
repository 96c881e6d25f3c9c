/*
 * apps/spindle/console_sock.c — UNIX-socket consoles (apps/spindle/console_sock.h):
 * listeners, sessions with bounded non-blocking output, idle and stall
 * timeouts, read-only sockets. Every descriptor is registered with
 * hosted_idle_watch_fd so that a client's input wakes arch_idle().
 */
#include "apps/spindle/console_sock.h"
#include "apps/console/console.h"
#include "apps/spindle/console.h"
#include "kernel/arch/hosted/hosted.h"
#include "kernel/kerr.h"
#include "kernel/log.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK 512          /* bytes per recv() */
#define IN_MAX (4 * READ_CHUNK) /* bytes read and not yet run */

struct listener {
    int fd; /* -1: unused */
    bool ro;
    unsigned idle_s;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

struct client {
    int fd;          /* -1: slot free */
    bool dead;       /* close at the next chance */
    const char *why; /* why it is closed, for the log */
    struct console_session session;
    const struct listener *from;
    char *out; /* CONSOLE_OUT_MAX bytes */
    size_t out_len;
    char in[IN_MAX];
    size_t in_len;
    uint64_t last_input_ms, last_progress_ms;
};

static struct {
    struct listener ls[CONSOLE_MAX_LISTENERS];
    unsigned nls;
    struct client clients[CONSOLE_MAX_CLIENTS];
    bool shutdown;
} sk;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ------------------------------------------------------------- output */

/* client_write - the session's output: appended to the bounded buffer, never sent here. */
static void client_write(void *ctx, const char *s, size_t n)
{
    struct client *c = ctx;
    if (c->dead)
        return;
    if (n > CONSOLE_OUT_MAX - c->out_len) {
        c->dead = true;
        c->why = "it did not read its output (buffer full)";
        return;
    }
    memcpy(c->out + c->out_len, s, n);
    c->out_len += n;
}

/* flush - send what the socket takes now; a failed send marks the client dead. */
static void flush(struct client *c, uint64_t now)
{
    size_t done = 0;
    while (done < c->out_len) {
        ssize_t w = send(c->fd, c->out + done, c->out_len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        c->dead = true;
        c->why = "its connection failed";
        break;
    }
    if (done > 0) {
        memmove(c->out, c->out + done, c->out_len - done);
        c->out_len -= done;
        c->last_progress_ms = now;
    }
    if (c->out_len == 0)
        c->last_progress_ms = now;
}

/* ------------------------------------------------------------ clients */

static void client_close(struct client *c)
{
    if (c->fd < 0)
        return;
    if (c->why)
        KINFO("console", "session closed: %s", c->why);
    hosted_idle_unwatch_fd(c->fd);
    close(c->fd);
    c->fd = -1;
    c->dead = false;
    c->why = NULL;
    c->out_len = c->in_len = 0;
}

/* say_and_close - a last line, sent if the socket takes it, then close. */
static void say_and_close(struct client *c, const char *line, const char *why)
{
    (void)send(c->fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
    c->why = why;
    client_close(c);
}

/* free_slot - a free slot, or the one of the session idle longest if idle enough. */
static struct client *free_slot(uint64_t now)
{
    struct client *idlest = NULL;
    for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS; i++) {
        struct client *c = &sk.clients[i];
        if (c->fd < 0)
            return c;
        if (idlest == NULL || c->last_input_ms < idlest->last_input_ms)
            idlest = c;
    }
    if (idlest != NULL && now - idlest->last_input_ms >= CONSOLE_EVICT_IDLE_S * 1000u) {
        say_and_close(idlest, "\nspindle console: closed for a new session (idle)\n",
                      "replaced by a new session while idle");
        return idlest;
    }
    return NULL;
}

static void accept_clients(struct listener *l, uint64_t now)
{
    for (;;) {
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN: nobody waiting; anything else: try again next poll */
        struct client *c = free_slot(now);
        if (c == NULL || hosted_idle_watch_fd(fd) < 0) {
            static const char busy[] = "spindle console: too many sessions; try again later\n";
            (void)send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            close(fd);
            continue;
        }
        if (c->out == NULL && (c->out = malloc(CONSOLE_OUT_MAX)) == NULL) {
            hosted_idle_unwatch_fd(fd);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->dead = false;
        c->why = NULL;
        c->from = l;
        c->out_len = c->in_len = 0;
        c->last_input_ms = c->last_progress_ms = now;
        unsigned flags = CONSOLE_SHOW_PROMPT | (l->ro ? CONSOLE_READONLY : 0);
        console_session_init(&c->session, client_write, c, flags);
        console_puts(&c->session, l->ro ? "spindle console (read-only); 'help' lists the commands\n"
                                        : "spindle console; 'help' lists the commands\n");
        console_prompt(&c->session);
    }
}

/* next_line_end - bytes of @c's input up to and including its first line end, 0 if none. */
static size_t next_line_end(const struct client *c)
{
    for (size_t i = 0; i < c->in_len; i++)
        if (c->in[i] == '\n' || c->in[i] == '\r')
            return i + 1;
    return 0;
}

/* run_lines - run at most CONSOLE_LINES_PER_POLL complete lines of @c's input. */
static void run_lines(struct client *c)
{
    for (unsigned n = 0; n < CONSOLE_LINES_PER_POLL && !c->dead; n++) {
        size_t k = next_line_end(c);
        if (k == 0 && c->in_len == IN_MAX)
            k = c->in_len; /* no line end in a full buffer: the editor says "too long" */
        if (k == 0)
            return;
        enum console_status st = console_feed(&c->session, c->in, k);
        memmove(c->in, c->in + k, c->in_len - k);
        c->in_len -= k;
        if (st == CONSOLE_QUIT) {
            c->dead = true;
            c->why = NULL;
            return;
        }
        if (st == CONSOLE_SHUTDOWN) {
            sk.shutdown = true;
            return;
        }
    }
}

static void client_poll(struct client *c, uint64_t now)
{
    flush(c, now);
    /* Read only while the output is small: a client that does not read its
     * answers stops being served, and the appliance never waits for it. */
    while (!c->dead && c->out_len < CONSOLE_OUT_HIGH && c->in_len < IN_MAX &&
           next_line_end(c) == 0) {
        ssize_t r = recv(c->fd, c->in + c->in_len, IN_MAX - c->in_len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (r <= 0) {
            c->dead = true;
            c->why = NULL;
            break;
        }
        c->in_len += (size_t)r;
        c->last_input_ms = now;
    }
    if (!c->dead && c->out_len < CONSOLE_OUT_HIGH)
        run_lines(c);
    flush(c, now);
    if (!c->dead && c->out_len > 0 && now - c->last_progress_ms >= CONSOLE_STALL_MS) {
        c->dead = true;
        c->why = "it did not read its output for 5 s";
    }
    unsigned idle_s = c->from->idle_s;
    if (!c->dead && idle_s > 0 && now - c->last_input_ms >= (uint64_t)idle_s * 1000u) {
        say_and_close(c, "\nspindle console: idle timeout; bye\n", "idle timeout");
        return;
    }
    if (c->dead)
        client_close(c);
}

/* ----------------------------------------------------------- listeners */

/* parse_spec - "unix:PATH[,mode=OCTAL][,group=G][,ro][,idle=S]" into @l, @mode, @gid. */
static int parse_spec(const char *spec, struct listener *l, mode_t *mode, gid_t *gid, char *err,
                      size_t errlen)
{
    const char *p = spec + 5, *comma = strchr(p, ',');
    size_t plen = comma ? (size_t)(comma - p) : strlen(p);
    if (plen == 0 || plen >= sizeof l->path) {
        snprintf(err, errlen, "--console %s: a socket path needs 1..%zu bytes", spec,
                 sizeof l->path - 1);
        return -KE_INVAL;
    }
    memcpy(l->path, p, plen);
    l->path[plen] = '\0';
    *mode = 0600;
    *gid = (gid_t)-1;
    l->idle_s = CONSOLE_IDLE_S;
    while (comma != NULL) {
        const char *o = comma + 1;
        comma = strchr(o, ',');
        size_t n = comma ? (size_t)(comma - o) : strlen(o);
        char opt[64];
        if (n >= sizeof opt) {
            snprintf(err, errlen, "--console %s: option too long", spec);
            return -KE_INVAL;
        }
        memcpy(opt, o, n);
        opt[n] = '\0';
        char *end = NULL;
        if (strcmp(opt, "ro") == 0) {
            l->ro = true;
        } else if (strncmp(opt, "mode=", 5) == 0) {
            unsigned long m = strtoul(opt + 5, &end, 8);
            if (end == opt + 5 || *end || m > 0777 || (m & 0600) != 0600) {
                snprintf(err, errlen,
                         "--console %s: mode=%s: expected octal 0600..0777 with "
                         "the owner's read and write",
                         spec, opt + 5);
                return -KE_INVAL;
            }
            *mode = (mode_t)m;
        } else if (strncmp(opt, "group=", 6) == 0) {
            const struct group *g = getgrnam(opt + 6);
            unsigned long id = strtoul(opt + 6, &end, 10);
            if (g != NULL) {
                *gid = g->gr_gid;
            } else if (end != opt + 6 && *end == '\0') {
                *gid = (gid_t)id;
            } else {
                snprintf(err, errlen, "--console %s: group=%s: no such group", spec, opt + 6);
                return -KE_INVAL;
            }
        } else if (strncmp(opt, "idle=", 5) == 0) {
            unsigned long s = strtoul(opt + 5, &end, 10);
            if (end == opt + 5 || *end || s > 86400) {
                snprintf(err, errlen,
                         "--console %s: idle=%s: expected seconds 0..86400 "
                         "(0: none)",
                         spec, opt + 5);
                return -KE_INVAL;
            }
            l->idle_s = (unsigned)s;
        } else {
            snprintf(err, errlen,
                     "--console %s: unknown option '%s' (expected mode=, group=, "
                     "ro, idle=)",
                     spec, opt);
            return -KE_INVAL;
        }
    }
    return 0;
}

/* stale_or_free - 0 when @path may be bound (absent, or a socket nobody accepts on). */
static int stale_or_free(const struct sockaddr_un *sa, const char *spec, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(sa->sun_path, &st) != 0)
        return 0;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "--console %s: exists and is not a socket", spec);
        return -KE_EXIST;
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool in_use = probe >= 0 && connect(probe, (const struct sockaddr *)sa, sizeof *sa) == 0;
    if (probe >= 0)
        close(probe);
    if (in_use) {
        snprintf(err, errlen, "--console %s: in use by another process", spec);
        return -KE_EXIST;
    }
    unlink(sa->sun_path);
    return 0;
}

int console_sock_open(const char *spec, bool ro, char *err, size_t errlen)
{
    if (sk.nls == 0)
        for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS; i++)
            sk.clients[i].fd = -1;
    if (sk.nls == CONSOLE_MAX_LISTENERS) {
        snprintf(err, errlen, "--console %s: at most %u socket consoles", spec,
                 CONSOLE_MAX_LISTENERS);
        return -KE_TOOBIG;
    }
    struct listener *l = &sk.ls[sk.nls];
    memset(l, 0, sizeof *l);
    l->fd = -1;
    l->ro = ro;
    mode_t mode;
    gid_t gid;
    int rc = parse_spec(spec, l, &mode, &gid, err, errlen);
    if (rc < 0)
        return rc;
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, l->path, strlen(l->path) + 1);
    if ((rc = stale_or_free(&sa, spec, err, errlen)) < 0)
        return rc;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* The file is born 0600: no moment where another user may connect. */
    mode_t old = umask(0177);
    int bound = fd >= 0 ? bind(fd, (struct sockaddr *)&sa, sizeof sa) : -1;
    umask(old);
    if (fd < 0 || bound < 0 || chmod(l->path, mode) < 0 ||
        (gid != (gid_t)-1 && chown(l->path, (uid_t)-1, gid) < 0) || listen(fd, 8) < 0) {
        snprintf(err, errlen, "--console %s: %s", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        if (bound == 0)
            unlink(l->path);
        return -KE_IO;
    }
    rc = hosted_idle_watch_fd(fd);
    if (rc < 0) {
        snprintf(err, errlen, "--console %s: %s", spec, kerr_str(rc));
        close(fd);
        unlink(l->path);
        return rc;
    }
    l->fd = fd;
    sk.nls++;
    char octal[8];
    snprintf(octal, sizeof octal, "%03o", (unsigned)mode); /* klog has no %o */
    KINFO("console", "listening on %s (mode %s%s)", l->path, octal, l->ro ? ", read-only" : "");
    return 0;
}

bool console_sock_poll(void)
{
    uint64_t now = now_ms();
    for (unsigned i = 0; i < sk.nls; i++)
        accept_clients(&sk.ls[i], now);
    for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS; i++)
        if (sk.nls > 0 && sk.clients[i].fd >= 0)
            client_poll(&sk.clients[i], now);
    return sk.shutdown;
}

bool console_sock_busy(void)
{
    for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS && sk.nls > 0; i++) {
        const struct client *c = &sk.clients[i];
        if (c->fd < 0)
            continue;
        if (next_line_end(c) > 0 && c->out_len < CONSOLE_OUT_HIGH)
            return true;
        if (c->out_len > 0) {
            struct pollfd p = { .fd = c->fd, .events = POLLOUT };
            if (poll(&p, 1, 0) > 0 && (p.revents & POLLOUT))
                return true;
        }
    }
    return false;
}

void console_sock_close(void)
{
    for (unsigned i = 0; i < CONSOLE_MAX_CLIENTS && sk.nls > 0; i++) {
        struct client *c = &sk.clients[i];
        if (c->fd >= 0) {
            flush(c, now_ms());
            client_close(c);
        }
        free(c->out);
        c->out = NULL;
    }
    for (unsigned i = 0; i < sk.nls; i++) {
        hosted_idle_unwatch_fd(sk.ls[i].fd);
        close(sk.ls[i].fd);
        unlink(sk.ls[i].path);
    }
    sk.nls = 0;
    sk.shutdown = false;
}
