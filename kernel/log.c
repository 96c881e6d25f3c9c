/* kernel/log.c — console logging (kernel/log.h). */
#include "kernel/log.h"
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/klib.h"

static enum klog_level threshold = KLOG_INFO;

void klog_set_level(enum klog_level level)
{
    threshold = level;
}

enum klog_level klog_get_level(void)
{
    return threshold;
}

void kvprintf(const char *fmt, va_list ap)
{
    char buf[512];
    int n = kvsnprintf(buf, sizeof buf, fmt, ap);
    if (n > (int)sizeof buf - 1)
        n = (int)sizeof buf - 1;
    arch_console_write(buf, (size_t)n);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

void klog(enum klog_level level, const char *tag, const char *fmt, ...)
{
    static const char *const names[] = { "error", "warn", "info", "debug" };
    if (level > threshold)
        return;
    char buf[512];
    uint64_t t = kclock_now_ns();
    int n =
        ksnprintf(buf, sizeof buf, "[%5llu.%06llu] %s: %s: ", (unsigned long long)(t / 1000000000u),
                  (unsigned long long)(t % 1000000000u / 1000u), tag, names[level]);
    if (n > (int)sizeof buf - 2)
        n = (int)sizeof buf - 2;
    va_list ap;
    va_start(ap, fmt);
    int m = kvsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
    va_end(ap);
    n += m;
    if (n > (int)sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    arch_console_write(buf, (size_t)n);
}

_Noreturn void kpanic(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1)
        n = (int)sizeof buf - 1;
    arch_console_write("panic: ", 7);
    arch_console_write(buf, (size_t)n);
    arch_console_write("\n", 1);
    arch_halt(1);
}
