/*
 * kernel/strand.c — strands, the run queue and the Strand events
 * (kernel/strand.h).
 */
#include "kernel/strand.h"
#include "kernel/budget.h"
#include "kernel/kerr.h"
#include "kernel/stats.h"

KEVENT_DEFINE(strand_Block, struct kstrand *, "Strand.Block", false, NULL);
KEVENT_DEFINE(strand_Unblock, struct kstrand *, "Strand.Unblock", false, NULL);
KEVENT_DEFINE(strand_Checkpoint, struct kstrand *, "Strand.Checkpoint", false, NULL);
KEVENT_DEFINE(strand_Resume, struct kstrand *, "Strand.Resume", false, NULL);

static struct {
    struct kstrand *head, **tail; /* run queue, FIFO */
    unsigned runnable;
    struct kstrand *current; /* step in progress */
    bool running;            /* inside ksched_run */
} sched = { 0, &sched.head, 0, NULL, false };

enum { SC_STEPS, SC_EXITS, SC_BLOCKS, SC_UNBLOCKS, SC_ABANDONED, SC_NCTR };
static const char *const sched_ctr_names[SC_NCTR] = { "steps", "exits", "blocks", "unblocks",
                                                      "abandoned" };
static uint64_t sched_ctr[SC_NCTR];
static struct kstat_group sched_stats = KSTAT_GROUP("sched", sched_ctr_names, sched_ctr);

static void enqueue(struct kstrand *s)
{
    if (!sched_stats.registered)
        kstats_register(&sched_stats);
    s->state = KSTRAND_RUNNABLE;
    s->next = NULL;
    *sched.tail = s;
    sched.tail = &s->next;
    sched.runnable++;
}

static struct kstrand *dequeue(void)
{
    struct kstrand *s = sched.head;
    if (!s)
        return NULL;
    sched.head = s->next;
    if (!sched.head)
        sched.tail = &sched.head;
    s->next = NULL;
    sched.runnable--;
    return s;
}

/* unlink - remove a RUNNABLE @s from the middle of the run queue. */
static void unlink(struct kstrand *s)
{
    for (struct kstrand **pp = &sched.head; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            if (sched.tail == &s->next)
                sched.tail = pp;
            s->next = NULL;
            sched.runnable--;
            return;
        }
    }
}

static void on_wake(struct ktimer *t, void *ctx)
{
    (void)t;
    struct kstrand *s = ctx;
    if (s->state == KSTRAND_BLOCKED || s->state == KSTRAND_RUNNING)
        kstrand_unblock(s);
    else if (s->state == KSTRAND_IDLE || s->state == KSTRAND_DONE)
        kstrand_start(s);
}

void kstrand_init(struct kstrand *s, const char *name, kstrand_fn run, void *ctx,
                  kstrand_exit_fn exit)
{
    s->name = name ? name : "strand";
    s->run = run;
    s->ctx = ctx;
    s->exit = exit;
    s->state = KSTRAND_IDLE;
    s->wake_pending = false;
    s->next = NULL;
    s->steps = 0;
    ktimer_init(&s->wake, on_wake, s);
}

int kstrand_start(struct kstrand *s)
{
    if (s->state != KSTRAND_IDLE && s->state != KSTRAND_DONE)
        return -KE_INVAL;
    s->wake_pending = false;
    enqueue(s);
    return 0;
}

int kstrand_block(struct kstrand *s)
{
    if (s->state != KSTRAND_RUNNABLE)
        return -KE_INVAL;
    unlink(s);
    s->state = KSTRAND_BLOCKED;
    sched_ctr[SC_BLOCKS]++;
    strand_Block_raise(s);
    return 0;
}

int kstrand_unblock(struct kstrand *s)
{
    if (s->state == KSTRAND_RUNNING) {
        s->wake_pending = true;
        return 0;
    }
    if (s->state != KSTRAND_BLOCKED)
        return -KE_INVAL;
    enqueue(s);
    sched_ctr[SC_UNBLOCKS]++;
    strand_Unblock_raise(s);
    return 0;
}

void kstrand_wake_at(struct kstrand *s, uint64_t deadline_ns)
{
    ktimer_arm(&s->wake, deadline_ns);
}

int kstrand_cancel(struct kstrand *s)
{
    if (s->state == KSTRAND_RUNNING)
        return -KE_AGAIN;
    ktimer_cancel(&s->wake);
    if (s->state == KSTRAND_RUNNABLE)
        unlink(s);
    s->state = KSTRAND_IDLE;
    s->wake_pending = false;
    return 0;
}

/* finish - @s is done: raise nothing more, run its exit (which may free it). */
static void finish(struct kstrand *s)
{
    ktimer_cancel(&s->wake);
    s->state = KSTRAND_DONE;
    sched_ctr[SC_EXITS]++;
    if (s->exit)
        s->exit(s, s->ctx);
}

/*
 * sched_unwind - a bounded call that enclosed this ksched_run was
 * abandoned: the step in progress will never return. Its strand is DONE
 * (its exit runs, so an asynchronous invocation releases its argument) and
 * the scheduler may run again.
 */
static void sched_unwind(void *ctx)
{
    (void)ctx;
    struct kstrand *s = sched.current;
    sched.current = NULL;
    sched.running = false;
    if (s) {
        sched_ctr[SC_ABANDONED]++;
        finish(s);
    }
}

unsigned ksched_run(unsigned max)
{
    if (sched.running || !sched.head)
        return 0;
    if (kframe_push(sched_unwind, NULL) < 0)
        return 0;
    sched.running = true;
    unsigned n = 0;
    struct kstrand *s;
    while (n < max && (s = dequeue()) != NULL) {
        s->state = KSTRAND_RUNNING;
        s->wake_pending = false;
        sched.current = s;
        strand_Resume_raise(s);
        int step = s->run(s, s->ctx);
        s->steps++;
        sched_ctr[SC_STEPS]++;
        n++;
        strand_Checkpoint_raise(s);
        sched.current = NULL;
        if (step == KSTRAND_YIELD || (step == KSTRAND_BLOCK && s->wake_pending)) {
            enqueue(s);
        } else if (step == KSTRAND_BLOCK) {
            s->state = KSTRAND_BLOCKED;
            sched_ctr[SC_BLOCKS]++;
            strand_Block_raise(s);
        } else {
            finish(s);
        }
    }
    sched.running = false;
    kframe_pop();
    return n;
}

unsigned ksched_runnable(void)
{
    return sched.runnable;
}

struct kstrand *ksched_current(void)
{
    return sched.current;
}

void ksched_get_stats(struct ksched_stats *st)
{
    st->steps = sched_ctr[SC_STEPS];
    st->exits = sched_ctr[SC_EXITS];
    st->blocks = sched_ctr[SC_BLOCKS];
    st->unblocks = sched_ctr[SC_UNBLOCKS];
    st->abandoned = sched_ctr[SC_ABANDONED];
}
