/*
 * kernel/klib.h — the tiny freestanding libc subset the core uses.
 *
 * memcpy, memmove, memset, memcmp, strlen, strcmp and strncmp keep their ISO C
 * prototypes: the hosted target takes them from libc, bare-metal targets link
 * kernel/lib/string.c. Everything else is ours and k-prefixed.
 *
 * Byte-order helpers load and store through bytes, never with unaligned wide
 * accesses (the Alpha traps on those), and convert between network byte order
 * (big-endian, RFC 1700 "Data Notations") and host order.
 */
#ifndef SPINDLE_KERNEL_KLIB_H
#define SPINDLE_KERNEL_KLIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/**
 * kvsnprintf / ksnprintf - format into @buf of @size bytes, always
 * NUL-terminated when @size > 0. Supports %d %i %u %x %X %p %s %c %%, the
 * length modifiers l, ll, z, h, hh, a field width, '0' and '-' flags and a
 * precision for %s. Returns the length the full output would have had.
 */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** kstrlcpy - copy @src into @dst of @size bytes, truncating; returns strlen(src). */
size_t kstrlcpy(char *dst, const char *src, size_t size);

/**
 * kparse_u64 - parse decimal (or 0x-prefixed hex) digits of [@s, @s+@n) into
 * @out. Returns 0, or -KE_INVAL (no digits, stray character) / -KE_RANGE.
 */
int kparse_u64(const char *s, size_t n, uint64_t *out);

/** Network byte order (big-endian) loads and stores at any alignment. */
static inline uint16_t load_be16(const void *p)
{
    const uint8_t *b = p;
    return (uint16_t)((b[0] << 8) | b[1]);
}
static inline uint32_t load_be32(const void *p)
{
    const uint8_t *b = p;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}
static inline uint64_t load_be64(const void *p)
{
    return ((uint64_t)load_be32(p) << 32) | load_be32((const uint8_t *)p + 4);
}
static inline void store_be16(void *p, uint16_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}
static inline void store_be32(void *p, uint32_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}
static inline void store_be64(void *p, uint64_t v)
{
    store_be32(p, (uint32_t)(v >> 32));
    store_be32((uint8_t *)p + 4, (uint32_t)v);
}
/** Little-endian loads and stores (device descriptors) at any alignment. */
static inline uint16_t load_le16(const void *p)
{
    const uint8_t *b = p;
    return (uint16_t)(b[0] | (b[1] << 8));
}
static inline uint32_t load_le32(const void *p)
{
    const uint8_t *b = p;
    return b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}
static inline void store_le16(void *p, uint16_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}
static inline void store_le32(void *p, uint32_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}

/**
 * inet_csum_add - add [@p, @p+@n) to a running one's-complement sum @sum
 * (RFC 1071 section 4.1, 16-bit words in network byte order; an odd last
 * byte is padded with zero). @p need not be aligned. The result is folded
 * to at most 0xffff (congruent modulo 0xffff to the sum of the words, RFC
 * 1071 2(B)), so a caller may add a few more 16- or 32-bit terms before
 * inet_csum_fold() folds and complements it.
 */
uint32_t inet_csum_add(uint32_t sum, const void *p, size_t n);
/** inet_csum_fold - fold a running sum to 16 bits and complement it (RFC 1071). */
uint16_t inet_csum_fold(uint32_t sum);

/** Number of elements of a true array. */
#define KARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/** The enclosing structure of a member pointer. */
#define KCONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#endif
