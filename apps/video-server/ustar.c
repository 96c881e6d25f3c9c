/*
 * apps/video-server/ustar.c — tar archive reader (POSIX ustar, GNU, pax
 * extended headers); see ustar.h. Header layout: IEEE Std 1003.1-2017,
 * "pax", section "ustar Interchange Format"; pax records: same standard,
 * "pax Extended Header"; GNU extensions: the GNU tar manual, "Basic Tar
 * Format" (magic "ustar  ", typeflag 'L', base-256 numbers).
 */
#include "apps/video-server/ustar.h"
#include "kernel/klib.h"
#include "kernel/kerr.h"

/* Byte offsets and widths of the header fields (POSIX ustar). */
enum {
    H_NAME = 0,
    H_NAME_LEN = 100,
    H_SIZE = 124,
    H_SIZE_LEN = 12,
    H_CHKSUM = 148,
    H_CHKSUM_LEN = 8,
    H_TYPEFLAG = 156,
    H_MAGIC = 257,
    H_VERSION = 263,
    H_PREFIX = 345,
    H_PREFIX_LEN = 155
};

enum magic { MAGIC_NONE, MAGIC_POSIX, MAGIC_GNU };

/* Pending metadata from pax 'x' or GNU 'L' headers for the next member. */
struct pending {
    bool has_name;
    bool has_size;
    uint64_t size;
    uint64_t first_off;
    char name[USTAR_NAME_MAX + 1];
};

void ustar_open(struct ustar_reader *r, ustar_read_fn read, void *ctx, uint64_t dev_size)
{
    memset(r, 0, sizeof *r);
    r->read = read;
    r->ctx = ctx;
    r->dev_size = dev_size;
}

/* A header name field made printable for a message ('?' for other bytes). */
static void printable(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && src[i] && k + 1 < cap; i++)
        dst[k++] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
    if (cap)
        dst[k] = '\0';
}

__attribute__((format(printf, 6, 7))) static int fail(struct ustar_reader *r, int code, char *err,
                                                      size_t errlen, const char *name,
                                                      const char *fmt, ...)
{
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (err && errlen) {
        if (name && name[0])
            ksnprintf(err, errlen, "tar entry %u '%s' (header at byte %llu): %s", r->index, name,
                      (unsigned long long)r->off, why);
        else
            ksnprintf(err, errlen, "tar entry %u (header at byte %llu): %s", r->index,
                      (unsigned long long)r->off, why);
    }
    r->end = true;
    return code;
}

/*
 * A numeric header field: octal digits, optionally led by spaces and ended by
 * a space or NUL (POSIX), or GNU base-256 (first byte 0x80, then big-endian).
 * Returns false when the field holds anything else or overflows 64 bits.
 */
static bool parse_number(const uint8_t *f, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (f[0] & 0x80) {
        if (f[0] != 0x80) /* 0xff: negative numbers; other values undefined */
            return false;
        for (size_t i = 1; i < n; i++) {
            if (v >> 56)
                return false;
            v = (v << 8) | f[i];
        }
        *out = v;
        return true;
    }
    size_t i = 0;
    while (i < n && f[i] == ' ')
        i++;
    size_t digits = 0;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
        if (v >> 61)
            return false;
        v = (v << 3) | (uint64_t)(f[i] - '0');
    }
    for (; i < n; i++) /* terminators: spaces and NULs only */
        if (f[i] != ' ' && f[i] != '\0')
            return false;
    if (!digits)
        return false;
    *out = v;
    return true;
}

static bool all_zero(const uint8_t *b)
{
    for (unsigned i = 0; i < USTAR_BLOCK; i++)
        if (b[i])
            return false;
    return true;
}

/* POSIX checksum (unsigned) and the historical signed variant. */
static void checksums(const uint8_t *b, uint32_t *usum, int32_t *ssum)
{
    uint32_t u = 0;
    int32_t s = 0;
    for (unsigned i = 0; i < USTAR_BLOCK; i++) {
        uint8_t c = (i >= H_CHKSUM && i < H_CHKSUM + H_CHKSUM_LEN) ? (uint8_t)' ' : b[i];
        u += c;
        s += (int8_t)c;
    }
    *usum = u;
    *ssum = s;
}

static enum magic header_magic(const uint8_t *b)
{
    if (!memcmp(b + H_MAGIC, "ustar\0", 6) && !memcmp(b + H_VERSION, "00", 2))
        return MAGIC_POSIX;
    if (!memcmp(b + H_MAGIC, "ustar ", 6) && !memcmp(b + H_VERSION, " \0", 2))
        return MAGIC_GNU;
    return MAGIC_NONE;
}

/* Bytes of data blocks after a header of @size data bytes (rounded to 512). */
static uint64_t padded(uint64_t size)
{
    return (size + USTAR_BLOCK - 1) / USTAR_BLOCK * USTAR_BLOCK;
}

