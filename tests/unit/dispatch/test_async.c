/*
 * tests/unit/dispatch/test_async.c — asynchronous handlers (kernel/event.h):
 * queued as strands, run after the raiser continues, their packet reference
 * taken at the raise and released after the run, their result not part of
 * the raise's; non-packet events only with a declared retainer; removal
 * cancels what is queued.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "testkit.h"
#include "kernel/event.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/mem.h"
#include "kernel/strand.h"

KEVENT_DECLARE(async_Packet, struct pktbuf *);
KEVENT_DEFINE(async_Packet, struct pktbuf *, "test.AsyncPacket", true, NULL);

struct note {
    int value;
};
KEVENT_DECLARE(async_Plain, struct note *);
KEVENT_DEFINE(async_Plain, struct note *, "test.AsyncPlain", false, NULL);

static void *note_retain(void *arg)
{
    struct note *copy = kmalloc(sizeof *copy);
    if (copy)
        *copy = *(struct note *)arg;
    return copy;
}
static void note_release(void *arg)
{
    kfree(arg);
}
KEVENT_DECLARE(async_Retained, struct note *);
KEVENT_DEFINE_RETAINED(async_Retained, struct note *, "test.AsyncRetained", NULL, note_retain,
                       note_release);

/* What the asynchronous handler saw. */
static struct {
    int calls;
    uint16_t refcnt;   /* references on the packet while it ran */
    uint16_t data_off; /* its view */
    uint16_t len;
    uint8_t first; /* first data byte */
    int note;
    bool inside_strand;
} seen;

static int async_pkt(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    seen.calls++;
    seen.refcnt = p->refcnt;
    seen.data_off = p->data_off;
    seen.len = p->len;
    seen.first = pkt_data(p)[0];
    seen.inside_strand = ksched_current() != NULL;
    return KH_TAKEN;
}

static int sync_pkt(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    (void)p;
    return KH_TAKEN;
}

static int async_note(void *ctx, struct note *n)
{
    (void)ctx;
    seen.calls++;
    seen.note = n->value;
    return KH_TAKEN;
}

static struct pktbuf *packet(uint8_t first, uint16_t len)
{
    struct pktbuf *p = pkt_alloc(pktpool_default());
    cr_assert_not_null(p);
    uint8_t *d = pkt_append(p, len);
    memset(d, 0, len);
    d[0] = first;
    pkt_set_layer(p, PKT_L2);
    p->layer[PKT_L3] = (uint16_t)(p->data_off + 14);
    p->layer[PKT_L4] = (uint16_t)(p->data_off + 34);
    return p;
}

static void setup(void)
{
    testkit_init();
    memset(&seen, 0, sizeof seen);
}

TestSuite(async, .init = setup);

static const struct khandler_props async_props = { .name = "later", .mode = KH_ASYNC };

Test(async, runs_after_the_raiser_continues_and_releases_its_reference)
{
    struct khandler *h;
    cr_assert_eq(async_Packet_install(async_pkt, NULL, NULL, &async_props, &h), 0);
    struct pktbuf *p = packet(0xab, 60);
    uint16_t view_off = p->data_off;
    cr_assert_eq(async_Packet_raise(p), 1,
                 "a queued call counts as taken, whatever it later returns");
    cr_assert_eq(seen.calls, 0, "not run inside the raise");
    cr_assert_eq(p->refcnt, 2, "the dispatcher holds a reference for the queued call");
    cr_assert_eq(ksched_runnable(), 1);
    cr_assert_eq(h->async_queued, 1);

    /* the raiser continues: changes its view and drops its own reference */
    cr_assert_not_null(pkt_pull(p, 14));
    pkt_free(p);
    cr_assert_not(pktpool_all_full(), "the queued call still holds the buffer");

    cr_assert_eq(ksched_run(8), 1);
    cr_assert_eq(seen.calls, 1);
    cr_assert(seen.inside_strand, "it ran as a strand");
    cr_assert_eq(seen.refcnt, 1, "only the dispatcher's reference was left");
    cr_assert_eq(seen.data_off, view_off, "it sees the packet as it was raised");
    cr_assert_eq(seen.len, 60);
    cr_assert_eq(seen.first, 0xab);
    cr_assert_eq(h->calls, 1);
    cr_assert_eq(h->taken, 1);
    cr_assert_eq(h->pending, 0);
    cr_assert_eq(ksched_runnable(), 0);
    struct kdispatch_stats st;
    kevent_get_stats(&st);
    cr_assert_eq(st.async_queued, 1);
    cr_assert_eq(st.async_run, 1);
    cr_assert(pktpool_all_full(), "the reference was released after the call");
    cr_assert_eq(kevent_uninstall(h), 0);
}

Test(async, a_queued_call_counts_as_taken)
{
    cr_assert_eq(async_Packet_install(async_pkt, NULL, NULL, &async_props, NULL), 0);
    struct khandler *s;
    cr_assert_eq(async_Packet_install(sync_pkt, NULL, NULL, NULL, &s), 0);
    struct pktbuf *p = packet(1, 60);
    cr_assert_eq(async_Packet_raise(p), 2, "the synchronous KH_TAKEN and the queued call");
    cr_assert_eq(async_Packet.unhandled, 0);
    pkt_free(p);
    cr_assert_eq(ksched_run(8), 1);
    cr_assert_eq(seen.calls, 1);
    cr_assert(pktpool_all_full());
    cr_assert_eq(kevent_uninstall(s), 0);
}

