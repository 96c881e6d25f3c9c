/*
 * drivers/dpdk/dpdk_eal.c — EAL initialisation once per process and the
 * log capture (dpdk_eal.h, dpdk.h).
 *
 * Before rte_eal_init: spindle's mempool handler is registered (the table
 * has RTE_MEMPOOL_MAX_OPS_IDX slots and EAL's plugins fill most of them),
 * and DPDK's log goes to standard error (EAL's default writes to standard
 * output and syslog). At process exit, pools whose buffers came back late
 * are destroyed and rte_eal_cleanup releases EAL's memory.
 *
 * Sources: DPDK 22.11 "EAL parameters" (Linux User Guide), rte_eal.h
 * (rte_eal_init, rte_eal_cleanup), rte_log.h (rte_openlog_stream).
 */
#include "drivers/dpdk/dpdk_eal.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "drivers/dpdk/dpdk.h"
#include "drivers/dpdk/dpdk_pool.h"
#include "kernel/kerr.h"

enum eal_state { EAL_DOWN, EAL_UP, EAL_FAILED };

static struct {
    enum eal_state state;
    char args[DPDK_EAL_STORE];  /* the argument string EAL was started with */
    char why[200];              /* the reason of a failed initialisation */
    char store[DPDK_EAL_STORE]; /* argv strings: EAL may keep pointers into them */
    char *argv[DPDK_EAL_MAX_ARGS];
} eal;

bool dpdk_eal_initialised(void)
{
    return eal.state == EAL_UP;
}

int dpdk_eal_split(const char *args, char *store, size_t storelen, char *argv[DPDK_EAL_MAX_ARGS])
{
    static const char prog[] = "spindle";
    size_t used = sizeof(prog);
    int argc = 1;
    const char *s = args;

    if (strlen(args) + sizeof(prog) + 1 > storelen)
        return -KE_INVAL;
    memcpy(store, prog, sizeof(prog));
    argv[0] = store;
    for (;;) {
        char quote = 0;
        char *w = store + used;

        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0')
            break;
        if (argc == DPDK_EAL_MAX_ARGS - 1)
            return -KE_INVAL;
        /* Each source byte yields at most one stored byte, so it fits. */
        while (*s != '\0' && (quote || (*s != ' ' && *s != '\t'))) {
            if (quote && *s == quote)
                quote = 0;
            else if (!quote && (*s == '\'' || *s == '"'))
                quote = *s;
            else
                store[used++] = *s;
            s++;
        }
        if (quote)
            return -KE_INVAL;
        store[used++] = '\0';
        argv[argc++] = w;
    }
    argv[argc] = NULL;
    return argc;
}

/* The CPUs this process may run on, as "0-3,6" (EAL's cpuset syntax). */
static void cpu_list(char *buf, size_t len)
{
    cpu_set_t set;
    size_t used = 0;
    int first = -1;

    buf[0] = '\0';
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        snprintf(buf, len, "0");
        return;
    }
    for (int cpu = 0; cpu <= CPU_SETSIZE; cpu++) {
        bool in = cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set);

        if (in && first < 0)
            first = cpu;
        if (!in && first >= 0 && used < len) {
            int last = cpu - 1;

            used += (size_t)snprintf(buf + used, len - used, "%s%d", used ? "," : "", first);
            if (last > first && used < len)
                used += (size_t)snprintf(buf + used, len - used, "-%d", last);
            first = -1;
        }
    }
    if (buf[0] == '\0')
        snprintf(buf, len, "0");
}

void dpdk_eal_default_args(char *buf, size_t len)
{
    char cpus[256];

    cpu_list(cpus, sizeof(cpus));
    snprintf(buf, len,
             "--no-huge -m 256 --no-pci --no-shconf --no-telemetry --log-level=notice "
             "--lcores=0@(%s)",
             cpus);
}