/*
 * Parse pax extended header records "LEN KEY=VALUE\n" (LEN counts the whole
 * record in decimal) from r->pax[0..n); apply "path" and "size".
 */
static int parse_pax(struct ustar_reader *r, size_t n, struct pending *pd, char *err, size_t errlen,
                     const char *hname)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i, len = 0;
        while (j < n && r->pax[j] >= '0' && r->pax[j] <= '9' && len < 100000)
            len = len * 10 + (size_t)(r->pax[j++] - '0');
        if (j == i || j >= n || r->pax[j] != ' ' || len <= j - i + 1 || len > n - i ||
            r->pax[i + len - 1] != '\n')
            return fail(r, -KE_INVAL, err, errlen, hname,
                        "pax extended header: malformed record at byte %zu of %zu", i, n);
        const char *key = &r->pax[j + 1];
        size_t kvlen = i + len - 1 - (j + 1); /* "KEY=VALUE" without the newline */
        size_t eq = 0;
        while (eq < kvlen && key[eq] != '=')
            eq++;
        if (eq == 0 || eq == kvlen)
            return fail(r, -KE_INVAL, err, errlen, hname,
                        "pax extended header: record at byte %zu has no KEY=", i);
        const char *val = key + eq + 1;
        size_t vlen = kvlen - eq - 1;
        if (eq == 4 && !memcmp(key, "path", 4)) {
            size_t nul = 0;
            while (nul < vlen && val[nul])
                nul++;
            if (vlen == 0 || vlen > USTAR_NAME_MAX || nul != vlen)
                return fail(r, -KE_INVAL, err, errlen, hname,
                            "pax path of %zu bytes (empty, NUL inside or over %u)", vlen,
                            USTAR_NAME_MAX);
            memcpy(pd->name, val, vlen);
            pd->name[vlen] = '\0';
            pd->has_name = true;
        } else if (eq == 4 && !memcmp(key, "size", 4)) {
            if (kparse_u64(val, vlen, &pd->size) < 0 || (vlen > 1 && val[0] == '0'))
                return fail(r, -KE_INVAL, err, errlen, hname,
                            "pax size '%.*s' is not a decimal number", (int)(vlen < 24 ? vlen : 24),
                            val);
            pd->has_size = true;
        }
        i += len;
    }
    return 0;
}

/* Read the @size data bytes of a pax or GNU long-name header into r->pax. */
static int read_meta(struct ustar_reader *r, uint64_t data_off, uint64_t size, char *err,
                     size_t errlen, const char *hname)
{
    if (size > USTAR_PAX_MAX)
        return fail(r, -KE_INVAL, err, errlen, hname,
                    "extended header of %llu bytes (at most %u accepted)", (unsigned long long)size,
                    USTAR_PAX_MAX);
    int rc = r->read(r->ctx, data_off, r->pax, (uint32_t)size);
    if (rc < 0)
        return fail(r, rc, err, errlen, hname, "reading %llu bytes at %llu: %s",
                    (unsigned long long)size, (unsigned long long)data_off, kerr_str(rc));
    return 0;
}

