/*
 * kernel/log.h — logging to the target console with a level and a
 * subsystem tag: "[  12.345678] ipv4: warn: ...". Timestamps are seconds of
 * kclock_now_ns().
 */
#ifndef SPINDLE_KERNEL_LOG_H
#define SPINDLE_KERNEL_LOG_H

#include <stdarg.h>

enum klog_level { KLOG_ERR = 0, KLOG_WARN = 1, KLOG_INFO = 2, KLOG_DEBUG = 3 };

/** klog_set_level - messages above @level are discarded (default KLOG_INFO). */
void klog_set_level(enum klog_level level);
/** klog_get_level - the current threshold. */
enum klog_level klog_get_level(void);

/** klog - log one line (a newline is appended) from subsystem @tag. */
void klog(enum klog_level level, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** kprintf - formatted console output, no prefix, no newline added. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** kvprintf - kprintf with a va_list. */
void kvprintf(const char *fmt, va_list ap);

/** kpanic - print a message and halt the machine with failure status 1. */
_Noreturn void kpanic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define KERR(tag, ...) klog(KLOG_ERR, tag, __VA_ARGS__)
#define KWARN(tag, ...) klog(KLOG_WARN, tag, __VA_ARGS__)
#define KINFO(tag, ...) klog(KLOG_INFO, tag, __VA_ARGS__)
#define KDEBUG(tag, ...) klog(KLOG_DEBUG, tag, __VA_ARGS__)

#endif
