/*
 * tests/unit/kernel/test_blk.c — the block-device interface (kernel/blk.c):
 * registry, request checks, completion only from poll, counters, the
 * bounded synchronous read, abort and close, over an in-memory driver
 * written here.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "kernel/blk.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/stats.h"

#define MEM_SECTORS 64u
#define MEM_QUEUE 4u

/* An in-memory disk: requests wait in a small FIFO until poll. */
struct memdisk {
    struct kblk blk;
    uint8_t data[MEM_SECTORS * 512];
    struct kblk_req *q[MEM_QUEUE];
    unsigned nq;
    bool stuck;    /* poll completes nothing (a hung device) */
    int fail_next; /* status of the next completion, 0 = do it */
    unsigned submits, aborts, closes;
};

static int md_submit(struct kblk *b, struct kblk_req *req)
{
    struct memdisk *m = b->priv;
    if (m->nq == MEM_QUEUE)
        return -KE_AGAIN;
    m->q[m->nq++] = req;
    m->submits++;
    return 0;
}

static unsigned md_poll(struct kblk *b, unsigned budget)
{
    struct memdisk *m = b->priv;
    unsigned n = 0;
    while (!m->stuck && n < budget && m->nq > 0) {
        struct kblk_req *r = m->q[0];
        memmove(m->q, m->q + 1, sizeof(m->q[0]) * --m->nq);
        int st = m->fail_next;
        m->fail_next = 0;
        size_t bytes = (size_t)r->nsect * b->sector_size;
        if (!st && r->op == KBLK_READ)
            memcpy(r->buf, m->data + r->lba * b->sector_size, bytes);
        else if (!st && r->op == KBLK_WRITE)
            memcpy(m->data + r->lba * b->sector_size, r->buf, bytes);
        kblk_complete(r, st);
        n++;
    }
    return n;
}

static bool md_ready(const struct kblk *b)
{
    const struct memdisk *m = b->priv;
    return !m->stuck && m->nq > 0;
}

static void md_abort(struct kblk *b)
{
    struct memdisk *m = b->priv;
    m->aborts++;
    while (m->nq > 0)
        kblk_complete(m->q[--m->nq], -KE_IO);
}

static void md_close(struct kblk *b)
{
    ((struct memdisk *)b->priv)->closes++;
}

static const struct kblk_ops md_ops = { md_submit, md_poll, md_ready, md_abort, md_close };

static void md_make(struct memdisk *m, const char *name)
{
    memset(m, 0, sizeof *m);
    kblk_init(&m->blk, &md_ops, m, "mem", name);
    m->blk.sector_size = 512;
    m->blk.capacity = MEM_SECTORS;
    m->blk.max_sectors = 8;
    m->blk.queue_depth = MEM_QUEUE;
    for (size_t i = 0; i < sizeof m->data; i++)
        m->data[i] = (uint8_t)(i * 13u + i / 512u);
}

static unsigned dones;
static void count_done(struct kblk_req *r)
{
    (void)r;
    dones++;
}

/* A clock that moves 1 ms at every look, so bounded loops end in tests. */
static uint64_t ticking;
static uint64_t tick_source(void *ctx)
{
    (void)ctx;
    return ticking += KNS_PER_MS;
}

static uint64_t stat_of(const char *node, const char *name)
{
    uint64_t v = 0;
    cr_assert_eq(kstats_find(node, name, &v), 0, "counter %s.%s", node, name);
    return v;
}

Test(blk, register_checks_geometry_and_names)
{
    static struct memdisk a, b;
    md_make(&a, "disk0");
    const uint32_t bad_ss[] = { 0, 256, 1000, 131072 };
    for (unsigned i = 0; i < 4; i++) {
        a.blk.sector_size = bad_ss[i];
        cr_assert_eq(kblk_register(&a.blk), -KE_INVAL, "sector size %u", bad_ss[i]);
    }
    a.blk.sector_size = 4096;
    a.blk.capacity = 0;
    cr_assert_eq(kblk_register(&a.blk), -KE_INVAL, "no capacity");
    md_make(&a, "");
    cr_assert_eq(kblk_register(&a.blk), -KE_INVAL, "no name");

    char name[KBLK_NAME_MAX];
    kblk_unused_name(name);
    cr_assert_str_eq(name, "disk0");
    md_make(&a, name);
    cr_assert_eq(kblk_register(&a.blk), 0);
    cr_assert_eq(kblk_find("disk0"), &a.blk);
    cr_assert_eq(stat_of("disk0", "reads"), 0, "counters under the disk's name");
    md_make(&b, "disk0");
    cr_assert_eq(kblk_register(&b.blk), -KE_EXIST);
    kblk_unused_name(name);
    cr_assert_str_eq(name, "disk1");
    kblk_unregister(&a.blk);
    cr_assert_null(kblk_find("disk0"));
    uint64_t v;
    cr_assert_eq(kstats_find("disk0", "reads", &v), -KE_NOENT);
    kblk_unused_name(name);
    cr_assert_str_eq(name, "disk0");
}