Test(async, an_event_taken_only_asynchronously_is_not_unhandled)
{
    struct khandler *h;
    cr_assert_eq(async_Packet_install(async_pkt, NULL, NULL, &async_props, &h), 0);
    struct pktbuf *p = packet(1, 60);
    cr_assert_eq(async_Packet_raise(p), 1, "the queued call is a taker");
    cr_assert_eq(async_Packet.unhandled, 0);
    pkt_free(p);
    cr_assert_eq(ksched_run(8), 1);
    cr_assert_eq(seen.calls, 1);
    cr_assert(pktpool_all_full());
    cr_assert_eq(kevent_uninstall(h), 0);
}

Test(async, guard_is_evaluated_at_the_raise)
{
    struct kguard g = { 0 };
    kguard_add_test(&g, KGUARD_FIELD(PKT_L2, 0, 1, 0xff, KG_EQ, 7));
    struct khandler *h;
    cr_assert_eq(async_Packet_install(async_pkt, NULL, &g, &async_props, &h), 0);
    struct pktbuf *a = packet(7, 60), *b = packet(8, 60);
    async_Packet_raise(a);
    async_Packet_raise(b);
    cr_assert_eq(ksched_runnable(), 1, "only the matching packet was queued");
    cr_assert_eq(b->refcnt, 1);
    pkt_free(a);
    pkt_free(b);
    ksched_run(8);
    cr_assert_eq(seen.calls, 1);
    cr_assert_eq(seen.first, 7);
    cr_assert(pktpool_all_full());
    kevent_uninstall(h);
}

Test(async, uninstall_cancels_queued_calls_and_frees_their_buffers)
{
    uint64_t live = kmem_live();
    struct khandler *h;
    cr_assert_eq(async_Packet_install(async_pkt, NULL, NULL, &async_props, &h), 0);
    for (int i = 0; i < 3; i++) {
        struct pktbuf *p = packet((uint8_t)i, 60);
        async_Packet_raise(p);
        pkt_free(p);
    }
    cr_assert_eq(ksched_runnable(), 3);
    cr_assert_not(pktpool_all_full());
    cr_assert_eq(kevent_uninstall(h), 0);
    cr_assert_eq(ksched_runnable(), 0, "the queued invocations are gone");
    cr_assert(pktpool_all_full(), "and their references released");
    cr_assert_eq(ksched_run(8), 0);
    cr_assert_eq(seen.calls, 0);
    cr_assert_null(async_Packet.plan);
    cr_assert_eq(kmem_live(), live, "handler, calls and plans freed");
}

Test(async, non_packet_event_needs_a_retainer)
{
    cr_assert_eq(async_Plain_install(async_note, NULL, NULL, &async_props, NULL), -KE_NOTSUP);
    cr_assert_eq(async_Plain.nhandlers, 0);
    struct khandler_props bad = { .mode = (enum khandler_mode)7 };
    cr_assert_eq(async_Plain_install(async_note, NULL, NULL, &bad, NULL), -KE_INVAL);

    uint64_t live = kmem_live();
    struct khandler *h;
    cr_assert_eq(async_Retained_install(async_note, NULL, NULL, &async_props, &h), 0);
    struct note n = { 41 };
    cr_assert_eq(async_Retained_raise(&n), 1, "queued: counted as taken");
    n.value = 99; /* the raiser's argument may change or die: the call has its own */
    cr_assert_eq(seen.calls, 0);
    cr_assert_eq(ksched_run(8), 1);
    cr_assert_eq(seen.calls, 1);
    cr_assert_eq(seen.note, 41);
    cr_assert_eq(kevent_uninstall(h), 0);
    cr_assert_eq(kmem_live(), live, "the retained copy was released");
}

/* A strand observer: asynchronous calls are scheduled like every strand. */
static int resumes;
static int on_resume(void *ctx, struct kstrand *s)
{
    (void)ctx;
    if (strcmp(s->name, "later") == 0)
        resumes++;
    return KH_PASS;
}

Test(async, invocations_are_strands_the_scheduler_announces)
{
    struct khandler *obs, *h;
    cr_assert_eq(strand_Resume_install(on_resume, NULL, NULL, NULL, &obs), 0);
    cr_assert_eq(async_Packet_install(async_pkt, NULL, NULL, &async_props, &h), 0);
    struct pktbuf *p = packet(3, 60);
    async_Packet_raise(p);
    async_Packet_raise(p);
    pkt_free(p);
    cr_assert_eq(ksched_run(1), 1, "a bounded run");
    cr_assert_eq(ksched_run(8), 1);
    cr_assert_eq(resumes, 2, "Strand.Resume raised for the strand of each invocation");
    cr_assert_eq(seen.calls, 2);
    cr_assert(pktpool_all_full());
    kevent_uninstall(h);
    kevent_uninstall(obs);
}

/* An asynchronous handler that removes itself while it runs. */
static struct khandler *self_h;
static int remove_self(void *ctx, struct pktbuf *p)
{
    (void)ctx;
    (void)p;
    seen.calls++;
    cr_assert_eq(kevent_uninstall(self_h), 0);
    return KH_PASS;
}

Test(async, a_running_call_may_remove_its_handler)
{
    uint64_t live = kmem_live();
    cr_assert_eq(async_Packet_install(remove_self, NULL, NULL, &async_props, &self_h), 0);
    struct pktbuf *p = packet(3, 60);
    async_Packet_raise(p);
    async_Packet_raise(p);
    pkt_free(p);
    cr_assert_eq(ksched_run(8), 1, "the second call was cancelled by the removal");
    cr_assert_eq(seen.calls, 1);
    cr_assert(pktpool_all_full());
    cr_assert_eq(kmem_live(), live);
}
