/*
 * kernel/arch/hosted/arch.c — the hosted target: spindle as a Linux process.
 * Console is standard error, the clock CLOCK_MONOTONIC, memory comes from
 * libc (so ASan sees every allocation), idle is poll() on the wait_fd of
 * every live port (kernel/port.h) and on the descriptors registered with
 * hosted_idle_watch_fd (kernel/arch/hosted/hosted.h: the console) until the
 * next timer deadline.
 */
#include "kernel/arch.h"
#include "kernel/arch/hosted/hosted.h"
#include "kernel/kerr.h"
#include "kernel/port.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void arch_console_write(const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(2, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

int arch_console_getc(void)
{
    return -1;
}

uint64_t arch_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void *arch_alloc(size_t size, size_t align)
{
    void *p = NULL;
    if (align < sizeof(void *))
        align = sizeof(void *);
    if (posix_memalign(&p, align, size ? size : 1) != 0)
        return NULL;
    memset(p, 0, size);
    return p;
}

void *arch_alloc_raw(size_t size, size_t align)
{
    void *p = NULL;
    if (align < sizeof(void *))
        align = sizeof(void *);
    if (posix_memalign(&p, align, size ? size : 1) != 0)
        return NULL;
    return p;
}

void arch_free(void *p)
{
    free(p);
}

struct fdset {
    struct pollfd fds[64 + HOSTED_IDLE_WATCH_MAX];
    nfds_t n;
};

/* Descriptors registered with hosted_idle_watch_fd (kernel/arch/hosted/hosted.h). */
static int watched[HOSTED_IDLE_WATCH_MAX];
static unsigned nwatched;

int hosted_idle_watch_fd(int fd)
{
    if (fd < 0)
        return -KE_INVAL;
    for (unsigned i = 0; i < nwatched; i++)
        if (watched[i] == fd)
            return 0;
    if (nwatched == HOSTED_IDLE_WATCH_MAX)
        return -KE_TOOBIG;
    watched[nwatched++] = fd;
    return 0;
}

void hosted_idle_unwatch_fd(int fd)
{
    for (unsigned i = 0; i < nwatched; i++) {
        if (watched[i] == fd) {
            watched[i] = watched[--nwatched];
            return;
        }
    }
}

static void collect(struct kport *port, void *ctx)
{
    struct fdset *s = ctx;
    if (port->wait_fd >= 0 && s->n < 64) {
        s->fds[s->n].fd = port->wait_fd;
        s->fds[s->n].events = POLLIN;
        s->fds[s->n].revents = 0;
        s->n++;
    }
}

void arch_idle(uint64_t deadline_ns)
{
    struct fdset s = { .n = 0 };
    kport_foreach(collect, &s);
    for (unsigned i = 0; i < nwatched; i++) {
        s.fds[s.n].fd = watched[i];
        s.fds[s.n].events = POLLIN;
        s.fds[s.n].revents = 0;
        s.n++;
    }
    int timeout_ms = -1;
    if (deadline_ns != UINT64_MAX) {
        uint64_t now = arch_clock_ns();
        uint64_t d = deadline_ns > now ? deadline_ns - now : 0;
        uint64_t ms = (d + 999999u) / 1000000u;
        timeout_ms = ms > 1000 ? 1000 : (int)ms;
    } else {
        timeout_ms = 1000; /* wake at least once a second to check for signals */
    }
    /* poll() returns early with EINTR on SIGINT/SIGTERM: the caller re-checks. */
    (void)poll(s.fds, s.n, timeout_ms);
}

_Noreturn void arch_halt(int status)
{
    exit(status);
}