Test(blk, submit_refuses_bad_requests_before_the_driver)
{
    static struct memdisk m;
    md_make(&m, "disk0");
    m.blk.read_only = true;
    cr_assert_eq(kblk_register(&m.blk), 0);
    uint8_t buf[8 * 512];
    const struct {
        struct kblk_req r;
        int want;
    } cases[] = {
        { { .op = KBLK_READ, .lba = 63, .nsect = 2, .buf = buf }, -KE_RANGE },
        { { .op = KBLK_READ, .lba = UINT64_MAX, .nsect = 1, .buf = buf }, -KE_RANGE },
        { { .op = KBLK_READ, .lba = 64, .nsect = 1, .buf = buf }, -KE_RANGE },
        { { .op = KBLK_READ, .lba = 0, .nsect = 9, .buf = buf }, -KE_TOOBIG },
        { { .op = KBLK_READ, .lba = 0, .nsect = 0, .buf = buf }, -KE_INVAL },
        { { .op = KBLK_READ, .lba = 0, .nsect = 1, .buf = NULL }, -KE_INVAL },
        { { .op = KBLK_WRITE, .lba = 0, .nsect = 1, .buf = buf }, -KE_PERM },
        { { .op = KBLK_FLUSH }, -KE_NOTSUP },
        { { .op = (enum kblk_op)7, .lba = 0, .nsect = 1, .buf = buf }, -KE_INVAL },
    };
    for (unsigned i = 0; i < KARRAY_SIZE(cases); i++) {
        struct kblk_req r = cases[i].r;
        cr_assert_eq(kblk_submit(&m.blk, &r), cases[i].want, "case %u", i);
        cr_assert_not(r.pending);
    }
    cr_assert_eq(m.submits, 0, "the driver saw none of them");
    cr_assert_eq(stat_of("disk0", "rejected"), KARRAY_SIZE(cases));
    cr_assert_eq(m.blk.inflight, 0);

    struct kblk_req ok = { .op = KBLK_READ, .lba = 63, .nsect = 1, .buf = buf };
    cr_assert_eq(kblk_submit(&m.blk, &ok), 0, "the last sector is in range");
    cr_assert_eq(kblk_submit(&m.blk, &ok), -KE_INVAL, "still pending");
    kblk_poll(&m.blk, 8);
}

Test(blk, completion_comes_from_poll_with_counters)
{
    static struct memdisk m;
    md_make(&m, "disk0");
    cr_assert_eq(kblk_register(&m.blk), 0);
    uint8_t buf[2 * 512];
    dones = 0;
    struct kblk_req r = { .op = KBLK_READ, .lba = 5, .nsect = 2, .buf = buf, .done = count_done };
    cr_assert_not(kblk_work_pending());
    cr_assert_eq(kblk_submit(&m.blk, &r), 0);
    cr_assert_eq(dones, 0, "never completed inside submit");
    cr_assert(r.pending);
    cr_assert_eq(m.blk.inflight, 1);
    cr_assert(kblk_work_pending());
    cr_assert_eq(kblk_poll_all(4), 1);
    cr_assert_eq(dones, 1);
    cr_assert_eq(r.status, 0);
    cr_assert_not(r.pending);
    cr_assert_arr_eq(buf, m.data + 5 * 512, sizeof buf);
    cr_assert_not(kblk_work_pending());
    cr_assert_eq(stat_of("disk0", "reads"), 1);
    cr_assert_eq(stat_of("disk0", "read_bytes"), 1024);

    m.fail_next = -KE_IO;
    cr_assert_eq(kblk_submit(&m.blk, &r), 0);
    kblk_poll(&m.blk, 1);
    cr_assert_eq(r.status, -KE_IO);
    cr_assert_eq(stat_of("disk0", "errors"), 1);
    cr_assert_eq(stat_of("disk0", "reads"), 1);
    cr_assert_eq(m.blk.inflight, 0);
}

