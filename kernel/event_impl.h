/*
 * kernel/event_impl.h — private to the dispatcher's files (kernel/event.c,
 * kernel/event_async.c).
 */
#ifndef SPINDLE_KERNEL_EVENT_IMPL_H
#define SPINDLE_KERNEL_EVENT_IMPL_H

#include <stdint.h>
#include "kernel/event.h"

/* The dispatcher's counters, the "dispatch" group (struct kdispatch_stats). */
enum {
    DC_TOO_DEEP,
    DC_OVERRUNS,
    DC_ABANDONED,
    DC_ASYNC_QUEUED,
    DC_ASYNC_RUN,
    DC_ASYNC_LOST,
    DC_LEAKED_PKTS,
    DC_NCTR
};
extern uint64_t dctr[DC_NCTR];

/** run_one - run @h on @arg (bounded if it has a budget), counting its result (event.c). */
int run_one(struct kevent *ev, struct khandler *h, void *arg);
/** handler_maybe_free - free @h once nothing refers to it any more (event.c). */
void handler_maybe_free(struct khandler *h);
/** async_queue - queue one invocation of @h on @arg: 0 or -KE_NOMEM (event_async.c). */
int async_queue(struct kevent *ev, struct khandler *h, void *arg);
/** async_cancel - drop every queued (not running) invocation of @h (event_async.c). */
void async_cancel(struct khandler *h);

#endif