void dpdk_fmt(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

/* The capture stream's write function (fopencookie): every byte is kept,
 * and where the first complaint starts, read from DPDK's level of the
 * message being written (rte_log_cur_msg_loglevel; the stream is
 * unbuffered, so each write belongs to the message being logged). */
static ssize_t capture_write(void *cookie, const char *buf, size_t size)
{
    struct dpdk_log_capture *c = cookie;

    if (c->len + size + 1 > c->cap) {
        size_t cap = (c->len + size + 1) * 2;
        char *text = realloc(c->text, cap);

        if (text == NULL)
            return (ssize_t)size; /* lose the text, not the program */
        c->text = text;
        c->cap = cap;
    }
    if (!c->complained && rte_log_cur_msg_loglevel() <= (int)RTE_LOG_WARNING) {
        c->complained = true;
        c->complaint = c->len;
    }
    memcpy(c->text + c->len, buf, size);
    c->len += size;
    c->text[c->len] = '\0';
    return (ssize_t)size;
}

void dpdk_log_capture_begin(struct dpdk_log_capture *c)
{
    static const cookie_io_functions_t io = { .write = capture_write };

    memset(c, 0, sizeof(*c));
    c->stream = fopencookie(c, "w", io);
    if (c->stream == NULL)
        return;
    setvbuf(c->stream, NULL, _IONBF, 0);
    rte_openlog_stream(c->stream);
}

void dpdk_log_capture_end(struct dpdk_log_capture *c, char *first, size_t firstlen)
{
    first[0] = '\0';
    rte_openlog_stream(stderr);
    if (c->stream == NULL)
        return;
    fclose(c->stream);
    if (c->text != NULL && c->len > 0) {
        size_t start = c->complained ? c->complaint : 0, end;

        fwrite(c->text, 1, c->len, stderr);
        while (start < c->len && (c->text[start] == '\n' || c->text[start] == ' '))
            start++;
        end = start;
        while (end < c->len && c->text[end] != '\n')
            end++;
        dpdk_fmt(first, firstlen, "%.*s", (int)(end - start), c->text + start);
    }
    free(c->text);
    memset(c, 0, sizeof(*c));
}

bool dpdk_eal_no_pci(void)
{
    for (int i = 1; eal.state == EAL_UP && i < DPDK_EAL_MAX_ARGS && eal.argv[i] != NULL; i++)
        if (strcmp(eal.argv[i], "--no-pci") == 0)
            return true;
    return false;
}

static void eal_atexit(void)
{
    if (eal.state != EAL_UP)
        return;
    /* Pools left because a buffer was out at close: their last chance. */
    if (dpdk_pool_reap() == 0)
        rte_eal_cleanup();
}

/* Start EAL with @args; 0 or -KE_* with @err set and the failure remembered. */
static int eal_start(const char *args, char *err, size_t errlen)
{
    struct dpdk_log_capture cap;
    char said[160];
    int argc, rc, e, out;

    snprintf(eal.args, sizeof(eal.args), "%s", args);
    argc = dpdk_eal_split(args, eal.store, sizeof(eal.store), eal.argv);
    if (argc < 0) {
        snprintf(err, errlen,
                 "dpdk: eal=\"%s\": unbalanced quote, more than %d words or longer than %zu bytes",
                 args, DPDK_EAL_MAX_ARGS - 2, sizeof(eal.store) - 9);
        return argc; /* a syntax error: EAL was not touched, a corrected call may follow */
    }
    rc = dpdk_pool_register_ops();
    if (rc < 0) {
        dpdk_fmt(eal.why, sizeof(eal.why), "dpdk: cannot register the spindle mempool handler: %s",
                 strerror(-rc));
        eal.state = EAL_FAILED;
        dpdk_fmt(err, errlen, "%s", eal.why);
        return -KE_IO;
    }
    rte_openlog_stream(stderr);
    /* EAL prints its usage on standard output when it refuses an argument:
     * that belongs with the diagnostics, not with the program's output. */
    fflush(stdout);
    out = dup(STDOUT_FILENO);
    if (out >= 0)
        dup2(STDERR_FILENO, STDOUT_FILENO);
    dpdk_log_capture_begin(&cap);
    rc = rte_eal_init(argc, eal.argv);
    e = rte_errno;
    dpdk_log_capture_end(&cap, said, sizeof(said));
    if (out >= 0) {
        fflush(stdout);
        dup2(out, STDOUT_FILENO);
        close(out);
    }
    if (rc < 0) {
        dpdk_fmt(eal.why, sizeof(eal.why), "dpdk: EAL initialisation with \"%s\" failed: %s%s%s",
                 args, strerror(e), said[0] ? ": " : "", said);
        eal.state = EAL_FAILED;
        dpdk_fmt(err, errlen, "%s", eal.why);
        return -KE_IO;
    }
    eal.state = EAL_UP;
    atexit(eal_atexit);
    return 0;
}

int dpdk_eal_configure(const char *eal_args, char *err, size_t errlen)
{
    if (eal.state == EAL_UP) {
        snprintf(err, errlen, "dpdk: EAL is already initialised (with \"%s\")", eal.args);
        return -KE_EXIST;
    }
    if (eal.state == EAL_FAILED) {
        dpdk_fmt(err, errlen, "%s", eal.why);
        return -KE_IO;
    }
    return eal_start(eal_args, err, errlen);
}

int dpdk_eal_ensure(const char *eal_args, char *err, size_t errlen)
{
    char dflt[400];

    switch (eal.state) {
    case EAL_UP:
        if (eal_args != NULL && strcmp(eal_args, eal.args) != 0) {
            snprintf(err, errlen,
                     "dpdk: eal=\"%s\": EAL already runs with \"%s\" (one per process)", eal_args,
                     eal.args);
            return -KE_INVAL;
        }
        return 0;
    case EAL_FAILED: dpdk_fmt(err, errlen, "%s", eal.why); return -KE_IO;
    case EAL_DOWN: break;
    }
    if (eal_args == NULL) {
        dpdk_eal_default_args(dflt, sizeof(dflt));
        eal_args = dflt;
    }
    return eal_start(eal_args, err, errlen);
}
