/*
 * kernel/lib/string.c — memcpy and friends for bare-metal targets only (the
 * hosted target uses libc's). GCC may emit calls to memcpy/memset/memmove/
 * memcmp even in freestanding code, so these must exist with ISO C semantics.
 */
#include "kernel/klib.h"

/*
 * Word at a time where both ends allow it: a guest under emulation pays per
 * instruction, and the packet path copies and clears whole frames. Accesses
 * stay naturally aligned (the Alpha traps on unaligned quadwords).
 */
typedef uint64_t word_t;
#define WORD sizeof(word_t)
#define MISALIGNED(p) ((uintptr_t)(p) & (WORD - 1))

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (MISALIGNED(d) == MISALIGNED(s)) {
        while (n && MISALIGNED(d)) {
            *d++ = *s++;
            n--;
        }
        word_t *dw = (word_t *)(void *)d;
        const word_t *sw = (const word_t *)(const void *)s;
        for (; n >= 4 * WORD; n -= 4 * WORD, dw += 4, sw += 4) {
            dw[0] = sw[0];
            dw[1] = sw[1];
            dw[2] = sw[2];
            dw[3] = sw[3];
        }
        for (; n >= WORD; n -= WORD)
            *dw++ = *sw++;
        d = (uint8_t *)dw;
        s = (const uint8_t *)sw;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n); /* forward copying is safe: no overlap ahead */
    d += n;
    s += n;
    while (n--)
        *--d = *--s;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    while (n && MISALIGNED(d)) {
        *d++ = (uint8_t)c;
        n--;
    }
    word_t v = (uint8_t)c;
    v |= v << 8;
    v |= v << 16;
    v |= v << 32;
    word_t *dw = (word_t *)(void *)d;
    for (; n >= 4 * WORD; n -= 4 * WORD, dw += 4) {
        dw[0] = v;
        dw[1] = v;
        dw[2] = v;
        dw[3] = v;
    }
    for (; n >= WORD; n -= WORD)
        *dw++ = v;
    d = (uint8_t *)dw;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}
