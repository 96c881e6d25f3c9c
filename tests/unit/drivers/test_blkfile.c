/*
 * tests/unit/drivers/test_blkfile.c — the hosted image-file disk
 * (drivers/blkfile): what kblk reads equals what the file holds (a partial
 * last sector padded with zeros, as QEMU's raw format shows it to a VM),
 * writes and flushes on a writable image, the queue bound, abort on close,
 * and the error for every kind of bad file.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/blkfile/blkfile.h"
#include "kernel/blk.h"
#include "kernel/kerr.h"
#include "kernel/mem.h"
#include "kernel/stats.h"

#define IMG_BYTES (10u * 512u + 100u) /* ten whole sectors and a partial one */

static char dir[64];
static char img[128];
static uint8_t content[IMG_BYTES];

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

static void setup(void)
{
    strcpy(dir, "/tmp/spindle-blkfile.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(img, sizeof img, "%s/disk.img", dir);
    srand(7);
    for (size_t i = 0; i < IMG_BYTES; i++)
        content[i] = (uint8_t)rand();
    write_file(img, content, IMG_BYTES);
}

static void teardown(void)
{
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(blkfile, .init = setup, .fini = teardown, .timeout = 30);

static unsigned dones;
static void count_done(struct kblk_req *r)
{
    (void)r;
    dones++;
}

static uint64_t stat_of(const char *node, const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find(node, name, &v), 0);
    return v;
}

Test(blkfile, reads_what_the_file_holds_and_pads_the_last_sector)
{
    char err[200];
    cr_assert_eq(blkfile_open("disk0", img, err, sizeof err), 0, "%s", err);
    struct kblk *d = kblk_find("disk0");
    cr_assert_not_null(d);
    cr_assert_eq(d->sector_size, 512);
    cr_assert_eq(d->capacity, 11, "10 sectors and 100 bytes round up to 11");
    cr_assert(d->read_only);
    cr_assert_str_eq(d->driver, "blkfile");

    uint8_t buf[3 * 512];
    dones = 0;
    struct kblk_req r = { .op = KBLK_READ, .lba = 2, .nsect = 3, .buf = buf, .done = count_done };
    cr_assert_eq(kblk_submit(d, &r), 0);
    cr_assert_eq(dones, 0, "done from poll only");
    cr_assert(kblk_work_pending(), "no interrupt will come: the loop must poll");
    cr_assert_eq(kblk_poll_all(8), 1);
    cr_assert_eq(dones, 1);
    cr_assert_eq(r.status, 0);
    cr_assert_arr_eq(buf, content + 2 * 512, sizeof buf);
    cr_assert_not(kblk_work_pending());

    uint8_t last[512];
    memset(last, 0xEE, sizeof last);
    cr_assert_eq(kblk_read_sync(d, 10, 1, last, 1000000000ull), 0);
    cr_assert_arr_eq(last, content + 10 * 512, 100);
    for (unsigned i = 100; i < 512; i++)
        cr_assert_eq(last[i], 0, "byte %u past the end of the file reads 0", i);
    cr_assert_eq(stat_of("disk0", "reads"), 2);
    cr_assert_eq(stat_of("disk0", "read_bytes"), 4 * 512);

    struct kblk_req w = { .op = KBLK_WRITE, .lba = 0, .nsect = 1, .buf = buf };
    cr_assert_eq(kblk_submit(d, &w), -KE_PERM, "opened read-only");
    struct kblk_req past = { .op = KBLK_READ, .lba = 10, .nsect = 2, .buf = buf };
    cr_assert_eq(kblk_submit(d, &past), -KE_RANGE);
    kblk_close(d);
    cr_assert_null(kblk_find("disk0"));
}

Test(blkfile, writable_image_takes_writes_and_flushes)
{
    char err[200];
    uint64_t live = kmem_live();
    cr_assert_eq(blkfile_open_writable("disk1", img, err, sizeof err), 0, "%s", err);
    struct kblk *d = kblk_find("disk1");
    cr_assert_not(d->read_only);
    cr_assert(d->can_flush);
    uint8_t buf[2 * 512];
    memset(buf, 0x3C, sizeof buf);
    struct kblk_req w = { .op = KBLK_WRITE, .lba = 4, .nsect = 2, .buf = buf };
    struct kblk_req f = { .op = KBLK_FLUSH };
    cr_assert_eq(kblk_submit(d, &w), 0);
    cr_assert_eq(kblk_submit(d, &f), 0);
    cr_assert_eq(kblk_poll(d, 8), 2);
    cr_assert_eq(w.status, 0);
    cr_assert_eq(f.status, 0);
    cr_assert_eq(stat_of("disk1", "writes"), 1);
    cr_assert_eq(stat_of("disk1", "flushes"), 1);
    kblk_close(d);
    cr_assert_eq(kmem_live(), live, "the driver's state is freed at close");

    uint8_t back[IMG_BYTES];
    FILE *fp = fopen(img, "rb");
    cr_assert_eq(fread(back, 1, IMG_BYTES, fp), IMG_BYTES);
    fclose(fp);
    cr_assert_arr_eq(back + 4 * 512, buf, sizeof buf, "the file has the written sectors");
    cr_assert_arr_eq(back, content, 4 * 512, "and nothing else changed");
    cr_assert_arr_eq(back + 6 * 512, content + 6 * 512, IMG_BYTES - 6 * 512);
}

Test(blkfile, queue_is_bounded_and_close_fails_what_waits)
{
    char err[200];
    cr_assert_eq(blkfile_open("disk0", img, err, sizeof err), 0, "%s", err);
    struct kblk *d = kblk_find("disk0");
    static struct kblk_req r[BLKFILE_QUEUE_DEPTH + 1];
    static uint8_t buf[512];
    dones = 0;
    for (unsigned i = 0; i <= BLKFILE_QUEUE_DEPTH; i++)
        r[i] = (struct kblk_req){
            .op = KBLK_READ, .lba = i % 10, .nsect = 1, .buf = buf, .done = count_done
        };
    for (unsigned i = 0; i < BLKFILE_QUEUE_DEPTH; i++)
        cr_assert_eq(kblk_submit(d, &r[i]), 0);
    cr_assert_eq(kblk_submit(d, &r[BLKFILE_QUEUE_DEPTH]), -KE_AGAIN);
    cr_assert_eq(kblk_poll(d, 10), 10, "one request per unit of budget");
    cr_assert_eq(dones, 10);
    kblk_close(d);
    cr_assert_eq(dones, BLKFILE_QUEUE_DEPTH, "the rest completed at close");
    for (unsigned i = 10; i < BLKFILE_QUEUE_DEPTH; i++)
        cr_assert_eq(r[i].status, -KE_IO);
}

Test(blkfile, bad_files_are_refused_with_the_path)
{
    char err[200], path[160];
    uint64_t live = kmem_live();
    snprintf(path, sizeof path, "%s/nosuch.img", dir);
    cr_assert_eq(blkfile_open("disk0", path, err, sizeof err), -KE_NOENT);
    cr_assert(strstr(err, path), "message names the path: %s", err);
    cr_assert_eq(blkfile_open("disk0", dir, err, sizeof err), -KE_INVAL);
    cr_assert(strstr(err, "not a regular file"), "%s", err);
    snprintf(path, sizeof path, "%s/empty.img", dir);
    write_file(path, "", 0);
    cr_assert_eq(blkfile_open("disk0", path, err, sizeof err), -KE_INVAL);
    cr_assert(strstr(err, "empty"), "%s", err);
    cr_assert_eq(blkfile_open("", img, err, sizeof err), -KE_INVAL);
    cr_assert_eq(blkfile_open("a-name-much-too-long", img, err, sizeof err), -KE_INVAL);
    if (geteuid() != 0) { /* root reads anything */
        chmod(img, 0);
        cr_assert_eq(blkfile_open("disk0", img, err, sizeof err), -KE_PERM);
        chmod(img, 0644);
    }
    chmod(img, 0444);
    if (geteuid() != 0)
        cr_assert_eq(blkfile_open_writable("disk0", img, err, sizeof err), -KE_PERM);
    chmod(img, 0644);
    cr_assert_eq(blkfile_open("disk0", img, err, sizeof err), 0, "%s", err);
    cr_assert_eq(blkfile_open("disk0", img, err, sizeof err), -KE_EXIST);
    cr_assert(strstr(err, "disk0"), "%s", err);
    kblk_close(kblk_find("disk0"));
    cr_assert_eq(kmem_live(), live, "nothing leaked on any refusal");
}
