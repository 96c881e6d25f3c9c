/*
 * tests/fuzz/fuzz_am.c — libFuzzer target over active messages
 * (apps/am/am.h): the wire parser and the whole engine. Per input, two
 * endpoints are made on an in-memory link — S (the one under attack: the
 * built-in handlers, a synchronous, an asynchronous and a silent handler, a
 * small extra segment) and R (a requester that S's answers go back to) —
 * and the input is played against them; then both are destroyed and every
 * buffer and every allocation must be back (a leak aborts the run).
 *
 * Input: records of [control (1)][length (2, big-endian)][bytes]; a record
 * cut short takes what is left. Control bits 0-2 choose the action:
 *   0, 1  the bytes are a message to S from peer 1 or peer 2
 *   2     the bytes are a message to R from S (a response, or garbage)
 *   3     R starts a transfer to S: request, store or get, its handler,
 *         segment, offset and length taken from the bytes
 *   4     the oldest message on the link is delivered
 *   5     the oldest message on the link is delivered with the bytes XORed in
 *   6     the oldest message on the link is lost
 *   7     the oldest message on the link is delivered twice
 * bits 3-7: the clock moves on by that many 7 ms steps (timers and strands run).
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true -Dsanitize=true
 * Run:   build-fuzz/tests/fuzz/fuzz-am CORPUS_DIR -max_len=16384
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/am/am.h"
#include "guards/dispatch.h"
#include "kernel/clock.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/pktbuf.h"
#include "kernel/strand.h"
#include "kernel/timer.h"

#define LINK_MAX 64

struct msg {
    struct pktbuf *pkt;
    bool to_s;
    uint8_t from; /* to S: which peer sent it */
};

static struct msg link[LINK_MAX];
static unsigned lhead, llen;
static uint64_t now_ns = 1000000000ull;
static struct am_ep *S, *R;
static const struct am_addr P1 = { .kind = AM_KIND_UDP, .ip = 0x0a000001u, .port = 9000 };
static const struct am_addr P2 = { .kind = AM_KIND_UDP, .ip = 0x0a000003u, .port = 40000 };
static const struct am_addr SA = { .kind = AM_KIND_UDP, .ip = 0x0a000002u, .port = 9000 };
static uint8_t seg1[3000], src[AM_BULK_MAX], dst[AM_BULK_MAX];
static struct am_reg *regs[3];
static unsigned done_calls;

static uint64_t clock_fn(void *ctx)
{
    (void)ctx;
    return now_ns;
}

static int send_fn(void *ctx, const struct am_addr *to, struct pktbuf *m)
{
    bool from_s = ctx == (void *)&S;
    if (llen == LINK_MAX) {
        pkt_free(m);
        return -1;
    }
    uint8_t from = 1;
    if (from_s && to->ip != P1.ip) /* S answering peer 2: nobody is there */
        from = 2;
    link[(lhead + llen++) % LINK_MAX] = (struct msg){ m, !from_s, from };
    return 0;
}

static void sync_h(void *ctx, struct am_msg *m)
{
    (void)ctx;
    uint32_t a[4] = { m->args[0] + 1, m->nargs, m->total, m->base };
    am_reply(m, m->args[1] & 0xff, a, m->args[2] & 7);
    am_reply(m, 0, NULL, 0); /* refused: a second reply */
}

static void silent_h(void *ctx, struct am_msg *m)
{
    (void)ctx;
    (void)m;
}

static void done_fn(void *ctx, const struct am_result *r)
{
    (void)ctx;
    if (r->bytes > AM_BULK_MAX || r->nargs > AM_MAX_ARGS)
        abort();
    done_calls++;
}

static void setup_once(void)
{
    klog_set_level(KLOG_ERR);
    kclock_set_source(clock_fn, NULL);
    if (guards_init() != 0)
        abort();
    struct pktpool *pool = pktpool_create("default", 48, PKT_BLOCK_SIZE, NULL, NULL);
    if (pool == NULL)
        abort();
    pktpool_set_default(pool);
}