Test(blk, full_queue_is_busy_not_an_error)
{
    static struct memdisk m;
    md_make(&m, "disk0");
    cr_assert_eq(kblk_register(&m.blk), 0);
    uint8_t buf[512];
    struct kblk_req r[MEM_QUEUE + 1];
    for (unsigned i = 0; i <= MEM_QUEUE; i++)
        r[i] = (struct kblk_req){ .op = KBLK_READ, .lba = i, .nsect = 1, .buf = buf };
    for (unsigned i = 0; i < MEM_QUEUE; i++)
        cr_assert_eq(kblk_submit(&m.blk, &r[i]), 0);
    cr_assert_eq(kblk_submit(&m.blk, &r[MEM_QUEUE]), -KE_AGAIN);
    cr_assert_not(r[MEM_QUEUE].pending);
    cr_assert_eq(stat_of("disk0", "busy"), 1);
    cr_assert_eq(stat_of("disk0", "rejected"), 0);
    cr_assert_eq(kblk_poll(&m.blk, 1), 1, "the budget bounds the work");
    cr_assert_eq(kblk_submit(&m.blk, &r[MEM_QUEUE]), 0);
    cr_assert_eq(kblk_poll(&m.blk, 100), MEM_QUEUE);
}

static unsigned chain_left;
static void resubmit(struct kblk_req *r)
{
    if (r->status == 0 && chain_left > 0) {
        chain_left--;
        r->lba++;
        cr_assert_eq(kblk_submit(r->dev, r), 0, "a callback may submit its request again");
    }
}

Test(blk, a_callback_may_resubmit)
{
    static struct memdisk m;
    md_make(&m, "disk0");
    cr_assert_eq(kblk_register(&m.blk), 0);
    uint8_t buf[512];
    chain_left = 3;
    struct kblk_req r = { .op = KBLK_READ, .lba = 0, .nsect = 1, .buf = buf, .done = resubmit };
    cr_assert_eq(kblk_submit(&m.blk, &r), 0);
    for (unsigned i = 0; i < 10 && m.blk.inflight; i++)
        kblk_poll(&m.blk, 1);
    cr_assert_eq(r.lba, 3);
    cr_assert_arr_eq(buf, m.data + 3 * 512, 512);
    cr_assert_eq(stat_of("disk0", "reads"), 4);
}

Test(blk, read_sync_splits_into_max_sectors)
{
    static struct memdisk m;
    md_make(&m, "disk0");
    m.blk.max_sectors = 3;
    cr_assert_eq(kblk_register(&m.blk), 0);
    uint8_t buf[8 * 512];
    cr_assert_eq(kblk_read_sync(&m.blk, 10, 8, buf, KNS_PER_S), 0);
    cr_assert_arr_eq(buf, m.data + 10 * 512, sizeof buf);
    cr_assert_eq(m.submits, 3, "3 + 3 + 2 sectors");
    cr_assert_eq(kblk_read_sync(&m.blk, 60, 8, buf, KNS_PER_S), -KE_RANGE);
}

Test(blk, read_sync_gives_up_at_its_deadline_and_aborts)
{
    static struct memdisk m;
    md_make(&m, "disk0");
    cr_assert_eq(kblk_register(&m.blk), 0);
    kclock_set_source(tick_source, NULL);
    uint8_t other_buf[512], buf[512];
    struct kblk_req other = { .op = KBLK_READ, .lba = 1, .nsect = 1, .buf = other_buf };
    cr_assert_eq(kblk_submit(&m.blk, &other), 0);
    m.stuck = true;
    cr_assert_eq(kblk_read_sync(&m.blk, 0, 1, buf, 50 * KNS_PER_MS), -KE_IO);
    cr_assert_eq(m.aborts, 1);
    cr_assert_eq(stat_of("disk0", "timeouts"), 1);
    cr_assert_eq(other.status, -KE_IO, "an abort fails every pending request");
    cr_assert_not(other.pending);
    cr_assert_eq(m.blk.inflight, 0);
    cr_assert_eq(m.nq, 0, "the driver holds no pointer to the stack request");
    kclock_set_source(NULL, NULL);
}

Test(blk, close_aborts_unregisters_and_releases)
{
    static struct memdisk m;
    md_make(&m, "disk0");
    cr_assert_eq(kblk_register(&m.blk), 0);
    uint8_t buf[512];
    dones = 0;
    struct kblk_req r = { .op = KBLK_READ, .lba = 0, .nsect = 1, .buf = buf, .done = count_done };
    cr_assert_eq(kblk_submit(&m.blk, &r), 0);
    kblk_close(&m.blk);
    cr_assert_eq(dones, 1);
    cr_assert_eq(r.status, -KE_IO);
    cr_assert_eq(m.closes, 1);
    cr_assert_null(kblk_find("disk0"));
}