int ustar_next(struct ustar_reader *r, struct ustar_entry *e, char *err, size_t errlen)
{
    struct pending pd = { .first_off = r->off };
    memset(e, 0, sizeof *e); /* defined on every return, not only 1 */
    if (r->end)
        return 0;
    for (;;) {
        if (r->off + USTAR_BLOCK > r->dev_size) {
            if (pd.has_name || pd.has_size)
                return fail(r, -KE_INVAL, err, errlen, pd.name,
                            "archive ends after an extended header, before its member");
            return fail(r, -KE_INVAL, err, errlen, NULL,
                        "device ends at byte %llu without the end-of-archive marker "
                        "(two zero blocks): truncated archive",
                        (unsigned long long)r->dev_size);
        }
        int rc = r->read(r->ctx, r->off, r->block, USTAR_BLOCK);
        if (rc < 0)
            return fail(r, rc, err, errlen, NULL, "reading the header: %s", kerr_str(rc));
        const uint8_t *b = r->block;
        if (all_zero(b)) {
            if (pd.has_name || pd.has_size)
                return fail(r, -KE_INVAL, err, errlen, pd.name,
                            "zero block after an extended header, before its member");
            uint64_t next = r->off + USTAR_BLOCK;
            if (next + USTAR_BLOCK <= r->dev_size) {
                rc = r->read(r->ctx, next, r->block, USTAR_BLOCK);
                if (rc < 0)
                    return fail(r, rc, err, errlen, NULL, "reading the second end block: %s",
                                kerr_str(rc));
                if (!all_zero(r->block))
                    return fail(r, -KE_INVAL, err, errlen, NULL,
                                "a lone zero block followed by data at byte %llu",
                                (unsigned long long)next);
            }
            r->end = true;
            return 0;
        }
        char hname[H_NAME_LEN + 1];
        printable(hname, sizeof hname, b + H_NAME, H_NAME_LEN);
        uint64_t stored;
        if (!parse_number(b + H_CHKSUM, H_CHKSUM_LEN, &stored))
            return fail(r, -KE_INVAL, err, errlen, hname,
                        "checksum field is not an octal number: not a tar header");
        uint32_t usum;
        int32_t ssum;
        checksums(b, &usum, &ssum);
        if (stored != usum && (int64_t)stored != ssum)
            return fail(r, -KE_INVAL, err, errlen, hname,
                        "header checksum field says %llu but the header sums to %u",
                        (unsigned long long)stored, usum);
        enum magic magic = header_magic(b);
        if (magic == MAGIC_NONE)
            return fail(r, -KE_INVAL, err, errlen, hname,
                        "magic is not \"ustar\" (POSIX or GNU): unsupported tar format");
        uint64_t size;
        if (!parse_number(b + H_SIZE, H_SIZE_LEN, &size))
            return fail(r, -KE_INVAL, err, errlen, hname, "size field is not a number");
        char type = (char)b[H_TYPEFLAG];
        /* POSIX: links, devices, FIFOs and directories have no data blocks. */
        if (type == '1' || type == '2' || type == '3' || type == '4' || type == '5' || type == '6')
            size = 0;
        if (pd.has_size && type != 'x' && type != 'g' && type != 'L' && type != 'K')
            size = pd.size;
        uint64_t data_off = r->off + USTAR_BLOCK;
        if (size > r->dev_size - data_off || padded(size) > r->dev_size - data_off)
            return fail(r, -KE_INVAL, err, errlen, pd.has_name ? pd.name : hname,
                        "%llu data bytes from byte %llu run past the end of the device "
                        "(%llu bytes): truncated archive",
                        (unsigned long long)size, (unsigned long long)data_off,
                        (unsigned long long)r->dev_size);
        if (type == 'x' || type == 'L') {
            rc = read_meta(r, data_off, size, err, errlen, hname);
            if (rc < 0)
                return rc;
            if (type == 'x') {
                rc = parse_pax(r, (size_t)size, &pd, err, errlen, hname);
                if (rc < 0)
                    return rc;
            } else {
                size_t n = 0;
                while (n < size && r->pax[n])
                    n++;
                if (n == 0 || n > USTAR_NAME_MAX)
                    return fail(r, -KE_INVAL, err, errlen, hname,
                                "GNU long name of %zu bytes (empty or over %u)", n, USTAR_NAME_MAX);
                memcpy(pd.name, r->pax, n);
                pd.name[n] = '\0';
                pd.has_name = true;
            }
            r->off = data_off + padded(size);
            continue;
        }
        if (type == 'g' || type == 'K') { /* global pax header, GNU long link name */
            r->off = data_off + padded(size);
            continue;
        }
        /* A member: name from the pending long name, else prefix '/' name. */
        memset(e, 0, sizeof *e);
        if (pd.has_name) {
            memcpy(e->name, pd.name, sizeof e->name);
        } else {
            size_t k = 0;
            if (magic == MAGIC_POSIX && b[H_PREFIX]) {
                while (k < H_PREFIX_LEN && b[H_PREFIX + k])
                    e->name[k] = (char)b[H_PREFIX + k], k++;
                e->name[k++] = '/';
            }
            for (size_t i = 0; i < H_NAME_LEN && b[H_NAME + i]; i++)
                e->name[k++] = (char)b[H_NAME + i];
            e->name[k] = '\0';
        }
        if (!e->name[0])
            return fail(r, -KE_INVAL, err, errlen, NULL, "empty name");
        e->header_off = pd.first_off;
        e->data_off = data_off;
        e->size = size;
        e->typeflag = type;
        r->off = data_off + padded(size);
        r->index++;
        return 1;
    }
}

int ustar_list(struct ustar_reader *r, ustar_read_fn read, void *ctx, uint64_t dev_size,
               struct ustar_entry *files, uint32_t cap, uint32_t *n, char *err, size_t errlen)
{
    struct ustar_entry e;
    int rc;
    *n = 0;
    ustar_open(r, read, ctx, dev_size);
    while ((rc = ustar_next(r, &e, err, errlen)) == 1) {
        if (!ustar_is_regular(&e))
            continue;
        if (*n == cap) {
            if (err && errlen)
                ksnprintf(err, errlen,
                          "tar archive holds more than %u regular files "
                          "('%s' is one too many)",
                          cap, e.name);
            *n = 0;
            return -KE_TOOBIG;
        }
        files[(*n)++] = e;
    }
    if (rc < 0)
        *n = 0;
    return rc;
}

static const char *skip_dot_slash(const char *s)
{
    while (s[0] == '.' && s[1] == '/')
        s += 2;
    return s;
}

const struct ustar_entry *ustar_find(const struct ustar_entry *files, uint32_t n, const char *name)
{
    name = skip_dot_slash(name);
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(skip_dot_slash(files[i].name), name))
            return &files[i];
    return NULL;
}
