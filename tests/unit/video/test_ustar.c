/*
 * Unit tests of apps/video-server/ustar.h: archives made by GNU tar in its
 * ustar, gnu and pax formats from files this test writes (a long path, an
 * empty file, a directory, a symbolic link) are listed with the right names,
 * sizes and data; damaged copies (each case says what is wrong) are refused
 * with a message naming the entry and the reason.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "videokit.h"
#include "apps/video-server/ustar.h"
#include "kernel/kerr.h"

#define LONGDIR                                                     \
    "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllll/" \
    "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm"
#define LONGNAME LONGDIR "/file.txt"

static char root[PATH_MAX];
static struct ustar_reader reader;
static const char *const regular[] = { "a.txt", "data.bin", "empty", "sub/clip@30.mjpeg",
                                       LONGNAME };

static void put(const char *rel, const void *data, size_t n)
{
    char path[2 * PATH_MAX];
    snprintf(path, sizeof path, "%s/src/%s", root, rel);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void make_tree(void)
{
    char cmd[4 * PATH_MAX];
    snprintf(root, sizeof root, "/tmp/spindle-ustar-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    snprintf(cmd, sizeof cmd, "mkdir -p %s/src/sub %s/src/" LONGDIR, root, root);
    cr_assert_eq(system(cmd), 0);
    put("a.txt", "hello, tar\n", 11);
    uint8_t data[1000];
    for (int i = 0; i < 1000; i++)
        data[i] = (uint8_t)(i * 7);
    put("data.bin", data, sizeof data);
    put("empty", "", 0);
    put("sub/clip@30.mjpeg", data, 513);
    put(LONGNAME, "deep\n", 5);
    snprintf(cmd, sizeof cmd, "%s/src/link", root);
    cr_assert_eq(symlink("a.txt", cmd), 0);
}

static void remove_tree(void)
{
    char cmd[2 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    system(cmd);
}

TestSuite(ustar, .init = make_tree, .fini = remove_tree);

/* GNU tar's archive of the tree in @format, in memory. */
static uint8_t *make_archive_of(const char *format, const char *members, size_t *n)
{
    char cmd[4 * PATH_MAX], path[2 * PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.tar", root, format);
    snprintf(cmd, sizeof cmd, "tar --format=%s -cf %s -C %s/src %s", format, path, root, members);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(*n);
    cr_assert_eq(fread(p, 1, *n, f), *n);
    fclose(f);
    return p;
}

static uint8_t *make_archive(const char *format, size_t *n)
{
    return make_archive_of(format, "a.txt data.bin empty sub " LONGDIR " link", n);
}

static void lists_the_tree(const char *format)
{
    size_t n;
    uint8_t *p = make_archive(format, &n);
    struct vk_dev dev = vk_dev(p, n);
    struct ustar_entry files[16];
    uint32_t count;
    char err[300] = "";
    cr_assert_eq(ustar_list(&reader, vk_read, &dev, n, files, 16, &count, err, sizeof err), 0,
                 "%s: %s", format, err);
    cr_assert_eq(count, 5, "%s: regular files only (no directory, no link)", format);
    for (unsigned i = 0; i < 5; i++) {
        const struct ustar_entry *e = ustar_find(files, count, regular[i]);
        cr_assert_not_null(e, "%s: %s missing", format, regular[i]);
        char path[2 * PATH_MAX];
        snprintf(path, sizeof path, "%s/src/%s", root, regular[i]);
        struct stat st;
        cr_assert_eq(stat(path, &st), 0);
        cr_assert_eq(e->size, (uint64_t)st.st_size, "%s: size of %s", format, regular[i]);
        cr_assert_eq(e->data_off % USTAR_BLOCK, 0);
        uint8_t *want = malloc(st.st_size + 1);
        FILE *f = fopen(path, "rb");
        cr_assert_eq(fread(want, 1, st.st_size, f), (size_t)st.st_size);
        fclose(f);
        cr_assert_eq(memcmp(p + e->data_off, want, st.st_size), 0, "%s: data of %s", format,
                     regular[i]);
        free(want);
    }
    free(p);
}

Test(ustar, posix_ustar_archive_from_gnu_tar)
{
    lists_the_tree("ustar");
}
Test(ustar, gnu_format_archive_with_a_long_name)
{
    lists_the_tree("gnu");
}
Test(ustar, pax_archive_with_extended_headers)
{
    lists_the_tree("pax");
}

Test(ustar, next_reports_directories_and_links_too)
{
    size_t n;
    uint8_t *p = make_archive("ustar", &n);
    struct vk_dev dev = vk_dev(p, n);
    struct ustar_entry e;
    char err[300];
    int rc, dirs = 0, links = 0, all = 0;
    ustar_open(&reader, vk_read, &dev, n);
    while ((rc = ustar_next(&reader, &e, err, sizeof err)) == 1) {
        all++;
        dirs += e.typeflag == '5';
        if (e.typeflag == '2') {
            links++;
            cr_assert_eq(e.size, 0, "a link has no data");
        }
    }
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_eq(ustar_next(&reader, &e, err, sizeof err), 0, "the end stays the end");
    cr_assert_eq(links, 1);
    cr_assert_eq(dirs, 2, "sub/ and l.../m.../ (its parent was not named)");
    cr_assert_eq(all, 5 + dirs + links);
    free(p);
}

Test(ustar, v7_archive_without_magic_is_refused)
{
    size_t n;
    uint8_t *p = make_archive_of("v7", "a.txt data.bin", &n); /* v7: no long names */
    struct vk_dev dev = vk_dev(p, n);
    struct ustar_entry files[16];
    uint32_t count;
    char err[300];
    cr_assert_eq(ustar_list(&reader, vk_read, &dev, n, files, 16, &count, err, sizeof err),
                 -KE_INVAL);
    cr_assert_eq(count, 0);
    cr_assert_not_null(strstr(err, "tar entry 0 'a.txt'"), "%s", err);
    cr_assert_not_null(strstr(err, "magic"), "%s", err);
    free(p);
}

Test(ustar, find_ignores_a_leading_dot_slash)
{
    struct ustar_entry e[2] = { { .name = "./a@30.mjpeg" }, { .name = "b.mjpeg" } };
    cr_assert_eq(ustar_find(e, 2, "a@30.mjpeg"), &e[0]);
    cr_assert_eq(ustar_find(e, 2, "./b.mjpeg"), &e[1]);
    cr_assert_null(ustar_find(e, 2, "c.mjpeg"));
}

/* ---- damaged archives ---------------------------------------------------- */

/* Header offset of the @k-th member (counting every member ustar_next reports). */
static uint64_t header_of(const uint8_t *p, size_t n, unsigned k)
{
    struct vk_dev dev = vk_dev(p, n);
    struct ustar_entry e;
    char err[300];
    ustar_open(&reader, vk_read, &dev, n);
    for (unsigned i = 0; i <= k; i++)
        cr_assert_eq(ustar_next(&reader, &e, err, sizeof err), 1, "%s", err);
    return e.header_off;
}

/* Write a correct POSIX checksum into the header at @h. */
static void fix_checksum(uint8_t *h)
{
    unsigned sum = 0;
    memset(h + 148, ' ', 8);
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
}

/* Listing [@p, @p + @dev_size) must fail with @rc and a message holding @a and @b. */
static void refused(const uint8_t *p, size_t dev_size, int rc, const char *a, const char *b)
{
    struct vk_dev dev = vk_dev(p, dev_size);
    struct ustar_entry files[16];
    uint32_t count = 99;
    char err[300] = "";
    cr_assert_eq(ustar_list(&reader, vk_read, &dev, dev_size, files, 16, &count, err, sizeof err),
                 rc, "accepted or wrong error; message: %s", err);
    cr_assert_eq(count, 0, "a refused archive lists nothing");
    cr_assert_not_null(strstr(err, a), "'%s' lacks '%s'", err, a);
    cr_assert_not_null(strstr(err, b), "'%s' lacks '%s'", err, b);
}

Test(ustar, damaged_headers_are_refused_naming_the_entry)
{
    size_t n;
    uint8_t *good = make_archive("ustar", &n);
    uint8_t *p = malloc(n);
    uint64_t h1 = header_of(good, n, 1); /* data.bin */

    memcpy(p, good, n); /* one bit of a name flipped: the checksum no longer matches */
    p[h1 + 2] = 'x';
    refused(p, n, -KE_INVAL, "tar entry 1 'daxa.bin'", "checksum");

    memcpy(p, good, n); /* magic "ustaR": not a format this reader knows */
    p[h1 + 261] = 'R';
    fix_checksum(p + h1);
    refused(p, n, -KE_INVAL, "tar entry 1 'data.bin'", "magic");

    memcpy(p, good, n); /* a '9' in the octal size */
    p[h1 + 124 + 5] = '9';
    fix_checksum(p + h1);
    refused(p, n, -KE_INVAL, "'data.bin'", "size field is not a number");

    memcpy(p, good, n); /* a size of 8 GiB - 1 in an archive of a few KiB */
    memcpy(p + h1 + 124, "77777777777", 11);
    fix_checksum(p + h1);
    refused(p, n, -KE_INVAL, "'data.bin'", "run past the end of the device");

    memcpy(p, good, n); /* a checksum field of letters: not a header at all */
    memcpy(p + h1 + 148, "abcdef\0 ", 8);
    refused(p, n, -KE_INVAL, "'data.bin'", "not a tar header");

    free(p);
    free(good);
}

Test(ustar, truncated_archives_are_refused)
{
    size_t n;
    uint8_t *p = make_archive("ustar", &n);
    uint64_t h1 = header_of(p, n, 1);
    /* the device ends 100 bytes into data.bin's data */
    refused(p, h1 + 512 + 100, -KE_INVAL, "'data.bin'", "truncated");
    /* the device ends right after the last member: no end-of-archive blocks */
    struct vk_dev dev = vk_dev(p, n);
    struct ustar_entry e;
    char err[300];
    uint64_t end = 0;
    ustar_open(&reader, vk_read, &dev, n);
    while (ustar_next(&reader, &e, err, sizeof err) == 1)
        end = e.data_off + (e.size + 511) / 512 * 512;
    refused(p, end, -KE_INVAL, "without the end-of-archive marker", "truncated");
    /* ... but one zero block that ends the device is an end */
    struct ustar_entry files[16];
    uint32_t count;
    dev = vk_dev(p, end + 512);
    cr_assert_eq(ustar_list(&reader, vk_read, &dev, end + 512, files, 16, &count, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(count, 5);
    free(p);
}

Test(ustar, a_lone_zero_block_before_more_members_is_refused)
{
    size_t n;
    uint8_t *p = make_archive("ustar", &n);
    uint64_t h2 = header_of(p, n, 2); /* "empty": no data block, next header follows */
    memset(p + h2, 0, 512);
    refused(p, n, -KE_INVAL, "lone zero block", "followed by data");
    free(p);
}

Test(ustar, malformed_pax_records_are_refused)
{
    size_t n;
    uint8_t *p = make_archive("pax", &n);
    /* the first pax 'x' header and its records "LEN KEY=VALUE\n" */
    uint64_t x = 0;
    while (x + 512 <= n && p[x + 156] != 'x')
        x += 512;
    cr_assert_lt(x + 512, n, "GNU tar --format=pax writes 'x' headers");
    uint8_t *rec = p + x + 512;
    cr_assert(rec[0] >= '1' && rec[0] <= '9', "a record starts with its length");
    rec[0] = (uint8_t)(rec[0] == '9' ? '8' : rec[0] + 1); /* the length is now wrong */
    refused(p, n, -KE_INVAL, "pax extended header", "malformed record");
    free(p);
}

Test(ustar, signed_checksums_and_base_256_sizes_are_read)
{
    size_t n;
    uint8_t *p = make_archive("ustar", &n);
    uint64_t h0 = header_of(p, n, 0); /* a.txt, 11 bytes */
    /* base-256 size: 0x80 then the size big-endian (GNU) */
    memset(p + h0 + 124, 0, 12);
    p[h0 + 124] = 0x80;
    p[h0 + 135] = 11;
    /* a name byte >= 0x80 and the checksum as historical tars summed: signed */
    p[h0 + 99] = 0xe9;
    int sum = 0;
    memset(p + h0 + 148, ' ', 8);
    for (int i = 0; i < 512; i++)
        sum += (int8_t)p[h0 + i];
    cr_assert_lt(sum, 0x10000);
    snprintf((char *)p + h0 + 148, 8, "%06o", (unsigned)sum);
    struct vk_dev dev = vk_dev(p, n);
    struct ustar_entry files[16];
    uint32_t count;
    char err[300] = "";
    cr_assert_eq(ustar_list(&reader, vk_read, &dev, n, files, 16, &count, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(files[0].size, 11);
    cr_assert_eq(memcmp(p + files[0].data_off, "hello, tar\n", 11), 0);
    free(p);
}

Test(ustar, capacity_and_read_errors)
{
    size_t n;
    uint8_t *p = make_archive("gnu", &n);
    struct vk_dev dev = vk_dev(p, n);
    struct ustar_entry files[2];
    uint32_t count = 7;
    char err[300] = "";
    cr_assert_eq(ustar_list(&reader, vk_read, &dev, n, files, 2, &count, err, sizeof err),
                 -KE_TOOBIG);
    cr_assert_eq(count, 0);
    cr_assert_not_null(strstr(err, "more than 2 regular files"), "%s", err);
    /* the device fails reading the second header: its error, named */
    dev = vk_dev(p, n);
    dev.fail_at = header_of(p, n, 1) + 10;
    count = 7;
    cr_assert_eq(ustar_list(&reader, vk_read, &dev, n, files, 2, &count, err, sizeof err), -KE_IO);
    cr_assert_eq(count, 0);
    cr_assert_not_null(strstr(err, "tar entry 1"), "%s", err);
    cr_assert_not_null(strstr(err, "i/o error"), "%s", err);
    free(p);
}
