/*
 * kernel/lib/fmt.c — kvsnprintf, the core's printf engine (freestanding).
 * Conversions: d i u x X p s c %; flags '-' '0'; width; precision for s;
 * length modifiers hh h l ll z.
 */
#include "kernel/klib.h"

struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, bool left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left)
        while (fill-- > 0)
            put(o, pad);
    for (size_t i = 0; i < n; i++)
        put(o, s[i]);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

static void put_number(struct out *o, uint64_t v, bool neg, unsigned base, bool upper, int width,
                       bool left, char pad)
{
    char tmp[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    if (neg && pad == '0') {
        put(o, '-');
        if (width > 0)
            width--;
        neg = false;
    }
    if (neg)
        tmp[n++] = '-';
    char rev[24];
    for (size_t i = 0; i < n; i++)
        rev[i] = tmp[n - 1 - i];
    put_padded(o, rev, n, width, left, pad);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        p++;
        bool left = false;
        char pad = ' ';
        for (;; p++) {
            if (*p == '-')
                left = true;
            else if (*p == '0')
                pad = '0';
            else
                break;
        }
        int width = 0;
        if (*p == '*') {
            width = va_arg(ap, int);
            p++;
        } else {
            while (*p >= '0' && *p <= '9')
                width = width * 10 + (*p++ - '0');
        }
        int prec = -1;
        if (*p == '.') {
            p++;
            prec = 0;
            if (*p == '*') {
                prec = va_arg(ap, int);
                p++;
            } else {
                while (*p >= '0' && *p <= '9')
                    prec = prec * 10 + (*p++ - '0');
            }
        }
        int lng = 0; /* 0 int, 1 long, 2 long long, 3 size_t, -1 short, -2 char */
        for (;; p++) {
            if (*p == 'l')
                lng = lng == 1 ? 2 : 1;
            else if (*p == 'z')
                lng = 3;
            else if (*p == 'h')
                lng = lng == -1 ? -2 : -1;
            else
                break;
        }
        if (left)
            pad = ' ';
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v;
            if (lng == 1)
                v = va_arg(ap, long);
            else if (lng == 2)
                v = va_arg(ap, long long);
            else if (lng == 3)
                v = (int64_t)va_arg(ap, size_t);
            else
                v = va_arg(ap, int);
            if (lng == -1)
                v = (short)v;
            else if (lng == -2)
                v = (signed char)v;
            bool neg = v < 0;
            uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            put_number(&o, u, neg, 10, false, width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v;
            if (lng == 1)
                v = va_arg(ap, unsigned long);
            else if (lng == 2)
                v = va_arg(ap, unsigned long long);
            else if (lng == 3)
                v = va_arg(ap, size_t);
            else
                v = va_arg(ap, unsigned);
            if (lng == -1)
                v = (unsigned short)v;
            else if (lng == -2)
                v = (unsigned char)v;
            put_number(&o, v, false, *p == 'u' ? 10 : 16, *p == 'X', width, left, pad);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            put(&o, '0');
            put(&o, 'x');
            put_number(&o, v, false, 16, false, width > 2 ? width - 2 : 0, left, pad);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t n = 0;
            while (s[n] && (prec < 0 || (int)n < prec))
                n++;
            put_padded(&o, s, n, width, left, ' ');
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            put_padded(&o, &c, 1, width, left, ' ');
            break;
        }
        case '%': put(&o, '%'); break;
        case '\0': p--; break;
        default:
            put(&o, '%');
            put(&o, *p);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