static void make(void)
{
    static void *const sctx = &S, *const rctx = &R;
    struct am_transport ts = { .kind = AM_KIND_UDP, .send = send_fn, .ctx = sctx };
    struct am_transport tr = { .kind = AM_KIND_UDP, .send = send_fn, .ctx = rctx };
    struct am_config c = { .name = "S",
                           .window = 4,
                           .rto_ns = 20 * KNS_PER_MS,
                           .retries = 3,
                           .chunk = 1000,
                           .segment_bytes = 4096,
                           .epoch_seed = 7 };
    S = am_ep_create(&c, &ts, NULL);
    c.name = "R";
    c.epoch_seed = 8;
    c.chunk = 3000;
    R = am_ep_create(&c, &tr, NULL);
    if (S == NULL || R == NULL)
        abort();
    struct khandler_props async = { .name = "fuzz-async", .mode = KH_ASYNC };
    if (am_register(S, NULL, 20, sync_h, NULL, NULL, &regs[0]) < 0 ||
        am_register(S, NULL, 21, sync_h, NULL, &async, &regs[1]) < 0 ||
        am_register(S, NULL, 22, silent_h, NULL, NULL, &regs[2]) < 0 ||
        am_segment_register(S, 1, seg1, sizeof seg1) < 0)
        abort();
}

static struct msg pop(void)
{
    struct msg m = link[lhead];
    lhead = (lhead + 1) % LINK_MAX;
    llen--;
    return m;
}

static void deliver(struct msg m, const uint8_t *x, size_t xn)
{
    if (x != NULL && m.pkt->refcnt == 1)
        for (size_t i = 0; i < xn && i < m.pkt->len; i++)
            pkt_data(m.pkt)[i] ^= x[i];
    if (m.to_s)
        am_ep_input(S, m.from == 1 ? &P1 : &P2, pkt_data(m.pkt), m.pkt->len);
    else if (m.from == 1)
        am_ep_input(R, &SA, pkt_data(m.pkt), m.pkt->len);
}

static void tick(unsigned steps)
{
    now_ns += (uint64_t)steps * 7 * KNS_PER_MS;
    ktimer_run_due(now_ns);
    ksched_run(64);
}

/* start - R begins a transfer to S described by @b. */
static void start(const uint8_t *b, size_t n)
{
    uint8_t k[8] = { 0 };
    memcpy(k, b, n < 8 ? n : 8);
    uint32_t off = (uint32_t)(k[3] << 8 | k[4]) * 4;
    uint32_t len = (uint32_t)(k[5] << 8 | k[6]) % (AM_BULK_MAX + 2);
    uint32_t args[4] = { k[2], k[7], k[1], 0 };
    switch (k[0] % 3) {
    case 0: am_request(R, &SA, k[1], args, k[2] % 6, done_fn, NULL); break;
    case 1:
        am_store(R, &SA, k[1] % 24, k[2] % 5, off, src, len, args, k[7] % 6, done_fn, NULL);
        break;
    default: am_get(R, &SA, k[2] % 5, off, dst, len, done_fn, NULL); break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        setup_once();
        ready = true;
    }
    uint64_t live = kmem_live();
    make();
    size_t off = 0;
    while (off < size) {
        uint8_t ctl = data[off++];
        size_t len = off + 2 <= size ? load_be16(data + off) : 0;
        off += off + 2 <= size ? 2 : size - off;
        if (len > size - off)
            len = size - off;
        const uint8_t *b = data + off;
        off += len;
        switch (ctl & 7) {
        case 0:
        case 1: am_ep_input(S, (ctl & 7) == 0 ? &P1 : &P2, b, len); break;
        case 2: am_ep_input(R, &SA, b, len); break;
        case 3: start(b, len); break;
        default:
            if (llen > 0) {
                struct msg m = pop();
                if ((ctl & 7) == 4)
                    deliver(m, NULL, 0);
                else if ((ctl & 7) == 5)
                    deliver(m, b, len);
                else if ((ctl & 7) == 7) {
                    deliver(m, NULL, 0);
                    deliver(m, NULL, 0);
                }
                pkt_free(m.pkt);
            }
            break;
        }
        tick(ctl >> 3);
    }
    /* let the link empty and every timer run out */
    for (unsigned i = 0; i < 200 && (llen > 0 || ktimer_pending() > 0); i++) {
        while (llen > 0) {
            struct msg m = pop();
            deliver(m, NULL, 0);
            pkt_free(m.pkt);
        }
        tick(200);
    }
    am_ep_destroy(S);
    am_ep_destroy(R);
    for (unsigned i = 0; i < 3; i++)
        am_unregister(regs[i]);
    while (llen > 0)
        pkt_free(pop().pkt);
    ksched_run(1000);
    if (!pktpool_all_full() || kmem_live() != live) {
        fprintf(stderr, "fuzz-am: leaked %llu allocations or buffers\n",
                (unsigned long long)(kmem_live() - live));
        abort();
    }
    return 0;
}
